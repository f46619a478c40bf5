// zone-check map on hostile input: broken files, odd geometries, extreme
// coordinates, huge polygons, archives, files that are not vector data. None
// may crash or hang: every run has a time limit and must end with exit code
// 0, 1 or 2, a clear message on stderr naming the file for 2, and the
// finding where one is due. Inputs are made at test time from the units of a
// few Jinan counties (see shandong_subset in support.hpp).
#include "support.hpp"

#include <gtest/gtest.h>

#include <cpl_minixml.h>
#include <cpl_vsi.h>
#include <ogr_api.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <limits>
#include <set>
#include <sstream>
#include <tuple>

namespace {

using namespace zt;

const std::vector<std::string> kJinan = {"370102", "370103", "370104", "370105", "370112"};
constexpr double kTimeout = 60;

struct Outcome {
    RunResult run;
    CheckJson json;       // when the exit code is 0 or 1
    bool report = false;  // json holds a parsed report
};

// Runs `zone-check map ARGS --format json` with a time limit and checks what
// any run must satisfy, whatever the input: it ends by itself, with exit code
// 0, 1 or 2; 0 and 1 come with a report in the contract's shape; 2 with a
// message on stderr that names `names_file` (when given) and no report.
Outcome hostile(const std::vector<std::string>& args, const std::string& names_file = "",
                double timeout_s = kTimeout) {
    Outcome o;
    std::vector<std::string> a{"map"};
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--format", "json"});
    o.run = run_zone_check(a, timeout_s);
    EXPECT_FALSE(o.run.timed_out) << "zone-check hung\n" << o.run.describe();
    EXPECT_FALSE(o.run.signaled) << "zone-check crashed\n" << o.run.describe();
    if (o.run.timed_out || o.run.signaled) return o;
    EXPECT_TRUE(o.run.status == 0 || o.run.status == 1 || o.run.status == 2) << o.run.describe();
    EXPECT_FALSE(contains(o.run.err, "terminate called")) << o.run.describe();
    if (o.run.status == 2) {
        EXPECT_TRUE(contains(o.run.err, "zone-check: error:")) << "no error message on stderr\n" << o.run.describe();
        if (!names_file.empty()) {
            EXPECT_TRUE(contains(o.run.err, names_file)) << "the message does not name " << names_file << "\n"
                                                         << o.run.describe();
        }
        EXPECT_TRUE(o.run.out.empty()) << "exit 2 but a report on stdout\n" << o.run.describe();
        return o;
    }
    if (o.run.status != 0 && o.run.status != 1) return o;
    o.json = parse_check_json(o.run.out);
    EXPECT_TRUE(o.json.parse_error.empty()) << o.json.parse_error << "\n" << o.run.describe();
    for (const auto& v : o.json.violations) ADD_FAILURE() << "report breaks zonekit(7) CHECK REPORT: " << v;
    if (!o.json.parse_error.empty()) return o;
    EXPECT_EQ(o.run.status, o.json.errors > 0 ? 1 : 0) << o.run.describe() << o.json.describe();
    o.report = true;
    return o;
}

std::string describe(const Outcome& o) {
    std::string s = o.run.describe();
    if (o.report) s += "\n" + o.json.describe();
    return s;
}

bool has(const CheckJson& j, const std::string& rule, std::optional<std::int64_t> fid = std::nullopt) {
    for (const auto* f : j.with_rule(rule))
        if (!fid || f->fid == fid) return true;
    return false;
}

// Sets Z and/or M on every vertex.
void add_dimensions(OGRGeometry* g, bool z, bool m) {
    const OGRwkbGeometryType type = wkbFlatten(g->getGeometryType());
    if (z) g->set3D(TRUE);
    if (m) g->setMeasured(TRUE);
    if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
        auto* c = g->toGeometryCollection();
        for (int i = 0; i < c->getNumGeometries(); ++i) add_dimensions(c->getGeometryRef(i), z, m);
    } else if (OGR_GT_IsSubClassOf(type, wkbCurvePolygon)) {
        auto* p = g->toCurvePolygon();
        for (int i = 0; i < p->getNumInteriorRings() + 1; ++i)
            add_dimensions(i == 0 ? p->getExteriorRingCurve() : p->getInteriorRingCurve(i - 1), z, m);
    } else if (OGR_GT_IsSubClassOf(type, wkbLineString)) {
        auto* ls = g->toSimpleCurve();
        for (int i = 0; i < ls->getNumPoints(); ++i) {
            // One height for all (GDAL's Shapefile reader takes a ring whose Z
            // differs from its shell's for another shell, not a hole); M a
            // function of the position, so that a ring stays closed.
            if (z) ls->setZ(i, 50.0);
            if (m) ls->setM(i, ls->getX(i) + 2 * ls->getY(i));
        }
    }
}

