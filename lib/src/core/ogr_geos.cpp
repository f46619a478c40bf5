#include "core/ogr_geos.hpp"

#include <vector>

namespace zone::detail {

namespace {

GEOSGeometry* ring_to_geos(GEOSContextHandle_t h, const OGRLinearRing& ring, std::vector<double>& xy) {
    const int n = ring.getNumPoints();
    xy.resize(2 * static_cast<std::size_t>(n));
    if (n) ring.getPoints(xy.data(), 2 * sizeof(double), xy.data() + 1, 2 * sizeof(double));
    GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(h, xy.data(), static_cast<unsigned>(n), 0, 0);
    if (!seq) return nullptr;
    return GEOSGeom_createLinearRing_r(h, seq);  // takes the sequence, also when it fails
}

GEOSGeometry* polygon_to_geos(GEOSContextHandle_t h, const OGRPolygon& p, std::vector<double>& xy) {
    const OGRLinearRing* shell = p.getExteriorRing();
    if (!shell || shell->IsEmpty()) return GEOSGeom_createEmptyPolygon_r(h);
    GEOSGeometry* geos_shell = ring_to_geos(h, *shell, xy);
    if (!geos_shell) return nullptr;
    std::vector<GEOSGeometry*> holes;
    for (int i = 0; i < p.getNumInteriorRings(); ++i) {
        GEOSGeometry* hole = ring_to_geos(h, *p.getInteriorRing(i), xy);
        if (!hole) {
            GEOSGeom_destroy_r(h, geos_shell);
            for (GEOSGeometry* done : holes) GEOSGeom_destroy_r(h, done);
            return nullptr;
        }
        holes.push_back(hole);
    }
    return GEOSGeom_createPolygon_r(h, geos_shell, holes.data(), static_cast<unsigned>(holes.size()));
}

}  // namespace

geos::GeomPtr polygonal_to_geos(const geos::Context& ctx, const OGRGeometry& g) {
    GEOSContextHandle_t h = ctx.handle();
    std::vector<double> xy;
    GEOSGeometry* out = nullptr;
    switch (wkbFlatten(g.getGeometryType())) {
        case wkbPolygon:
            out = polygon_to_geos(h, *g.toPolygon(), xy);
            break;
        case wkbMultiPolygon: {
            const OGRMultiPolygon& mp = *g.toMultiPolygon();
            std::vector<GEOSGeometry*> parts;
            for (const OGRPolygon* p : mp) {
                GEOSGeometry* part = polygon_to_geos(h, *p, xy);
                if (!part) {
                    for (GEOSGeometry* done : parts) GEOSGeom_destroy_r(h, done);
                    return geos::GeomPtr(nullptr, geos::GeomDeleter{h});
                }
                parts.push_back(part);
            }
            out = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, parts.data(), static_cast<unsigned>(parts.size()));
            break;
        }
        default:
            break;
    }
    return geos::GeomPtr(out, geos::GeomDeleter{h});
}

}  // namespace zone::detail
