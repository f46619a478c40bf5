// zone-check project on the Shandong map that zone-build wrote
// (SHANDONG_UNITS): the units a footprint touches and their overlap areas,
// every rule of every level, the verdict of zonekit(7) PROJECT REPORT and its exit code,
// coordinates in every spelling, malformed lists, and batch screening. What
// the tool says is checked against computations made here with GDAL/GEOS
// (point in polygon, intersection areas in the Gauss-Krüger zone, the
// boundary's city and circle fields), independently of libzone.
#include "support.hpp"

#include <gtest/gtest.h>

#include <cpl_json.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace zt;

// ------------------------------------------------------------------ the map, independently

struct UnitGeom {
    std::int64_t fid = 0;
    std::string code, county;
    int category = 0;
    GeosPtr g;
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
};

struct County {
    std::string city_code, city, circle;
};

struct Map {
    std::vector<UnitGeom> units;
    std::map<std::string, std::size_t> by_code;
    std::map<std::string, County> counties;  // from the boundary's fields
    std::string error;
};

const Map& shandong() {
    static Map m = [] {
        Map m;
        try {
            LayerData units = read_layer(shandong_units() + "|layername=units");
            for (auto& f : units.features) {
                if (!f.geom) continue;
                UnitGeom u;
                u.fid = f.fid;
                u.code = f["HJZHGKDYBM"];
                u.county = f["XZQDM"];
                u.category = std::stoi(f["ZHGKDYFL"]);
                u.g = to_geos(*f.geom);
                envelope(u.g.get(), u.minx, u.miny, u.maxx, u.maxy);
                m.by_code[u.code] = m.units.size();
                m.units.push_back(std::move(u));
            }
            LayerData counties = read_layer(shandong_boundary());
            for (auto& f : counties.features) m.counties[f["adcode"]] = {f["city_adcode"], f["city_name"], f["circle"]};
        } catch (const std::exception& e) {
            m.error = e.what();
        }
        return m;
    }();
    return m;
}

// Codes of the units a lon/lat geometry meets (borders included), sorted.
std::vector<std::string> units_meeting(const GEOSGeometry* g) {
    double minx, miny, maxx, maxy;
    envelope(g, minx, miny, maxx, maxy);
    std::vector<std::string> out;
    for (const auto& u : shandong().units) {
        if (u.maxx < minx || u.minx > maxx || u.maxy < miny || u.miny > maxy) continue;
        if (geos_intersects(u.g.get(), g)) out.push_back(u.code);
    }
    std::sort(out.begin(), out.end());
    return out;
}

GeosPtr point(double lon, double lat) { return GeosPtr(GEOSGeom_createPointFromXY_r(geos(), lon, lat)); }

std::string lonlat_arg(double lon, double lat) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.17g,%.17g", lon, lat);
    return buf;
}

// A point well inside a unit (at least `margin_m` from its border), and the unit.
struct Inside {
    std::string code;
    double lon = 0, lat = 0;
};

Inside inside_of(const UnitGeom& u, double margin_m = 100) {
    Inside in;
    GeosPtr p = point_on_surface(u.g.get(), &in.lon, &in.lat);
    GeosPtr border(GEOSBoundary_r(geos(), u.g.get()));
    double d = 0;
    GEOSDistance_r(geos(), border.get(), p.get(), &d);
    if (d * 111000 * std::cos(in.lat * M_PI / 180) < margin_m) return {};
    in.code = u.code;
    return in;
}

// The first unit of a county and category with a point well inside it.
Inside inside_unit(const std::string& county, int category) {
    for (const auto& u : shandong().units)
        if (u.county == county && u.category == category) {
            Inside in = inside_of(u);
            if (!in.code.empty()) return in;
        }
    return {};
}

// ------------------------------------------------------------------ the report

struct HitJson {
    std::string rule, level, unit, dimension, effect, text;
    std::vector<std::string> missing;
};

struct UnitJson {
    std::string code, city_code, circle;
    int category = 0;
    double overlap_m2 = -1;
};

// A zone-check project report (zonekit(7) PROJECT REPORT), read with CPLJSONDocument.
struct ProjectJson {
    std::string parse_error;
    std::vector<std::string> violations;  // where it breaks the contract's shape
    std::string tool, mode, verdict;
    std::vector<UnitJson> units;
    std::vector<HitJson> hits, undecided;
    std::vector<std::string> missing;

    std::set<std::string> hit_rules() const {
        std::set<std::string> s;
        for (const auto& h : hits) s.insert(h.rule);
        return s;
    }
    std::vector<std::string> unit_codes() const {
        std::vector<std::string> v;
        for (const auto& u : units) v.push_back(u.code);
        return v;
    }
};

std::vector<std::string> strings_of(const CPLJSONArray& a) {
    std::vector<std::string> v;
    for (int i = 0; i < a.Size(); ++i) v.push_back(a[i].ToString());
    return v;
}

ProjectJson parse_project_json(const std::string& text) {
    ProjectJson j;
    CPLJSONDocument doc;
    if (!doc.LoadMemory(text)) {
        j.parse_error = "not JSON";
        return j;
    }
    const CPLJSONObject root = doc.GetRoot();
    for (const char* key : {"tool", "mode", "verdict", "units", "hits", "missing"})
        if (!root.GetObj(key).IsValid()) j.violations.push_back(std::string("no key ") + key);
    j.tool = root.GetString("tool");
    j.mode = root.GetString("mode");
    j.verdict = root.GetString("verdict");
    const CPLJSONArray units = root.GetArray("units");
    for (int i = 0; i < units.Size(); ++i) {
        UnitJson u;
        u.code = units[i].GetString("code");
        u.category = units[i].GetInteger("category");
        u.overlap_m2 = units[i].GetDouble("overlap_m2", -1);
        u.city_code = units[i].GetString("city_code");
        u.circle = units[i].GetString("circle");
        for (const char* key : {"code", "category", "overlap_m2"})
            if (!units[i].GetObj(key).IsValid()) j.violations.push_back(std::string("a unit without ") + key);
        j.units.push_back(u);
    }
    auto hits = [&](const char* name, std::vector<HitJson>& out) {
        const CPLJSONArray a = root.GetArray(name);
        for (int i = 0; i < a.Size(); ++i) {
            HitJson h;
            h.rule = a[i].GetString("rule");
            h.level = a[i].GetString("level");
            h.unit = a[i].GetString("unit");
            h.dimension = a[i].GetString("dimension");
            h.effect = a[i].GetString("effect");
            h.text = a[i].GetString("text");
            h.missing = strings_of(a[i].GetArray("missing"));
            for (const char* key : {"rule", "level", "unit", "dimension", "effect", "text"})
                if (!a[i].GetObj(key).IsValid()) j.violations.push_back(std::string(name) + ": an entry without " + key);
            out.push_back(h);
        }
    };
    hits("hits", j.hits);
    hits("undecided", j.undecided);
    j.missing = strings_of(root.GetArray("missing"));
    const std::set<std::string> verdicts = {"nonconforming", "conditional", "conforming", "incomplete"};
    if (!verdicts.count(j.verdict)) j.violations.push_back("verdict '" + j.verdict + "'");
    return j;
}

