// Escaping and number formats shared by the report writers.
#include "report_detail.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>

namespace zone::detail::report_text {

namespace {

// Decodes one UTF-8 sequence at s[i] and advances i; -1 (one byte consumed)
// for bytes that are not well-formed UTF-8 (RFC 3629).
long next_code_point(const std::string& s, std::size_t& i) {
    const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) {
        ++i;
        return c;
    }
    int len = 0;
    long cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0) len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0) len = 4, cp = c & 0x07, min = 0x10000;
    else {
        ++i;
        return -1;
    }
    if (i + len > s.size()) {
        ++i;
        return -1;
    }
    for (int k = 1; k < len; ++k) {
        const unsigned char cc = byte(i + k);
        if ((cc & 0xC0) != 0x80) {
            ++i;
            return -1;
        }
        cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return -1;
    }
    i += len;
    return cp;
}

void append_utf8(std::string& out, long cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

constexpr long replacement = 0xFFFD;

std::string group(const std::string& digits) {
    const std::size_t sign = !digits.empty() && digits[0] == '-' ? 1 : 0;
    std::size_t end = digits.find('.');
    if (end == std::string::npos) end = digits.size();
    std::string out = digits.substr(0, sign);
    for (std::size_t k = sign; k < end; ++k) {
        if (k > sign && (end - k) % 3 == 0) out += ',';
        out += digits[k];
    }
    return out + digits.substr(end);
}

}  // namespace

std::string xml_escape(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        long cp = next_code_point(s, i);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF)
            cp = replacement;
        switch (cp) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\r': out += "&#13;"; break;
            default: append_utf8(out, cp);
        }
    }
    return out;
}

std::string json_string(const std::string& s) {
    std::string out = "\"";
    out.reserve(s.size() + 2);
    for (std::size_t i = 0; i < s.size();) {
        long cp = next_code_point(s, i);
        if (cp < 0) cp = replacement;
        if (cp == '"') out += "\\\"";
        else if (cp == '\\') out += "\\\\";
        else if (cp == '\n') out += "\\n";
        else if (cp < 0x20) out += fmt::format("\\u{:04x}", cp);
        else append_utf8(out, cp);
    }
    return out + "\"";
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
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
    return grouped ? group(s) : s;
}

std::string percent_text(int permille) { return fmt::format("{}.{}", permille / 10, permille % 10); }

std::string count_text(long long n) { return group(std::to_string(n)); }

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
