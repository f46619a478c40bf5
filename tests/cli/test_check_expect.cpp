// zone-check map --expect: planning layers (urban development boundary,
// permanent basic farmland) against the Shandong map of five Jinan counties.
// Each test plants features of known place and area — squares well inside
// units of a chosen category, a whole unit's outline — and computes the
// expected findings itself with GDAL/GEOS (Gauss-Krüger areas in the unit's
// county zone), independently of libzone.
#include "support.hpp"

#include <gtest/gtest.h>

#include <cpl_minixml.h>
#include <ogr_api.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace {

using namespace zt;

const std::vector<std::string> kJinan = {"370102", "370103", "370104", "370105", "370112"};
constexpr double kRel = 0.01;  // areas within 1 %

struct Checked {
    RunResult run;
    CheckJson json;
    std::string describe() const { return run.describe() + "\n" + json.describe(); }
};

// `zone-check map ARGS --format json -q`: a report in the contract's shape.
Checked check(const std::vector<std::string>& args) {
    Checked c;
    std::vector<std::string> a{"map"};
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--format", "json", "-q"});
    c.run = run_zone_check(a, 60);
    c.json = parse_check_json(c.run.out);
    EXPECT_TRUE(c.json.parse_error.empty()) << c.json.parse_error << "\n" << c.run.describe();
    for (const auto& v : c.json.violations) ADD_FAILURE() << "report breaks zonekit(7) CHECK REPORT: " << v;
    EXPECT_EQ(c.run.status, c.json.errors > 0 ? 1 : 0) << c.run.describe();
    return c;
}

// A planted planning feature: where it is and what the check should say.
struct Planted {
    std::unique_ptr<OGRGeometry> geom;  // lon/lat
    std::string kind;                   // GNFQ
    std::int64_t fid = 0;               // as written
    int unit = -1;                      // the unit row it lies in
};

class CheckExpect : public ::testing::Test {
protected:
    void SetUp() override {
        sub_ = &shandong_subset(kJinan);
        ASSERT_TRUE(sub_->error.empty()) << sub_->error;
        for (const auto& r : units().rows) unit_g_.push_back(to_geos(*r.geom));
        units_path_ = tmp_.file("units.gpkg");
        fids_ = write_table(units(), units_path_);
    }

    const Table& units() const { return sub_->units; }
    std::string get(std::size_t i, const std::string& f) const { return units().get(units().rows[i], f); }
    int category(std::size_t i) const { return std::stoi(get(i, "ZHGKDYFL")); }
    int epsg_of(std::size_t i) const { return sub_->county(get(i, "XZQDM"))->epsg; }

