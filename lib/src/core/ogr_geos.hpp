// OGR polygons straight into GEOS: each ring's coordinates copied in one
// block, where OGR's own exportToGEOS writes WKB and GEOS parses it back
// coordinate by coordinate, which costs as much as checking the geometry.
#pragma once

#include "zone/core/geos.hpp"

#include <ogr_geometry.h>

namespace zone::detail {

// A Polygon or MultiPolygon (flat, 2-D) as GEOS's; null for any other type,
// or when GEOS refuses a ring (too few points, not closed).
geos::GeomPtr polygonal_to_geos(const geos::Context& ctx, const OGRGeometry& g);

}  // namespace zone::detail