class CheckHostile : public ::testing::Test {
protected:
    void SetUp() override {
        sub_ = &shandong_subset(kJinan);
        ASSERT_TRUE(sub_->error.empty()) << "cannot make the test data: " << sub_->error;
    }
    const Table& units() const { return sub_->units; }
    const MapSubset& sub() const { return *sub_; }

    std::string shapefile(const std::string& name, const Table& t) {
        const std::string path = tmp_.file(name + ".shp");
        Table copy = t;
        copy.name = name;
        write_table(copy, path, "ESRI Shapefile", {"ENCODING=UTF-8"});
        return path;
    }

    const MapSubset* sub_ = nullptr;
    TempDir tmp_{"zonecli-hostile"};
};

// ------------------------------------------------------------------ broken Shapefiles

TEST_F(CheckHostile, TruncatedShp) {
    const std::string shp = shapefile("units", units());
    const auto size = fs::file_size(shp);
    fs::resize_file(shp, size / 2);
    Outcome o = hostile({shp}, shp);
    // Half the geometries are gone: that is no valid map.
    EXPECT_NE(o.run.status, 0) << describe(o);
    if (o.report) {
        EXPECT_TRUE(has(o.json, "geometry.empty") || has(o.json, "geometry.invalid"))
            << "a truncated .shp reads as a map without a geometry finding\n" << describe(o);
    }
}

TEST_F(CheckHostile, MissingShx) {
    const std::string shp = shapefile("units", units());
    fs::remove(tmp_.file("units.shx"));
    Outcome o = hostile({shp}, shp);
    if (o.report) {
        EXPECT_EQ(o.json.features, static_cast<std::int64_t>(units().rows.size())) << describe(o);
    }
}

TEST_F(CheckHostile, MissingDbf) {
    const std::string shp = shapefile("units", units());
    fs::remove(tmp_.file("units.dbf"));
    Outcome o = hostile({shp}, shp);
    EXPECT_NE(o.run.status, 0) << "a Shapefile without attributes is no valid unit map\n" << describe(o);
    if (o.report) {
        EXPECT_TRUE(has(o.json, "schema.missing_field")) << describe(o);
    }
}

// ------------------------------------------------------------------ no features

TEST_F(CheckHostile, ZeroFeatures) {
    Table t = units();
    t.rows.clear();
    const std::string path = tmp_.file("empty.gpkg");
    write_table(t, path);
    Outcome alone = hostile({path}, path);
    ASSERT_TRUE(alone.report) << describe(alone);
    EXPECT_EQ(alone.json.features, 0);
    EXPECT_EQ(alone.run.status, 1) << "an empty map is an error\n" << describe(alone);
    EXPECT_EQ(alone.json.with_rule("map.empty").size(), 1u) << describe(alone);
    // Against the boundary, every county is one big gap.
    Outcome o = hostile({path, "--boundary", sub().boundary}, path);
    ASSERT_TRUE(o.report) << describe(o);
    EXPECT_EQ(o.json.features, 0);
    EXPECT_EQ(o.run.status, 1) << describe(o);
    double gaps = 0, counties = 0;
    for (const auto* f : o.json.with_rule("coverage.gap")) gaps += f->area_m2.value_or(0);
    for (const auto& c : sub().counties) counties += gk_area(*c.geom, c.epsg, kDensifyDeg);
    EXPECT_NEAR(gaps, counties, 0.01 * counties) << "the gaps should be the counties' area\n" << describe(o);
}

