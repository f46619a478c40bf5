// The tabular forms of a report: CSV (UTF-8 with BOM, so that Excel reads the
// Chinese names), the CSV of worsened indicators, Markdown, JSON and XLSX.
#include "io/gdal_table.hpp"
#include "report/report_detail.hpp"
#include "zone/build/coding.hpp"
#include "zone/diff/diff.hpp"
#include "zone/core/error.hpp"
#include "zone/report/report_output.hpp"
#include "zone/io/source.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <cmath>

namespace zone {

using detail::report_text::count_text;
using detail::report_text::csv_field;
using detail::report_text::json_string;
using detail::report_text::km2_text;
using detail::report_text::md_cell;
using detail::report_text::percent_text;

namespace {

constexpr const char* bom = "\xEF\xBB\xBF";

const char* short_category(int k) {
    switch (k) {
        case 1: return "优先保护";
        case 2: return "重点管控";
        case 3: return "一般管控";
    }
    return "合计";
}

std::string parent_name(const Report& r, const Region& region) {
    return region.parent >= 0 ? r.regions[region.parent].name : std::string();
}

// A change for people: ten significant digits hide the binary noise of a
// subtraction (42.3 − 35.1 = 7.199999999999996) without hiding real digits.
std::string change_text(double v) { return fmt::format("{:.10g}", v); }

std::string change_percent(const IndicatorChange& c) {
    if (c.baseline == 0) return {};
    return fmt::format("{:.1f}", (c.current - c.baseline) / std::fabs(c.baseline) * 100);
}

std::string rounding_sentence(const Report& r) {
    return fmt::format(
        "Areas in km² rounded to 0.01 by controlled rounding: each figure is its exact value rounded down or up, "
        "every total is exactly the sum of its parts (units, regions, categories), and the nearest rounding is kept "
        "wherever the totals allow ({} of {} figures differ from it, each by less than 0.01 km²). Shares are of the "
        "region's land (the area of its units), in percent to 0.1, adding up to 100.0 by largest remainder.",
        r.rounding.not_nearest, r.rounding.figures);
}

}  // namespace

// ------------------------------------------------------------------ CSV

std::string format_report_csv(const Report& r) {
    std::string out = bom;
    out += "level,code,name,parent,units_1,units_2,units_3,units,area_km2_1,area_km2_2,area_km2_3,area_km2,"
           "share_1,share_2,share_3\r\n";
    auto row = [&](const std::string& level, const std::string& code, const std::string& name,
                   const std::string& parent, const Figures& f) {
        out += csv_field(level) + "," + csv_field(code) + "," + csv_field(name) + "," + csv_field(parent);
        // Appended piece by piece: `"," + temporary` trips GCC 12's -Wrestrict.
        for (int k : {1, 2, 3, 0}) out.append(",").append(std::to_string(f.units[k]));
        for (int k : {1, 2, 3, 0}) out.append(",").append(km2_text(f.area_display[k]));
        for (int k : {1, 2, 3}) out.append(",").append(f.area_display[0] > 0 ? percent_text(f.share_permille[k]) : "");
        out += "\r\n";
    };
    row("total", "", r.title, "", r.total);
    for (const Region& region : r.regions)
        row(to_string(region.level), region.code, region.name, parent_name(r, region), region.figures);
    return out;
}

std::string format_worse_csv(const Report& r) {
    std::string out = bom;
    out += "code,name,category,city,county,indicator,baseline,current,change,change_percent,higher_is_better,"
           "valid_share\r\n";
    if (!r.effectiveness) return out;
    const Effectiveness& e = *r.effectiveness;
    for (int u : e.worse_units) {
        const ReportUnit& unit = r.units[u];
        for (const IndicatorChange& c : e.by_unit.at(u)) {
            if (!c.worse()) continue;
            out += csv_field(unit.code) + "," + csv_field(unit.name) + "," + std::to_string(unit.category) + "," +
                   csv_field(unit.city) + "," + csv_field(unit.county) + "," + csv_field(c.indicator) + "," +
                   detail::report_text::number_text(c.baseline) + "," + detail::report_text::number_text(c.current) + "," +
                   change_text(c.current - c.baseline) + "," + change_percent(c) + "," +
                   (c.higher_is_better ? "true" : "false") + "," +
                   (c.valid_share ? detail::report_text::number_text(*c.valid_share) : std::string()) + "\r\n";
        }
    }
    return out;
}

// ------------------------------------------------------------------ Markdown

std::string format_report_markdown(const Report& r) {
    std::string out = "# " + md_cell(r.title) + "\n\n";
    out += fmt::format("- 单元图：`{}`（图层 {}），{} 个单元，{} km²\n", md_cell(r.input), md_cell(r.layer),
                       count_text(r.total.units[0]), km2_text(r.total.area_display[0], true));
    if (!r.boundary.empty()) out += fmt::format("- 行政区界：`{}`\n", md_cell(r.boundary));
    out += "- 面积：" + md_cell(detail::report_text::area_method_zh(r)) + "\n";
    out += "- 取整：" + md_cell(detail::report_text::rounding_zh(r)) + "\n\n";

    const std::string header =
        "| {} | 上级 | 优先保护单元 | km² | % | 重点管控单元 | km² | % | 一般管控单元 | km² | % | 单元合计 | km² |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
    auto cells = [](const Figures& f) {
        std::string s;
        for (int k : {1, 2, 3}) {
            s += fmt::format(" {} | {} | {} |", count_text(f.units[k]), km2_text(f.area_display[k], true),
                             f.area_display[0] > 0 ? percent_text(f.share_permille[k]) : "—");
        }
        return s + fmt::format(" {} | {} |\n", count_text(f.units[0]), km2_text(f.area_display[0], true));
    };
    for (ReportLevel level : r.levels) {
        out += fmt::format("## 按{}统计\n\n", chinese_name(level));
        out += fmt::format(fmt::runtime(header), chinese_name(level));
        for (const Region& region : r.regions) {
            if (region.level != level) continue;
            out += "| " + md_cell(region.name) + (region.code.empty() ? "" : " (" + region.code + ")") + " | " +
                   md_cell(parent_name(r, region)) + " |" + cells(region.figures);
        }
        out += "| **合计** | |" + cells(r.total) + "\n";
    }

    if (r.effectiveness) {
        const Effectiveness& e = *r.effectiveness;
        out += "## 成效评估：环境变差的单元\n\n";
        out += fmt::format("指标表 `{}`：{} 行，{} 个单元；{} 个单元至少一项指标变差（优先保护 {}，重点管控 {}，一般管控 "
                           "{}），{} 个单元改善。优先保护单元排在前面。\n\n",
                           md_cell(e.source), e.rows, e.units_assessed, e.units_worse, e.worse_by_category[1],
                           e.worse_by_category[2], e.worse_by_category[3], e.units_better);
        if (!e.not_assessable_units.empty())
            out += fmt::format("{} 个单元的 {} 项指标因有效像元不足无法评估（不计为变差或持平）。\n\n",
                               e.not_assessable_units.size(), e.rows_not_assessable);
        if (!e.worse_units.empty()) {
            out += "| 单元 | 名称 | 类别 | 县（市、区） | 指标 | 基准值 | 现状值 | 变化 |\n"
                   "|---|---|---|---|---|---:|---:|---:|\n";
            for (int u : e.worse_units) {
                const ReportUnit& unit = r.units[u];
                for (const IndicatorChange& c : e.by_unit.at(u)) {
                    if (!c.worse()) continue;
                    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} |\n", unit.code, md_cell(unit.name),
                                       short_category(unit.category), md_cell(unit.county), md_cell(c.indicator),
                                       detail::report_text::number_text(c.baseline), detail::report_text::number_text(c.current),
                                       change_text(c.current - c.baseline));
                }
            }
            out += "\n";
        }
        if (!e.not_assessable_units.empty()) {
            out += "### 无法评估的单元\n\n| 单元 | 名称 | 类别 | 县（市、区） | 指标 | 有效像元 |\n|---|---|---|---|---|---:|\n";
            for (int u : e.not_assessable_units) {
                const ReportUnit& unit = r.units[u];
                for (const IndicatorChange& c : e.by_unit.at(u)) {
                    if (c.assessable) continue;
                    out += fmt::format("| {} | {} | {} | {} | {} | {} |\n", unit.code, md_cell(unit.name),
                                       short_category(unit.category), md_cell(unit.county), md_cell(c.indicator),
                                       c.valid_share ? fmt::format("{:.1f}%", *c.valid_share * 100) : std::string("—"));
                }
            }
            out += "\n";
        }
    }
    if (!r.notes.empty() || !r.factor_note.empty()) {
        out += "## 说明\n\n";
        for (const auto& n : r.notes) out += "- " + md_cell(n) + "\n";
        if (!r.factor_note.empty()) out += "- " + md_cell(r.factor_note) + "\n";
        out += "\n";
    }
    return out;
}

