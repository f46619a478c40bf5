// zone-build on bad input: every case must give exit code 2 and a message on
// stderr naming the file and, where they apply, the layer, the feature and
// the field ("zone-build: error: FILE: layer 'L': feature N: field 'F': ..."),
// and leave no output and no .zonekit-* folder behind. Inputs are made at
// test time from the real test data with OGR.
#include "support.hpp"

#include <gtest/gtest.h>

#include <cpl_conv.h>
#include <ogr_api.h>
#include <ogr_spatialref.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <algorithm>
#include <set>
#include <sstream>

namespace {

using namespace zt;

// Counties of the city of Jinan used by these cases: a few adjacent ones keep
// every run short.
const std::set<std::string> kCounties = {"370102", "370103", "370104", "370105", "370112"};

struct Base {
    std::unique_ptr<TempDir> dir;
    SchemeInfo real;            // the Shandong scheme the inputs are taken from
    std::string counties;       // GPKG, layer "counties", the counties above
    std::string redline;        // GPKG, layer "redline", red line near them
    std::vector<std::int64_t> county_fids;
    double lon = 0, lat = 0;    // a point well inside county 370112
    std::string error;
};

Base* g_base = nullptr;

std::string q(const std::string& s) {  // a TOML basic string
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

struct FactorDef {
    std::string id, source;
    int category = 1;
    std::string extra;  // more TOML lines
};

std::string scheme_text(const std::string& boundary, const std::string& code_field,
                        const std::vector<FactorDef>& factors, const std::string& boundary_extra = "") {
    const SchemeInfo& r = g_base->real;
    std::ostringstream s;
    s << "[scheme]\nname = \"bad input test\"\nprovince = \"山东省\"\n\n";
    s << "[boundary]\nsource = " << q(boundary) << "\ncode_field = " << q(code_field)
      << "\nname_field = " << q(r.name_field) << "\n";
    if (!r.city_field.empty()) s << "city_field = " << q(r.city_field) << "\n";
    s << boundary_extra << "\n";
    for (const auto& f : factors) {
        s << "[[factor]]\nid = " << q(f.id) << "\nsource = " << q(f.source) << "\ncategory = " << f.category << "\n"
          << f.extra << "\n";
    }
    return s.str();
}

void make_base(Base& b) {
    b.dir = std::make_unique<TempDir>("zonecli-base");
    b.real = read_scheme(shandong_scheme());
    const SchemeInfo& r = b.real;
    b.counties = b.dir->file("counties.gpkg");
    OGREnvelope env;
    bool first = true;
    copy_layer(r.boundary_source, b.counties, "GPKG", "counties", [&](OGRFeature& f) {
        if (!kCounties.count(f.GetFieldAsString(r.code_field.c_str()))) return false;
        OGREnvelope e;
        f.GetGeometryRef()->getEnvelope(&e);
        if (first) env = e;
        else env.Merge(e);
        first = false;
        return true;
    });
    LayerData counties = read_layer(b.counties);
    if (counties.features.size() != kCounties.size()) throw std::runtime_error("the Jinan counties are not all there");
    for (const auto& f : counties.features) {
        b.county_fids.push_back(f.fid);
        if (f[r.code_field] == "370112") {
            OGRGeometryH p = OGR_G_PointOnSurface(OGRGeometry::ToHandle(f.geom.get()));
            if (!p) throw std::runtime_error("no point on the surface of county 370112");
            b.lon = OGR_G_GetX(p, 0);
            b.lat = OGR_G_GetY(p, 0);
            OGR_G_DestroyGeometry(p);
        }
    }

    const FactorInfo* red = r.factor_by_layer("redline");
    if (!red) throw std::runtime_error("the scheme has no factor from a layer 'redline'");
    b.redline = b.dir->file("redline.gpkg");
    copy_layer(red->source, b.redline, "GPKG", "redline", [&](OGRFeature& f) {
        const OGRGeometry* g = f.GetGeometryRef();
        if (!g) return false;
        OGREnvelope e;
        g->getEnvelope(&e);
        return e.Intersects(env) != 0;
    });
    if (read_layer(b.redline).features.empty()) throw std::runtime_error("no red line near Jinan");
}

// Writes a polygon layer in EPSG:4490 with one feature per geometry; returns their fids.
std::vector<std::int64_t> write_geometries(const std::string& path, const std::string& layer_name,
                                           std::vector<std::unique_ptr<OGRGeometry>> geoms,
                                           OGRwkbGeometryType type = wkbPolygon) {
    gdal_init();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    DatasetPtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path);
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    OGRLayer* layer = ds->CreateLayer(layer_name.c_str(), &srs, type, nullptr);
    OGRFieldDefn name("name", OFTString);
    layer->CreateField(&name);
    std::vector<std::int64_t> fids;
    int i = 0;
    for (auto& g : geoms) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("name", ("part " + std::to_string(++i)).c_str());
        f.SetGeometryDirectly(g.release());
        if (layer->CreateFeature(&f) != OGRERR_NONE) throw std::runtime_error("cannot write to " + path);
        fids.push_back(f.GetFID());
    }
    return fids;
}