// ------------------------------------------------------------------ Z and M

// 3-D and measured geometries: a geometry.type warning, and the other rules
// still work (a duplicate code and a square hole are found as usual).
TEST_F(CheckHostile, ZAndMGeometries) {
    // The variant: row 3 takes row 2's code (both 历下 key units); a 200 m
    // square cut out of a large unit.
    Table t = units();
    ASSERT_EQ(t.get(t.rows[2], "XZQDM"), t.get(t.rows[3], "XZQDM"));
    ASSERT_EQ(t.get(t.rows[2], "ZHGKDYFL"), t.get(t.rows[3], "ZHGKDYFL"));
    t.set(t.rows[3], "HJZHGKDYBM", t.get(t.rows[2], "HJZHGKDYBM"));
    std::size_t host = t.rows.size();
    GeosPtr square;
    for (std::size_t i = 0; i < t.rows.size() && !square; ++i) {
        GeosPtr g = to_geos(*t.rows[i].geom);
        double lon = 0, lat = 0;
        point_on_surface(g.get(), &lon, &lat);
        const double hx = metres_to_dlon(100, lat), hy = metres_to_dlat(100);
        auto margin = to_geos(*lonlat_box(lon - 3 * hx, lat - 3 * hy, lon + 3 * hx, lat + 3 * hy));
        if (!geos_within(margin.get(), g.get())) continue;
        square = to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy));
        GeosPtr holed = polygonal(difference(g.get(), square.get()).get());
        t.rows[i].geom.reset(OGRGeometryFactory::forceToMultiPolygon(to_ogr(holed.get()).release()));
        host = i;
    }
    ASSERT_LT(host, t.rows.size());
    const double square_m2 = gk_area(square.get(), sub().county(t.get(t.rows[host], "XZQDM"))->epsg);

    struct Case {
        const char* name;
        bool z, m;
        const char* driver;
        const char* file;
        std::int64_t first_fid;
    };
    for (const Case& k : {Case{"PolygonZ Shapefile", true, false, "ESRI Shapefile", "z.shp", 0},
                          Case{"MultiPolygon M GeoPackage", false, true, "GPKG", "m.gpkg", 1},
                          Case{"MultiPolygon ZM GeoPackage", true, true, "GPKG", "zm.gpkg", 1}}) {
        SCOPED_TRACE(k.name);
        Table v = t;
        v.name = fs::path(k.file).stem().string();
        for (auto& r : v.rows) add_dimensions(r.geom.get(), k.z, k.m);
        v.geom_type = OGR_GT_SetModifier(wkbMultiPolygon, k.z, k.m);
        const std::string path = tmp_.file(k.file);
        std::vector<std::string> lco;
        if (std::string(k.driver) == "ESRI Shapefile") lco = {"ENCODING=UTF-8"};
        const auto fids = write_table(v, path, k.driver, lco);
        ASSERT_EQ(fids[0], k.first_fid);
        {
            DatasetPtr ds = open_vector(path);
            ASSERT_TRUE(ds);
            const OGRwkbGeometryType gt = ds->GetLayer(0)->GetGeomType();
            ASSERT_EQ(static_cast<bool>(OGR_GT_HasZ(gt)), k.z) << OGRGeometryTypeToName(gt);
            ASSERT_EQ(static_cast<bool>(OGR_GT_HasM(gt)), k.m) << OGRGeometryTypeToName(gt);
        }
        Outcome o = hostile({path}, path);
        ASSERT_TRUE(o.report) << describe(o);
        const auto type = o.json.with_rule("geometry.type");
        ASSERT_FALSE(type.empty()) << "no geometry.type for " << k.name << "\n" << describe(o);
        for (const auto* f : type) EXPECT_EQ(f->severity, "warning") << f->describe();
        const auto dup = o.json.with_rule("code.duplicate");
        ASSERT_EQ(dup.size(), 1u) << describe(o);
        EXPECT_EQ(dup[0]->fid, fids[3]) << dup[0]->describe();
        EXPECT_EQ(dup[0]->fid2, fids[2]) << dup[0]->describe();
        const auto gaps = o.json.with_rule("coverage.gap");
        ASSERT_EQ(gaps.size(), 1u) << describe(o);
        ASSERT_TRUE(gaps[0]->area_m2);
        EXPECT_NEAR(*gaps[0]->area_m2, square_m2, 0.01 * square_m2) << gaps[0]->describe();
        for (const auto* f : o.json.errors_list())
            EXPECT_TRUE(f->rule == "code.duplicate" || f->rule == "coverage.gap") << "unexpected: " << f->describe();
    }
}