    // A square of side `side_m` well inside a unit of `cat` not in `skip`.
    Planted square_in(int cat, double side_m, std::set<int>& skip) const {
        for (std::size_t i = 0; i < units().rows.size(); ++i) {
            if (skip.count(static_cast<int>(i)) || category(i) != cat) continue;
            double lon = 0, lat = 0;
            point_on_surface(unit_g_[i].get(), &lon, &lat);
            // Twice the side must fit: the square keeps clear of the unit's edges.
            const double hx = metres_to_dlon(side_m, lat), hy = metres_to_dlat(side_m);
            if (!geos_within(to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy)).get(), unit_g_[i].get()))
                continue;
            skip.insert(static_cast<int>(i));
            Planted p;
            p.geom = lonlat_box(lon - hx / 2, lat - hy / 2, lon + hx / 2, lat + hy / 2);
            p.unit = static_cast<int>(i);
            return p;
        }
        throw std::runtime_error("no unit of category " + std::to_string(cat) + " holds the square");
    }

    // The whole outline of a general unit of 0.05–5 km².
    Planted whole_unit(std::set<int>& skip) const {
        for (std::size_t i = 0; i < units().rows.size(); ++i) {
            if (skip.count(static_cast<int>(i)) || category(i) != 3) continue;
            const double a = gk_area(unit_g_[i].get(), epsg_of(i));
            if (a < 5e4 || a > 5e6) continue;
            skip.insert(static_cast<int>(i));
            Planted p;
            p.geom.reset(units().rows[i].geom->clone());
            p.unit = static_cast<int>(i);
            return p;
        }
        throw std::runtime_error("no general unit of 0.05-5 km²");
    }

    // Writes the features as layer `layer` of `file` (lon/lat, or the
    // Gauss-Krüger zone of the first county with `gk`); sets their fids.
    std::string write_layer(std::vector<Planted>& features, const std::string& file, const std::string& layer,
                            bool gk = false) const {
        Table t;
        t.name = layer;
        t.geom_type = wkbMultiPolygon;
        t.srs.reset(sub_->units.srs->Clone());
        t.fields = {FieldSpec{"GNFQ", OFTString}};
        for (const auto& p : features) {
            Row r;
            r.values = {p.kind};
            r.geom.reset(OGRGeometryFactory::forceToMultiPolygon(p.geom->clone()));
            t.rows.push_back(std::move(r));
        }
        if (gk) {
            OGRSpatialReference target;
            target.importFromEPSG(sub_->counties.front().epsg);
            target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(t.srs.get(), &target));
            for (auto& r : t.rows) {
                r.geom->segmentize(kDensifyDeg);
                r.geom->transform(ct.get());
            }
            t.srs.reset(target.Clone());
        }
        const std::string path = tmp_.file(file);
        const auto fids = write_table(t, path);
        for (std::size_t k = 0; k < features.size(); ++k) features[k].fid = fids[k];
        return path;
    }

    // The area of a planted feature inside its unit, computed here.
    double area_in_unit(const Planted& p) const {
        GeosPtr part = intersection(to_geos(*p.geom).get(), unit_g_[p.unit].get());
        return gk_area(part.get(), epsg_of(static_cast<std::size_t>(p.unit)));
    }

    // Asserts exactly one finding of `rule` per planted feature in `wanted`
    // and none other: unit, its code, the feature, the layer, severity, area.
    void expect_findings(const Checked& c, const std::string& rule, const std::string& layer,
                         const std::vector<const Planted*>& wanted, const std::string& severity) const {
        const auto found = c.json.with_rule(rule);
        std::vector<const CheckFindingJson*> mine;
        for (const auto* f : found)
            if (f->layer == layer) mine.push_back(f);
        ASSERT_EQ(mine.size(), wanted.size()) << c.describe();
        for (const Planted* p : wanted) {
            const std::int64_t unit_fid = fids_[static_cast<std::size_t>(p->unit)];
            auto it = std::find_if(mine.begin(), mine.end(), [&](const auto* f) { return f->fid == unit_fid; });
            ASSERT_NE(it, mine.end()) << "no finding in unit fid " << unit_fid << "\n" << c.describe();
            const CheckFindingJson& f = **it;
            EXPECT_EQ(f.code, get(static_cast<std::size_t>(p->unit), "HJZHGKDYBM"));
            EXPECT_EQ(f.fid2, p->fid) << f.describe();
            EXPECT_EQ(f.severity, severity);
            ASSERT_TRUE(f.area_m2) << f.describe();
            const double want = area_in_unit(*p);
            EXPECT_NEAR(*f.area_m2, want, kRel * want) << f.describe();
            EXPECT_TRUE(f.location) << f.describe();
        }
    }

    const MapSubset* sub_ = nullptr;
    std::vector<GeosPtr> unit_g_;
    std::string units_path_;
    std::vector<std::int64_t> fids_;
    TempDir tmp_{"zonecli-expect"};
};

// Urban development boundary: squares in key and priority units (consistent),
// a square and a whole unit in general land (not), and a special-use zone in
// general land that a filter leaves out.
struct Ubound {
    std::vector<Planted> f;  // 0 key, 1 priority, 2 general square, 3 general unit, 4 special-use square
};

