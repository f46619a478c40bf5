// The access-list loader (zonekit(7) ACCESS LIST): the sample Shandong list, every kind
// of malformed entry with its rule id and position, conditions whose errors
// point inside the TOML file, and the table of official texts.
#include "zone/rules/access_list.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"

#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <filesystem>
#include <fstream>
#include <set>

namespace fs = std::filesystem;

namespace {

class AccessListTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("zone-access-" + std::to_string(::getpid()) + "-" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    std::string write(const std::string& text, const std::string& name = "list.toml") {
        const fs::path p = dir_ / name;
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }

    std::string error_of(const std::string& text) {
        try {
            zone::load_access_list(write(text));
        } catch (const zone::InputError& e) {
            return e.what();
        }
        ADD_FAILURE() << "no error for:\n" << text;
        return {};
    }

    fs::path dir_;
};

// A valid rule, with `line` replacing (or, if its key is new, added to) one of its lines.
std::string rule_with(const std::string& key, const std::string& line, const std::string& id = "T-001") {
    std::vector<std::pair<std::string, std::string>> lines = {
        {"id", "id = \"" + id + "\""},
        {"level", "level = \"province\""},
        {"scope", "scope = \"370000\""},
        {"dimension", "dimension = \"空间布局约束\""},
        {"effect", "effect = \"prohibit\""},
        {"text", "text = \"禁止新建化工项目。\""},
    };
    bool replaced = false;
    for (auto& [k, l] : lines)
        if (k == key) {
            l = line;
            replaced = true;
        }
    if (!replaced) lines.insert(lines.begin() + 4, {key, line});
    std::string out = "[[rule]]\n";
    for (const auto& [k, l] : lines)
        if (!l.empty()) out += l + "\n";
    return out;
}

// "FILE:LINE:COLUMN: …": the line and column of a message.
std::pair<int, int> position(const std::string& message) {
    const auto toml = message.find(".toml:");
    if (toml == std::string::npos) return {0, 0};
    int line = 0, col = 0;
    std::sscanf(message.c_str() + toml + 6, "%d:%d", &line, &col);
    return {line, col};
}

// The 1-based line and column (in characters) where `needle` first appears in `text`, after `from`.
std::pair<int, int> find_in(const std::string& text, const std::string& needle, std::size_t from = 0) {
    const std::size_t at = text.find(needle, from);
    if (at == std::string::npos) return {0, 0};
    int line = 1, col = 1;
    for (std::size_t i = 0; i < at;) {
        const unsigned char c = text[i];
        if (c == '\n') {
            ++line;
            col = 1;
            ++i;
            continue;
        }
        ++col;
        i += c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    }
    return {line, col};
}

}  // namespace

TEST_F(AccessListTest, TheSampleShandongListHasEveryLevelCircleAndDimension) {
    const zone::AccessList list = zone::load_access_list(std::string(ZONE_TESTDATA) + "/shandong/access-list.toml");
    EXPECT_FALSE(list.name.empty());
    EXPECT_EQ(list.version, "2024");
    std::set<zone::Level> levels;
    std::set<int> dimensions;
    std::set<std::string> circles, cities, ids;
    int unit_codes = 0;
    for (const auto& r : list.rules) {
        levels.insert(r.level);
        dimensions.insert(r.dimension);
        if (r.level == zone::Level::circle) circles.insert(r.scope);
        if (r.level == zone::Level::city) cities.insert(r.scope);
        if (r.level == zone::Level::unit && zone::is_valid_unit_code(r.scope)) ++unit_codes;
        EXPECT_TRUE(ids.insert(r.id).second) << r.id;
        EXPECT_GT(r.line, 0) << r.id;
    }
    EXPECT_EQ(levels.size(), 4u);
    EXPECT_EQ(dimensions.size(), 4u);
    EXPECT_EQ(circles, (std::set<std::string>{"省会经济圈", "胶东经济圈", "鲁南经济圈"}));
    EXPECT_GE(cities.size(), 3u);
    EXPECT_GE(unit_codes, 3);
}

