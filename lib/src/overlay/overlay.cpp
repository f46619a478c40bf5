#include "zone/overlay/overlay.hpp"

#include "overlay/arrangement/face_borders.hpp"
#include "overlay/arrangement/geos_rings.hpp"

#include <algorithm>
#include <optional>

namespace zone {

Overlay overlay_polygons(const geos::Context& ctx, const GEOSGeometry* region_shared,
                         const std::vector<const GEOSGeometry*>& inputs, double grid_size, bool geographic) {
    using namespace arrangement;
    // Inputs are shared between threads and only read; the region is prepared, so copied.
    const geos::GeomPtr region_copy = region_shared ? geos::clone(ctx, region_shared) : geos::GeomPtr(nullptr, {ctx.handle()});
    const GEOSGeometry* region = region_copy.get();
    const Grid grid(grid_size);
    const int region_label = static_cast<int>(inputs.size());

    // 1. The inputs that count, as labelled rings. Only a margin around the
    //    region's envelope matters, so larger inputs are cut to it first.
    RingSet rings;
    std::optional<ClipRect> clip;
    geos::PreparedPtr region_prepared;
    if (region) {
        region_prepared = geos::prepare(ctx, region);
        double minx = 0, miny = 0, maxx = 0, maxy = 0;
        GEOSGeom_getExtent_r(ctx, region, &minx, &miny, &maxx, &maxy);
        const double margin = 1000 * grid_size;
        clip = ClipRect{minx - margin, miny - margin, maxx + margin, maxy + margin};
        add_polygonal(rings, grid, ctx, region, region_label);
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (region && !GEOSPreparedIntersects_r(ctx, region_prepared.get(), inputs[i])) continue;
        add_polygonal(rings, grid, ctx, inputs[i], static_cast<int>(i), clip);
    }

    // 2. Node on the grid; faces know their winding numbers.
    const Arrangement a(snap_round(rings));

    // 3. The faces that count, with the inputs covering them.
    Overlay out;
    std::vector<int> index_of_face(a.face_count(), -1);
    for (int f = 0; f < a.face_count(); ++f) {
        const auto& w = a.winding(f);
        bool inside = !region;
        OverlayFace face;
        for (const auto& [label, winding] : w) {
            if (winding <= 0) continue;
            if (label == region_label)
                inside = true;
            else
                face.covering.push_back(label);
        }
        if (!inside) continue;
        const std::vector<PolygonRings> polys = a.polygons({f});
        if (polys.empty()) continue;
        face.geom = to_geos_polygon(ctx, a, grid, polys[0]);
        geos::GeomPtr point = geos::own(ctx, GEOSPointOnSurface_r(ctx, face.geom.get()), "point on surface");
        if (!GEOSisEmpty_r(ctx, point.get())) {
            GEOSGeomGetX_r(ctx, point.get(), &face.x);
            GEOSGeomGetY_r(ctx, point.get(), &face.y);
        }
        index_of_face[f] = static_cast<int>(out.faces.size());
        out.faces.push_back(std::move(face));
    }

    // 4. Shared borders and the faces on the outline.
    FaceBorders borders = face_borders(a, grid, index_of_face, out.faces.size(), geographic);
    out.borders = std::move(borders.shared);
    for (std::size_t i = 0; i < out.faces.size(); ++i) out.faces[i].on_outline = borders.on_outline[i];
    return out;
}

}  // namespace zone
