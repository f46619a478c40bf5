#include "zone/build/coding.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

TEST(Coding, CodeIsZhCountyCategorySerial) {
    EXPECT_EQ(zone::unit_code("370102", 1, 1), "ZH37010210001");
    EXPECT_EQ(zone::unit_code("371728", 3, 9999), "ZH37172839999");
    EXPECT_EQ(zone::unit_code("370211", 2, 42), "ZH37021120042");
}

TEST(Coding, RejectsWhatDoesNotFit) {
    EXPECT_THROW(zone::unit_code("37010", 1, 1), std::invalid_argument);
    EXPECT_THROW(zone::unit_code("3701a2", 1, 1), std::invalid_argument);
    EXPECT_THROW(zone::unit_code("370102", 4, 1), std::invalid_argument);
    EXPECT_THROW(zone::unit_code("370102", 1, 0), std::invalid_argument);
    EXPECT_THROW(zone::unit_code("370102", 1, 10000), std::invalid_argument);
}

TEST(Coding, ValidatesTheCodePattern) {
    EXPECT_TRUE(zone::is_valid_unit_code("ZH37010210001"));
    EXPECT_FALSE(zone::is_valid_unit_code("ZH37010240001"));   // category 4
    EXPECT_FALSE(zone::is_valid_unit_code("ZH3701021001"));    // too short
    EXPECT_FALSE(zone::is_valid_unit_code("ZH370102100011"));  // too long
    EXPECT_FALSE(zone::is_valid_unit_code("zh37010210001"));
    EXPECT_FALSE(zone::is_valid_unit_code("ZH37O10210001"));   // letter O
}

TEST(Coding, CategoryNames) {
    EXPECT_STREQ(zone::category_unit_name(1), "优先保护单元");
    EXPECT_STREQ(zone::category_unit_name(2), "重点管控单元");
    EXPECT_STREQ(zone::category_unit_name(3), "一般管控单元");
}
