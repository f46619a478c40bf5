// A hand-written recursive-descent parser for the condition language, and
// its three-valued evaluation.
//
//   condition  := or
//   or         := and { "or" and }
//   and        := unary { "and" unary }
//   unary      := "not" unary | "(" or ")" | comparison
//   comparison := NAME op literal | NAME ["not"] "in" "(" literal { "," literal } ")"
//   op         := "==" | "!=" | "<" | "<=" | ">" | ">=" | "~"
//   literal    := STRING | NUMBER        STRING: "…" or '…', with \" \' \\ escapes
//
// Keywords and attribute names are case-insensitive (AND, Or, VOCS_T); names
// are kept in lower case, and the attributes a project declares must be too.
//
// Rule text comes from whoever writes the list, so what a condition may cost
// is bounded before anything recursive runs: its length, how deep "(" and
// "not" nest (the parser recurses on them) and how many comparisons it holds
// (and/or chains make a tree as deep as they are long, which evaluation and
// destruction recurse through).
#include "zone/rules/condition.hpp"

#include "core/text_util.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

namespace zone {

const char* to_string(Truth t) {
    switch (t) {
        case Truth::no: return "false";
        case Truth::yes: return "true";
        case Truth::unknown: return "unknown";
    }
    return "?";
}

Truth truth_and(Truth a, Truth b) {
    if (a == Truth::no || b == Truth::no) return Truth::no;
    if (a == Truth::yes && b == Truth::yes) return Truth::yes;
    return Truth::unknown;
}

Truth truth_or(Truth a, Truth b) {
    if (a == Truth::yes || b == Truth::yes) return Truth::yes;
    if (a == Truth::no && b == Truth::no) return Truth::no;
    return Truth::unknown;
}

Truth truth_not(Truth a) {
    if (a == Truth::unknown) return a;
    return a == Truth::yes ? Truth::no : Truth::yes;
}

namespace {

using detail::trim;

std::optional<double> to_number(const std::string& text) {
    if (text.empty()) return std::nullopt;
    const char* first = text.data();
    if (*first == '+') ++first;  // from_chars takes no plus sign
    double v = 0;
    const auto [end, ec] = std::from_chars(first, text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::string upper_ascii(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

// The length of the UTF-8 sequence starting with byte `c` (1 for stray bytes).
std::size_t utf8_length(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

bool glob_at(const std::string& p, std::size_t pi, const std::string& t, std::size_t ti) {
    // Iterative with one backtrack point: the classic linear-space glob.
    std::size_t star_p = std::string::npos, star_t = 0;
    while (ti < t.size()) {
        if (pi < p.size() && p[pi] == '*') {
            star_p = pi++;
            star_t = ti;
        } else if (pi < p.size() && p[pi] == '?') {
            ++pi;
            ti += utf8_length(static_cast<unsigned char>(t[ti]));
        } else if (pi < p.size() && p[pi] == t[ti]) {
            ++pi;
            ++ti;
        } else if (star_p != std::string::npos) {
            pi = star_p + 1;
            star_t += utf8_length(static_cast<unsigned char>(t[star_t]));
            ti = star_t;
        } else {
            return false;
        }
    }
    while (pi < p.size() && p[pi] == '*') ++pi;
    return pi == p.size();
}

}  // namespace

AttrValue AttrValue::of(const std::string& text) {
    AttrValue v;
    v.text = trim(text);
    v.number = to_number(v.text);
    return v;
}

AttrValue AttrValue::of(double number) {
    AttrValue v;
    v.text = fmt::format("{}", number);
    v.number = number;
    return v;
}

const std::vector<std::string>& project_natures() {
    static const std::vector<std::string> natures = {"新建", "改建", "扩建", "技术改造"};
    return natures;
}

bool is_industry_code(const std::string& code) {
    if (code.empty() || code[0] < 'A' || code[0] > 'T') return false;
    const std::size_t digits = code.size() - 1;
    if (digits == 1 || digits > 4) return false;  // a division has two digits
    return std::all_of(code.begin() + 1, code.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string normalise_industry(std::string& code) {
    code = upper_ascii(trim(code));
    if (is_industry_code(code)) return {};
    return "'" + code +
           "' is not a GB/T 4754 industry code: a section letter A-T, optionally followed by a 2-digit division, "
           "3-digit group or 4-digit class (C, C26, C261, C2614)";
}

bool glob_match(const std::string& pattern, const std::string& text) { return glob_at(pattern, 0, text, 0); }

// ---------------------------------------------------------------- the tree

struct Literal {
    bool is_number = false;
    double number = 0;
    std::string text;
    std::string show() const { return is_number ? fmt::format("{}", number) : "\"" + text + "\""; }
};

enum class Op { eq, ne, lt, le, gt, ge, glob, in, not_in };

struct Condition::Node {
    enum Kind { compare, and_, or_, not_ } kind = compare;
    // compare
    std::string attribute;
    Op op = Op::eq;
    std::vector<Literal> literals;
    // and, or, not
    std::shared_ptr<const Node> a, b;
};

namespace {

using Node = Condition::Node;

// ---------------------------------------------------------------- tokens

enum class Tok { name, string, number, lparen, rparen, comma, op, kw_and, kw_or, kw_not, kw_in, end };

struct Token {
    Tok kind = Tok::end;
    std::size_t offset = 0, length = 0;
    std::string text;  // a name, a string's value, an operator, a keyword as written
    double number = 0;
};

bool is_name_start(unsigned char c) { return c == '_' || std::isalpha(c) || c >= 0x80; }
bool is_name_char(unsigned char c) { return is_name_start(c) || std::isdigit(c); }

using detail::lower_ascii;

class Lexer {
public:
    explicit Lexer(const std::string& s) : s_(s) {}

    Token next() {
        while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
        Token t;
        t.offset = pos_;
        if (pos_ >= s_.size()) return t;
        const unsigned char c = s_[pos_];
        auto single = [&](Tok kind) {
            t.kind = kind;
            t.text = s_.substr(pos_, 1);
            t.length = 1;
            ++pos_;
            return t;
        };
        if (c == '(') return single(Tok::lparen);
        if (c == ')') return single(Tok::rparen);
        if (c == ',') return single(Tok::comma);
        if (c == '~') return single(Tok::op);
        if (c == '<' || c == '>' || c == '=' || c == '!') {
            const bool two = pos_ + 1 < s_.size() && s_[pos_ + 1] == '=';
            if (c == '=' && !two)
                throw ConditionError(pos_, "expected '==' to compare for equality, found '='");
            if (c == '!' && !two)
                throw ConditionError(pos_, "expected '!=' or 'not', found '!'");
            t.kind = Tok::op;
            t.length = two ? 2 : 1;
            t.text = s_.substr(pos_, t.length);
            pos_ += t.length;
            return t;
        }
        if (c == '&' || c == '|')
            throw ConditionError(pos_, fmt::format("expected 'and' or 'or', found '{}'", s_.substr(pos_, 1 + (pos_ + 1 < s_.size() && s_[pos_ + 1] == c))));
        if (c == '"' || c == '\'') return string_token(c);
        if (std::isdigit(c) || c == '.' || c == '-' || c == '+') return number_token();
        if (is_name_start(c)) {
            std::size_t e = pos_;
            // A truncated UTF-8 character at the end must not carry the
            // position past the text (error offsets point into it).
            while (e < s_.size() && is_name_char(static_cast<unsigned char>(s_[e])))
                e = std::min(e + utf8_length(s_[e]), s_.size());
            t.text = s_.substr(pos_, e - pos_);
            t.length = e - pos_;
            pos_ = e;
            const std::string k = lower_ascii(t.text);
            t.kind = k == "and" ? Tok::kw_and : k == "or" ? Tok::kw_or : k == "not" ? Tok::kw_not : k == "in" ? Tok::kw_in : Tok::name;
            return t;
        }
        throw ConditionError(pos_, fmt::format("unexpected character '{}'", s_.substr(pos_, utf8_length(c))));
    }

private:
    Token string_token(char quote) {
        Token t;
        t.kind = Tok::string;
        t.offset = pos_;
        std::size_t i = pos_ + 1;
        for (;;) {
            if (i >= s_.size())
                throw ConditionError(pos_, fmt::format("expected the closing {} of the string that starts here", quote));
            const char c = s_[i];
            if (c == quote) break;
            if (c == '\\' && i + 1 < s_.size() && (s_[i + 1] == quote || s_[i + 1] == '\\')) {
                t.text += s_[i + 1];
                i += 2;
                continue;
            }
            t.text += c;
            ++i;
        }
        t.length = i + 1 - pos_;
        pos_ = i + 1;
        return t;
    }

    Token number_token() {
        Token t;
        t.kind = Tok::number;
        t.offset = pos_;
        std::size_t e = pos_;
        if (s_[e] == '-' || s_[e] == '+') ++e;
        while (e < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[e])) || s_[e] == '.' ||
                                 ((s_[e] == '-' || s_[e] == '+') && (s_[e - 1] == 'e' || s_[e - 1] == 'E'))))
            ++e;
        t.text = s_.substr(pos_, e - pos_);
        t.length = e - pos_;
        const auto v = to_number(t.text);
        if (!v) throw ConditionError(pos_, "expected a number, found '" + t.text + "'");
        t.number = *v;
        pos_ = e;
        return t;
    }

    const std::string& s_;
    std::size_t pos_ = 0;
};

// ---------------------------------------------------------------- parser

class Parser {
public:
    explicit Parser(const std::string& text) : text_(text), lexer_(text) {
        if (text.size() > Condition::kMaxBytes)
            throw ConditionError(Condition::kMaxBytes,
                                 fmt::format("the condition is {} bytes long; at most {} are allowed (split the rule)",
                                             text.size(), Condition::kMaxBytes));
        advance();
    }

    std::shared_ptr<const Node> parse() {
        if (tok_.kind == Tok::end) throw ConditionError(0, "expected a condition, found nothing");
        auto root = parse_or();
        if (tok_.kind == Tok::rparen) throw ConditionError(tok_.offset, "expected the end of the condition, found ')' that closes nothing");
        if (tok_.kind != Tok::end)
            throw ConditionError(tok_.offset, "expected 'and', 'or' or the end of the condition, found " + found());
        return root;
    }

private:
    void advance() { tok_ = lexer_.next(); }

    std::string found() const {
        switch (tok_.kind) {
            case Tok::end: return "the end of the condition";
            case Tok::string: return "the string \"" + tok_.text + "\"";
            default: return "'" + text_.substr(tok_.offset, tok_.length) + "'";
        }
    }

    std::shared_ptr<const Node> combine(Node::Kind kind, std::shared_ptr<const Node> a, std::shared_ptr<const Node> b) {
        auto n = std::make_shared<Node>();
        n->kind = kind;
        n->a = std::move(a);
        n->b = std::move(b);
        return n;
    }

    std::shared_ptr<const Node> parse_or() {
        auto left = parse_and();
        while (tok_.kind == Tok::kw_or) {
            advance();
            left = combine(Node::or_, left, parse_and());
        }
        return left;
    }

    std::shared_ptr<const Node> parse_and() {
        auto left = parse_unary();
        while (tok_.kind == Tok::kw_and) {
            advance();
            left = combine(Node::and_, left, parse_unary());
        }
        return left;
    }

    // Counts one more level of "(" or "not" around what follows.
    struct Nesting {
        Parser& p;
        explicit Nesting(Parser& parser) : p(parser) {
            if (++p.depth_ > Condition::kMaxNesting)
                throw ConditionError(p.tok_.offset, fmt::format("'(' and 'not' nest more than {} deep here",
                                                                Condition::kMaxNesting));
        }
        ~Nesting() { --p.depth_; }
    };

    std::shared_ptr<const Node> parse_unary() {
        if (tok_.kind == Tok::kw_not) {
            Nesting nested(*this);
            advance();
            return combine(Node::not_, parse_unary(), nullptr);
        }
        if (tok_.kind == Tok::lparen) {
            Nesting nested(*this);
            const std::size_t open = tok_.offset;
            advance();
            auto inner = parse_or();
            if (tok_.kind != Tok::rparen)
                throw ConditionError(tok_.offset, fmt::format("expected ')' to close the '(' at character {}, found {}",
                                                              open + 1, found()));
            advance();
            return inner;
        }
        return parse_comparison();
    }

    Literal parse_literal(const std::string& after) {
        Literal l;
        if (tok_.kind == Tok::string) {
            l.text = tok_.text;
        } else if (tok_.kind == Tok::number) {
            l.is_number = true;
            l.number = tok_.number;
            l.text = tok_.text;
        } else if (tok_.kind == Tok::name) {
            throw ConditionError(tok_.offset, "expected a string or a number after " + after + ", found " + found() +
                                                  " (put text in quotes: \"" + tok_.text + "\")");
        } else {
            throw ConditionError(tok_.offset, "expected a string or a number after " + after + ", found " + found());
        }
        return l;
    }

    std::shared_ptr<const Node> parse_comparison() {
        if (++comparisons_ > Condition::kMaxComparisons)
            throw ConditionError(tok_.offset, fmt::format("the condition has more than {} comparisons (split the rule)",
                                                          Condition::kMaxComparisons));
        if (tok_.kind != Tok::name)
            throw ConditionError(tok_.offset,
                                 "expected an attribute name (industry, nature, or a numeric attribute such as "
                                 "vocs_t), 'not' or '(', found " + found());
        auto n = std::make_shared<Node>();
        n->attribute = lower_ascii(tok_.text);  // names are case-insensitive: VOCS_T of a Shapefile is vocs_t
        const std::size_t name_at = tok_.offset;
        advance();
        bool negated_in = false;
        if (tok_.kind == Tok::kw_not) {
            negated_in = true;
            advance();
            if (tok_.kind != Tok::kw_in)
                throw ConditionError(tok_.offset, "expected 'in' after '" + n->attribute + " not', found " + found());
        }
        if (tok_.kind == Tok::kw_in) {
            n->op = negated_in ? Op::not_in : Op::in;
            advance();
            if (tok_.kind != Tok::lparen)
                throw ConditionError(tok_.offset, "expected '(' and a list of values after 'in', found " + found());
            advance();
            for (;;) {
                const std::size_t at = tok_.offset;
                n->literals.push_back(parse_literal("'in ('"));
                check_literal(*n, n->literals.back(), at);
                advance();
                if (tok_.kind == Tok::comma) {
                    advance();
                    continue;
                }
                if (tok_.kind == Tok::rparen) break;
                throw ConditionError(tok_.offset, "expected ',' or ')' in the list of 'in', found " + found());
            }
            advance();
            return n;
        }
        if (tok_.kind != Tok::op)
            throw ConditionError(tok_.offset, "expected an operator (== != < <= > >= ~ in) after '" + n->attribute +
                                                  "', found " + found());
        const std::string op = tok_.text;
        n->op = op == "==" ? Op::eq : op == "!=" ? Op::ne : op == "<" ? Op::lt : op == "<=" ? Op::le
              : op == ">" ? Op::gt : op == ">=" ? Op::ge : Op::glob;
        const std::size_t op_at = tok_.offset;
        advance();
        const std::size_t at = tok_.offset;
        n->literals.push_back(parse_literal("'" + op + "'"));
        const Literal& l = n->literals.back();
        const bool ordering = n->op == Op::lt || n->op == Op::le || n->op == Op::gt || n->op == Op::ge;
        if (ordering && !l.is_number)
            throw ConditionError(at, "expected a number after '" + op + "', found " + found());
        if (n->op == Op::glob && l.is_number)
            throw ConditionError(at, "expected a quoted pattern after '~' (such as \"C26*\"), found " + found());
        if (ordering && (n->attribute == kIndustry || n->attribute == kNature))
            throw ConditionError(op_at, fmt::format("'{}' is text: compare it with ==, !=, ~ or in, not '{}'",
                                                    n->attribute, op));
        (void)name_at;
        check_literal(*n, l, at);
        advance();
        return n;
    }

    // What the names tell about the values they take.
    void check_literal(const Node& n, const Literal& l, std::size_t at) const {
        if (n.attribute == kIndustry) {
            if (l.is_number)
                throw ConditionError(at, "expected a quoted GB/T 4754 code after '" + std::string(kIndustry) +
                                             "' (such as \"C2614\" or \"C26*\"), found " + found());
            const std::string code = upper_ascii(l.text);
            if (n.op == Op::glob) {
                // A pattern: at most a letter and four digits once the wildcards are taken out.
                std::string fixed;
                bool ok = !code.empty();
                for (std::size_t i = 0; i < code.size() && ok; ++i) {
                    const char c = code[i];
                    if (c == '*' || c == '?') continue;
                    if (i == 0) ok = c >= 'A' && c <= 'T';
                    else ok = c >= '0' && c <= '9';
                    fixed += c;
                }
                if (!ok || fixed.size() > 5)
                    throw ConditionError(at, "expected a GB/T 4754 code pattern (a section letter A-T and up to "
                                             "four digits, with * and ?: \"C26*\", \"C2?1*\"), found " + found());
            } else if (!is_industry_code(code)) {
                throw ConditionError(at, "expected a GB/T 4754 code (a section letter A-T with an optional "
                                         "2-digit division, 3-digit group or 4-digit class: \"C\", \"C26\", "
                                         "\"C2614\"; use ~ \"C26*\" for everything under C26), found " + found());
            }
        } else if (n.attribute == kNature && n.op != Op::glob) {
            const auto& natures = project_natures();
            if (l.is_number || std::find(natures.begin(), natures.end(), l.text) == natures.end())
                throw ConditionError(at, "expected one of the natures \"新建\", \"改建\", \"扩建\", \"技术改造\", found " + found());
        }
    }

    const std::string& text_;
    Lexer lexer_;
    Token tok_;
    std::size_t depth_ = 0;        // "(" and "not" open around the current token
    std::size_t comparisons_ = 0;  // parsed so far
};

// ---------------------------------------------------------------- evaluation

bool equal(const Node& n, const Literal& l, const AttrValue& v) {
    if (l.is_number) {
        if (!v.number)
            throw std::invalid_argument(fmt::format("attribute '{}' is '{}', which is not a number; the condition "
                                                    "compares it with {}",
                                                    n.attribute, v.text, l.show()));
        return *v.number == l.number;
    }
    if (n.attribute == kIndustry) return upper_ascii(v.text) == upper_ascii(l.text);
    return v.text == l.text;
}

Truth eval(const Node& n, const Attributes& attrs, std::set<std::string>& missing) {
    switch (n.kind) {
        case Node::and_:
        case Node::or_: {
            std::set<std::string> ma, mb;
            const Truth a = eval(*n.a, attrs, ma), b = eval(*n.b, attrs, mb);
            const Truth r = n.kind == Node::and_ ? truth_and(a, b) : truth_or(a, b);
            if (r == Truth::unknown) {
                // Only the unknown operands leave the outcome open.
                if (a == Truth::unknown) missing.insert(ma.begin(), ma.end());
                if (b == Truth::unknown) missing.insert(mb.begin(), mb.end());
            }
            return r;
        }
        case Node::not_: return truth_not(eval(*n.a, attrs, missing));
        case Node::compare: break;
    }
    const auto it = attrs.find(n.attribute);
    if (it == attrs.end() || it->second.text.empty()) {
        missing.insert(n.attribute);
        return Truth::unknown;
    }
    const AttrValue& v = it->second;
    const Literal& l = n.literals.front();
    auto yes = [](bool b) { return b ? Truth::yes : Truth::no; };
    switch (n.op) {
        case Op::eq: return yes(equal(n, l, v));
        case Op::ne: return yes(!equal(n, l, v));
        case Op::glob:
            return yes(n.attribute == kIndustry ? glob_match(upper_ascii(l.text), upper_ascii(v.text))
                                                : glob_match(l.text, v.text));
        case Op::in:
        case Op::not_in: {
            bool any = false;
            for (const auto& each : n.literals) any = any || equal(n, each, v);
            return yes(n.op == Op::in ? any : !any);
        }
        default: break;
    }
    if (!v.number)
        throw std::invalid_argument(fmt::format("attribute '{}' is '{}', which is not a number; the condition "
                                                "compares it with {}",
                                                n.attribute, v.text, l.show()));
    const double x = *v.number;
    switch (n.op) {
        case Op::lt: return yes(x < l.number);
        case Op::le: return yes(x <= l.number);
        case Op::gt: return yes(x > l.number);
        case Op::ge: return yes(x >= l.number);
        default: return Truth::unknown;
    }
}

void collect(const Node& n, std::set<std::string>& names) {
    if (n.kind == Node::compare) {
        names.insert(n.attribute);
        return;
    }
    if (n.a) collect(*n.a, names);
    if (n.b) collect(*n.b, names);
}

}  // namespace

Condition Condition::parse(const std::string& text) {
    Condition c;
    c.text_ = text;
    c.root_ = Parser(c.text_).parse();
    return c;
}

Condition::Result Condition::evaluate(const Attributes& attributes) const {
    std::set<std::string> missing;
    Result r;
    r.truth = eval(*root_, attributes, missing);
    if (r.truth == Truth::unknown) r.missing.assign(missing.begin(), missing.end());
    return r;
}

std::vector<std::string> Condition::attributes() const {
    std::set<std::string> names;
    collect(*root_, names);
    return {names.begin(), names.end()};
}

}  // namespace zone