// ------------------------------------------------------------------ odd geometries

// One unit with a NaN vertex, one with a vertex at 1e300, each in a map of its own.
TEST_F(CheckHostile, NanAndHugeCoordinates) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    int k = 0;
    for (const auto& [label, x, y] : {std::tuple<const char*, double, double>{"NaN", nan, nan},
                                      std::tuple<const char*, double, double>{"NaN x", nan, 36.6},
                                      std::tuple<const char*, double, double>{"1e300", 1e300, 1e300},
                                      std::tuple<const char*, double, double>{"-1e300 y", 117.0, -1e300}}) {
        SCOPED_TRACE(label);
        ++k;
        Table t = units();
        const std::size_t u = 7;
        auto* multi = t.rows[u].geom->toMultiPolygon();
        OGRLinearRing* ring = multi->getGeometryRef(0)->getExteriorRing();
        ring->setPoint(1, x, y);
        const std::string path = tmp_.file("odd-" + std::to_string(k) + ".gpkg");
        const auto fids = write_table(t, path);
        Outcome o = hostile({path}, path);
        ASSERT_TRUE(o.report) << "a map with one odd unit is still a map: report the unit\n" << describe(o);
        EXPECT_TRUE(has(o.json, "geometry.invalid", fids[u])) << "no geometry.invalid on fid " << fids[u] << "\n"
                                                              << describe(o);
        // and only that unit is reported as invalid
        for (const auto* f : o.json.with_rule("geometry.invalid")) EXPECT_EQ(f->fid, fids[u]) << f->describe();
    }
}

// Null and empty geometries, and a line where a polygon belongs.
TEST_F(CheckHostile, NullEmptyAndLineGeometries) {
    Table t = units();
    t.geom_type = wkbUnknown;
    t.rows[1].geom.reset();
    t.rows[2].geom = std::make_unique<OGRMultiPolygon>();
    auto line = std::make_unique<OGRLineString>();
    line->addPoint(117.0, 36.6);
    line->addPoint(117.01, 36.61);
    t.rows[3].geom = std::move(line);
    const std::string path = tmp_.file("odd.gpkg");
    const auto fids = write_table(t, path);
    Outcome o = hostile({path}, path);
    ASSERT_TRUE(o.report) << describe(o);
    EXPECT_TRUE(has(o.json, "geometry.empty", fids[1])) << "null geometry\n" << describe(o);
    EXPECT_TRUE(has(o.json, "geometry.empty", fids[2])) << "empty geometry\n" << describe(o);
    EXPECT_TRUE(has(o.json, "geometry.type", fids[3])) << "a line\n" << describe(o);
    EXPECT_EQ(o.run.status, 1);
}

