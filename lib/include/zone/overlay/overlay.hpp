// The noded overlay of a set of polygons: their outlines (and a region's)
// noded together on a precision grid and cut into faces, each face knowing
// which inputs cover it. It is the engine of zone-build (factors over a
// county), and of checking and comparing unit maps (units over each other,
// over the boundary, over another version).
#pragma once

#include "zone/core/geos.hpp"
#include "zone/build/pieces.hpp"

#include <vector>

namespace zone {

struct OverlayFace {
    geos::GeomPtr geom;         // a polygon, in the caller's context
    std::vector<int> covering;  // indices of the inputs covering it, ascending
    double x = 0, y = 0;        // a point inside it
    // It has a border that no other returned face shares: without a region,
    // it touches the unbounded outside; with one, the region's outline.
    bool on_outline = false;
};

struct Overlay {
    std::vector<OverlayFace> faces;
    // Borders shared by two faces, with their length in metres (for
    // longitude/latitude an equirectangular approximation).
    std::vector<FaceGraph::Edge> borders;
};

// Overlays `inputs` (valid polygonal geometries, from any context: they are
// only read, and copied where needed). With a `region`, only the inputs that
// meet it count and only the faces inside it are returned: the region's
// outline is noded in, so those faces tile the region exactly. Without one,
// every bounded face of the inputs' outlines is returned, holes between the
// inputs included (their `covering` is empty).
Overlay overlay_polygons(const geos::Context& ctx, const GEOSGeometry* region,
                         const std::vector<const GEOSGeometry*>& inputs, double grid, bool geographic);

}  // namespace zone
