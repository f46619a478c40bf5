// The build scheme: which boundary and factor layers make the unit map, and how.
//
// A scheme is a TOML file (see man/zone-build.1, "SCHEME FILE"); paths in it
// are relative to the file itself.
#pragma once

#include "zone/core/area.hpp"

#include <string>
#include <vector>

namespace zone {

// How the land a factor claims in one county is grouped into units.
enum class Grouping {
    piece,    // each connected piece is a unit
    feature,  // each source feature (one park, one reserve) is a unit
    county,   // all of the factor in the county is one, possibly multi-part, unit
};

const char* to_string(Grouping g);

struct BoundarySpec {
    std::string source;      // GDAL source, "path|layername=name" selects a layer
    std::string code_field;  // 6-digit county code (GB/T 2260)
    std::string name_field;  // county name
    std::string city_field;  // optional: city name
    std::string encoding;    // optional: text encoding of a Shapefile without .cpg
};

struct FactorSpec {
    std::string id;          // short id, listed in the YSLX field
    std::string label;       // what people call it, used in unit names
    std::string source;
    std::string where;       // optional OGR SQL attribute filter
    std::string name_field;  // optional: names the units of `group = "feature"`
    std::string encoding;
    int category = 0;        // 1 priority or 2 key
    Grouping group = Grouping::piece;
};

struct GeneralSpec {
    Grouping group = Grouping::piece;  // piece or county
};

struct OutputSpec {
    std::string path;   // optional default output
    std::string layer = "units";
};

struct Scheme {
    std::string file;       // the scheme file, as given
    std::string name;
    std::string province;   // PROV of every unit, e.g. 山东省
    BoundarySpec boundary;
    std::vector<FactorSpec> factors;  // in order of precedence within a category
    GeneralSpec general;
    double grid = 1e-9;               // precision grid, in boundary CRS units
    double sliver_area_m2 = 10000.0;
    AreaMethod area_method = AreaMethod::gauss_kruger;
    OutputSpec output;
};

// Reads and validates a scheme file completely; throws InputError naming the
// file, the table and the key of the first problem.
Scheme load_scheme(const std::string& path);

}  // namespace zone