// A unit that is a circle of 1,000,000 vertices (radius 2 km) laid on the
// map: it overlaps the units under it, by the circle's area in all.
TEST_F(CheckHostile, MillionVertexCircle) {
    // The centre: inside a large unit, far from its edges.
    std::size_t host = units().rows.size();
    double clon = 0, clat = 0;
    for (std::size_t i = 0; i < units().rows.size(); ++i) {
        GeosPtr g = to_geos(*units().rows[i].geom);
        point_on_surface(g.get(), &clon, &clat);
        const double hx = metres_to_dlon(2500, clat), hy = metres_to_dlat(2500);
        const auto* c = sub().county(units().get(units().rows[i], "XZQDM"));
        if (geos_within(to_geos(*lonlat_box(clon - hx, clat - hy, clon + hx, clat + hy)).get(), c->g.get())) {
            host = i;
            break;
        }
    }
    ASSERT_LT(host, units().rows.size());
    constexpr int n = 1000000;
    auto ring = std::make_unique<OGRLinearRing>();
    ring->setNumPoints(n + 1);
    const double rx = metres_to_dlon(2000, clat), ry = metres_to_dlat(2000);
    for (int i = 0; i < n; ++i) {
        const double a = 2 * M_PI * i / n;
        ring->setPoint(i, clon + rx * std::cos(a), clat + ry * std::sin(a));
    }
    ring->setPoint(n, clon + rx, clat);
    auto poly = std::make_unique<OGRPolygon>();
    poly->addRingDirectly(ring.release());
    auto multi = std::make_unique<OGRMultiPolygon>();
    multi->addGeometryDirectly(poly.release());
    const int epsg = sub().county(units().get(units().rows[host], "XZQDM"))->epsg;
    const double circle_m2 = gk_area(*multi, epsg);

    Table t = units();
    Row r = t.rows[host];
    r.geom = std::move(multi);
    std::string code = t.get(r, "HJZHGKDYBM");
    code.replace(9, 4, "9999");
    t.set(r, "HJZHGKDYBM", code);
    t.rows.push_back(std::move(r));
    const std::string path = tmp_.file("circle.gpkg");
    const auto fids = write_table(t, path);

    Outcome o = hostile({path, "--boundary", sub().boundary}, path);
    std::printf("note: zone-check on a map with a 1,000,000-vertex unit took %.2f s\n", o.run.seconds);
    ASSERT_TRUE(o.report) << describe(o);
    double overlap = 0;
    for (const auto* f : o.json.with_rule("coverage.overlap")) {
        EXPECT_TRUE(f->fid == fids.back() || f->fid2 == fids.back()) << f->describe();
        overlap += f->area_m2.value_or(0);
    }
    EXPECT_NEAR(overlap, circle_m2, 0.01 * circle_m2) << describe(o);
    EXPECT_TRUE(o.json.with_rule("coverage.gap").empty()) << describe(o);
}

// ------------------------------------------------------------------ archives

bool copy_into_zip(const std::string& file, const std::string& zip_member) {
    const std::string bytes = read_file(file);
    VSILFILE* f = VSIFOpenL(zip_member.c_str(), "wb");
    if (!f) return false;
    const bool ok = VSIFWriteL(bytes.data(), 1, bytes.size(), f) == bytes.size();
    return VSIFCloseL(f) == 0 && ok;
}

TEST_F(CheckHostile, ZippedShapefile) {
    const std::string shp = shapefile("units", units());
    const std::string zip = tmp_.file("units.zip");
    gdal_init();
    for (const char* ext : {".shp", ".shx", ".dbf", ".prj", ".cpg"})
        ASSERT_TRUE(copy_into_zip(tmp_.file(std::string("units") + ext), "/vsizip/" + zip + "/units" + ext)) << ext;
    for (const std::string& source : {"/vsizip/" + zip + "/units.shp", "/vsizip/" + zip}) {
        SCOPED_TRACE(source);
        Outcome o = hostile({source}, zip);
        ASSERT_TRUE(o.report) << describe(o);
        EXPECT_EQ(o.run.status, 0) << describe(o);
        EXPECT_EQ(o.json.features, static_cast<std::int64_t>(units().rows.size()));
        EXPECT_EQ(o.json.input, source);
    }
}

// ------------------------------------------------------------------ not a map

