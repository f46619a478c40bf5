// Thresholds of indicator changes: constructed cases with known answers.
#include "zone/monitor/indicator.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

TEST(Indicator, ThresholdsParseAndPrint) {
    EXPECT_EQ(zone::parse_threshold("").kind, zone::Threshold::Kind::none);
    EXPECT_EQ(zone::parse_threshold("none").kind, zone::Threshold::Kind::none);
    const zone::Threshold a = zone::parse_threshold("abs:0.05");
    EXPECT_EQ(a.kind, zone::Threshold::Kind::absolute);
    EXPECT_DOUBLE_EQ(a.value, 0.05);
    EXPECT_EQ(a.text(), "abs:0.05");
    const zone::Threshold p = zone::parse_threshold("rel:10%");
    EXPECT_EQ(p.kind, zone::Threshold::Kind::relative);
    EXPECT_DOUBLE_EQ(p.value, 0.1);
    EXPECT_EQ(p.text(), "rel:0.1");
    for (const char* bad : {"abs", "abs:", "abs:ten", "rel:-1", "pct:5", "abs:5%", "rel:1e999"})
        EXPECT_THROW(zone::parse_threshold(bad), std::invalid_argument) << bad;
}

TEST(Indicator, DeclinesCountBeyondTheThresholdInTheWorseDirection) {
    const zone::Threshold none, abs5 = zone::parse_threshold("abs:0.05"), rel10 = zone::parse_threshold("rel:10%");
    EXPECT_TRUE(zone::is_decline(0.6, 0.59, true, none));
    EXPECT_FALSE(zone::is_decline(0.6, 0.6, true, none));
    EXPECT_FALSE(zone::is_decline(0.6, 0.56, true, abs5));
    EXPECT_TRUE(zone::is_decline(0.6, 0.54, true, abs5));
    EXPECT_FALSE(zone::is_decline(0.6, 0.7, true, abs5));
    // Lower is better (PM2.5): a rise is the decline.
    EXPECT_TRUE(zone::is_decline(40, 45, false, rel10));   // +12.5 %
    EXPECT_FALSE(zone::is_decline(40, 43, false, rel10));  // +7.5 %
    EXPECT_TRUE(zone::is_improvement(40, 30, false, rel10));
    EXPECT_FALSE(zone::is_improvement(40, 38, false, rel10));
    // Relative to |baseline|: a negative baseline still has a positive limit.
    EXPECT_TRUE(zone::is_decline(-2, -2.3, true, rel10));
    EXPECT_FALSE(zone::is_decline(-2, -2.1, true, rel10));
}
