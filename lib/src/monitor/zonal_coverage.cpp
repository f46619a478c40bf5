// Coverage fractions: the exact share of every grid cell inside a polygon.
//
// exactextract walks each ring through the cells it crosses and measures, in
// each, the area on the inner side of the ring's pieces. The same exact areas
// come out of an edge integral, which needs no walk round the cell borders:
// at height y, a cell [c, c+1) is covered for ∫ w(x) dx, w the winding number,
// and w changes by ±1 at every edge crossing. So an edge piece inside cell
// (r, c) covers (c + 1 − x̄)·Δy of that cell (a trapezoid, x̄ the mean x of the
// piece) and Δy of every cell to its right in the row. Adding the first at c
// and the rest at c + 1 as a step, and summing the steps along the row, gives
// every cell's fraction with work and memory in the number of boundary cells;
// cells in the interior are runs of 1 between steps.
#include "zone/monitor/zonal.hpp"

#include <gdal_alg.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace zone {

namespace {

// Fractions this close to 0 or 1 are rounding noise of the step sums (a
// row's sum runs over its boundary cells, each exact to ~1e-16).
constexpr double snap = 1e-12;

double ring_area(const std::vector<double>& xy) {
    double a = 0;
    for (std::size_t i = 0; i + 3 < xy.size(); i += 2) a += xy[i] * xy[i + 3] - xy[i + 2] * xy[i + 1];
    return a / 2;
}

class Accumulator {
public:
    Accumulator(int row_begin, int rows) : row_begin_(row_begin), rows_(static_cast<std::size_t>(rows)) {}

    // The edge (x0, y0) → (x1, y1) of a ring counted with `sign`.
    void edge(double x0, double y0, double x1, double y1, double sign) {
        if (y0 == y1) return;  // horizontal edges change no winding number
        if (y0 > y1) {
            std::swap(x0, x1);
            std::swap(y0, y1);
            sign = -sign;
        }
        const double slope = (x1 - x0) / (y1 - y0);
        const int r0 = static_cast<int>(std::floor(y0));
        const int r1 = std::max(r0, static_cast<int>(std::ceil(y1)) - 1);
        for (int r = r0; r <= r1; ++r) {
            const double ya = std::max(y0, static_cast<double>(r)), yb = std::min(y1, static_cast<double>(r) + 1);
            if (yb <= ya) continue;
            const double xa = ya == y0 ? x0 : x0 + (ya - y0) * slope;
            const double xb = yb == y1 ? x1 : x0 + (yb - y0) * slope;
            row_piece(r, xa, xb, (yb - ya) * sign);
        }
    }

    std::vector<std::vector<CoverageFractions::Step>> finish() {
        std::vector<std::vector<CoverageFractions::Step>> out(rows_.size());
        for (std::size_t r = 0; r < rows_.size(); ++r) {
            auto& deltas = rows_[r];
            std::sort(deltas.begin(), deltas.end(), [](const auto& a, const auto& b) { return a.col < b.col; });
            double running = 0;
            auto& steps = out[r];
            for (std::size_t i = 0; i < deltas.size();) {
                const int col = deltas[i].col;
                for (; i < deltas.size() && deltas[i].col == col; ++i) running += deltas[i].fraction;
                double v = running;
                if (v < snap) v = 0;
                else if (v > 1 - snap) v = 1;
                if (steps.empty() ? v != 0 : steps.back().fraction != v) steps.push_back({col, v});
            }
            deltas.clear();
            deltas.shrink_to_fit();
        }
        return out;
    }

private:
    // A piece of an edge inside row `r` from x = xa to x = xb rising by `dy`
    // (signed): split at every column line it crosses.
    void row_piece(int r, double xa, double xb, double dy) {
        auto& deltas = rows_[static_cast<std::size_t>(r - row_begin_)];
        const double xl = std::min(xa, xb), xr = std::max(xa, xb);
        const int c0 = static_cast<int>(std::floor(xl));
        const int c1 = xr > xl ? std::max(c0, static_cast<int>(std::ceil(xr)) - 1) : c0;
        for (int c = c0; c <= c1; ++c) {
            const double xs = std::max(xl, static_cast<double>(c)), xe = std::min(xr, static_cast<double>(c) + 1);
            const double part = c0 == c1 ? dy : dy * (xe - xs) / (xr - xl);
            const double mid = (xs + xe) / 2 - c;
            deltas.push_back({c, part * (1 - mid)});
            deltas.push_back({c + 1, part * mid});
        }
    }