struct Checked {
    RunResult run;
    ProjectJson json;
    std::string describe() const { return run.describe(); }
};

// zone-check project --units MAP ARGS --format json -q; the exit code must follow the verdict.
Checked project(const std::vector<std::string>& args, bool boundary = true) {
    Checked c;
    std::vector<std::string> a{"project", "--units", shandong_units()};
    if (boundary) a.insert(a.end(), {"--boundary", shandong_boundary()});
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--format", "json", "-q"});
    c.run = run_zone_check(a, 60);
    if (c.run.status != 0 && c.run.status != 1) {
        ADD_FAILURE() << "zone-check project did not finish with 0 or 1:\n" << c.run.describe();
        return c;
    }
    c.json = parse_project_json(c.run.out);
    if (!c.json.parse_error.empty()) {
        ADD_FAILURE() << "the report is not JSON\n" << c.run.describe();
        return c;
    }
    for (const auto& v : c.json.violations) ADD_FAILURE() << "report breaks zonekit(7) PROJECT REPORT: " << v;
    EXPECT_EQ(c.json.tool, "zone-check");
    EXPECT_EQ(c.json.mode, "project");
    const bool ok = c.json.verdict == "conforming" || c.json.verdict == "conditional";
    EXPECT_EQ(c.run.status, ok ? 0 : 1) << "exit code does not follow the verdict " << c.json.verdict << "\n"
                                        << c.run.describe();
    return c;
}

class ProjectTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(shandong().error.empty()) << shandong().error;
        ASSERT_FALSE(shandong().units.empty());
    }
    std::string list(const std::string& toml) {
        const std::string path = dir_.file("list.toml");
        write_file(path, toml);
        return path;
    }
    TempDir dir_{"zonecli-project"};
};

std::string rule(const std::string& id, const std::string& level, const std::string& scope, const std::string& effect,
                 const std::string& when = "", const std::string& extra = "",
                 const std::string& dimension = "空间布局约束") {
    std::string r = "[[rule]]\nid = \"" + id + "\"\nlevel = \"" + level + "\"\nscope = \"" + scope +
                    "\"\ndimension = \"" + dimension + "\"\neffect = \"" + effect + "\"\ntext = \"" + id + " 的条文\"\n";
    if (!when.empty()) r += "when = '" + when + "'\n";
    return r + extra;
}

}  // namespace

// ------------------------------------------------------------------ touching units

TEST_F(ProjectTest, PointsMatchIndependentPointInPolygon) {
    // One point well inside a unit of each category in four cities.
    int checked = 0;
    for (const std::string county : {"370102", "370202", "370303", "371302"}) {
        for (int category = 1; category <= 3; ++category) {
            const Inside in = inside_unit(county, category);
            if (in.code.empty()) continue;
            const Checked c = project({"--list", list(rule("P-1", "province", "370000", "info")), "--point",
                                       lonlat_arg(in.lon, in.lat)});
            GeosPtr p = point(in.lon, in.lat);
            EXPECT_EQ(c.json.unit_codes(), units_meeting(p.get())) << c.describe();
            ASSERT_EQ(c.json.units.size(), 1u) << c.describe();
            EXPECT_EQ(c.json.units[0].code, in.code);
            EXPECT_EQ(c.json.units[0].category, category);
            EXPECT_EQ(c.json.units[0].overlap_m2, 0.0);
            EXPECT_EQ(c.json.verdict, "conforming");
            ++checked;
        }
    }
    EXPECT_GE(checked, 8);
}

namespace {

// A vertex that two units of different categories share on their common
// border, given exactly (both maps' vertices are the overlay's).
struct BorderPoint {
    std::string a, b;
    double lon = 0, lat = 0;
};

BorderPoint border_point(const std::string& county) {
    const auto& units = shandong().units;
    for (std::size_t i = 0; i < units.size(); ++i) {
        if (units[i].county != county) continue;
        for (std::size_t j = i + 1; j < units.size(); ++j) {
            if (units[j].county != county || units[j].category == units[i].category) continue;
            if (units[i].maxx < units[j].minx || units[j].maxx < units[i].minx || units[i].maxy < units[j].miny ||
                units[j].maxy < units[i].miny)
                continue;
            GeosPtr shared(GEOSIntersection_r(geos(), units[i].g.get(), units[j].g.get()));
            if (!shared || GEOSisEmpty_r(geos(), shared.get()) || GEOSGeom_getDimensions_r(geos(), shared.get()) != 1)
                continue;
            // A vertex of the shared border that no third unit meets.
            const int parts = GEOSGetNumGeometries_r(geos(), shared.get());
            for (int k = 0; k < parts; ++k) {
                const GEOSGeometry* part = GEOSGetGeometryN_r(geos(), shared.get(), k);
                if (GEOSGeomTypeId_r(geos(), part) != GEOS_LINESTRING) continue;
                const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(geos(), part);
                unsigned n = 0;
                GEOSCoordSeq_getSize_r(geos(), seq, &n);
                for (unsigned v = 0; v < n; ++v) {
                    BorderPoint p{units[i].code, units[j].code};
                    GEOSCoordSeq_getXY_r(geos(), seq, v, &p.lon, &p.lat);
                    GeosPtr pt = point(p.lon, p.lat);
                    if (units_meeting(pt.get()).size() == 2) return p;
                }
            }
        }
    }
    return {};
}

}  // namespace

