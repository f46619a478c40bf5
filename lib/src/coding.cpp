#include "zone/coding.hpp"

#include <stdexcept>

namespace zone {

namespace {
bool all_digits(const std::string& s, std::size_t from, std::size_t count) {
    if (s.size() < from + count) return false;
    for (std::size_t i = from; i < from + count; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}
}  // namespace

bool is_county_code(const std::string& code) { return code.size() == 6 && all_digits(code, 0, 6); }

std::string unit_code(const std::string& county_code, int category, int serial) {
    if (!is_county_code(county_code))
        throw std::invalid_argument("county code '" + county_code + "' is not six digits");
    if (category < 1 || category > 3) throw std::invalid_argument("category must be 1, 2 or 3");
    if (serial < 1 || serial > 9999)
        throw std::invalid_argument("serial " + std::to_string(serial) + " does not fit in four digits");
    std::string s = std::to_string(serial);
    return "ZH" + county_code + std::to_string(category) + std::string(4 - s.size(), '0') + s;
}

bool is_valid_unit_code(const std::string& code) {
    return code.size() == 13 && code[0] == 'Z' && code[1] == 'H' && all_digits(code, 2, 11) &&
           code[8] >= '1' && code[8] <= '3';
}

const char* category_unit_name(int category) {
    switch (category) {
        case 1: return "优先保护单元";
        case 2: return "重点管控单元";
        case 3: return "一般管控单元";
    }
    return "管控单元";
}

}  // namespace zone
