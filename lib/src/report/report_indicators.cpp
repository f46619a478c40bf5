// Effectiveness tracking (成效评估): an indicator table per unit — unit code,
// indicator, baseline, current, whether higher is better — as
// read_indicator_table reads it, turned into the units whose environment got
// worse, priority units first: supervising them is the first duty the policy
// names.
#include "report/report_detail.hpp"

#include "core/text_util.hpp"

#include "zone/core/error.hpp"

#include <cpl_conv.h>

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

Effectiveness assess_effectiveness(const IndicatorTable& table, const std::vector<ReportUnit>& units) {
    std::map<std::string, int> unit_of_code;
    for (std::size_t i = 0; i < units.size(); ++i) unit_of_code.emplace(units[i].code, static_cast<int>(i));

    Effectiveness e;
    e.source = table.source;
    std::map<std::pair<int, std::string>, std::int64_t> seen;
    for (const IndicatorTable::Row& row : table.rows) {
        const std::int64_t fid = row.fid;
        // A CSV's feature 1 is its second line (the first is the header).
        const std::string line = table.csv ? fmt::format(" (line {})", fid + 1) : std::string();
        auto bad = [&](const std::string& field, const std::string& problem) {
            return InputError(Where{table.where.file, table.where.layer, fid, field}, problem + line);
        };
        const std::string& code = row.code;
        const std::string& indicator = row.indicator;
        if (!is_valid_utf8(code) || !is_valid_utf8(indicator))
            throw bad(is_valid_utf8(code) ? table.indicator_field : table.code_field,
                      "text is not valid UTF-8; save the table as UTF-8 (CSV) or as XLSX");
        auto unit = unit_of_code.find(code);
        if (unit == unit_of_code.end())
            throw bad(table.code_field, code.empty() ? std::string("the row has no unit code")
                                                     : "unit " + code + " is not in the unit map");
        if (indicator.empty()) throw bad(table.indicator_field, "the row names no indicator");
        IndicatorChange c;
        c.indicator = indicator;
        if (!table.assessable_field.empty() && !row.assessable.empty()) {
            const auto assessable = parse_bool(row.assessable);
            if (!assessable)
                throw bad(table.assessable_field,
                          "assessable '" + row.assessable + "' is not one of true/false, 1/0, yes/no, 是/否");
            c.assessable = *assessable;
        }
        if (!table.valid_share_field.empty() && !row.valid_share.empty()) {
            const auto share = parse_number(row.valid_share);
            if (!share || *share < 0 || *share > 1)
                throw bad(table.valid_share_field, "valid_share '" + row.valid_share + "' is not a number from 0 to 1");
            c.valid_share = *share;
        }
        if (!table.threshold_field.empty()) {
            try {
                c.threshold = parse_threshold(row.threshold);
            } catch (const std::invalid_argument& ex) {
                throw bad(table.threshold_field, ex.what());
            }
        }
        const auto higher = parse_bool(row.higher_is_better);
        if (!higher)
            throw bad(table.higher_field,
                      "higher_is_better '" + row.higher_is_better + "' is not one of true/false, 1/0, yes/no, 是/否");
        c.higher_is_better = *higher;
        auto [it, inserted] = seen.emplace(std::make_pair(unit->second, indicator), fid);
        if (!inserted)
            throw bad(table.indicator_field,
                      fmt::format("unit {} has indicator {} twice (also feature {})", code, indicator, it->second));
        ++e.rows;
        if (!c.assessable) {
            // Too few valid pixels: no values to compare, and none are needed.
            e.by_unit[unit->second].push_back(c);
            continue;
        }
        const auto baseline = parse_number(row.baseline);
        if (!baseline) throw bad(table.baseline_field, "baseline '" + row.baseline + "' is not a number");
        const auto current = parse_number(row.current);
        if (!current) throw bad(table.current_field, "current '" + row.current + "' is not a number");
        c.baseline = *baseline;
        c.current = *current;
        e.by_unit[unit->second].push_back(c);
    }

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