TEST_F(CheckExpect, PlantedUrbanBoundaryInGeneralUnits) {
    std::set<int> used;
    Ubound u;
    u.f.push_back(square_in(2, 400, used));
    u.f.push_back(square_in(1, 300, used));
    u.f.push_back(square_in(3, 250, used));
    u.f.push_back(whole_unit(used));
    u.f.push_back(square_in(3, 200, used));
    for (auto& p : u.f) p.kind = "城镇集中建设区";
    u.f[4].kind = "特别用途区";
    const std::string path = write_layer(u.f, "planning.gpkg", "ubound");

    // Every feature.
    Checked all = check({units_path_, "--boundary", sub_->boundary, "--expect", path + "|layername=ubound=1,2"});
    expect_findings(all, "planning.category_mismatch", "ubound", {&u.f[2], &u.f[3], &u.f[4]}, "error");
    EXPECT_EQ(all.json.errors, 3) << all.describe();

    // The special-use zone filtered out; warnings only: exit 0.
    Checked filtered = check({units_path_, "--boundary", sub_->boundary, "--expect",
                              path + "|layername=ubound=2,1:warning|where=GNFQ <> '特别用途区'"});
    expect_findings(filtered, "planning.category_mismatch", "ubound", {&u.f[2], &u.f[3]}, "warning");
    EXPECT_EQ(filtered.run.status, 0);

    // A tolerance between the two areas keeps the larger.
    const double small = area_in_unit(u.f[2]), large = area_in_unit(u.f[3]);
    const double tol = small < large ? (small + large) / 2 : small * 0.5;
    ASSERT_LT(small, large) << "the whole unit should be larger than the 250 m square";
    Checked tolerant = check({units_path_, "--expect",
                              path + "|layername=ubound=1,2:error:" + std::to_string(tol) + "|where=GNFQ = '城镇集中建设区'"});
    expect_findings(tolerant, "planning.category_mismatch", "ubound", {&u.f[3]}, "error");

    // The same layer in Gauss-Krüger: the same findings.
    std::vector<Planted> gk_f;
    for (const auto& p : u.f) {
        Planted q;
        q.geom.reset(p.geom->clone());
        q.kind = p.kind;
        q.unit = p.unit;
        gk_f.push_back(std::move(q));
    }
    const std::string gk = write_layer(gk_f, "planning-gk.gpkg", "ubound", true);
    Checked in_gk = check({units_path_, "--boundary", sub_->boundary, "--expect", gk + "=1,2"});
    expect_findings(in_gk, "planning.category_mismatch", "ubound", {&gk_f[2], &gk_f[3], &gk_f[4]}, "error");
}

TEST_F(CheckExpect, ConsistentLayersGiveNone) {
    std::set<int> used;
    std::vector<Planted> ubound, farmland;
    ubound.push_back(square_in(2, 400, used));
    ubound.push_back(square_in(2, 300, used));
    ubound.push_back(square_in(1, 300, used));
    farmland.push_back(square_in(3, 300, used));
    farmland.push_back(square_in(1, 200, used));
    const std::string ub = write_layer(ubound, "ubound.gpkg", "ubound");
    const std::string fa = write_layer(farmland, "farmland.gpkg", "farmland", true);
    Checked c = check({units_path_, "--boundary", sub_->boundary, "--redline", sub_->redline_source, "--expect",
                       ub + "=1,2", "--expect", fa + "=1,3"});
    EXPECT_EQ(c.json.errors, 0) << c.describe();
    EXPECT_TRUE(c.json.with_rule("planning.category_mismatch").empty()) << c.describe();
}

// Two expectations at once, each finding naming its own layer, with the red
// line: its findings are exactly those of a run without --expect.
TEST_F(CheckExpect, SeveralLayersAndTheRedLine) {
    std::set<int> used;
    std::vector<Planted> ubound, farmland;
    ubound.push_back(square_in(3, 300, used));
    farmland.push_back(square_in(2, 300, used));  // farmland in a key unit
    const std::string ub = write_layer(ubound, "ubound.gpkg", "ubound");
    const std::string fa = write_layer(farmland, "farmland.gpkg", "farmland");

    // A priority unit that holds red line, made general.
    Table t = units();
    std::size_t red_unit = t.rows.size();
    for (std::size_t i = 0; i < t.rows.size() && red_unit == t.rows.size(); ++i)
        if (category(i) == 1 && get(i, "YSLX").find("redline") != std::string::npos && !used.count(static_cast<int>(i)))
            red_unit = i;
    ASSERT_LT(red_unit, t.rows.size());
    t.set(t.rows[red_unit], "ZHGKDYFL", "3");
    const std::string red_map = tmp_.file("redline-variant.gpkg");
    write_table(t, red_map);

    const std::vector<std::string> base{red_map, "--boundary", sub_->boundary, "--redline", sub_->redline_source};
    Checked before = check(base);
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--expect", ub + "=1,2", "--expect", fa + "=1,3:warning"});
    Checked after = check(args);

    const auto red_before = before.json.with_rule("redline.not_priority");
    const auto red_after = after.json.with_rule("redline.not_priority");
    ASSERT_FALSE(red_before.empty()) << before.describe();
    ASSERT_EQ(red_before.size(), red_after.size());
    for (std::size_t k = 0; k < red_before.size(); ++k) {
        EXPECT_EQ(red_before[k]->describe(), red_after[k]->describe());
        EXPECT_EQ(red_before[k]->message, red_after[k]->message);
        EXPECT_EQ(red_after[k]->layer, "redline");
    }
    expect_findings(after, "planning.category_mismatch", "ubound", {&ubound[0]}, "error");
    expect_findings(after, "planning.category_mismatch", "farmland", {&farmland[0]}, "warning");
}

