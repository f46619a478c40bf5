// zone-serve's rate limit, token comparison and access-log lines, without a
// server: the limiter takes the time as an argument, so nothing here waits.
#include "zone/serve/access_log.hpp"
#include "zone/serve/rate_limit.hpp"
#include "zone/serve/staff_token.hpp"

#include <gtest/gtest.h>

#include <string>

using zone::serve::RateLimiter;

TEST(RateLimit, BucketEmptiesAndRefills) {
    RateLimiter limiter({/*per_second=*/2, /*burst=*/3, /*max_clients=*/100});
    const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.take("a", t0), 0) << i;
    // Empty: one token comes back after 0.5 s, so Retry-After is 1 (whole seconds, at least 1).
    EXPECT_EQ(limiter.take("a", t0), 1);
    // Another client has its own bucket.
    EXPECT_EQ(limiter.take("b", t0), 0);
    EXPECT_EQ(limiter.take("a", t0 + std::chrono::milliseconds(499)), 1);
    EXPECT_EQ(limiter.take("a", t0 + std::chrono::milliseconds(500)), 0);
    // Refilling stops at the burst: after a long pause, 3 again and no more.
    const auto later = t0 + std::chrono::hours(1);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(limiter.take("a", later), 0) << i;
    EXPECT_GE(limiter.take("a", later), 1);
}

TEST(RateLimit, SlowRateGivesLongerRetryAfter) {
    RateLimiter limiter({0.1, 1, 100});
    const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
    EXPECT_EQ(limiter.take("a", t0), 0);
    EXPECT_EQ(limiter.take("a", t0), 10);
}

TEST(RateLimit, NoLimitWhenRateIsZero) {
    RateLimiter limiter({0, 1, 100});
    for (int i = 0; i < 1000; ++i) EXPECT_EQ(limiter.take("a"), 0);
    EXPECT_EQ(limiter.clients(), 0u);
}

TEST(RateLimit, TableOfClientsIsBounded) {
    RateLimiter limiter({1, 5, 10});
    const auto t0 = RateLimiter::Clock::time_point{} + std::chrono::hours(1);
    for (int i = 0; i < 1000; ++i) {
        limiter.take("10.0.0." + std::to_string(i), t0);
        ASSERT_LE(limiter.clients(), 10u);
    }
}

TEST(StaffToken, ConstantTimeEquality) {
    using zone::serve::equal_in_constant_time;
    EXPECT_TRUE(equal_in_constant_time("abcdefghijklmnop", "abcdefghijklmnop"));
    EXPECT_FALSE(equal_in_constant_time("abcdefghijklmnop", "abcdefghijklmnoq"));
    EXPECT_FALSE(equal_in_constant_time("abcdefghijklmnop", "abcdefghijklmno"));
    EXPECT_FALSE(equal_in_constant_time("abcdefghijklmnop", std::string("abcdefghijklmnop\0", 17)));
    EXPECT_FALSE(equal_in_constant_time("", "a"));
    EXPECT_TRUE(equal_in_constant_time("", ""));
}

TEST(AccessLog, LineHasTheFieldsAndNothingElse) {
    zone::serve::Exchange e;
    e.method = "POST";
    e.path = "/v1/check";
    e.client = "203.0.113.7";
    e.status = 200;
    e.verdict = "conditional";
    e.duration_ms = 1.23456;
    e.bytes_out = 812;
    EXPECT_EQ(zone::serve::AccessLog::format(e, "2026-12-06T20:00:00.000Z"),
              R"({"time":"2026-12-06T20:00:00.000Z","client":"203.0.113.7","method":"POST","endpoint":"/v1/check",)"
              R"("status":200,"verdict":"conditional","duration_ms":1.235,"bytes":812})");
    // A path that is not UTF-8 still gives a line of valid JSON.
    e.path = "/\xff\xfe";
    e.verdict.clear();
    const std::string line = zone::serve::AccessLog::format(e, "t");
    EXPECT_NE(line.find("\"endpoint\":\"/\xEF\xBF\xBD\xEF\xBF\xBD\""), std::string::npos) << line;
    EXPECT_EQ(line.find("verdict"), std::string::npos);
}
