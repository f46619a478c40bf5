// zone-report's library: controlled rounding and shares checked against sums
// computed here; build_report on small maps written here, its areas against
// OGR's own reprojection; the writers' output parsed by other parsers (libxml2
// for the XHTML, GDAL's CSV and JSON readers); bad input named precisely.
#include "zone/core/error.hpp"
#include "zone/report/report.hpp"
#include "zone/report/report_output.hpp"

#include <cpl_json.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <tuple>

namespace fs = std::filesystem;

namespace {

// ------------------------------------------------------------------ controlled rounding

struct Exact {
    std::vector<std::vector<double>> node;  // per node: [column], total at [columns]
    std::vector<double> grand;
};

// Sums of a rounding table, computed here the plain way.
Exact exact_sums(const zone::RoundingTable& t) {
    const int n = static_cast<int>(t.parent.size()), c = t.columns;
    Exact e;
    e.node.assign(n, std::vector<double>(c + 1, 0.0));
    e.grand.assign(c + 1, 0.0);
    for (const auto& leaf : t.leaves) {
        for (int v = leaf.node; v >= 0; v = t.parent[v]) {
            e.node[v][leaf.column] += leaf.value;
            e.node[v][c] += leaf.value;
        }
        e.grand[leaf.column] += leaf.value;
        e.grand[c] += leaf.value;
    }
    return e;
}

// Every figure is its exact value rounded down or up, and every total the sum
// of its parts, in both directions.
void expect_controlled(const zone::RoundingTable& t, const zone::RoundedTable& r) {
    const int n = static_cast<int>(t.parent.size()), c = t.columns;
    const Exact e = exact_sums(t);
    auto within = [](std::int64_t got, double exact, const std::string& what) {
        EXPECT_TRUE(got == static_cast<std::int64_t>(std::floor(exact + 1e-9)) ||
                    got == static_cast<std::int64_t>(std::ceil(exact - 1e-9)))
            << what << ": " << got << " is not the floor or ceiling of " << exact;
    };
    ASSERT_EQ(r.leaf.size(), t.leaves.size());
    for (std::size_t i = 0; i < t.leaves.size(); ++i) within(r.leaf[i], t.leaves[i].value, "leaf " + std::to_string(i));
    std::vector<std::vector<std::int64_t>> from_leaves(n, std::vector<std::int64_t>(c + 1, 0)),
        from_children(n, std::vector<std::int64_t>(c + 1, 0));
    std::vector<std::int64_t> grand_from_top(c + 1, 0);
    for (std::size_t i = 0; i < t.leaves.size(); ++i) {
        from_leaves[t.leaves[i].node][t.leaves[i].column] += r.leaf[i];
        from_leaves[t.leaves[i].node][c] += r.leaf[i];
    }
    for (int v = 0; v < n; ++v) {
        for (int k = 0; k <= c; ++k) {
            within(r.node[v][k], e.node[v][k], "node " + std::to_string(v) + " column " + std::to_string(k));
            if (t.parent[v] >= 0) from_children[t.parent[v]][k] += r.node[v][k];
            else grand_from_top[k] += r.node[v][k];
        }
        std::int64_t across = 0;
        for (int k = 0; k < c; ++k) across += r.node[v][k];
        EXPECT_EQ(across, r.node[v][c]) << "node " << v << ": columns do not add up to its total";
    }
    for (int v = 0; v < n; ++v)
        for (int k = 0; k <= c; ++k)
            EXPECT_EQ(from_leaves[v][k] + from_children[v][k], r.node[v][k])
                << "node " << v << " column " << k << " is not the sum of its leaves and children";
    for (int k = 0; k <= c; ++k) {
        within(r.grand[k], e.grand[k], "grand column " + std::to_string(k));
        EXPECT_EQ(grand_from_top[k], r.grand[k]) << "grand column " << k << " is not the sum of the top nodes";
    }
    std::int64_t across = 0;
    for (int k = 0; k < c; ++k) across += r.grand[k];
    EXPECT_EQ(across, r.grand[c]);
}

TEST(ControlledRounding, RandomTablesAddUpInBothDirections) {
    std::mt19937 rng(20241129);
    for (int trial = 0; trial < 60; ++trial) {
        zone::RoundingTable t;
        t.columns = 3;
        // A tree of 1 province, 2-3 circles, 2-5 cities each, 1-8 counties each.
        t.parent.push_back(-1);
        std::vector<int> leaves_at;
        for (int a = 0, na = 2 + rng() % 2; a < na; ++a) {
            const int circle = static_cast<int>(t.parent.size());
            t.parent.push_back(0);
            for (int b = 0, nb = 2 + rng() % 4; b < nb; ++b) {
                const int city = static_cast<int>(t.parent.size());
                t.parent.push_back(circle);
                for (int d = 0, nd = 1 + rng() % 8; d < nd; ++d) {
                    leaves_at.push_back(static_cast<int>(t.parent.size()));
                    t.parent.push_back(city);
                }
            }
        }
        t.weight.assign(t.parent.size(), 10);
        t.weight[0] = 1000;
        std::uniform_real_distribution<double> value(0, trial % 2 ? 3 : 400);  // small values stress it most
        for (int node : leaves_at)
            for (int u = 0, nu = rng() % 12; u < nu; ++u) t.leaves.push_back({node, static_cast<int>(rng() % 3), value(rng)});
        const zone::RoundedTable r = zone::controlled_rounding(t);
        SCOPED_TRACE("trial " + std::to_string(trial));
        expect_controlled(t, r);
        EXPECT_GT(r.figures, static_cast<int>(t.leaves.size()));
    }
}

TEST(ControlledRounding, KeepsPlainRoundingWhenItAddsUp) {
    zone::RoundingTable t;
    t.columns = 2;
    t.parent = {-1, 0, 0};
    t.weight = {10, 1, 1};
    // Fractions that never carry: every sum rounds to the sum of the roundings.
    t.leaves = {{1, 0, 1.1}, {1, 1, 2.1}, {2, 0, 3.1}, {2, 1, 0.1}};
    const zone::RoundedTable r = zone::controlled_rounding(t);
    expect_controlled(t, r);
    EXPECT_EQ(r.not_nearest, 0);
    EXPECT_EQ(r.grand[2], 6);  // 6.4
}

TEST(ControlledRounding, TotalsStayNearestAndAPartBends) {
    // Three parts of 0.4 make 1.2: rounded alone they make 0, the total 1. The
    // heavily weighted total keeps its nearest value; one part is rounded up.
    zone::RoundingTable t;
    t.columns = 1;
    t.parent = {-1, -1, -1};
    t.weight = {1, 1, 1};
    t.grand_weight = 100;
    t.leaves = {{0, 0, 0.4}, {1, 0, 0.4}, {2, 0, 0.4}};
    const zone::RoundedTable r = zone::controlled_rounding(t);
    expect_controlled(t, r);
    EXPECT_EQ(r.grand[1], 1);
    EXPECT_EQ(r.leaf[0] + r.leaf[1] + r.leaf[2], 1);
    EXPECT_GT(r.not_nearest, 0);
}

TEST(ControlledRounding, ExactIntegersStayPut) {
    zone::RoundingTable t;
    t.columns = 1;
    t.parent = {-1};
    t.weight = {1};
    t.leaves = {{0, 0, 5.0}, {0, 0, 0.5}, {0, 0, 0.5}};
    const zone::RoundedTable r = zone::controlled_rounding(t);
    expect_controlled(t, r);
    EXPECT_EQ(r.leaf[0], 5);
    EXPECT_EQ(r.grand[1], 6);
    EXPECT_EQ(r.leaf[1] + r.leaf[2], 1);
}

TEST(Apportion, AddsUpAndStaysWithinOneOfTheQuota) {
    EXPECT_EQ(zone::apportion({1, 1, 1}, 1000), (std::vector<int>{334, 333, 333}));
    EXPECT_EQ(zone::apportion({0, 0, 0}, 1000), (std::vector<int>{0, 0, 0}));
    EXPECT_EQ(zone::apportion({0, 5, 0}, 1000), (std::vector<int>{0, 1000, 0}));
    std::mt19937 rng(7);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<double> v(3);
        for (auto& x : v) x = std::uniform_real_distribution<double>(0, 1e6)(rng);
        const auto a = zone::apportion(v, 1000);
        const double sum = v[0] + v[1] + v[2];
        EXPECT_EQ(a[0] + a[1] + a[2], 1000);
        for (int i = 0; i < 3; ++i) EXPECT_LT(std::fabs(a[i] - v[i] / sum * 1000), 1.0);
    }
}

