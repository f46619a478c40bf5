// Taking polygons from a GDAL source into GEOS, shared by read_polygon_layer
// (features as they are read) and unit_polygons (units a unit map has read):
// the CRS they end up in, then two phases, each geometry on its own and
// validity on the threads the caller gives (every core by default).
#pragma once

#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"

#include <memory>
#include <string>
#include <vector>

class OGRGeometry;
class OGRSpatialReference;

namespace zone {
class Reprojection;
}

namespace zone::detail {

// Whether a layer's SRS says nothing: none, an empty one, or the "Undefined
// ... SRS" a GeoPackage layer with srs_id 0 or -1 reads as.
bool says_no_crs(const OGRSpatialReference* srs);

// An SRS as WKT2 (2019), as zonekit passes CRSs around.
std::string wkt_of(const OGRSpatialReference& srs);

// Where polygons of a layer in `from` end up: the CRS `target_crs_wkt` (the
// layer's own when empty), and the transformation into it, null when there
// is nothing to do. Throws InputError at `where` when PROJ cannot transform.
struct LayerCrs {
    std::string wkt;
    bool geographic = false;
    std::unique_ptr<Reprojection> transform;
    LayerCrs();
    LayerCrs(LayerCrs&&) noexcept;
    ~LayerCrs();
};
LayerCrs layer_crs(const OGRSpatialReference& from, const std::string& target_crs_wkt, double tolerance,
                   const Where& where);

// A polygonal OGR geometry as GEOS, validity not yet known: curves made
// linear, Z and M dropped, coordinates finite, moved by `transform` when
// there is one. Throws InputError at `where` for anything but polygons.
geos::GeomPtr polygon_from_ogr(const geos::Context& ctx, OGRGeometry& geometry, Reprojection* transform,
                               const Where& where);

// Makes every geometry valid: valid ones keep their polygonal part, invalid
// ones are repaired with GEOS MakeValid (structure method). Throws InputError
// at where[i] for the first geometry, in order, that has a non-finite
// coordinate or cannot be repaired. Returns how many were repaired.
// `threads`: as detail::run_parallel takes them (0: one per core).
int make_polygons_valid(const geos::Context& ctx, std::vector<geos::GeomPtr>& geoms, const std::vector<Where>& where,
                        int threads = 0);

}  // namespace zone::detail
