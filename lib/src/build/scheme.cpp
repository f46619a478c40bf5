#include "zone/build/scheme.hpp"

#include "zone/core/error.hpp"

#include <toml++/toml.h>

#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace zone {

const char* to_string(Grouping g) {
    switch (g) {
        case Grouping::piece: return "piece";
        case Grouping::feature: return "feature";
        case Grouping::county: return "county";
    }
    return "?";
}

namespace {

// Reads one TOML table, remembering which keys were used so that a misspelt
// key is an error instead of being silently ignored.
class TableReader {
public:
    TableReader(const std::string& file, const toml::table& table, std::string name)
        : file_(file), table_(table), name_(std::move(name)) {}

    [[noreturn]] void fail(const std::string& key, const std::string& problem) const {
        const toml::node* node = key.empty() ? nullptr : table_.get(key);
        const auto& src = node ? node->source() : table_.source();
        std::string where = file_ + ":" + std::to_string(src.begin.line) + ":" +
                            std::to_string(src.begin.column);
        std::string what = name_;
        if (!key.empty()) what += (what.empty() ? "" : ".") + key;
        throw InputError(where + ": " + (what.empty() ? "" : what + ": ") + problem);
    }

    std::string text(const std::string& key, bool required, std::string fallback = {}) {
        used_.insert(key);
        const toml::node* node = table_.get(key);
        if (!node) {
            if (required) fail("", "missing key '" + key + "'");
            return fallback;
        }
        if (!node->is_string()) fail(key, "must be a string");
        return **node->as_string();
    }

    double number(const std::string& key, double fallback) {
        used_.insert(key);
        const toml::node* node = table_.get(key);
        if (!node) return fallback;
        if (auto v = node->value<double>()) return *v;
        fail(key, "must be a number");
    }

    std::int64_t integer(const std::string& key, bool required) {
        used_.insert(key);
        const toml::node* node = table_.get(key);
        if (!node) {
            if (required) fail("", "missing key '" + key + "'");
            return 0;
        }
        if (!node->is_integer()) fail(key, "must be an integer");
        return **node->as_integer();
    }

    void reject_unknown_keys() const {
        for (const auto& [key, value] : table_) {
            if (!used_.count(std::string(key.str()))) fail(std::string(key.str()), "unknown key");
        }
    }

private:
    const std::string& file_;
    const toml::table& table_;
    std::string name_;
    std::set<std::string> used_;
};

// Paths in a scheme are relative to the scheme file; GDAL connection strings
// and virtual file systems are passed through.
std::string resolve_source(const std::string& source, const fs::path& base) {
    if (source.empty() || source == "-" || source.rfind("PG:", 0) == 0 || source.rfind("/vsi", 0) == 0)
        return source;
    fs::path p(source);
    if (p.is_absolute()) return source;
    return (base / p).lexically_normal().string();
}

Grouping parse_grouping(TableReader& r, const std::string& key, Grouping fallback, bool allow_feature) {
    const std::string text = r.text(key, false);
    if (text.empty()) return fallback;
    if (text == "piece") return Grouping::piece;
    if (text == "county") return Grouping::county;
    if (text == "feature" && allow_feature) return Grouping::feature;
    r.fail(key, "'" + text + "' is not one of " + (allow_feature ? "piece, feature, county" : "piece, county"));
}

}  // namespace

