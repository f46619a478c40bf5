// zone-report's engine: what a unit map says, for people — statistics by
// region and category, the map, one sheet per unit (一单元一策略) and the
// follow-up evaluation of indicators (成效评估).
//
// build_report() takes the map read by read_unit_map and the optional
// boundary, factor layers and indicator table read by read_report_inputs
// (zone/report/report_inputs.hpp), and returns a Report: a value that the
// writers of report_output.hpp turn into HTML, Markdown, CSV, XLSX, JSON and
// PNG. The library never prints.
//
// Two parts build on other engines: the requirements of each unit from an
// access list fill ReportUnit::requirements (apply_access_list; without a list
// they hold the map's own four list fields), and the change summary of a
// zone-diff comparison (zonekit(7) DIFF REPORT) fills Report::changes (report_changes).
#pragma once

#include "zone/io/unit_map.hpp"

#include "zone/core/area.hpp"
#include "zone/io/boundary.hpp"
#include "zone/monitor/indicator.hpp"
#include "zone/report/report_inputs.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zone {

// ------------------------------------------------------------------ levels

// The regions statistics are grouped by, from the largest.
enum class ReportLevel { province, circle, city, county };

const char* to_string(ReportLevel level);      // "province", "circle", "city", "county"
const char* chinese_name(ReportLevel level);   // 省, 经济圈, 市, 县（市、区）
// "province,circle,city,county" (any subset, any order; returned largest
// first, without repeats). Throws std::invalid_argument naming the bad word.
std::vector<ReportLevel> parse_report_levels(const std::string& text);

// ------------------------------------------------------------------ access list

// The four dimensions of an access list (zonekit(7) ACCESS LIST), in their official order,
// and the unit-layer fields (zonekit(7) UNIT LAYER) that carry a unit's own text for each.
const std::array<const char*, 4>& list_dimensions();  // 空间布局约束 …
const std::array<const char*, 4>& list_fields();      // KJBJYS, PWWPFGK, HJFXFK, ZYKFXLYQ

// One requirement that applies to a unit, in one dimension.
struct Requirement {
    std::string level;   // province | circle | city | unit (zonekit(7) ACCESS LIST)
    std::string rule;    // rule id from an access list; empty for a unit-layer field
    std::string effect;  // prohibit | restrict | require | info; empty when not known
    std::string text;
    std::string condition;  // the rule's `when`, as written; empty: every project
};

// ------------------------------------------------------------------ units

// A factor a unit was made from (its YSLX list) and, where the factor layer
// could be read, the share of the unit's land it covers.
struct FactorShare {
    std::string id;               // as in YSLX
    std::string label;            // from the scheme; empty without one
    std::optional<double> share;  // 0..1 of the unit's area; none when the layer is not available
};

struct ReportUnit {
    std::int64_t fid = 0;
    std::string code;         // HJZHGKDYBM
    std::string name;         // HJZHGKDYMC
    std::string province;     // PROV
    std::string circle;       // economic circle, from the boundary; empty without one
    std::string city;         // from the boundary, else CITY
    std::string city_code;    // from the boundary; empty without one
    std::string county;       // from the boundary, else AREA
    std::string county_code;  // XZQDM
    int category = 3;         // ZHGKDYFL
    double area_m2 = 0;       // computed here (Report::area_method), full precision
    std::int64_t area_display = 0;  // km² × 100 as the report shows it (see Report::rounding)
    std::optional<double> mj_km2;   // MJ as the map says, when set
    std::vector<FactorShare> factors;  // YSLX, in its order
    // What the report lists under each dimension of list_dimensions(): the
    // map's own fields (level "unit"), or the applicable rules of every level
    // from an access list (apply_access_list).
    std::array<std::vector<Requirement>, 4> requirements;
    std::string remark;       // REMARK
    int region = -1;          // index in Report::regions of its region at the finest level shown
};

// ------------------------------------------------------------------ statistics

