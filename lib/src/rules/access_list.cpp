#include "zone/rules/access_list.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace zone {

const char* to_string(Level l) {
    switch (l) {
        case Level::province: return "province";
        case Level::circle: return "circle";
        case Level::city: return "city";
        case Level::unit: return "unit";
    }
    return "?";
}

const char* chinese_name(Level l) {
    switch (l) {
        case Level::province: return "省级";
        case Level::circle: return "经济圈";
        case Level::city: return "市级";
        case Level::unit: return "单元";
    }
    return "?";
}

const char* to_string(Effect e) {
    switch (e) {
        case Effect::prohibit: return "prohibit";
        case Effect::restrict: return "restrict";
        case Effect::require: return "require";
        case Effect::info: return "info";
    }
    return "?";
}

const char* chinese_name(Effect e) {
    switch (e) {
        case Effect::prohibit: return "禁止";
        case Effect::restrict: return "限制";
        case Effect::require: return "要求";
        case Effect::info: return "说明";
    }
    return "?";
}

namespace {

bool all_digits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::size_t utf8_length(unsigned char c) {
    if (c >= 0xF0) return 4;
    if (c >= 0xE0) return 3;
    if (c >= 0xC0) return 2;
    return 1;
}

// The byte offset of a toml++ position (1-based line, column in code points).
std::optional<std::size_t> byte_offset(const std::string& text, toml::source_position pos) {
    std::size_t i = 0;
    for (std::uint32_t line = 1; line < pos.line; ++line) {
        i = text.find('\n', i);
        if (i == std::string::npos) return std::nullopt;
        ++i;
    }
    for (std::uint32_t col = 1; col < pos.column; ++col) {
        if (i >= text.size() || text[i] == '\n') return std::nullopt;
        i += utf8_length(static_cast<unsigned char>(text[i]));
    }
    return i;
}

// For each byte of a TOML string's value, the byte of the file it comes
// from, by reading the string's source again: its delimiters, the newline
// that follows an opening ''' or """, escapes and line-ending backslashes.
// Empty when the source does not give back the value (then positions fall
// back to the string's start).
std::vector<std::size_t> value_bytes_in_file(const std::string& text, std::size_t start, const std::string& value) {
    std::vector<std::size_t> map;
    if (start >= text.size()) return {};
    const char q = text[start];
    if (q != '\'' && q != '"') return {};
    const bool multi = text.compare(start, 3, std::string(3, q)) == 0;
    std::size_t i = start + (multi ? 3 : 1);
    if (multi) {
        if (text.compare(i, 2, "\r\n") == 0) i += 2;
        else if (i < text.size() && text[i] == '\n') ++i;
    }
    const std::string close(multi ? 3 : 1, q);
    std::string got;
    while (i < text.size() && got.size() < value.size()) {
        if (q == '"' && text[i] == '\\' && i + 1 < text.size()) {
            const char e = text[i + 1];
            if (multi && (e == '\n' || e == ' ' || e == '\t' || e == '\r')) {
                // Line-ending backslash: drops the whitespace and newlines after it.
                i += 1;
                while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
                continue;
            }
            std::size_t produced = 1, consumed = 2;
            if (e == 'u' || e == 'U') {
                consumed = e == 'u' ? 6 : 10;
                const unsigned long cp = std::strtoul(text.substr(i + 2, consumed - 2).c_str(), nullptr, 16);
                produced = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            }
            for (std::size_t k = 0; k < produced && got.size() < value.size(); ++k) {
                got += value[got.size()];
                map.push_back(i);
            }
            i += consumed;
            continue;
        }
        if (text.compare(i, close.size(), close) == 0 && (!multi || got.size() >= value.size())) break;
        got += text[i];
        map.push_back(i);
        ++i;
    }
    if (got != value) return {};
    return map;
}

// 1-based line and column (in code points) of a byte of the file.
std::pair<int, int> line_column(const std::string& text, std::size_t offset) {
    int line = 1, col = 1;
    for (std::size_t i = 0; i < offset && i < text.size();) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
            ++i;
        } else {
            ++col;
            i += utf8_length(static_cast<unsigned char>(text[i]));
        }
    }
    return {line, col};
}

