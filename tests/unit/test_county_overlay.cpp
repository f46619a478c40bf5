// One county's overlay (county_overlay.hpp): the area each category claims,
// from the arrangement's faces projected through the county's Chebyshev
// patch, against GEOS and PROJ doing it their own way — the same regions cut
// by GEOS overlay in longitude/latitude, densified to 1e-4° so that chords in
// the projection follow edges that are straight in the data, projected by
// PROJ to EPSG:4548 (the county's zone, 117°E) and measured by GEOS.
#include "overlay/county_overlay.hpp"
#include "zone/core/area.hpp"
#include "zone/core/geos.hpp"

#include <proj.h>

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <vector>

namespace {

using namespace zone;

geos::GeomPtr polygon(const geos::Context& ctx, std::vector<double> xy) {
    xy.push_back(xy[0]);
    xy.push_back(xy[1]);
    GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(ctx, xy.data(), xy.size() / 2, 0, 0);
    return geos::own(ctx, GEOSGeom_createPolygon_r(ctx, GEOSGeom_createLinearRing_r(ctx, seq), nullptr, 0), "polygon");
}

// A lon/lat quadrangle with `n` points on each side: long straight edges in
// the data, and enough points for the projection patch to be used.
geos::GeomPtr quadrangle(const geos::Context& ctx, double x0, double y0, double x1, double y1, int n) {
    std::vector<double> xy;
    auto add = [&](double x, double y) { xy.push_back(x), xy.push_back(y); };
    for (int i = 0; i < n; ++i) add(x0 + (x1 - x0) * i / n, y0);
    for (int i = 0; i < n; ++i) add(x1, y0 + (y1 - y0) * i / n);
    for (int i = 0; i < n; ++i) add(x1 - (x1 - x0) * i / n, y1);
    for (int i = 0; i < n; ++i) add(x0, y1 - (y1 - y0) * i / n);
    return polygon(ctx, xy);
}

// A polygon of `n` points round (cx, cy), radius r degrees.
geos::GeomPtr blob(const geos::Context& ctx, double cx, double cy, double r, int n) {
    std::vector<double> xy;
    for (int i = 0; i < n; ++i) {
        const double a = 2 * M_PI * i / n, k = 1 + 0.3 * std::sin(3 * a);
        xy.push_back(cx + r * k * std::cos(a));
        xy.push_back(cy + r * k * std::sin(a));
    }
    return polygon(ctx, xy);
}

// GEOS + PROJ: densified in lon/lat, every vertex to EPSG:4548, planar area.
double reference_area_m2(const geos::Context& ctx, const GEOSGeometry* lonlat) {
    geos::GeomPtr dense = geos::own(ctx, GEOSDensify_r(ctx, lonlat, 1e-4), "densify");
    PJ_CONTEXT* pc = proj_context_create();
    PJ* raw = proj_create_crs_to_crs(pc, "EPSG:4490", "EPSG:4548", nullptr);
    PJ* pj = proj_normalize_for_visualization(pc, raw);
    proj_destroy(raw);
    auto project_ring = [&](const GEOSGeometry* ring) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
        unsigned n = 0;
        GEOSCoordSeq_getSize_r(ctx, seq, &n);
        std::vector<double> xy(2 * n);
        GEOSCoordSeq_copyToBuffer_r(ctx, seq, xy.data(), 0, 0);
        proj_trans_generic(pj, PJ_FWD, xy.data(), 2 * sizeof(double), n, xy.data() + 1, 2 * sizeof(double), n,
                           nullptr, 0, 0, nullptr, 0, 0);
        return GEOSGeom_createLinearRing_r(ctx, GEOSCoordSeq_copyFromBuffer_r(ctx, xy.data(), n, 0, 0));
    };
    double total = 0;
    for (int i = 0; i < GEOSGetNumGeometries_r(ctx, dense.get()); ++i) {
        const GEOSGeometry* p = GEOSGetGeometryN_r(ctx, dense.get(), i);
        std::vector<GEOSGeometry*> holes;
        for (int k = 0; k < GEOSGetNumInteriorRings_r(ctx, p); ++k)
            holes.push_back(project_ring(GEOSGetInteriorRingN_r(ctx, p, k)));
        geos::GeomPtr projected = geos::own(
            ctx, GEOSGeom_createPolygon_r(ctx, project_ring(GEOSGetExteriorRing_r(ctx, p)), holes.data(),
                                          static_cast<unsigned>(holes.size())),
            "projected");
        double a = 0;
        GEOSArea_r(ctx, projected.get(), &a);
        total += a;
    }
    proj_destroy(pj);
    proj_context_destroy(pc);
    return total;
}