// Counts and areas of one region, in total ([0]) and by category ([1..3]).
struct Figures {
    std::array<int, 4> units{};
    std::array<double, 4> area_m2{};               // full precision
    std::array<std::int64_t, 4> area_display{};    // km² × 100 as shown (controlled rounding)
    // Share of the region's land in each category, in tenths of a percent
    // ([1..3], adding up to 1000 when the region has land; [0] is 1000).
    std::array<int, 4> share_permille{};
};

struct Region {
    ReportLevel level = ReportLevel::county;
    std::string code;     // GB/T 2260 code; empty for an economic circle
    std::string name;
    int parent = -1;      // index in Report::regions of the enclosing region at the next level shown
    Figures figures;
};

// How the figures were rounded (stated in every output).
struct RoundingInfo {
    double unit_km2 = 0.01;
    int figures = 0;      // areas rounded together (units, regions × categories, totals)
    int not_nearest = 0;  // of them, rounded the other way so that every total is the sum of its parts
};

// ------------------------------------------------------------------ effectiveness

struct IndicatorChange {
    std::string indicator;
    double baseline = 0, current = 0;  // meaningful when assessable
    bool higher_is_better = true;
    Threshold threshold;               // optional column `threshold`: smaller changes are not declines
    std::optional<double> valid_share; // optional column `valid_share` (zone-monitor): share of valid pixels
    bool assessable = true;            // optional column `assessable`: false when too few valid pixels
    bool worse() const { return assessable && is_decline(baseline, current, higher_is_better, threshold); }
    bool better() const { return assessable && is_improvement(baseline, current, higher_is_better, threshold); }
};

// The follow-up evaluation (成效评估) of an indicator table.
struct Effectiveness {
    std::string source;                       // the table, as given
    int rows = 0;                             // indicator rows read
    int units_assessed = 0;                   // units with at least one indicator
    int units_worse = 0, units_better = 0;    // any indicator worse; all better-or-equal with one better
    std::array<int, 4> worse_by_category{};   // [1..3]
    // Per unit (index in Report::units), every indicator in table order.
    std::map<int, std::vector<IndicatorChange>> by_unit;
    // Units with an indicator that got worse: priority units first (the
    // supervision duty of the policy), then key, then general; by code within.
    std::vector<int> worse_units;
    // Units with an indicator that could not be assessed (too few valid
    // pixels: clouds, nodata, outside the raster), in the same order; they
    // are neither worse nor unchanged.
    std::vector<int> not_assessable_units;
    int rows_not_assessable = 0;
};

// ------------------------------------------------------------------ map

// The geometry the map is drawn from, in a transverse Mercator projection
// centred on the map (metres; conformal, so the scale bar holds in every
// direction). Full resolution: the SVG simplifies for its scale, the PNG
// rasterises as is; numbers never come from here.
struct ReportMap {
    std::string projection;  // PROJ definition of the drawing's CRS
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    std::vector<std::vector<unsigned char>> units;  // WKB MultiPolygon per Report::units entry
    struct Outline {
        std::string code, name;
        std::vector<unsigned char> wkb;  // MultiPolygon
        double label_x = 0, label_y = 0; // a point inside, for the name
    };
    std::vector<Outline> counties, cities;
    bool empty() const { return units.empty(); }
};

// ------------------------------------------------------------------ changes

// The change summary of an adjustment (zonekit(7) DIFF REPORT), when a zone-diff result is
// given (report_changes).
struct ReportChanges {
    std::string old_source, new_source;
    std::map<std::string, int> kinds;  // unchanged, modified, recoded, split, merged, complex, added, removed
    // km² from old category (row, 0 = outside every unit) to new (column).
    std::array<std::array<double, 4>, 4> transitions_km2{};
    std::vector<unsigned char> changed_land_wkb;  // in ReportMap::projection
};

// ------------------------------------------------------------------ the report