class ListReader {
public:
    ListReader(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {}

    AccessList read();

private:
    [[noreturn]] void fail(toml::source_position pos, const std::string& rule, const std::string& key,
                           const std::string& problem) const {
        std::string msg = fmt::format("{}:{}:{}: ", path_, pos.line, pos.column);
        if (!rule.empty()) msg += "rule " + rule + ": ";
        if (!key.empty()) msg += key + ": ";
        throw InputError(msg + problem);
    }
    [[noreturn]] void fail(const toml::node& node, const std::string& rule, const std::string& key,
                           const std::string& problem) const {
        fail(node.source().begin, rule, key, problem);
    }

    std::string string_value(const toml::table& t, const std::string& rule, const char* key, bool required) const {
        const toml::node* n = t.get(key);
        if (!n) {
            if (required) fail(t.source().begin, rule, "", std::string("missing key '") + key + "'");
            return {};
        }
        if (!n->is_string()) fail(*n, rule, key, "must be a string");
        const std::string v = **n->as_string();
        if (!is_valid_utf8(v)) fail(*n, rule, key, "is not valid UTF-8");
        return v;
    }

    Rule read_rule(const toml::table& t, std::size_t index);
    Condition parse_condition(const toml::node& node, const std::string& rule, const std::string& text) const;

    std::string path_;
    std::string text_;
};

Condition ListReader::parse_condition(const toml::node& node, const std::string& rule, const std::string& when) const {
    try {
        return Condition::parse(when);
    } catch (const ConditionError& e) {
        // Point at the character inside the file when the string's source
        // gives back its value, else at the string.
        toml::source_position pos = node.source().begin;
        std::string where_in;
        if (const auto start = byte_offset(text_, pos)) {
            const auto map = value_bytes_in_file(text_, *start, when);
            if (!map.empty()) {
                const std::size_t at = e.offset() < map.size() ? map[e.offset()]
                                                               : (map.empty() ? *start : map.back() + 1);
                const auto [line, col] = line_column(text_, at);
                pos.line = static_cast<toml::source_index>(line);
                pos.column = static_cast<toml::source_index>(col);
            } else {
                where_in = fmt::format(" (at byte {} of the condition)", e.offset() + 1);
            }
        }
        fail(pos, rule, "when", std::string(e.what()) + where_in);
    }
}

Rule ListReader::read_rule(const toml::table& t, std::size_t index) {
    Rule r;
    r.line = static_cast<int>(t.source().begin.line);
    r.column = static_cast<int>(t.source().begin.column);
    const std::string label = fmt::format("#{}", index + 1);  // until the id is known

    static const std::set<std::string> known = {"id", "level", "scope", "dimension", "categories", "when", "effect", "text"};
    // The id first, so every other message can name the rule.
    const toml::node* id_node = t.get("id");
    if (!id_node) fail(t.source().begin, label, "", "missing key 'id'");
    if (!id_node->is_string()) fail(*id_node, label, "id", "must be a string");
    r.id = **id_node->as_string();
    if (r.id.empty() || !is_valid_utf8(r.id) ||
        std::any_of(r.id.begin(), r.id.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == ';' || c == ','; }))
        fail(*id_node, label, "id", "'" + r.id + "' is not a usable rule id: give a non-empty id without blanks, ';' or ',' (such as SD-P-001)");

    for (const auto& [key, node] : t)
        if (!known.count(std::string(key.str())))
            fail(key.source().begin, r.id, std::string(key.str()),
                 "unknown key; a rule has id, level, scope, dimension, categories, when, effect, text");

    const std::string level = string_value(t, r.id, "level", true);
    if (level == "province") r.level = Level::province;
    else if (level == "circle") r.level = Level::circle;
    else if (level == "city") r.level = Level::city;
    else if (level == "unit") r.level = Level::unit;
    else fail(*t.get("level"), r.id, "level", "unknown level '" + level + "'; expected province, circle, city or unit");

