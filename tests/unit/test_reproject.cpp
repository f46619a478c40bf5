// Reprojection (zone/core/reproject.hpp) checked against OGR/PROJ used directly:
// a null transformation keeps coordinates bit for bit and adds no vertex
// (also through read_polygon_layer, a WGS 84 layer read against CGCS2000
// gives what the same layer labelled CGCS2000 gives); an affine one
// transforms the vertices only; a Gauss-Krüger ↔ longitude/latitude one
// follows the exact curve — every point of every original edge, transformed
// on its own by PROJ, lies within the tolerance of the output — with far
// fewer vertices than a fixed 10 m step.
#include "zone/core/geos.hpp"
#include "zone/core/reproject.hpp"
#include "zone/io/source.hpp"

#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;

OGRSpatialReference epsg(int code) {
    OGRSpatialReference srs;
    srs.importFromEPSG(code);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

std::string wkt_of(const OGRSpatialReference& srs) {
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2019", nullptr};
    srs.exportToWkt(&wkt, options);
    std::string s = wkt ? wkt : "";
    CPLFree(wkt);
    return s;
}

// A closed ring through the given corners (no points added between them).
OGRPolygon polygon(const std::vector<std::pair<double, double>>& corners) {
    OGRLinearRing ring;
    for (const auto& [x, y] : corners) ring.addPoint(x, y);
    ring.closeRings();
    OGRPolygon p;
    p.addRing(&ring);
    return p;
}

std::vector<std::pair<double, double>> points_of(const OGRPolygon& p) {
    std::vector<std::pair<double, double>> out;
    for (const OGRLinearRing* ring : p)
        for (const OGRPoint& q : *ring) out.emplace_back(q.getX(), q.getY());
    return out;
}

// Distance from (x, y) to the polyline `line`, by brute force over its segments.
double distance_to(const OGRLineString& line, double x, double y) {
    double best = INFINITY;
    for (int i = 0; i + 1 < line.getNumPoints(); ++i) {
        const double ax = line.getX(i), ay = line.getY(i), bx = line.getX(i + 1), by = line.getY(i + 1);
        const double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        double t = len2 > 0 ? ((x - ax) * dx + (y - ay) * dy) / len2 : 0;
        t = std::max(0.0, std::min(1.0, t));
        best = std::min(best, std::hypot(x - ax - t * dx, y - ay - t * dy));
    }
    return best;
}

// The largest distance from the exact image of the ring's edges — each edge
// sampled at `samples` points, each transformed on its own by OGR — to the
// transformed ring `out`.
double worst_departure(const OGRLinearRing& original, const OGRLinearRing& out, const OGRSpatialReference& from,
                       const OGRSpatialReference& to, int samples) {
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&from, &to));
    EXPECT_TRUE(ct);
    double worst = 0;
    for (int i = 0; i + 1 < original.getNumPoints(); ++i)
        for (int k = 0; k <= samples; ++k) {
            const double t = static_cast<double>(k) / samples;
            double x = original.getX(i) + t * (original.getX(i + 1) - original.getX(i));
            double y = original.getY(i) + t * (original.getY(i + 1) - original.getY(i));
            EXPECT_TRUE(ct->Transform(1, &x, &y));
            worst = std::max(worst, distance_to(out, x, y));
        }
    return worst;
}

double edge_length(const OGRLinearRing& r) {
    double len = 0;
    for (int i = 0; i + 1 < r.getNumPoints(); ++i)
        len += std::hypot(r.getX(i + 1) - r.getX(i), r.getY(i + 1) - r.getY(i));
    return len;
}

// A scratch folder, removed at the end of the test.
struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() /
               ("zone-reproject-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~TempDir() { fs::remove_all(path); }
};

