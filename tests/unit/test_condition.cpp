// The condition language of access-list rules: every operator, the
// three-valued logic (against its truth tables), what is missing, and parse
// errors with their offsets.
#include "zone/rules/condition.hpp"

#include <gtest/gtest.h>

#include <array>

namespace {

using zone::AttrValue;
using zone::Attributes;
using zone::Condition;
using zone::Truth;

Truth eval(const std::string& text, const Attributes& a) { return Condition::parse(text).evaluate(a).truth; }

std::vector<std::string> missing(const std::string& text, const Attributes& a) {
    return Condition::parse(text).evaluate(a).missing;
}

// The offset and message of the parse error of `text`.
std::pair<std::size_t, std::string> error_of(const std::string& text) {
    try {
        Condition::parse(text);
    } catch (const zone::ConditionError& e) {
        return {e.offset(), e.what()};
    }
    ADD_FAILURE() << "no error for: " << text;
    return {0, ""};
}

const Attributes project = {
    {"industry", AttrValue::of("C2614")},
    {"nature", AttrValue::of("新建")},
    {"vocs_t", AttrValue::of("12.5")},
    {"water_m3", AttrValue::of("0")},
    {"fuel", AttrValue::of("煤")},
};

}  // namespace

TEST(Condition, ComparisonOperators) {
    // Each operator both ways, so that an operator that always answers one thing fails.
    EXPECT_EQ(eval("vocs_t == 12.5", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t == 12.4", project), Truth::no);
    EXPECT_EQ(eval("vocs_t != 12.4", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t != 12.5", project), Truth::no);
    EXPECT_EQ(eval("vocs_t < 13", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t < 12.5", project), Truth::no);
    EXPECT_EQ(eval("vocs_t <= 12.5", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t <= 12.49", project), Truth::no);
    EXPECT_EQ(eval("vocs_t > 12.49", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t > 12.5", project), Truth::no);
    EXPECT_EQ(eval("vocs_t >= 12.5", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t >= 12.51", project), Truth::no);
    EXPECT_EQ(eval("water_m3 > -1", project), Truth::yes);
    EXPECT_EQ(eval("vocs_t < 1.3e1", project), Truth::yes);
    // Text.
    EXPECT_EQ(eval("nature == \"新建\"", project), Truth::yes);
    EXPECT_EQ(eval("nature == '扩建'", project), Truth::no);
    EXPECT_EQ(eval("nature != \"扩建\"", project), Truth::yes);
    EXPECT_EQ(eval("fuel == \"煤\"", project), Truth::yes);
    EXPECT_EQ(eval("industry == \"C2614\"", project), Truth::yes);
    EXPECT_EQ(eval("industry == \"c2614\"", project), Truth::yes) << "industry codes are case-insensitive";
    EXPECT_EQ(eval("industry == \"C26\"", project), Truth::no) << "== is exact; ~ \"C26*\" takes the division";
}

TEST(Condition, GlobOnIndustryCodes) {
    EXPECT_EQ(eval("industry ~ \"C26*\"", project), Truth::yes);
    EXPECT_EQ(eval("industry ~ \"C2614\"", project), Truth::yes);
    EXPECT_EQ(eval("industry ~ \"C*\"", project), Truth::yes);
    EXPECT_EQ(eval("industry ~ \"C2?14\"", project), Truth::yes);
    EXPECT_EQ(eval("industry ~ \"C25*\"", project), Truth::no);
    EXPECT_EQ(eval("industry ~ \"C261\"", project), Truth::no) << "no implied star";
    EXPECT_EQ(eval("industry ~ \"D*\"", project), Truth::no);
    EXPECT_EQ(eval("industry ~ \"*14\"", project), Truth::yes);
    EXPECT_TRUE(zone::glob_match("C26*", "C26"));
    EXPECT_TRUE(zone::glob_match("*", ""));
    EXPECT_FALSE(zone::glob_match("?", ""));
    EXPECT_TRUE(zone::glob_match("新?", "新建")) << "? is one character, not one byte";
    EXPECT_FALSE(zone::glob_match("新?", "技术改造"));
    EXPECT_TRUE(zone::glob_match("a*b*c", "axxbyyc"));
    EXPECT_FALSE(zone::glob_match("a*b*c", "axxbyy"));
}

TEST(Condition, InLists) {
    EXPECT_EQ(eval("nature in (\"新建\", \"扩建\")", project), Truth::yes);
    EXPECT_EQ(eval("nature in ('改建', '技术改造')", project), Truth::no);
    EXPECT_EQ(eval("nature not in (\"改建\")", project), Truth::yes);
    EXPECT_EQ(eval("nature not in (\"新建\")", project), Truth::no);
    EXPECT_EQ(eval("vocs_t in (1, 12.5, 30)", project), Truth::yes);
    EXPECT_EQ(eval("industry in (\"C2614\", \"C2625\")", project), Truth::yes);
    EXPECT_EQ(eval("missing_attr in (1, 2)", project), Truth::unknown);
}

TEST(Condition, AndOrNotAndPrecedence) {
    EXPECT_EQ(eval("industry ~ \"C26*\" and nature == \"新建\"", project), Truth::yes);
    EXPECT_EQ(eval("industry ~ \"C26*\" and nature == \"扩建\"", project), Truth::no);
    EXPECT_EQ(eval("industry ~ \"C25*\" or nature == \"新建\"", project), Truth::yes);
    EXPECT_EQ(eval("industry ~ \"C25*\" or nature == \"扩建\"", project), Truth::no);
    EXPECT_EQ(eval("not industry ~ \"C25*\"", project), Truth::yes);
    EXPECT_EQ(eval("not not industry ~ \"C25*\"", project), Truth::no);
    // and binds tighter than or: true or (false and false) = true; (true or false) and false = false.
    EXPECT_EQ(eval("vocs_t > 1 or vocs_t > 100 and vocs_t < 0", project), Truth::yes);
    EXPECT_EQ(eval("(vocs_t > 1 or vocs_t > 100) and vocs_t < 0", project), Truth::no);
    EXPECT_EQ(eval("NOT (industry ~ \"C26*\" AND vocs_t > 10) Or water_m3 > 5", project), Truth::no)
        << "keywords are case-insensitive";
    EXPECT_EQ(eval("VOCS_T > 10", project), Truth::yes) << "names are case-insensitive";
}

TEST(Condition, ThreeValuedLogicFollowsKleeneTables) {
    // Every pair of {false, true, unknown} through and/or, built from literals.
    const std::array<std::string, 3> term = {"vocs_t > 100", "vocs_t > 1", "absent > 1"};
    const std::array<Truth, 3> value = {Truth::no, Truth::yes, Truth::unknown};
    for (int a = 0; a < 3; ++a) {
        for (int b = 0; b < 3; ++b) {
            const Truth and_expected = (value[a] == Truth::no || value[b] == Truth::no) ? Truth::no
                                       : (value[a] == Truth::yes && value[b] == Truth::yes) ? Truth::yes
                                                                                            : Truth::unknown;
            const Truth or_expected = (value[a] == Truth::yes || value[b] == Truth::yes) ? Truth::yes
                                      : (value[a] == Truth::no && value[b] == Truth::no) ? Truth::no
                                                                                         : Truth::unknown;
            EXPECT_EQ(eval(term[a] + " and " + term[b], project), and_expected) << term[a] << " and " << term[b];
            EXPECT_EQ(eval(term[a] + " or " + term[b], project), or_expected) << term[a] << " or " << term[b];
        }
        const Truth not_expected = value[a] == Truth::unknown ? Truth::unknown
                                   : value[a] == Truth::yes   ? Truth::no
                                                              : Truth::yes;
        EXPECT_EQ(eval("not " + term[a], project), not_expected);
    }
    // The two cases the design names.
    EXPECT_EQ(eval("absent > 1 and vocs_t > 100", project), Truth::no);   // unknown and false = false
    EXPECT_EQ(eval("absent > 1 or vocs_t > 1", project), Truth::yes);     // unknown or true = true
    EXPECT_EQ(eval("absent == 1", {}), Truth::unknown);
    EXPECT_EQ(eval("absent != 1", {}), Truth::unknown) << "!= of nothing is unknown, not true";
    EXPECT_EQ(eval("vocs_t > 1", {{"vocs_t", AttrValue::of("")}}), Truth::unknown) << "empty counts as not declared";
}

TEST(Condition, MissingListsOnlyWhatTheOutcomeDependsOn) {
    const Attributes chem = {{"industry", AttrValue::of("C2614")}};
    const Attributes steel = {{"industry", AttrValue::of("C3120")}};
    const std::string rule = "industry ~ \"C26*\" and vocs_t > 10";
    EXPECT_EQ(missing(rule, chem), std::vector<std::string>{"vocs_t"});
    EXPECT_TRUE(missing(rule, steel).empty()) << "false whatever vocs_t is";
    EXPECT_EQ(eval(rule, steel), Truth::no);
    EXPECT_EQ(missing(rule, {}), (std::vector<std::string>{"industry", "vocs_t"}));
    // or: a true side settles it.
    EXPECT_TRUE(missing("industry ~ \"C26*\" or vocs_t > 10", chem).empty());
    EXPECT_EQ(missing("industry ~ \"C3*\" or vocs_t > 10", chem), std::vector<std::string>{"vocs_t"});
    EXPECT_EQ(Condition::parse(rule).attributes(), (std::vector<std::string>{"industry", "vocs_t"}));
}

TEST(Condition, TextWhereANumberIsComparedIsAnError) {
    const Attributes a = {{"vocs_t", AttrValue::of("many")}};
    EXPECT_THROW(Condition::parse("vocs_t > 10").evaluate(a), std::invalid_argument);
    EXPECT_THROW(Condition::parse("vocs_t == 10").evaluate(a), std::invalid_argument);
    EXPECT_EQ(Condition::parse("vocs_t == \"many\"").evaluate(a).truth, Truth::yes);
}

TEST(Condition, ParseErrorsSayWhatWasExpectedWhere) {
    struct Case {
        std::string text;
        std::size_t offset;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"", 0, "expected a condition"},
        {"industry", 8, "expected an operator"},
        {"industry = \"C26*\"", 9, "'=='"},
        {"vocs_t >", 8, "expected a string or a number after '>', found the end"},
        {"vocs_t > \"ten\"", 9, "expected a number after '>'"},
        {"industry ~ C26", 11, "put text in quotes"},
        {"industry ~ \"C26*", 11, "closing \""},
        {"(vocs_t > 1", 11, "expected ')' to close the '(' at character 1"},
        {"vocs_t > 1)", 10, "closes nothing"},
        {"vocs_t > 1 vocs_t", 11, "expected 'and', 'or' or the end"},
        {"vocs_t > 1 and", 14, "expected an attribute name"},
        {"vocs_t > 1 && x > 2", 11, "'and' or 'or'"},
        {"nature in \"新建\"", 10, "expected '('"},
        {"nature in (\"新建\" \"扩建\")", 20, "expected ',' or ')'"},  // offsets are in bytes
        {"industry ~ \"26*\"", 11, "GB/T 4754 code pattern"},
        {"industry == \"C2\"", 12, "GB/T 4754 code"},
        {"industry == \"X1234\"", 12, "GB/T 4754 code"},
        {"industry > 5", 9, "'industry' is text"},
        {"industry ~ 5", 11, "quoted pattern"},
        {"nature == \"新建项目\"", 10, "one of the natures"},
        {"nature in (\"新建\", \"重建\")", 21, "one of the natures"},
        {"vocs_t > 1e", 9, "expected a number"},
        {"vocs_t # 1", 7, "unexpected character '#'"},
        {"x not 1", 6, "expected 'in'"},
    };
    for (const auto& c : cases) {
        const auto [offset, message] = error_of(c.text);
        EXPECT_EQ(offset, c.offset) << c.text << ": " << message;
        EXPECT_NE(message.find(c.says), std::string::npos) << c.text << ": " << message;
    }
}

TEST(Condition, IndustryCodesAndValues) {
    for (const char* good : {"C", "C26", "C261", "C2614", "A0111", "T9600"}) EXPECT_TRUE(zone::is_industry_code(good)) << good;
    for (const char* bad : {"", "C2", "C26141", "U1", "c26", "26", "C2a"}) EXPECT_FALSE(zone::is_industry_code(bad)) << bad;
    std::string code = " c2614 ";
    EXPECT_TRUE(zone::normalise_industry(code).empty());
    EXPECT_EQ(code, "C2614");
    code = "化工";
    EXPECT_FALSE(zone::normalise_industry(code).empty());
    const AttrValue n = AttrValue::of(" 12.5 ");
    ASSERT_TRUE(n.number.has_value());
    EXPECT_DOUBLE_EQ(*n.number, 12.5);
    EXPECT_EQ(n.text, "12.5");
    EXPECT_FALSE(AttrValue::of("12.5t").number.has_value());
    EXPECT_FALSE(AttrValue::of("nan").number.has_value());
}

// Rule text is untrusted: whatever its size and shape, a clear error, never a
// stack overflow. The limits' own edges parse and evaluate to what a
// hand-computed answer says.
TEST(Condition, DeepNestsAreAnErrorAtTheFirstLevelTooDeep) {
    // 100,000 deep is too long already (200 kB): an error before any parsing.
    const auto nest = [](std::size_t deep) { return std::string(deep, '(') + "vocs_t > 1" + std::string(deep, ')'); };
    auto [offset, message] = error_of(nest(100'000));
    EXPECT_NE(message.find("200010 bytes long"), std::string::npos) << message;
    // Within the length, the depth: the error is at the '(' one too many.
    ASSERT_LE(nest(30'000).size(), Condition::kMaxBytes);
    std::tie(offset, message) = error_of(nest(30'000));
    EXPECT_EQ(offset, Condition::kMaxNesting);
    EXPECT_NE(message.find("nest more than 100 deep"), std::string::npos) << message;

    std::string nots;
    for (std::size_t i = 0; i < 16'000; ++i) nots += "not ";
    std::tie(offset, message) = error_of(nots + "vocs_t > 1");
    EXPECT_EQ(offset, 4 * Condition::kMaxNesting);
    EXPECT_NE(message.find("nest more than 100 deep"), std::string::npos) << message;

    // 100 levels, alternating "not (" ... ")": 50 nots, so the truth is the
    // comparison's own.
    std::string edge;
    for (int i = 0; i < 50; ++i) edge += "not (";
    edge += "vocs_t > 1" + std::string(50, ')');
    EXPECT_EQ(eval(edge, project), Truth::yes);
}

TEST(Condition, LongRulesAreAnError) {
    // 10 MB of a rule that would otherwise be valid.
    std::string huge = "industry ~ \"C26*\"";
    while (huge.size() < 10'000'000) huge += " or industry ~ \"C26*\"";
    auto [offset, message] = error_of(huge);
    EXPECT_EQ(offset, Condition::kMaxBytes);
    EXPECT_NE(message.find(std::to_string(huge.size()) + " bytes long"), std::string::npos) << message;

    // and/or chains build a tree as deep as they are long: bounded by the
    // number of comparisons. 1000 parse (x is 1000: the last one holds) …
    std::string chain = "x == 1";
    for (int i = 2; i <= 1000; ++i) chain += " or x == " + std::to_string(i);
    ASSERT_LE(chain.size(), Condition::kMaxBytes);
    EXPECT_EQ(eval(chain, {{"x", AttrValue::of(1000)}}), Truth::yes);
    EXPECT_EQ(eval(chain, {{"x", AttrValue::of(0)}}), Truth::no);
    // … 1001 do not, the error pointing at the 1001st.
    std::tie(offset, message) = error_of(chain + " and x == 0");
    EXPECT_EQ(offset, chain.size() + 5);
    EXPECT_NE(message.find("more than 1000 comparisons"), std::string::npos) << message;
}

// Found by fuzzing: a name ending in the first byte of a UTF-8 character put
// the error offset past the end of the text.
TEST(Condition, ErrorOffsetsStayInsideTheText) {
    for (const std::string& text : {std::string("nature\xD1"), std::string("vocs_t \xE4\xB8"), std::string("a == 1 and b\xF0")}) {
        const auto [offset, message] = error_of(text);
        EXPECT_LE(offset, text.size()) << message;
    }
}