    r.scope = string_value(t, r.id, "scope", true);
    const toml::node& scope_node = *t.get("scope");
    switch (r.level) {
        case Level::province:
            if (!(r.scope.size() == 6 && all_digits(r.scope) && ends_with(r.scope, "0000")))
                fail(scope_node, r.id, "scope",
                     "'" + r.scope + "' is not a province code: a province-level rule's scope is the 6-digit code of "
                     "its province, ending in 0000 (370000)");
            break;
        case Level::circle:
            if (r.scope.empty() || all_digits(r.scope) || r.scope.find_first_of(" \t;,") != std::string::npos)
                fail(scope_node, r.id, "scope",
                     "'" + r.scope + "' is not a circle name: a circle-level rule's scope is the name of its "
                     "economic circle as the boundary's circle field has it (省会经济圈)");
            break;
        case Level::city:
            if (all_digits(r.scope) ? !(r.scope.size() == 6 && ends_with(r.scope, "00") && !ends_with(r.scope, "0000"))
                                    : !(ends_with(r.scope, "市") || ends_with(r.scope, "州") ||
                                        ends_with(r.scope, "盟") || ends_with(r.scope, "地区")))
                fail(scope_node, r.id, "scope",
                     "'" + r.scope + "' is not a city: a city-level rule's scope is the 6-digit code of its city, "
                     "ending in 00 (370100), or its name (济南市)");
            break;
        case Level::unit:
            if (!is_valid_unit_code(r.scope) && !(is_county_code(r.scope) && !ends_with(r.scope, "00")))
                fail(scope_node, r.id, "scope",
                     "'" + r.scope + "' is neither a unit code (ZH + county + category + serial: ZH37010210001) nor "
                     "a county code (370102)");
            break;
    }

    const std::string dimension = string_value(t, r.id, "dimension", true);
    const auto dim = std::find(kDimensions.begin(), kDimensions.end(), dimension);
    if (dim == kDimensions.end())
        fail(*t.get("dimension"), r.id, "dimension",
             "unknown dimension '" + dimension + "'; expected one of 空间布局约束, 污染物排放管控, 环境风险防控, 资源开发效率要求");
    r.dimension = static_cast<int>(dim - kDimensions.begin());

    if (const toml::node* c = t.get("categories")) {
        const toml::array* arr = c->as_array();
        if (!arr) fail(*c, r.id, "categories", "must be an array of unit categories, such as [1] or [2, 3]");
        if (arr->empty()) fail(*c, r.id, "categories", "is empty: leave the key out for a rule of every category");
        for (const auto& item : *arr) {
            const auto v = item.value<std::int64_t>();
            if (!item.is_integer() || !v || *v < 1 || *v > 3)
                fail(item, r.id, "categories", "expected a unit category 1, 2 or 3 (优先保护 重点管控 一般管控)");
            if (std::find(r.categories.begin(), r.categories.end(), static_cast<int>(*v)) != r.categories.end())
                fail(item, r.id, "categories", fmt::format("category {} is listed twice", *v));
            r.categories.push_back(static_cast<int>(*v));
        }
        std::sort(r.categories.begin(), r.categories.end());
        if (const auto code = UnitCode::parse(r.scope); r.level == Level::unit && code) {
            const int own = code->category();
            if (std::find(r.categories.begin(), r.categories.end(), own) == r.categories.end())
                fail(*c, r.id, "categories",
                     fmt::format("the rule's unit {} is of category {}, which is not listed: the rule could never apply",
                                 r.scope, own));
        }
    }

    if (const toml::node* w = t.get("when")) {
        if (!w->is_string()) fail(*w, r.id, "when", "must be a string (a condition such as 'industry ~ \"C26*\"')");
        const std::string when = **w->as_string();
        if (!is_valid_utf8(when)) fail(*w, r.id, "when", "is not valid UTF-8");
        r.when = parse_condition(*w, r.id, when);
    }

    const std::string effect = string_value(t, r.id, "effect", true);
    if (effect == "prohibit") r.effect = Effect::prohibit;
    else if (effect == "restrict") r.effect = Effect::restrict;
    else if (effect == "require") r.effect = Effect::require;
    else if (effect == "info") r.effect = Effect::info;
    else fail(*t.get("effect"), r.id, "effect", "unknown effect '" + effect + "'; expected prohibit, restrict, require or info");

    r.text = string_value(t, r.id, "text", true);
    if (r.text.find_first_not_of(" \t\r\n") == std::string::npos)
        fail(*t.get("text"), r.id, "text", "is empty: give the rule's official wording");
    return r;
}