// Copies every polygon of `src_layer` into a new GeoPackage labelled `srs`,
// coordinates unchanged.
void copy_relabelled(OGRLayer& src_layer, const fs::path& out, const OGRSpatialReference& srs) {
    GDALDriver* gpkg = GetGDALDriverManager()->GetDriverByName("GPKG");
    ASSERT_TRUE(gpkg);
    std::unique_ptr<GDALDataset> ds(gpkg->Create(out.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    ASSERT_TRUE(ds);
    OGRSpatialReference label(srs);
    OGRLayer* layer = ds->CreateLayer("factor", &label, wkbMultiPolygon, nullptr);
    ASSERT_TRUE(layer);
    src_layer.ResetReading();
    for (auto& f : src_layer) {
        OGRFeature copy(layer->GetLayerDefn());
        copy.SetGeometry(f->GetGeometryRef());
        ASSERT_EQ(layer->CreateFeature(&copy), OGRERR_NONE);
    }
}

std::size_t vertex_count(const zone::geos::Context& ctx, const zone::PolygonLayer& layer) {
    std::size_t n = 0;
    for (const auto& f : layer.features) n += static_cast<std::size_t>(GEOSGetNumCoordinates_r(ctx, f.geom.get()));
    return n;
}

}  // namespace

TEST(Reproject, SameCrsIsIdentity) {
    zone::Reprojection r(epsg(4490), epsg(4490));
    EXPECT_EQ(r.kind(), zone::Reprojection::Kind::identity);
}

TEST(Reproject, NullTransformationKeepsCoordinatesBitForBit) {
    const OGRSpatialReference wgs84 = epsg(4326), cgcs2000 = epsg(4490);
    ASSERT_FALSE(wgs84.IsSame(&cgcs2000));  // two CRSs, equivalent coordinates
    // Coordinates with every bit of the mantissa in use.
    const OGRPolygon original = polygon({{117.12345678901234, 36.98765432109876},
                                         {118.71234567890123, 36.11111111111111},
                                         {118.3333333333333, 37.77777777777777},
                                         {116.9876543210987, 37.5}});
    // PROJ itself, point by point: the operation leaves these coordinates as they are.
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&wgs84, &cgcs2000));
    ASSERT_TRUE(ct);
    for (const auto& [x0, y0] : points_of(original)) {
        double x = x0, y = y0;
        ASSERT_TRUE(ct->Transform(1, &x, &y));
        ASSERT_EQ(std::memcmp(&x, &x0, sizeof x), 0);
        ASSERT_EQ(std::memcmp(&y, &y0, sizeof y), 0);
    }

    zone::Reprojection r(wgs84, cgcs2000);
    EXPECT_EQ(r.kind(), zone::Reprojection::Kind::identity);
    OGRPolygon p(original);
    ASSERT_TRUE(r.apply(p));
    const auto before = points_of(original), after = points_of(p);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
        EXPECT_EQ(std::memcmp(&after[i].first, &before[i].first, sizeof(double)), 0) << i;
        EXPECT_EQ(std::memcmp(&after[i].second, &before[i].second, sizeof(double)), 0) << i;
    }
}

