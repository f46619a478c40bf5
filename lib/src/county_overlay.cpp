#include "county_overlay.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <tuple>
#include <unordered_map>

namespace zone::detail {

namespace {

struct Clipped {
    int factor, feature;
    geos::GeomPtr geom;
    geos::PreparedPtr prepared;  // made when first needed
};

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
            auto [it, inserted] = first_face_.try_emplace(key, face);
            if (inserted || it->second == face) continue;
            const int a = std::min(it->second, face), b = std::max(it->second, face);
            const std::uint64_t pair = (static_cast<std::uint64_t>(a) << 32) | static_cast<std::uint32_t>(b);
            shared_[pair] += segment_length_m(p[0], p[1], p[2], p[3], geographic_);
        }
    }

    double inv_grid_;
    bool geographic_;
    std::vector<double> buffer_;
    std::unordered_map<SegmentKey, int, SegmentHash> first_face_;
    std::unordered_map<std::uint64_t, double> shared_;
};

}  // namespace

CountyOverlay overlay_county(const geos::Context& ctx, AreaCalculator& area, const GEOSGeometry* county_shared,
                             const std::vector<FactorFeatureRef>& candidates,
                             const std::vector<FactorSpec>& factors, double grid, bool geographic) {
    geos::GeomPtr county = geos::clone(ctx, county_shared);
    geos::PreparedPtr county_prepared = geos::prepare(ctx, county.get());

    // 1. Clip every candidate to the county on the precision grid.
    std::vector<Clipped> clipped;
    clipped.reserve(candidates.size());
    for (const auto& c : candidates) {
        if (!GEOSPreparedIntersects_r(ctx, county_prepared.get(), c.geom)) continue;
        geos::GeomPtr piece;
        if (GEOSPreparedContainsProperly_r(ctx, county_prepared.get(), c.geom)) {
            piece = geos::own(ctx, GEOSGeom_setPrecision_r(ctx, c.geom, grid, 0), "snapping to the grid");
        } else {
            piece = geos::own(ctx, GEOSIntersectionPrec_r(ctx, c.geom, county.get(), grid), "clipping");
        }
        piece = geos::polygonal_part(ctx, std::move(piece));
        if (GEOSisEmpty_r(ctx, piece.get())) continue;
        clipped.push_back({c.factor, c.feature, std::move(piece), {}});
    }

    // 2. Node all boundaries together and polygonize them into faces.
    std::vector<GEOSGeometry*> lines;
    lines.reserve(clipped.size() + 1);
    lines.push_back(GEOSBoundary_r(ctx, county.get()));
    for (const auto& c : clipped) lines.push_back(GEOSBoundary_r(ctx, c.geom.get()));
    for (GEOSGeometry* l : lines)
        if (!l) {
            for (GEOSGeometry* m : lines) if (m) GEOSGeom_destroy_r(ctx, m);
            throw geos::GeosError("GEOSBoundary failed: " + ctx.last_error());
        }
    geos::GeomPtr all_lines = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, lines.data(),
                                         static_cast<unsigned>(lines.size())),
        "collecting boundaries");
    geos::GeomPtr noded = geos::own(ctx, GEOSUnaryUnionPrec_r(ctx, all_lines.get(), grid), "noding");
    all_lines.reset();
    const GEOSGeometry* noded_ptr = noded.get();
    geos::GeomPtr polygons = geos::own(ctx, GEOSPolygonize_r(ctx, &noded_ptr, 1), "polygonizing");
    noded.reset();

    // 3. Claim each face by the features covering a point inside it.
    GEOSSTRtree* tree = GEOSSTRtree_create_r(ctx, 10);
    struct TreeGuard {
        const geos::Context& c;
        GEOSSTRtree* t;
        ~TreeGuard() { GEOSSTRtree_destroy_r(c, t); }
    } tree_guard{ctx, tree};
    for (std::size_t i = 0; i < clipped.size(); ++i)
        GEOSSTRtree_insert_r(ctx, tree, clipped[i].geom.get(), reinterpret_cast<void*>(i));

    CountyOverlay out;
    std::map<Claim, int> claim_index;
    auto claim_id = [&](const Claim& c) {
        auto [it, inserted] = claim_index.try_emplace(c, static_cast<int>(out.graph.claims.size()));
        if (inserted) out.graph.claims.push_back(c);
        return it->second;
    };
    BorderCollector borders(grid, geographic);
    std::vector<std::size_t> hits;
    const int nfaces = GEOSGetNumGeometries_r(ctx, polygons.get());
    for (int k = 0; k < nfaces; ++k) {
        const GEOSGeometry* face = GEOSGetGeometryN_r(ctx, polygons.get(), k);
        geos::GeomPtr inside = geos::own(ctx, GEOSPointOnSurface_r(ctx, face), "point on surface");
        if (GEOSisEmpty_r(ctx, inside.get()) || !GEOSPreparedIntersects_r(ctx, county_prepared.get(), inside.get()))
            continue;  // a hole of the county (an enclave of another)
        hits.clear();
        GEOSSTRtree_query_r(
            ctx, tree, inside.get(),
            [](void* item, void* data) {
                static_cast<std::vector<std::size_t>*>(data)->push_back(reinterpret_cast<std::size_t>(item));
            },
            &hits);
        Claim best;  // general land unless a factor covers the face
        std::vector<int> covering;
        for (std::size_t i : hits) {
            Clipped& c = clipped[i];
            if (!c.prepared) c.prepared = geos::prepare(ctx, c.geom.get());
            if (!GEOSPreparedIntersects_r(ctx, c.prepared.get(), inside.get())) continue;
            covering.push_back(c.factor);
            const FactorSpec& spec = factors[c.factor];
            Claim claim{spec.category, c.factor, spec.group == Grouping::feature ? c.feature : -1};
            if (best.factor < 0 || claim < best) best = claim;
        }
        std::sort(covering.begin(), covering.end());
        covering.erase(std::unique(covering.begin(), covering.end()), covering.end());

        const int index = static_cast<int>(out.faces.size());
        geos::GeomPtr own_face = geos::clone(ctx, face);
        borders.add_face(ctx, own_face.get(), index);
        out.graph.claim.push_back(claim_id(best));
        out.graph.area_m2.push_back(area.area(ctx, own_face.get()));
        out.face_factors.push_back(std::move(covering));
        out.faces.push_back(std::move(own_face));
    }
    out.graph.edges = borders.edges();
    return out;
}

}  // namespace zone::detail
