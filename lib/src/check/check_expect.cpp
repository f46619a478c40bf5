// Expectations of zone-check map: their spelling on the command line, reading
// their layers, and judging the faces of the coverage overlay against them.
#include "zone/check/check_expect.hpp"

#include "check/check_expect_engine.hpp"

#include "zone/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace zone {

namespace {

constexpr const char* kWhere = "|where=";

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    for (;;) {
        const std::size_t at = s.find(sep, start);
        parts.push_back(s.substr(start, at == std::string::npos ? std::string::npos : at - start));
        if (at == std::string::npos) return parts;
        start = at + 1;
    }
}

std::string categories_text(const std::vector<int>& categories) {
    std::string s;
    for (std::size_t i = 0; i < categories.size(); ++i)
        s += (i == 0 ? "" : i + 1 == categories.size() ? " or " : ", ") + std::to_string(categories[i]);
    return s;
}

}  // namespace

Expectation parse_expectation(const std::string& spec) {
    auto bad = [&spec](const std::string& why) {
        return InputError("--expect '" + spec + "': " + why +
                          " (expected SOURCE=CATS[:SEVERITY[:TOLERANCE_M2]][|where=SQL], such as "
                          "'planning.gpkg|layername=ubound=1,2')");
    };
    Expectation e;
    std::string head = spec;
    const std::size_t where_at = spec.find(kWhere);
    if (where_at != std::string::npos) {
        head = spec.substr(0, where_at);
        e.where = spec.substr(where_at + std::string(kWhere).size());
        if (e.where.find_first_not_of(" \t") == std::string::npos) throw bad("the filter after |where= is empty");
    }
    const std::size_t eq = head.rfind('=');
    if (eq == std::string::npos) throw bad("no '=' between the source and the categories");
    e.source = head.substr(0, eq);
    if (e.source.empty()) throw bad("no source before '='");
    const std::vector<std::string> parts = split(head.substr(eq + 1), ':');
    if (parts.size() > 3) throw bad("more than three ':'-separated parts after '='");

    for (const std::string& c : split(parts[0], ',')) {
        if (c.size() != 1 || c[0] < '1' || c[0] > '3')
            throw bad(c.empty() ? std::string("an empty category") : "'" + c + "' is not a category (1, 2 or 3)");
        e.categories.push_back(c[0] - '0');
    }
    std::sort(e.categories.begin(), e.categories.end());
    e.categories.erase(std::unique(e.categories.begin(), e.categories.end()), e.categories.end());

    if (parts.size() > 1 && !parts[1].empty()) {
        if (parts[1] == "error") e.severity = Severity::error;
        else if (parts[1] == "warning") e.severity = Severity::warning;
        else throw bad("severity '" + parts[1] + "' is neither error nor warning");
    }
    if (parts.size() > 2) {
        const std::string& t = parts[2];
        char* end = nullptr;
        errno = 0;
        const double v = t.empty() ? NAN : std::strtod(t.c_str(), &end);
        if (t.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0)
            throw bad("tolerance '" + t + "' is not a number of square metres ≥ 0");
        e.tolerance_m2 = v;
    }
    return e;
}

bool Expectation::allows(int category) const {
    return std::find(categories.begin(), categories.end(), category) != categories.end();
}

Expectation redline_expectation(const std::string& source, double tolerance_m2) {
    Expectation e;
    e.source = source;
    e.categories = {1};
    e.severity = Severity::error;
    e.tolerance_m2 = tolerance_m2;
    e.rule = "redline.not_priority";
    return e;
}

namespace detail {

std::vector<ExpectationFeature> all_features(const std::vector<ReferenceLayer>& layers) {
    std::vector<ExpectationFeature> out;
    for (std::size_t l = 0; l < layers.size(); ++l)
        for (std::size_t f = 0; f < layers[l].layer.features.size(); ++f)
            out.push_back({static_cast<int>(l), static_cast<int>(f)});
    return out;
}

std::vector<std::pair<int, int>> broken_layers(const std::vector<ReferenceLayer>& layers,
                                               const std::vector<ExpectationFeature>& features,
                                               const std::vector<int>& covering,
                                               const std::vector<int>& categories) {
    std::vector<std::pair<int, int>> out;
    for (int i : covering) {
        const ExpectationFeature& f = features[static_cast<std::size_t>(i)];
        if (std::any_of(out.begin(), out.end(), [&](const auto& b) { return b.first == f.layer; })) continue;
        const ReferenceLayer& l = layers[static_cast<std::size_t>(f.layer)];
        if (std::none_of(categories.begin(), categories.end(), [&](int c) { return l.expectation.allows(c); }))
            out.emplace_back(f.layer, f.feature);
    }
    std::sort(out.begin(), out.end());
    return out;
}

Finding mismatch_finding(const ReferenceLayer& l, int feature, const MismatchUnit* unit, double area_m2) {
    const std::int64_t fid = feature >= 0 ? l.layer.features[static_cast<std::size_t>(feature)].fid : -1;
    const std::string& name = l.layer.layer_name;
    Finding f;
    f.rule = l.expectation.rule;
    f.severity = l.expectation.severity;
    f.layer = name;
    if (unit) {
        f.fid = unit->fid;
        f.code = unit->code;
    }
    if (fid >= 0) f.fid2 = fid;
    f.area_m2 = area_m2;
    const std::string code = unit && !unit->code.empty() ? unit->code : "?";
    const std::string category = unit && unit->category > 0 ? std::to_string(unit->category) : "?";
    if (l.redline) {
        // The red line's wording, as before expectations were general.
        f.message = unit ? fmt::format("red line (feature {} of {}) lies in unit {} of category {}, not in a "
                                       "priority unit",
                                       fid, name, code, category)
                         : fmt::format("red line (feature {} of {}) lies in no unit", fid, name);
    } else {
        const std::string filter = l.expectation.where.empty() ? "" : " where " + l.expectation.where;
        const std::string expected = "expected in units of category " + categories_text(l.expectation.categories);
        f.message = unit ? fmt::format("land of {}{} (feature {}) lies in unit {} of category {}; {}", name, filter,
                                       fid, code, category, expected)
                         : fmt::format("land of {}{} (feature {}) lies in no unit; {}", name, filter, fid, expected);
    }
    return f;
}

}  // namespace detail

}  // namespace zone