Scheme load_scheme(const std::string& path) {
    if (!fs::exists(path)) throw InputError(Where{path, {}, {}, {}}, "no such file");
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        throw InputError(path + ":" + std::to_string(e.source().begin.line) + ":" +
                         std::to_string(e.source().begin.column) + ": not valid TOML: " +
                         std::string(e.description()));
    }
    const fs::path base = fs::path(path).parent_path();
    Scheme s;
    s.file = path;

    TableReader top(path, root, "");
    auto table = [&](const std::string& key, bool required) -> const toml::table* {
        const toml::node* node = root.get(key);
        if (!node) {
            if (required) top.fail("", "missing table [" + key + "]");
            return nullptr;
        }
        if (!node->is_table()) top.fail(key, "must be a table");
        return node->as_table();
    };

    static const toml::table empty;
    {
        const toml::table* t = table("scheme", false);
        TableReader r(path, t ? *t : empty, "scheme");
        s.name = r.text("name", false);
        s.province = r.text("province", false);
        r.reject_unknown_keys();
    }
    {
        TableReader r(path, *table("boundary", true), "boundary");
        s.boundary.source = resolve_source(r.text("source", true), base);
        s.boundary.code_field = r.text("code_field", true);
        s.boundary.name_field = r.text("name_field", true);
        s.boundary.city_field = r.text("city_field", false);
        s.boundary.encoding = r.text("encoding", false);
        r.reject_unknown_keys();
    }
    {
        const toml::table* t = table("build", false);
        TableReader r(path, t ? *t : empty, "build");
        s.grid = r.number("grid", s.grid);
        if (!(s.grid > 0)) r.fail("grid", "must be a positive number");
        s.sliver_area_m2 = r.number("sliver_area_m2", s.sliver_area_m2);
        if (!(s.sliver_area_m2 >= 0)) r.fail("sliver_area_m2", "must be zero or more");
        const std::string method = r.text("area_method", false);
        if (!method.empty()) {
            try {
                s.area_method = parse_area_method(method);
            } catch (const std::invalid_argument&) {
                r.fail("area_method", "'" + method + "' is not one of gauss-kruger, ellipsoidal");
            }
        }
        r.reject_unknown_keys();
    }
    {
        const toml::table* t = table("general", false);
        TableReader r(path, t ? *t : empty, "general");
        s.general.group = parse_grouping(r, "group", s.general.group, false);
        r.reject_unknown_keys();
    }
    {
        const toml::table* t = table("output", false);
        TableReader r(path, t ? *t : empty, "output");
        const std::string out = r.text("path", false);
        if (!out.empty()) s.output.path = out == "-" ? out : resolve_source(out, base);
        s.output.layer = r.text("layer", false, s.output.layer);
        r.reject_unknown_keys();
    }

    const toml::node* factors = root.get("factor");
    if (!factors) top.fail("", "no [[factor]] tables: a scheme needs at least one factor layer");
    const toml::array* list = factors->as_array();
    if (!list || !list->is_array_of_tables()) top.fail("factor", "must be an array of tables ([[factor]])");
    std::set<std::string> ids;
    int index = 0;
    for (const toml::node& node : *list) {
        ++index;
        TableReader r(path, *node.as_table(), "factor[" + std::to_string(index) + "]");
        FactorSpec f;
        f.id = r.text("id", true);
        if (f.id.empty() || f.id.find(';') != std::string::npos)
            r.fail("id", "must be non-empty and contain no ';'");
        if (!ids.insert(f.id).second) r.fail("id", "duplicate factor id '" + f.id + "'");
        f.label = r.text("label", false, f.id);
        f.source = resolve_source(r.text("source", true), base);
        f.where = r.text("where", false);
        f.name_field = r.text("name_field", false);
        f.encoding = r.text("encoding", false);
        const auto category = r.integer("category", true);
        if (category != 1 && category != 2)
            r.fail("category", "must be 1 (priority protection) or 2 (key control); "
                               "general control (3) is the land no factor claims");
        f.category = static_cast<int>(category);
        f.group = parse_grouping(r, "group", Grouping::piece, true);
        r.reject_unknown_keys();
        s.factors.push_back(std::move(f));
    }
    for (const auto& [key, value] : root) {
        const std::string k(key.str());
        if (k != "scheme" && k != "boundary" && k != "build" && k != "general" && k != "output" &&
            k != "factor")
            top.fail(k, "unknown table");
    }
    return s;
}

}  // namespace zone
