// Project conformity analysis (符合性分析, zonekit(7) PROJECT REPORT): which units a
// project's footprint touches, which rules of the access list apply to it at
// every level, and the verdict. Also the batch form: every enterprise of a
// layer screened against a unit map.
#pragma once

#include "zone/io/boundary.hpp"
#include "zone/io/unit_map.hpp"

#include "zone/rules/access_list.hpp"
#include "zone/rules/condition.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <string>
#include <vector>

namespace zone {

// zonekit(7) PROJECT REPORT, from worst to best; `outside` is for batch rows only: the
// enterprise lies on no unit of the map.
enum class Verdict { nonconforming, incomplete, conditional, conforming, outside };
const char* to_string(Verdict v);     // "nonconforming" …
const char* chinese_name(Verdict v);  // 不符合 …

// ---------------------------------------------------------------- coordinates

// A longitude/latitude as people write it: decimal degrees ("117.025,36.65"),
// or degrees-minutes-seconds in the usual spellings: 117°01'30"E,36°39'00"N;
// 117°01′30.5″ 36°39′; E117d01m30s N36d39m; 东经117度01分30秒，北纬36度39分;
// 117:01:30,36:39:00. With hemisphere letters the order is free; without,
// longitude comes first. Returns {lon, lat}; throws InputError saying what
// is wrong.
std::array<double, 2> parse_lonlat(const std::string& text);

// A CGCS2000 Gauss-Krüger coordinate as EIA forms give it.
struct GaussKruger {
    double easting = 0;   // with the false easting of 500 km, without the zone prefix
    double northing = 0;
    int central_meridian = 0;
    bool six_degree = false;  // a 6-degree zone (prefix 13-23) rather than 3-degree (25-45)
    int epsg = 0;             // CGCS2000 / Gauss-Kruger CM …E, the zone without prefix
};

// "39512345.67,4051234.5": the easting's 2-digit prefix is the zone number
// (3-degree zones 25-45, CM = 3 × zone; 6-degree zones 13-23, CM = 6 × zone
// - 3), the rest the easting with its 500 km false easting. The two numbers
// may come in either order (X north, Y east as surveyors write them, or east
// first): the easting is the one with the prefix. An easting without prefix
// is ambiguous: `zone` (3-degree zone number) or `central_meridian` must say
// which. Throws InputError.
GaussKruger parse_gauss_kruger(const std::string& text, std::optional<int> zone = std::nullopt,
                               std::optional<int> central_meridian = std::nullopt);

// ---------------------------------------------------------------- the map

// What the project checker is built over, read from the sources a command
// line or a service names: the unit map (read_unit_map) and, when a boundary
// is given, its places (read_county_places). Throws InputError.
struct ProjectMap {
    UnitMap units;
    std::optional<Boundary> places;
};
ProjectMap read_project_map(const std::string& units, const std::string& boundary, const std::string& encoding);

// A footprint in the unit map's CRS, with the attributes its source carries.
struct Footprint {
    std::vector<unsigned char> wkb;  // point, line, polygon or a collection of them
    std::string description;         // for reports: "point 117.025000E 36.650000N"
    Attributes attributes;           // from the source's fields, if any
};

struct TouchedUnit {
    std::int64_t fid = 0;
    std::string code, name;
    int category = 0;
    double overlap_m2 = 0;  // planar Gauss-Krüger (0 for points and lines)
    std::string county_code, county, city_code, city, circle;
    UnitTexts texts;        // KJBJYS … of the map, when it has them
};

// A rule of the list that applies to one touched unit.
struct RuleHit {
    std::size_t rule = 0;  // index into the list's rules
    std::string id;
    Level level = Level::province;
    int dimension = 0;
    Effect effect = Effect::info;
    std::string text;
    std::string unit;                  // the unit's code
    std::vector<std::string> missing;  // for an undecided rule: what the project lacks
};

struct ProjectResult {
    Verdict verdict = Verdict::conforming;
    std::vector<TouchedUnit> units;    // by code
    std::vector<RuleHit> hits;         // matched: province, circle, city, unit; list order; unit
    std::vector<RuleHit> undecided;    // outcome unknown: the project lacks an attribute
    std::vector<std::string> missing;  // attributes whose absence makes the verdict incomplete
    std::string footprint;             // Footprint::description
    double footprint_m2 = 0;           // the footprint's own area (0 for points)
    std::array<double, 2> lonlat{};    // a point of the footprint, CGCS2000 degrees
    std::vector<std::string> notes;    // e.g. a unit whose circle is not known
};

// The verdict from matched and undecided rules: nonconforming when a prohibit
// rule matched; otherwise, when an undecided rule could change the verdict
// (prohibit, restrict or require), incomplete; conditional when restrict or
// require rules matched; conforming otherwise. Fills `missing` with the
// attributes of the undecided rules that matter.
Verdict decide_verdict(const std::vector<RuleHit>& hits, const std::vector<RuleHit>& undecided,
                       std::vector<std::string>* missing = nullptr);

struct BatchOptions {
    std::string source;        // points or polygons (GDAL source); a CSV with lon/lat columns
    std::string id_field;      // empty: the first of id, ID, code, 统一社会信用代码, name; else the FID
    Attributes defaults;       // for enterprises whose fields do not give them
    std::function<void(double)> progress;
};

struct BatchRow {
    std::int64_t fid = 0;
    std::string id;
    Verdict verdict = Verdict::conforming;
    std::vector<std::string> units;    // codes
    std::vector<std::string> hits;     // rule ids, without repetition, in list order
    std::vector<std::string> missing;
    std::vector<unsigned char> wkb;    // the enterprise, in the unit map's CRS
};

struct BatchResult {
    std::string source, layer;
    std::string crs_wkt;               // of the rows' geometries
    std::vector<BatchRow> rows;        // in the order of the layer
    std::array<int, 5> counts{};       // by Verdict
};

// A unit map and an access list, ready to check projects against. Loading
// reads the map (its geometries repaired as zone-build repairs them), builds
// a spatial index, and resolves each unit's city and economic circle: from
// its county (XZQDM) in the boundary, else the city from the county code and
// the CITY field. Throws InputError.
class ProjectChecker {
public:
    // Over a unit map (read with read_unit_map) and, when given, the county
    // boundary's places (read_boundary with BoundaryOptions::geometry =
    // false): which city and economic circle each county is in. `threads`
    // for batch screening; 0: one per core. Throws InputError for a map
    // without a ZHGKDYFL field, a category that is not 1-3, or a geometry
    // that is not polygonal or cannot be repaired.
    ProjectChecker(AccessList list, const UnitMap& units, const Boundary* places, int threads = 0);
    ProjectChecker(AccessList list, const ProjectMap& map, int threads = 0)
        : ProjectChecker(std::move(list), map.units, map.places ? &*map.places : nullptr, threads) {}
    ~ProjectChecker();
    ProjectChecker(const ProjectChecker&) = delete;
    ProjectChecker& operator=(const ProjectChecker&) = delete;