TEST_F(ProjectTest, APointExactlyOnABorderTouchesBothUnits) {
    const BorderPoint bp = border_point("370102");
    ASSERT_FALSE(bp.a.empty()) << "no shared border vertex found";
    GeosPtr p = point(bp.lon, bp.lat);
    // Independently: the point lies on both units' boundaries.
    for (const auto& code : {bp.a, bp.b}) {
        const auto& u = shandong().units[shandong().by_code.at(code)];
        GeosPtr border(GEOSBoundary_r(geos(), u.g.get()));
        EXPECT_TRUE(geos_intersects(border.get(), p.get())) << code;
    }
    const std::string l = list(rule("P-1", "province", "370000", "prohibit", "", "categories = [1]\n") +
                               rule("P-2", "province", "370000", "require", "", "categories = [2, 3]\n"));
    const Checked c = project({"--list", l, "--point", lonlat_arg(bp.lon, bp.lat)});
    std::vector<std::string> expected{bp.a, bp.b};
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(c.json.unit_codes(), expected) << c.describe();
    for (const auto& u : c.json.units) EXPECT_EQ(u.overlap_m2, 0.0);
    // Each unit's rules: the category-1 unit gets P-1, the other P-2.
    std::map<std::string, std::set<std::string>> rules_by_unit;
    for (const auto& h : c.json.hits) rules_by_unit[h.unit].insert(h.rule);
    for (const auto& code : expected) {
        const int cat = shandong().units[shandong().by_code.at(code)].category;
        EXPECT_EQ(rules_by_unit[code], std::set<std::string>{cat == 1 ? "P-1" : "P-2"}) << code;
    }
    const bool has_priority = std::any_of(expected.begin(), expected.end(), [](const std::string& code) {
        return shandong().units[shandong().by_code.at(code)].category == 1;
    });
    EXPECT_EQ(c.json.verdict, has_priority ? "nonconforming" : "conditional");
}

TEST_F(ProjectTest, AFootprintStraddlingTwoCategoriesGetsOverlapAreas) {
    const BorderPoint bp = border_point("370102");
    ASSERT_FALSE(bp.a.empty());
    const double d = 0.0015;  // about 150 m each way
    char wkt[256];
    std::snprintf(wkt, sizeof wkt, "POLYGON((%.9f %.9f,%.9f %.9f,%.9f %.9f,%.9f %.9f,%.9f %.9f))", bp.lon - d,
                  bp.lat - d, bp.lon + d, bp.lat - d, bp.lon + d, bp.lat + d, bp.lon - d, bp.lat + d, bp.lon - d,
                  bp.lat - d);
    const std::string l = list(rule("P-1", "province", "370000", "prohibit", "industry ~ \"C26*\"", "categories = [1]\n") +
                               rule("P-2", "province", "370000", "restrict", "", "categories = [2]\n") +
                               rule("P-3", "province", "370000", "require", "", "categories = [3]\n"));
    const Checked c = project({"--list", l, "--wkt", wkt, "--industry", "C2614"});

    // Independently: every unit whose interior shares land with the box, and the area in the box's GK zone.
    OGRGeometry* box = nullptr;
    OGRGeometryFactory::createFromWkt(wkt, nullptr, &box);
    std::unique_ptr<OGRGeometry> owned(box);
    GeosPtr b = to_geos(*box);
    const int epsg = gk_epsg_of(*box);
    std::map<std::string, double> expected;
    std::set<int> categories;
    for (const auto& code : units_meeting(b.get())) {
        const auto& u = shandong().units[shandong().by_code.at(code)];
        if (GEOSRelatePattern_r(geos(), u.g.get(), b.get(), "T********") != 1) continue;  // a shared border only
        GeosPtr common = intersection(u.g.get(), b.get());
        expected[code] = gk_area(common.get(), epsg);
        categories.insert(u.category);
    }
    ASSERT_GE(expected.size(), 2u);
    ASSERT_GE(categories.size(), 2u) << "the box should straddle units of different categories";
    ASSERT_EQ(c.json.units.size(), expected.size()) << c.describe();
    double total = 0;
    for (const auto& u : c.json.units) {
        ASSERT_TRUE(expected.count(u.code)) << u.code;
        EXPECT_NEAR(u.overlap_m2, expected[u.code], 1e-3 * expected[u.code] + 0.01) << u.code;
        total += u.overlap_m2;
    }
    EXPECT_NEAR(total, gk_area(b.get(), epsg), 1e-3 * total) << "the units tile the box";
    // Verdict and rules per category.
    std::set<std::string> rules;
    for (int cat : categories) rules.insert("P-" + std::to_string(cat));
    EXPECT_EQ(c.json.hit_rules(), rules);
    EXPECT_EQ(c.json.verdict, categories.count(1) ? "nonconforming" : "conditional");
}

TEST_F(ProjectTest, FootprintFilesGiveGeometryAndAttributes) {
    const Inside in = inside_unit("370303", 3);
    ASSERT_FALSE(in.code.empty());
    const std::string geojson = dir_.file("site.geojson");
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":"
                  "{\"industry\":\"C2614\",\"nature\":\"新建\",\"VOCS_T\":12.5},\"geometry\":{\"type\":\"Point\","
                  "\"coordinates\":[%.12f,%.12f]}}]}",
                  in.lon, in.lat);
    write_file(geojson, buf);
    const std::string l = list(rule("P-1", "province", "370000", "restrict", "vocs_t > 10 and nature == \"新建\"") +
                               rule("P-2", "province", "370000", "prohibit", "industry ~ \"C25*\""));
    Checked c = project({"--list", l, "--footprint", geojson});
    EXPECT_EQ(c.json.unit_codes(), std::vector<std::string>{in.code});
    EXPECT_EQ(c.json.hit_rules(), std::set<std::string>{"P-1"}) << c.describe();
    EXPECT_EQ(c.json.verdict, "conditional");
    // The command line has the last word.
    c = project({"--list", l, "--footprint", geojson, "--industry", "C2511"});
    EXPECT_EQ(c.json.verdict, "nonconforming") << c.describe();
}

// ------------------------------------------------------------------ coordinates

