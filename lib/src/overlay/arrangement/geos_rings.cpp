#include "overlay/arrangement/geos_rings.hpp"

#include <algorithm>
#include <cstring>

namespace zone::arrangement {

namespace {

using Points = std::vector<std::pair<double, double>>;

// Sutherland-Hodgman against one side of the rectangle.
template <class Inside, class Cut>
void clip_side(Points& pts, Inside inside, Cut cut) {
    if (pts.empty()) return;
    Points out;
    out.reserve(pts.size() + 4);
    for (std::size_t i = 0; i < pts.size(); ++i) {
        const auto& a = pts[i];
        const auto& b = pts[(i + 1) % pts.size()];
        const bool ia = inside(a), ib = inside(b);
        if (ia) out.push_back(a);
        if (ia != ib) out.push_back(cut(a, b));
    }
    pts.swap(out);
}

void clip_to(Points& pts, const ClipRect& r) {
    auto at_x = [](const auto& a, const auto& b, double x) {
        return std::pair{x, a.second + (b.second - a.second) * (x - a.first) / (b.first - a.first)};
    };
    auto at_y = [](const auto& a, const auto& b, double y) {
        return std::pair{a.first + (b.first - a.first) * (y - a.second) / (b.second - a.second), y};
    };
    clip_side(pts, [&](const auto& p) { return p.first >= r.minx; }, [&](const auto& a, const auto& b) { return at_x(a, b, r.minx); });
    clip_side(pts, [&](const auto& p) { return p.first <= r.maxx; }, [&](const auto& a, const auto& b) { return at_x(a, b, r.maxx); });
    clip_side(pts, [&](const auto& p) { return p.second >= r.miny; }, [&](const auto& a, const auto& b) { return at_y(a, b, r.miny); });
    clip_side(pts, [&](const auto& p) { return p.second <= r.maxy; }, [&](const auto& a, const auto& b) { return at_y(a, b, r.maxy); });
}

void add_ring(RingSet& rings, const Grid& grid, const geos::Context& ctx, const GEOSGeometry* ring, int label,
              bool shell, const std::optional<ClipRect>& clip, std::vector<double>& buffer) {
    const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
    unsigned int n = 0;
    GEOSCoordSeq_getSize_r(ctx, seq, &n);
    if (n < 4) return;
    buffer.resize(2 * static_cast<std::size_t>(n));
    GEOSCoordSeq_copyToBuffer_r(ctx, seq, buffer.data(), 0, 0);
    const std::size_t start = rings.points.size();
    auto push = [&](double x, double y) {
        const GridPoint p{grid.snap(x), grid.snap(y)};
        if (rings.points.size() > start && rings.points.back() == p) return;
        rings.points.push_back(p);
    };
    bool outside_clip = false;
    if (clip) {
        double x0 = buffer[0], y0 = buffer[1], x1 = x0, y1 = y0;
        for (unsigned i = 1; i < n; ++i) {
            x0 = std::min(x0, buffer[2 * i]), x1 = std::max(x1, buffer[2 * i]);
            y0 = std::min(y0, buffer[2 * i + 1]), y1 = std::max(y1, buffer[2 * i + 1]);
        }
        if (x1 < clip->minx || x0 > clip->maxx || y1 < clip->miny || y0 > clip->maxy) return;
        outside_clip = x0 < clip->minx || x1 > clip->maxx || y0 < clip->miny || y1 > clip->maxy;
    }
    if (outside_clip) {
        Points pts;
        pts.reserve(n - 1);
        for (unsigned i = 0; i + 1 < n; ++i) pts.emplace_back(buffer[2 * i], buffer[2 * i + 1]);
        clip_to(pts, *clip);
        for (const auto& [x, y] : pts) push(x, y);
    } else {
        for (unsigned i = 0; i + 1 < n; ++i) push(buffer[2 * i], buffer[2 * i + 1]);
    }
    while (rings.points.size() > start + 1 && rings.points.back() == rings.points[start]) rings.points.pop_back();
    if (rings.points.size() < start + 3) {
        rings.points.resize(start);
        return;
    }
    i128 area2 = 0;
    const GridPoint o = rings.points[start];
    for (std::size_t i = start + 1; i + 1 < rings.points.size(); ++i) {
        const GridPoint p = rings.points[i], q = rings.points[i + 1];
        area2 += cross(p.x - o.x, p.y - o.y, q.x - o.x, q.y - o.y);
    }
    if (area2 == 0) {
        rings.points.resize(start);
        return;
    }
    if ((area2 > 0) != shell) std::reverse(rings.points.begin() + static_cast<std::ptrdiff_t>(start), rings.points.end());
    rings.close_ring(label);
}

void add_polygon(RingSet& rings, const Grid& grid, const geos::Context& ctx, const GEOSGeometry* poly, int label,
                 const std::optional<ClipRect>& clip, std::vector<double>& buffer) {
    if (GEOSisEmpty_r(ctx, poly)) return;
    add_ring(rings, grid, ctx, GEOSGetExteriorRing_r(ctx, poly), label, true, clip, buffer);
    const int holes = GEOSGetNumInteriorRings_r(ctx, poly);
    for (int i = 0; i < holes; ++i)
        add_ring(rings, grid, ctx, GEOSGetInteriorRingN_r(ctx, poly, i), label, false, clip, buffer);
}

void add_any(RingSet& rings, const Grid& grid, const geos::Context& ctx, const GEOSGeometry* g, int label,
             const std::optional<ClipRect>& clip, std::vector<double>& buffer) {
    const int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON) {
        add_polygon(rings, grid, ctx, g, label, clip, buffer);
    } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx, g);
        for (int i = 0; i < n; ++i) add_any(rings, grid, ctx, GEOSGetGeometryN_r(ctx, g, i), label, clip, buffer);
    }
}