TEST_F(CheckHostile, MissingFile) {
    const std::string missing = tmp_.file("no-such-units.gpkg");
    const std::string report = tmp_.file("report.json"), errors = tmp_.file("errors.gpkg");
    Outcome o = hostile({missing, "-o", report, "--errors-out", errors}, missing);
    EXPECT_EQ(o.run.status, 2) << describe(o);
    EXPECT_FALSE(fs::exists(report));
    EXPECT_FALSE(fs::exists(errors));
    EXPECT_TRUE(zonekit_leftovers(tmp_.path()).empty());
    // A missing boundary or red line too.
    const std::string units_path = tmp_.file("units.gpkg");
    write_table(units(), units_path);
    const std::string no_boundary = tmp_.file("no-counties.gpkg");
    Outcome b = hostile({units_path, "--boundary", no_boundary}, no_boundary);
    EXPECT_EQ(b.run.status, 2) << describe(b);
    const std::string no_red = tmp_.file("no-redline.gpkg") + "|layername=redline";
    Outcome r = hostile({units_path, "--redline", no_red}, tmp_.file("no-redline.gpkg"));
    EXPECT_EQ(r.run.status, 2) << describe(r);
}

TEST_F(CheckHostile, NotAVectorFile) {
    gdal_init();
    // A GeoTIFF raster.
    const std::string tif = tmp_.file("units.tif");
    {
        GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
        ASSERT_NE(gtiff, nullptr);
        DatasetPtr ds(gtiff->Create(tif.c_str(), 16, 16, 1, GDT_Byte, nullptr));
        ASSERT_TRUE(ds);
    }
    Outcome o = hostile({tif}, tif);
    EXPECT_EQ(o.run.status, 2) << describe(o);
    // Text that pretends to be a GeoPackage.
    const std::string junk = tmp_.file("junk.gpkg");
    write_file(junk, "this is not a GeoPackage\n");
    Outcome j = hostile({junk}, junk);
    EXPECT_EQ(j.run.status, 2) << describe(j);
    // A folder.
    Outcome d = hostile({tmp_.path().string()}, tmp_.path().string());
    EXPECT_NE(d.run.status, 0) << describe(d);
    // Bad arguments.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"map", tif, "--format", "xml"}, {"map", tif, "--gap-tolerance", "-5"},
          {"map"}, {"frobnicate", tif}}) {
        RunResult r = run_zone_check(args, kTimeout);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_FALSE(r.err.empty()) << r.describe();
    }
}

// ------------------------------------------------------------------ more odd inputs

TEST_F(CheckHostile, EmptyShpAndTableWithoutGeometry) {
    // A zero-byte .shp beside a good .dbf/.shx.
    const std::string shp = shapefile("units", units());
    fs::resize_file(shp, 0);
    Outcome o = hostile({shp}, shp);
    EXPECT_NE(o.run.status, 0) << describe(o);

    // A GeoPackage attribute table called units (no geometry column).
    Table t = units();
    t.geom_type = wkbNone;
    for (auto& r : t.rows) r.geom.reset();
    const std::string path = tmp_.file("table.gpkg");
    write_table(t, path);
    Outcome a = hostile({path}, path);
    EXPECT_NE(a.run.status, 0) << "a table without geometries is no unit map\n" << describe(a);
}

