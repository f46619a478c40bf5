// zone-build's engine: factor layers and county boundaries to a coded unit map.
#pragma once

#include "zone/build/scheme.hpp"
#include "zone/io/unit_map.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace zone {

// A piece below the sliver threshold that had no neighbour of equal or
// stricter category to merge into, so it stays (and usually is a real small
// patch of priority land).
struct StuckSliver {
    std::string unit_code;
    int category = 0;
    std::string factor;  // factor id, empty for general land
    double area_m2 = 0;
    double x = 0, y = 0;  // a point inside it, in the boundary's CRS
};

struct BuildStats {
    int counties = 0;
    int factor_features = 0;   // features read from all factor layers
    int repaired = 0;          // invalid input geometries made valid
    int skipped_null = 0;      // input features without geometry
    int faces = 0;             // faces of the overlay
    int pieces = 0;            // connected pieces before elimination
    int eliminated = 0;        // slivers merged into a neighbour
    std::vector<StuckSliver> stuck;
    std::array<int, 4> units{};          // by category (index 1..3)
    std::array<double, 4> area_km2{};    // by category
};

struct BuildResult {
    std::vector<Unit> units;   // sorted by code
    int kept_codes = 0;        // units that kept the code of a previous unit
    int carried = 0;           // units carried over untouched (dynamic update)
    // Highest serial ever used per (county, category), to store with the map.
    std::map<std::pair<std::string, int>, int> max_serial;
    std::string crs_wkt;       // CRS of the unit geometries
    std::string area_method;   // how MJ was computed, in words
    BuildStats stats;
};

struct BuildOptions {
    int threads = 0;  // 0: one per core
    // The previous version of the map (a GDAL source): a new unit that is
    // substantially the same land of the same category as an old one (each
    // covers at least `keep_share` of the other) keeps its code; other units
    // take serials after the highest ever used in their county and category.
    std::string previous;
    double keep_share = 0.9;
    // Dynamic update: rebuild only these counties (codes) and carry every unit
    // of the other counties over from `previous` untouched. Needs `previous`.
    std::vector<std::string> only;
    // Called with the fraction done (0..1) from the calling thread's workers;
    // calls are serialised.
    std::function<void(double)> progress;
};

// Builds the unit map. Throws InputError for bad input (exit code 2).
BuildResult build_units(const Scheme& scheme, const BuildOptions& options);

}  // namespace zone
