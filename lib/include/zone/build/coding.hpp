// Unit codes and names (zonekit(7) UNIT CODES).
#pragma once

#include <string>

namespace zone {

// "ZH" + 6-digit county code + category digit + 4-digit serial (1..9999).
// Throws std::invalid_argument on a bad county code, category or serial.
std::string unit_code(const std::string& county_code, int category, int serial);

// True when `code` matches ^ZH[0-9]{6}[123][0-9]{4}$.
bool is_valid_unit_code(const std::string& code);

// True when `code` is six ASCII digits.
bool is_county_code(const std::string& code);

// GB/T 2260: a county code's first two digits are its province's and its
// first four its city's ("370102": province 370000, city 370100); "" when
// `county_code` is not six characters long.
std::string province_code_of(const std::string& county_code);
std::string city_code_of(const std::string& county_code);

// 优先保护单元 / 重点管控单元 / 一般管控单元.
const char* category_unit_name(int category);

}  // namespace zone