AccessList ListReader::read() {
    toml::table root;
    try {
        root = toml::parse(text_, path_);
    } catch (const toml::parse_error& e) {
        throw InputError(fmt::format("{}:{}:{}: not valid TOML: {}", path_, e.source().begin.line,
                                     e.source().begin.column, e.description()));
    }
    AccessList list;
    list.file = path_;
    for (const auto& [key, node] : root) {
        const std::string k(key.str());
        if (k != "list" && k != "rule")
            fail(key.source().begin, "", k, "unknown key; an access list has a [list] table and [[rule]] tables");
    }
    if (const toml::node* n = root.get("list")) {
        const toml::table* t = n->as_table();
        if (!t) fail(*n, "", "list", "must be a table ([list])");
        for (const auto& [key, node] : *t) {
            const std::string k(key.str());
            if (k == "name" || k == "description") {
                if (!node.is_string()) fail(node, "", "list." + k, "must be a string");
                if (k == "name") list.name = **node.as_string();
            } else if (k == "version") {
                if (node.is_string()) list.version = **node.as_string();
                else if (node.is_integer()) list.version = std::to_string(**node.as_integer());
                else fail(node, "", "list.version", "must be a string or an integer");
            } else {
                fail(key.source().begin, "", "list." + k, "unknown key; [list] has name, version, description");
            }
        }
    }
    const toml::node* rules = root.get("rule");
    if (!rules) throw InputError(Where{path_, {}, {}, {}}, "the list has no rules ([[rule]] tables)");
    const toml::array* arr = rules->as_array();
    if (!arr || !arr->is_array_of_tables()) fail(*rules, "", "rule", "must be an array of tables ([[rule]])");
    std::map<std::string, int> line_of_id;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        Rule r = read_rule(*arr->get(i)->as_table(), i);
        auto [it, inserted] = line_of_id.emplace(r.id, r.line);
        if (!inserted)
            fail(*arr->get(i)->as_table()->get("id"), r.id, "id",
                 fmt::format("duplicate id: rule {} is also defined at line {}", r.id, it->second));
        list.rules.push_back(std::move(r));
    }
    return list;
}

// ---------------------------------------------------------------- texts table

using detail::from_gbk;
using detail::lower_ascii;
using detail::trim;

}  // namespace

AccessList load_access_list(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) throw InputError(Where{path, {}, {}, {}}, fs::exists(path, ec) ? "is not a file" : "no such file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(Where{path, {}, {}, {}}, "cannot be read");
    std::ostringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.replace(0, 3, "   ");  // a BOM from Notepad; keeps columns
    if (!is_valid_utf8(text))
        throw InputError(Where{path, {}, {}, {}}, "is not UTF-8 text (TOML files are UTF-8; if it was saved as GBK, "
                                                  "save it again as UTF-8)");
    return ListReader(path, std::move(text)).read();
}