    int row_begin_;
    std::vector<std::vector<CoverageFractions::Step>> rows_;
};

}  // namespace

std::vector<PixelRing> to_pixel_rings(const geos::Context& ctx, const GEOSGeometry* polygonal, const RasterGrid& grid) {
    double inv[6];
    if (!GDALInvGeoTransform(const_cast<double*>(grid.transform.data()), inv))
        throw std::runtime_error("the raster's geotransform cannot be inverted");
    std::vector<PixelRing> rings;
    auto add = [&](const GEOSGeometry* ring, bool hole) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
        unsigned int n = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(ctx, seq, &n) || n < 4) return;
        PixelRing pr;
        pr.hole = hole;
        pr.xy.reserve(2 * n);
        for (unsigned int i = 0; i < n; ++i) {
            double x = 0, y = 0;
            GEOSCoordSeq_getXY_r(ctx, seq, i, &x, &y);
            pr.xy.push_back(inv[0] + inv[1] * x + inv[2] * y);
            pr.xy.push_back(inv[3] + inv[4] * x + inv[5] * y);
        }
        rings.push_back(std::move(pr));
    };
    auto polygon = [&](const GEOSGeometry* p) {
        add(GEOSGetExteriorRing_r(ctx, p), false);
        const int holes = GEOSGetNumInteriorRings_r(ctx, p);
        for (int i = 0; i < holes; ++i) add(GEOSGetInteriorRingN_r(ctx, p, i), true);
    };
    const int type = GEOSGeomTypeId_r(ctx, polygonal);
    if (type == GEOS_POLYGON) {
        polygon(polygonal);
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx, polygonal);
        for (int i = 0; i < n; ++i) {
            const GEOSGeometry* part = GEOSGetGeometryN_r(ctx, polygonal, i);
            if (GEOSGeomTypeId_r(ctx, part) == GEOS_POLYGON) polygon(part);
        }
    }
    return rings;
}

CoverageFractions CoverageFractions::compute(const std::vector<PixelRing>& rings) {
    CoverageFractions cf;
    double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
    for (const PixelRing& ring : rings)
        for (std::size_t i = 0; i + 1 < ring.xy.size(); i += 2) {
            xmin = std::min(xmin, ring.xy[i]);
            xmax = std::max(xmax, ring.xy[i]);
            ymin = std::min(ymin, ring.xy[i + 1]);
            ymax = std::max(ymax, ring.xy[i + 1]);
        }
    if (!(xmin <= xmax && ymin <= ymax)) return cf;
    cf.row_begin_ = static_cast<int>(std::floor(ymin));
    const int row_end = std::max(cf.row_begin_ + 1, static_cast<int>(std::ceil(ymax)));
    cf.col_begin_ = static_cast<int>(std::floor(xmin));
    cf.col_end_ = std::max(cf.col_begin_ + 1, static_cast<int>(std::ceil(xmax)));

    Accumulator acc(cf.row_begin_, row_end - cf.row_begin_);
    for (const PixelRing& ring : rings) {
        const double a = ring_area(ring.xy);
        if (a == 0) continue;
        cf.area_ += ring.hole ? -std::fabs(a) : std::fabs(a);
        // A ring whose shoelace area is positive has its inside where the
        // winding sum of its rising edges is negative: shells count as −sign,
        // holes the other way, whatever way round the ring was written.
        const double sign = (ring.hole ? 1.0 : -1.0) * (a > 0 ? 1.0 : -1.0);
        for (std::size_t i = 0; i + 3 < ring.xy.size(); i += 2)
            acc.edge(ring.xy[i], ring.xy[i + 1], ring.xy[i + 2], ring.xy[i + 3], sign);
    }
    cf.rows_ = acc.finish();
    return cf;
}

void CoverageFractions::for_each_run(int row0, int row1, int col0, int col1,
                                     const std::function<void(int, int, int, double)>& f) const {
    row0 = std::max(row0, row_begin());
    row1 = std::min(row1, row_end());
    col0 = std::max(col0, col_begin_);
    col1 = std::min(col1, col_end_);
    for (int r = row0; r < row1; ++r) {
        const auto& s = steps(r);
        for (std::size_t k = 0; k < s.size(); ++k) {
            if (s[k].fraction <= 0) continue;
            const int b = std::max(s[k].col, col0);
            const int e = std::min(k + 1 < s.size() ? s[k + 1].col : col_end_, col1);
            if (b < e) f(r, b, e, s[k].fraction);
        }
    }
}

}  // namespace zone
