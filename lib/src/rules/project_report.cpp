// The forms of a project conformity report: text for the EIA report's
// 符合性分析 table, JSON (zonekit(7) PROJECT REPORT) for scripts, Markdown for documents.
#include "zone/build/coding.hpp"
#include "zone/rules/project.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace zone {

namespace {

std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) out += fmt::format("\\u{:04x}", c);
                else out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

std::string json_number(double v, int decimals) {
    if (!std::isfinite(v)) return "null";
    std::string s = fmt::format("{:.{}f}", v, decimals);
    if (s == "-0" || s.rfind("-0.", 0) == 0) {
        bool zero = s.find_first_not_of("-0.") == std::string::npos;
        if (zero) s.erase(0, 1);
    }
    return s;
}

std::string json_strings(const std::vector<std::string>& v) {
    std::string s = "[";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + json_string(v[i]);
    return s + "]";
}

// 1234567.8 -> "1,234,567.8"
std::string thousands(double v, int decimals) {
    std::string s = fmt::format("{:.{}f}", std::fabs(v), decimals);
    const std::size_t dot = s.find('.');
    std::string whole = s.substr(0, dot), out;
    for (std::size_t i = 0; i < whole.size(); ++i) {
        if (i && (whole.size() - i) % 3 == 0) out += ',';
        out += whole[i];
    }
    return (v < 0 ? "-" : "") + out + (dot == std::string::npos ? "" : s.substr(dot));
}

std::string join(const std::vector<std::string>& v, const std::string& sep) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

std::string describe_attributes(const Attributes& a) {
    if (a.empty()) return "（未提供）";
    std::vector<std::string> parts;
    for (const auto& [name, v] : a) parts.push_back(name + " = " + v.text);
    return join(parts, "；");
}

// A hit or undecided rule with every unit it applies to.
struct RuleRow {
    const RuleHit* first = nullptr;
    std::vector<std::string> units;
    std::vector<std::string> missing;
};

std::vector<RuleRow> by_rule(const std::vector<RuleHit>& hits) {
    std::vector<RuleRow> rows;
    std::map<std::size_t, std::size_t> row_of;
    for (const auto& h : hits) {
        auto [it, inserted] = row_of.emplace(h.rule, rows.size());
        if (inserted) rows.push_back(RuleRow{&h, {}, {}});
        RuleRow& r = rows[it->second];
        r.units.push_back(h.unit);
        for (const auto& m : h.missing)
            if (std::find(r.missing.begin(), r.missing.end(), m) == r.missing.end()) r.missing.push_back(m);
    }
    return rows;
}

const char* conformity(Effect e) {
    switch (e) {
        case Effect::prohibit: return "不符合";
        case Effect::restrict: return "有条件符合（须符合限制要求）";
        case Effect::require: return "有条件符合（须落实该要求）";
        case Effect::info: return "—";
    }
    return "";
}

std::string area_text(const TouchedUnit& u, double footprint_m2) {
    return footprint_m2 > 0 ? thousands(u.overlap_m2, 1) : "—（点位或线）";
}

// One line of plain words for the verdict.
std::string verdict_sentence(const ProjectResult& r) {
    std::vector<std::string> ids;
    auto collect = [&](auto pred) {
        ids.clear();
        for (const auto& row : by_rule(r.hits))
            if (pred(row.first->effect)) ids.push_back(row.first->id);
        return join(ids, "、");
    };
    switch (r.verdict) {
        case Verdict::nonconforming:
            return "不符合：命中禁止类管控要求 " + collect([](Effect e) { return e == Effect::prohibit; }) + "。";
        case Verdict::incomplete:
            return "无法判定：结论取决于项目未提供的属性 " + join(r.missing, "、") +
                   "（以 --industry、--nature 或 --attr 名称=值 给出后重新分析）。";
        case Verdict::conditional:
            return "有条件符合：须落实限制类、要求类管控要求 " +
                   collect([](Effect e) { return e == Effect::restrict || e == Effect::require; }) + "。";
        case Verdict::conforming: return "符合：未命中禁止、限制或要求类管控要求。";
        case Verdict::outside: return "不在单元图范围内。";
    }
    return "";
}

std::string one_line(std::string s) {
    for (auto& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return s;
}

std::string md_cell(const std::string& s) {
    std::string out;
    for (const char c : s) {
        if (c == '|') out += "\\|";
        else if (c == '\n') out += "<br>";
        else if (c != '\r') out += c;
    }
    return out;
}

}  // namespace