TEST_F(ProjectTest, DmsAndGaussKrugerMatchTheSameUnitAsDegrees) {
    const std::string l = list(rule("P-1", "province", "370000", "info"));
    int checked = 0;
    for (const std::string county : {"370102", "370212", "371302"}) {
        const Inside in = inside_unit(county, 2);
        ASSERT_FALSE(in.code.empty()) << county;
        const std::string degrees_unit = [&] {
            const Checked c = project({"--list", l, "--point", lonlat_arg(in.lon, in.lat)});
            return c.json.units.empty() ? std::string() : c.json.units[0].code;
        }();
        EXPECT_EQ(degrees_unit, in.code);

        // DMS with seconds to 1e-4 (3 mm), in two spellings.
        auto dms = [](double v, const char* hemi, bool chinese) {
            const int d = static_cast<int>(v);
            const int m = static_cast<int>((v - d) * 60);
            const double s = ((v - d) * 60 - m) * 60;
            char out[96];
            if (chinese) std::snprintf(out, sizeof out, "%s%d度%02d分%07.4f秒", hemi, d, m, s);
            else std::snprintf(out, sizeof out, "%d°%02d′%07.4f″%s", d, m, s, hemi);
            return std::string(out);
        };
        for (const bool chinese : {false, true}) {
            const std::string text = chinese ? dms(in.lat, "北纬", true) + "，" + dms(in.lon, "东经", true)
                                             : dms(in.lon, "E", false) + "," + dms(in.lat, "N", false);
            const Checked c = project({"--list", l, "--point", text});
            EXPECT_EQ(c.json.unit_codes(), std::vector<std::string>{in.code}) << text << "\n" << c.describe();
        }

        // Gauss-Krüger with the zone prefix: transform here with OGR to the CGCS2000 3-degree zone with prefix.
        const int cm = 3 * static_cast<int>(std::lround(in.lon / 3));
        const int zone = cm / 3;
        OGRSpatialReference ll, gk;
        ll.importFromEPSG(4490);
        ll.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        gk.importFromEPSG(4513 + zone - 25);  // "CGCS2000 / 3-degree Gauss-Kruger zone N", false easting N500000
        gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        std::unique_ptr<OGRCoordinateTransformation> t(OGRCreateCoordinateTransformation(&ll, &gk));
        ASSERT_TRUE(t);
        double x = in.lon, y = in.lat;
        ASSERT_TRUE(t->Transform(1, &x, &y));
        ASSERT_EQ(static_cast<int>(x / 1e6), zone) << "the easting carries the zone prefix";
        char arg[96];
        std::snprintf(arg, sizeof arg, "%.3f,%.3f", x, y);
        Checked c = project({"--list", l, "--gk", arg});
        EXPECT_EQ(c.json.unit_codes(), std::vector<std::string>{in.code}) << arg << "\n" << c.describe();
        std::snprintf(arg, sizeof arg, "X=%.3f,Y=%.3f", y, x);  // surveyors' order
        c = project({"--list", l, "--gk", arg});
        EXPECT_EQ(c.json.unit_codes(), std::vector<std::string>{in.code}) << arg;
        // Without the prefix, the zone must be given.
        std::snprintf(arg, sizeof arg, "%.3f,%.3f", x - zone * 1e6, y);
        c = project({"--list", l, "--gk", arg, "--zone", std::to_string(zone)});
        EXPECT_EQ(c.json.unit_codes(), std::vector<std::string>{in.code}) << arg;
        c = project({"--list", l, "--gk", arg, "--cm", std::to_string(cm)});
        EXPECT_EQ(c.json.unit_codes(), std::vector<std::string>{in.code}) << arg;
        const RunResult r = run_zone_check({"project", "--units", shandong_units(), "--list", l, "--gk", arg});
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, "--zone")) << r.err;
        ++checked;
    }
    EXPECT_EQ(checked, 3);
}

TEST_F(ProjectTest, BadLocationsAreBadInput) {
    const std::string l = list(rule("P-1", "province", "370000", "info"));
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{"--point", "36.65,117.02"}, "swapped"},
        {{"--point", "100.5,30.2"}, "touches no unit"},
        {{"--point", "117°61'E,36°39'N"}, "minutes"},
        {{"--wkt", "POLYGON((117 36, 117.1 36"}, "not a WKT geometry"},
        {{"--wkt", "POLYGON((117.01 36.61,1e21 36.61,2 35.61,117.01 36.61))"}, "not longitude/latitude"},
        {{"--point", "117,36.6", "--wkt", "POINT(117 36.6)"}, "only one of"},
        {{}, "where is the project"},
        {{"--point", "117,36.6", "--industry", "化工"}, "GB/T 4754"},
        {{"--point", "117,36.6", "--nature", "新建项目"}, "新建, 改建, 扩建, 技术改造"},
        {{"--point", "117,36.6", "--attr", "vocs_t"}, "NAME=VALUE"},
        {{"--footprint", "/nonexistent/site.geojson"}, "no such file"},
        {{"--gk", "39512345.67,4051234.5", "--zone", "40"}, "but the zone given says 120°E"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> a{"project", "--units", shandong_units(), "--list", l};
        a.insert(a.end(), c.args.begin(), c.args.end());
        const RunResult r = run_zone_check(a);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, c.says)) << "expected '" << c.says << "' in:\n" << r.describe();
        EXPECT_TRUE(r.out.empty()) << r.describe();
    }
}

// ------------------------------------------------------------------ rules and verdicts