// Odd reference layers: a bow-tie and a NaN in the red line, a raster as the
// boundary, a boundary with an invalid county.
TEST_F(CheckHostile, OddBoundaryAndRedLine) {
    const std::string path = tmp_.file("units.gpkg");
    write_table(units(), path);

    Table red = sub().redline;
    auto ring = std::make_unique<OGRLinearRing>();
    ring->addPoint(117.00, 36.60);
    ring->addPoint(117.02, 36.62);
    ring->addPoint(117.02, 36.60);
    ring->addPoint(117.00, 36.62);
    ring->addPoint(117.00, 36.60);
    auto poly = std::make_unique<OGRPolygon>();
    poly->addRingDirectly(ring.release());
    auto multi = std::make_unique<OGRMultiPolygon>();
    multi->addGeometryDirectly(poly.release());
    Row bow = red.rows[0];
    bow.geom = std::move(multi);
    red.rows.push_back(bow);
    const std::string red_path = tmp_.file("redline.gpkg");
    write_table(red, red_path);
    Outcome r = hostile({path, "--redline", red_path}, red_path);
    EXPECT_TRUE(r.run.status == 1 || r.run.status == 2) << "a bow-tie of red line in key/general units\n"
                                                         << describe(r);

    const std::string tif = tmp_.file("counties.tif");
    {
        GDALDriver* gtiff = GetGDALDriverManager()->GetDriverByName("GTiff");
        DatasetPtr ds(gtiff->Create(tif.c_str(), 8, 8, 1, GDT_Byte, nullptr));
        ASSERT_TRUE(ds);
    }
    Outcome b = hostile({path, "--boundary", tif}, tif);
    EXPECT_EQ(b.run.status, 2) << describe(b);

    Table counties = read_table(sub().boundary);
    auto* cm = counties.rows[0].geom->toMultiPolygon();
    cm->getGeometryRef(0)->getExteriorRing()->setPoint(1, std::numeric_limits<double>::quiet_NaN(), 36.6);
    const std::string bad_counties = tmp_.file("bad-counties.gpkg");
    write_table(counties, bad_counties);
    Outcome c = hostile({path, "--boundary", bad_counties}, bad_counties);
    (void)c;  // any of 0/1/2, as long as it does not crash or hang
}

// Text that needs escaping in JSON and XML, and bytes that are not UTF-8
// (a GBK Shapefile whose .cpg says UTF-8): the reports stay well-formed.
TEST_F(CheckHostile, CodesThatNeedEscaping) {
    Table t = units();
    const std::vector<std::string> odd = {"ZH\"370102\"<&>", "ZH370102\\30001\n\t", std::string("ZH\x01\x1f", 4),
                                          "ZH370102'; DROP TABLE units; --"};
    for (std::size_t i = 0; i < odd.size(); ++i) t.set(t.rows[10 + i], "HJZHGKDYBM", odd[i]);
    const std::string path = tmp_.file("escape.gpkg");
    const auto fids = write_table(t, path);
    Outcome o = hostile({path}, path);
    ASSERT_TRUE(o.report) << describe(o);
    for (std::size_t i = 0; i < odd.size(); ++i) {
        bool found = false;
        for (const auto* f : o.json.with_rule("code.format"))
            if (f->fid == fids[10 + i]) {
                found = true;
                EXPECT_EQ(f->code, odd[i]) << "the code must come back unchanged through JSON";
            }
        EXPECT_TRUE(found) << "no code.format on fid " << fids[10 + i] << "\n" << describe(o);
    }
    RunResult ju = run_zone_check({"map", path, "--format", "junit", "-q"}, kTimeout);
    EXPECT_EQ(ju.status, 1) << ju.describe();
    CPLXMLNode* xml = CPLParseXMLString(ju.out.c_str());
    EXPECT_NE(xml, nullptr) << "the JUnit report is not well-formed XML:\n" << ju.out.substr(0, 3000);
    if (xml) CPLDestroyXMLNode(xml);

    // GBK bytes behind a .cpg that says UTF-8.
    const std::string shp = tmp_.file("liar.shp");
    Table g = units();
    g.name = "liar";
    write_table(g, shp, "ESRI Shapefile", {"ENCODING=CP936"});
    write_file(tmp_.file("liar.cpg"), "UTF-8");
    Outcome l = hostile({shp}, shp);
    ASSERT_TRUE(l.report) << describe(l);
    EXPECT_TRUE(has(l.json, "schema.encoding")) << "GBK text in a Shapefile that claims UTF-8\n" << describe(l);
    RunResult lj = run_zone_check({"map", shp, "--format", "junit", "-q"}, kTimeout);
    CPLXMLNode* lx = CPLParseXMLString(lj.out.c_str());
    EXPECT_NE(lx, nullptr) << "the JUnit report is not well-formed XML:\n" << lj.out.substr(0, 3000);
    if (lx) CPLDestroyXMLNode(lx);
    RunResult lt = run_zone_check({"map", shp, "-q"}, kTimeout);
    EXPECT_TRUE(is_valid_utf8(lt.out)) << "the text report is not UTF-8";
}

}  // namespace