TEST(ReportLevels, ParsedLargestFirstAndBadWordsNamed) {
    using L = zone::ReportLevel;
    EXPECT_EQ(zone::parse_report_levels("county,province"), (std::vector<L>{L::province, L::county}));
    EXPECT_EQ(zone::parse_report_levels("province, circle,city,county,city").size(), 4u);
    try {
        zone::parse_report_levels("province,town");
        FAIL() << "no exception";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("'town'"), std::string::npos) << e.what();
    }
}

// ------------------------------------------------------------------ small maps

struct Tmp {
    fs::path dir;
    Tmp() {
        std::string p = (fs::temp_directory_path() / "zonereport-XXXXXX").string();
        if (!mkdtemp(p.data())) throw std::runtime_error("mkdtemp");
        dir = p;
    }
    ~Tmp() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string file(const std::string& name) const { return (dir / name).string(); }
};

void write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
}

struct UnitSpec {
    std::string code, name, county, area_name, city;
    int category;
    double x0, y0, x1, y1;  // a lon/lat box
    std::string kjbjys;
};

std::string box_coords(double x0, double y0, double x1, double y1) {
    return "[[[" + std::to_string(x0) + "," + std::to_string(y0) + "],[" + std::to_string(x1) + "," +
           std::to_string(y0) + "],[" + std::to_string(x1) + "," + std::to_string(y1) + "],[" + std::to_string(x0) +
           "," + std::to_string(y1) + "],[" + std::to_string(x0) + "," + std::to_string(y0) + "]]]";
}

