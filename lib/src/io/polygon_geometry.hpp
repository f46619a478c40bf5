// The two phases of taking a polygon from a GDAL source into GEOS, shared by
// read_polygon_layer (features as they are read) and unit_polygons (units a
// unit map has read): first each geometry on its own, then validity on every
// core.
#pragma once

#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"

#include <vector>

class OGRGeometry;

namespace zone {
class Reprojection;
}

namespace zone::detail {

// A polygonal OGR geometry as GEOS, validity not yet known: curves made
// linear, Z and M dropped, coordinates finite, moved by `transform` when
// there is one. Throws InputError at `where` for anything but polygons.
geos::GeomPtr polygon_from_ogr(const geos::Context& ctx, OGRGeometry& geometry, Reprojection* transform,
                               const Where& where);

// Makes every geometry valid: valid ones keep their polygonal part, invalid
// ones are repaired with GEOS MakeValid (structure method). Throws InputError
// at where[i] for the first geometry, in order, that has a non-finite
// coordinate or cannot be repaired. Returns how many were repaired.
int make_polygons_valid(const geos::Context& ctx, std::vector<geos::GeomPtr>& geoms, const std::vector<Where>& where);

}  // namespace zone::detail
