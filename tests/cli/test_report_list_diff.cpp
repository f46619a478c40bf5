// zone-report --list (each unit's requirements from an access list) and
// --diff (the change section) on the Shandong map of the ctest fixture
// (SHANDONG_UNITS). The expectations are computed here: the rules that apply
// from the sample list as read by a small parser of this file, circles and
// cities from the boundary layer, the flipped unit's area with GDAL in its
// county's Gauss-Krüger zone — never with libzone.
#include "support.hpp"
#include "xhtml.hpp"

#include <cpl_json.h>
#include <gdal_priv.h>


#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace zt;

RunResult run_report(const std::vector<std::string>& args, double timeout_s = 120) {
    std::vector<std::string> argv{ZONE_REPORT_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_with_timeout(argv, timeout_s);
}

std::string root() { return fs::path(testdata_dir()).parent_path().string(); }
std::string boundary() { return root() + "/testdata/shandong/counties.gpkg"; }
std::string sample_list() { return root() + "/testdata/shandong/access-list.toml"; }

const char* const kDimensions[] = {"空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"};

// ------------------------------------------------------------------ the list, read here

struct TomlRule {
    std::string id, level, scope, dimension, when;
    std::vector<int> categories;
};

// Just enough TOML for the sample list: `key = "…"`, `key = '…'` and
// `categories = [1, 2]` lines inside [[rule]] tables.
std::vector<TomlRule> read_rules(const std::string& path) {
    std::vector<TomlRule> rules;
    std::istringstream in(read_file(path));
    std::string line;
    bool in_rule = false;
    while (std::getline(in, line)) {
        if (line.rfind("[[rule]]", 0) == 0) {
            rules.emplace_back();
            in_rule = true;
            continue;
        }
        if (line.rfind("[", 0) == 0) in_rule = false;
        if (!in_rule) continue;
        const auto eq = line.find(" = ");
        if (eq == std::string::npos) continue;
        const std::string key = line.substr(0, eq), value = line.substr(eq + 3);
        auto unquoted = [&] { return value.size() >= 2 ? value.substr(1, value.size() - 2) : value; };
        TomlRule& r = rules.back();
        if (key == "id") r.id = unquoted();
        else if (key == "level") r.level = unquoted();
        else if (key == "scope") r.scope = unquoted();
        else if (key == "dimension") r.dimension = unquoted();
        else if (key == "when") r.when = unquoted();
        else if (key == "categories")
            for (char c : value)
                if (c >= '1' && c <= '3') r.categories.push_back(c - '0');
    }
    return rules;
}

struct UnitFacts {
    std::string code, county, city_code, city, circle;
    int category = 0;
};

bool applies(const TomlRule& r, const UnitFacts& u) {
    if (!r.categories.empty() && std::find(r.categories.begin(), r.categories.end(), u.category) == r.categories.end())
        return false;
    if (r.level == "province") return u.county.substr(0, 2) + "0000" == r.scope;
    if (r.level == "circle") return u.circle == r.scope;
    if (r.level == "city") return u.city_code == r.scope || u.city == r.scope;
    if (r.level == "unit") return u.code == r.scope || u.county == r.scope;
    throw std::runtime_error("unknown level " + r.level);
}

std::vector<UnitFacts> unit_facts() {
    std::map<std::string, std::array<std::string, 3>> of_county;  // city code, city name, circle
    const Table counties = read_table(boundary() + "|layername=counties");
    for (const auto& row : counties.rows)
        of_county[counties.get(row, "adcode")] = {counties.get(row, "city_adcode"), counties.get(row, "city_name"),
                                                  counties.get(row, "circle")};
    const Table units = read_table(shandong_units() + "|layername=units");
    std::vector<UnitFacts> out;
    for (const auto& row : units.rows) {
        UnitFacts u;
        u.code = units.get(row, "HJZHGKDYBM");
        u.county = units.get(row, "XZQDM");
        u.category = std::atoi(units.get(row, "ZHGKDYFL").c_str());
        const auto& c = of_county.at(u.county);
        u.city_code = c[0], u.city = c[1], u.circle = c[2];
        out.push_back(u);
    }
    return out;
}

struct JsonRequirement {
    std::string dimension, level, rule, effect, condition, text;
};

std::map<std::string, std::vector<JsonRequirement>> json_requirements(const std::string& json, std::string& error) {
    std::map<std::string, std::vector<JsonRequirement>> out;
    CPLJSONDocument doc;
    if (!doc.LoadMemory(json)) {
        error = "not JSON";
        return out;
    }
    for (const CPLJSONObject& u : doc.GetRoot().GetArray("units")) {
        auto& list = out[u.GetString("code")];
        const CPLJSONObject req = u.GetObj("requirements");
        if (!req.IsValid()) continue;
        for (const CPLJSONObject& dim : req.GetChildren())
            for (const CPLJSONObject& q : dim.ToArray()) {
                const CPLJSONObject cond = q.GetObj("condition");
                list.push_back({dim.GetName(), q.GetString("level"), q.GetString("rule"), q.GetString("effect"),
                                cond.GetType() == CPLJSONObject::Type::String ? cond.ToString() : "", q.GetString("text")});
            }
    }
    return out;
}

// ------------------------------------------------------------------ --list

class ReportList : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir("zonereportlist");
        run_ = new RunResult(run_report({shandong_units(), "--boundary", boundary(), "--list", sample_list(), "-q", "-o",
                                         dir_->file("list.json")}));
    }
    static void TearDownTestSuite() {
        delete run_;
        delete dir_;
        run_ = nullptr;
        dir_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(fs::exists(shandong_units())) << "the fixture build_shandong_map did not run";
        ASSERT_EQ(run_->status, 0) << run_->describe();
    }
    static TempDir* dir_;
    static RunResult* run_;
};
TempDir* ReportList::dir_ = nullptr;
RunResult* ReportList::run_ = nullptr;