// The new user's case: factor layers delivered in WGS 84, counties in CGCS2000.
TEST(Reproject, Wgs84LayerReadAgainstCgcs2000CountiesKeepsItsVertices) {
    GDALAllRegister();
    TempDir dir;
    std::unique_ptr<GDALDataset> factors(GDALDataset::Open((std::string(ZONE_TESTDATA) + "/shandong/factors.gpkg").c_str(),
                                                           GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(factors);
    OGRLayer* redline = factors->GetLayerByName("redline");
    ASSERT_TRUE(redline);
    copy_relabelled(*redline, dir.path / "wgs84.gpkg", epsg(4326));
    copy_relabelled(*redline, dir.path / "cgcs2000.gpkg", epsg(4490));

    std::unique_ptr<GDALDataset> counties(GDALDataset::Open((std::string(ZONE_TESTDATA) + "/shandong/counties.gpkg").c_str(),
                                                            GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(counties);
    zone::ReadOptions o;
    o.target_crs_wkt = wkt_of(*counties->GetLayer(0)->GetSpatialRef());
    zone::geos::Context ctx;
    const zone::PolygonLayer as_wgs84 = zone::read_polygon_layer(ctx, {(dir.path / "wgs84.gpkg").string(), ""}, o);
    const zone::PolygonLayer as_cgcs2000 = zone::read_polygon_layer(ctx, {(dir.path / "cgcs2000.gpkg").string(), ""}, o);

    // The vertices of the source layer, counted by OGR.
    std::size_t source_vertices = 0;
    redline->ResetReading();
    for (auto& f : *redline)
        for (const OGRPolygon* poly : *f->GetGeometryRef()->toMultiPolygon())
            for (const OGRLinearRing* ring : *poly) source_vertices += static_cast<std::size_t>(ring->getNumPoints());

    ASSERT_EQ(as_wgs84.features.size(), as_cgcs2000.features.size());
    EXPECT_EQ(vertex_count(ctx, as_wgs84), vertex_count(ctx, as_cgcs2000));
    EXPECT_EQ(vertex_count(ctx, as_wgs84), source_vertices);
    for (std::size_t i = 0; i < as_wgs84.features.size(); ++i)
        EXPECT_EQ(GEOSEqualsExact_r(ctx, as_wgs84.features[i].geom.get(), as_cgcs2000.features[i].geom.get(), 0), 1)
            << "feature " << as_wgs84.features[i].fid;
}

TEST(Reproject, AffineTransformsTheVerticesOnly) {
    // The same Gauss-Krüger zone in US survey feet, without the zone prefix:
    // a scale and a shift.
    const OGRSpatialReference gk = epsg(4548);
    OGRSpatialReference feet;
    feet.importFromProj4("+proj=tmerc +lat_0=0 +lon_0=117 +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=us-ft +no_defs");
    feet.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    zone::Reprojection r(gk, feet);
    EXPECT_EQ(r.kind(), zone::Reprojection::Kind::affine);

    const OGRPolygon original = polygon({{440000, 3980000}, {560000, 3990000}, {550000, 4110000}, {430000, 4100000}});
    OGRPolygon p(original);
    ASSERT_TRUE(r.apply(p));
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&gk, &feet));
    ASSERT_TRUE(ct);
    const auto before = points_of(original), after = points_of(p);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < before.size(); ++i) {
        double x = before[i].first, y = before[i].second;
        ASSERT_TRUE(ct->Transform(1, &x, &y));
        EXPECT_EQ(after[i].first, x);
        EXPECT_EQ(after[i].second, y);
    }
    // Straight indeed: the middle of each edge, through PROJ, on the chord.
    EXPECT_LE(worst_departure(*original.getExteriorRing(), *p.getExteriorRing(), gk, feet, 50), r.tolerance());
}

TEST(Reproject, GaussKrugerEdgesToLonLatFollowTheExactCurve) {
    // Long edges (40–120 km) in the 117°E zone, one of them crossing the
    // central meridian, one slanted, and a hole.
    const OGRSpatialReference gk = epsg(4548), lonlat = epsg(4490);
    OGRPolygon original = polygon({{440000, 3980000}, {560000, 3990000}, {550000, 4110000}, {430000, 4100000}});
    {
        OGRLinearRing hole;
        for (auto [x, y] : std::vector<std::pair<double, double>>{
                 {480000, 4020000}, {480000, 4060000}, {520000, 4060000}, {520000, 4020000}})
            hole.addPoint(x, y);
        hole.closeRings();
        original.addRing(&hole);
    }
    zone::Reprojection r(gk, lonlat);
    EXPECT_EQ(r.kind(), zone::Reprojection::Kind::general);
    EXPECT_EQ(r.tolerance(), zone::default_reproject_tolerance(true));
    OGRPolygon p(original);
    ASSERT_TRUE(r.apply(p));
    ASSERT_EQ(p.getNumInteriorRings(), 1);

    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&gk, &lonlat));
    for (int k = 0; k < 2; ++k) {
        const OGRLinearRing& in = k == 0 ? *original.getExteriorRing() : *original.getInteriorRing(0);
        const OGRLinearRing& out = k == 0 ? *p.getExteriorRing() : *p.getInteriorRing(0);
        // Every original vertex is kept, transformed by PROJ.
        std::set<std::pair<double, double>> kept;
        for (const OGRPoint& q : out) kept.emplace(q.getX(), q.getY());
        for (const OGRPoint& q : in) {
            double x = q.getX(), y = q.getY();
            ASSERT_TRUE(ct->Transform(1, &x, &y));
            EXPECT_TRUE(kept.count({x, y})) << x << " " << y;
        }
        EXPECT_LE(worst_departure(in, out, gk, lonlat, 2000), r.tolerance()) << "ring " << k;
        // The curve needs vertices, but far fewer than one every 10 m.
        EXPECT_GT(out.getNumPoints(), in.getNumPoints());
        EXPECT_LT(out.getNumPoints(), edge_length(in) / 10 / 5);
    }
}

