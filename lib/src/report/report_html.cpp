// The HTML report: one self-contained file (inline CSS and SVG, no script, no
// network, no web font) that a browser opens offline and prints one unit
// sheet per page.
//
// It is written as polyglot XHTML — HTML5 that is also well-formed XML — so a
// strict XML parser can check it, and every text is escaped once, here.
//
// Sections, in order: map, statistics, changes (written when
// Report::changes is filled: --diff), effectiveness (with indicators), the
// index of units, and one sheet per unit (一单元一策略) whose access-list part
// shows Report::units[].requirements — the map's own list fields, or the
// rules of every level of an access list (--list).
#include "report/report_detail.hpp"
#include "zone/build/coding.hpp"
#include "zone/diff/diff.hpp"
#include "zone/report/report_output.hpp"

#include <fmt/format.h>

#include <cmath>

namespace zone {

using detail::report_text::count_text;
using detail::report_text::km2_text;
using detail::report_text::percent_text;
using detail::report_text::xml_escape;

namespace {

const char* short_category(int k) {
    switch (k) {
        case 1: return "优先保护";
        case 2: return "重点管控";
        case 3: return "一般管控";
    }
    return "";
}

constexpr const char* css = R"css(
:root{--c1:#3d9a50;--c2:#e4713a;--c3:#f2e3a0}
[id]{scroll-margin-top:44px}
body{overflow-wrap:break-word;font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",SimHei,sans-serif;margin:0 auto;max-width:1100px;padding:0 16px 40px;color:#222;line-height:1.45;font-size:14px}
h1{font-size:24px;margin:20px 0 4px}h2{font-size:19px;border-bottom:2px solid #444;padding-bottom:2px;margin-top:32px}h3{font-size:15px;margin:18px 0 6px}
.meta{color:#555;margin:0 0 8px}.note{color:#555;font-size:12.5px}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ccc;padding:6px 0;z-index:1}nav a{margin-right:14px}
a{color:#1a5fa8;text-decoration:none}a:hover{text-decoration:underline}
table{border-collapse:collapse;margin:4px 0 10px}th,td{border:1px solid #bbb;padding:2px 6px}th{background:#f0f0f0;font-weight:600}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tfoot td{font-weight:600;background:#fafafa}
th.c1,span.c1{background:var(--c1);color:#fff}th.c2,span.c2{background:var(--c2);color:#fff}th.c3,span.c3{background:var(--c3)}
span.cat{padding:0 5px;border-radius:3px;font-size:12px;font-weight:normal}
svg.map{width:100%;height:auto;border:1px solid #ccc;background:#fcfcfa}
svg.map .c1 path,svg.map .c2 path,svg.map .c3 path{stroke-width:.6;stroke-linejoin:round}
svg.map a:hover path{fill:#1a5fa8}
svg.map path.county{fill:none;stroke:#7a7a7a;stroke-width:.45}
svg.map path.city{fill:none;stroke:#222;stroke-width:1.3;stroke-linejoin:round}
svg.map path.changed{pointer-events:none}
svg.map text{font-size:12px}
svg.map .lbl text{font-size:13px;font-weight:600;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round;pointer-events:none}
svg.map .scale text,svg.map .north text{text-anchor:middle}
table.idx td{border:none;border-bottom:1px solid #eee;padding:1px 6px}
.sheet{border:1px solid #bbb;border-radius:4px;padding:4px 12px 8px;margin:12px 0}
.sheet:target{outline:3px solid #1a5fa8}
.sheet h3{margin:6px 0}.sheet h4{margin:8px 0 2px;font-size:13.5px}
.sheet table{width:100%}.sheet th{width:6em;text-align:left}
dl.req{margin:2px 0}dl.req dt{font-weight:600}dl.req dd{margin:0 0 4px 1.5em}
dl.req .rule{color:#555;font-size:12px}dl.req .when{color:#555;font-size:12px}
.none{color:#777;margin:2px 0}.up{font-size:12px;margin:4px 0 0}
.worse{color:#b3261e}
@media print{nav,.up{display:none}body{max-width:none}.sheet{break-before:page;break-inside:avoid;border:none}
  #index{break-before:page}h2{break-after:avoid}svg.map{break-inside:avoid}}
)css";

std::string method_text(const Report& r) { return xml_escape(detail::report_text::area_method_zh(r)); }

std::string stats_cells(const Figures& f) {
    std::string s;
    for (int k : {1, 2, 3}) {
        s += fmt::format("<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>", count_text(f.units[k]),
                         km2_text(f.area_display[k], true),
                         f.area_display[0] > 0 ? percent_text(f.share_permille[k]) : "—");
    }
    s += fmt::format("<td class=\"n\">{}</td><td class=\"n\">{}</td>", count_text(f.units[0]),
                     km2_text(f.area_display[0], true));
    return s;
}

void stats_section(std::string& out, const Report& r) {
    out += "<section id=\"stats\"><h2>二、管控单元统计</h2>\n";
    out += fmt::format("<p>全部 {} 个环境管控单元，面积 {} km²：优先保护单元 {} 个（{} %），重点管控单元 {} 个（{} %），"
                       "一般管控单元 {} 个（{} %）。</p>\n",
                       count_text(r.total.units[0]), km2_text(r.total.area_display[0], true),
                       count_text(r.total.units[1]), percent_text(r.total.share_permille[1]),
                       count_text(r.total.units[2]), percent_text(r.total.share_permille[2]),
                       count_text(r.total.units[3]), percent_text(r.total.share_permille[3]));
    const std::string head =
        "<thead><tr><th rowspan=\"2\">{0}</th><th rowspan=\"2\">上级</th>"
        "<th colspan=\"3\" class=\"c1\">优先保护单元</th><th colspan=\"3\" class=\"c2\">重点管控单元</th>"
        "<th colspan=\"3\" class=\"c3\">一般管控单元</th><th colspan=\"2\">合计</th></tr>"
        "<tr><th>个</th><th>km²</th><th>%</th><th>个</th><th>km²</th><th>%</th><th>个</th><th>km²</th><th>%</th>"
        "<th>个</th><th>km²</th></tr></thead>\n";
    for (ReportLevel level : r.levels) {
        out += fmt::format("<h3 id=\"by-{}\">按{}统计</h3>\n<table class=\"stats\">", to_string(level),
                           chinese_name(level));
        out += fmt::format(fmt::runtime(head), chinese_name(level));
        out += "<tbody>\n";
        for (const Region& g : r.regions) {
            if (g.level != level) continue;
            out += "<tr><td>" + xml_escape(g.name) + (g.code.empty() ? "" : " <small>" + xml_escape(g.code) + "</small>") +
                   "</td><td>" + (g.parent >= 0 ? xml_escape(r.regions[g.parent].name) : "") + "</td>" +
                   stats_cells(g.figures) + "</tr>\n";
        }
        out += "</tbody><tfoot><tr><td>合计</td><td></td>" + stats_cells(r.total) + "</tr></tfoot></table>\n";
    }
    out += "<p class=\"note\">面积：" + method_text(r) + "。" + xml_escape(detail::report_text::rounding_zh(r)) +
           "</p>\n";
    out += "</section>\n";
}

void map_section(std::string& out, const Report& r, const HtmlOptions& o) {
    if (r.map.empty()) return;
    out += "<section id=\"map\"><h2>一、管控单元分布图</h2>\n";
    out += format_map_svg(r, o.map_width_px);
    out += "<p class=\"note\">点击单元打开其清单。底图为以地图中心经线为中央经线的横轴墨卡托投影（" +
           xml_escape(r.map.projection) + "），图形仅为制图而简化，统计不受影响。</p>\n</section>\n";
}

// zonekit(7) DIFF REPORT's summary, when --diff fills Report::changes.
void changes_section(std::string& out, const Report& r) {
    if (!r.changes) return;
    const ReportChanges& c = *r.changes;
    out += "<section id=\"changes\"><h2>管控单元调整</h2>\n";
    out += "<p>" + xml_escape(c.old_source) + " → " + xml_escape(c.new_source) + "</p>\n<table><tbody>";
    for (const auto& kind : change_kinds()) {
        auto it = c.kinds.find(kind);
        out += "<tr><th>" + xml_escape(kind) + "</th><td class=\"n\">" +
               count_text(it == c.kinds.end() ? 0 : it->second) + "</td></tr>";
    }
    out += "</tbody></table>\n<table><thead><tr><th>原类别＼新类别 (km²)</th>";
    const char* names[] = {"单元外", "优先保护", "重点管控", "一般管控"};
    for (int k : {1, 2, 3, 0}) out += std::string("<th>") + names[k] + "</th>";
    out += "</tr></thead><tbody>";
    for (int a : {1, 2, 3, 0}) {
        out += std::string("<tr><th>") + names[a] + "</th>";
        for (int b : {1, 2, 3, 0}) out += fmt::format("<td class=\"n\">{:.2f}</td>", c.transitions_km2[a][b]);
        out += "</tr>";
    }
    out += "</tbody></table>\n<p class=\"note\">按变化类型统计单元组数；转移矩阵行为原类别、列为新类别（km²），“单元外”为不属于任何单元的土地。" +
           std::string(c.changed_land_wkb.empty() ? "" : "分布图中蓝色区域为类别或单元发生变化的土地。") + "</p>\n</section>\n";
}

std::string number(double v) { return fmt::format("{:.10g}", v); }

std::string share_text(const IndicatorChange& c) {
    return c.valid_share ? fmt::format("{:.1f}%", *c.valid_share * 100) : std::string("—");
}

// The worsened indicators, priority units first; the valid share when the
// table has it (zone-monitor).
void worse_table(std::string& out, const Report& r, bool shares) {
    const Effectiveness& e = *r.effectiveness;
    out += "<table><thead><tr><th>单元</th><th>名称</th><th>类别</th><th>县（市、区）</th><th>指标</th><th>基准值</th>"
           "<th>现状值</th><th>变化</th><th>%</th>" +
           std::string(shares ? "<th>有效像元</th>" : "") + "</tr></thead><tbody>\n";
    for (int u : e.worse_units) {
        const ReportUnit& unit = r.units[u];
        for (const IndicatorChange& c : e.by_unit.at(u)) {
            if (!c.worse()) continue;
            out += fmt::format("<tr><td><a href=\"#{0}\">{0}</a></td><td>{1}</td><td><span class=\"cat c{2}\">{3}</span>"
                               "</td><td>{4}</td><td>{5}</td><td class=\"n\">{6}</td><td class=\"n\">{7}</td>"
                               "<td class=\"n worse\">{8}</td><td class=\"n\">{9}</td>{10}</tr>\n",
                               xml_escape(unit.code), xml_escape(unit.name), unit.category,
                               short_category(unit.category), xml_escape(unit.county), xml_escape(c.indicator),
                               number(c.baseline), number(c.current),
                               std::string(c.current > c.baseline ? "+" : "").append(number(c.current - c.baseline)),
                               c.baseline != 0
                                   ? fmt::format("{:+.1f}", (c.current - c.baseline) / std::fabs(c.baseline) * 100)
                                   : std::string("—"),
                               shares ? "<td class=\"n\">" + share_text(c) + "</td>" : std::string());
        }
    }
    out += "</tbody></table>\n";
}

// Indicators without enough valid pixels: neither worse nor unchanged.
void not_assessable_table(std::string& out, const Report& r) {
    const Effectiveness& e = *r.effectiveness;
    out += "<h3>无法评估的单元</h3>\n<table><thead><tr><th>单元</th><th>名称</th><th>类别</th><th>县（市、区）</th>"
           "<th>指标</th><th>有效像元</th></tr></thead><tbody>\n";
    for (int u : e.not_assessable_units) {
        const ReportUnit& unit = r.units[u];
        for (const IndicatorChange& c : e.by_unit.at(u)) {
            if (c.assessable) continue;
            out += fmt::format("<tr><td><a href=\"#{0}\">{0}</a></td><td>{1}</td><td><span class=\"cat c{2}\">{3}"
                               "</span></td><td>{4}</td><td>{5}</td><td class=\"n\">{6}</td></tr>\n",
                               xml_escape(unit.code), xml_escape(unit.name), unit.category,
                               short_category(unit.category), xml_escape(unit.county), xml_escape(c.indicator),
                               share_text(c));
        }
    }
    out += "</tbody></table>\n";
}

void effectiveness_section(std::string& out, const Report& r) {
    if (!r.effectiveness) return;
    const Effectiveness& e = *r.effectiveness;
    out += "<section id=\"effect\"><h2>成效评估：环境变差的单元</h2>\n";
    out += fmt::format("<p>指标表 {}：{} 行，评估 {} 个单元。<strong class=\"worse\">{} 个单元至少一项指标变差</strong>"
                       "（优先保护单元 {} 个，重点管控单元 {} 个，一般管控单元 {} 个）；{} 个单元有改善且无变差。"
                       "按监管要求，优先保护单元排在最前。</p>\n",
                       xml_escape(e.source), count_text(e.rows), count_text(e.units_assessed), count_text(e.units_worse),
                       e.worse_by_category[1], e.worse_by_category[2], e.worse_by_category[3],
                       count_text(e.units_better));
    if (!e.not_assessable_units.empty())
        out += fmt::format("<p>{} 个单元的 {} 项指标因有效像元不足（云、无数据或在影像范围之外）<strong>无法评估</strong>，"
                           "既不计为变差，也不计为持平，见下文“无法评估的单元”。</p>\n",
                           count_text(static_cast<long long>(e.not_assessable_units.size())),
                           count_text(e.rows_not_assessable));
    bool shares = false;
    for (const auto& [u, changes] : e.by_unit)
        for (const IndicatorChange& c : changes) shares = shares || c.valid_share.has_value();
    if (!e.worse_units.empty()) worse_table(out, r, shares);
    if (!e.not_assessable_units.empty()) not_assessable_table(out, r);
    out += "</section>\n";
}

void index_section(std::string& out, const Report& r) {
    out += "<section id=\"index\"><h2>单元索引</h2>\n<p class=\"note\">按县（市、区）排列；点击编码打开单元清单。</p>\n";
    std::string county;
    bool open = false;
    for (const ReportUnit& u : r.units) {
        const std::string key = u.county_code;
        if (key != county) {
            if (open) out += "</tbody></table>\n";
            county = key;
            out += "<h3 id=\"c" + xml_escape(key) + "\">" + xml_escape((u.city.empty() ? "" : u.city + " ") + u.county) +
                   " <small>" + xml_escape(key) + "</small></h3>\n<table class=\"idx\"><tbody>\n";
            open = true;
        }
        out += fmt::format("<tr><td><a href=\"#{0}\">{0}</a></td><td><span class=\"cat c{1}\">{2}</span></td>"
                           "<td class=\"n\">{3}</td><td>{4}</td></tr>\n",
                           xml_escape(u.code), u.category, short_category(u.category), km2_text(u.area_display, true),
                           xml_escape(u.name));
    }
    if (open) out += "</tbody></table>\n";
    out += "</section>\n";
}

void sheet(std::string& out, const Report& r, int index) {
    const ReportUnit& u = r.units[index];
    out += fmt::format("<section class=\"sheet\" id=\"{0}\"><h3><span class=\"cat c{1}\">{2}</span> {0} {3}</h3>\n",
                       xml_escape(u.code), u.category, category_unit_name(u.category), xml_escape(u.name));
    std::string place;
    for (const std::string* part : {&u.province, &u.circle, &u.city, &u.county})
        if (!part->empty()) place += (place.empty() ? "" : " ") + *part;
    out += fmt::format("<table><tbody><tr><th>行政区</th><td>{}（{}）</td><th>面积</th><td>{} km²</td></tr>\n",
                       xml_escape(place), xml_escape(u.county_code), km2_text(u.area_display, true));
    std::string factors;
    for (const FactorShare& f : u.factors) {
        if (!factors.empty()) factors += "；";
        factors += xml_escape(f.label.empty() ? f.id : f.label + "（" + f.id + "）");
        if (f.share) factors += fmt::format(" {:.1f}%", *f.share * 100);
    }
    out += "<tr><th>要素构成</th><td colspan=\"3\">" + (factors.empty() ? std::string("—") : factors) + "</td></tr>\n";
    if (r.effectiveness) {
        auto it = r.effectiveness->by_unit.find(index);
        if (it != r.effectiveness->by_unit.end()) {
            std::string text;
            for (const IndicatorChange& c : it->second) {
                if (!text.empty()) text += "；";
                if (!c.assessable) {
                    text += xml_escape(c.indicator) + " 无法评估" +
                            (c.valid_share ? fmt::format("（有效像元 {:.1f}%）", *c.valid_share * 100) : std::string());
                    continue;
                }
                const char* mark = c.worse() ? "<span class=\"worse\">变差</span>" : c.better() ? "改善" : "持平";
                text += xml_escape(c.indicator) + " " + number(c.baseline) + "→" + number(c.current) + " " + mark;
                if (c.valid_share) text += fmt::format("（有效像元 {:.1f}%）", *c.valid_share * 100);
            }
            out += "<tr><th>成效评估</th><td colspan=\"3\">" + text + "</td></tr>\n";
        }
    }
    if (!u.remark.empty()) out += "<tr><th>备注</th><td colspan=\"3\">" + xml_escape(u.remark) + "</td></tr>\n";
    out += "</tbody></table>\n<h4>生态环境准入清单</h4>\n";
    bool any = false;
    for (const auto& list : u.requirements) any = any || !list.empty();
    if (!any) {
        out += "<p class=\"none\">未提供</p>\n";
    } else {
        out += "<dl class=\"req\">";
        for (int d = 0; d < 4; ++d) {
            if (u.requirements[d].empty()) continue;
            out += std::string("<dt>") + list_dimensions()[d] + "</dt>";
            for (const Requirement& q : u.requirements[d]) {
                std::string tag;
                if (!q.rule.empty()) {
                    std::string what = q.level + " " + q.rule;
                    if (!q.effect.empty()) what += " " + q.effect;
                    tag = "<span class=\"rule\">[" + xml_escape(what) + "]</span> ";
                }
                std::string when;
                if (!q.condition.empty()) when = " <span class=\"when\">（适用条件：" + xml_escape(q.condition) + "）</span>";
                out += "<dd>" + tag + xml_escape(q.text) + when + "</dd>";
            }
        }
        out += "</dl>\n";
    }
    out += "<p class=\"up\"><a href=\"#c" + xml_escape(u.county_code) + "\">索引</a> · <a href=\"#map\">地图</a></p></section>\n";
}

void sheets_section(std::string& out, const Report& r) {
    out += "<section id=\"sheets\"><h2>一单元一策略</h2>\n<p class=\"note\">";
    out += xml_escape(r.factor_note.empty() ? std::string() : "要素构成：" + r.factor_note + "。");
    out += r.access_list.empty()
               ? "生态环境准入清单一栏列出单元图层 KJBJYS（空间布局约束）、PWWPFGK（污染物排放管控）、HJFXFK（环境风险防控）、"
                 "ZYKFXLYQ（资源开发效率要求）字段的内容；字段为空时显示“未提供”。"
               : "生态环境准入清单一栏列出准入清单 " + xml_escape(r.access_list) + " 中适用于该单元的省、经济圈、市和单元各级要求。";
    out += "</p>\n";
    for (std::size_t i = 0; i < r.units.size(); ++i) sheet(out, r, static_cast<int>(i));
    out += "</section>\n";
}

}  // namespace

std::string format_report_html(const Report& r, const HtmlOptions& o) {
    std::string out;
    out.reserve(4 << 20);
    out += "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"zh-CN\" xml:lang=\"zh-CN\">\n<head>\n";
    out += "<meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n";
    out += "<meta name=\"generator\" content=\"zone-report " + xml_escape(o.version) + "\"/>\n";
    out += "<title>" + xml_escape(r.title) + "</title>\n<style>" + css + "</style>\n</head>\n<body>\n";
    out += "<header><h1>" + xml_escape(r.title) + "</h1>\n<p class=\"meta\">单元图 " + xml_escape(r.input) +
           (r.layer.empty() ? "" : "（图层 " + xml_escape(r.layer) + "）") +
           (r.boundary.empty() ? "" : "；行政区界 " + xml_escape(r.boundary)) + "；" + count_text(r.total.units[0]) +
           " 个单元；面积：" + method_text(r) + "。</p></header>\n";
    out += "<nav>";
    if (!r.map.empty()) out += "<a href=\"#map\">分布图</a>";
    out += "<a href=\"#stats\">统计</a>";
    if (r.changes) out += "<a href=\"#changes\">调整</a>";
    if (r.effectiveness) out += "<a href=\"#effect\">成效评估</a>";
    out += "<a href=\"#index\">单元索引</a>";
    if (o.sheets) out += "<a href=\"#sheets\">一单元一策略</a>";
    out += "</nav>\n<main>\n";
    // The map first: it is what people look at before any table.
    map_section(out, r, o);
    stats_section(out, r);
    changes_section(out, r);
    effectiveness_section(out, r);
    index_section(out, r);
    if (o.sheets) sheets_section(out, r);
    out += "</main>\n<footer><p class=\"note\">";
    for (const auto& n : r.notes) out += xml_escape(n) + "。<br/>";
    out += "由 zone-report " + xml_escape(o.version) + " 生成（zonekit）。</p></footer>\n</body>\n</html>\n";
    return out;
}

}  // namespace zone
