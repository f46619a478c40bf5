#include "zone/io/unit_map.hpp"

#include "zone/build/coding.hpp"

#include <stdexcept>

namespace zone {

namespace {

bool digits(std::string_view s) {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

}  // namespace

UnitCode::UnitCode(std::string county, int category, int serial)
    : county_(std::move(county)), category_(category), serial_(serial) {
    if (!is_county_code(county_)) throw std::invalid_argument("county code '" + county_ + "' is not six digits");
    if (category < 1 || category > 3) throw std::invalid_argument("category must be 1, 2 or 3");
    if (serial < 1 || serial > 9999)
        throw std::invalid_argument("serial " + std::to_string(serial) + " does not fit in four digits");
}

std::optional<UnitCode> UnitCode::parse(std::string_view text) {
    // ZH | 370102 | 1 | 0001
    if (text.size() != 13 || text.substr(0, 2) != "ZH" || !digits(text.substr(2))) return std::nullopt;
    if (text[8] < '1' || text[8] > '3') return std::nullopt;
    UnitCode code;
    code.county_ = std::string(text.substr(2, 6));
    code.category_ = text[8] - '0';
    code.serial_ = std::stoi(std::string(text.substr(9, 4)));
    return code;
}

UnitCode UnitCode::of(std::string_view text) {
    if (auto code = parse(text)) return *code;
    throw std::invalid_argument("'" + std::string(text) + "' is not a unit code");
}

UnitCode UnitCode::read(std::string_view text, Where where) {
    if (auto code = parse(text)) return *code;
    where.field = "HJZHGKDYBM";
    throw InputError(where, text.empty() ? std::string("the unit has no code")
                                         : "'" + std::string(text) +
                                               "' is not a unit code (ZH + 6-digit county + category 1-3 + "
                                               "4-digit serial)");
}

std::string UnitCode::format() const {
    const std::string s = std::to_string(serial_);
    return "ZH" + county_ + std::to_string(category_) + std::string(4 - s.size(), '0') + s;
}

}  // namespace zone
