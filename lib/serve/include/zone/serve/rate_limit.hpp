// Per-client rate limit of zone-serve: a token bucket per client address.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <unordered_map>

namespace zone::serve {

struct RateLimit {
    double per_second = 10;  // tokens added per second; 0: no limit
    double burst = 20;       // the bucket's size: requests a quiet client may send at once
    std::size_t max_clients = 100'000;  // buckets kept; full (idle) ones are forgotten first
};

// Each client's bucket starts full and refills at `per_second` up to `burst`;
// a request takes one token. The table of buckets is bounded: when it is full,
// buckets that have refilled completely are dropped (forgetting them changes
// nothing), and if none has, the table is cleared (many addresses at once is
// a flood, and the limit is per client, not global).
class RateLimiter {
public:
    using Clock = std::chrono::steady_clock;
    explicit RateLimiter(RateLimit limit) : limit_(limit) {}

    // 0 when the request may go ahead; else the whole seconds after which a
    // token will be there (for Retry-After, at least 1).
    int take(const std::string& client, Clock::time_point now = Clock::now());

    std::size_t clients() const;

private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point updated;
    };
    void forget_full(Clock::time_point now);

    RateLimit limit_;
    mutable std::mutex mutex_;
    std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace zone::serve