// A unit map as GeoJSON in CGCS2000 longitude/latitude.
std::string json_text(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string units_geojson(const std::vector<UnitSpec>& units) {
    std::string s = "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
                    "\"urn:ogc:def:crs:EPSG::4490\"}},\"features\":[";
    for (std::size_t i = 0; i < units.size(); ++i) {
        const auto& u = units[i];
        if (i) s += ',';
        s += std::string("{\"type\":\"Feature\",\"properties\":{\"HJZHGKDYBM\":\"") + u.code +
             "\",\"HJZHGKDYMC\":\"" + json_text(u.name) + "\",\"PROV\":\"山东省\",\"CITY\":\"" + u.city + "\",\"AREA\":\"" +
             u.area_name + "\",\"XZQDM\":\"" + u.county + "\",\"ZHGKDYFL\":" + std::to_string(u.category) +
             ",\"YSLX\":\"redline;town\",\"KJBJYS\":\"" + u.kjbjys +
             "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" + box_coords(u.x0, u.y0, u.x1, u.y1) + "}}";
    }
    return s + "]}";
}

// Two counties of two cities, side by side at 117°E (zone CM 117).
std::vector<UnitSpec> small_map() {
    return {
        {"ZH37010210001", "甲优先", "370102", "历下区", "济南市", 1, 117.00, 36.60, 117.05, 36.65, "禁止新建化工项目"},
        {"ZH37010220001", "甲重点, 城区", "370102", "历下区", "济南市", 2, 117.05, 36.60, 117.10, 36.65, ""},
        {"ZH37010230001", "甲一般", "370102", "历下区", "济南市", 3, 117.00, 36.65, 117.10, 36.70, ""},
        {"ZH37030230001", "乙一般", "370302", "淄川区", "淄博市", 3, 117.10, 36.60, 117.20, 36.70, ""},
    };
}

// Planar area in the CGCS2000 Gauss-Krüger zone CM 117 (EPSG:4527) of a
// lon/lat box, through OGR with edges densified to 1e-5°: independent of
// libzone's projection code.
double gk117_area(double x0, double y0, double x1, double y1) {
    OGRPolygon poly;
    OGRLinearRing ring;
    ring.addPoint(x0, y0);
    ring.addPoint(x1, y0);
    ring.addPoint(x1, y1);
    ring.addPoint(x0, y1);
    ring.addPoint(x0, y0);
    poly.addRing(&ring);
    poly.segmentize(1e-5);
    OGRSpatialReference src, dst;
    src.importFromEPSG(4490);
    dst.importFromEPSG(4527);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&src, &dst));
    poly.transform(ct.get());
    return poly.get_Area();
}

// The report as zone-report builds it: the map, then the inputs `sources`
// names, read into the map's CRS.
zone::Report report_of(const std::string& units, const zone::ReportOptions& o, const zone::ReportSources& sources = {}) {
    const zone::UnitMap map = zone::read_unit_map(units);
    const zone::geos::Context ctx;
    return zone::build_report(map, zone::read_report_inputs(ctx, map, sources), o);
}

