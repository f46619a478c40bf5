#include "zone/build/coding.hpp"

#include "zone/io/unit_map.hpp"

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

std::string province_code_of(const std::string& county_code) {
    return county_code.size() == 6 ? county_code.substr(0, 2) + "0000" : std::string();
}

std::string city_code_of(const std::string& county_code) {
    return county_code.size() == 6 ? county_code.substr(0, 4) + "00" : std::string();
}

std::string unit_code(const std::string& county_code, int category, int serial) {
    return UnitCode(county_code, category, serial).format();
}

bool is_valid_unit_code(const std::string& code) { return UnitCode::parse(code).has_value(); }

const char* category_unit_name(int category) {
    switch (category) {
        case 1: return "优先保护单元";
        case 2: return "重点管控单元";
        case 3: return "一般管控单元";
    }
    return "管控单元";
}

}  // namespace zone