    const AccessList& list() const;
    const std::string& crs_wkt() const;  // of the unit map
    std::size_t unit_count() const;
    // Problems worth a word that do not stop the work: a circle or city scope
    // that no county of the boundary has, units whose circle is unknown.
    const std::vector<std::string>& warnings() const;
    const std::string& area_method() const;

    // Footprints, in the unit map's CRS. `crs` is anything GDAL takes
    // (EPSG:4490, a WKT); throws InputError.
    Footprint footprint_from_lonlat(double lon, double lat) const;
    Footprint footprint_from_gauss_kruger(const GaussKruger& gk) const;
    Footprint footprint_from_wkt(const std::string& wkt, const std::string& crs = "EPSG:4490") const;
    // A GeoJSON geometry object ({"type": "Polygon", "coordinates": …}), in
    // CGCS2000 degrees as RFC 7946 has it (WGS 84 and CGCS2000 differ by
    // centimetres).
    Footprint footprint_from_geojson(const std::string& geometry) const;
    // Every feature of a GDAL source, united; its attributes from the
    // features' fields (they must agree where several give one).
    Footprint footprint_from_source(const std::string& source) const;

    // A unit's outline for display, as a GeoJSON geometry in CGCS2000
    // degrees (6 decimals), simplified to `tolerance_m` keeping its topology:
    // enough to draw it, too coarse to stand in for the map. "" when no unit
    // has that fid.
    std::string unit_outline_geojson(std::int64_t fid, double tolerance_m) const;

    // The analysis. A footprint that touches no unit is an InputError (it is
    // outside the map: swapped coordinates, another CRS …).
    ProjectResult check(const Footprint& footprint, const Attributes& attributes) const;

    // Every feature of a layer, in parallel. A feature without geometry is
    // an InputError naming it, as is an attribute of the wrong kind.
    BatchResult screen(const BatchOptions& options) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The number of coordinates of a footprint (its vertices, counting each
// ring's closing point).
std::size_t vertex_count(const Footprint& footprint);

// Attributes from a project's fields: industry is checked and upper-cased
// (normalise_industry), nature must be one of project_natures(); an invalid
// value throws std::invalid_argument naming the attribute.
void check_attribute(const std::string& name, AttrValue& value);

// Adds a project attribute a person gave (on a command line, in a request):
// `name` must be letters, digits and _ (it is lower-cased), `value` not empty
// and valid for it (check_attribute), and the name not given before. Throws
// InputError starting with `origin` ("--attr vocs_t", "attributes.vocs_t").
void add_given_attribute(Attributes& attrs, const std::string& name, const std::string& value,
                         const std::string& origin);

// ---------------------------------------------------------------- reports

// For a person, with Chinese headings, to paste into the 符合性分析 table of
// an EIA report: the rule table is tab-separated, so it pastes into cells.
std::string format_project_text(const ProjectResult& r, const AccessList& list, const Attributes& attributes);
// zonekit(7) PROJECT REPORT exactly, plus "version", "list", "footprint", "attributes",
// "undecided", "area_method", "notes"; unit entries also have name, county,
// city and circle.
std::string format_project_json(const ProjectResult& r, const AccessList& list, const Attributes& attributes,
                                const std::string& version, const std::string& area_method);
std::string format_project_markdown(const ProjectResult& r, const AccessList& list, const Attributes& attributes);

// Writes batch rows: CSV (UTF-8 with BOM, so Excel reads the Chinese) or
// GeoPackage (layer verdicts, with the enterprises' geometries), by the
// extension, to `path` as it is: the caller checks and stages it
// (zone/io/output.hpp). Throws InputError for another extension.
void write_batch(const BatchResult& result, const std::string& path);

}  // namespace zone