TEST(BuildReport, AreasCountsAndRegionsOfASmallMap) {
    Tmp tmp;
    const auto spec = small_map();
    write(tmp.file("units.geojson"), units_geojson(spec));
    zone::ReportOptions o;
    o.map = false;
    const zone::Report r = report_of(tmp.file("units.geojson"), o);

    ASSERT_EQ(r.units.size(), 4u);
    std::map<std::string, double> expected;
    for (const auto& u : spec) expected[u.code] = gk117_area(u.x0, u.y0, u.x1, u.y1);
    for (const auto& u : r.units) {
        EXPECT_NEAR(u.area_m2, expected[u.code], 1e-6 * expected[u.code]) << u.code;
        EXPECT_LE(std::fabs(u.area_display - u.area_m2 / 1e4), 1.0) << u.code;
    }
    // Levels from the map alone: province, city, county (no circle without a boundary).
    using L = zone::ReportLevel;
    EXPECT_EQ(r.levels, (std::vector<L>{L::province, L::city, L::county}));
    std::map<std::string, const zone::Region*> by_name;
    for (const auto& g : r.regions) by_name[std::string(zone::to_string(g.level)) + ":" + g.name] = &g;
    ASSERT_TRUE(by_name.count("city:济南市") && by_name.count("city:淄博市") && by_name.count("county:历下区"));
    const auto& jinan = *by_name["city:济南市"];
    EXPECT_EQ(jinan.code, "370100");
    EXPECT_EQ(jinan.figures.units, (std::array<int, 4>{3, 1, 1, 1}));
    EXPECT_NEAR(jinan.figures.area_m2[0],
                expected["ZH37010210001"] + expected["ZH37010220001"] + expected["ZH37010230001"], 1e-3);
    EXPECT_EQ(by_name["county:历下区"]->parent, &jinan - r.regions.data());
    EXPECT_EQ(r.total.units[0], 4);
    EXPECT_EQ(r.total.share_permille[1] + r.total.share_permille[2] + r.total.share_permille[3], 1000);
    // The list field reaches the unit's requirements, under 空间布局约束.
    ASSERT_EQ(r.units[0].requirements[0].size(), 1u);
    EXPECT_EQ(r.units[0].requirements[0][0].text, "禁止新建化工项目");
    EXPECT_TRUE(r.units[1].requirements[0].empty());
    ASSERT_EQ(r.units[0].factors.size(), 2u);
    EXPECT_EQ(r.units[0].factors[1].id, "town");
    EXPECT_FALSE(r.units[0].factors[1].share.has_value());
}

TEST(BuildReport, EllipsoidalAreasOnRequestAndSaid) {
    Tmp tmp;
    const auto spec = small_map();
    write(tmp.file("units.geojson"), units_geojson(spec));
    zone::ReportOptions o;
    o.map = false;
    o.area_method = zone::AreaMethod::ellipsoidal;
    const zone::Report r = report_of(tmp.file("units.geojson"), o);
    EXPECT_EQ(r.method, zone::AreaMethod::ellipsoidal);
    EXPECT_NE(r.area_method.find("ellipsoidal"), std::string::npos) << r.area_method;
    for (std::size_t i = 0; i < spec.size(); ++i) {
        // Near the zone's central meridian the two differ by well under 0.1 %, but they differ.
        const double gk = gk117_area(spec[i].x0, spec[i].y0, spec[i].x1, spec[i].y1);
        EXPECT_NEAR(r.units[i].area_m2, gk, 1e-3 * gk) << spec[i].code;
        EXPECT_NE(r.units[i].area_m2, gk);
    }
}