// Every unit of the map lists exactly the rules that apply to it by the
// list's levels, scopes and categories (whatever their `when`), each under
// its dimension, with its condition as written.
TEST_F(ReportList, JsonListsExactlyTheApplicableRulesOfEveryUnit) {
    const std::vector<TomlRule> rules = read_rules(sample_list());
    ASSERT_EQ(rules.size(), 21u);
    std::map<std::string, const TomlRule*> by_id;
    for (const auto& r : rules) by_id[r.id] = &r;
    std::string error;
    const auto got = json_requirements(read_file(dir_->file("list.json")), error);
    ASSERT_TRUE(error.empty()) << error;
    const std::vector<UnitFacts> units = unit_facts();
    ASSERT_EQ(got.size(), units.size());
    std::set<std::string> rules_used;
    for (const UnitFacts& u : units) {
        std::multiset<std::string> expected, listed;
        for (const auto& r : rules)
            if (applies(r, u)) expected.insert(r.id);
        ASSERT_TRUE(got.count(u.code)) << u.code;
        for (const JsonRequirement& q : got.at(u.code)) {
            listed.insert(q.rule);
            ASSERT_TRUE(by_id.count(q.rule)) << u.code << ": " << q.rule;
            const TomlRule& r = *by_id.at(q.rule);
            EXPECT_EQ(q.dimension, r.dimension) << q.rule;
            EXPECT_EQ(q.level, r.level) << q.rule;
            EXPECT_EQ(q.condition, r.when) << q.rule;
            EXPECT_FALSE(q.text.empty()) << q.rule;
            EXPECT_FALSE(q.effect.empty()) << q.rule;
            rules_used.insert(q.rule);
        }
        EXPECT_EQ(listed, expected) << u.code << " (" << u.county << " " << u.city << " " << u.circle << ", category "
                                    << u.category << ")";
    }
    // Every rule of the sample list applies to some unit of the map.
    EXPECT_EQ(rules_used.size(), rules.size());
}

