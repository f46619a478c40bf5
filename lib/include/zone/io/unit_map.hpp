// The unit map (zonekit(7) UNIT LAYER, UNIT CODES): a unit, its code, the
// fields of the unit layer, and the one reader of unit maps.
#pragma once

#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace zone {

// A unit code: "ZH" + 6-digit county code + category digit + 4-digit serial,
// that is ^ZH[0-9]{6}[123][0-9]{4}$ (e.g. ZH37010210001). Every part of a
// code is taken through this type, never by position in the text.
class UnitCode {
public:
    // The code of a county, category and serial (1..9999); throws
    // std::invalid_argument when one of them cannot be part of a code.
    UnitCode(std::string county, int category, int serial);

    // The code `text` is, or nothing when it does not match the pattern.
    static std::optional<UnitCode> parse(std::string_view text);
    // The code `text` is; throws std::invalid_argument when it is not one.
    // For text already known to be a code (a map read by read_unit_map).
    static UnitCode of(std::string_view text);
    // The code in field HJZHGKDYBM of the feature at `where`; throws
    // InputError naming file, layer, feature and field when it is not one.
    static UnitCode read(std::string_view text, Where where);

    const std::string& county() const { return county_; }  // "370102"
    int category() const { return category_; }             // 1, 2 or 3
    int serial() const { return serial_; }                 // 0..9999 (0 only as read)
    std::string format() const;                            // "ZH37010210001"

    friend bool operator==(const UnitCode&, const UnitCode&) = default;

private:
    UnitCode() = default;
    std::string county_;
    int category_ = 0;
    int serial_ = 0;
};

// One environmental control unit, with the fields of zonekit(7) UNIT LAYER.
struct Unit {
    std::string code;         // HJZHGKDYBM
    std::string name;         // HJZHGKDYMC
    std::string province;     // PROV
    std::string city;         // CITY
    std::string county;       // AREA
    std::string county_code;  // XZQDM
    int category = 3;         // ZHGKDYFL
    // MJ; empty when the map has no MJ field or the feature's is empty or
    // not a number.
    std::optional<double> area_km2;
    std::string factors;      // YSLX: ids of the factors whose land lies in the unit
    // KJBJYS, PWWPFGK, HJFXFK, ZYKFXLYQ: the unit's access-list texts of the
    // four dimensions (空间布局约束 …), when known (zone-build --access-texts).
    std::array<std::string, 4> access_texts;
    std::string remark;       // REMARK
    std::vector<unsigned char> wkb;  // MultiPolygon, in the boundary's CRS
};

// A field of the unit layer as zonekit(7) UNIT LAYER lists it.
struct UnitField {
    const char* name;
    enum Kind { text, integer, real } kind;
    int width;      // for Shapefiles (DBF)
    int precision;
    // Checked in every zone-check profile; the others in the national one only.
    bool always_required;
};

// The fields of the unit layer, in the contract's order.
inline constexpr std::array<UnitField, 14> unit_layer_fields = {{
    {"HJZHGKDYBM", UnitField::text, 13, 0, true},   {"HJZHGKDYMC", UnitField::text, 254, 0, true},
    {"PROV", UnitField::text, 50, 0, true},         {"CITY", UnitField::text, 50, 0, true},
    {"AREA", UnitField::text, 50, 0, true},         {"XZQDM", UnitField::text, 6, 0, true},
    {"ZHGKDYFL", UnitField::integer, 1, 0, true},   {"MJ", UnitField::real, 18, 6, true},
    {"YSLX", UnitField::text, 254, 0, false},       {"KJBJYS", UnitField::text, 254, 0, false},
    {"PWWPFGK", UnitField::text, 254, 0, false},    {"HJFXFK", UnitField::text, 254, 0, false},
    {"ZYKFXLYQ", UnitField::text, 254, 0, false},   {"REMARK", UnitField::text, 254, 0, false},
}};

// The four dimensions of the access list and the unit-layer fields that hold
// their texts, in the same order (zonekit(7) ACCESS LIST).
inline constexpr std::array<const char*, 4> kDimensions = {"空间布局约束", "污染物排放管控", "环境风险防控",
                                                           "资源开发效率要求"};
inline constexpr std::array<const char*, 4> kDimensionFields = {"KJBJYS", "PWWPFGK", "HJFXFK", "ZYKFXLYQ"};

// A feature of a unit map that cannot be taken as a unit, and why.
struct UnitProblem {
    Where where;  // file, layer, feature, field
    std::string problem;
};

// A coded unit map as it is on disk: the previous version for stable codes
// and dynamic updates, either side of a diff.
struct UnitMap {
    std::string source;
    std::string layer;
    std::string crs_wkt;       // empty when the layer has none
    std::vector<std::string> fields;  // the fields of the unit-layer contract the layer has, in the contract's order
    std::vector<Unit> units;   // every field as read; geometry WKB exactly as stored
    std::vector<std::int64_t> fids;
    // Every text field of the unit-layer contract the map has, by unit, for
    // comparing versions (HJZHGKDYMC, XZQDM, YSLX, the access-list texts …).
    std::vector<std::map<std::string, std::string>> attributes;
    // Highest serial ever used per (county code, category): the largest of the
    // map's codes and of the high-water marks zonekit stores with a map it
    // writes (retired codes are never handed out again).
    std::map<std::pair<std::string, int>, int> max_serial;
    // Features left out (tolerant reading only), in the layer's order.
    std::vector<UnitProblem> problems;

    // Whether the layer has `field` of the contract.
    bool has(std::string_view field) const;
};

// For the engines that count by category (reports, project checks,
// monitoring): throws InputError naming the map when it has no ZHGKDYFL
// field (where read_unit_map would take each unit's category from its code),
// or naming the first unit, in the map's order, whose category is not 1, 2
// or 3. zone-diff and zone-build --previous take any category.
void require_categories(const UnitMap& map);

enum class UnitMapReading {
    strict,    // the first feature that is not a unit throws InputError
    tolerant,  // such features are left out and listed in UnitMap::problems
};

struct UnitMapOptions {
    UnitMapReading reading = UnitMapReading::strict;
    std::string encoding;  // Shapefile text encoding when no .cpg says it
};

// Reads a unit map written to the zonekit(7) UNIT LAYER contract from any
// GDAL source ("-" is standard input; the layer rule of open_vector_layer).
// Every unit needs a valid code in HJZHGKDYBM and a geometry; the other
// fields are read when they are there (XZQDM and ZHGKDYFL default to the
// code's parts). Text is read as zone-check reads it (lib/src/io/unit_layer_reader.hpp):
// a Shapefile that declares no encoding and whose text is not UTF-8 but reads
// as GBK is decoded as GBK. A source that cannot be opened, a missing layer
// or a missing HJZHGKDYBM field throws InputError in either reading.
UnitMap read_unit_map(const std::string& source, const UnitMapOptions& options = {});

// The units' geometries as valid GEOS polygons, for the engines that measure
// and query units: features[i] is map.units[i] (its fid, no values), in the
// map's CRS or moved into `target_crs_wkt` (edges followed as
// read_polygon_layer follows them), with read_polygon_layer's checks and
// repairs (PolygonLayer::repaired counts the geometries GEOS MakeValid
// repaired). Throws InputError naming the feature for a geometry that is not
// polygonal or cannot be repaired, and for a map without a CRS. The checks
// run on `threads` threads (0: one per core).
PolygonLayer unit_polygons(const geos::Context& ctx, const UnitMap& map, const std::string& target_crs_wkt = {},
                           int threads = 0);

}  // namespace zone