// The text and JUnit reports and --errors-out name the layer, the unit and the area.
TEST_F(CheckExpect, EveryReportFormatCarriesLayerUnitAndArea) {
    std::set<int> used;
    std::vector<Planted> ubound;
    ubound.push_back(square_in(3, 300, used));
    const std::string ub = write_layer(ubound, "planning.gpkg", "ubound");
    const std::string code = get(static_cast<std::size_t>(ubound[0].unit), "HJZHGKDYBM");
    const double want = area_in_unit(ubound[0]);
    const std::vector<std::string> base{"map", units_path_, "--expect", ub + "|layername=ubound=1,2", "-q"};

    auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> a = base;
        a.insert(a.end(), more.begin(), more.end());
        return run_zone_check(a, 60);
    };
    const RunResult text = with({});
    EXPECT_EQ(text.status, 1) << text.describe();
    std::string line;
    for (std::size_t at = 0; at < text.out.size();) {
        const std::size_t nl = text.out.find('\n', at);
        const std::string l = text.out.substr(at, nl - at);
        if (contains(l, code)) line = l;
        at = nl == std::string::npos ? text.out.size() : nl + 1;
    }
    EXPECT_TRUE(contains(text.out, "planning.category_mismatch")) << text.out;
    EXPECT_TRUE(contains(line, "ubound")) << text.out;
    EXPECT_TRUE(contains(line, " m²") || contains(line, " km²")) << text.out;

    const RunResult junit = with({"--format", "junit"});
    EXPECT_EQ(junit.status, 1);
    CPLXMLNode* xml = CPLParseXMLString(junit.out.c_str());
    ASSERT_NE(xml, nullptr) << junit.out;
    CPLDestroyXMLNode(xml);
    const std::size_t at = junit.out.find("name=\"planning.category_mismatch\"");
    ASSERT_NE(at, std::string::npos) << junit.out;
    const std::string tail = junit.out.substr(at, junit.out.find("</testcase>", at) - at);
    EXPECT_TRUE(contains(tail, "<failure")) << tail;
    EXPECT_TRUE(contains(tail, code) && contains(tail, "ubound")) << tail;

    const std::string out = tmp_.file("findings.gpkg");
    const RunResult gpkg = with({"--errors-out", out});
    EXPECT_EQ(gpkg.status, 1) << gpkg.describe();
    DatasetPtr ds = open_vector(out);
    ASSERT_TRUE(ds);
    OGRLayer* polys = ds->GetLayerByName("finding_polygons");
    ASSERT_NE(polys, nullptr);
    int rows = 0;
    for (auto& f : *polys) {
        if (std::string(f->GetFieldAsString("rule")) != "planning.category_mismatch") continue;
        ++rows;
        EXPECT_STREQ(f->GetFieldAsString("layer"), "ubound");
        EXPECT_STREQ(f->GetFieldAsString("code"), code.c_str());
        EXPECT_EQ(f->GetFieldAsInteger64("fid"), fids_[static_cast<std::size_t>(ubound[0].unit)]);
        EXPECT_NEAR(f->GetFieldAsDouble("area_m2"), want, kRel * want);
        const OGRGeometry* g = f->GetGeometryRef();
        ASSERT_NE(g, nullptr);
        const double drawn = gk_area(to_geos(*g).get(), epsg_of(static_cast<std::size_t>(ubound[0].unit)));
        EXPECT_NEAR(drawn, want, kRel * want);
    }
    EXPECT_EQ(rows, 1);
}

// Bad expectations exit 2, naming what is wrong, and write no report.
TEST_F(CheckExpect, BadExpectationsExitTwo) {
    std::set<int> used;
    std::vector<Planted> ubound;
    ubound.push_back(square_in(3, 300, used));
    const std::string ub = write_layer(ubound, "planning.gpkg", "ubound");
    const std::string report = tmp_.file("report.json");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {ub, "no '='"},
        {ub + "|layername=ubound", "'ubound' is not a category"},
        {ub + "=4", "'4' is not a category"},
        {ub + "=1,,2", "an empty category"},
        {ub + "=1:fatal", "severity 'fatal'"},
        {ub + "=1:error:-5", "tolerance '-5'"},
        {ub + "=1:error:1:2", "more than three"},
        {ub + "=1|where=  ", "filter after |where= is empty"},
        {ub + "=1|where=NOPE = 1", "NOPE"},
        {ub + "=1,2|where=GNFQ = 'nothing'", "no polygon matches the filter"},
        {tmp_.file("missing.gpkg") + "=1", "no such file"},
        {ub + "|layername=nolayer=1", "no such layer"},
    };
    for (const auto& [spec, says] : cases) {
        SCOPED_TRACE(spec);
        const RunResult r = run_zone_check({"map", units_path_, "--expect", spec, "-o", report, "--format", "json"}, 60);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, says)) << r.describe();
        EXPECT_FALSE(fs::exists(report));
    }
}

}  // namespace