TEST_F(ProjectTest, EachVerdictKindAndItsExitCode) {
    const Inside in = inside_unit("370102", 2);
    ASSERT_FALSE(in.code.empty());
    const std::string l = list(rule("V-1", "province", "370000", "prohibit", "industry ~ \"C26*\" and nature == \"新建\"") +
                               rule("V-2", "province", "370000", "restrict", "vocs_t > 10", "",
                                    "污染物排放管控") +
                               rule("V-3", "province", "370000", "info", "", "", "资源开发效率要求"));
    const std::string at = lonlat_arg(in.lon, in.lat);
    struct Case {
        std::vector<std::string> attrs;
        std::string verdict;
        std::set<std::string> hits;
        std::vector<std::string> missing;
    };
    const std::vector<Case> cases = {
        {{"--industry", "C3130", "--nature", "新建", "--attr", "vocs_t=2"}, "conforming", {"V-3"}, {}},
        {{"--industry", "C3130", "--nature", "新建", "--attr", "vocs_t=12.5"}, "conditional", {"V-2", "V-3"}, {}},
        {{"--industry", "C2614", "--nature", "新建", "--attr", "vocs_t=2"}, "nonconforming", {"V-1", "V-3"}, {}},
        // A chemical project that does not say its nature: V-1 hangs on it.
        {{"--industry", "C2614", "--attr", "vocs_t=2"}, "incomplete", {"V-3"}, {"nature"}},
        // Not chemical: V-1 is false whatever the nature; vocs_t unknown but V-2 matters.
        {{"--industry", "C3130"}, "incomplete", {"V-3"}, {"vocs_t"}},
        // Prohibited anyway: what is missing does not matter.
        {{"--industry", "C2614", "--nature", "新建"}, "nonconforming", {"V-1", "V-3"}, {}},
    };
    for (const auto& c : cases) {
        std::vector<std::string> args{"--list", l, "--point", at};
        args.insert(args.end(), c.attrs.begin(), c.attrs.end());
        const Checked r = project(args);
        EXPECT_EQ(r.json.verdict, c.verdict) << r.describe();
        EXPECT_EQ(r.json.hit_rules(), c.hits) << r.describe();
        EXPECT_EQ(r.json.missing, c.missing) << r.describe();
        for (const auto& h : r.json.hits) {
            EXPECT_EQ(h.unit, in.code);
            EXPECT_EQ(h.level, "province");
            EXPECT_EQ(h.text, h.rule + " 的条文");
        }
    }
    // The text report: Chinese headings, the verdict, tab-separated rows.
    const RunResult t = run_zone_check({"project", "--units", shandong_units(), "--boundary", shandong_boundary(),
                                        "--list", l, "--point", at, "--industry", "C2614", "--nature", "新建"});
    EXPECT_EQ(t.status, 1);
    for (const char* s : {"涉及的环境管控单元", "适用的管控要求", "结论：不符合", "V-1\t空间布局约束\t禁止"})
        EXPECT_TRUE(contains(t.out, s)) << s << "\n" << t.out;
    const RunResult m = run_zone_check({"project", "--units", shandong_units(), "--list", l, "--point", at,
                                        "--industry", "C3130", "--attr", "vocs_t=20", "--format", "markdown"});
    EXPECT_EQ(m.status, 0);
    EXPECT_TRUE(contains(m.out, "| 省级 | V-2 | 污染物排放管控 | 限制 |")) << m.out;
    EXPECT_TRUE(contains(m.out, "**结论：有条件符合**")) << m.out;
}

TEST_F(ProjectTest, CircleAndCityRulesFollowTheBoundary) {
    // A unit in Jinan (省会经济圈) and one in Qingdao (胶东经济圈); their city
    // and circle read here from the boundary's own fields.
    const std::string l = list(rule("C-1", "circle", "省会经济圈", "prohibit", "industry ~ \"D4411\"") +
                               rule("C-2", "circle", "胶东经济圈", "require", "industry ~ \"D44*\"") +
                               rule("C-3", "circle", "鲁南经济圈", "prohibit") +
                               rule("Y-1", "city", "370100", "restrict") + rule("Y-2", "city", "青岛市", "restrict") +
                               rule("Y-3", "city", "370300", "prohibit"));
    for (const std::string county : {"370102", "370212"}) {
        const Inside in = inside_unit(county, 3);
        ASSERT_FALSE(in.code.empty()) << county;
        const County& info = shandong().counties.at(county);
        const Checked c = project({"--list", l, "--point", lonlat_arg(in.lon, in.lat), "--industry", "D4411"});
        ASSERT_EQ(c.json.units.size(), 1u) << c.describe();
        EXPECT_EQ(c.json.units[0].circle, info.circle);
        EXPECT_EQ(c.json.units[0].city_code, info.city_code);
        std::set<std::string> expected;
        if (info.circle == "省会经济圈") expected.insert("C-1");
        if (info.circle == "胶东经济圈") expected.insert("C-2");
        if (info.circle == "鲁南经济圈") expected.insert("C-3");
        if (info.city_code == "370100") expected.insert("Y-1");
        if (info.city == "青岛市") expected.insert("Y-2");
        if (info.city_code == "370300") expected.insert("Y-3");
        EXPECT_EQ(c.json.hit_rules(), expected) << c.describe();
        EXPECT_EQ(c.json.verdict, expected.count("C-1") ? "nonconforming" : "conditional");
        for (const auto& h : c.json.hits) EXPECT_EQ(h.level, h.rule[0] == 'C' ? "circle" : "city");
    }
    // Without a boundary no unit has a known circle: circle rules are undecided.
    const Inside in = inside_unit("370212", 3);
    const Checked c = project({"--list", l, "--point", lonlat_arg(in.lon, in.lat), "--industry", "D4411"}, false);
    EXPECT_EQ(c.json.verdict, "incomplete") << c.describe();
    EXPECT_NE(std::find(c.json.missing.begin(), c.json.missing.end(), "circle"), c.json.missing.end());
    EXPECT_EQ(c.json.hit_rules(), std::set<std::string>{"Y-2"}) << "the city comes from the map without a boundary";
}

TEST_F(ProjectTest, UnitRulesKeyedByCodeAndCounty) {
    const Inside in = inside_unit("370303", 2);
    ASSERT_FALSE(in.code.empty());
    std::string other;
    for (const auto& u : shandong().units)
        if (u.county == "370303" && u.code != in.code) other = u.code;
    const std::string l = list(rule("U-1", "unit", in.code, "require") + rule("U-2", "unit", other, "prohibit") +
                               rule("U-3", "unit", "370303", "restrict") + rule("U-4", "unit", "370102", "prohibit") +
                               rule("U-5", "unit", in.code, "prohibit", "", "categories = [2]\n"));
    Checked c = project({"--list", l, "--point", lonlat_arg(in.lon, in.lat)});
    EXPECT_EQ(c.json.hit_rules(), (std::set<std::string>{"U-1", "U-3", "U-5"})) << c.describe();
    EXPECT_EQ(c.json.verdict, "nonconforming");
    for (const auto& h : c.json.hits) EXPECT_EQ(h.level, "unit");
}

