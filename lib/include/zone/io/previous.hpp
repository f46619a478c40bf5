// The high-water marks of a coded unit map (zonekit(7) UNIT CODES): the
// highest serial ever used per county and category, kept with the map so that
// a retired code is never handed out again. The map itself is read with
// read_unit_map (zone/io/unit_map.hpp).
#pragma once

#include <map>
#include <string>
#include <utility>

namespace zone {

// The high-water marks as stored in a map's metadata: "370102:1:12;370102:3:4".
std::string format_max_serials(const std::map<std::pair<std::string, int>, int>& marks);
std::map<std::pair<std::string, int>, int> parse_max_serials(const std::string& text);

// Metadata item under which zonekit keeps the high-water marks.
inline constexpr const char* max_serials_key = "ZONEKIT_MAX_SERIALS";

}  // namespace zone
