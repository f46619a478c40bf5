// Escaping and number formats shared by the report writers.
#include "report/report_detail.hpp"

#include "core/text_format.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace zone::detail::report_text {

using detail::append_utf8;
using detail::next_code_point;
constexpr long replacement = detail::replacement_char;

std::string xml_escape(const std::string& s) {
    return detail::xml_escape(s, true);  // safe in text and in attribute values
}

std::string json_string(const std::string& s) {
    return detail::json_string(s);
}

std::string csv_field(const std::string& s) {
    return detail::csv_field(s);
}

std::string md_cell(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        long cp = next_code_point(s, i);
        if (cp < 0) cp = replacement;
        if (cp == '|') out += "\\|";
        else if (cp < 0x20) out += ' ';
        else append_utf8(out, cp);
    }
    return out;
}

std::string km2_text(std::int64_t hundredths, bool grouped) {
    const std::string s = fmt::format("{}{}.{:02d}", hundredths < 0 ? "-" : "", std::llabs(hundredths) / 100,
                                      static_cast<int>(std::llabs(hundredths) % 100));
    return grouped ? detail::group_thousands(s) : s;
}

std::string percent_text(int permille) { return fmt::format("{}.{}", permille / 10, permille % 10); }

std::string count_text(long long n) { return detail::group_thousands(std::to_string(n)); }

std::string number_text(double v) {
    if (!std::isfinite(v)) return "null";
    return fmt::format("{}", v);
}

std::string area_method_zh(const Report& r) {
    return std::string(r.method == AreaMethod::gauss_kruger
                           ? "高斯-克吕格投影平面面积（CGCS2000 3° 带，各县按其所在带计算，与官方统计一致）"
                           : "椭球面积（按数据基准椭球计算）") +
           "；" + r.area_method;
}

std::string rounding_zh(const Report& r) {
    return fmt::format("km² 保留两位小数，采用受控取整：每个数为其精确值向下或向上取整到 0.01 km²，每个合计恰为其分项之和"
                       "（单元→县→市→经济圈→省，类别→合计），在此前提下尽量四舍五入（{} 个数中有 {} 个与四舍五入相差 "
                       "0.01）。占比为该类别面积占本区域单元总面积的百分比，保留一位小数，按最大余数法使三类之和为 100.0。",
                       r.rounding.figures, r.rounding.not_nearest);
}

}  // namespace zone::detail::report_text