std::string format_project_text(const ProjectResult& r, const AccessList& list, const Attributes& attributes) {
    std::string out = "建设项目生态环境分区管控符合性分析\n\n";
    out += fmt::format("项目位置：{:.6f}E {:.6f}N（CGCS2000）", r.lonlat[0], r.lonlat[1]);
    if (r.footprint_m2 > 0) out += fmt::format("，用地面积 {} m²", thousands(r.footprint_m2, 1));
    // A point's description is its position, already given.
    if (!r.footprint.empty() && r.footprint.rfind("point ", 0) != 0) out += "（" + one_line(r.footprint) + "）";
    out += "\n";
    out += "项目属性：" + describe_attributes(attributes) + "\n";
    out += "准入清单：" + (list.name.empty() ? list.file : list.name) + (list.version.empty() ? "" : " " + list.version) +
           fmt::format("（{}，{} 条）\n\n", list.file, list.rules.size());

    out += fmt::format("一、涉及的环境管控单元（{} 个）\n", r.units.size());
    out += "单元编码\t单元名称\t管控类别\t所在区县\t所在市\t所属经济圈\t重叠面积（m²）\n";
    for (const auto& u : r.units)
        out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", u.code, one_line(u.name), category_unit_name(u.category),
                           u.county.empty() ? u.county_code : u.county, u.city.empty() ? u.city_code : u.city,
                           u.circle.empty() ? "—" : u.circle, area_text(u, r.footprint_m2));
    for (const auto& u : r.units) {
        bool any = false;
        for (const auto& t : u.texts) any = any || !t.empty();
        if (!any) continue;
        out += "  " + u.code + " 单元准入清单（单元图所载）：\n";
        for (std::size_t d = 0; d < 4; ++d)
            if (!u.texts[d].empty()) out += fmt::format("    {}：{}\n", kDimensions[d], one_line(u.texts[d]));
    }

    const auto hits = by_rule(r.hits);
    out += fmt::format("\n二、适用的管控要求（命中 {} 条）\n", hits.size());
    if (hits.empty()) {
        out += "（无）\n";
    } else {
        out += "层级\t条款\t管控维度\t类型\t管控要求\t适用单元\t符合性\n";
        for (const auto& row : hits) {
            const RuleHit& h = *row.first;
            out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", chinese_name(h.level), h.id, kDimensions[h.dimension],
                               chinese_name(h.effect), one_line(h.text), join(row.units, "、"), conformity(h.effect));
        }
    }
    const auto undecided = by_rule(r.undecided);
    if (!undecided.empty()) {
        out += fmt::format("\n三、无法判定的管控要求（{} 条，缺少项目属性）\n", undecided.size());
        out += "层级\t条款\t管控维度\t类型\t管控要求\t适用单元\t缺少的属性\n";
        for (const auto& row : undecided) {
            const RuleHit& h = *row.first;
            out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", chinese_name(h.level), h.id, kDimensions[h.dimension],
                               chinese_name(h.effect), one_line(h.text), join(row.units, "、"), join(row.missing, "、"));
        }
    }
    out += fmt::format("\n{}、结论：{}\n", undecided.empty() ? "三" : "四", chinese_name(r.verdict));
    out += verdict_sentence(r) + "\n";
    if (!r.notes.empty()) {
        out += "\n说明：\n";
        for (const auto& n : r.notes) out += "  " + n + "\n";
    }
    out += fmt::format("\nzone-check: {} ({} unit{}, {} rule{} hit, {} undecided)\n", to_string(r.verdict), r.units.size(),
                       r.units.size() == 1 ? "" : "s", hits.size(), hits.size() == 1 ? "" : "s", undecided.size());
    return out;
}

std::string format_project_json(const ProjectResult& r, const AccessList& list, const Attributes& attributes,
                                const std::string& version, const std::string& area_method) {
    std::string out = "{\n";
    out += "  \"tool\": \"zone-check\",\n  \"mode\": \"project\",\n";
    out += "  \"version\": " + json_string(version) + ",\n";
    out += "  \"verdict\": " + json_string(to_string(r.verdict)) + ",\n";
    out += "  \"units\": [";
    for (std::size_t i = 0; i < r.units.size(); ++i) {
        const auto& u = r.units[i];
        out += i ? ",\n    " : "\n    ";
        out += "{\"code\": " + json_string(u.code) + ", \"category\": " + std::to_string(u.category) +
               ", \"overlap_m2\": " + json_number(u.overlap_m2, 3) + ", \"name\": " + json_string(u.name) +
               ", \"county_code\": " + json_string(u.county_code) + ", \"county\": " + json_string(u.county) +
               ", \"city_code\": " + json_string(u.city_code) + ", \"city\": " + json_string(u.city) +
               ", \"circle\": " + (u.circle.empty() ? std::string("null") : json_string(u.circle));
        std::string texts;
        for (std::size_t d = 0; d < 4; ++d)
            if (!u.texts[d].empty())
                texts += (texts.empty() ? "" : ", ") + json_string(kDimensions[d]) + ": " + json_string(u.texts[d]);
        if (!texts.empty()) out += ", \"texts\": {" + texts + "}";
        out += "}";
    }
    out += r.units.empty() ? "],\n" : "\n  ],\n";
    auto hit_list = [&](const std::vector<RuleHit>& hits, bool with_missing) {
        std::string s = "[";
        for (std::size_t i = 0; i < hits.size(); ++i) {
            const auto& h = hits[i];
            s += i ? ",\n    " : "\n    ";
            s += "{\"rule\": " + json_string(h.id) + ", \"level\": " + json_string(to_string(h.level)) +
                 ", \"unit\": " + json_string(h.unit) + ", \"dimension\": " + json_string(kDimensions[h.dimension]) +
                 ", \"effect\": " + json_string(to_string(h.effect)) + ", \"text\": " + json_string(h.text);
            if (with_missing) s += ", \"missing\": " + json_strings(h.missing);
            s += "}";
        }
        return s + (hits.empty() ? "]" : "\n  ]");
    };
    out += "  \"hits\": " + hit_list(r.hits, false) + ",\n";
    out += "  \"missing\": " + json_strings(r.missing) + ",\n";
    out += "  \"undecided\": " + hit_list(r.undecided, true) + ",\n";
    out += "  \"footprint\": {\"description\": " + json_string(r.footprint) + ", \"area_m2\": " +
           json_number(r.footprint_m2, 3) + ", \"location\": [" +
           json_number(r.lonlat[0], 7) + ", " + json_number(r.lonlat[1], 7) + "]},\n";
    out += "  \"attributes\": {";
    bool first = true;
    for (const auto& [name, v] : attributes) {
        out += (first ? "" : ", ") + json_string(name) + ": " +
               (v.number && name != kIndustry ? fmt::format("{}", *v.number) : json_string(v.text));
        first = false;
    }
    out += "},\n";
    out += "  \"list\": {\"file\": " + json_string(list.file) + ", \"name\": " + json_string(list.name) +
           ", \"version\": " + json_string(list.version) + ", \"rules\": " + std::to_string(list.rules.size()) + "},\n";
    out += "  \"area_method\": " + json_string(area_method) + ",\n";
    out += "  \"notes\": " + json_strings(r.notes) + "\n";
    out += "}\n";
    return out;
}

