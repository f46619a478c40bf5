// The geometry the report's maps are drawn from: units, county and city
// outlines, projected into a transverse Mercator centred on the map.
//
// A map of a province in longitude/latitude is stretched east-west by
// 1/cos(latitude) (25 % in Shandong) and has no single scale; a transverse
// Mercator on the datum's own ellipsoid, centred on the map, is conformal and
// within 0.2 % of true scale over a province, so a scale bar means what it says.
#include "core/parallel.hpp"
#include "report/report_detail.hpp"

#include <cpl_conv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <stdexcept>

namespace zone::detail {

namespace {

// Reprojects a GEOS geometry through OGR; returns WKB.
std::vector<unsigned char> project(const geos::Context& ctx, const GEOSGeometry* g, OGRCoordinateTransformation& ct) {
    const std::vector<unsigned char> wkb = geos::to_wkb(ctx, g);
    OGRGeometry* raw = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &raw, wkb.size()) != OGRERR_NONE || !raw)
        throw std::runtime_error("map: cannot decode a geometry");
    std::unique_ptr<OGRGeometry> geom(raw);
    if (geom->transform(&ct) != OGRERR_NONE) throw std::runtime_error("map: cannot project a geometry");
    std::unique_ptr<OGRGeometry> multi(OGRGeometryFactory::forceToMultiPolygon(geom.release()));
    std::vector<unsigned char> out(multi->WkbSize());
    multi->exportToWkb(wkbNDR, out.data(), wkbVariantIso);
    return out;
}

// The polygonal union of projected parts on a 1 m grid (outlines are drawn,
// never measured), without holes under 0.1 km²: the hairline gaps between
// real county polygons that are not noded together.
geos::GeomPtr outline_of(const geos::Context& ctx, std::vector<geos::GeomPtr> parts) {
    std::vector<GEOSGeometry*> raw;
    for (auto& p : parts) raw.push_back(p.release());
    geos::GeomPtr all = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, raw.data(), static_cast<unsigned>(raw.size())),
        "collecting");
    geos::GeomPtr u = geos::polygonal_part(ctx, geos::own(ctx, GEOSUnaryUnionPrec_r(ctx, all.get(), 1.0), "union"));
    std::vector<GEOSGeometry*> polys;
    const int n = GEOSGetNumGeometries_r(ctx, u.get());
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* p = GEOSGetGeometryN_r(ctx, u.get(), i);
        if (GEOSisEmpty_r(ctx, p)) continue;
        GEOSGeometry* shell = GEOSGeom_clone_r(ctx, GEOSGetExteriorRing_r(ctx, p));
        std::vector<GEOSGeometry*> holes;
        const int nh = GEOSGetNumInteriorRings_r(ctx, p);
        for (int h = 0; h < nh; ++h) {
            const GEOSGeometry* ring = GEOSGetInteriorRingN_r(ctx, p, h);
            geos::GeomPtr as_poly =
                geos::own(ctx, GEOSGeom_createPolygon_r(ctx, GEOSGeom_clone_r(ctx, ring), nullptr, 0), "hole");
            double a = 0;
            GEOSArea_r(ctx, as_poly.get(), &a);
            if (a >= 1e5) holes.push_back(GEOSGeom_clone_r(ctx, ring));
        }
        polys.push_back(GEOSGeom_createPolygon_r(ctx, shell, holes.data(), static_cast<unsigned>(holes.size())));
    }
    return geos::own(ctx,
                     GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polys.data(), static_cast<unsigned>(polys.size())),
                     "outline");
}

void label_point(const geos::Context& ctx, const GEOSGeometry* g, double& x, double& y) {
    // The largest part: a county with islands is labelled on its main land.
    const GEOSGeometry* best = g;
    double best_area = -1;
    const int n = GEOSGetNumGeometries_r(ctx, g);
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* p = GEOSGetGeometryN_r(ctx, g, i);
        double a = 0;
        GEOSArea_r(ctx, p, &a);
        if (a > best_area) best_area = a, best = p;
    }
    geos::GeomPtr pt = geos::own(ctx, GEOSPointOnSurface_r(ctx, best), "point on surface");
    GEOSGeomGetX_r(ctx, pt.get(), &x);
    GEOSGeomGetY_r(ctx, pt.get(), &y);
}

struct Projector {
    OGRSpatialReference source, target;
    std::unique_ptr<OGRCoordinateTransformation> ct;
    Projector(const std::string& crs_wkt, const std::string& proj) {
        source.importFromWkt(crs_wkt.c_str());
        source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        target.importFromProj4(proj.c_str());
        target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        ct.reset(OGRCreateCoordinateTransformation(&source, &target));
        if (!ct) throw std::runtime_error("map: PROJ cannot project the map's CRS to " + proj);
    }
};

// What each thread projects with: GEOS and PROJ handles are its own.
struct ProjectingWorker {
    geos::Context ctx;
    Projector p;
    ProjectingWorker(const std::string& wkt, const std::string& proj) : p(wkt, proj) {}
};

