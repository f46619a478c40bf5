#include "zone/overlay.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <tuple>
#include <unordered_map>

namespace zone {

namespace {

struct SegmentKey {
    std::int64_t x1, y1, x2, y2;
    bool operator==(const SegmentKey&) const = default;
};

struct SegmentHash {
    std::size_t operator()(const SegmentKey& k) const {
        std::uint64_t h = 1469598103934665603ull;
        for (std::int64_t v : {k.x1, k.y1, k.x2, k.y2}) {
            h ^= static_cast<std::uint64_t>(v);
            h *= 1099511628211ull;
            h ^= h >> 29;
        }
        return static_cast<std::size_t>(h);
    }
};

// Length of a segment in metres; for longitude/latitude an equirectangular
// approximation, which is plenty to rank shared borders.
double segment_length_m(double x1, double y1, double x2, double y2, bool geographic) {
    if (!geographic) return std::hypot(x2 - x1, y2 - y1);
    constexpr double metres_per_degree = 111319.49;
    const double lat = (y1 + y2) / 2 * M_PI / 180;
    return std::hypot((x2 - x1) * std::cos(lat) * metres_per_degree, (y2 - y1) * metres_per_degree);
}

class BorderCollector {
public:
    BorderCollector(double grid, bool geographic) : inv_grid_(1.0 / grid), geographic_(geographic) {}

    void add_face(const geos::Context& ctx, const GEOSGeometry* face, int index) {
        add_ring(ctx, GEOSGetExteriorRing_r(ctx, face), index);
        const int holes = GEOSGetNumInteriorRings_r(ctx, face);
        for (int i = 0; i < holes; ++i) add_ring(ctx, GEOSGetInteriorRingN_r(ctx, face, i), index);
    }

    // Faces with a segment that no other face shares.
    std::vector<bool> faces_with_open_edges(std::size_t nfaces) const {
        std::vector<bool> open(nfaces, false);
        for (const auto& [key, use] : first_face_)
            if (!use.shared) open[use.face] = true;
        return open;
    }

    std::vector<FaceGraph::Edge> edges() const {
        std::vector<FaceGraph::Edge> out;
        out.reserve(shared_.size());
        for (const auto& [key, len] : shared_)
            out.push_back({static_cast<int>(key >> 32), static_cast<int>(key & 0xffffffffu), len});
        std::sort(out.begin(), out.end(),
                  [](const auto& a, const auto& b) { return a.a != b.a ? a.a < b.a : a.b < b.b; });
        return out;
    }

private:
    void add_ring(const geos::Context& ctx, const GEOSGeometry* ring, int face) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
        unsigned int n = 0;
        GEOSCoordSeq_getSize_r(ctx, seq, &n);
        buffer_.resize(2 * static_cast<std::size_t>(n));
        if (n < 2) return;
        GEOSCoordSeq_copyToBuffer_r(ctx, seq, buffer_.data(), 0, 0);
        for (unsigned int i = 0; i + 1 < n; ++i) {
            const double* p = &buffer_[2 * i];
            SegmentKey key{std::llround(p[0] * inv_grid_), std::llround(p[1] * inv_grid_),
                           std::llround(p[2] * inv_grid_), std::llround(p[3] * inv_grid_)};
            if (std::tie(key.x2, key.y2) < std::tie(key.x1, key.y1)) {
                std::swap(key.x1, key.x2);
                std::swap(key.y1, key.y2);
            }
            auto [it, inserted] = first_face_.try_emplace(key, SegmentUse{face, false});
            if (inserted || it->second.face == face) continue;
            it->second.shared = true;
            const int a = std::min(it->second.face, face), b = std::max(it->second.face, face);
            const std::uint64_t pair = (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b);
            shared_[pair] += segment_length_m(p[0], p[1], p[2], p[3], geographic_);
        }
    }

    double inv_grid_;
    bool geographic_;
    std::vector<double> buffer_;
    struct SegmentUse {
        int face;
        bool shared;
    };
    std::unordered_map<SegmentKey, SegmentUse, SegmentHash> first_face_;
    std::unordered_map<std::uint64_t, double> shared_;
};

struct TreeDeleter {
    GEOSContextHandle_t ctx;
    void operator()(GEOSSTRtree* t) const { GEOSSTRtree_destroy_r(ctx, t); }
};

}  // namespace