// Three units worked out by hand from the sample list and counties.gpkg:
//  ZH37090210002: 泰山区 370902 → 泰安市 370900 → 省会经济圈; category 1
//    (its code's 9th character, and ZHGKDYFL). Province: P-001 (categories
//    [1]), P-002, P-003, P-004, P-006 — not P-005 (categories [2, 3]);
//    circle 省会经济圈: C-001, C-002; no rule for 泰安市; unit: U-001.
//  ZH37011220006: 历城区 370112 → 济南市 370100 → 省会经济圈; category 2.
//    Province P-002 … P-006 (not P-001: [1]); C-001, C-002;
//    SD-370100-001 (济南, categories [1, 2]); unit: U-004.
//  ZH37030520004: 临淄区 370305 → 淄博市 370300 → 省会经济圈; category 2.
//    Province P-002 … P-006; C-001, C-002; SD-370300-001; unit: U-003.
TEST_F(ReportList, ThreeUnitsDerivedByHand) {
    std::string error;
    const auto got = json_requirements(read_file(dir_->file("list.json")), error);
    ASSERT_TRUE(error.empty()) << error;
    const std::map<std::string, std::set<std::string>> expected = {
        {"ZH37090210002",
         {"SD-P-001", "SD-P-002", "SD-P-003", "SD-P-004", "SD-P-006", "SD-C-001", "SD-C-002", "SD-U-001"}},
        {"ZH37011220006",
         {"SD-P-002", "SD-P-003", "SD-P-004", "SD-P-005", "SD-P-006", "SD-C-001", "SD-C-002", "SD-370100-001",
          "SD-U-004"}},
        {"ZH37030520004",
         {"SD-P-002", "SD-P-003", "SD-P-004", "SD-P-005", "SD-P-006", "SD-C-001", "SD-C-002", "SD-370300-001",
          "SD-U-003"}},
    };
    for (const auto& [code, ids] : expected) {
        ASSERT_TRUE(got.count(code)) << code << " is not in the map";
        std::set<std::string> listed;
        std::vector<std::string> dims;
        for (const auto& q : got.at(code)) {
            listed.insert(q.rule);
            if (dims.empty() || dims.back() != q.dimension) dims.push_back(q.dimension);
        }
        EXPECT_EQ(listed, ids) << code;
        // Grouped by dimension, in the official order.
        std::vector<std::string> order;
        for (const char* d : kDimensions)
            if (std::find(dims.begin(), dims.end(), d) != dims.end()) order.push_back(d);
        EXPECT_EQ(dims, order) << code;
    }
}

// The HTML sheet of each of those units shows the same rules, with their
// conditions, and the page stays well-formed.
TEST_F(ReportList, HtmlSheetsListTheRules) {
    const RunResult html_run = run_report({shandong_units(), "--boundary", boundary(), "--list", sample_list(), "-q",
                                           "-o", dir_->file("list.html")});
    ASSERT_EQ(html_run.status, 0) << html_run.describe();
    Xml xml(read_file(dir_->file("list.html")));
    ASSERT_TRUE(xml.doc) << "not well-formed XHTML: " << xml.error;
    for (const auto& [code, rule] : std::vector<std::pair<std::string, std::string>>{
             {"ZH37090210002", "SD-U-001"}, {"ZH37011220006", "SD-370100-001"}, {"ZH37030520004", "SD-370300-001"}}) {
        const auto dts = xml.values("//h:section[@id='" + code + "']//h:dl[@class='req']/h:dt");
        EXPECT_FALSE(dts.empty()) << code;
        const auto dds = xml.values("//h:section[@id='" + code + "']//h:dl[@class='req']/h:dd");
        std::string all;
        for (const auto& d : dds) all += d + "\n";
        EXPECT_TRUE(contains(all, rule)) << code << ":\n" << all;
        EXPECT_TRUE(contains(all, "SD-P-003")) << code;
        EXPECT_TRUE(contains(all, "适用条件：nature in (\"新建\", \"改建\", \"扩建\") and vocs_t > 10")) << code << ":\n" << all;
    }
}

// ------------------------------------------------------------------ --diff