TEST_F(AccessListTest, ReadsEveryKeyOfARule) {
    const auto list = zone::load_access_list(write(R"([list]
name = "测试清单"
version = 2024

[[rule]]
id = "X-1"
level = "unit"
scope = "ZH37010210001"
dimension = "资源开发效率要求"
categories = [1, 3]
when = 'water_m3 > 1000'
effect = "require"
text = "节水。"
)"));
    ASSERT_EQ(list.rules.size(), 1u);
    const auto& r = list.rules[0];
    EXPECT_EQ(list.name, "测试清单");
    EXPECT_EQ(list.version, "2024");
    EXPECT_EQ(r.id, "X-1");
    EXPECT_EQ(r.level, zone::Level::unit);
    EXPECT_EQ(r.scope, "ZH37010210001");
    EXPECT_STREQ(r.dimension_name(), "资源开发效率要求");
    EXPECT_EQ(r.categories, (std::vector<int>{1, 3}));
    ASSERT_TRUE(r.when.has_value());
    EXPECT_EQ(r.when->text(), "water_m3 > 1000");
    EXPECT_EQ(r.effect, zone::Effect::require);
    EXPECT_EQ(r.text, "节水。");
    EXPECT_EQ(r.line, 5);
}

TEST_F(AccessListTest, EveryMalformedEntryNamesItsRuleAndPosition) {
    struct Case {
        std::string key, line;   // the line of the rule that is wrong
        std::string pointed;     // text at the reported position (its first occurrence after the [[rule]])
        std::string says;
    };
    const std::vector<Case> cases = {
        {"level", "level = \"county\"", "\"county\"", "unknown level 'county'"},
        {"dimension", "dimension = \"空间布局\"", "\"空间布局\"", "unknown dimension '空间布局'"},
        {"effect", "effect = \"forbid\"", "\"forbid\"", "unknown effect 'forbid'"},
        {"scope", "scope = \"3700\"", "\"3700\"", "is not a province code"},
        {"categories", "categories = [4]", "4]", "expected a unit category 1, 2 or 3"},
        {"categories", "categories = [1, 1]", "1]", "listed twice"},
        {"categories", "categories = []", "[]", "is empty"},
        {"categories", "categories = \"1\"", "\"1\"", "must be an array"},
        {"effect", "effect = 3", "3", "must be a string"},
        {"when", "when = 'vocs_t >'", "'", "expected a string or a number"},
        {"when", "when = ''", "'", "expected a condition"},
        {"colour", "colour = \"red\"", "colour", "unknown key"},
        {"text", "text = \"  \"", "\"  \"", "is empty"},
    };
    for (const auto& c : cases) {
        const std::string text = "[list]\nname = \"x\"\n\n" + rule_with("id", "id = \"OK-1\"") + "\n" + rule_with(c.key, c.line, "BAD-7");
        const std::string message = error_of(text);
        EXPECT_NE(message.find("rule BAD-7"), std::string::npos) << c.line << " -> " << message;
        EXPECT_NE(message.find(c.says), std::string::npos) << c.line << " -> " << message;
        const std::size_t second_rule = text.find("[[rule]]", text.find("[[rule]]") + 1);
        auto expected = find_in(text, c.pointed, text.find(c.line, second_rule));
        if (c.key == "when" && c.line == "when = 'vocs_t >'") expected.second += 9;  // the end of the condition
        EXPECT_EQ(position(message), expected) << c.line << " -> " << message;
        EXPECT_NE(message.find("list.toml"), std::string::npos) << message;
    }
}

TEST_F(AccessListTest, MissingKeysPointAtTheRule) {
    const std::string text = "[[rule]]\nid = \"M-1\"\nlevel = \"city\"\nscope = \"370100\"\ndimension = \"环境风险防控\"\n"
                             "text = \"t\"\n";
    const std::string message = error_of(text);
    EXPECT_NE(message.find("rule M-1"), std::string::npos) << message;
    EXPECT_NE(message.find("missing key 'effect'"), std::string::npos) << message;
    EXPECT_EQ(position(message).first, 1) << message;
    EXPECT_NE(error_of("[[rule]]\nlevel = \"city\"\n").find("rule #1: missing key 'id'"), std::string::npos);
}

TEST_F(AccessListTest, DuplicateIdsNameBothPlaces) {
    const std::string text = rule_with("id", "id = \"D-1\"") + rule_with("id", "id = \"D-1\"");
    const std::string message = error_of(text);
    EXPECT_NE(message.find("duplicate id"), std::string::npos) << message;
    EXPECT_NE(message.find("line 1"), std::string::npos) << message;
    EXPECT_EQ(position(message), find_in(text, "\"D-1\"", text.find("[[rule]]", 1))) << message;
}

TEST_F(AccessListTest, ScopesMustFitTheirLevel) {
    struct Case {
        std::string level, scope;
        bool ok;
    };
    const std::vector<Case> cases = {
        {"province", "370000", true},       {"province", "370100", false}, {"province", "山东省", false},
        {"circle", "省会经济圈", true},      {"circle", "370000", false},   {"circle", "", false},
        {"city", "370100", true},           {"city", "济南市", true},       {"city", "370000", false},
        {"city", "370102", false},          {"city", "济南", false},        {"unit", "ZH37010210001", true},
        {"unit", "370102", true},           {"unit", "ZH37010240001", false}, {"unit", "370100", false},
    };
    for (const auto& c : cases) {
        std::string text = rule_with("level", "level = \"" + c.level + "\"");
        text.replace(text.find("scope = \"370000\""), 16, "scope = \"" + c.scope + "\"");
        if (c.ok) {
            EXPECT_NO_THROW(zone::load_access_list(write(text))) << c.level << " " << c.scope;
        } else {
            const std::string message = error_of(text);
            EXPECT_NE(message.find("scope"), std::string::npos) << c.level << " " << c.scope << ": " << message;
            EXPECT_NE(message.find("rule T-001"), std::string::npos) << message;
        }
    }
    // A unit rule whose categories exclude the unit's own could never apply.
    std::string text = rule_with("level", "level = \"unit\"") ;
    text.replace(text.find("scope = \"370000\""), 16, "scope = \"ZH37010210001\"\ncategories = [2]");
    EXPECT_NE(error_of(text).find("could never apply"), std::string::npos);
}

TEST_F(AccessListTest, ConditionErrorsPointInsideTheFile) {
    // A literal string: the column of the character in the file.
    {
        const std::string text = rule_with("when", "when = 'industry ~ \"C26*\" and vocs_t >= \"x\"'");
        const std::string message = error_of(text);
        EXPECT_EQ(position(message), find_in(text, "\"x\"")) << message;
        EXPECT_NE(message.find("expected a number after '>='"), std::string::npos) << message;
    }
    // A basic string with escapes: the escapes are counted as the file has them.
    {
        const std::string text = rule_with("when", "when = \"nature == \\\"新建\\\" and industry ~ \\\"26*\\\"\"");
        const std::string message = error_of(text);
        EXPECT_EQ(position(message), find_in(text, "\\\"26*")) << message;
    }
    // A multi-line string: the line inside it.
    {
        const std::string text = rule_with("when", "when = '''\nindustry ~ \"C26*\"\n  and (vocs_t > 1\n  or 污染物 >)'''");
        const std::string message = error_of(text);
        EXPECT_EQ(position(message), find_in(text, ")'''")) << message;
    }
}

TEST_F(AccessListTest, WholeFileProblems) {
    EXPECT_NE(error_of("[list]\nname = \"x\"\n").find("no rules"), std::string::npos);
    EXPECT_NE(error_of("[list]\nname = \"x\n").find("not valid TOML"), std::string::npos);
    EXPECT_NE(error_of("[lists]\nname = \"x\"\n" + rule_with("id", "id = \"A\"")).find("unknown key"), std::string::npos);
    EXPECT_NE(error_of("[list]\nauthor = \"x\"\n" + rule_with("id", "id = \"A\"")).find("list.author"), std::string::npos);
    EXPECT_NE(error_of("rule = 3\n").find("array of tables"), std::string::npos);
    EXPECT_NE(error_of(rule_with("id", "id = \"has space\"")).find("not a usable rule id"), std::string::npos);
    EXPECT_THROW(zone::load_access_list((dir_ / "absent.toml").string()), zone::InputError);
    // GBK bytes are not UTF-8.
    EXPECT_NE(error_of("[list]\nname = \"\xC9\xBD\xB6\xAB\"\n").find("not UTF-8"), std::string::npos);
}

// ---------------------------------------------------------------- official texts

TEST_F(AccessListTest, TextsTableFromTheBundledCsv) {
    const auto texts = zone::load_access_texts(std::string(ZONE_TESTDATA) + "/shandong/access-texts.csv");
    ASSERT_EQ(texts.by_code.size(), 4u);
    const auto& t = texts.by_code.at("ZH37090210002");
    EXPECT_NE(t[0].find("核心区和缓冲区内禁止任何建设项目"), std::string::npos) << t[0];
    EXPECT_NE(t[3].find("禁止开采地下水"), std::string::npos) << t[3];
    for (const auto& [code, four] : texts.by_code)
        for (const auto& s : four) EXPECT_FALSE(s.empty()) << code;
}

TEST_F(AccessListTest, TextsTableColumnsByFieldNameGbkAndXlsx) {
    // Field names, some dimensions only, GBK (as Excel saves CSV on a Chinese desktop).
    const std::string gbk = "HJZHGKDYBM,KJBJYS,ZYKFXLYQ\nZH37010210001,\xBD\xFB\xD6\xB9,\n";  // 禁止
    const auto t = zone::load_access_texts(write(gbk, "texts.csv"));
    ASSERT_EQ(t.by_code.size(), 1u);
    EXPECT_EQ(t.by_code.at("ZH37010210001")[0], "禁止");
    EXPECT_EQ(t.by_code.at("ZH37010210001")[1], "");

    // An XLSX written with GDAL, every cell text (so that the header row cannot be guessed).
    GDALAllRegister();
    const std::string xlsx = (dir_ / "texts.xlsx").string();
    {
        GDALDriver* d = GetGDALDriverManager()->GetDriverByName("XLSX");
        ASSERT_NE(d, nullptr);
        std::unique_ptr<GDALDataset> ds(d->Create(xlsx.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        ASSERT_TRUE(ds);
        OGRLayer* l = ds->CreateLayer("清单", nullptr, wkbNone, nullptr);
        for (const char* name : {"单元编码", "空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"}) {
            OGRFieldDefn f(name, OFTString);
            ASSERT_EQ(l->CreateField(&f), OGRERR_NONE);
        }
        for (const char* code : {"ZH37010210001", "ZH37010230001"}) {
            OGRFeature f(l->GetLayerDefn());
            f.SetField(0, code);
            f.SetField(1, (std::string(code) + " 空间").c_str());
            f.SetField(4, "资源");
            ASSERT_EQ(l->CreateFeature(&f), OGRERR_NONE);
        }
    }
    const auto x = zone::load_access_texts(xlsx);
    ASSERT_EQ(x.by_code.size(), 2u);
    EXPECT_EQ(x.by_code.at("ZH37010230001")[0], "ZH37010230001 空间");
    EXPECT_EQ(x.by_code.at("ZH37010230001")[3], "资源");

    // Into units: the unknown code comes back.
    std::vector<zone::Unit> units(1);
    units[0].code = "ZH37010210001";
    const auto unknown = zone::apply_access_texts(units, x);
    EXPECT_EQ(unknown, std::vector<std::string>{"ZH37010230001"});
    EXPECT_EQ(units[0].access_texts[0], "ZH37010210001 空间");
}

TEST_F(AccessListTest, BadTextsTablesAreInputErrors) {
    auto problem = [&](const std::string& csv) {
        try {
            zone::load_access_texts(write(csv, "bad.csv"));
        } catch (const zone::InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(problem("name,KJBJYS\na,b\n").find("no unit code column"), std::string::npos);
    EXPECT_NE(problem("HJZHGKDYBM,name\nZH37010210001,b\n").find("no text column"), std::string::npos);
    EXPECT_NE(problem("HJZHGKDYBM,KJBJYS\nZH3701021000,b\n").find("row 2"), std::string::npos);
    const std::string dup = problem("HJZHGKDYBM,KJBJYS\nZH37010210001,a\n\nZH37010210001,b\n");
    EXPECT_NE(dup.find("also in row 2"), std::string::npos) << dup;
    EXPECT_NE(problem("HJZHGKDYBM,KJBJYS\n,b\n").find("texts without a unit code"), std::string::npos);
}

// A rule written by someone hostile or careless: a 10 MB condition, a
// 100,000-deep nest. A clear error naming the rule and its `when`, no crash.
TEST_F(AccessListTest, HugeAndDeepConditionsAreErrorsNamingTheRule) {
    std::string huge = "vocs_t > 1";
    while (huge.size() < 10'000'000) huge += " and vocs_t > 1";
    std::string message = error_of(rule_with("when", "when = '" + huge + "'", "HUGE-1"));
    EXPECT_NE(message.find("rule HUGE-1: when:"), std::string::npos) << message.substr(0, 300);
    EXPECT_NE(message.find("bytes long"), std::string::npos) << message.substr(0, 300);

    // 100,000 deep: too long; 30,000 deep: too deep, at the 101st '('.
    std::string deep = std::string(100'000, '(') + "vocs_t > 1" + std::string(100'000, ')');
    message = error_of(rule_with("when", "when = '" + deep + "'", "DEEP-1"));
    EXPECT_NE(message.find("rule DEEP-1: when:"), std::string::npos) << message.substr(0, 300);
    EXPECT_NE(message.find("bytes long"), std::string::npos) << message.substr(0, 300);
    deep = std::string(30'000, '(') + "vocs_t > 1" + std::string(30'000, ')');
    message = error_of(rule_with("when", "when = '" + deep + "'", "DEEP-1"));
    EXPECT_NE(message.find("rule DEEP-1: when:"), std::string::npos) << message.substr(0, 300);
    EXPECT_NE(message.find("nest more than 100 deep"), std::string::npos) << message.substr(0, 300);
    // The position is that of the 101st '(' in the file (line 6 of the rule).
    EXPECT_EQ(position(message).second, static_cast<int>(std::string("when = '").size() + 101)) << message.substr(0, 300);
}
