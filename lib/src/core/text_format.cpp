#include "core/text_format.hpp"

#include <fmt/format.h>

#include <cmath>

namespace zone::detail {

// ------------------------------------------------------------------ text encoding

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i,
// or returns -1 (and advances one byte) when the bytes are not well-formed
// UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF).
long next_code_point(const std::string& s, std::size_t& i) {
    const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    if (c < 0x80) {
        ++i;
        return c;
    }
    int len = 0;
    long cp = 0;
    long min = 0;
    if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
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

// A JSON string literal. UTF-8 is passed through; bytes that are not UTF-8
// (a message quoting a GBK value, say) become U+FFFD so the document stays valid.
std::string json_string(const std::string& s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (std::size_t i = 0; i < s.size();) {
        long cp = next_code_point(s, i);
        if (cp < 0) cp = replacement_char;
        if (cp == '"')
            out += "\\\"";
        else if (cp == '\\')
            out += "\\\\";
        else if (cp < 0x20)
            out += fmt::format("\\u{:04x}", cp);
        else
            append_utf8(out, cp);
    }
    out += '"';
    return out;
}

std::string json_string_or_null(const std::string& s) { return s.empty() ? "null" : json_string(s); }

std::string json_number(double v, int decimals) {
    if (!std::isfinite(v)) return "null";
    return fmt::format("{:.{}f}", v, decimals);
}

// Shortest text that reads back as the same double; JSON has no inf or nan.
std::string json_number(double v) {
    if (!std::isfinite(v)) return "null";
    return fmt::format("{}", v);
}

// Text for XML character data (attr = false) or a double-quoted attribute
// value. Characters XML 1.0 does not allow (control characters but tab, line
// feed and carriage return; U+FFFE, U+FFFF) and bytes that are not UTF-8
// become U+FFFD.
std::string xml_escape(const std::string& s, bool attr) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        long cp = next_code_point(s, i);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') || cp == 0xFFFE || cp == 0xFFFF)
            cp = replacement_char;
        switch (cp) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += attr ? "&quot;" : "\""; break;
            case '\'': out += attr ? "&apos;" : "'"; break;
            case '\t': out += attr ? "&#9;" : "\t"; break;
            case '\n': out += attr ? "&#10;" : "\n"; break;
            case '\r': out += "&#13;"; break;
            default: append_utf8(out, cp);
        }
    }
    return out;
}

// One line of text: valid UTF-8, control characters (a newline in a message)
// as spaces. Chinese and every other printable character stay as they are.
std::string one_line(const std::string& s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        long cp = next_code_point(s, i);
        if (cp < 0) cp = replacement_char;
        if (cp < 0x20 || cp == 0x7F) cp = ' ';
        append_utf8(out, cp);
    }
    return out;
}

// ------------------------------------------------------------------ numbers for people

// "1234567.89" -> "1,234,567.89"
std::string group_thousands(const std::string& number) {
    const std::size_t sign = !number.empty() && number[0] == '-' ? 1 : 0;
    std::size_t end = number.find('.');
    if (end == std::string::npos) end = number.size();
    std::string out = number.substr(0, sign);
    for (std::size_t k = sign; k < end; ++k) {
        if (k > sign && (end - k) % 3 == 0) out += ',';
        out += number[k];
    }
    return out + number.substr(end);
}

// A tolerance or threshold: "1", "1,000", "0.5", "1e-09".
std::string plain_number(double v) {
    if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e15) return group_thousands(fmt::format("{:.0f}", v));
    return fmt::format("{}", v);
}

std::string area_text(double m2) {
    if (!std::isfinite(m2)) return "? m²";
    const double a = std::fabs(m2);
    if (a < 10) return fmt::format("{:.2f} m²", m2);
    if (a < 1e6) return group_thousands(fmt::format("{:.1f}", m2)) + " m²";
    return group_thousands(fmt::format("{:.3f}", m2 / 1e6)) + " km²";
}

std::string location_text(const std::array<double, 2>& p) {
    const double lon = p[0], lat = p[1];
    if (!std::isfinite(lon) || !std::isfinite(lat)) return "?";
    return fmt::format("{:.6f}{} {:.6f}{}", std::fabs(lon), lon < 0 ? 'W' : 'E', std::fabs(lat), lat < 0 ? 'S' : 'N');
}

std::string plural(long n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

// Display width of UTF-8 text in a terminal: East Asian wide characters take
// two columns. Good enough to align a column of fids and codes.
std::size_t display_width(const std::string& s) {
    std::size_t w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const long cp = next_code_point(s, i);
        w += (cp >= 0x1100 && (cp <= 0x115F || (cp >= 0x2E80 && cp <= 0xA4CF) || (cp >= 0xAC00 && cp <= 0xD7A3) ||
                               (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFE30 && cp <= 0xFE4F) ||
                               (cp >= 0xFF00 && cp <= 0xFF60) || (cp >= 0xFFE0 && cp <= 0xFFE6) ||
                               (cp >= 0x20000 && cp <= 0x3FFFD)))
                 ? 2
                 : 1;
    }
    return w;
}

std::string pad(const std::string& s, std::size_t width) {
    const std::size_t w = display_width(s);
    return w >= width ? s : s + std::string(width - w, ' ');
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

}  // namespace zone::detail