TEST(CountyOverlay, CategoryAreasMatchGeosAndProj) {
    geos::Context ctx;
    // A county 0.5° × 0.3° (about 45 × 33 km) with edges straight in lon/lat;
    // a priority blob across its southern edge, a key blob overlapping it,
    // another key blob inside with a priority blob inside that (nesting).
    geos::GeomPtr county = quadrangle(ctx, 116.8, 36.0, 117.3, 36.3, 700);
    std::vector<geos::GeomPtr> factor_geoms;
    factor_geoms.push_back(blob(ctx, 116.95, 36.0, 0.05, 150));   // priority, across the edge
    factor_geoms.push_back(blob(ctx, 117.15, 36.15, 0.04, 120));  // priority, inside the key blob below
    factor_geoms.push_back(blob(ctx, 117.0, 36.05, 0.06, 150));   // key, overlapping the first
    factor_geoms.push_back(blob(ctx, 117.15, 36.15, 0.08, 150));  // key, holding the second
    std::vector<FactorSpec> factors(2);
    factors[0].id = "p", factors[0].category = 1;
    factors[1].id = "k", factors[1].category = 2;
    std::vector<detail::FactorFeatureRef> candidates = {
        {0, 0, factor_geoms[0].get()}, {0, 1, factor_geoms[1].get()},
        {1, 0, factor_geoms[2].get()}, {1, 1, factor_geoms[3].get()}};

    AreaCalculator area("EPSG:4490", AreaMethod::gauss_kruger);
    area.use_zone(117);
    const detail::CountyOverlay overlay = detail::overlay_county(ctx, area, county.get(), candidates, factors, 1e-9, true);
    std::map<int, double> by_category;
    for (std::size_t f = 0; f < overlay.graph.claim.size(); ++f)
        by_category[overlay.graph.claims[overlay.graph.claim[f]].category] += overlay.graph.area_m2[f];

    auto unite = [&](const GEOSGeometry* a, const GEOSGeometry* b) { return geos::own(ctx, GEOSUnion_r(ctx, a, b), "union"); };
    geos::GeomPtr priority = unite(factor_geoms[0].get(), factor_geoms[1].get());
    geos::GeomPtr key = unite(factor_geoms[2].get(), factor_geoms[3].get());
    geos::GeomPtr p = geos::own(ctx, GEOSIntersection_r(ctx, county.get(), priority.get()), "p");
    geos::GeomPtr k0 = geos::own(ctx, GEOSIntersection_r(ctx, county.get(), key.get()), "k0");
    geos::GeomPtr k = geos::own(ctx, GEOSDifference_r(ctx, k0.get(), priority.get()), "k");
    geos::GeomPtr either = unite(priority.get(), key.get());
    geos::GeomPtr g = geos::own(ctx, GEOSDifference_r(ctx, county.get(), either.get()), "g");
    const double expected[4] = {0, reference_area_m2(ctx, p.get()), reference_area_m2(ctx, k.get()),
                                reference_area_m2(ctx, g.get())};
    ASSERT_EQ(by_category.size(), 3u);
    for (int c = 1; c <= 3; ++c) {
        ASSERT_GT(expected[c], 1e6) << "category " << c;
        EXPECT_NEAR(by_category[c], expected[c], 1e-9 * expected[c]) << "category " << c;
    }
    // The faces tile the county exactly, as the county alone measures.
    const double county_m2 = reference_area_m2(ctx, county.get());
    EXPECT_NEAR(by_category[1] + by_category[2] + by_category[3], county_m2, 1e-9 * county_m2);
}

}  // namespace