AccessTexts load_access_texts(const std::string& source_spec) {
    gdal_init();
    detail::QuietGdal quiet;
    // A spreadsheet whose every cell is text does not tell its header row
    // from its data: the first row is the header (GDAL 3.6 takes this as a
    // configuration option, not an open option).
    struct ForceHeaders {
        ForceHeaders() {
            CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", "FORCE");
            CPLSetThreadLocalConfigOption("OGR_ODS_HEADERS", "FORCE");
        }
        ~ForceHeaders() {
            CPLSetThreadLocalConfigOption("OGR_XLSX_HEADERS", nullptr);
            CPLSetThreadLocalConfigOption("OGR_ODS_HEADERS", nullptr);
        }
    } force_headers;
    OpenLayerOptions open;
    open.default_layer.clear();
    open.first_layer_when_several = true;  // a workbook's first sheet
    open.stdin_prefix = "CSV:";
    const VectorLayer opened = open_vector_layer(parse_source(source_spec), open);
    OGRLayer* layer = opened.layer;
    Where where = opened.where;
    // A format of one table names it after the file: that says nothing.
    if (opened.dataset->GetLayerCount() == 1 && parse_source(source_spec).layer.empty()) where.layer.clear();

    // Everything as text first: the encoding is decided for the whole table.
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::vector<std::string> names;
    for (int i = 0; i < defn->GetFieldCount(); ++i) names.push_back(defn->GetFieldDefn(i)->GetNameRef());
    std::vector<std::vector<std::string>> rows;
    layer->ResetReading();
    for (auto& f : *layer) {
        std::vector<std::string> row;
        for (int i = 0; i < defn->GetFieldCount(); ++i)
            row.push_back(f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "");
        rows.push_back(std::move(row));
    }
    bool utf8 = std::all_of(names.begin(), names.end(), is_valid_utf8);
    for (const auto& row : rows) utf8 = utf8 && std::all_of(row.begin(), row.end(), is_valid_utf8);
    if (!utf8) {
        // Excel saves CSV in the system code page: GBK on a Chinese desktop.
        for (auto& n : names) n = from_gbk(n);
        for (auto& row : rows)
            for (auto& v : row) v = from_gbk(v);
        bool decoded = std::all_of(names.begin(), names.end(), is_valid_utf8);
        for (const auto& row : rows) decoded = decoded && std::all_of(row.begin(), row.end(), is_valid_utf8);
        if (!decoded) throw InputError(where, "the text is neither UTF-8 nor GBK; save the table as UTF-8");
    }
    for (auto& n : names) {
        if (n.compare(0, 3, "\xEF\xBB\xBF") == 0) n.erase(0, 3);
        n = trim(n);
    }

    int code_col = -1;
    std::array<int, 4> text_col{-1, -1, -1, -1};
    for (int i = 0; i < static_cast<int>(names.size()); ++i) {
        const std::string low = lower_ascii(names[i]);
        if (code_col < 0 && (low == "hjzhgkdybm" || low == "code" || names[i] == "环境管控单元编码" ||
                             names[i] == "单元编码" || names[i] == "管控单元编码"))
            code_col = i;
        for (std::size_t d = 0; d < 4; ++d)
            if (text_col[d] < 0 && (low == lower_ascii(kDimensionFields[d]) || names[i].find(kDimensions[d]) != std::string::npos))
                text_col[d] = i;
    }
    std::string have;
    for (const auto& n : names) have += (have.empty() ? "" : ", ") + n;
    if (code_col < 0)
        throw InputError(where, "no unit code column (HJZHGKDYBM, 环境管控单元编码, 单元编码 or code); the table has: " + have);
    if (std::all_of(text_col.begin(), text_col.end(), [](int c) { return c < 0; }))
        throw InputError(where, "no text column: name them KJBJYS, PWWPFGK, HJFXFK, ZYKFXLYQ or 空间布局约束, "
                                "污染物排放管控, 环境风险防控, 资源开发效率要求; the table has: " + have);

    AccessTexts out;
    out.source = source_spec;
    std::map<std::string, std::size_t> row_of_code;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const std::size_t row_number = r + 2;  // as the spreadsheet shows it, after the header row
        const std::string code = trim(rows[r][code_col]);
        UnitTexts texts;
        bool any = false;
        for (std::size_t d = 0; d < 4; ++d) {
            if (text_col[d] >= 0) texts[d] = trim(rows[r][text_col[d]]);
            any = any || !texts[d].empty();
        }
        Where w = where;
        w.field = names[code_col];
        if (code.empty()) {
            if (!any) continue;  // a blank line
            throw InputError(w, fmt::format("row {}: texts without a unit code", row_number));
        }
        if (!is_valid_unit_code(code))
            throw InputError(w, fmt::format("row {}: '{}' is not a unit code (ZH + county + category + serial)", row_number, code));
        auto [it, inserted] = row_of_code.emplace(code, row_number);
        if (!inserted)
            throw InputError(w, fmt::format("row {}: unit {} is also in row {}", row_number, code, it->second));
        out.by_code.emplace(code, std::move(texts));
    }
    return out;
}

std::vector<std::string> apply_access_texts(std::vector<Unit>& units, const AccessTexts& texts) {
    std::set<std::string> used;
    for (auto& u : units) {
        const auto it = texts.by_code.find(u.code);
        if (it == texts.by_code.end()) continue;
        u.access_texts = it->second;
        used.insert(u.code);
    }
    std::vector<std::string> unknown;
    for (const auto& [code, t] : texts.by_code)
        if (!used.count(code)) unknown.push_back(code);
    return unknown;
}

}  // namespace zone
