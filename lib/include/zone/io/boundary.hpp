// County boundaries: the layer that says which county is where, with the
// county code and, when the layer has them, the county's name, its city and
// its economic circle (zonekit(7) NAMING INPUTS). The one reader of them.
#pragma once

#include "zone/core/geos.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace zone {

// Fields of a boundary layer. Empty: the first of the usual names that the
// layer has (case does not matter).
struct BoundaryFields {
    std::string code;       // XZQDM, adcode, PAC, code
    std::string name;       // name, XZQMC, county
    std::string city_code;  // city_adcode, city_code, CITYDM, SJDM
    std::string city;       // city_name, city, SJMC
    std::string circle;     // circle, economic_circle, JJQ, 经济圈
};

struct BoundaryCounty {
    std::int64_t fid = 0;
    std::string code;  // six digits (GB/T 2260)
    std::string name, city_code, city, circle;  // empty when the layer has no such field
    geos::GeomPtr geom;  // valid MultiPolygon; null when geometries are not read
};

struct BoundaryOptions {
    BoundaryFields fields;    // given by the user; the others are guessed
    bool places = true;       // also the name, city and circle fields, not only the code
    // false: only the fields named in `fields` are read, none guessed
    // (zone-build's scheme names its fields).
    bool guess_fields = true;
    bool geometry = true;     // read (and check) the geometries too
    std::string encoding;     // Shapefile text encoding when no .cpg says it
    // With geometries: reproject into this CRS (WKT) within the tolerance
    // (zone/io/source.hpp ReadOptions); empty keeps the layer's CRS.
    std::string target_crs_wkt;
    double reproject_tolerance = 0;
    // How the user names the code field, for the message when none is found
    // ("--boundary-code-field").
    std::string code_field_option;
    int threads = 0;  // for checking and repairing the geometries; 0: one per core
};

struct Boundary {
    std::string file;   // as the user named it
    std::string layer;
    std::string crs_wkt;        // with geometries: the CRS they are in
    bool crs_geographic = false;
    int repaired = 0;           // invalid geometries made valid
    int skipped_null = 0;       // features without geometry, left out of `counties`
    BoundaryFields fields;      // the fields read; empty for those the layer lacks
    std::vector<BoundaryCounty> counties;  // in the layer's order
};

// Reads county boundaries from a GDAL source (the layer rule of
// open_vector_layer, without a default layer). Throws InputError naming file,
// layer, feature and field: no county code field, a named field the layer
// lacks, a county code that is not six digits or is not unique, and (with
// geometries) what read_polygon_layer refuses. Without geometries, text that
// is not UTF-8 is read as GBK.
Boundary read_boundary(const geos::Context& ctx, const std::string& source, const BoundaryOptions& options = {});

// The places of a boundary only, without geometries: each county's code,
// name, city and economic circle (what the project checker needs to know
// which city and circle a unit is in).
Boundary read_county_places(const std::string& source, const std::string& encoding);

}  // namespace zone
