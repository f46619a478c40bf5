// Text for people and machines, shared by the report writers: well-formed
// UTF-8, JSON and XML escaping, numbers and areas as people read them.
#pragma once

#include <array>
#include <cstddef>
#include <string>

namespace zone::detail {

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i,
// or returns -1 (and advances one byte) when the bytes are not well-formed UTF-8.
long next_code_point(const std::string& s, std::size_t& i);
void append_utf8(std::string& out, long cp);
constexpr long replacement_char = 0xFFFD;

// A JSON string literal; bytes that are not UTF-8 become U+FFFD.
std::string json_string(const std::string& s);
std::string json_string_or_null(const std::string& s);
std::string json_number(double v, int decimals);
std::string json_number(double v);  // shortest text that reads back the same
// XML character data (attr = false) or a double-quoted attribute value.
std::string xml_escape(const std::string& s, bool attr);
// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);
// One line of valid UTF-8, control characters as spaces.
std::string one_line(const std::string& s);

std::string group_thousands(const std::string& number);  // "1234567.89" -> "1,234,567.89"
std::string plain_number(double v);                      // "1", "1,000", "0.5"
std::string area_text(double m2);                        // "12.5 m²", "1,234.567 km²"
std::string location_text(const std::array<double, 2>& lonlat);  // "117.012345E 36.650000N"
std::string plural(long n, const char* word);
// Terminal display width (East Asian wide characters take two columns).
std::size_t display_width(const std::string& s);
std::string pad(const std::string& s, std::size_t width);

}  // namespace zone::detail