// Runs `project_one(worker, i)` for i in 0..n-1 on `threads` threads.
template <class F>
void project_each(std::size_t n, int threads, const std::string& crs_wkt, const std::string& proj, F&& project_one) {
    std::vector<std::size_t> jobs(n);
    std::iota(jobs.begin(), jobs.end(), 0);
    run_parallel(jobs, threads, [&] { return std::make_unique<ProjectingWorker>(crs_wkt, proj); }, project_one);
}

}  // namespace

ReportMap build_report_map(const geos::Context& ctx, const std::string& crs_wkt,
                           const std::vector<const GEOSGeometry*>& units, const std::vector<MapCounty>& counties,
                           int threads) {
    ReportMap map;
    if (units.empty()) return map;

    // The centre of the map, in longitude/latitude of the map's own datum.
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (const GEOSGeometry* g : units) {
        double a, b, c, d;
        GEOSGeom_getExtent_r(ctx, g, &a, &b, &c, &d);
        x0 = std::min(x0, a), y0 = std::min(y0, b), x1 = std::max(x1, c), y1 = std::max(y1, d);
    }
    OGRSpatialReference source;
    source.importFromWkt(crs_wkt.c_str());
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRSpatialReference> geographic(source.CloneGeogCS());
    geographic->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    if (!source.IsGeographic()) {
        std::unique_ptr<OGRCoordinateTransformation> to_geo(OGRCreateCoordinateTransformation(&source, geographic.get()));
        if (!to_geo || !to_geo->Transform(1, &cx, &cy)) throw std::runtime_error("map: cannot find the map's centre");
    }
    // Same datum as the map, so the projection involves no datum shift.
    OGRSpatialReference tm(*geographic);
    tm.SetTM(0.0, std::round(cx * 100) / 100, 1.0, 0.0, 0.0);
    char* proj4 = nullptr;
    tm.exportToProj4(&proj4);
    map.projection = proj4 ? proj4 : "";
    CPLFree(proj4);

    // Units: projected as they are (the SVG simplifies for its scale).
    map.units.resize(units.size());
    project_each(units.size(), threads, crs_wkt, map.projection, [&](ProjectingWorker& w, std::size_t i) {
        map.units[i] = project(w.ctx, units[i], *w.p.ct);
    });
    map.minx = map.miny = 1e300;
    map.maxx = map.maxy = -1e300;
    for (const auto& wkb : map.units) {
        geos::GeomPtr g = geos::from_wkb(ctx, wkb);
        double a, b, c, d;
        GEOSGeom_getExtent_r(ctx, g.get(), &a, &b, &c, &d);
        map.minx = std::min(map.minx, a), map.miny = std::min(map.miny, b);
        map.maxx = std::max(map.maxx, c), map.maxy = std::max(map.maxy, d);
    }

    // Counties: the boundary's outline, or the union of the county's units.
    std::map<const GEOSGeometry*, std::size_t> unit_index;
    for (std::size_t i = 0; i < units.size(); ++i) unit_index.emplace(units[i], i);
    map.counties.resize(counties.size());
    project_each(counties.size(), threads, crs_wkt, map.projection, [&](ProjectingWorker& w, std::size_t i) {
        const MapCounty& c = counties[i];
        ReportMap::Outline& o = map.counties[i];
        o.code = c.code;
        o.name = c.name;
        std::vector<geos::GeomPtr> parts;
        if (c.outline) {
            parts.push_back(geos::from_wkb(w.ctx, project(w.ctx, c.outline, *w.p.ct)));
        } else {
            for (const GEOSGeometry* g : c.units) parts.push_back(geos::from_wkb(w.ctx, map.units[unit_index.at(g)]));
        }
        geos::GeomPtr outline = outline_of(w.ctx, std::move(parts));
        o.wkb = geos::to_wkb(w.ctx, outline.get());
        label_point(w.ctx, outline.get(), o.label_x, o.label_y);
    });

    // Cities: the union of their counties.
    std::map<std::string, std::vector<std::size_t>> city_counties;
    std::vector<std::string> city_order;
    for (std::size_t i = 0; i < counties.size(); ++i) {
        if (counties[i].city_key.empty()) continue;
        auto [it, inserted] = city_counties.try_emplace(counties[i].city_key);
        if (inserted) city_order.push_back(counties[i].city_key);
        it->second.push_back(i);
    }
    map.cities.resize(city_order.size());
    {
        std::vector<std::size_t> jobs(city_order.size());
        std::iota(jobs.begin(), jobs.end(), 0);
        run_parallel(
            jobs, threads, [] { return std::make_unique<geos::Context>(); },
            [&](geos::Context& c, std::size_t i) {
                const auto& members = city_counties.at(city_order[i]);
                ReportMap::Outline& o = map.cities[i];
                o.code = city_order[i];
                o.name = counties[members.front()].city_name;
                std::vector<geos::GeomPtr> parts;
                for (std::size_t k : members) parts.push_back(geos::from_wkb(c, map.counties[k].wkb));
                geos::GeomPtr outline = outline_of(c, std::move(parts));
                o.wkb = geos::to_wkb(c, outline.get());
                label_point(c, outline.get(), o.label_x, o.label_y);
            });
    }
    return map;
}

}  // namespace zone::detail
