// Writing the unit layer (zonekit(7) UNIT LAYER) through GDAL, atomically.
#pragma once

#include "zone/build/build.hpp"

#include <string>
#include <vector>

namespace zone {

struct WriteOptions {
    std::string path;        // file to write; "-" is standard output
    std::string format;      // GDAL driver name; empty: from the extension (GeoJSON for "-")
    std::string layer = "units";
    std::string encoding;    // Shapefile text encoding: UTF-8 (default) or GBK
    std::string description; // stored as the layer's description where the format can
    bool overwrite = false;
    std::vector<std::string> inputs;  // sources (GDAL) that must never be replaced by the output
    // Highest serials ever used ("370102:1:12;…", see zone/io/previous.hpp),
    // stored as layer metadata where the format keeps it (GeoPackage).
    std::string max_serials;
};

// The GDAL driver for an output path by its extension; throws InputError for
// an extension zonekit does not write.
std::string driver_for_path(const std::string& path);

// Checks, before any work is done, that the output can be written as asked:
// a known format, and what OutputPlan checks (not an input, not existing
// unless overwrite, a writable folder). Throws InputError.
void check_output(const WriteOptions& options);

// Writes through StagedOutputs (a temporary name beside the target, renamed
// at the end), so a failure leaves nothing behind. Throws InputError or std::runtime_error.
void write_units(const std::vector<Unit>& units, const std::string& crs_wkt, const WriteOptions& options);

}  // namespace zone
