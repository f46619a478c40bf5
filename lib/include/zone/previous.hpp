// A coded unit map as it is on disk: the previous version for stable codes
// (zonekit(7) UNIT CODES) and dynamic updates, either side of a diff.
#pragma once

#include "zone/build.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace zone {

struct CodedMap {
    std::string source;
    std::string layer;
    std::string crs_wkt;
    std::vector<Unit> units;   // every field as read; geometry WKB exactly as stored
    std::vector<std::int64_t> fids;
    // Every text field of the unit-layer contract the map has, by unit, for
    // comparing versions (HJZHGKDYMC, XZQDM, YSLX, the access-list texts …).
    std::vector<std::map<std::string, std::string>> attributes;
    // Highest serial ever used per (county code, category): the largest of the
    // map's codes and of the high-water marks zonekit stores with a map it
    // writes (retired codes are never handed out again).
    std::map<std::pair<std::string, int>, int> max_serial;
};

// Reads a unit map written to the zonekit(7) UNIT LAYER contract. Every feature needs a
// valid code (^ZH[0-9]{6}[123][0-9]{4}$) and a geometry; throws InputError
// otherwise.
CodedMap read_coded_map(const std::string& source);

// The high-water marks as stored in a map's metadata: "370102:1:12;370102:3:4".
std::string format_max_serials(const std::map<std::pair<std::string, int>, int>& marks);
std::map<std::pair<std::string, int>, int> parse_max_serials(const std::string& text);

// Metadata item under which zonekit keeps the high-water marks.
inline constexpr const char* max_serials_key = "ZONEKIT_MAX_SERIALS";

}  // namespace zone