TEST_F(ProjectTest, TheSampleListOnKnownUnits) {
    const std::string sample = testdata_dir() + "/shandong/access-list.toml";
    // The Taishan reserve unit (SD-U-001 prohibits everything there).
    const auto it = shandong().by_code.find("ZH37090210002");
    ASSERT_NE(it, shandong().by_code.end()) << "the sample list's unit codes no longer match the bundled map";
    const Inside in = inside_of(shandong().units[it->second]);
    ASSERT_FALSE(in.code.empty());
    Checked c = project({"--list", sample, "--point", lonlat_arg(in.lon, in.lat)});
    EXPECT_EQ(c.json.verdict, "nonconforming");
    EXPECT_TRUE(c.json.hit_rules().count("SD-U-001")) << c.describe();
    // Every unit code the sample list names is in the map (a code change would silently drop a rule).
    const RunResult r = run_zone_check({"project", "--units", shandong_units(), "--boundary", shandong_boundary(),
                                        "--list", sample, "--point", lonlat_arg(in.lon, in.lat)});
    EXPECT_FALSE(contains(r.err, "warning")) << r.err;
    // A chemical project in a Jinan key unit: the city's prohibition and the province's requirement.
    const Inside jinan = inside_unit("370103", 2);
    c = project({"--list", sample, "--point", lonlat_arg(jinan.lon, jinan.lat), "--industry", "C2614", "--nature",
                 "新建", "--attr", "vocs_t=12", "--attr", "water_m3=10"});
    EXPECT_EQ(c.json.verdict, "nonconforming") << c.describe();
    for (const char* id : {"SD-P-003", "SD-P-004", "SD-370100-001"}) EXPECT_TRUE(c.json.hit_rules().count(id)) << id;
}

TEST_F(ProjectTest, MalformedListsAreBadInputWithRuleAndPosition) {
    const Inside in = inside_unit("370102", 2);
    struct Case {
        std::string text;     // the second rule's offending line
        std::string key;
        std::string says;
    };
    const std::vector<Case> cases = {
        {"level = \"county\"", "level", "unknown level"},
        {"dimension = \"空间\"", "dimension", "unknown dimension"},
        {"effect = \"ban\"", "effect", "unknown effect"},
        {"scope = \"37\"", "scope", "not a province code"},
        {"categories = [0]", "categories", "unit category"},
        {"when = 'industry ~ C26'", "when", "put text in quotes"},
        {"when = 'vocs_t > 1 and (nature == \"新建\"'", "when", "expected ')'"},
        {"id = \"R-1\"", "id", "duplicate id"},
        {"extra = 1", "extra", "unknown key"},
    };
    for (const auto& c : cases) {
        std::string second = rule("R-2", "province", "370000", "prohibit");
        const std::string key = c.key + " = ";
        const auto at = second.find(key);
        if (at == std::string::npos) second += c.text + "\n";
        else second.replace(at, second.find('\n', at) - at, c.text);
        const std::string text = rule("R-1", "province", "370000", "info") + second;
        const std::string l = list(text);
        const RunResult r = run_zone_check({"project", "--units", shandong_units(), "--list", l, "--point",
                                            lonlat_arg(in.lon, in.lat)});
        EXPECT_EQ(r.status, 2) << r.describe();
        const std::string id = c.key == "id" ? "rule R-1" : "rule R-2";
        EXPECT_TRUE(contains(r.err, id)) << r.describe();
        EXPECT_TRUE(contains(r.err, c.says)) << r.describe();
        // FILE:LINE:COLUMN, the line being the offending one.
        int line = 0;
        {
            std::istringstream s(text);
            std::string each;
            for (int n = 1; std::getline(s, each); ++n)
                if (n > 8 && each == c.text) line = n;
        }
        EXPECT_TRUE(contains(r.err, l + ":" + std::to_string(line) + ":")) << "line " << line << "\n" << r.describe();
        EXPECT_TRUE(r.out.empty());
    }
}

// ------------------------------------------------------------------ batch screening

namespace {

// The verdict of the batch test's list for one enterprise, worked out here from
// the units the point lies in: B-1 prohibits C26 in priority units, B-2 restricts
// vocs_t > 10 everywhere, B-3 requires something of every project in Jinan, B-4
// prohibits everything in one unit.
struct Expected {
    std::string verdict;
    std::vector<std::string> units;
    std::set<std::string> hits;
    std::string missing;
};

Expected expected_verdict(const std::vector<std::string>& units, const std::string& industry,
                          std::optional<double> vocs, const std::string& banned_unit) {
    Expected e;
    e.units = units;
    if (units.empty()) {
        e.verdict = "outside";
        return e;
    }
    bool prohibit = false, conditional = false;
    for (const auto& code : units) {
        const auto& u = shandong().units[shandong().by_code.at(code)];
        if (u.category == 1 && industry.rfind("C26", 0) == 0) {
            prohibit = true;
            e.hits.insert("B-1");
        }
        if (vocs && *vocs > 10) {
            conditional = true;
            e.hits.insert("B-2");
        }
        if (shandong().counties.at(u.county).city_code == "370100") {
            conditional = true;
            e.hits.insert("B-3");
        }
        if (code == banned_unit) {
            prohibit = true;
            e.hits.insert("B-4");
        }
    }
    if (prohibit) e.verdict = "nonconforming";
    else if (!vocs && !conditional) e.verdict = "incomplete", e.missing = "vocs_t";
    else e.verdict = conditional ? "conditional" : "conforming";
    return e;
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ";") + x;
    return s;
}

std::set<std::string> split_set(const std::string& s) {
    std::set<std::string> out;
    std::string cur;
    for (char c : s + ";") {
        if (c == ';') {
            if (!cur.empty()) out.insert(cur);
            cur.clear();
        } else cur += c;
    }
    return out;
}

}  // namespace

