// Helpers for the command-line tests: running a tool, temporary folders,
// reading a scheme, and GDAL/GEOS computations that are independent of
// libzone (this code must never include or link libzone).
#pragma once

#include <gdal_priv.h>
#include <geos_c.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace zt {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- locations

std::string zone_build_exe();
std::string testdata_dir();
// The scheme the fixture test `build_shandong_map` builds; $ZONE_TEST_SCHEME overrides.
std::string shandong_scheme();
// What `build_shandong_map` wrote; $ZONE_TEST_UNITS overrides.
std::string shandong_units();

// ---------------------------------------------------------------- processes

struct RunResult {
    int status = -1;     // exit code; 128 + signal when killed by a signal
    bool signaled = false;
    std::string out, err;
    // The command and what it printed, for failure messages.
    std::string describe() const;
    std::string command;
    bool timed_out = false;  // killed by run_with_timeout (then signaled too)
    double seconds = 0;      // how long it ran
};

// Starts argv[0] with the arguments (no shell) and its standard streams
// redirected to the files; returns its process id.
pid_t spawn(const std::vector<std::string>& argv, const std::string& stdin_path, const std::string& stdout_path,
            const std::string& stderr_path);
// Runs argv[0] with the arguments (no shell), stdin from `stdin_path` or
// /dev/null, capturing stdout and stderr completely.
RunResult run(const std::vector<std::string>& argv, const std::string& stdin_path = "");
RunResult run_zone_build(const std::vector<std::string>& args);
// Like run(), but kills the process (SIGKILL) once it has run `timeout_s`
// seconds (0: no limit) and says so in `timed_out`.
RunResult run_with_timeout(const std::vector<std::string>& argv, double timeout_s,
                           const std::string& stdin_path = "");

// ---------------------------------------------------------------- files