std::string format_project_markdown(const ProjectResult& r, const AccessList& list, const Attributes& attributes) {
    std::string out = "## 生态环境分区管控符合性分析\n\n";
    out += "**结论：" + std::string(chinese_name(r.verdict)) + "**（" + to_string(r.verdict) + "）。" +
           md_cell(verdict_sentence(r)) + "\n\n";
    out += fmt::format("- 项目位置：{:.6f}E {:.6f}N（CGCS2000）", r.lonlat[0], r.lonlat[1]);
    if (r.footprint_m2 > 0) out += fmt::format("，用地面积 {} m²", thousands(r.footprint_m2, 1));
    if (!r.footprint.empty()) out += "（" + md_cell(r.footprint) + "）";
    out += "\n- 项目属性：" + md_cell(describe_attributes(attributes)) + "\n";
    out += "- 准入清单：" + md_cell(list.name.empty() ? list.file : list.name) +
           (list.version.empty() ? "" : " " + md_cell(list.version)) + "\n\n";

    out += "### 涉及的环境管控单元\n\n";
    out += "| 单元编码 | 单元名称 | 管控类别 | 所在区县 | 所在市 | 所属经济圈 | 重叠面积（m²） |\n";
    out += "|---|---|---|---|---|---|---:|\n";
    for (const auto& u : r.units)
        out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", u.code, md_cell(u.name),
                           category_unit_name(u.category), md_cell(u.county.empty() ? u.county_code : u.county),
                           md_cell(u.city.empty() ? u.city_code : u.city), u.circle.empty() ? "—" : md_cell(u.circle),
                           area_text(u, r.footprint_m2));
    out += "\n### 适用的管控要求\n\n";
    const auto hits = by_rule(r.hits);
    if (hits.empty()) {
        out += "（无）\n";
    } else {
        out += "| 层级 | 条款 | 管控维度 | 类型 | 管控要求 | 适用单元 | 符合性 |\n|---|---|---|---|---|---|---|\n";
        for (const auto& row : hits) {
            const RuleHit& h = *row.first;
            out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", chinese_name(h.level), md_cell(h.id),
                               kDimensions[h.dimension], chinese_name(h.effect), md_cell(h.text),
                               join(row.units, "<br>"), conformity(h.effect));
        }
    }
    const auto undecided = by_rule(r.undecided);
    if (!undecided.empty()) {
        out += "\n### 无法判定的管控要求（缺少项目属性）\n\n";
        out += "| 层级 | 条款 | 管控维度 | 类型 | 管控要求 | 适用单元 | 缺少的属性 |\n|---|---|---|---|---|---|---|\n";
        for (const auto& row : undecided) {
            const RuleHit& h = *row.first;
            out += fmt::format("| {} | {} | {} | {} | {} | {} | {} |\n", chinese_name(h.level), md_cell(h.id),
                               kDimensions[h.dimension], chinese_name(h.effect), md_cell(h.text),
                               join(row.units, "<br>"), join(row.missing, "、"));
        }
    }
    if (!r.notes.empty()) {
        out += "\n说明：\n\n";
        for (const auto& n : r.notes) out += "- " + md_cell(n) + "\n";
    }
    return out;
}

}  // namespace zone
