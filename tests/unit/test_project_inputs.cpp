// What zone-check project takes from the command line: coordinates in the
// spellings of EIA forms, zone-prefixed Gauss-Krüger coordinates, and the
// verdict of zonekit(7) PROJECT REPORT from matched and undecided rules.
#include "zone/core/error.hpp"
#include "zone/rules/project.hpp"

#include <gtest/gtest.h>

namespace {

void expect_lonlat(const std::string& text, double lon, double lat) {
    std::array<double, 2> got{};
    try {
        got = zone::parse_lonlat(text);
    } catch (const zone::InputError& e) {
        ADD_FAILURE() << text << ": " << e.what();
        return;
    }
    EXPECT_NEAR(got[0], lon, 1e-12) << text;
    EXPECT_NEAR(got[1], lat, 1e-12) << text;
}

std::string lonlat_error(const std::string& text) {
    try {
        zone::parse_lonlat(text);
    } catch (const zone::InputError& e) {
        return e.what();
    }
    ADD_FAILURE() << "no error for " << text;
    return {};
}

zone::RuleHit hit(zone::Effect e, std::vector<std::string> missing = {}) {
    zone::RuleHit h;
    h.effect = e;
    h.missing = std::move(missing);
    return h;
}

}  // namespace

TEST(ProjectInputs, DecimalAndDmsSpellings) {
    const double lon = 117 + 1.0 / 60 + 30.0 / 3600, lat = 36 + 39.0 / 60;
    expect_lonlat("117.025,36.65", 117.025, 36.65);
    expect_lonlat(" 117.025 , 36.65 ", 117.025, 36.65);
    expect_lonlat("117.025 36.65", 117.025, 36.65);
    expect_lonlat("117°01'30\"E,36°39'00\"N", lon, lat);
    expect_lonlat("117°01′30″E, 36°39′00″N", lon, lat);
    expect_lonlat("117°1'30\" 36°39'", lon, lat);
    expect_lonlat("E117°01'30\" N36°39'00\"", lon, lat);
    expect_lonlat("36°39'00\"N 117°01'30\"E", lon, lat);  // hemispheres make the order free
    expect_lonlat("117d01m30sE,36d39m00sN", lon, lat);
    expect_lonlat("117:01:30,36:39:00", lon, lat);
    expect_lonlat("117 01 30 36 39 00", lon, lat);
    expect_lonlat("东经117度01分30秒，北纬36度39分", lon, lat);
    expect_lonlat("东经117°01′30″ 北纬36°39′00″", lon, lat);
    expect_lonlat("117°01'30.5\"E,36°39'00.25\"N", 117 + 1.0 / 60 + 30.5 / 3600, 36 + 39.0 / 60 + 0.25 / 3600);
    expect_lonlat("117°01.5'E,36°39.25'N", 117 + 1.5 / 60, 36 + 39.25 / 60);
    expect_lonlat("117°01'30''E,36°39'00''N", lon, lat);  // two apostrophes for seconds
    expect_lonlat("-70.5,-33.25", -70.5, -33.25);
    expect_lonlat("70°30'W,33°15'S", -70.5, -33.25);
}

TEST(ProjectInputs, BadCoordinatesSayWhy) {
    EXPECT_NE(lonlat_error("36.65,117.025").find("swapped"), std::string::npos);
    EXPECT_NE(lonlat_error("117°61'00\"E,36°39'N").find("minutes"), std::string::npos);
    EXPECT_NE(lonlat_error("117°01'60\"E,36°39'N").find("seconds"), std::string::npos);
    EXPECT_NE(lonlat_error("117.5°30'E,36°39'N").find("decimal degrees followed by minutes"), std::string::npos);
    EXPECT_NE(lonlat_error("117.025").find("longitude and a latitude"), std::string::npos);
    EXPECT_NE(lonlat_error("117E,36E").find("hemispheres"), std::string::npos);
    EXPECT_NE(lonlat_error("117E,36.6").find("hemispheres"), std::string::npos);
    EXPECT_NE(lonlat_error("abc,36").find("not a number"), std::string::npos);
    EXPECT_NE(lonlat_error("190,36").find("beyond 180"), std::string::npos);
    EXPECT_NE(lonlat_error("").find("empty"), std::string::npos);
}

