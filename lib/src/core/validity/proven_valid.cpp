#include "core/validity/proven_valid.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

namespace zone::validity {
namespace {

struct Point {
    double x, y;
};

// Sign of the orientation of (a, b, c): +1 left turn, -1 right turn, 0 when
// floating point cannot tell (Shewchuk's orient2d filter, error bound A).
int certain_orientation(Point a, Point b, Point c) {
    constexpr double epsilon = 0x1p-53;
    constexpr double bound = (3.0 + 16.0 * epsilon) * epsilon;
    const double left = (a.x - c.x) * (b.y - c.y);
    const double right = (a.y - c.y) * (b.x - c.x);
    const double det = left - right;
    const double err = bound * (std::fabs(left) + std::fabs(right));
    if (det > err) return 1;
    if (-det > err) return -1;
    return 0;
}

// Two edges without a shared vertex: true if they certainly do not meet.
bool certainly_apart(Point p, Point q, Point r, Point s) {
    const int r_side = certain_orientation(p, q, r), s_side = certain_orientation(p, q, s);
    if (r_side != 0 && r_side == s_side) return true;
    const int p_side = certain_orientation(r, s, p), q_side = certain_orientation(r, s, q);
    return p_side != 0 && p_side == q_side;
}

// Consecutive edges p→q, q→r: true if they certainly meet only at q, i.e. r
// does not turn back onto p→q. A certain turn settles it; so does a straight
// continuation (the scalar product of the two directions is certainly
// positive: both products are exact to half an ulp, the sum to one more).
bool certainly_only_at_vertex(Point p, Point q, Point r) {
    if (certain_orientation(p, q, r) != 0) return true;
    const double ux = q.x - p.x, uy = q.y - p.y, vx = r.x - q.x, vy = r.y - q.y;
    const double a = ux * vx, b = uy * vy;
    return a + b > 4 * 0x1p-53 * (std::fabs(a) + std::fabs(b));
}

struct Edge {
    double min_x, max_x, min_y, max_y;
    std::size_t from;  // index of its first point in the ring without repeats
};

}  // namespace

bool ring_is_proven_simple(const double* xy, std::size_t n) {
    if (n < 4 || xy[0] != xy[2 * (n - 1)] || xy[1] != xy[2 * (n - 1) + 1]) return false;
    // The ring without repeated consecutive points (GEOS ignores them).
    // Scratch kept per thread: the check runs once per feature read.
    thread_local std::vector<Point> ring;
    thread_local std::vector<Edge> edges;
    ring.clear();
    for (std::size_t i = 0; i < n; ++i) {
        const Point p{xy[2 * i], xy[2 * i + 1]};
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
        if (!ring.empty() && ring.back().x == p.x && ring.back().y == p.y) continue;
        ring.push_back(p);
    }
    const std::size_t m = ring.size() - 1;  // edges; ring[m] == ring[0]
    if (m < 3) return false;

    for (std::size_t i = 0; i < m; ++i)
        if (!certainly_only_at_vertex(ring[i], ring[i + 1], ring[i + 2 > m ? 1 : i + 2])) return false;

    // Edges by the left end of their box; each is tested against the later
    // ones whose box starts before it ends.
    edges.resize(m);
    for (std::size_t i = 0; i < m; ++i) {
        const Point a = ring[i], b = ring[i + 1];
        edges[i] = {std::min(a.x, b.x), std::max(a.x, b.x), std::min(a.y, b.y), std::max(a.y, b.y), i};
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) { return a.min_x < b.min_x; });
    for (std::size_t i = 0; i < m; ++i) {
        const Edge& e = edges[i];
        for (std::size_t j = i + 1; j < m && edges[j].min_x <= e.max_x; ++j) {
            const Edge& f = edges[j];
            if (f.min_y > e.max_y || f.max_y < e.min_y) continue;
            const std::size_t gap = e.from > f.from ? e.from - f.from : f.from - e.from;
            if (gap == 1 || gap == m - 1) continue;  // consecutive: checked above
            if (!certainly_apart(ring[e.from], ring[e.from + 1], ring[f.from], ring[f.from + 1])) return false;
        }
    }
    return true;
}

bool polygon_is_proven_valid(GEOSContextHandle_t ctx, const GEOSGeometry* g, std::vector<double>& xy) {
    int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_MULTIPOLYGON) {
        if (GEOSGetNumGeometries_r(ctx, g) != 1) return false;
        g = GEOSGetGeometryN_r(ctx, g, 0);
        type = GEOSGeomTypeId_r(ctx, g);
    }
    if (type != GEOS_POLYGON || GEOSGetNumInteriorRings_r(ctx, g) != 0) return false;
    const GEOSGeometry* shell = GEOSGetExteriorRing_r(ctx, g);
    const GEOSCoordSequence* seq = shell ? GEOSGeom_getCoordSeq_r(ctx, shell) : nullptr;
    unsigned size = 0;
    if (!seq || !GEOSCoordSeq_getSize_r(ctx, seq, &size) || size < 4) return false;
    xy.resize(2 * static_cast<std::size_t>(size));
    if (!GEOSCoordSeq_copyToBuffer_r(ctx, seq, xy.data(), 0, 0)) return false;
    return ring_is_proven_simple(xy.data(), size);
}

}  // namespace zone::validity