// Geometries on their way into a GEOS constructor, destroyed if it is never reached.
struct OwnedParts {
    const geos::Context& ctx;
    std::vector<GEOSGeometry*> parts;
    explicit OwnedParts(const geos::Context& c) : ctx(c) {}
    ~OwnedParts() {
        for (GEOSGeometry* g : parts) GEOSGeom_destroy_r(ctx, g);
    }
    OwnedParts(const OwnedParts&) = delete;
    OwnedParts& operator=(const OwnedParts&) = delete;
};

geos::GeomPtr ring_geom(const geos::Context& ctx, const Arrangement& a, const Grid& grid, const std::vector<int>& ring) {
    geos::CoordSeqPtr seq(GEOSCoordSeq_create_r(ctx, static_cast<unsigned>(ring.size() + 1), 2),
                          geos::CoordSeqDeleter{ctx.handle()});
    for (std::size_t i = 0; i <= ring.size(); ++i) {
        const GridPoint p = a.nodes()[ring[i % ring.size()]];
        GEOSCoordSeq_setXY_r(ctx, seq.get(), static_cast<unsigned>(i), grid.value(p.x), grid.value(p.y));
    }
    return geos::own(ctx, GEOSGeom_createLinearRing_r(ctx, seq.release()), "ring");
}

}  // namespace

void add_polygonal(RingSet& rings, const Grid& grid, const geos::Context& ctx, const GEOSGeometry* g, int label,
                   const std::optional<ClipRect>& clip) {
    std::vector<double> buffer;
    add_any(rings, grid, ctx, g, label, clip, buffer);
}

geos::GeomPtr to_geos_polygon(const geos::Context& ctx, const Arrangement& a, const Grid& grid,
                              const PolygonRings& p) {
    geos::GeomPtr shell = ring_geom(ctx, a, grid, p.shell);
    OwnedParts holes(ctx);
    for (const auto& h : p.holes) holes.parts.push_back(ring_geom(ctx, a, grid, h).release());
    GEOSGeometry* poly = GEOSGeom_createPolygon_r(ctx, shell.release(), holes.parts.data(),
                                                  static_cast<unsigned>(holes.parts.size()));
    holes.parts.clear();  // the polygon owns them now
    return geos::own(ctx, poly, "polygon");
}

geos::GeomPtr to_geos_multipolygon(const geos::Context& ctx, const Arrangement& a, const Grid& grid,
                                   const std::vector<PolygonRings>& ps) {
    OwnedParts polys(ctx);
    for (const auto& p : ps) polys.parts.push_back(to_geos_polygon(ctx, a, grid, p).release());
    GEOSGeometry* m = GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polys.parts.data(),
                                                  static_cast<unsigned>(polys.parts.size()));
    polys.parts.clear();  // the collection owns them now
    return geos::own(ctx, m, "multipolygon");
}

std::vector<unsigned char> to_wkb(const Arrangement& a, const Grid& grid, const std::vector<PolygonRings>& ps) {
    std::size_t size = 9;
    for (const auto& p : ps) {
        size += 9 + 4 + 16 * (p.shell.size() + 1);
        for (const auto& h : p.holes) size += 4 + 16 * (h.size() + 1);
    }
    std::vector<unsigned char> out(size);
    unsigned char* w = out.data();
    auto put_u32 = [&](std::uint32_t v) {
        std::memcpy(w, &v, 4);  // little-endian machines only (x86-64, arm64)
        w += 4;
    };
    auto put_ring = [&](const std::vector<int>& ring) {
        put_u32(static_cast<std::uint32_t>(ring.size() + 1));
        for (std::size_t i = 0; i <= ring.size(); ++i) {
            const GridPoint p = a.nodes()[ring[i % ring.size()]];
            const double xy[2] = {grid.value(p.x), grid.value(p.y)};
            std::memcpy(w, xy, 16);
            w += 16;
        }
    };
    *w++ = 1;
    put_u32(6);
    put_u32(static_cast<std::uint32_t>(ps.size()));
    for (const auto& p : ps) {
        *w++ = 1;
        put_u32(3);
        put_u32(static_cast<std::uint32_t>(1 + p.holes.size()));
        put_ring(p.shell);
        for (const auto& h : p.holes) put_ring(h);
    }
    return out;
}

std::pair<double, double> centroid(const Arrangement& a, const Grid& grid, const std::vector<PolygonRings>& ps) {
    if (ps.empty() || ps[0].shell.empty()) return {0, 0};
    const GridPoint base = a.nodes()[ps[0].shell[0]];
    double area = 0, cx = 0, cy = 0;
    auto add = [&](const std::vector<int>& ring) {
        for (std::size_t i = 0; i < ring.size(); ++i) {
            const GridPoint p = a.nodes()[ring[i]], q = a.nodes()[ring[(i + 1) % ring.size()]];
            const double px = static_cast<double>(p.x - base.x), py = static_cast<double>(p.y - base.y);
            const double qx = static_cast<double>(q.x - base.x), qy = static_cast<double>(q.y - base.y);
            const double c = px * qy - qx * py;
            area += c;
            cx += c * (px + qx);
            cy += c * (py + qy);
        }
    };
    for (const auto& p : ps) {
        add(p.shell);
        for (const auto& h : p.holes) add(h);
    }
    if (area == 0) return {grid.value(base.x), grid.value(base.y)};
    return {grid.value(base.x) + cx / (3 * area) / grid.scale, grid.value(base.y) + cy / (3 * area) / grid.scale};
}

}  // namespace zone::arrangement