TEST_F(ProjectTest, BatchScreeningMatchesIndependentPointInPolygon) {
    // 600 deterministic points around Jinan, Zibo and Qingdao and out at sea,
    // with a few exactly on unit borders; a fifth without vocs_t.
    const BorderPoint bp = border_point("370102");
    ASSERT_FALSE(bp.a.empty());
    const std::string banned = inside_unit("370303", 2).code;
    std::uint64_t state = 2024;
    auto rnd = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(state >> 11) / 9007199254740992.0;
    };
    struct Ent {
        std::string id, industry;
        double lon, lat;
        std::optional<double> vocs;
    };
    std::vector<Ent> ents;
    const double centres[][2] = {{117.05, 36.65}, {118.05, 36.8}, {120.45, 36.15}, {123.5, 37.5}};
    for (int i = 0; i < 600; ++i) {
        Ent e;
        e.id = std::to_string(1000 + i).insert(0, 1, 'E');
        const auto& c = centres[i % 4];
        e.lon = c[0] + (rnd() - 0.5) * 0.4;
        e.lat = c[1] + (rnd() - 0.5) * 0.3;
        if (i % 50 == 0) e.lon = bp.lon, e.lat = bp.lat;  // on a border
        if (i % 97 == 0) {                                // inside the banned unit
            const Inside in = inside_unit("370303", 2);
            e.lon = in.lon, e.lat = in.lat;
        }
        e.industry = rnd() < 0.4 ? "C2614" : "C3130";
        if (rnd() > 0.2) e.vocs = std::round(rnd() * 200) / 10;
        ents.push_back(e);
    }
    // As a GeoPackage point layer (written with OGR here) and as a CSV with lon/lat columns.
    const std::string gpkg = dir_.file("enterprises.gpkg"), csv = dir_.file("enterprises.csv");
    {
        gdal_init();
        GDALDriver* d = GetGDALDriverManager()->GetDriverByName("GPKG");
        DatasetPtr ds(d->Create(gpkg.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        OGRSpatialReference srs;
        srs.importFromEPSG(4490);
        OGRLayer* layer = ds->CreateLayer("enterprises", &srs, wkbPoint, nullptr);
        OGRFieldDefn id("id", OFTString), ind("industry", OFTString), vocs("vocs_t", OFTReal);
        ASSERT_EQ(layer->CreateField(&id), OGRERR_NONE);
        ASSERT_EQ(layer->CreateField(&ind), OGRERR_NONE);
        ASSERT_EQ(layer->CreateField(&vocs), OGRERR_NONE);
        std::string text = "id,lon,lat,industry,vocs_t\n";
        char line[256];
        for (const auto& e : ents) {
            OGRFeature f(layer->GetLayerDefn());
            f.SetField("id", e.id.c_str());
            f.SetField("industry", e.industry.c_str());
            if (e.vocs) f.SetField("vocs_t", *e.vocs);
            OGRPoint p(e.lon, e.lat);
            f.SetGeometry(&p);
            ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
            std::snprintf(line, sizeof line, "%s,%.17g,%.17g,%s,%s\n", e.id.c_str(), e.lon, e.lat, e.industry.c_str(),
                          e.vocs ? std::to_string(*e.vocs).c_str() : "");
            text += line;
        }
        write_file(csv, text);
    }
    const std::string l = list(rule("B-1", "province", "370000", "prohibit", "industry ~ \"C26*\"", "categories = [1]\n") +
                               rule("B-2", "province", "370000", "restrict", "vocs_t > 10") +
                               rule("B-3", "city", "370100", "require") + rule("B-4", "unit", banned, "prohibit"));
    for (const auto& [input, output] : std::vector<std::pair<std::string, std::string>>{
             {gpkg, dir_.file("verdicts.csv")}, {csv, dir_.file("verdicts-from-csv.csv")}, {gpkg, dir_.file("verdicts.gpkg")}}) {
        const RunResult r = run_zone_check({"project", "--units", shandong_units(), "--boundary", shandong_boundary(),
                                            "--list", l, "--batch", input, "-o", output, "--threads", "2"},
                                           120);
        ASSERT_EQ(r.status, 1) << "some enterprises are nonconforming\n" << r.describe();
        if (output.size() > 4 && output.substr(output.size() - 4) == ".csv") {
            EXPECT_EQ(read_file(output).substr(0, 3), "\xEF\xBB\xBF") << "CSV with a BOM, for Excel";
        }
        const LayerData rows = read_layer(output);
        ASSERT_EQ(rows.features.size(), ents.size()) << r.describe();
        std::map<std::string, int> counts;
        int on_border = 0;
        for (std::size_t i = 0; i < ents.size(); ++i) {
            const Feature& f = rows.features[i];
            const Ent& e = ents[i];
            ASSERT_EQ(f["id"], e.id);
            GeosPtr p = point(e.lon, e.lat);
            const std::vector<std::string> units = units_meeting(p.get());
            on_border += units.size() > 1;
            const Expected x = expected_verdict(units, e.industry, e.vocs, banned);
            EXPECT_EQ(f["verdict"], x.verdict) << e.id << " at " << lonlat_arg(e.lon, e.lat) << " in " << joined(units);
            EXPECT_EQ(f["units"], joined(x.units)) << e.id;
            EXPECT_EQ(split_set(f["hits"]), x.hits) << e.id;
            EXPECT_EQ(f["missing"], x.missing) << e.id;
            ++counts[x.verdict];
        }
        EXPECT_GE(on_border, 10) << "points on borders were meant to touch two units";
        for (const char* v : {"conforming", "conditional", "nonconforming", "incomplete", "outside"})
            EXPECT_GT(counts[v], 0) << "the data should exercise every verdict: " << v;
    }
}

TEST_F(ProjectTest, BatchOfPolygonsCountsTheUnitsTheyShareLandWith) {
    // 40 sites of about 300 m x 300 m around Jinan, as a GeoJSON without attributes:
    // every rule depending on vocs_t is undecided for them.
    std::uint64_t state = 7;
    auto rnd = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<double>(state >> 11) / 9007199254740992.0;
    };
    std::string geojson = "{\"type\":\"FeatureCollection\",\"features\":[";
    std::vector<GeosPtr> sites;
    for (int i = 0; i < 40; ++i) {
        const double x = 117.0 + rnd() * 0.2, y = 36.6 + rnd() * 0.1, d = 0.0015;
        char f[512];
        std::snprintf(f, sizeof f,
                      "%s{\"type\":\"Feature\",\"properties\":{\"id\":\"S%d\",\"industry\":\"C2614\"},"
                      "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],"
                      "[%.6f,%.6f],[%.6f,%.6f]]]}}",
                      i ? "," : "", i, x - d, y - d, x + d, y - d, x + d, y + d, x - d, y + d, x - d, y - d);
        geojson += f;
        std::unique_ptr<OGRGeometry> box = lonlat_box(std::round((x - d) * 1e6) / 1e6, std::round((y - d) * 1e6) / 1e6,
                                                      std::round((x + d) * 1e6) / 1e6, std::round((y + d) * 1e6) / 1e6);
        sites.push_back(to_geos(*box));
    }
    geojson += "]}";
    const std::string input = dir_.file("sites.geojson"), output = dir_.file("sites.gpkg");
    write_file(input, geojson);
    const std::string l = list(rule("B-1", "province", "370000", "prohibit", "industry ~ \"C26*\"", "categories = [1]\n") +
                               rule("B-2", "province", "370000", "restrict", "vocs_t > 10") +
                               rule("B-3", "city", "370100", "require"));
    const RunResult r = run_zone_check({"project", "--units", shandong_units(), "--boundary", shandong_boundary(),
                                        "--list", l, "--batch", input, "-o", output});
    ASSERT_TRUE(r.status == 0 || r.status == 1) << r.describe();
    const LayerData rows = read_layer(output);
    ASSERT_EQ(rows.features.size(), sites.size());
    int straddling = 0;
    for (std::size_t i = 0; i < sites.size(); ++i) {
        std::vector<std::string> units;
        for (const auto& code : units_meeting(sites[i].get())) {
            const auto& u = shandong().units[shandong().by_code.at(code)];
            if (GEOSRelatePattern_r(geos(), u.g.get(), sites[i].get(), "T********") == 1) units.push_back(code);
        }
        straddling += units.size() > 1;
        const Expected x = expected_verdict(units, "C2614", std::nullopt, "");
        const Feature& f = rows.features[i];
        EXPECT_EQ(f["units"], joined(x.units)) << f["id"];
        EXPECT_EQ(f["verdict"], x.verdict) << f["id"];
        EXPECT_EQ(split_set(f["hits"]), x.hits) << f["id"];
        ASSERT_TRUE(f.geom) << "the GeoPackage keeps the sites' geometries";
        EXPECT_EQ(wkbFlatten(f.geom->getGeometryType()), wkbPolygon);
    }
    EXPECT_GE(straddling, 5) << "sites of 300 m should often straddle units";
}