// ------------------------------------------------------------------ JSON

namespace {

std::string figures_json(const Figures& f) {
    auto four = [](auto value) {
        return fmt::format("{{\"1\": {}, \"2\": {}, \"3\": {}, \"total\": {}}}", value(1), value(2), value(3), value(0));
    };
    std::string s = "{\"units\": " + four([&](int k) { return std::to_string(f.units[k]); });
    s += ", \"area_km2\": " + four([&](int k) { return km2_text(f.area_display[k]); });
    s += ", \"area_m2_exact\": " + four([&](int k) { return fmt::format("{:.3f}", f.area_m2[k]); });
    if (f.area_display[0] > 0)
        s += fmt::format(", \"share_percent\": {{\"1\": {}, \"2\": {}, \"3\": {}}}", percent_text(f.share_permille[1]),
                         percent_text(f.share_permille[2]), percent_text(f.share_permille[3]));
    else
        s += ", \"share_percent\": null";
    return s + "}";
}

std::string or_null(const std::string& s) { return s.empty() ? "null" : json_string(s); }

}  // namespace

std::string format_report_json(const Report& r, const std::string& version) {
    std::string out = "{\n";
    out += "  \"tool\": \"zone-report\",\n";
    out += "  \"version\": " + or_null(version) + ",\n";
    out += "  \"input\": " + json_string(r.input) + ",\n";
    out += "  \"layer\": " + or_null(r.layer) + ",\n";
    out += "  \"boundary\": " + or_null(r.boundary) + ",\n";
    out += "  \"title\": " + json_string(r.title) + ",\n";
    out += "  \"area_method\": " + json_string(r.area_method) + ",\n";
    out += fmt::format("  \"rounding\": {{\"unit_km2\": 0.01, \"method\": \"controlled\", \"figures\": {}, "
                       "\"not_nearest\": {}, \"statement\": {}}},\n",
                       r.rounding.figures, r.rounding.not_nearest, json_string(rounding_sentence(r)));
    out += "  \"levels\": [";
    for (std::size_t i = 0; i < r.levels.size(); ++i) out += (i ? ", \"" : "\"") + std::string(to_string(r.levels[i])) + "\"";
    out += "],\n";
    out += "  \"total\": " + figures_json(r.total) + ",\n";
    out += "  \"regions\": [";
    for (std::size_t i = 0; i < r.regions.size(); ++i) {
        const Region& g = r.regions[i];
        out += i ? ",\n    " : "\n    ";
        out += fmt::format("{{\"level\": \"{}\", \"code\": {}, \"name\": {}, \"parent\": {}, \"figures\": {}}}",
                           to_string(g.level), or_null(g.code), json_string(g.name),
                           g.parent >= 0 ? json_string(r.regions[g.parent].name) : "null", figures_json(g.figures));
    }
    out += r.regions.empty() ? "],\n" : "\n  ],\n";
    out += "  \"factor_note\": " + or_null(r.factor_note) + ",\n";
    out += "  \"access_list\": " + or_null(r.access_list) + ",\n";
    out += "  \"units\": [";
    for (std::size_t i = 0; i < r.units.size(); ++i) {
        const ReportUnit& u = r.units[i];
        out += i ? ",\n    " : "\n    ";
        out += fmt::format("{{\"code\": {}, \"name\": {}, \"circle\": {}, \"city\": {}, \"county\": {}, "
                           "\"county_code\": {}, \"category\": {}, \"area_km2\": {}, \"area_m2\": {:.3f}, \"mj_km2\": {}",
                           json_string(u.code), json_string(u.name), or_null(u.circle), or_null(u.city),
                           or_null(u.county), json_string(u.county_code), u.category, km2_text(u.area_display),
                           u.area_m2, u.mj_km2 ? detail::report_text::number_text(*u.mj_km2) : "null");
        out += ", \"factors\": [";
        for (std::size_t k = 0; k < u.factors.size(); ++k) {
            const FactorShare& f = u.factors[k];
            out += fmt::format("{}{{\"id\": {}, \"label\": {}, \"share\": {}}}", k ? ", " : "", json_string(f.id),
                               or_null(f.label), f.share ? fmt::format("{:.4f}", *f.share) : "null");
        }
        out += "]";
        bool any = false;
        for (const auto& list : u.requirements) any = any || !list.empty();
        if (any) {
            out += ", \"requirements\": {";
            bool first = true;
            for (int d = 0; d < 4; ++d) {
                if (u.requirements[d].empty()) continue;
                out += (first ? "" : ", ") + json_string(list_dimensions()[d]) + ": [";
                first = false;
                for (std::size_t k = 0; k < u.requirements[d].size(); ++k) {
                    const Requirement& q = u.requirements[d][k];
                    out += fmt::format("{}{{\"level\": {}, \"rule\": {}, \"effect\": {}, \"condition\": {}, "
                                       "\"text\": {}}}",
                                       k ? ", " : "", json_string(q.level), or_null(q.rule), or_null(q.effect),
                                       or_null(q.condition), json_string(q.text));
                }
                out += "]";
            }
            out += "}";
        }
        out += "}";
    }
    out += r.units.empty() ? "],\n" : "\n  ],\n";
    if (r.effectiveness) {
        const Effectiveness& e = *r.effectiveness;
        out += fmt::format("  \"effectiveness\": {{\"source\": {}, \"rows\": {}, \"units_assessed\": {}, "
                           "\"units_worse\": {}, \"units_better\": {}, \"worse_by_category\": {{\"1\": {}, \"2\": {}, "
                           "\"3\": {}}}, \"worse\": [",
                           json_string(e.source), e.rows, e.units_assessed, e.units_worse, e.units_better,
                           e.worse_by_category[1], e.worse_by_category[2], e.worse_by_category[3]);
        for (std::size_t i = 0; i < e.worse_units.size(); ++i) {
            const int u = e.worse_units[i];
            out += fmt::format("{}\n    {{\"code\": {}, \"category\": {}, \"indicators\": [", i ? "," : "",
                               json_string(r.units[u].code), r.units[u].category);
            bool first = true;
            for (const IndicatorChange& c : e.by_unit.at(u)) {
                if (!c.worse()) continue;
                out += fmt::format("{}{{\"indicator\": {}, \"baseline\": {}, \"current\": {}, \"higher_is_better\": {}, "
                                   "\"valid_share\": {}}}",
                                   first ? "" : ", ", json_string(c.indicator), detail::report_text::number_text(c.baseline),
                                   detail::report_text::number_text(c.current), c.higher_is_better ? "true" : "false",
                                   c.valid_share ? detail::report_text::number_text(*c.valid_share) : "null");
                first = false;
            }
            out += "]}";
        }
        out += e.worse_units.empty() ? "], " : "\n  ], ";
        // Indicators without enough valid pixels: neither worse nor unchanged.
        out += "\"not_assessable\": [";
        for (std::size_t i = 0; i < e.not_assessable_units.size(); ++i) {
            const int u = e.not_assessable_units[i];
            out += fmt::format("{}\n    {{\"code\": {}, \"category\": {}, \"indicators\": [", i ? "," : "",
                               json_string(r.units[u].code), r.units[u].category);
            bool first = true;
            for (const IndicatorChange& c : e.by_unit.at(u)) {
                if (c.assessable) continue;
                out += fmt::format("{}{{\"indicator\": {}, \"valid_share\": {}}}", first ? "" : ", ",
                                   json_string(c.indicator),
                                   c.valid_share ? detail::report_text::number_text(*c.valid_share) : "null");
                first = false;
            }
            out += "]}";
        }
        out += e.not_assessable_units.empty() ? "]},\n" : "\n  ]},\n";
    } else {
        out += "  \"effectiveness\": null,\n";
    }
    // zonekit(7) DIFF REPORT's summary of an adjustment (--diff OLD).
    if (r.changes) {
        const ReportChanges& c = *r.changes;
        out += "  \"changes\": {\"old\": " + json_string(c.old_source) + ", \"new\": " + json_string(c.new_source) +
               ", \"summary\": {";
        bool first_kind = true;
        for (const auto& kind : change_kinds()) {
            auto it = c.kinds.find(kind);
            out += fmt::format("{}{}: {}", first_kind ? "" : ", ", json_string(kind), it == c.kinds.end() ? 0 : it->second);
            first_kind = false;
        }
        out += "}, \"transitions_km2\": {";
        const int order[] = {1, 2, 3, 0};
        for (int a = 0; a < 4; ++a) {
            out += fmt::format("{}\"{}\": {{", a ? ", " : "", order[a]);
            for (int b = 0; b < 4; ++b)
                out += fmt::format("{}\"{}\": {}", b ? ", " : "", order[b],
                                   detail::report_text::number_text(c.transitions_km2[order[a]][order[b]]));
            out += "}";
        }
        out += "}},\n";
    } else {
        out += "  \"changes\": null,\n";
    }
    out += "  \"notes\": [";
    for (std::size_t i = 0; i < r.notes.size(); ++i) out += (i ? ", " : "") + json_string(r.notes[i]);
    out += "]\n}\n";
    return out;
}