TEST(Reproject, LonLatEdgesToGaussKrugerFollowTheExactCurve) {
    const OGRSpatialReference lonlat = epsg(4490), gk = epsg(4548);
    // A parallel, a meridian and two slanted edges of about a degree.
    const OGRPolygon original = polygon({{116.4, 36.0}, {117.7, 36.0}, {117.5, 37.1}, {116.5, 36.9}});
    zone::Reprojection r(lonlat, gk);
    EXPECT_EQ(r.tolerance(), zone::default_reproject_tolerance(false));
    OGRPolygon p(original);
    ASSERT_TRUE(r.apply(p));
    const OGRLinearRing& in = *original.getExteriorRing();
    const OGRLinearRing& out = *p.getExteriorRing();
    EXPECT_LE(worst_departure(in, out, lonlat, gk, 2000), r.tolerance());
    EXPECT_GT(out.getNumPoints(), in.getNumPoints());
    EXPECT_LT(out.getNumPoints(), edge_length(in) / 1e-4 / 5);  // the old step was 1e-4°

    // A coarser tolerance needs fewer vertices and is kept as well.
    zone::Reprojection coarse(lonlat, gk, 0.01);
    OGRPolygon q(original);
    ASSERT_TRUE(coarse.apply(q));
    EXPECT_LT(q.getExteriorRing()->getNumPoints(), out.getNumPoints());
    EXPECT_LE(worst_departure(in, *q.getExteriorRing(), lonlat, gk, 2000), 0.01);
}

// Two polygons that share an edge walk it in opposite directions; it must be
// cut at the same places in both, or they would overlap and leave gaps.
TEST(Reproject, SharedEdgeIsCutAtTheSamePlacesInBothPolygons) {
    const OGRSpatialReference gk = epsg(4548), lonlat = epsg(4490);
    const OGRPolygon a = polygon({{440000, 3980000}, {500000, 3990000}, {505000, 4110000}, {430000, 4100000}});
    const OGRPolygon b = polygon({{500000, 3990000}, {560000, 3985000}, {570000, 4100000}, {505000, 4110000}});
    zone::Reprojection r(gk, lonlat);
    OGRPolygon pa(a), pb(b);
    ASSERT_TRUE(r.apply(pa));
    ASSERT_TRUE(r.apply(pb));
    // The vertices of A that lie on B's outline (to a micro-degree) are vertices of B.
    std::set<std::pair<double, double>> vb;
    for (const auto& v : points_of(pb)) vb.insert(v);
    int on_shared = 0;
    for (const auto& [x, y] : points_of(pa)) {
        if (distance_to(*pb.getExteriorRing(), x, y) > 1e-6) continue;
        ++on_shared;
        EXPECT_TRUE(vb.count({x, y})) << x << " " << y;
    }
    EXPECT_GT(on_shared, 10);  // the shared edge of 120 km was cut
    // So they meet without overlap or gap: GEOS sees a line between them.
    zone::geos::Context ctx;
    zone::geos::GeomPtr ga(pa.exportToGEOS(ctx.handle()), zone::geos::GeomDeleter{ctx.handle()});
    zone::geos::GeomPtr gb(pb.exportToGEOS(ctx.handle()), zone::geos::GeomDeleter{ctx.handle()});
    zone::geos::GeomPtr common(GEOSIntersection_r(ctx, ga.get(), gb.get()), zone::geos::GeomDeleter{ctx.handle()});
    double area = 1;
    GEOSArea_r(ctx, common.get(), &area);
    EXPECT_EQ(area, 0);
    EXPECT_EQ(GEOSRelatePattern_r(ctx, ga.get(), gb.get(), "FF2F11212"), 1);
}

TEST(Reproject, PointsAreTransformedAndFailuresReported) {
    const OGRSpatialReference lonlat = epsg(4490), gk = epsg(4548);
    zone::Reprojection r(lonlat, gk);
    OGRPoint p(117.0, 36.0);
    ASSERT_TRUE(r.apply(p));
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&lonlat, &gk));
    double x = 117.0, y = 36.0;
    ASSERT_TRUE(ct->Transform(1, &x, &y));
    EXPECT_EQ(p.getX(), x);
    EXPECT_EQ(p.getY(), y);
    // A latitude beyond the pole has no image.
    OGRLineString bad;
    bad.addPoint(117.0, 36.0);
    bad.addPoint(117.0, 95.0);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    EXPECT_FALSE(r.apply(bad));
    CPLPopErrorHandler();
}