class TempDir {
public:
    explicit TempDir(const std::string& tag = "zonecli");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

std::string read_file(const fs::path& path);
void write_file(const fs::path& path, const std::string& content);
// Names of the entries of `dir` that start with ".zonekit-" (zone-build's temporary folders).
std::vector<std::string> zonekit_leftovers(const fs::path& dir);
// Every entry of `dir`, sorted.
std::vector<std::string> dir_entries(const fs::path& dir);

// ---------------------------------------------------------------- scheme

struct FactorInfo {
    std::string id, label, source, where, name_field, encoding, group;
    int category = 0;
    std::string path;   // source without "|layername="
    std::string layer;  // empty when not named
};

struct SchemeInfo {
    std::string file;
    std::string province;
    std::string boundary_source, boundary_path, boundary_layer;
    std::string code_field, name_field, city_field;
    double sliver_area_m2 = 10000;
    double grid = 1e-9;  // [build] grid, in boundary CRS units
    std::vector<FactorInfo> factors;
    // The first factor whose file name (without folder) is `filename`, or whose layer is `layer`.
    const FactorInfo* factor_by_file(const std::string& filename) const;
    const FactorInfo* factor_by_layer(const std::string& layer) const;
};

// A small reader for the subset of TOML that scheme files use: [tables],
// [[factor]] arrays, strings, integers, floats, comments. Relative sources
// are resolved against the scheme's folder. Throws std::runtime_error.
SchemeInfo read_scheme(const std::string& path);

// ---------------------------------------------------------------- GDAL/OGR

struct GdalCloser {
    void operator()(GDALDataset* ds) const { if (ds) GDALClose(ds); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, GdalCloser>;

void gdal_init();
DatasetPtr open_vector(const std::string& path, const std::vector<std::string>& open_options = {},
                       bool update = false);

struct Feature {
    std::int64_t fid = 0;
    std::map<std::string, std::string> text;  // every field as text (GetFieldAsString)
    std::map<std::string, bool> is_null;
    std::unique_ptr<OGRGeometry> geom;        // may be null
    const std::string& operator[](const std::string& field) const;
};

struct LayerData {
    std::string layer_name;
    std::vector<std::string> fields;  // in layer order
    std::unique_ptr<OGRSpatialReference> srs;
    std::vector<Feature> features;
};

// Reads a whole layer ("path|layername=name", or the only layer). With
// `to_cgcs2000`, geometries are transformed to EPSG:4490 (lon/lat order).
LayerData read_layer(const std::string& source, bool to_cgcs2000 = false,
                     const std::vector<std::string>& open_options = {});

// Copies a layer into a new file, letting `edit` change each feature (return
// false to leave it out). `layer_options` go to CreateLayer (e.g. ENCODING=GBK).
void copy_layer(const std::string& source, const std::string& dest, const std::string& driver,
                const std::string& layer_name, const std::function<bool(OGRFeature&)>& edit = {},
                const std::vector<std::string>& layer_options = {}, const OGRSpatialReference* srs_override = nullptr,
                bool no_srs = false);

// ---------------------------------------------------------------- Gauss-Krüger

// EPSG of the CGCS2000 3-degree Gauss-Krüger zone whose central meridian is
// 3*round(lon/3): 4534 + (CM - 75) / 3.
int gk_epsg_for_lon(double lon);
// The zone of a lon/lat geometry's centroid.
int gk_epsg_of(const OGRGeometry& lonlat);
// A copy of a lon/lat (EPSG:4490) geometry in the GK zone `epsg`.
std::unique_ptr<OGRGeometry> to_gk(const OGRGeometry& lonlat, int epsg);
// OGR planar area in m² after transforming the vertices to the zone `epsg`:
// the "official" way, and what MJ is.
//
// Such an area is not additive when vertices are inserted: a straight edge in
// longitude/latitude is a curve in the projection, so a vertex added on it
// (as an overlay adds where a factor boundary meets a county line) moves the
// projected boundary by up to L²κ/8 (κ ≈ 1.2e-7 /m at 37°N; 8 mm on a 750 m
// edge) and a thin sliver between two versions of one edge measures metres
// instead of millimetres. With `densify_deg` > 0 edges are first cut into
// pieces no longer than that many degrees, which makes the projected area
// independent of such vertices to well under a square millimetre per vertex.
double gk_area(const OGRGeometry& lonlat, int epsg, double densify_deg = 0);
// Densification used for comparisons between geometries that do not share
// their vertices (about 11 m).
constexpr double kDensifyDeg = 1e-4;

// ---------------------------------------------------------------- GEOS

GEOSContextHandle_t geos();

struct GeosDeleter {
    void operator()(GEOSGeometry* g) const { if (g) GEOSGeom_destroy_r(geos(), g); }
};
using GeosPtr = std::unique_ptr<GEOSGeometry, GeosDeleter>;

GeosPtr to_geos(const OGRGeometry& g);
std::unique_ptr<OGRGeometry> to_ogr(const GEOSGeometry* g);
GeosPtr geos_clone(const GEOSGeometry* g);
GeosPtr make_valid(const GEOSGeometry* g);
// Union of (clones of) the geometries; empty MultiPolygon when none.
GeosPtr union_all(const std::vector<const GEOSGeometry*>& parts);
GeosPtr intersection(const GEOSGeometry* a, const GEOSGeometry* b);
GeosPtr difference(const GEOSGeometry* a, const GEOSGeometry* b);
// Only the polygonal parts (a collection may hold lines and points).
GeosPtr polygonal(const GEOSGeometry* g);
// Area in m² of a lon/lat GEOS geometry in the GK zone `epsg` (polygonal
// parts only), densified as above since these are overlay results.
double gk_area(const GEOSGeometry* lonlat, int epsg, double densify_deg = kDensifyDeg);
void envelope(const GEOSGeometry* g, double& minx, double& miny, double& maxx, double& maxy);
std::string wkt(const GEOSGeometry* g, int precision = 6);

// WKB (ISO, little endian) of an OGR geometry, for byte comparisons.
std::vector<unsigned char> wkb(const OGRGeometry& g);

// ---------------------------------------------------------------- zone-check

std::string zone_check_exe();
// zone-check with the arguments, killed after `timeout_s` seconds.
RunResult run_zone_check(const std::vector<std::string>& args, double timeout_s = 120);

// The rule ids of zonekit(7) CHECK REPORT, in its order.
const std::vector<std::string>& contract_rule_ids();

struct CheckFindingJson {
    std::string rule, severity, code, message;
    std::string layer;  // of a red-line or planning finding; empty when null
    std::optional<std::int64_t> fid, fid2;
    std::optional<double> area_m2;
    std::optional<std::array<double, 2>> location;  // lon, lat
    std::string describe() const;
};

// A zone-check map report in JSON (zonekit(7) CHECK REPORT), read with CPLJSONDocument.
struct CheckJson {
    std::string parse_error;              // non-empty when the text is no JSON object
    std::vector<std::string> violations;  // where the text breaks the contract's shape
    std::string tool, version, input, layer, area_method;
    bool ok = false;
    std::int64_t features = -1, errors = -1, warnings = -1;
    bool has_tolerances = false;
    std::vector<CheckFindingJson> findings;

    std::vector<const CheckFindingJson*> with_rule(const std::string& rule) const;
    std::vector<const CheckFindingJson*> errors_list() const;  // severity "error"
    // Every finding, one a line, for failure messages.
    std::string describe(std::size_t max = 40) const;
};
CheckJson parse_check_json(const std::string& text);

// ---------------------------------------------------------------- editable layers

// A layer held in memory so that a test can change fields, types, features
// and geometries freely before writing it out as a variant.
struct FieldSpec {
    std::string name;
    OGRFieldType type = OFTString;
    int width = 0, precision = 0;
};

struct Row {
    std::int64_t fid = 0;                              // as read
    std::vector<std::optional<std::string>> values;    // by field index; nullopt = null
    std::unique_ptr<OGRGeometry> geom;                 // may be null
    Row() = default;
    Row(const Row& o);
    Row& operator=(const Row& o);
    Row(Row&&) = default;
    Row& operator=(Row&&) = default;
};

struct Table {
    std::string name;
    OGRwkbGeometryType geom_type = wkbUnknown;
    std::unique_ptr<OGRSpatialReference> srs;  // traditional GIS axis order
    std::vector<FieldSpec> fields;
    std::vector<Row> rows;

    Table() = default;
    Table(const Table& o);
    Table& operator=(const Table& o);
    Table(Table&&) = default;
    Table& operator=(Table&&) = default;

    int field(const std::string& name) const;  // -1 when absent
    std::string get(const Row& r, const std::string& name) const;  // "" when null; throws when absent
    void set(Row& r, const std::string& name, const std::string& value) const;
    void drop_field(const std::string& name);
};

// Reads a layer ("path|layername=name", or the only layer, or "units") as it
// is: no transformation of the geometries.
Table read_table(const std::string& source, const std::vector<std::string>& open_options = {});
// Writes `t` as a new file (or a new layer of an existing GeoPackage) and
// returns the FID each row got, in row order. `layer_options` go to
// CreateLayer. With `keep_fids` each row is written with its Row::fid (for
// drivers that honour it, e.g. GeoPackage).
std::vector<std::int64_t> write_table(const Table& t, const std::string& dest, const std::string& driver = "GPKG",
                                      const std::vector<std::string>& layer_options = {}, bool no_srs = false,
                                      bool keep_fids = false);

// ---------------------------------------------------------------- geometry helpers

// A copy of `g` moved by (dx, dy) in its own units.
std::unique_ptr<OGRGeometry> translated(const OGRGeometry& g, double dx, double dy);
// An axis-parallel rectangle in lon/lat.
std::unique_ptr<OGRGeometry> lonlat_box(double minx, double miny, double maxx, double maxy);
// Metres between two lon/lat points (spherical approximation, good to 0.5 %).
double metres_between(double lon1, double lat1, double lon2, double lat2);
// Degrees of longitude and latitude that make `metres` at latitude `lat`.
double metres_to_dlon(double metres, double lat);
double metres_to_dlat(double metres);
GeosPtr point_on_surface(const GEOSGeometry* g, double* lon = nullptr, double* lat = nullptr);
bool geos_within(const GEOSGeometry* a, const GEOSGeometry* b);
bool geos_intersects(const GEOSGeometry* a, const GEOSGeometry* b);
// Distance in degrees from a lon/lat point to a geometry.
double degrees_from(const GEOSGeometry* g, double lon, double lat);

// ---------------------------------------------------------------- Shandong subsets (zone-check)

// The boundary and red line that go with shandong_units().
std::string shandong_boundary();  // from the scheme's [boundary] source
std::string shandong_redline();   // the scheme's factor from layer "redline"

struct CountyGeom {
    std::int64_t fid = 0;  // in MapSubset::boundary
    std::string code, name;
    std::unique_ptr<OGRGeometry> geom;  // lon/lat
    GeosPtr g;
    int epsg = 0;  // its Gauss-Krüger zone
};

// A few counties of the Shandong map, written once per process to a
// temporary folder, so that variants of the map stay small and fast.
struct MapSubset {
    std::vector<std::string> codes;  // county codes asked for
    Table units;                     // their units from shandong_units(), in fid order
    std::vector<CountyGeom> counties;  // in the order of `boundary`
    std::string boundary;            // GeoPackage, layer "counties": these counties only
    Table redline;                   // red-line features that intersect them (lon/lat); fid as written
    std::string redline_source;      // "….gpkg|layername=redline" holding `redline`
    std::string error;               // why building the subset failed
    const CountyGeom* county(const std::string& code) const;
};
const MapSubset& shandong_subset(const std::vector<std::string>& county_codes);

// ---------------------------------------------------------------- text

bool is_valid_utf8(const std::string& s);
// True when the UTF-8 text holds a CJK unified ideograph.
bool has_cjk(const std::string& s);
bool contains(const std::string& haystack, const std::string& needle);

// ---------------------------------------------------------------- zone-diff, versions, pipelines

std::string zone_diff_exe();
// zone-diff with the arguments, killed after `timeout_s` seconds.
RunResult run_zone_diff(const std::vector<std::string>& args, double timeout_s = 120);
// The source tree (the folder above testdata/) and the folder of the built
// tools (tools/zone-build/zone-build …), which the pipeline scripts take as
// ZONEKIT_BIN.
std::string source_dir();
std::string tools_dir();

// The change kinds of zonekit(7) DIFF REPORT, in its order.
const std::vector<std::string>& diff_kinds();

// A transition matrix [old category][new category] in km²; 0 = outside every unit.
using Matrix = std::array<std::array<double, 4>, 4>;
std::string describe(const Matrix& m);
Matrix transposed(const Matrix& m);

struct DiffChangeJson {
    std::string kind;
    std::vector<std::string> old_codes, new_codes;  // as in the report
    double area_m2 = -1;
    std::string describe() const;
};

struct DiffViolationJson {
    std::string rule;
    std::optional<std::string> county;
    std::optional<int> category;
    std::optional<double> old_km2, new_km2, area_m2;
    std::vector<std::string> codes;
    std::string message;
    std::string describe() const;
};

// A zone-diff report in JSON (zonekit(7) DIFF REPORT), read with CPLJSONDocument.
struct DiffJson {
    std::string parse_error;            // non-empty when the text is no JSON object
    std::vector<std::string> shape;     // where the text breaks the contract's shape
    std::string tool, version, old_input, new_input, area_method;
    std::vector<DiffChangeJson> changes;
    Matrix transitions{};               // NaN where missing
    std::map<std::string, std::int64_t> summary;
    std::vector<DiffViolationJson> violations;

    std::vector<const DiffChangeJson*> with_kind(const std::string& kind) const;
    std::vector<const DiffChangeJson*> changed() const;  // every change that is not "unchanged"
    // The change whose old or new codes hold `code` (null when none).
    const DiffChangeJson* involving(const std::string& code) const;
    std::vector<const DiffViolationJson*> with_rule(const std::string& rule) const;
    // The changes that are not "unchanged", the matrix and the violations.
    std::string describe(std::size_t max = 40) const;
};
DiffJson parse_diff_json(const std::string& text);

// A unit of a map, held for independent computations: lon/lat GEOS geometry,
// its GK zone and area.
struct UnitGeom {
    std::string code, county;
    int category = 0;
    GeosPtr g;
    int epsg = 0;
    double area_m2 = 0;  // GK, densified
    std::vector<unsigned char> wkb;
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
};
// The GK zone (EPSG) of every county of a boundary layer.
std::map<std::string, int> county_zones(const std::string& boundary_source, const std::string& code_field);
// The units of a table in EPSG:4490, each in the zone of its county (from
// `zones`, else of its centroid).
// `densify_deg` as for gk_area (0: vertices as they are, quicker for whole maps).
std::vector<UnitGeom> unit_geoms(const Table& t, const std::map<std::string, int>& zones = {},
                                 double densify_deg = kDensifyDeg);
// Areas by category (index 0..3) in km².
std::array<double, 4> category_km2(const std::vector<UnitGeom>& units);
// The transition matrix of zonekit(7) DIFF REPORT by intersecting every old unit with
// every new unit it meets (GK areas of the pieces in the old unit's zone, or
// the new unit's for land that was outside every unit; densified). Units that
// are identical in both maps (code, category and WKB) count whole on the
// diagonal without an overlay.
Matrix expected_transitions(const std::vector<UnitGeom>& old_units, const std::vector<UnitGeom>& new_units);

// A copy of a scheme file with every relative source made absolute, and
// changes: another boundary source, other sources for some factors (by id),
// factors left out (by id).
struct SchemeEdit {
    std::string boundary_source;
    std::map<std::string, std::string> factor_sources;
    std::set<std::string> drop_factors;
};
void write_scheme_variant(const std::string& scheme, const std::string& dest, const SchemeEdit& edit = {});

// A metadata item of a layer ("" when absent), e.g. ZONEKIT_MAX_SERIALS.
std::string layer_metadata(const std::string& source, const std::string& key);
// "370102:1:12;…" as zone-build stores it, parsed.
std::map<std::pair<std::string, int>, int> parse_serial_marks(const std::string& text);

// Splits one CSV line (RFC 4180 quoting; no newlines inside fields).
std::vector<std::string> csv_fields(const std::string& line);

// The long options (--name) a tool's --help names, and whether a man page
// documents one (roff escapes its hyphens: \-\-map\-png).
std::set<std::string> long_options_in(const std::string& help);
bool man_page_documents(const std::string& man, const std::string& option);

}  // namespace zt