struct Report {
    std::string input;        // the unit map, as given
    std::string layer;
    std::string boundary;     // as given; empty without one
    std::string title;
    std::string area_method;  // how areas were computed, in words
    AreaMethod method = AreaMethod::gauss_kruger;
    std::vector<ReportLevel> levels;  // shown, largest first
    std::vector<ReportUnit> units;    // sorted by code
    std::vector<Region> regions;      // by level (in `levels` order), then code
    Figures total;                    // every unit
    RoundingInfo rounding;
    bool factor_shares = false;       // whether FactorShare::share was computed
    std::string factor_note;          // why not, or from which layers
    std::string access_list;          // the access list behind `requirements`; empty: the map's own fields
    ReportMap map;
    std::optional<Effectiveness> effectiveness;
    std::optional<ReportChanges> changes;
    std::vector<std::string> notes;   // what a reader should know (MJ that differs, …)
};

struct ReportOptions {
    std::vector<ReportLevel> levels;  // empty: every level the data have
    std::string title;           // empty: from PROV
    AreaMethod area_method = AreaMethod::gauss_kruger;
    bool map = true;             // prepare ReportMap (for HTML and PNG)
    int threads = 0;             // 0: one per core
    // Called with the fraction done (0..1); calls are serialised.
    std::function<void(double)> progress;
};

// Builds the report of a unit map (read with read_unit_map) with the
// boundary, factor layers and indicator table of `inputs` (read with
// read_report_inputs; each optional). Throws InputError naming file, layer,
// feature and field for input that cannot be reported on: no CRS, a missing
// ZHGKDYFL field, a category that is not 1-3, a duplicate code, a county code
// the boundary lacks, a geometry that is not polygonal or cannot be repaired,
// a bad indicator row.
Report build_report(const UnitMap& units, const ReportInputs& inputs, const ReportOptions& options);

// ------------------------------------------------------------------ list and diff

struct AccessList;
struct DiffReport;

// Replaces every unit's requirements with the rules of `list` that apply to
// it, whatever their `when` (shown as Requirement::condition): province (the
// first two digits of XZQDM), economic circle (from the boundary), city (its
// code or name from the boundary; without one the code from XZQDM), and unit
// (its code or its county's code); a rule with categories only for units of
// those. By dimension; within one, province, circle, city, unit, each in the
// list's order. Sets Report::access_list to list.file.
void apply_access_list(Report& report, const AccessList& list);

// The change section from a diff of OLD against the report's map: counts by
// kind, transitions, and the changed land (collected with
// DiffOptions::changed_land) projected into ReportMap::projection — left
// empty when the report has no map.
ReportChanges report_changes(const Report& report, const DiffReport& diff);

// ------------------------------------------------------------------ rounding

// Controlled rounding of a table whose rows form a tree (regions) and whose
// columns are categories, with leaves (units) attached to nodes. Every figure —
// each leaf, each node × column, each node total, each column total and the
// grand total — is its exact value rounded down or up to an integer, such that
// every total is exactly the sum of its parts in both directions; of the
// roundings that do this, the one closest to rounding every figure to nearest,
// weighted by `weight` (so the totals people quote are the nearest whenever
// possible). Values are in rounding units (e.g. km² × 100).
struct RoundingTable {
    int columns = 0;
    std::vector<int> parent;      // per node; -1 for the top nodes
    std::vector<double> weight;   // per node, for its total and its column figures
    double grand_weight = 1;      // for the column totals and the grand total
    struct Leaf {
        int node = 0, column = 0;
        double value = 0;         // >= 0
    };
    std::vector<Leaf> leaves;
};

struct RoundedTable {
    std::vector<std::int64_t> leaf;                  // per leaf
    std::vector<std::vector<std::int64_t>> node;     // per node: [column], then the total at [columns]
    std::vector<std::int64_t> grand;                 // [column], then the grand total at [columns]
    int figures = 0, not_nearest = 0;
};

RoundedTable controlled_rounding(const RoundingTable& table);

// Largest-remainder rounding of shares: integers adding up to `total` (when
// the values sum to more than 0), each the floor or ceiling of its quota.
std::vector<int> apportion(const std::vector<double>& values, int total);

}  // namespace zone
