// Areas checked against computations that do not share libzone's code path:
// the closed-form area of an ellipsoidal quadrangle, and OGR's own
// reprojection and planar area.
#include "zone/core/area.hpp"
#include "zone/core/geos.hpp"

#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <proj.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace {

// A lon/lat box with `n` points per edge, as a GEOS polygon.
zone::geos::GeomPtr box(const zone::geos::Context& ctx, double x0, double y0, double x1, double y1, int n) {
    std::vector<double> xy;
    auto add = [&](double x, double y) { xy.push_back(x); xy.push_back(y); };
    for (int i = 0; i < n; ++i) add(x0 + (x1 - x0) * i / n, y0);
    for (int i = 0; i < n; ++i) add(x1, y0 + (y1 - y0) * i / n);
    for (int i = 0; i < n; ++i) add(x1 - (x1 - x0) * i / n, y1);
    for (int i = 0; i < n; ++i) add(x0, y1 - (y1 - y0) * i / n);
    add(x0, y0);
    GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(ctx, xy.data(), xy.size() / 2, 0, 0);
    GEOSGeometry* ring = GEOSGeom_createLinearRing_r(ctx, seq);
    return zone::geos::own(ctx, GEOSGeom_createPolygon_r(ctx, ring, nullptr, 0));
}

// Area of the quadrangle between two parallels and two meridians on the
// ellipsoid (authalic-latitude formula).
double quadrangle_area(double a, double inv_f, double lon0, double lon1, double lat0, double lat1) {
    const double f = 1 / inv_f, e2 = f * (2 - f), e = std::sqrt(e2);
    auto q = [&](double lat) {
        const double s = std::sin(lat * M_PI / 180);
        return s / (1 - e2 * s * s) + std::log((1 + e * s) / (1 - e * s)) / (2 * e);
    };
    return a * a * (1 - e2) / 2 * (lon1 - lon0) * M_PI / 180 * (q(lat1) - q(lat0));
}

}  // namespace

TEST(Area, GaussKrugerZoneNumbers) {
    EXPECT_EQ(zone::gk_central_meridian(117.02), 117);
    EXPECT_EQ(zone::gk_central_meridian(118.49), 117);
    EXPECT_EQ(zone::gk_central_meridian(118.51), 120);
    EXPECT_EQ(zone::gk_central_meridian(122.4), 123);
    EXPECT_EQ(zone::gk_epsg(75), 4534);
    EXPECT_EQ(zone::gk_epsg(117), 4548);
    EXPECT_EQ(zone::gk_epsg(123), 4550);
}

TEST(Area, EllipsoidalMatchesTheClosedFormQuadrangle) {
    zone::geos::Context ctx;
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::ellipsoidal);
    // Dense edges: geodesic edges then follow the parallels closely.
    auto g = box(ctx, 117.0, 36.0, 117.1, 36.1, 400);
    const double expected = quadrangle_area(6378137.0, 298.257222101, 117.0, 117.1, 36.0, 36.1);
    EXPECT_NEAR(calc.area(ctx, g.get()) / expected, 1.0, 1e-6);
}

TEST(Area, GaussKrugerMatchesOgrReprojectedArea) {
    zone::geos::Context ctx;
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::gauss_kruger);
    for (double lon0 : {115.2, 117.6, 119.1, 122.3}) {
        const int cm = zone::gk_central_meridian(lon0 + 0.1);
        calc.use_zone(cm);
        auto g = box(ctx, lon0, 36.0, lon0 + 0.2, 36.15, 1);  // the same four corners as OGR's
        const double ours = calc.area(ctx, g.get());

        OGRSpatialReference wgs, gk;
        wgs.importFromEPSG(4490);
        wgs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        gk.importFromEPSG(4534 + (cm - 75) / 3);
        gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        OGRLinearRing ring;
        ring.addPoint(lon0, 36.0);
        ring.addPoint(lon0 + 0.2, 36.0);
        ring.addPoint(lon0 + 0.2, 36.15);
        ring.addPoint(lon0, 36.15);
        ring.closeRings();
        OGRPolygon poly;
        poly.addRing(&ring);
        // Edges are straight in longitude/latitude: OGR follows them with
        // vertices 1e-5 degree (about a metre) apart before projecting.
        poly.segmentize(1e-5);
        poly.assignSpatialReference(&wgs);
        ASSERT_EQ(poly.transformTo(&gk), OGRERR_NONE);
        EXPECT_NEAR(ours / poly.get_Area(), 1.0, 1e-10) << lon0;
        poly.assignSpatialReference(nullptr);
    }
}

TEST(Area, GaussKrugerAreaDoesNotDependOnHowEdgesAreSplit) {
    // Units add vertices on their county's edges; their areas must still add up.
    zone::geos::Context ctx;
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::gauss_kruger);
    calc.use_zone(120);
    auto coarse = box(ctx, 118.6, 37.2, 118.7, 37.3, 1);
    auto fine = box(ctx, 118.6, 37.2, 118.7, 37.3, 13);
    EXPECT_NEAR(calc.area(ctx, fine.get()) / calc.area(ctx, coarse.get()), 1.0, 1e-12);
}

