// Between GEOS geometries and the arrangement: polygons in as labelled rings
// on the grid, polygons out as GEOS geometries or WKB.
#pragma once

#include "overlay/arrangement/arrangement.hpp"
#include "overlay/arrangement/cell_index.hpp"
#include "zone/core/geos.hpp"

#include <optional>
#include <vector>

namespace zone::arrangement {

// Adds the rings of a (multi)polygon, shells counter-clockwise and holes
// clockwise so that its winding number is one inside. With `clip` (in
// coordinates), rings are first cut to that rectangle (Sutherland-Hodgman),
// which keeps the winding number of every point inside it.
struct ClipRect {
    double minx, miny, maxx, maxy;
};
void add_polygonal(RingSet& rings, const Grid& grid, const geos::Context& ctx, const GEOSGeometry* g, int label,
                   const std::optional<ClipRect>& clip = std::nullopt);

geos::GeomPtr to_geos_polygon(const geos::Context& ctx, const Arrangement& a, const Grid& grid,
                              const PolygonRings& p);
geos::GeomPtr to_geos_multipolygon(const geos::Context& ctx, const Arrangement& a, const Grid& grid,
                                   const std::vector<PolygonRings>& ps);
// Little-endian 2-D WKB MultiPolygon, as geos::to_wkb writes it.
std::vector<unsigned char> to_wkb(const Arrangement& a, const Grid& grid, const std::vector<PolygonRings>& ps);

// Area-weighted centroid (in coordinates) of polygons, as GEOS computes it.
std::pair<double, double> centroid(const Arrangement& a, const Grid& grid, const std::vector<PolygonRings>& ps);

}  // namespace zone::arrangement