std::unique_ptr<OGRGeometry> square(double x, double y, double half) {
    auto ring = std::make_unique<OGRLinearRing>();
    ring->addPoint(x - half, y - half);
    ring->addPoint(x + half, y - half);
    ring->addPoint(x + half, y + half);
    ring->addPoint(x - half, y + half);
    ring->closeRings();
    auto poly = std::make_unique<OGRPolygon>();
    poly->addRingDirectly(ring.release());
    return poly;
}

std::unique_ptr<OGRGeometry> polygon_of(const std::vector<std::pair<double, double>>& pts) {
    auto ring = std::make_unique<OGRLinearRing>();
    for (const auto& [x, y] : pts) ring->addPoint(x, y);
    auto poly = std::make_unique<OGRPolygon>();
    poly->addRingDirectly(ring.release());
    return poly;
}

void translate(OGRGeometry* g, double dx, double dy) {
    switch (wkbFlatten(g->getGeometryType())) {
        case wkbPolygon:
            for (auto* ring : *g->toPolygon())
                for (int i = 0; i < ring->getNumPoints(); ++i)
                    ring->setPoint(i, ring->getX(i) + dx, ring->getY(i) + dy);
            break;
        case wkbMultiPolygon:
            for (auto* poly : *g->toMultiPolygon()) translate(poly, dx, dy);
            break;
        default: throw std::runtime_error("translate: unexpected geometry");
    }
}

class BuildBadInput : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (g_base) return;
        g_base = new Base();
        try {
            make_base(*g_base);
        } catch (const std::exception& e) {
            g_base->error = e.what();
        }
    }

    static void TearDownTestSuite() {
        delete g_base;  // removes the folder of base inputs
        g_base = nullptr;
    }

    void SetUp() override {
        ASSERT_TRUE(g_base->error.empty()) << "cannot make the inputs: " << g_base->error;
        work_ = std::make_unique<TempDir>("zonecli-bad");
    }

    const Base& base() const { return *g_base; }
    std::string file(const std::string& name) const { return work_->file(name); }
    const fs::path& dir() const { return work_->path(); }

    std::string write_scheme(const std::string& text, const std::string& name = "scheme.toml") const {
        const std::string path = file(name);
        write_file(path, text);
        return path;
    }

    // A scheme over the base counties with the base red line, plus `more`.
    std::string good_scheme(const std::vector<FactorDef>& more = {}) const {
        std::vector<FactorDef> factors{{"redline", base().redline, 1, ""}};
        factors.insert(factors.end(), more.begin(), more.end());
        return scheme_text(base().counties, base().real.code_field, factors);
    }

    // Runs zone-build SCHEME -o OUT [extra] and checks what every failure must
    // hold: exit 2, "zone-build: error: " and each of `mentions` on stderr,
    // nothing on stdout, and no new entry in the output's folder.
    RunResult expect_cannot(const std::string& scheme, const std::vector<std::string>& mentions,
                            const std::vector<std::string>& extra = {}, std::string out = "") const {
        if (out.empty()) out = file("out.gpkg");
        const fs::path out_dir = fs::absolute(out).parent_path();
        const auto before = dir_entries(out_dir);
        std::vector<std::string> args{scheme, "-o", out};
        args.insert(args.end(), extra.begin(), extra.end());
        RunResult r = run_zone_build(args);
        if (const char* show = std::getenv("ZONE_TEST_SHOW"); show && *show) std::printf("%s", r.err.c_str());
        if (r.status != 2) {
            ADD_FAILURE() << "expected exit code 2\n" << r.describe();
            return r;
        }
        EXPECT_EQ(r.err.rfind("zone-build: error: ", 0), 0u) << r.describe();
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line expected\n" << r.describe();
        for (const auto& m : mentions) EXPECT_TRUE(contains(r.err, m)) << "stderr does not mention \"" << m << "\"\n"
                                                                     << r.describe();
        EXPECT_TRUE(r.out.empty()) << r.describe();
        EXPECT_EQ(dir_entries(out_dir), before) << "zone-build left files behind\n" << r.describe();
        EXPECT_TRUE(zonekit_leftovers(out_dir).empty());
        return r;
    }