TEST(Area, HolesAreSubtracted) {
    zone::geos::Context ctx;
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::gauss_kruger);
    calc.use_zone(117);
    auto outer = box(ctx, 117.0, 36.0, 117.2, 36.2, 1);
    auto inner = box(ctx, 117.05, 36.05, 117.1, 36.1, 1);
    auto diff = zone::geos::own(ctx, GEOSDifference_r(ctx, outer.get(), inner.get()));
    EXPECT_NEAR(calc.area(ctx, diff.get()), calc.area(ctx, outer.get()) - calc.area(ctx, inner.get()), 1e-3);
}

TEST(Area, ParsesMethodNames) {
    EXPECT_EQ(zone::parse_area_method("gauss-kruger"), zone::AreaMethod::gauss_kruger);
    EXPECT_EQ(zone::parse_area_method("ellipsoidal"), zone::AreaMethod::ellipsoidal);
    EXPECT_THROW(zone::parse_area_method("web-mercator"), std::invalid_argument);
}

// PROJ's own CGCS2000 / 3-degree Gauss-Kruger CM 117E, lon/lat in, x east.
struct Epsg4548 {
    PJ_CONTEXT* ctx = proj_context_create();
    PJ* pj = nullptr;
    Epsg4548() {
        PJ* raw = proj_create_crs_to_crs(ctx, "EPSG:4490", "EPSG:4548", nullptr);
        pj = proj_normalize_for_visualization(ctx, raw);
        proj_destroy(raw);
    }
    ~Epsg4548() {
        proj_destroy(pj);
        proj_context_destroy(ctx);
    }
    Epsg4548(const Epsg4548&) = delete;
    Epsg4548& operator=(const Epsg4548&) = delete;
};

// The built-in Krüger series against PROJ's own EPSG:4548 (CM 117°E, false
// easting 500 km) over the whole zone and beyond its edges.
TEST(Area, BuiltInGaussKrugerMatchesProj) {
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::gauss_kruger);
    calc.use_zone(117);
    const Epsg4548 proj;
    PJ* pj = proj.pj;
    double worst = 0;
    for (double lon = 114.5; lon <= 119.5; lon += 0.25)
        for (double lat = 34.0; lat <= 38.5; lat += 0.25) {
            double xy[2] = {lon, lat};
            calc.project_to_zone(xy, 1);
            const PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(lon, lat, 0, 0));
            worst = std::max({worst, std::fabs(xy[0] + 500000 - c.xy.x), std::fabs(xy[1] - c.xy.y)});
        }
    EXPECT_LT(worst, 1e-6);  // metres
}

// A county's worth of points at once goes through a Chebyshev patch fitted
// to the series over their bounding box: checked against PROJ itself on a
// county-sized box, a thin strip along one meridian (a box of no width), and
// a box so wide that no patch of bounded degree fits.
TEST(Area, BatchProjectionMatchesProj) {
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::gauss_kruger);
    calc.use_zone(117);
    const Epsg4548 proj;
    PJ* pj = proj.pj;
    auto worst_error = [&](double lon0, double lat0, double lon1, double lat1) {
        std::vector<double> xy;
        std::uint64_t state = 12345;
        auto uniform = [&] {
            state = state * 6364136223846793005ULL + 1442695040888963407ULL;
            return static_cast<double>(state >> 11) / 9007199254740992.0;
        };
        for (int i = 0; i < 5000; ++i) {
            xy.push_back(lon0 + (lon1 - lon0) * uniform());
            xy.push_back(lat0 + (lat1 - lat0) * uniform());
        }
        const std::vector<double> lonlat = xy;
        calc.project_to_zone(xy.data(), xy.size() / 2);
        double worst = 0;
        for (std::size_t i = 0; i < lonlat.size(); i += 2) {
            const PJ_COORD c = proj_trans(pj, PJ_FWD, proj_coord(lonlat[i], lonlat[i + 1], 0, 0));
            worst = std::max({worst, std::fabs(xy[i] + 500000 - c.xy.x), std::fabs(xy[i + 1] - c.xy.y)});
        }
        return worst;
    };
    EXPECT_LT(worst_error(116.2, 35.9, 117.6, 37.1), 1e-6);  // metres
    EXPECT_LT(worst_error(118.3, 34.5, 118.3, 38.0), 1e-6);
    EXPECT_LT(worst_error(114.5, 18.0, 119.5, 53.0), 1e-6);
}

// A longitude far off the map (a hostile footprint) wraps round instead of
// overflowing the zone number, and the zone of central meridian 0 is a zone.
TEST(Area, CentralMeridianOfAnyLongitude) {
    EXPECT_EQ(zone::gk_central_meridian(117.4), 117);
    EXPECT_EQ(zone::gk_central_meridian(117.4 + 3600), 117);
    EXPECT_EQ(zone::gk_central_meridian(-1e300), zone::gk_central_meridian(std::remainder(-1e300, 360.0)));
    zone::AreaCalculator calc("EPSG:4490", zone::AreaMethod::gauss_kruger);
    calc.use_zone(0);
    double xy[2] = {0.5, 10};
    calc.project_to_zone(xy, 1);
    EXPECT_GT(xy[0], 50000);  // half a degree east of the meridian, in metres
}
