// Reading polygon layers through GDAL into GEOS geometries.
#pragma once

#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

class GDALDataset;
class OGRLayer;
class OGRSpatialReference;

namespace zone {

// A GDAL source with an optional layer, written QGIS's way:
// "factors.gpkg|layername=redline". "-" is standard input.
struct SourceRef {
    std::string path;
    std::string layer;  // empty: the only layer, or `units` when there are several
    std::string display() const;
};

SourceRef parse_source(const std::string& spec);

// Closes a GDAL dataset with GDALClose, as GDALDatasetUniquePtr does: a
// dataset is never deleted, its driver may own it. Declared here so that the
// users of this header need not compile GDAL's C++ headers.
struct DatasetClose {
    void operator()(GDALDataset* dataset) const;
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetClose>;

// A layer of a GDAL source, open.
struct VectorLayer {
    DatasetPtr dataset;
    OGRLayer* layer = nullptr;  // owned by `dataset`
    // The source as the user named it ("-" for standard input) and the layer's
    // name (empty for a single-layer format read from standard input, which
    // has no file name to take one from): for messages and reports.
    Where where;
    bool shapefile = false;
};

struct OpenLayerOptions {
    std::string encoding;  // Shapefile text encoding when no .cpg says it (GDAL's ENCODING)
    std::vector<std::string> open_options;  // further GDAL open options, NAME=VALUE
    // The layer taken from a source of several layers when none is named;
    // empty: one must be named.
    std::string default_layer = "units";
    // true: with several layers and none named (nor `default_layer`), the
    // first one (a workbook's first sheet) rather than an error.
    bool first_layer_when_several = false;
    // Prefixed to standard input's copy when GDAL cannot tell its format by
    // its bytes ("CSV:").
    std::string stdin_prefix;
};

// Opens the layer a source names (zonekit(7) NAMING INPUTS): the one named
// with |layername=, else the only one (QGIS's layer_styles table does not
// count), else `default_layer`. "-" is standard input, read once into memory
// however often it is opened. Throws InputError naming the file and layer:
// no such file, not a vector source, no such layer, several layers.
VectorLayer open_vector_layer(const SourceRef& source, const OpenLayerOptions& options = {});

struct ReadOptions {
    std::vector<std::string> fields;  // text fields to read; each must exist
    std::string where;                // OGR SQL attribute filter
    std::string encoding;             // Shapefile text encoding when no .cpg says it
    // Reproject into this CRS (WKT); empty keeps the source CRS. Edges are
    // followed within `reproject_tolerance` (target CRS units; 0: half the
    // default grid, see zone/core/reproject.hpp).
    std::string target_crs_wkt;
    double reproject_tolerance = 0;
    bool allow_empty = false;
    int threads = 0;  // for checking and repairing the geometries; 0: one per core
};

struct PolygonFeature {
    std::int64_t fid = 0;
    geos::GeomPtr geom;               // valid MultiPolygon, never empty
    std::vector<std::string> values;  // ReadOptions::fields, in order, UTF-8
};

struct PolygonLayer {
    SourceRef source;
    std::string layer_name;
    std::string crs_wkt;          // the CRS of `features` (the target CRS when reprojected)
    bool crs_geographic = false;
    std::vector<PolygonFeature> features;
    int repaired = 0;             // invalid geometries made valid
    int skipped_null = 0;         // features without geometry, left out
};

// Reads every polygon of a layer into `ctx`, checking what a person would want
// checked: the file opens, the layer exists, the fields exist, text decodes as
// UTF-8, there is a CRS, geometries are polygonal, finite and valid (invalid
// ones are repaired with GEOS MakeValid, structure method). Throws InputError
// naming the file, layer, feature and field.
PolygonLayer read_polygon_layer(const geos::Context& ctx, const SourceRef& source,
                                const ReadOptions& options);

// True when `text` is well-formed UTF-8.
bool is_valid_utf8(const std::string& text);

// Registers GDAL's drivers once; safe to call repeatedly.
void gdal_init();

}  // namespace zone
