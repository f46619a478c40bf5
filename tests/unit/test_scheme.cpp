#include "zone/core/error.hpp"
#include "zone/build/scheme.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace {

class SchemeTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("zone-scheme-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& text) {
        const fs::path p = dir_ / "scheme.toml";
        std::ofstream(p) << text;
        return p.string();
    }

    // The message of the InputError loading `text` throws.
    std::string error_of(const std::string& text) {
        try {
            zone::load_scheme(write(text));
        } catch (const zone::InputError& e) {
            return e.what();
        }
        ADD_FAILURE() << "no error for:\n" << text;
        return {};
    }

    fs::path dir_;
};

const char* minimal = R"(
[boundary]
source = "counties.gpkg"
code_field = "adcode"
name_field = "name"

[[factor]]
id = "redline"
source = "factors.gpkg|layername=redline"
category = 1
)";

}  // namespace

TEST_F(SchemeTest, MinimalSchemeGetsDefaultsAndPathsRelativeToTheFile) {
    const zone::Scheme s = zone::load_scheme(write(minimal));
    EXPECT_EQ(s.boundary.source, (dir_ / "counties.gpkg").string());
    ASSERT_EQ(s.factors.size(), 1u);
    EXPECT_EQ(s.factors[0].source, (dir_ / "factors.gpkg").string() + "|layername=redline");
    EXPECT_EQ(s.factors[0].label, "redline");
    EXPECT_EQ(s.factors[0].group, zone::Grouping::piece);
    EXPECT_EQ(s.area_method, zone::AreaMethod::gauss_kruger);
    EXPECT_DOUBLE_EQ(s.grid, 1e-9);
    EXPECT_EQ(s.output.layer, "units");
}

TEST_F(SchemeTest, ReadsEverySetting) {
    const zone::Scheme s = zone::load_scheme(write(R"(
[scheme]
name = "测试"
province = "山东省"
[boundary]
source = "/data/c.shp"
code_field = "XZQDM"
name_field = "XZQMC"
city_field = "CITY"
encoding = "GBK"
[build]
grid = 1e-7
sliver_area_m2 = 500
area_method = "ellipsoidal"
[general]
group = "county"
[output]
path = "out/units.gpkg"
layer = "dy"
[[factor]]
id = "park"
label = "工业园区"
source = "PG:dbname=zone"
where = "type = '化工'"
name_field = "name"
category = 2
group = "feature"
)"));
    EXPECT_EQ(s.name, "测试");
    EXPECT_EQ(s.province, "山东省");
    EXPECT_EQ(s.boundary.source, "/data/c.shp");
    EXPECT_EQ(s.boundary.encoding, "GBK");
    EXPECT_DOUBLE_EQ(s.grid, 1e-7);
    EXPECT_DOUBLE_EQ(s.sliver_area_m2, 500);
    EXPECT_EQ(s.area_method, zone::AreaMethod::ellipsoidal);
    EXPECT_EQ(s.general.group, zone::Grouping::county);
    EXPECT_EQ(s.output.path, (dir_ / "out/units.gpkg").string());
    EXPECT_EQ(s.output.layer, "dy");
    EXPECT_EQ(s.factors[0].source, "PG:dbname=zone");
    EXPECT_EQ(s.factors[0].where, "type = '化工'");
    EXPECT_EQ(s.factors[0].group, zone::Grouping::feature);
    EXPECT_EQ(s.factors[0].category, 2);
}

TEST_F(SchemeTest, MissingFile) {
    EXPECT_THROW(zone::load_scheme((dir_ / "nope.toml").string()), zone::InputError);
}

TEST_F(SchemeTest, BadTomlNamesLineAndColumn) {
    const std::string e = error_of("[boundary]\nsource = \"x\nname_field = 1\n");
    EXPECT_NE(e.find("scheme.toml:2:"), std::string::npos) << e;
    EXPECT_NE(e.find("not valid TOML"), std::string::npos) << e;
}

TEST_F(SchemeTest, UnknownKeyIsAnErrorWithItsPosition) {
    std::string text = minimal;
    text += "sliver = 5\n";
    const std::string e = error_of(text);
    EXPECT_NE(e.find("factor[1].sliver: unknown key"), std::string::npos) << e;
    EXPECT_NE(e.find("scheme.toml:11:"), std::string::npos) << e;
}

TEST_F(SchemeTest, CategoryMustBePriorityOrKey) {
    std::string text = minimal;
    text.replace(text.find("category = 1"), 12, "category = 3");
    const std::string e = error_of(text);
    EXPECT_NE(e.find("factor[1].category"), std::string::npos) << e;
    EXPECT_NE(e.find("must be 1"), std::string::npos) << e;
}

TEST_F(SchemeTest, MissingRequiredKeysAndTables) {
    EXPECT_NE(error_of("[[factor]]\nid='a'\nsource='b'\ncategory=1\n").find("missing table [boundary]"),
              std::string::npos);
    std::string no_code = minimal;
    no_code.erase(no_code.find("code_field"), std::string("code_field = \"adcode\"\n").size());
    EXPECT_NE(error_of(no_code).find("missing key 'code_field'"), std::string::npos);
    std::string no_factor(minimal, 0, std::string(minimal).find("[[factor]]"));
    EXPECT_NE(error_of(no_factor).find("no [[factor]]"), std::string::npos);
}

TEST_F(SchemeTest, DuplicateFactorIdsAndBadValues) {
    std::string twice = std::string(minimal) + "[[factor]]\nid = \"redline\"\nsource = \"x.shp\"\ncategory = 2\n";
    EXPECT_NE(error_of(twice).find("duplicate factor id 'redline'"), std::string::npos);
    std::string bad_group = std::string(minimal) + "group = \"town\"\n";
    EXPECT_NE(error_of(bad_group).find("'town' is not one of piece, feature, county"), std::string::npos);
    std::string bad_method = std::string(minimal) + "[build]\narea_method = \"mercator\"\n";
    EXPECT_NE(error_of(bad_method).find("build.area_method"), std::string::npos);
    std::string bad_grid = std::string(minimal) + "[build]\ngrid = -1.0\n";
    EXPECT_NE(error_of(bad_grid).find("build.grid: must be a positive number"), std::string::npos);
    std::string general_feature = std::string(minimal) + "[general]\ngroup = \"feature\"\n";
    EXPECT_NE(error_of(general_feature).find("general.group"), std::string::npos);
}

TEST_F(SchemeTest, UnknownTable) {
    EXPECT_NE(error_of(std::string(minimal) + "[outptu]\npath = \"x\"\n").find("outptu: unknown table"),
              std::string::npos);
}
