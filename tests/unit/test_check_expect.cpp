// The spelling of zone-check map --expect (parse_expectation): sources with
// layer names and connection strings, filters holding any character, and
// every malformed part.
#include "zone/check/check_expect.hpp"
#include "zone/core/error.hpp"

#include <gtest/gtest.h>

namespace {

using zone::Expectation;
using zone::parse_expectation;

TEST(ParseExpectation, SourceAndCategories) {
    const Expectation e = parse_expectation("planning.gpkg|layername=ubound=2,1");
    EXPECT_EQ(e.source, "planning.gpkg|layername=ubound");
    EXPECT_EQ(e.categories, (std::vector<int>{1, 2}));
    EXPECT_EQ(e.severity, zone::Severity::error);
    EXPECT_DOUBLE_EQ(e.tolerance_m2, 1.0);
    EXPECT_TRUE(e.where.empty());
    EXPECT_EQ(e.rule, "planning.category_mismatch");

    const Expectation plain = parse_expectation("farmland.shp=1,3,3");
    EXPECT_EQ(plain.source, "farmland.shp");
    EXPECT_EQ(plain.categories, (std::vector<int>{1, 3}));
}

TEST(ParseExpectation, SeverityToleranceAndFilter) {
    const Expectation e =
        parse_expectation("PG:dbname=plan host=db|layername=ubound=1,2:warning:250.5|where=GNFQ <> '特别用途区' AND "
                          "note = 'a:b|c=d'");
    EXPECT_EQ(e.source, "PG:dbname=plan host=db|layername=ubound");
    EXPECT_EQ(e.categories, (std::vector<int>{1, 2}));
    EXPECT_EQ(e.severity, zone::Severity::warning);
    EXPECT_DOUBLE_EQ(e.tolerance_m2, 250.5);
    EXPECT_EQ(e.where, "GNFQ <> '特别用途区' AND note = 'a:b|c=d'");

    const Expectation empty_severity = parse_expectation("a.gpkg=3::0");
    EXPECT_EQ(empty_severity.severity, zone::Severity::error);
    EXPECT_DOUBLE_EQ(empty_severity.tolerance_m2, 0.0);
}

TEST(ParseExpectation, Redline) {
    const Expectation e = zone::redline_expectation("f.gpkg|layername=redline", 5);
    EXPECT_EQ(e.rule, "redline.not_priority");
    EXPECT_EQ(e.categories, (std::vector<int>{1}));
    EXPECT_EQ(e.severity, zone::Severity::error);
    EXPECT_DOUBLE_EQ(e.tolerance_m2, 5.0);
}

TEST(ParseExpectation, MalformedPartsAreNamed) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "no '='"},
        {"a.gpkg", "no '='"},
        {"=1", "no source"},
        {"a.gpkg=", "an empty category"},
        {"a.gpkg|layername=ubound", "'ubound' is not a category"},
        {"a.gpkg=0", "'0' is not a category"},
        {"a.gpkg=12", "'12' is not a category"},
        {"a.gpkg=1;2", "'1;2' is not a category"},
        {"a.gpkg=1:Error", "severity 'Error'"},
        {"a.gpkg=1:error:", "tolerance ''"},
        {"a.gpkg=1:error:1e999", "tolerance '1e999'"},
        {"a.gpkg=1:error:nan", "tolerance 'nan'"},
        {"a.gpkg=1:error:-1", "tolerance '-1'"},
        {"a.gpkg=1:error:5m2", "tolerance '5m2'"},
        {"a.gpkg=1:error:5:x", "more than three"},
        {"a.gpkg=1|where=", "filter after |where= is empty"},
    };
    for (const auto& [spec, says] : cases) {
        try {
            parse_expectation(spec);
            ADD_FAILURE() << spec << ": accepted";
        } catch (const zone::InputError& e) {
            EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << spec << ": " << e.what();
            EXPECT_NE(std::string(e.what()).find("--expect '" + spec + "'"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
