#include "overlay/county_overlay.hpp"

#include "overlay/arrangement/face_borders.hpp"
#include "overlay/arrangement/geos_rings.hpp"

#include <algorithm>
#include <map>
#include <optional>

namespace zone::detail {

namespace {

using namespace arrangement;

// Face areas in the county's Gauss-Krüger zone from the arrangement's edges,
// every vertex and edge midpoint projected once. An edge is straight in the
// data's CRS, a slight curve in the projection: it counts as the parabola
// through its ends and its projected midpoint (as AreaCalculator::area does),
// so the faces of a unit add up to exactly the unit.
std::vector<double> gauss_kruger_face_areas(const Arrangement& a, const Grid& grid, AreaCalculator& area,
                                            const std::vector<int>& faces) {
    // Only what bounds the chosen faces: the rest of the county's bounding
    // box, outside the county, is never projected.
    const auto& nodes = a.nodes();
    // Nodes and edge midpoints in one batch, so that one projection patch
    // serves the county; a slot is a point's index in `xy`.
    std::vector<int> node_slot(nodes.size(), -1), edge_slot(a.edge_count(), -1);
    std::vector<double> xy;
    auto add = [&](double x, double y) {
        xy.push_back(x);
        xy.push_back(y);
        return static_cast<int>(xy.size() / 2 - 1);
    };
    for (int f : faces) {
        const auto [first, last] = a.face_halfedges(f);
        for (const int* h = first; h != last; ++h) {
            const int e = *h >> 1;
            if (edge_slot[e] >= 0) continue;
            const auto& edge = a.edge(e);
            for (int n : {edge.u, edge.v})
                if (node_slot[n] < 0) node_slot[n] = add(grid.value(nodes[n].x), grid.value(nodes[n].y));
            const int u = node_slot[edge.u], v = node_slot[edge.v];
            edge_slot[e] = add((xy[2 * u] + xy[2 * v]) / 2, (xy[2 * u + 1] + xy[2 * v + 1]) / 2);
        }
    }
    if (!xy.empty()) area.project_to_zone(xy.data(), xy.size() / 2);
    const double x0 = xy.empty() ? 0 : xy[0], y0 = xy.empty() ? 0 : xy[1];
    auto cross = [&](double ax, double ay, double bx, double by) { return (ax - x0) * (by - y0) - (bx - x0) * (ay - y0); };
    std::vector<double> out;
    out.reserve(faces.size());
    for (int f : faces) {
        double chords = 0, bulges = 0;
        const auto [first, last] = a.face_halfedges(f);
        for (const int* h = first; h != last; ++h) {
            const int p = node_slot[a.origin(*h)], q = node_slot[a.destination(*h)], m = edge_slot[*h >> 1];
            const double px = xy[2 * p], py = xy[2 * p + 1], qx = xy[2 * q], qy = xy[2 * q + 1];
            const double mx = xy[2 * m], my = xy[2 * m + 1];
            const double chord = cross(px, py, qx, qy);
            chords += chord;
            bulges += cross(px, py, mx, my) + cross(mx, my, qx, qy) - chord;
        }
        out.push_back(std::fabs(chords + bulges * 4.0 / 3.0) / 2.0);
    }
    return out;
}

}  // namespace

std::vector<PolygonRings> CountyOverlay::dissolve(const std::vector<int>& faces) const {
    std::vector<int> ids;
    ids.reserve(faces.size());
    for (int f : faces) ids.push_back(faces_[f]);
    return arrangement_->polygons(ids);
}

std::vector<unsigned char> CountyOverlay::to_wkb(const std::vector<PolygonRings>& polygons) const {
    return arrangement::to_wkb(*arrangement_, grid_, polygons);
}

std::pair<double, double> CountyOverlay::centroid(const std::vector<PolygonRings>& polygons) const {
    return arrangement::centroid(*arrangement_, grid_, polygons);
}

geos::GeomPtr CountyOverlay::to_geos(const geos::Context& ctx, const std::vector<PolygonRings>& polygons) const {
    return to_geos_multipolygon(ctx, *arrangement_, grid_, polygons);
}

CountyOverlay overlay_county(const geos::Context& ctx, AreaCalculator& area, const GEOSGeometry* county,
                             const std::vector<FactorFeatureRef>& candidates,
                             const std::vector<FactorSpec>& factors, double grid_size, bool geographic) {
    CountyOverlay out(grid_size);
    const Grid& grid = out.grid_;

    // Labels: one per factor, so that overlapping features of a factor need
    // not be told apart, except for factors grouped by feature, whose features
    // each get one. The county is the last label.
    struct Label {
        int factor, feature;
    };
    std::vector<Label> labels;
    for (std::size_t f = 0; f < factors.size(); ++f) labels.push_back({static_cast<int>(f), -1});
    std::map<std::pair<int, int>, int> feature_label;
    for (const auto& c : candidates)
        if (factors[c.factor].group == Grouping::feature && !feature_label.count({c.factor, c.feature})) {
            feature_label[{c.factor, c.feature}] = static_cast<int>(labels.size());
            labels.push_back({c.factor, c.feature});
        }
    const int county_label = static_cast<int>(labels.size());

    RingSet rings;
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    GEOSGeom_getExtent_r(ctx, county, &minx, &miny, &maxx, &maxy);
    const double margin = 1000 * grid_size;
    const ClipRect clip{minx - margin, miny - margin, maxx + margin, maxy + margin};
    add_polygonal(rings, grid, ctx, county, county_label);
    geos::GeomPtr county_copy = geos::clone(ctx, county);
    geos::PreparedPtr prepared = geos::prepare(ctx, county_copy.get());
    for (const auto& c : candidates) {
        if (!GEOSPreparedIntersects_r(ctx, prepared.get(), c.geom)) continue;
        const int label = factors[c.factor].group == Grouping::feature ? feature_label.at({c.factor, c.feature}) : c.factor;
        add_polygonal(rings, grid, ctx, c.geom, label, clip);
    }
    out.arrangement_ = std::make_unique<Arrangement>(snap_round(rings));
    const Arrangement& a = *out.arrangement_;

    // Faces inside the county and their claims.
    std::map<Claim, int> claim_index;
    auto claim_id = [&](const Claim& c) {
        auto [it, inserted] = claim_index.try_emplace(c, static_cast<int>(out.graph.claims.size()));
        if (inserted) out.graph.claims.push_back(c);
        return it->second;
    };
    std::vector<int> index_of_face(a.face_count(), -1);
    for (int f = 0; f < a.face_count(); ++f) {
        bool inside = false;
        Claim best;  // general land unless a factor covers the face
        std::vector<int> covering;
        for (const auto& [label, winding] : a.winding(f)) {
            if (winding <= 0) continue;
            if (label == county_label) {
                inside = true;
                continue;
            }
            const Label& l = labels[label];
            const FactorSpec& spec = factors[l.factor];
            covering.push_back(l.factor);
            const Claim claim{spec.category, l.factor, l.feature};
            if (claim < best) best = claim;
        }
        if (!inside) continue;
        std::sort(covering.begin(), covering.end());
        covering.erase(std::unique(covering.begin(), covering.end()), covering.end());
        index_of_face[f] = static_cast<int>(out.faces_.size());
        out.faces_.push_back(f);
        out.graph.claim.push_back(claim_id(best));
        out.face_factors.push_back(std::move(covering));
    }

    if (area.method() == AreaMethod::gauss_kruger) {
        out.graph.area_m2 = gauss_kruger_face_areas(a, grid, area, out.faces_);
    } else {
        for (int f : out.faces_) {
            geos::GeomPtr g = to_geos_multipolygon(ctx, a, grid, a.polygons({f}));
            out.graph.area_m2.push_back(area.area(ctx, g.get()));
        }
    }
    out.graph.edges = face_borders(a, grid, index_of_face, out.faces_.size(), geographic).shared;
    return out;
}

}  // namespace zone::detail