std::string error_of(const std::string& units, const zone::ReportOptions& o, const zone::ReportSources& sources = {}) {
    try {
        report_of(units, o, sources);
    } catch (const zone::InputError& e) {
        return e.what();
    }
    return "(no error)";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(BuildReport, BadMapsAreNamedByFileFeatureAndField) {
    Tmp tmp;
    zone::ReportOptions o;
    zone::ReportSources src;
    o.map = false;

    auto spec = small_map();
    spec[2].code = spec[1].code;
    write(tmp.file("dup.geojson"), units_geojson(spec));
    std::string e = error_of(tmp.file("dup.geojson"), o, src);
    EXPECT_TRUE(has(e, "dup.geojson") && has(e, "feature 2") && has(e, "HJZHGKDYBM") && has(e, "feature 1")) << e;

    spec = small_map();
    spec[3].category = 4;
    write(tmp.file("cat.geojson"), units_geojson(spec));
    e = error_of(tmp.file("cat.geojson"), o, src);
    EXPECT_TRUE(has(e, "cat.geojson") && has(e, "feature 3") && has(e, "ZHGKDYFL") && has(e, "'4'")) << e;

    spec = small_map();
    spec[0].county = "37010";
    write(tmp.file("county.geojson"), units_geojson(spec));
    e = error_of(tmp.file("county.geojson"), o, src);
    EXPECT_TRUE(has(e, "feature 0") && has(e, "XZQDM") && has(e, "six digits")) << e;

    // A county the boundary lacks.
    write(tmp.file("units.geojson"), units_geojson(small_map()));
    write(tmp.file("counties.geojson"),
          "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
          "\"urn:ogc:def:crs:EPSG::4490\"}},\"features\":[{\"type\":\"Feature\",\"properties\":{\"adcode\":\"370102\","
          "\"name\":\"历下区\",\"city_adcode\":\"370100\",\"city_name\":\"济南市\",\"circle\":\"省会经济圈\"},"
          "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" + box_coords(117.0, 36.6, 117.1, 36.7) + "}}]}");
    src.boundary = tmp.file("counties.geojson");
    e = error_of(tmp.file("units.geojson"), o, src);
    EXPECT_TRUE(has(e, "units.geojson") && has(e, "feature 3") && has(e, "XZQDM") && has(e, "370302") &&
                has(e, "counties.geojson"))
        << e;
    src.boundary.clear();

    // --by circle needs a boundary.
    o.levels = {zone::ReportLevel::circle};
    e = error_of(tmp.file("units.geojson"), o, src);
    EXPECT_TRUE(has(e, "--by circle") && has(e, "--boundary")) << e;
}

TEST(BuildReport, ACityInTwoCirclesIsNamed) {
    Tmp tmp;
    auto spec = small_map();
    for (auto& u : spec)
        if (u.county == "370302") {  // 淄川区 becomes a county of 济南 in another circle
            u.county = "370103";
            u.code = "ZH370103" + u.code.substr(8);
        }
    write(tmp.file("units.geojson"), units_geojson(spec));
    auto county = [](const char* code, const char* circle, double x0) {
        return std::string("{\"type\":\"Feature\",\"properties\":{\"adcode\":\"") + code +
               "\",\"name\":\"县\",\"city_adcode\":\"370100\",\"city_name\":\"济南市\",\"circle\":\"" + circle +
               "\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" + box_coords(x0, 36.6, x0 + 0.1, 36.7) + "}}";
    };
    write(tmp.file("counties.geojson"),
          "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":"
          "\"urn:ogc:def:crs:EPSG::4490\"}},\"features\":[" +
              county("370102", "省会经济圈", 117.0) + "," + county("370103", "鲁南经济圈", 117.1) + "]}");
    zone::ReportOptions o;
    zone::ReportSources src;
    o.map = false;
    src.boundary = tmp.file("counties.geojson");
    const std::string e = error_of(tmp.file("units.geojson"), o, src);
    EXPECT_TRUE(has(e, "counties.geojson") && has(e, "feature 1") && has(e, "field 'circle'") && has(e, "济南市") &&
                has(e, "省会经济圈") && has(e, "鲁南经济圈") && has(e, "feature 0"))
        << e;
}

TEST(BuildReport, IndicatorsFlagWorseUnitsPriorityFirst) {
    Tmp tmp;
    write(tmp.file("units.geojson"), units_geojson(small_map()));
    // Header, then rows; \xEF\xBB\xBF: Excel's BOM must not hide the first field.
    write(tmp.file("ind.csv"), "\xEF\xBB\xBF" "code,indicator,baseline,current,higher_is_better\n"
                               "ZH37030230001,PM2.5,30,35,false\n"        // general, worse
                               "ZH37010210001,森林覆盖率,40.5,40.1,true\n"  // priority, worse
                               "ZH37010210001,PM2.5,30,28,false\n"        // priority, better
                               "ZH37010220001,COD,10,9,否\n");            // key, better
    zone::ReportOptions o;
    zone::ReportSources src;
    o.map = false;
    src.indicators = tmp.file("ind.csv");
    const zone::Report r = report_of(tmp.file("units.geojson"), o, src);
    ASSERT_TRUE(r.effectiveness);
    const auto& e = *r.effectiveness;
    EXPECT_EQ(e.rows, 4);
    EXPECT_EQ(e.units_assessed, 3);
    EXPECT_EQ(e.units_worse, 2);
    EXPECT_EQ(e.units_better, 1);
    ASSERT_EQ(e.worse_units.size(), 2u);
    EXPECT_EQ(r.units[e.worse_units[0]].code, "ZH37010210001");  // priority before general
    EXPECT_EQ(r.units[e.worse_units[1]].code, "ZH37030230001");

    const std::string csv = zone::format_worse_csv(r);
    EXPECT_EQ(csv.rfind("\xEF\xBB\xBF" "code,name,category,", 0), 0u);
    const auto first = csv.find("ZH37010210001"), second = csv.find("ZH37030230001");
    EXPECT_TRUE(first != std::string::npos && second != std::string::npos && first < second) << csv;
    EXPECT_TRUE(has(csv, "森林覆盖率,40.5,40.1,-0.4,")) << csv;
    EXPECT_FALSE(has(csv, "COD")) << "an improved indicator is not a worse one:\n" << csv;

    // Bad rows: file, layer, feature (and CSV line), field.
    write(tmp.file("bad.csv"), "code,indicator,baseline,current,higher_is_better\nZH37010210001,PM2.5,3O,35,false\n");
    src.indicators = tmp.file("bad.csv");
    std::string err = error_of(tmp.file("units.geojson"), o, src);
    EXPECT_TRUE(has(err, "bad.csv") && has(err, "feature 1") && has(err, "baseline") && has(err, "'3O'") &&
                has(err, "line 2"))
        << err;
    write(tmp.file("unknown.csv"), "code,indicator,baseline,current,higher_is_better\nZH37099930001,PM2.5,3,5,no\n");
    src.indicators = tmp.file("unknown.csv");
    err = error_of(tmp.file("units.geojson"), o, src);
    EXPECT_TRUE(has(err, "unknown.csv") && has(err, "field 'code'") && has(err, "ZH37099930001")) << err;
    write(tmp.file("nofield.csv"), "unit,indicator,baseline,now,higher_is_better\nZH37010210001,PM2.5,3,5,no\n");
    src.indicators = tmp.file("nofield.csv");
    err = error_of(tmp.file("units.geojson"), o, src);
    EXPECT_TRUE(has(err, "current") && has(err, "now")) << err;
}

// The table as it is, before it is judged against a map: cells trimmed,
// rows with nothing in them left out, the columns it names kept.
TEST(IndicatorTable, ReadAsItIsBeforeItIsJudged) {
    Tmp tmp;
    write(tmp.file("ind.csv"), "HJZHGKDYBM,name,baseline,current,higher_is_better,valid_share\n"
                               " ZH37010210001 , PM2.5 ,30,35,false,0.9\n"
                               ",,,,,\n"
                               "ZH37099930001,COD,x,,maybe,\n");
    const zone::IndicatorTable t = zone::read_indicator_table(tmp.file("ind.csv"));
    EXPECT_TRUE(t.csv);
    EXPECT_EQ(t.code_field, "HJZHGKDYBM");
    EXPECT_EQ(t.indicator_field, "name");
    EXPECT_EQ(t.valid_share_field, "valid_share");
    EXPECT_TRUE(t.threshold_field.empty());
    EXPECT_TRUE(t.assessable_field.empty());
    ASSERT_EQ(t.rows.size(), 2u);
    EXPECT_EQ(t.rows[0].code, "ZH37010210001");
    EXPECT_EQ(t.rows[0].indicator, "PM2.5");
    EXPECT_EQ(t.rows[0].valid_share, "0.9");
    EXPECT_EQ(t.rows[1].fid, 3);  // CSV line 4: the empty line 3 is feature 2
    EXPECT_EQ(t.rows[1].baseline, "x");
    EXPECT_EQ(t.rows[1].higher_is_better, "maybe");

    write(tmp.file("empty.csv"), "code,indicator,baseline,current,higher_is_better\n,,,,\n");
    try {
        zone::read_indicator_table(tmp.file("empty.csv"));
        ADD_FAILURE() << "a table without rows was taken";
    } catch (const zone::InputError& e) {
        EXPECT_TRUE(has(e.what(), "empty.csv") && has(e.what(), "no indicator rows")) << e.what();
    }
}

TEST(BuildReport, IndicatorsFromAnXlsxSheet) {
    Tmp tmp;
    write(tmp.file("units.geojson"), units_geojson(small_map()));
    GDALAllRegister();
    {
        // Numbers as numbers, the flag as an integer: how Excel users fill it in.
        GDALDriver* xlsx = GetGDALDriverManager()->GetDriverByName("XLSX");
        ASSERT_TRUE(xlsx);
        std::unique_ptr<GDALDataset> ds(xlsx->Create(tmp.file("ind.xlsx").c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        ASSERT_TRUE(ds);
        OGRLayer* layer = ds->CreateLayer("indicators", nullptr, wkbNone, nullptr);
        for (auto [name, type] : std::vector<std::pair<const char*, OGRFieldType>>{
                 {"code", OFTString}, {"indicator", OFTString}, {"baseline", OFTReal}, {"current", OFTReal},
                 {"higher_is_better", OFTInteger}}) {
            OGRFieldDefn def(name, type);
            ASSERT_EQ(layer->CreateField(&def), OGRERR_NONE);
        }
        const std::vector<std::tuple<const char*, const char*, double, double, int>> rows = {
            {"ZH37010230001", "水质达标率", 95.5, 91.0, 1}, {"ZH37010220001", "NO2", 30, 29.5, 0}};
        for (const auto& [code, ind, base, cur, higher] : rows) {
            OGRFeature f(layer->GetLayerDefn());
            f.SetField("code", code);
            f.SetField("indicator", ind);
            f.SetField("baseline", base);
            f.SetField("current", cur);
            f.SetField("higher_is_better", higher);
            ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
        }
    }
    zone::ReportOptions o;
    zone::ReportSources src;
    o.map = false;
    src.indicators = tmp.file("ind.xlsx");
    const zone::Report r = report_of(tmp.file("units.geojson"), o, src);
    ASSERT_TRUE(r.effectiveness);
    EXPECT_EQ(r.effectiveness->rows, 2);
    ASSERT_EQ(r.effectiveness->worse_units.size(), 1u);
    EXPECT_EQ(r.units[r.effectiveness->worse_units[0]].code, "ZH37010230001");
    EXPECT_EQ(r.effectiveness->units_better, 1);
}

// ------------------------------------------------------------------ writers

// libxml2's strict XML parser: no recovery, no network.
struct XmlDoc {
    xmlDocPtr doc = nullptr;
    explicit XmlDoc(const std::string& text) {
        doc = xmlReadMemory(text.data(), static_cast<int>(text.size()), "report.html", "UTF-8",
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    }
    ~XmlDoc() {
        if (doc) xmlFreeDoc(doc);
    }
    std::vector<std::string> values(const char* xpath) const {
        std::vector<std::string> out;
        xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
        xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
        xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://www.w3.org/2000/svg");
        xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST xpath, ctx);
        if (r && r->nodesetval)
            for (int i = 0; i < r->nodesetval->nodeNr; ++i) {
                xmlChar* s = xmlNodeGetContent(r->nodesetval->nodeTab[i]);
                out.push_back(s ? reinterpret_cast<const char*>(s) : "");
                xmlFree(s);
            }
        xmlXPathFreeObject(r);
        xmlXPathFreeContext(ctx);
        return out;
    }
};

zone::Report small_report(const Tmp& tmp, bool map) {
    auto spec = small_map();
    spec[1].name = "A&B <城区> \"甲\"";  // to be escaped everywhere
    write(tmp.file("units.geojson"), units_geojson(spec));
    zone::ReportOptions o;
    o.map = map;
    return report_of(tmp.file("units.geojson"), o);
}

TEST(ReportWriters, HtmlIsWellFormedWithOneSheetPerUnitAndWorkingLinks) {
    Tmp tmp;
    const zone::Report r = small_report(tmp, true);
    zone::HtmlOptions ho;
    ho.version = "test";
    const std::string html = zone::format_report_html(r, ho);
    XmlDoc doc(html);
    ASSERT_NE(doc.doc, nullptr) << "libxml2 does not parse the report as XML: " << xmlGetLastError()->message;
    const auto sheets = doc.values("//h:section[@class='sheet']/@id");
    EXPECT_EQ(std::set<std::string>(sheets.begin(), sheets.end()),
              (std::set<std::string>{"ZH37010210001", "ZH37010220001", "ZH37010230001", "ZH37030230001"}));
    // Every in-page link has its target.
    const auto ids = doc.values("//@id");
    const std::set<std::string> id_set(ids.begin(), ids.end());
    EXPECT_EQ(ids.size(), id_set.size()) << "duplicate ids";
    for (const auto& href : doc.values("//@href")) {
        ASSERT_EQ(href.rfind('#', 0), 0u) << "a link out of the file: " << href;
        EXPECT_TRUE(id_set.count(href.substr(1))) << "no target for " << href;
    }
    // The map links each unit, and the escaped name reads back as it was.
    EXPECT_EQ(doc.values("//s:svg//s:a/@href").size(), 4u);
    const auto titles = doc.values("//h:section[@id='ZH37010220001']/h:h3");
    ASSERT_EQ(titles.size(), 1u);
    EXPECT_NE(titles[0].find("A&B <城区> \"甲\""), std::string::npos) << titles[0];
    const auto req = doc.values("//h:section[@id='ZH37010210001']//h:dd");
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0], "禁止新建化工项目");
    EXPECT_EQ(doc.values("//h:section[@id='ZH37010220001']//h:p[@class='none']").size(), 1u);
    EXPECT_EQ(doc.values("//h:meta[@charset='utf-8']").size(), 1u);
    EXPECT_EQ(doc.values("//h:script").size(), 0u);
}

TEST(ReportWriters, CsvJsonAndMarkdownCarryTheSameFigures) {
    Tmp tmp;
    const zone::Report r = small_report(tmp, false);
    const std::string csv = zone::format_report_csv(r);
    ASSERT_EQ(csv.rfind("\xEF\xBB\xBF", 0), 0u);
    write(tmp.file("stats.csv"), csv);
    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(tmp.file("stats.csv").c_str(), GDAL_OF_VECTOR));
    ASSERT_TRUE(ds);
    OGRLayer* layer = ds->GetLayer(0);
    ASSERT_GE(layer->GetLayerDefn()->GetFieldIndex("level"), 0) << "the BOM leaked into the first column's name";
    int rows = 0;
    for (auto& f : *layer) {
        ++rows;
        const std::string level = f->GetFieldAsString("level");
        const zone::Figures* fig = &r.total;
        if (level != "total") fig = &r.regions[rows - 2].figures;
        EXPECT_EQ(std::atoi(f->GetFieldAsString("units")), fig->units[0]);
        EXPECT_NEAR(std::atof(f->GetFieldAsString("area_km2")), fig->area_display[0] / 100.0, 1e-9);
    }
    EXPECT_EQ(rows, 1 + static_cast<int>(r.regions.size()));
    zone::Report titled = r;
    titled.title = "标题, \"引号\"";
    const std::string quoted = zone::format_report_csv(titled);
    EXPECT_NE(quoted.find(",\"标题, \"\"引号\"\"\","), std::string::npos) << "quotes doubled, field quoted:\n" << quoted;

    CPLJSONDocument json;
    ASSERT_TRUE(json.LoadMemory(zone::format_report_json(r, "test")));
    const auto root = json.GetRoot();
    EXPECT_EQ(root.GetString("tool"), "zone-report");
    EXPECT_EQ(root.GetArray("units").Size(), 4);
    EXPECT_EQ(root.GetObj("total").GetObj("units").GetInteger("total"), 4);
    EXPECT_NEAR(root.GetObj("total").GetObj("area_km2").GetDouble("total"), r.total.area_display[0] / 100.0, 1e-9);

    const std::string md = zone::format_report_markdown(r);
    EXPECT_NE(md.find("## 按县（市、区）统计"), std::string::npos);
    char total[32];
    std::snprintf(total, sizeof total, "%lld.%02lld", static_cast<long long>(r.total.area_display[0] / 100),
                  static_cast<long long>(r.total.area_display[0] % 100));
    EXPECT_NE(md.find(total), std::string::npos) << total;
}

