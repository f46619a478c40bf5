// Effectiveness tracking (成效评估): an indicator table per unit — unit code,
// indicator, baseline, current, whether higher is better — read through GDAL
// (CSV, XLSX, GeoPackage, …) and turned into the units whose environment got
// worse, priority units first: supervising them is the first duty the policy
// names.
#include "report/report_detail.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"

#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace zone::detail {

namespace {

// A number and nothing else ("12.5", "-3", "1e3"); thousands separators are not numbers.
std::optional<double> parse_number(const std::string& text) {
    const std::string t = trim(text);
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = CPLStrtod(t.c_str(), &end);
    if (!end || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> parse_bool(const std::string& text) {
    const std::string t = lower_ascii(trim(text));
    if (t == "1" || t == "true" || t == "yes" || t == "y" || t == "t" || t == "是") return true;
    if (t == "0" || t == "false" || t == "no" || t == "n" || t == "f" || t == "否") return false;
    return std::nullopt;
}

}  // namespace

Effectiveness read_effectiveness(const std::string& source, const std::vector<ReportUnit>& units) {
    OpenLayerOptions open;
    open.default_layer = "indicators";
    open.stdin_prefix = "CSV:";  // "-": a CSV on standard input, as zone-monitor -o - writes it
    const VectorLayer opened = open_vector_layer(parse_source(source), open);
    QuietGdal quiet;
    GDALDataset* ds = opened.dataset.get();
    OGRLayer* layer = opened.layer;
    const Where& where = opened.where;
    const bool csv = ds->GetDriver() && EQUAL(ds->GetDriver()->GetDescription(), "CSV");

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::string fields;
    for (int i = 0; i < defn->GetFieldCount(); ++i) fields += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
    auto field = [&](std::initializer_list<const char*> candidates, const char* role) {
        for (const char* name : candidates) {
            const int i = defn->GetFieldIndex(name);
            if (i >= 0) return i;
        }
        Where w = where;
        w.field = *candidates.begin();
        throw InputError(w, std::string("no ") + role + " field (" + *candidates.begin() +
                                "); an indicator table has the fields code, indicator, baseline, current and "
                                "higher_is_better; this one has: " + fields);
    };
    const int i_code = field({"code", "unit", "unit_code", "HJZHGKDYBM"}, "unit code");
    const int i_indicator = field({"indicator", "name"}, "indicator");
    const int i_baseline = field({"baseline"}, "baseline");
    const int i_current = field({"current"}, "current");
    const int i_higher = field({"higher_is_better"}, "higher_is_better");
    // Optional columns, as zone-monitor writes them.
    const int i_threshold = defn->GetFieldIndex("threshold");
    const int i_valid = defn->GetFieldIndex("valid_share");
    const int i_assessable = defn->GetFieldIndex("assessable");

    std::map<std::string, int> unit_of_code;
    for (std::size_t i = 0; i < units.size(); ++i) unit_of_code.emplace(units[i].code, static_cast<int>(i));

    Effectiveness e;
    e.source = source;
    std::map<std::pair<int, std::string>, std::int64_t> seen;
    layer->ResetReading();
    for (auto& f : *layer) {
        const std::int64_t fid = f->GetFID();
        // A CSV's feature 1 is its second line (the first is the header).
        const std::string line = csv ? fmt::format(" (line {})", fid + 1) : std::string();
        auto text = [&](int i) { return f->IsFieldSetAndNotNull(i) ? trim(f->GetFieldAsString(i)) : std::string(); };
        auto bad = [&](int i, const std::string& problem) {
            return InputError(Where{where.file, where.layer, fid, defn->GetFieldDefn(i)->GetNameRef()}, problem + line);
        };
        const std::string code = text(i_code), indicator = text(i_indicator);
        if (code.empty() && indicator.empty() && text(i_baseline).empty() && text(i_current).empty()) continue;
        if (!is_valid_utf8(code) || !is_valid_utf8(indicator))
            throw bad(is_valid_utf8(code) ? i_indicator : i_code,
                      "text is not valid UTF-8; save the table as UTF-8 (CSV) or as XLSX");
        auto unit = unit_of_code.find(code);
        if (unit == unit_of_code.end())
            throw bad(i_code, code.empty() ? std::string("the row has no unit code")
                                           : "unit " + code + " is not in the unit map");
        if (indicator.empty()) throw bad(i_indicator, "the row names no indicator");
        IndicatorChange c;
        c.indicator = indicator;
        if (i_assessable >= 0 && !text(i_assessable).empty()) {
            const auto assessable = parse_bool(text(i_assessable));
            if (!assessable)
                throw bad(i_assessable, "assessable '" + text(i_assessable) +
                                            "' is not one of true/false, 1/0, yes/no, 是/否");
            c.assessable = *assessable;
        }
        if (i_valid >= 0 && !text(i_valid).empty()) {
            const auto share = parse_number(text(i_valid));
            if (!share || *share < 0 || *share > 1)
                throw bad(i_valid, "valid_share '" + text(i_valid) + "' is not a number from 0 to 1");
            c.valid_share = *share;
        }
        if (i_threshold >= 0) {
            try {
                c.threshold = parse_threshold(text(i_threshold));
            } catch (const std::invalid_argument& e) {
                throw bad(i_threshold, e.what());
            }
        }
        const auto higher = parse_bool(text(i_higher));
        if (!higher)
            throw bad(i_higher, "higher_is_better '" + text(i_higher) + "' is not one of true/false, 1/0, yes/no, 是/否");
        c.higher_is_better = *higher;
        auto [it, inserted] = seen.emplace(std::make_pair(unit->second, indicator), fid);
        if (!inserted)
            throw bad(i_indicator, fmt::format("unit {} has indicator {} twice (also feature {})", code, indicator,
                                               it->second));
        ++e.rows;
        if (!c.assessable) {
            // Too few valid pixels: no values to compare, and none are needed.
            e.by_unit[unit->second].push_back(c);
            continue;
        }
        const auto baseline = parse_number(text(i_baseline));
        if (!baseline) throw bad(i_baseline, "baseline '" + text(i_baseline) + "' is not a number");
        const auto current = parse_number(text(i_current));
        if (!current) throw bad(i_current, "current '" + text(i_current) + "' is not a number");
        c.baseline = *baseline;
        c.current = *current;
        e.by_unit[unit->second].push_back(c);
    }
    if (e.rows == 0) throw InputError(where, "the table has no indicator rows");

    e.units_assessed = static_cast<int>(std::count_if(e.by_unit.begin(), e.by_unit.end(), [](const auto& entry) {
        return std::any_of(entry.second.begin(), entry.second.end(), [](const IndicatorChange& c) { return c.assessable; });
    }));
    for (const auto& [u, changes] : e.by_unit) {
        const bool worse = std::any_of(changes.begin(), changes.end(), [](const IndicatorChange& c) { return c.worse(); });
        const bool better = std::any_of(changes.begin(), changes.end(), [](const IndicatorChange& c) { return c.better(); });
        const auto unassessed =
            std::count_if(changes.begin(), changes.end(), [](const IndicatorChange& c) { return !c.assessable; });
        e.rows_not_assessable += static_cast<int>(unassessed);
        if (unassessed > 0) e.not_assessable_units.push_back(u);
        if (worse) {
            ++e.units_worse;
            ++e.worse_by_category[units[u].category];
            e.worse_units.push_back(u);
        } else if (better) {
            ++e.units_better;
        }
    }
    // Units are in code order already: a stable sort by category keeps it within.
    for (auto* list : {&e.worse_units, &e.not_assessable_units})
        std::stable_sort(list->begin(), list->end(), [&](int a, int b) { return units[a].category < units[b].category; });
    return e;
}

}  // namespace zone::detail