TEST_F(ProjectTest, BatchNeedsAnOutputAndCoordinates) {
    const std::string l = list(rule("P-1", "province", "370000", "info"));
    const std::string nocoords = dir_.file("nocoords.csv");
    write_file(nocoords, "id,industry\nA,C2614\n");
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases = {
        {{"--batch", nocoords}, "-o VERDICTS"},
        {{"--batch", nocoords, "-o", dir_.file("v.txt")}, ".csv"},
        {{"--batch", nocoords, "-o", dir_.file("v.csv")}, "longitude and latitude columns"},
    };
    // Two longitude columns (GDAL 3.6 crashed reading them): refused, naming
    // both, with commas and with semicolons.
    const std::string twice = dir_.file("twice.csv");
    write_file(twice, "id,lon,x,lat,industry\nA,117.02,117.03,36.65,C2614\n");
    const std::string twice_lat = dir_.file("twice_lat.csv");
    write_file(twice_lat, "id;LAT;lon;纬度\nA;36.65;117.02;36.6\n");
    for (const auto& c : cases) {
        std::vector<std::string> a{"project", "--units", shandong_units(), "--list", l};
        a.insert(a.end(), c.args.begin(), c.args.end());
        const RunResult r = run_zone_check(a);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, c.says)) << r.describe();
    }
    EXPECT_FALSE(fs::exists(dir_.file("v.csv")));
    const RunResult r1 = run_zone_check({"project", "--units", shandong_units(), "--list", l, "--batch", twice, "-o",
                                         dir_.file("v.csv")});
    EXPECT_EQ(r1.status, 2) << r1.describe();
    EXPECT_TRUE(contains(r1.err, "two longitude columns, 'lon' (column 2) and 'x' (column 3)")) << r1.describe();
    EXPECT_TRUE(contains(r1.err, "twice.csv")) << r1.describe();
    const RunResult r2 = run_zone_check({"project", "--units", shandong_units(), "--list", l, "--batch", twice_lat,
                                         "-o", dir_.file("v.csv")});
    EXPECT_EQ(r2.status, 2) << r2.describe();
    EXPECT_TRUE(contains(r2.err, "two latitude columns, 'LAT' (column 2) and '纬度' (column 4)")) << r2.describe();
    EXPECT_FALSE(fs::exists(dir_.file("v.csv")));
}

// ------------------------------------------------------------------ official texts

TEST_F(ProjectTest, ZoneBuildWritesTheOfficialTexts) {
    // The bundled table plus a code the map does not have.
    const std::string table = dir_.file("texts.csv");
    write_file(table, read_file(testdata_dir() + "/shandong/access-texts.csv") +
                          "ZH37999910001,无此单元,文字,,,\n");
    const std::string out = dir_.file("units.gpkg");
    const RunResult r = run_zone_build({shandong_scheme(), "-o", out, "--access-texts", table});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(contains(r.err, "ZH37999910001")) << "the unknown code is reported\n" << r.err;
    // Independently: the CSV read with GDAL, and every unit's four fields.
    const LayerData texts = read_layer(testdata_dir() + "/shandong/access-texts.csv");
    std::map<std::string, std::vector<std::string>> want;
    for (const auto& f : texts.features)
        want[f["环境管控单元编码"]] = {f["空间布局约束"], f["污染物排放管控"], f["环境风险防控"], f["资源开发效率要求"]};
    ASSERT_EQ(want.size(), 4u);
    const LayerData units = read_layer(out + "|layername=units");
    int filled = 0;
    for (const auto& u : units.features) {
        const auto it = want.find(u["HJZHGKDYBM"]);
        const std::vector<std::string> got = {u["KJBJYS"], u["PWWPFGK"], u["HJFXFK"], u["ZYKFXLYQ"]};
        if (it == want.end()) {
            for (const auto& g : got) EXPECT_EQ(g, "") << u["HJZHGKDYBM"];
        } else {
            EXPECT_EQ(got, it->second) << u["HJZHGKDYBM"];
            ++filled;
        }
    }
    EXPECT_EQ(filled, 4);
    // The project report shows a unit's texts from the map.
    const auto& reserve = shandong().units[shandong().by_code.at("ZH37090210002")];
    const Inside in = inside_of(reserve);
    const RunResult p = run_zone_check({"project", "--units", out, "--list", testdata_dir() + "/shandong/access-list.toml",
                                        "--point", lonlat_arg(in.lon, in.lat), "--format", "json", "-q"});
    EXPECT_TRUE(contains(p.out, "\"texts\": {\"空间布局约束\": ")) << p.out;
}

TEST(ProjectDocs, HelpAndManPageNameTheSameOptions) {
    const RunResult help = run_zone_check({"project", "--help"});
    ASSERT_EQ(help.status, 0) << help.describe();
    const std::string man = read_file(testdata_dir() + "/../man/zone-check.1");
    const std::set<std::string> in_help = long_options_in(help.out);
    EXPECT_GE(in_help.size(), 20u);
    for (const auto& option : in_help) {
        if (option == "--help") continue;
        EXPECT_TRUE(man_page_documents(man, option)) << option << " is in --help but not in man/zone-check.1";
    }
    for (const char* section : {".SH PROJECT MODE", ".SH ACCESS LIST", ".SH CONDITIONS"})
        EXPECT_TRUE(contains(man, section)) << section;
}
