// Exact zonal statistics of rasters per unit: every pixel weighs the exact
// share of it that lies inside the unit (its coverage fraction, as
// exactextract computes it), so a unit's figures do not depend on whether
// pixel centres happen to fall inside it.
//
// The unit polygons are transformed to the raster's CRS and the raster is
// never resampled. Rasters are read through GDAL (GeoTIFF, COG, VRT …) a
// window at a time, so memory stays bounded whatever the raster's size.
#pragma once

#include "zone/core/geos.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace zone {

struct PolygonFeature;

// ------------------------------------------------------------------ grid

// A raster's pixel grid: size and affine geotransform (GDAL's order).
struct RasterGrid {
    int width = 0, height = 0;
    std::array<double, 6> transform{0, 1, 0, 0, 0, -1};
    bool geographic = false;  // CRS in degrees: cells of a row differ in area from those of another
    // How much a cell of `row` weighs relative to one at the equator: 1 in a
    // projected CRS; in degrees the cell's area on the sphere, (sin φ_top −
    // sin φ_bottom) / Δφ, so that means and shares are of area, not of cells.
    double row_weight(int row) const;
};

// ------------------------------------------------------------------ coverage

// A polygon in pixel coordinates (column, row; 0,0 the top-left corner of
// the top-left pixel): rings with shells and holes told apart. The map from
// the CRS to pixels is affine, so shares of area are the same in both.
struct PixelRing {
    std::vector<double> xy;  // x0, y0, x1, y1, … closed (last point = first)
    bool hole = false;
};
std::vector<PixelRing> to_pixel_rings(const geos::Context& ctx, const GEOSGeometry* polygonal, const RasterGrid& grid);

// The coverage fraction of every cell a polygon touches, on the unbounded
// grid of pixel coordinates, stored sparsely: per row, steps (column, value)
// in column order; a cell's fraction is the value of the last step at or
// before its column (0 before the first). Computed as an exact area integral
// over the polygon's edges split at every grid line (the accumulation of
// exact-area scan conversion): memory grows with the boundary, not the area.
class CoverageFractions {
public:
    struct Step {
        int col;
        double fraction;
    };
    int row_begin() const { return row_begin_; }
    int row_end() const { return row_begin_ + static_cast<int>(rows_.size()); }
    int col_begin() const { return col_begin_; }
    int col_end() const { return col_end_; }
    // Steps of `row` (row_begin() <= row < row_end()).
    const std::vector<Step>& steps(int row) const { return rows_[static_cast<std::size_t>(row - row_begin_)]; }
    // Calls f(row, col_begin, col_end, fraction) for every run of cells with
    // the same fraction > 0 within columns [col0, col1) and rows [row0, row1).
    void for_each_run(int row0, int row1, int col0, int col1,
                      const std::function<void(int, int, int, double)>& f) const;
    // The polygon's area in pixels (shoelace), inside the raster or not.
    double area() const { return area_; }

    static CoverageFractions compute(const std::vector<PixelRing>& rings);

private:
    int row_begin_ = 0, col_begin_ = 0, col_end_ = 0;
    std::vector<std::vector<Step>> rows_;
    double area_ = 0;
};

// ------------------------------------------------------------------ raster

// One band of a GDAL raster opened for reading by one thread (GDAL datasets
// are not shared between threads). Validity comes from GDAL's mask band
// (nodata value, alpha band, per-dataset mask) and NaN; values are scaled
// (value · scale + offset) unless read as classes.
class RasterReader {
public:
    RasterReader(const std::string& path, int band);
    ~RasterReader();
    RasterReader(const RasterReader&) = delete;
    RasterReader& operator=(const RasterReader&) = delete;

    const RasterGrid& grid() const { return grid_; }
    const std::string& crs_wkt() const { return crs_wkt_; }
    double scale() const { return scale_; }
    double offset() const { return offset_; }
    // Reads rows [row0, row1) × columns [col0, col1) (inside the raster):
    // `values` raw (unscaled) and `valid` 0/1, row-major.
    void read(int row0, int row1, int col0, int col1, std::vector<double>& values, std::vector<unsigned char>& valid);

private:
    struct Impl;
    Impl* impl_;
    RasterGrid grid_;
    std::string crs_wkt_;
    double scale_ = 1, offset_ = 0;
};

// What a raster is, read once before the work: for messages and checks.
struct RasterInfo {
    std::string path;
    int band = 1;
    RasterGrid grid;
    std::string crs_wkt;
    std::string crs_name;
    bool has_nodata = false;
    double nodata = 0;
    double scale = 1, offset = 0;
};
// Throws InputError naming the file: not a raster, no such band, no CRS, no
// geotransform.
RasterInfo inspect_raster(const std::string& path, int band = 1);

// ------------------------------------------------------------------ statistics

struct ZonalStats {
    double area_px = 0;   // the unit's area in pixels (inside the raster or not)
    double weight = 0;    // Σ coverage · row weight over the unit: its area in equator-cell units
    double valid = 0;     // the same over valid cells only
    double count = 0;     // Σ coverage over valid cells (exactextract's count)
    std::int64_t cells = 0;  // valid cells that the unit covers at all
    double sum = 0;       // Σ coverage · value over valid cells (exactextract's sum)
    double mean = std::numeric_limits<double>::quiet_NaN();  // area-weighted
    double min = std::numeric_limits<double>::quiet_NaN();
    double max = std::numeric_limits<double>::quiet_NaN();
    // Categorical: raw class value -> area share of the unit's valid part.
    std::map<std::int64_t, double> class_shares;
    // The share of the unit's area with a valid value: outside the raster,
    // nodata and masked cells are not valid.
    double valid_share() const { return weight > 0 ? valid / weight : 0; }
};

struct ZonalOptions {
    int band = 1;
    bool categorical = false;  // class shares of raw integer values
    int threads = 0;           // 0: one per core
    std::function<void(double)> progress;
};

// Statistics of one polygon (in the raster's CRS) from an open reader.
ZonalStats zonal_stats(const geos::Context& ctx, const GEOSGeometry* polygon, RasterReader& raster, bool categorical);

// Statistics of every feature (geometries already in the raster's CRS), in
// feature order, in parallel.
std::vector<ZonalStats> zonal_statistics(const std::vector<PolygonFeature>& features, const std::string& raster,
                                         const ZonalOptions& options);

}  // namespace zone
