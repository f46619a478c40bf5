// Validation of a unit map (zonekit(7) CHECK REPORT): what zone-check map reports.
//
// Every problem is a Finding with a stable rule id; the library never prints.
// Bad arguments and unreadable input throw InputError (exit code 2); a map
// that opens but breaks rules gives findings (exit code 1 for errors).
#pragma once

#include "zone/io/unit_layer.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace zone {

enum class Severity { error, warning };
const char* to_string(Severity s);

struct Finding {
    std::string rule;                  // stable id, e.g. "coverage.overlap"
    Severity severity = Severity::error;
    std::optional<std::int64_t> fid;   // the unit concerned
    std::optional<std::int64_t> fid2;  // the other feature: the other unit of an overlap or
                                       // duplicate, the county, the red-line feature
    std::string code;                  // HJZHGKDYBM of `fid`, when known
    std::string layer;                 // the reference layer a red-line or planning finding is about
    std::string message;               // plain words, naming fields and values
    std::optional<double> area_m2;     // of the overlap, gap, outside part …
    std::optional<std::array<double, 2>> location;  // longitude, latitude of a point on it
    std::vector<unsigned char> wkb;    // where it is (point, line or polygon), in the map's CRS
};

// The list of rule ids, in the order the report groups them.
const std::vector<std::string>& check_rule_ids();

enum class Profile {
    standard,  // provincial work: CGCS2000 geographic or Gauss-Krüger; other CRS a warning
    national,  // filing with the ministry: CGCS2000 geographic, every field of the contract
};

struct CheckTolerances {
    double overlap_m2 = 1.0;         // overlaps smaller than this are noise
    double gap_m2 = 1.0;             // gaps smaller than this are noise
    double outside_m2 = 1.0;         // unit area outside the boundary
    double county_m2 = 1.0;          // unit area in a county other than its own
    double redline_m2 = 1.0;         // red-line land outside priority units
    double sliver_area_m2 = 1000.0;  // units smaller than this are reported as slivers
    double sliver_width_m = 5.0;     // units thinner than this (2 x area / perimeter) too
};

// Land of a reference layer (red line, urban development boundary, farmland …)
// that must lie in units of the given categories: each unit (and "no unit")
// holding more than `tolerance_m2` of it elsewhere gives a finding. Parse the
// command line's spelling with parse_expectation (check_expect.hpp).
struct Expectation {
    std::string source;           // GDAL source, "planning.gpkg|layername=ubound"
    std::string where;            // OGR SQL attribute filter; empty: every feature
    std::vector<int> categories;  // allowed unit categories, 1..3
    Severity severity = Severity::error;
    double tolerance_m2 = 1.0;
    std::string rule = "planning.category_mismatch";

    // Whether land in a unit of `category` (0: unknown) meets the expectation.
    bool allows(int category) const;
};

struct CheckOptions {
    Profile profile = Profile::standard;
    CheckTolerances tolerances;
    double grid = 0;                  // precision grid; 0: 1e-9 for degrees, 1e-4 for metres
    int threads = 0;                  // 0: one per core
    // Called with the fraction done (0..1); calls are serialised.
    std::function<void(double)> progress;
};

struct CheckReport {
    std::string input;          // as given
    std::string layer;          // the layer checked
    std::string crs_wkt;        // the map's CRS, empty when it has none
    std::string area_method;    // how areas were computed, in words
    int features = 0;
    CheckTolerances tolerances;
    std::vector<Finding> findings;  // errors first, then by rule (in check_rule_ids order), fid, fid2

    int errors() const;
    int warnings() const;
};

struct CheckReferences;  // zone/check/check_references.hpp

// Checks a unit map as read by read_unit_layer (every feature, whatever is
// wrong with it) against the county boundaries and reference layers of
// `references`, read into the map's CRS (read_check_references). The map is
// taken by value: its geometries are let go as they are checked, so that it
// is in memory once.
CheckReport check_unit_map(UnitLayer units, const CheckReferences& references, const CheckOptions& options);

}  // namespace zone