TEST(ReportWriters, ChangesSectionWhenAChangeSummaryIsGiven) {
    Tmp tmp;
    zone::Report r = small_report(tmp, false);
    zone::HtmlOptions ho;
    {
        XmlDoc doc(zone::format_report_html(r, ho));
        ASSERT_NE(doc.doc, nullptr);
        EXPECT_TRUE(doc.values("//h:section[@id='changes']").empty());
        EXPECT_TRUE(doc.values("//h:a[@href='#changes']").empty());
    }
    zone::ReportChanges c;
    c.old_source = "units-2019.gpkg";
    c.new_source = "units-2024.gpkg";
    c.kinds = {{"split", 2}, {"unchanged", 40}};
    c.transitions_km2[1][2] = 1.25;
    r.changes = c;
    XmlDoc doc(zone::format_report_html(r, ho));
    ASSERT_NE(doc.doc, nullptr);
    EXPECT_EQ(doc.values("//h:a[@href='#changes']").size(), 1u);
    EXPECT_EQ(doc.values("//h:section[@id='changes']//h:tr[h:th='split']/h:td"), (std::vector<std::string>{"2"}));
    // Old category 1 (row 优先保护) to new 2 (second column).
    EXPECT_EQ(doc.values("//h:section[@id='changes']//h:tr[h:th='优先保护']/h:td[2]"), (std::vector<std::string>{"1.25"}));
}

}  // namespace