private:
    std::unique_ptr<TempDir> work_;
};

std::string layer_of(const std::string& name) { return "layer '" + name + "'"; }
std::string feature_of(std::int64_t fid) { return "feature " + std::to_string(fid); }
std::string field_of(const std::string& name) { return "field '" + name + "'"; }

// ------------------------------------------------------------------ control

TEST_F(BuildBadInput, TheBaseInputsBuild) {
    // Without this the failures below could be failures of the base data.
    const std::string scheme = write_scheme(good_scheme());
    RunResult r = run_zone_build({scheme, "-o", file("out.gpkg"), "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(fs::exists(file("out.gpkg")));
    EXPECT_TRUE(zonekit_leftovers(dir()).empty());
}

// ------------------------------------------------------------------ files and fields

TEST_F(BuildBadInput, MissingSchemeFile) {
    expect_cannot(file("no-such-scheme.toml"), {"no-such-scheme.toml"});
}

TEST_F(BuildBadInput, MissingBoundaryFile) {
    const std::string missing = file("no-such-counties.gpkg");
    const std::string scheme =
        write_scheme(scheme_text(missing, base().real.code_field, {{"redline", base().redline, 1, ""}}));
    expect_cannot(scheme, {missing});
}

TEST_F(BuildBadInput, MissingCodeField) {
    const std::string scheme =
        write_scheme(scheme_text(base().counties, "county_code", {{"redline", base().redline, 1, ""}}));
    expect_cannot(scheme, {base().counties, layer_of("counties"), field_of("county_code")});
}

TEST_F(BuildBadInput, MissingFactorNameField) {
    const std::string scheme = write_scheme(good_scheme(
        {{"reds", base().redline, 1, "group = \"feature\"\nname_field = \"reserve_name\"\n"}}));
    expect_cannot(scheme, {base().redline, layer_of("redline"), field_of("reserve_name")});
}

TEST_F(BuildBadInput, MissingLayer) {
    const std::string scheme = write_scheme(good_scheme({{"parks", base().redline + "|layername=parks", 2, ""}}));
    expect_cannot(scheme, {base().redline, "parks"});
}

TEST_F(BuildBadInput, BoundaryShapefileWithoutPrj) {
    const std::string shp = file("counties_nocrs.shp");
    copy_layer(base().counties, shp, "ESRI Shapefile", "counties_nocrs", {}, {"ENCODING=UTF-8"}, nullptr, true);
    fs::remove(file("counties_nocrs.prj"));
    ASSERT_TRUE(fs::exists(shp));
    ASSERT_FALSE(fs::exists(file("counties_nocrs.prj")));
    const std::string scheme =
        write_scheme(scheme_text(shp, base().real.code_field, {{"redline", base().redline, 1, ""}}));
    RunResult r = expect_cannot(scheme, {shp, layer_of("counties_nocrs")});
    EXPECT_TRUE(contains(r.err, "CRS") || contains(r.err, "coordinate reference system") || contains(r.err, ".prj"))
        << r.err;
}

// A GeoPackage layer created without a CRS gets srs_id 0, which GDAL reports
// as an SRS named "Undefined geographic SRS" (unknown datum): not a CRS the
// data declares, so it is as missing as a Shapefile's .prj. (A GeoJSON file
// without "crs" is WGS 84 by RFC 7946, so it is not such a case.)
TEST_F(BuildBadInput, BoundaryGeoPackageWithUndefinedCrs) {
    const std::string path = file("counties_nocrs.gpkg");
    copy_layer(base().counties, path, "GPKG", "counties", {}, {}, nullptr, true);
    {
        DatasetPtr ds = open_vector(path);
        ASSERT_TRUE(ds);
        const OGRSpatialReference* srs = ds->GetLayer(0)->GetSpatialRef();
        ASSERT_TRUE(srs == nullptr || contains(srs->GetName() ? srs->GetName() : "", "Undefined"))
            << "GDAL reads a CRS: " << (srs->GetName() ? srs->GetName() : "?");
    }
    const std::string scheme =
        write_scheme(scheme_text(path, base().real.code_field, {{"redline", base().redline, 1, ""}}));
    expect_cannot(scheme, {path, layer_of("counties")});
}

// ------------------------------------------------------------------ geometry types

TEST_F(BuildBadInput, PointFactorLayer) {
    const std::string path = file("seats.gpkg");
    copy_layer(testdata_dir() + "/shandong/base/county_seats.geojson", path, "GPKG", "seats");
    const auto seats = read_layer(path);
    ASSERT_FALSE(seats.features.empty());
    const std::string scheme = write_scheme(good_scheme({{"seats", path, 2, ""}}));
    RunResult r = expect_cannot(scheme, {path, layer_of("seats"), feature_of(seats.features[0].fid)});
    EXPECT_TRUE(contains(r.err, "Point") || contains(r.err, "point")) << r.err;
}

TEST_F(BuildBadInput, LineFactorLayer) {
    const std::string path = file("rivers.gpkg");
    copy_layer(testdata_dir() + "/shandong/base/rivers.geojson", path, "GPKG", "rivers");
    const auto rivers = read_layer(path);
    ASSERT_FALSE(rivers.features.empty());
    const std::string scheme = write_scheme(good_scheme({{"rivers", path, 1, ""}}));
    RunResult r = expect_cannot(scheme, {path, layer_of("rivers"), feature_of(rivers.features[0].fid)});
    EXPECT_TRUE(contains(r.err, "String") || contains(r.err, "line")) << r.err;
}

TEST_F(BuildBadInput, PolygonsThenAPointInOneLayer) {
    // The offending feature is not the first: the message must name its fid.
    const std::string path = file("mixed.gpkg");
    std::vector<std::unique_ptr<OGRGeometry>> geoms;
    geoms.push_back(square(base().lon, base().lat, 0.004));
    geoms.push_back(square(base().lon + 0.01, base().lat, 0.004));
    geoms.push_back(std::make_unique<OGRPoint>(base().lon, base().lat + 0.01));
    geoms.push_back(square(base().lon - 0.01, base().lat, 0.004));
    const auto fids = write_geometries(path, "mixed", std::move(geoms), wkbUnknown);
    const std::string scheme = write_scheme(good_scheme({{"mixed", path, 2, ""}}));
    expect_cannot(scheme, {path, layer_of("mixed"), feature_of(fids[2])});
}

// ------------------------------------------------------------------ encoding

TEST_F(BuildBadInput, GbkShapefileWithoutCpg) {
    const FactorInfo* reserves = base().real.factor_by_file("reserves.shp");
    ASSERT_NE(reserves, nullptr) << "the scheme has no factor from reserves.shp";
    ASSERT_FALSE(reserves->name_field.empty());
    // The real GBK Shapefile, byte for byte, but without its .cpg.
    for (const char* ext : {".shp", ".shx", ".dbf", ".prj"}) {
        fs::path from = fs::path(reserves->path).replace_extension(ext);
        ASSERT_TRUE(fs::exists(from)) << from;
        fs::copy_file(from, file(std::string("reserves_nocpg") + ext));
    }
    // GDAL would also take the code page from the DBF's language driver id
    // (byte 29); zero it so that nothing declares the encoding.
    const std::string dbf = file("reserves_nocpg.dbf");
    {
        std::fstream f(dbf, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(29);
        f.put('\0');
    }
    const std::string shp = file("reserves_nocpg.shp");
    // Check how GDAL 3.6 reads it now: the names come back as raw GBK bytes.
    LayerData raw = read_layer(shp);
    std::int64_t first_bad = -1;
    for (const auto& f : raw.features)
        if (f.geom && !is_valid_utf8(f[reserves->name_field])) {
            first_bad = f.fid;
            break;
        }
    ASSERT_GE(first_bad, 0) << "GDAL decodes the DBF without .cpg; this case tests nothing";

    const std::string factor_extra = "group = \"feature\"\nname_field = " + q(reserves->name_field) + "\n";
    const std::string scheme = write_scheme(good_scheme({{"reserve", shp, 1, factor_extra}}));
    RunResult r = expect_cannot(scheme, {shp, layer_of("reserves_nocpg"), feature_of(first_bad),
                                         field_of(reserves->name_field)});
    EXPECT_TRUE(contains(r.err, "GBK") || contains(r.err, "encoding") || contains(r.err, "UTF-8")) << r.err;

    // What the message suggests works: declare the encoding in the scheme.
    const std::string fixed = write_scheme(
        good_scheme({{"reserve", shp, 1, factor_extra + "encoding = \"GBK\"\n"}}), "fixed.toml");
    RunResult ok = run_zone_build({fixed, "-o", file("fixed.gpkg"), "-q"});
    EXPECT_EQ(ok.status, 0) << ok.describe();
}

// ------------------------------------------------------------------ empty and invalid

TEST_F(BuildBadInput, EmptyFactorLayer) {
    const std::string path = file("empty.gpkg");
    copy_layer(base().redline, path, "GPKG", "empty_redline", [](OGRFeature&) { return false; });
    ASSERT_TRUE(read_layer(path).features.empty());
    const std::string scheme = write_scheme(good_scheme({{"nothing", path, 1, ""}}));
    expect_cannot(scheme, {path, layer_of("empty_redline")});
}

TEST_F(BuildBadInput, PolygonWithNanCoordinates) {
    const std::string path = file("nan.gpkg");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double x = base().lon, y = base().lat;
    std::vector<std::unique_ptr<OGRGeometry>> geoms;
    geoms.push_back(square(x, y, 0.004));
    geoms.push_back(square(x + 0.01, y, 0.004));
    geoms.push_back(polygon_of({{x, y + 0.01}, {x + 0.005, y + 0.01}, {nan, y + 0.015}, {x, y + 0.01}}));
    const auto fids = write_geometries(path, "nan", std::move(geoms));
    // Make sure the NaN survived the trip through the GeoPackage.
    LayerData back = read_layer(path);
    ASSERT_EQ(back.features.size(), 3u);
    bool has_nan = false;
    for (const auto* ring : *back.features[2].geom->toPolygon())
        for (const auto& p : *ring) has_nan |= std::isnan(p.getX()) || std::isnan(p.getY());
    ASSERT_TRUE(has_nan) << "OGR dropped the NaN";
    const std::string scheme = write_scheme(good_scheme({{"nan", path, 1, ""}}));
    expect_cannot(scheme, {path, layer_of("nan"), feature_of(fids[2])});
}

// One NaN vertex among good ones: repairing must not quietly drop it and
// keep the rest, since nobody knows where that vertex was meant to be.
TEST_F(BuildBadInput, SquareWithOneNanVertex) {
    const std::string path = file("nan1.gpkg");
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double x = base().lon, y = base().lat, h = 0.004;
    std::vector<std::unique_ptr<OGRGeometry>> geoms;
    geoms.push_back(square(x + 0.01, y, h));
    geoms.push_back(polygon_of({{x - h, y - h}, {x + h, y - h}, {nan, nan}, {x + h, y + h}, {x - h, y + h}, {x - h, y - h}}));
    const auto fids = write_geometries(path, "nan1", std::move(geoms));
    const std::string scheme = write_scheme(good_scheme({{"nan1", path, 1, ""}}));
    expect_cannot(scheme, {path, layer_of("nan1"), feature_of(fids[1])});
}

TEST_F(BuildBadInput, RingCollapsedToALine) {
    const std::string path = file("collapsed.gpkg");
    const double x = base().lon, y = base().lat;
    std::vector<std::unique_ptr<OGRGeometry>> geoms;
    geoms.push_back(square(x, y, 0.004));
    // Exactly collinear (one latitude), so no rounding leaves a sliver of area.
    geoms.push_back(polygon_of({{x, y + 0.01}, {x + 0.005, y + 0.01}, {x + 0.01, y + 0.01}, {x, y + 0.01}}));
    geoms.push_back(square(x + 0.01, y, 0.004));
    const auto fids = write_geometries(path, "collapsed", std::move(geoms));
    const std::string scheme = write_scheme(good_scheme({{"collapsed", path, 1, ""}}));
    expect_cannot(scheme, {path, layer_of("collapsed"), feature_of(fids[1])});
}

TEST_F(BuildBadInput, OverlappingCounties) {
    const std::string path = file("overlap.gpkg");
    const std::string code_field = base().real.code_field;
    copy_layer(base().counties, path, "GPKG", "counties", [&](OGRFeature& f) {
        if (std::string(f.GetFieldAsString(code_field.c_str())) == "370103") translate(f.GetGeometryRef(), 0.01, 0);
        return true;
    });
    std::int64_t moved = -1;
    for (const auto& f : read_layer(path).features)
        if (f[code_field] == "370103") moved = f.fid;
    ASSERT_GE(moved, 0);
    const std::string scheme =
        write_scheme(scheme_text(path, code_field, {{"redline", base().redline, 1, ""}}));
    RunResult r = expect_cannot(scheme, {path, layer_of("counties"), feature_of(moved)});
    EXPECT_TRUE(contains(r.err, "overlap")) << r.err;
}

TEST_F(BuildBadInput, DuplicateCountyCode) {
    const std::string path = file("dupe.gpkg");
    const std::string code_field = base().real.code_field;
    copy_layer(base().counties, path, "GPKG", "counties", [&](OGRFeature& f) {
        if (std::string(f.GetFieldAsString(code_field.c_str())) == "370104") f.SetField(code_field.c_str(), "370103");
        return true;
    });
    const std::string scheme = write_scheme(scheme_text(path, code_field, {{"redline", base().redline, 1, ""}}));
    expect_cannot(scheme, {path, layer_of("counties"), field_of(code_field), "370103"});
}

// ------------------------------------------------------------------ the output

TEST_F(BuildBadInput, ExistingOutputWithoutOverwrite) {
    const std::string out = file("out.gpkg");
    fs::copy_file(base().counties, out);  // something worth keeping
    const std::string before = read_file(out);
    const auto mtime = fs::last_write_time(out);
    const std::string scheme = write_scheme(good_scheme());
    expect_cannot(scheme, {out}, {}, out);
    EXPECT_TRUE(read_file(out) == before) << "the existing output was changed";
    EXPECT_EQ(fs::last_write_time(out), mtime);

    // And a Shapefile output whose .dbf alone exists is an existing output too.
    write_file(file("units.dbf"), "keep me");
    expect_cannot(scheme, {"units.dbf"}, {}, file("units.shp"));
    EXPECT_EQ(read_file(file("units.dbf")), "keep me");
}

TEST_F(BuildBadInput, OutputIsAnInput) {
    // Copies, so that a failure cannot damage the shared inputs.
    const std::string counties = file("counties.gpkg");
    fs::copy_file(base().counties, counties);
    const std::string scheme = write_scheme(scheme_text(counties, base().real.code_field,
                                                        {{"redline", base().redline, 1, ""}}));
    const std::string before = read_file(counties);
    // Even with --overwrite, and spelt differently.
    fs::create_directory(file("sub"));
    for (const std::string& out : {counties, file("sub/../counties.gpkg")}) {
        SCOPED_TRACE(out);
        expect_cannot(scheme, {"input"}, {"--overwrite"}, out);
        EXPECT_TRUE(read_file(counties) == before) << "the input was changed";
    }
    // The scheme itself, with a format named.
    const std::string scheme_before = read_file(scheme);
    expect_cannot(scheme, {"input"}, {"--overwrite", "--format", "GeoJSON"}, scheme);
    EXPECT_EQ(read_file(scheme), scheme_before);
}

TEST_F(BuildBadInput, ShapefileOutputOverAShapefileInput) {
    const std::string shp = file("zone.shp");
    copy_layer(base().redline, shp, "ESRI Shapefile", "zone", {}, {"ENCODING=UTF-8"});
    const std::string scheme = write_scheme(good_scheme({{"zone", shp, 2, ""}}));
    std::map<std::string, std::string> before;
    for (const auto& name : dir_entries(dir())) before[name] = read_file(file(name));
    expect_cannot(scheme, {"input"}, {"--overwrite"}, shp);
    for (const auto& [name, bytes] : before) EXPECT_TRUE(read_file(file(name)) == bytes) << name << " changed";
}

// ------------------------------------------------------------------ the scheme

TEST_F(BuildBadInput, SchemeIsNotToml) {
    const std::string scheme = write_scheme("[boundary\nsource = \"counties.gpkg\"\n");
    expect_cannot(scheme, {scheme});
}

TEST_F(BuildBadInput, SchemeHasAnUnknownKey) {
    const std::string scheme = write_scheme(good_scheme({{"reds", base().redline, 1, "colour = \"red\"\n"}}));
    expect_cannot(scheme, {scheme, "colour"});
}

TEST_F(BuildBadInput, SchemeHasAnUnknownTable) {
    const std::string scheme = write_scheme(good_scheme() + "\n[outptu]\npath = \"x.gpkg\"\n");
    expect_cannot(scheme, {scheme, "outptu"});
}

TEST_F(BuildBadInput, SchemeHasCategoryFive) {
    const std::string scheme = write_scheme(good_scheme({{"five", base().redline, 5, ""}}));
    expect_cannot(scheme, {scheme, "category"});
}

TEST_F(BuildBadInput, SchemeHasDuplicateFactorIds) {
    const std::string scheme = write_scheme(good_scheme({{"redline", base().redline, 2, ""}}));
    expect_cannot(scheme, {scheme, "redline"});
}

TEST_F(BuildBadInput, SchemeHasNoFactor) {
    const std::string scheme = write_scheme(scheme_text(base().counties, base().real.code_field, {}));
    expect_cannot(scheme, {scheme, "factor"});
}

TEST_F(BuildBadInput, UnknownOutputExtension) {
    expect_cannot(write_scheme(good_scheme()), {"out.txt"}, {}, file("out.txt"));
}

// ------------------------------------------------------------------ repairable input is accepted

TEST_F(BuildBadInput, BowTieIsRepairedAndCounted) {
    const std::string path = file("bowtie.gpkg");
    const double x = base().lon, y = base().lat, h = 0.005;
    std::vector<std::unique_ptr<OGRGeometry>> geoms;
    geoms.push_back(polygon_of({{x - h, y - h}, {x + h, y + h}, {x + h, y - h}, {x - h, y + h}, {x - h, y - h}}));
    auto bowtie = std::unique_ptr<OGRGeometry>(geoms[0]->clone());
    ASSERT_FALSE(bowtie->IsValid());
    write_geometries(path, "bowtie", std::move(geoms));
    // Only the bow tie, so that the count is about it alone.
    const std::string scheme = write_scheme(scheme_text(base().counties, base().real.code_field,
                                                        {{"bowtie", path, 1, "label = \"蝴蝶结\"\n"}}));
    const std::string out = file("out.gpkg");
    RunResult r = run_zone_build({scheme, "-o", out});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.err, "1 repaired")) << r.describe();
    EXPECT_TRUE(r.out.empty());
    EXPECT_TRUE(zonekit_leftovers(dir()).empty());

    // The repaired land, both triangles, is priority land.
    GeosPtr valid = make_valid(to_geos(*bowtie).get());
    const int epsg = gk_epsg_for_lon(x);
    const double expected = gk_area(valid.get(), epsg);
    ASSERT_GT(expected, 1e5);
    double got = 0;
    for (const auto& f : read_layer(out + "|layername=units").features)
        if (f["ZHGKDYFL"] == "1" && f["YSLX"] == "bowtie") got += gk_area(*f.geom, epsg, kDensifyDeg);
    EXPECT_NEAR(got, expected, 1.0) << "the priority units of the bow tie do not cover its two triangles";
}

}  // namespace