namespace {

// The bundled planning layers (testdata/shandong/planning.gpkg, made by
// zone-genfactors) against the whole Shandong map: the land the check finds
// out of place is exactly what this test computes by intersecting every
// planning feature with every unit of a category the expectation does not
// allow — and exactly the planted features.
TEST(CheckExpectShandong, BundledPlanningLayers) {
    const std::string planning = zt::testdata_dir() + "/shandong/planning.gpkg";
    const zt::Table units = zt::read_table(zt::shandong_units());
    const std::vector<zt::UnitGeom> geoms =
        zt::unit_geoms(units, zt::county_zones(zt::shandong_boundary(), "adcode"), 0);

    struct Expected {
        std::string layer;
        std::set<int> allowed;
    };
    const std::vector<Expected> expectations = {{"ubound", {1, 2}}, {"farmland", {1, 3}}};
    // (layer, unit fid) -> area, and the planning features that cause them.
    std::map<std::pair<std::string, std::int64_t>, double> want;
    std::map<std::string, std::set<std::int64_t>> causes, planted;
    for (const Expected& e : expectations) {
        const zt::Table t = zt::read_table(planning + "|layername=" + e.layer);
        for (const auto& r : t.rows) {
            if (t.get(r, "planted") == "1" || (t.field("GNFQ") >= 0 && t.get(r, "GNFQ") == "特别用途区"))
                planted[e.layer].insert(r.fid);
            zt::GeosPtr g = zt::make_valid(zt::to_geos(*r.geom).get());
            double x0, y0, x1, y1;
            zt::envelope(g.get(), x0, y0, x1, y1);
            for (std::size_t u = 0; u < geoms.size(); ++u) {
                const zt::UnitGeom& ug = geoms[u];
                if (e.allowed.count(ug.category) || ug.maxx < x0 || ug.minx > x1 || ug.maxy < y0 || ug.miny > y1) continue;
                if (!zt::geos_intersects(g.get(), ug.g.get())) continue;
                zt::GeosPtr part = zt::intersection(g.get(), ug.g.get());
                const double a = zt::gk_area(part.get(), ug.epsg, 0);
                if (a <= 0) continue;
                want[{e.layer, units.rows[u].fid}] += a;
                causes[e.layer].insert(r.fid);
            }
        }
    }
    for (auto it = want.begin(); it != want.end();) it = it->second < 1.0 ? want.erase(it) : std::next(it);
    EXPECT_EQ(causes, planted) << "the land out of place is not exactly that of the planted features";
    ASSERT_EQ(want.size(), 8u) << "5 urban-boundary pieces in general units, 3 farmland pieces in parks";

    const zt::RunResult r = zt::run_zone_check(
        {"map", zt::shandong_units(), "--expect", planning + "|layername=ubound=1,2", "--expect",
         planning + "|layername=farmland=1,3:warning", "--format", "json", "-q"},
        120);
    ASSERT_EQ(r.status, 1) << r.describe();
    const zt::CheckJson j = zt::parse_check_json(r.out);
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    const auto found = j.with_rule("planning.category_mismatch");
    EXPECT_EQ(found.size(), want.size()) << j.describe();
    for (const auto* f : found) {
        ASSERT_TRUE(f->fid && f->area_m2) << f->describe();
        auto it = want.find({f->layer, *f->fid});
        ASSERT_NE(it, want.end()) << "not computed here: " << f->describe();
        EXPECT_NEAR(*f->area_m2, it->second, kRel * it->second) << f->describe();
        EXPECT_EQ(f->severity, f->layer == "ubound" ? "error" : "warning");
        EXPECT_TRUE(f->fid2 && planted[f->layer].count(*f->fid2)) << f->describe();
    }
}

}  // namespace