// A copy of the map in which one key-control unit became a priority unit
// (ZHGKDYFL and the category digit of its code), reported with --diff.
class ReportDiff : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new TempDir("zonereportdiff");
        try {
            Table t = read_table(shandong_units() + "|layername=units");
            std::set<std::string> codes;
            for (const auto& row : t.rows) codes.insert(t.get(row, "HJZHGKDYBM"));
            const auto zones = county_zones(boundary() + "|layername=counties", "adcode");
            const std::vector<UnitGeom> geoms = unit_geoms(t, zones);
            for (std::size_t i = 0; i < t.rows.size() && flipped_.empty(); ++i) {
                if (t.get(t.rows[i], "ZHGKDYFL") != "2" || geoms[i].area_m2 < 1e6) continue;
                std::string code = t.get(t.rows[i], "HJZHGKDYBM");
                old_code_ = code;
                code[8] = '1';
                for (int serial = 9001; codes.count(code); ++serial)
                    code = code.substr(0, 9) + std::to_string(serial);
                flipped_ = code;
                area_m2_ = geoms[i].area_m2;
                t.set(t.rows[i], "HJZHGKDYBM", code);
                t.set(t.rows[i], "ZHGKDYFL", "1");
            }
            units_ = static_cast<int>(t.rows.size());
            write_table(t, dir_->file("new.gpkg"));
        } catch (const std::exception& e) {
            error_ = e.what();
            return;
        }
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(error_.empty()) << error_;
        ASSERT_FALSE(flipped_.empty());
    }
    // The report of the changed map against the fixture's, as `ext`.
    static RunResult report(const std::string& ext) {
        return run_report({dir_->file("new.gpkg"), "--boundary", boundary(), "--diff", shandong_units(), "-q", "-o",
                           dir_->file("diff." + ext)});
    }
    static TempDir* dir_;
    static std::string error_, old_code_, flipped_;
    static double area_m2_;
    static int units_;
};
TempDir* ReportDiff::dir_ = nullptr;
std::string ReportDiff::error_, ReportDiff::old_code_, ReportDiff::flipped_;
double ReportDiff::area_m2_ = 0;
int ReportDiff::units_ = 0;

TEST_F(ReportDiff, JsonChangesHaveTheCountsAndTheTransition) {
    const RunResult r = report("json");
    ASSERT_EQ(r.status, 0) << r.describe();
    CPLJSONDocument doc;
    ASSERT_TRUE(doc.LoadMemory(read_file(dir_->file("diff.json"))));
    const CPLJSONObject changes = doc.GetRoot().GetObj("changes");
    ASSERT_EQ(changes.GetType(), CPLJSONObject::Type::Object) << "\"changes\" is not an object";
    const CPLJSONObject summary = changes.GetObj("summary");
    EXPECT_EQ(summary.GetInteger("recoded", -1), 1);
    EXPECT_EQ(summary.GetInteger("unchanged", -1), units_ - 1);
    for (const char* kind : {"modified", "split", "merged", "complex", "added", "removed"})
        EXPECT_EQ(summary.GetInteger(kind, -1), 0) << kind;
    const CPLJSONObject m = changes.GetObj("transitions_km2");
    const double moved = m.GetObj("2").GetDouble("1", -1);
    EXPECT_NEAR(moved, area_m2_ / 1e6, area_m2_ / 1e6 * 1e-3)
        << old_code_ << " → " << flipped_ << ": " << moved << " km² in the matrix, " << area_m2_ / 1e6
        << " km² computed here";
    for (int a : {0, 1, 2, 3})
        for (int b : {0, 1, 2, 3}) {
            if (a == b || (a == 2 && b == 1)) continue;
            EXPECT_EQ(m.GetObj(std::to_string(a)).GetDouble(std::to_string(b), -1), 0.0) << a << " → " << b;
        }
}

TEST_F(ReportDiff, HtmlHasTheChangeSectionAndTheChangedLand) {
    const RunResult r = report("html");
    ASSERT_EQ(r.status, 0) << r.describe();
    const std::string html = read_file(dir_->file("diff.html"));
    Xml xml(html);
    ASSERT_TRUE(xml.doc) << "not well-formed XHTML: " << xml.error;
    const auto section = xml.values("//h:section[@id='changes']");
    ASSERT_EQ(section.size(), 1u);
    EXPECT_TRUE(contains(section[0], "recoded"));
    EXPECT_EQ(xml.values("//h:nav/h:a[@href='#changes']").size(), 1u);
    // The changed land drawn on the map.
    EXPECT_EQ(xml.values("//s:svg//s:path[@class='changed']").size(), 1u);
    // The flipped unit has its sheet under its new code.
    EXPECT_EQ(xml.values("//h:section[@id='" + flipped_ + "']").size(), 1u);
}

// Without --diff the JSON still says "changes": null.
TEST_F(ReportList, NoDiffNoChanges) {
    CPLJSONDocument doc;
    ASSERT_TRUE(doc.LoadMemory(read_file(dir_->file("list.json"))));
    EXPECT_EQ(doc.GetRoot().GetObj("changes").GetType(), CPLJSONObject::Type::Null);
}

}  // namespace
