// Comparing two versions of a unit map (zonekit(7) DIFF REPORT): what zone-diff reports.
#pragma once

#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace zone {

// One group of linked units and what happened to it.
struct UnitChange {
    std::string kind;                    // unchanged modified recoded split merged complex added removed
    std::vector<std::string> old_codes;  // ascending
    std::vector<std::string> new_codes;
    double area_m2 = 0;                  // see man/zone-diff.1
};

// A piece of land whose unit or category differs between the versions.
struct ChangedLand {
    std::string old_code, new_code;  // empty: outside every unit
    int old_category = 0, new_category = 0;
    std::string kind;                // of the change the units belong to
    double area_m2 = 0;
    std::vector<unsigned char> wkb;  // in the old map's CRS
};

// A policy guard that fired.
struct PolicyViolation {
    std::string rule;                 // "forbid_decrease" or "redline"
    std::optional<std::string> county;
    std::optional<int> category;
    double old_km2 = 0, new_km2 = 0;  // forbid_decrease
    double area_m2 = 0;               // redline: the land that left priority units
    std::vector<std::string> codes;   // the new units it lies in now
    std::string message;
};

struct DiffOptions {
    double same_tolerance_m2 = 1.0;  // shapes differing by less are the same
    double match_share = 0.1;        // overlap that links an old and a new unit
    std::vector<int> forbid_decrease;  // categories whose area may not shrink
    // The red-line layer for the red-line guard, in the old map's CRS
    // (read_diff_redline).
    const PolygonLayer* redline = nullptr;
    bool changed_land = false;       // collect ChangedLand (for -o)
    int threads = 0;
    std::function<void(double)> progress;
};

struct DiffReport {
    std::string old_input, new_input;
    std::string crs_wkt;        // of the old map, which the comparison is done in
    std::string area_method;
    std::vector<UnitChange> changes;          // by kind order, then codes
    // transitions_km2[old category][new category], 0 = outside every unit.
    std::array<std::array<double, 4>, 4> transitions_km2{};
    std::map<std::string, int> summary;       // count of changes by kind
    std::vector<ChangedLand> changed_land;
    std::vector<PolicyViolation> violations;

    // Any change other than "unchanged".
    bool differs() const;
};

// The kinds, in report order.
const std::vector<std::string>& change_kinds();

// Compares two versions of a unit map (read with read_unit_map); the new one
// is compared in the old one's CRS. Throws InputError for a map without a
// CRS.
DiffReport diff_unit_maps(UnitMap old_map, UnitMap new_map, const DiffOptions& options);

// Reads the red line of the red-line guard (a GDAL source) into `ctx` and the
// CRS of `old_map`, which the comparison is done in. An empty layer is
// allowed. Throws InputError naming file, layer, feature and field.
PolygonLayer read_diff_redline(const geos::Context& ctx, const UnitMap& old_map, const std::string& source,
                               int threads = 0);

// Report forms: text for people, JSON of zonekit(7) DIFF REPORT (plus area_method and
// violations), CSV with one row per change.
std::string format_diff_text(const DiffReport& report);
std::string format_diff_json(const DiffReport& report, const std::string& version);
std::string format_diff_csv(const DiffReport& report);

// Writes the changed land to a GeoPackage, layer `changes`, at `path` as it
// is: the caller checks and stages it (zone/io/output.hpp).
void write_changed_land(const DiffReport& report, const std::string& path);

}  // namespace zone
