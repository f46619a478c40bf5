// The condition language of access-list rules (zonekit(7) ACCESS LIST): what a rule's
// `when` says about the project it applies to.
//
//   industry ~ "C26*" and (nature in ("新建", "扩建") or vocs_t > 10)
//
// Attributes are compared with == != < <= > >= ~ (glob: * any run, ? one
// character) and in ( ... ); conditions combine with and, or, not and
// parentheses. An attribute the project does not declare is unknown, not
// false, and the logic is three-valued (Kleene): unknown and false = false,
// unknown or true = true.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace zone {

enum class Truth { no, yes, unknown };
const char* to_string(Truth t);  // "false", "true", "unknown"

Truth truth_and(Truth a, Truth b);
Truth truth_or(Truth a, Truth b);
Truth truth_not(Truth a);

// A value a project declares: text, and its number when the text is one.
struct AttrValue {
    std::string text;
    std::optional<double> number;
    // "12.5" -> text "12.5", number 12.5; "C2614" -> text only. Surrounding
    // blanks are dropped.
    static AttrValue of(const std::string& text);
    static AttrValue of(double number);
};

// A project's attributes by name, in lower case (names are case-insensitive
// in conditions, which keep them in lower case): industry, nature, vocs_t …
// An empty text counts as not declared.
using Attributes = std::map<std::string, AttrValue>;

// The attributes the language knows by name and checks: the GB/T 4754
// industry code and the nature of the project.
constexpr const char* kIndustry = "industry";
constexpr const char* kNature = "nature";
// 新建, 改建, 扩建, 技术改造.
const std::vector<std::string>& project_natures();

// True when `code` is a GB/T 4754 code: a section letter A-T, optionally
// followed by a 2-digit division, a 3-digit group or a 4-digit class ("C",
// "C26", "C261", "C2614").
bool is_industry_code(const std::string& code);
// Upper-cases and checks an industry code as a person types it; returns the
// problem in words, or an empty string when it is fine.
std::string normalise_industry(std::string& code);

// Glob match: * matches any run of characters (also none), ? one character
// (a UTF-8 character, not a byte); everything else matches itself.
bool glob_match(const std::string& pattern, const std::string& text);

// A syntax or type error in a condition, at a byte offset of its text.
class ConditionError : public std::runtime_error {
public:
    ConditionError(std::size_t offset, const std::string& message)
        : std::runtime_error(message), offset_(offset) {}
    std::size_t offset() const { return offset_; }

private:
    std::size_t offset_;
};

class Condition {
public:
    // What a condition may hold (rule text is untrusted input): longer, more
    // deeply nested or with more comparisons, it is a ConditionError. Real
    // rules are a line or two.
    static constexpr std::size_t kMaxBytes = 64 * 1024;
    static constexpr std::size_t kMaxNesting = 100;      // of "(" and "not"
    static constexpr std::size_t kMaxComparisons = 1000;

    // Parses `text`; throws ConditionError naming what was expected where.
    // Comparisons are checked as far as the names tell: industry takes GB/T
    // 4754 codes and patterns, nature the four natures, < <= > >= numbers.
    static Condition parse(const std::string& text);

    struct Result {
        Truth truth = Truth::unknown;
        // When unknown: the undeclared attributes the outcome depends on,
        // sorted. (industry ~ "C26*" and vocs_t > 10 for a project of C3011
        // is false whatever vocs_t is, so nothing is missing.)
        std::vector<std::string> missing;
    };

    // Evaluates the condition for a project. Throws std::invalid_argument
    // when the project declares an attribute of the wrong kind (text where
    // the condition compares a number).
    Result evaluate(const Attributes& attributes) const;

    const std::string& text() const { return text_; }
    // Every attribute the condition tests, sorted, without repetition.
    std::vector<std::string> attributes() const;

    struct Node;

private:
    std::shared_ptr<const Node> root_;
    std::string text_;
};

}  // namespace zone