Overlay overlay_polygons(const geos::Context& ctx, const GEOSGeometry* region_shared,
                         const std::vector<const GEOSGeometry*>& inputs_shared, double grid, bool geographic) {
    geos::GeomPtr region;
    geos::PreparedPtr region_prepared;
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    if (region_shared) {
        region = geos::clone(ctx, region_shared);
        region_prepared = geos::prepare(ctx, region.get());
        GEOSGeom_getExtent_r(ctx, region.get(), &minx, &miny, &maxx, &maxy);
        const double margin = 1000 * grid;
        minx -= margin, miny -= margin, maxx += margin, maxy += margin;
    }

    // 1. The inputs that count, and their outlines. Noding an input's outline
    //    with the region's is all the clipping needed: faces outside the
    //    region are dropped below. Outlines are only cut to (a margin around)
    //    the region's envelope, so an input far larger than the region costs little.
    struct Input {
        int index;
        geos::GeomPtr geom;
        geos::PreparedPtr prepared;  // made when first needed
    };
    std::vector<Input> used;
    used.reserve(inputs_shared.size());
    std::vector<GEOSGeometry*> lines;
    struct LinesGuard {
        const geos::Context& c;
        std::vector<GEOSGeometry*>& v;
        ~LinesGuard() { for (GEOSGeometry* g : v) if (g) GEOSGeom_destroy_r(c, g); }
    } lines_guard{ctx, lines};
    lines.reserve(inputs_shared.size() + 1);
    if (region) lines.push_back(geos::own(ctx, GEOSBoundary_r(ctx, region.get()), "region outline").release());
    for (std::size_t i = 0; i < inputs_shared.size(); ++i) {
        const GEOSGeometry* g = inputs_shared[i];
        if (region && !GEOSPreparedIntersects_r(ctx, region_prepared.get(), g)) continue;
        geos::GeomPtr outline = geos::own(ctx, GEOSBoundary_r(ctx, g), "outline");
        if (region) {
            double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
            GEOSGeom_getExtent_r(ctx, g, &x0, &y0, &x1, &y1);
            if (x0 < minx || y0 < miny || x1 > maxx || y1 > maxy)
                outline = geos::own(ctx, GEOSClipByRect_r(ctx, outline.get(), minx, miny, maxx, maxy), "cutting outline");
        }
        lines.push_back(outline.release());
        used.push_back({static_cast<int>(i), geos::clone(ctx, g), {}});
    }

    // 2. Node all outlines together on the grid and polygonize them into faces.
    geos::GeomPtr all_lines = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, lines.data(),
                                         static_cast<unsigned>(lines.size())),
        "collecting outlines");
    lines.clear();  // owned by the collection now
    geos::GeomPtr noded = geos::own(ctx, GEOSUnaryUnionPrec_r(ctx, all_lines.get(), grid), "noding");
    all_lines.reset();
    const GEOSGeometry* noded_ptr = noded.get();
    geos::GeomPtr polygons = geos::own(ctx, GEOSPolygonize_r(ctx, &noded_ptr, 1), "polygonizing");
    noded.reset();

    // 3. Which inputs cover a point inside each face.
    std::unique_ptr<GEOSSTRtree, TreeDeleter> tree(GEOSSTRtree_create_r(ctx, 10), TreeDeleter{ctx.handle()});
    for (std::size_t i = 0; i < used.size(); ++i)
        GEOSSTRtree_insert_r(ctx, tree.get(), used[i].geom.get(), reinterpret_cast<void*>(i));

    Overlay out;
    BorderCollector borders(grid, geographic);
    std::vector<std::size_t> hits;
    const int nfaces = GEOSGetNumGeometries_r(ctx, polygons.get());
    out.faces.reserve(nfaces);
    for (int k = 0; k < nfaces; ++k) {
        const GEOSGeometry* face = GEOSGetGeometryN_r(ctx, polygons.get(), k);
        geos::GeomPtr inside = geos::own(ctx, GEOSPointOnSurface_r(ctx, face), "point on surface");
        if (GEOSisEmpty_r(ctx, inside.get())) continue;
        if (region && !GEOSPreparedIntersects_r(ctx, region_prepared.get(), inside.get()))
            continue;  // outside the region, or in a hole of it
        hits.clear();
        GEOSSTRtree_query_r(
            ctx, tree.get(), inside.get(),
            [](void* item, void* data) {
                static_cast<std::vector<std::size_t>*>(data)->push_back(reinterpret_cast<std::size_t>(item));
            },
            &hits);
        OverlayFace f;
        for (std::size_t i : hits) {
            Input& in = used[i];
            if (!in.prepared) in.prepared = geos::prepare(ctx, in.geom.get());
            if (GEOSPreparedIntersects_r(ctx, in.prepared.get(), inside.get())) f.covering.push_back(in.index);
        }
        std::sort(f.covering.begin(), f.covering.end());
        GEOSGeomGetX_r(ctx, inside.get(), &f.x);
        GEOSGeomGetY_r(ctx, inside.get(), &f.y);
        f.geom = geos::clone(ctx, face);
        borders.add_face(ctx, f.geom.get(), static_cast<int>(out.faces.size()));
        out.faces.push_back(std::move(f));
    }
    out.borders = borders.edges();
    const std::vector<bool> open = borders.faces_with_open_edges(out.faces.size());
    for (std::size_t i = 0; i < out.faces.size(); ++i) out.faces[i].on_outline = open[i];
    return out;
}

}  // namespace zone