TEST(ProjectInputs, GaussKrugerZonePrefix) {
    auto g = zone::parse_gauss_kruger("39512345.67,4051234.5");
    EXPECT_EQ(g.central_meridian, 117);
    EXPECT_FALSE(g.six_degree);
    EXPECT_DOUBLE_EQ(g.easting, 512345.67);
    EXPECT_DOUBLE_EQ(g.northing, 4051234.5);
    EXPECT_EQ(g.epsg, 4548);  // CGCS2000 / 3-degree Gauss-Kruger CM 117E
    // Surveyors write X (north) first; labels too.
    g = zone::parse_gauss_kruger("X=4051234.5, Y=40512345.67");
    EXPECT_EQ(g.central_meridian, 120);
    EXPECT_DOUBLE_EQ(g.northing, 4051234.5);
    EXPECT_DOUBLE_EQ(g.easting, 512345.67);
    // A 6-degree zone: 20 has central meridian 117.
    g = zone::parse_gauss_kruger("20512345.67,4051234.5");
    EXPECT_TRUE(g.six_degree);
    EXPECT_EQ(g.central_meridian, 117);
    EXPECT_EQ(g.epsg, 4548);
    // Without prefix the zone must be given.
    EXPECT_THROW(zone::parse_gauss_kruger("512345.67,4051234.5"), zone::InputError);
    try {
        zone::parse_gauss_kruger("512345.67,4051234.5");
    } catch (const zone::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("--zone"), std::string::npos) << e.what();
    }
    EXPECT_EQ(zone::parse_gauss_kruger("512345.67,4051234.5", 39).central_meridian, 117);
    EXPECT_EQ(zone::parse_gauss_kruger("512345.67,4051234.5", std::nullopt, 120).central_meridian, 120);
    EXPECT_THROW(zone::parse_gauss_kruger("512345.67,4051234.5", std::nullopt, 118), zone::InputError);
    EXPECT_THROW(zone::parse_gauss_kruger("39512345.67,4051234.5", 40), zone::InputError) << "prefix and zone disagree";
    EXPECT_THROW(zone::parse_gauss_kruger("99512345.67,4051234.5"), zone::InputError) << "no such zone";
    EXPECT_THROW(zone::parse_gauss_kruger("39512345.67"), zone::InputError);
    EXPECT_THROW(zone::parse_gauss_kruger("39512345.67,39512345.67"), zone::InputError);
    EXPECT_THROW(zone::parse_gauss_kruger("39512345.67,45.5"), zone::InputError) << "northing out of China";
}

TEST(ProjectInputs, VerdictKinds) {
    using zone::Effect;
    using zone::Verdict;
    std::vector<std::string> missing;
    EXPECT_EQ(zone::decide_verdict({}, {}, &missing), Verdict::conforming);
    EXPECT_EQ(zone::decide_verdict({hit(Effect::info)}, {}, &missing), Verdict::conforming);
    EXPECT_EQ(zone::decide_verdict({hit(Effect::restrict)}, {}, &missing), Verdict::conditional);
    EXPECT_EQ(zone::decide_verdict({hit(Effect::require), hit(Effect::info)}, {}, &missing), Verdict::conditional);
    EXPECT_EQ(zone::decide_verdict({hit(Effect::require), hit(Effect::prohibit)}, {}, &missing), Verdict::nonconforming);
    // Undecided rules matter only when they could change the verdict.
    EXPECT_EQ(zone::decide_verdict({}, {hit(Effect::prohibit, {"vocs_t"})}, &missing), Verdict::incomplete);
    EXPECT_EQ(missing, std::vector<std::string>{"vocs_t"});
    EXPECT_EQ(zone::decide_verdict({hit(Effect::restrict)}, {hit(Effect::prohibit, {"nature"})}, &missing),
              Verdict::incomplete);
    EXPECT_EQ(missing, std::vector<std::string>{"nature"});
    EXPECT_EQ(zone::decide_verdict({hit(Effect::restrict)}, {hit(Effect::require, {"water_m3"})}, &missing),
              Verdict::conditional)
        << "conditional whatever water_m3 is";
    EXPECT_TRUE(missing.empty());
    EXPECT_EQ(zone::decide_verdict({hit(Effect::prohibit)}, {hit(Effect::prohibit, {"x"})}, &missing),
              Verdict::nonconforming);
    EXPECT_EQ(zone::decide_verdict({}, {hit(Effect::info, {"x"})}, &missing), Verdict::conforming);
    // Only the attributes of the rules that matter.
    EXPECT_EQ(zone::decide_verdict({hit(Effect::restrict)},
                                   {hit(Effect::require, {"a"}), hit(Effect::prohibit, {"c", "b"})}, &missing),
              Verdict::incomplete);
    EXPECT_EQ(missing, (std::vector<std::string>{"b", "c"}));
}

TEST(ProjectInputs, AttributesAreChecked) {
    zone::AttrValue v = zone::AttrValue::of("c2614");
    zone::check_attribute("industry", v);
    EXPECT_EQ(v.text, "C2614");
    v = zone::AttrValue::of("化工");
    EXPECT_THROW(zone::check_attribute("industry", v), std::invalid_argument);
    v = zone::AttrValue::of("技改");
    zone::check_attribute("nature", v);
    EXPECT_EQ(v.text, "技术改造");
    v = zone::AttrValue::of("新建项目");
    EXPECT_THROW(zone::check_attribute("nature", v), std::invalid_argument);
    v = zone::AttrValue::of("anything");
    EXPECT_NO_THROW(zone::check_attribute("vocs_t", v)) << "other attributes are checked where they are compared";
}
