// Statistics of a raster within a polygon, every cell weighted by its
// coverage fraction (and, in degrees, by its area), read a window of rows at
// a time.
#include "core/parallel.hpp"
#include "zone/io/source.hpp"
#include "zone/monitor/zonal.hpp"

#include <algorithm>
#include <cmath>

namespace zone {

namespace {

// Cells read at once: about 9 MB of values and mask, whatever the unit's size.
constexpr std::int64_t window_cells = 1 << 20;

}  // namespace

ZonalStats zonal_stats(const geos::Context& ctx, const GEOSGeometry* polygon, RasterReader& raster, bool categorical) {
    const RasterGrid& grid = raster.grid();
    const CoverageFractions cover = CoverageFractions::compute(to_pixel_rings(ctx, polygon, grid));
    ZonalStats s;
    s.area_px = cover.area();
    // The unit's whole area, in the weights of its rows, outside the raster too.
    for (int r = cover.row_begin(); r < cover.row_end(); ++r) {
        const double w = grid.row_weight(r);
        cover.for_each_run(r, r + 1, cover.col_begin(), cover.col_end(),
                           [&](int, int b, int e, double f) { s.weight += f * (e - b) * w; });
    }

    const int col0 = std::max(0, cover.col_begin()), col1 = std::min(grid.width, cover.col_end());
    const int row0 = std::max(0, cover.row_begin()), row1 = std::min(grid.height, cover.row_end());
    if (col0 >= col1 || row0 >= row1) return s;
    const int rows_per_window = static_cast<int>(std::max<std::int64_t>(1, window_cells / (col1 - col0)));
    const double scale = raster.scale(), offset = raster.offset();
    double weighted_sum = 0;
    std::vector<double> values;
    std::vector<unsigned char> valid;
    for (int w0 = row0; w0 < row1; w0 += rows_per_window) {
        const int w1 = std::min(row1, w0 + rows_per_window);
        raster.read(w0, w1, col0, col1, values, valid);
        cover.for_each_run(w0, w1, col0, col1, [&](int r, int b, int e, double f) {
            const double rw = grid.row_weight(r);
            const std::size_t base = static_cast<std::size_t>(r - w0) * static_cast<std::size_t>(col1 - col0);
            for (int c = b; c < e; ++c) {
                const std::size_t i = base + static_cast<std::size_t>(c - col0);
                if (!valid[i]) continue;
                const double raw = values[i];
                ++s.cells;
                s.count += f;
                s.valid += f * rw;
                if (categorical) {
                    s.class_shares[static_cast<std::int64_t>(std::llround(raw))] += f * rw;
                    continue;
                }
                const double v = raw * scale + offset;
                s.sum += f * v;
                weighted_sum += f * rw * v;
                if (!(s.min <= v)) s.min = v;
                if (!(s.max >= v)) s.max = v;
            }
        });
    }
    if (s.valid > 0) {
        if (!categorical) s.mean = weighted_sum / s.valid;
        for (auto& [value, share] : s.class_shares) share /= s.valid;
    }
    return s;
}

std::vector<ZonalStats> zonal_statistics(const std::vector<PolygonFeature>& features, const std::string& raster,
                                         const ZonalOptions& options) {
    std::vector<ZonalStats> out(features.size());
    std::vector<std::size_t> order(features.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    // The largest units first, so that no thread is left with a big one at the end.
    std::vector<double> size(features.size());
    {
        geos::Context ctx;
        for (std::size_t i = 0; i < features.size(); ++i) size[i] = geos::planar_area(ctx, features[i].geom.get());
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return size[a] > size[b]; });
    struct Worker {
        geos::Context ctx;
        RasterReader reader;
        Worker(const std::string& path, int band) : reader(path, band) {}
    };
    detail::run_parallel(
        order, options.threads, [&] { return std::make_unique<Worker>(raster, options.band); },
        [&](Worker& w, std::size_t i) {
            // Geometries are read by every thread; GEOS reads a coordinate
            // sequence without touching the context that made it.
            out[i] = zonal_stats(w.ctx, features[i].geom.get(), w.reader, options.categorical);
        },
        options.progress);
    return out;
}

}  // namespace zone