// ------------------------------------------------------------------ XLSX

void write_report_xlsx(const Report& r, const std::string& path) {
    detail::TableFile book("XLSX", path);
    auto sheet = [&](const char* name, const std::vector<detail::TableColumn>& columns) { return book.add_table(name, columns); };
    auto add = [&](OGRLayer* layer, OGRFeature& row) { book.add_row(layer, row); };

    // Same columns as the CSV; numbers as numbers, so Excel can add them up.
    std::vector<detail::TableColumn> cols = {
        {"level", OFTString},     {"code", OFTString},      {"name", OFTString},      {"parent", OFTString},
        {"units_1", OFTInteger},  {"units_2", OFTInteger},  {"units_3", OFTInteger},  {"units", OFTInteger},
        {"area_km2_1", OFTReal},  {"area_km2_2", OFTReal},  {"area_km2_3", OFTReal},  {"area_km2", OFTReal},
        {"share_1", OFTReal},     {"share_2", OFTReal},     {"share_3", OFTReal}};
    OGRLayer* stats = sheet("statistics", cols);
    auto stat_row = [&](const std::string& level, const std::string& code, const std::string& name,
                        const std::string& parent, const Figures& f) {
        OGRFeature row(stats->GetLayerDefn());
        row.SetField("level", level.c_str());
        row.SetField("code", code.c_str());
        row.SetField("name", name.c_str());
        row.SetField("parent", parent.c_str());
        const char* units[] = {"units", "units_1", "units_2", "units_3"};
        const char* areas[] = {"area_km2", "area_km2_1", "area_km2_2", "area_km2_3"};
        const char* shares[] = {nullptr, "share_1", "share_2", "share_3"};
        for (int k = 0; k < 4; ++k) {
            row.SetField(units[k], f.units[k]);
            row.SetField(areas[k], static_cast<double>(f.area_display[k]) / 100.0);
            if (k && f.area_display[0] > 0) row.SetField(shares[k], f.share_permille[k] / 10.0);
        }
        add(stats, row);
    };
    stat_row("total", "", r.title, "", r.total);
    for (const Region& g : r.regions) stat_row(to_string(g.level), g.code, g.name, parent_name(r, g), g.figures);

    OGRLayer* units = sheet("units",
                            {{"code", OFTString}, {"name", OFTString}, {"city", OFTString}, {"county", OFTString},
                             {"county_code", OFTString}, {"category", OFTInteger}, {"area_km2", OFTReal},
                             {"factors", OFTString}});
    for (const ReportUnit& u : r.units) {
        OGRFeature row(units->GetLayerDefn());
        row.SetField("code", u.code.c_str());
        row.SetField("name", u.name.c_str());
        row.SetField("city", u.city.c_str());
        row.SetField("county", u.county.c_str());
        row.SetField("county_code", u.county_code.c_str());
        row.SetField("category", u.category);
        row.SetField("area_km2", static_cast<double>(u.area_display) / 100.0);
        std::string factors;
        for (const auto& f : u.factors) {
            factors += (factors.empty() ? "" : ";") + f.id;
            if (f.share) factors += fmt::format(" {:.1f}%", *f.share * 100);
        }
        row.SetField("factors", factors.c_str());
        add(units, row);
    }

    if (r.effectiveness) {
        OGRLayer* worse = sheet("worse",
                                {{"code", OFTString}, {"name", OFTString}, {"category", OFTInteger},
                                 {"city", OFTString}, {"county", OFTString}, {"indicator", OFTString},
                                 {"baseline", OFTReal}, {"current", OFTReal}, {"change", OFTReal},
                                 {"change_percent", OFTReal}, {"higher_is_better", OFTString},
                                 {"valid_share", OFTReal}});
        const Effectiveness& e = *r.effectiveness;
        for (int u : e.worse_units) {
            const ReportUnit& unit = r.units[u];
            for (const IndicatorChange& c : e.by_unit.at(u)) {
                if (!c.worse()) continue;
                OGRFeature row(worse->GetLayerDefn());
                row.SetField("code", unit.code.c_str());
                row.SetField("name", unit.name.c_str());
                row.SetField("category", unit.category);
                row.SetField("city", unit.city.c_str());
                row.SetField("county", unit.county.c_str());
                row.SetField("indicator", c.indicator.c_str());
                row.SetField("baseline", c.baseline);
                row.SetField("current", c.current);
                row.SetField("change", std::stod(change_text(c.current - c.baseline)));
                if (c.baseline != 0) row.SetField("change_percent", std::stod(change_percent(c)));
                row.SetField("higher_is_better", c.higher_is_better ? "true" : "false");
                if (c.valid_share) row.SetField("valid_share", *c.valid_share);
                add(worse, row);
            }
        }
    }

    OGRLayer* about = sheet("about", {{"item", OFTString}, {"value", OFTString}});
    auto note = [&](const std::string& item, const std::string& value) {
        OGRFeature row(about->GetLayerDefn());
        row.SetField("item", item.c_str());
        row.SetField("value", value.c_str());
        add(about, row);
    };
    note("input", r.input);
    note("layer", r.layer);
    if (!r.boundary.empty()) note("boundary", r.boundary);
    note("area_method", r.area_method);
    note("rounding", rounding_sentence(r));
    if (!r.factor_note.empty()) note("factors", r.factor_note);
    for (const auto& n : r.notes) note("note", n);

    book.close();
}

}  // namespace zone
