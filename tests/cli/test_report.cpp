// zone-report on the Shandong map that the ctest fixture `build_shandong_map`
// wrote (SHANDONG_UNITS). Every figure is checked against sums computed here
// from the unit layer with GDAL/OGR and GEOS directly — Gauss-Krüger planar
// areas in the CGCS2000 3-degree zone of each county, county → city → circle
// from the boundary file — never with libzone. The outputs are read back with
// other readers: GDAL's CSV and XLSX drivers, libxml2's strict XML parser for
// the HTML, GDAL for the PNG.
#include "support.hpp"
#include "xhtml.hpp"

#include <cpl_json.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>


#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

namespace {

using namespace zt;

std::string zone_report_exe() { return ZONE_REPORT_EXE; }

RunResult run_report(const std::vector<std::string>& args, double timeout_s = 120) {
    std::vector<std::string> argv{zone_report_exe()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_with_timeout(argv, timeout_s);
}

std::string source_root() { return fs::path(testdata_dir()).parent_path().string(); }

// Hundredths of a km² from text such as "1234.56": exact integers, so sums compare exactly.
long long hundredths(const std::string& text) {
    const double v = std::stod(text);
    return std::llround(v * 100);
}

// ------------------------------------------------------------------ the data, computed here

struct Sums {
    std::array<int, 4> units{};
    std::array<double, 4> m2{};
    void add(int category, double area) {
        for (int k : {0, category}) {
            units[k] += 1;
            m2[k] += area;
        }
    }
};

struct UnitInfo {
    std::string code, name, county, city, circle;
    int category = 0;
    double area_m2 = 0;  // GK zone of its county, densified
    std::unique_ptr<OGRGeometry> geom;  // lon/lat
};

struct Data {
    std::vector<UnitInfo> units;                // in code order
    std::map<std::string, std::string> city_of_county, circle_of_city, county_name, city_name_of_code;
    std::set<std::string> city_names;
    std::map<std::string, Sums> by_region;      // "level:name" → sums
    Sums total;
    std::string error;
};

Data* g_data = nullptr;

void load(Data& d) {
    const std::string boundary = source_root() + "/testdata/shandong/counties.gpkg|layername=counties";
    LayerData counties = read_layer(boundary, true);
    std::map<std::string, int> epsg;
    for (auto& f : counties.features) {
        const std::string code = f["adcode"];
        d.county_name[code] = f["name"];
        d.city_of_county[code] = f["city_name"];
        d.circle_of_city[f["city_name"]] = f["circle"];
        d.city_names.insert(f["city_name"]);
        d.city_name_of_code[f["city_adcode"]] = f["city_name"];
        epsg[code] = gk_epsg_of(*f.geom);  // the zone of the county's centroid, as official statistics
    }
    const std::string units = shandong_units();
    if (!fs::exists(units)) throw std::runtime_error(units + " does not exist: the fixture build_shandong_map did not run");
    LayerData layer = read_layer(units + "|layername=units", true);
    for (auto& f : layer.features) {
        UnitInfo u;
        u.code = f["HJZHGKDYBM"];
        u.name = f["HJZHGKDYMC"];
        u.county = f["XZQDM"];
        u.category = std::atoi(f["ZHGKDYFL"].c_str());
        u.city = d.city_of_county.at(u.county);
        u.circle = d.circle_of_city.at(u.city);
        u.area_m2 = gk_area(*f.geom, epsg.at(u.county), kDensifyDeg);
        u.geom = std::move(f.geom);
        d.total.add(u.category, u.area_m2);
        d.by_region["province:山东省"].add(u.category, u.area_m2);
        d.by_region["circle:" + u.circle].add(u.category, u.area_m2);
        d.by_region["city:" + u.city].add(u.category, u.area_m2);
        d.by_region["county:" + u.county].add(u.category, u.area_m2);  // by code: county names repeat (市中区)
        d.units.push_back(std::move(u));
    }
    std::sort(d.units.begin(), d.units.end(), [](const UnitInfo& a, const UnitInfo& b) { return a.code < b.code; });
}

// ------------------------------------------------------------------ one run of each output

// Units picked for the indicator table: the last priority unit (by code), two
// key units and the first general unit, so that "priority first" is not code order.
struct Picks {
    std::string p1, k1, k2, g1;
};

// The runs, each made when a test first needs it: ctest runs every test in a
// process of its own.
struct Runs {
    TempDir dir{"zonereport"};
    Picks picks;
    std::map<std::string, RunResult> done;
    const RunResult& get(const std::string& what);
    std::string text(const std::string& file) {
        return fs::exists(dir.file(file)) ? read_file(dir.file(file)) : std::string();
    }
};

const RunResult& Runs::get(const std::string& what) {
    auto it = done.find(what);
    if (it != done.end()) return it->second;
    const std::string units = shandong_units();
    const std::string boundary = source_root() + "/testdata/shandong/counties.gpkg";
    std::vector<std::string> args{units, "--boundary", boundary, "-q"};
    if (what == "html") {
        args.insert(args.end(), {"-o", dir.file("report.html"), "--map-png", dir.file("map.png"), "--map-width", "1600",
                                 "--indicators", dir.file("indicators.csv"), "--worse-out", dir.file("worse.csv")});
    } else {
        args.insert(args.end(), {"-o", dir.file("stats." + what)});
    }
    return done[what] = run_report(args);
}

Runs* g_runs = nullptr;

class ReportShandong : public ::testing::Test {
protected:
    // The runs' folder goes with the suite.
    static void TearDownTestSuite() {
        delete g_runs;
        g_runs = nullptr;
    }
    static void SetUpTestSuite() {
        if (g_data) return;
        g_data = new Data();
        try {
            load(*g_data);
        } catch (const std::exception& e) {
            g_data->error = e.what();
            return;
        }
        g_runs = new Runs();
        Runs& r = *g_runs;
        const Data& d = *g_data;
        for (const auto& u : d.units) {
            if (u.category == 1) r.picks.p1 = u.code;
            if (u.category == 2 && r.picks.k1.empty()) r.picks.k1 = u.code;
            else if (u.category == 2 && r.picks.k2.empty()) r.picks.k2 = u.code;
            if (u.category == 3 && r.picks.g1.empty()) r.picks.g1 = u.code;
        }
        write_file(r.dir.file("indicators.csv"),
                   "code,indicator,baseline,current,higher_is_better\n" +
                       r.picks.g1 + ",森林覆盖率,20.5,19.9,true\n" +   // general: worse
                       r.picks.k1 + ",COD,10,12,false\n" +              // key: worse
                       r.picks.k2 + ",PM2.5,40,35,false\n" +            // key: better
                       r.picks.p1 + ",PM2.5,30,36,false\n" +            // priority: worse
                       r.picks.p1 + ",森林覆盖率,50,52,true\n");        // priority: better
    }

    void SetUp() override { ASSERT_TRUE(g_data->error.empty()) << "cannot load the test data: " << g_data->error; }
    static const Data& data() { return *g_data; }
    static Runs& runs() { return *g_runs; }
};

// A statistics row as CSV and XLSX give it.
struct StatRow {
    std::string level, code, name, parent;
    std::array<int, 4> units{};             // [0] total
    std::array<long long, 4> hundredths{};  // km² × 100
    std::array<double, 4> share{};          // [1..3] percent
    bool has_share = false;
};

std::vector<StatRow> read_stats(const std::string& path, const std::string& layer_name = "") {
    DatasetPtr ds = open_vector(path);
    if (!ds) throw std::runtime_error("GDAL cannot open " + path);
    OGRLayer* layer = layer_name.empty() ? ds->GetLayer(0) : ds->GetLayerByName(layer_name.c_str());
    if (!layer) throw std::runtime_error(path + " has no layer " + layer_name);
    std::vector<StatRow> rows;
    for (auto& f : *layer) {
        StatRow r;
        r.level = f->GetFieldAsString("level");
        r.code = f->GetFieldAsString("code");
        r.name = f->GetFieldAsString("name");
        r.parent = f->GetFieldAsString("parent");
        const char* units[] = {"units", "units_1", "units_2", "units_3"};
        const char* areas[] = {"area_km2", "area_km2_1", "area_km2_2", "area_km2_3"};
        const char* shares[] = {"", "share_1", "share_2", "share_3"};
        for (int k = 0; k < 4; ++k) {
            r.units[k] = std::atoi(f->GetFieldAsString(units[k]));
            r.hundredths[k] = hundredths(f->GetFieldAsString(areas[k]));
            if (k && f->IsFieldSetAndNotNull(f->GetFieldIndex(shares[k])) && *f->GetFieldAsString(shares[k])) {
                r.share[k] = std::atof(f->GetFieldAsString(shares[k]));
                r.has_share = true;
            }
        }
        rows.push_back(r);
    }
    return rows;
}

// ------------------------------------------------------------------ statistics

TEST_F(ReportShandong, RunsSucceed) {
    for (const char* what : {"html", "csv", "xlsx", "json"}) {
        const RunResult* r = &runs().get(what);
        EXPECT_EQ(r->status, 0) << r->describe();
        EXPECT_TRUE(r->out.empty()) << "nothing but data on stdout:\n" << r->describe();
        EXPECT_LT(r->seconds, 30) << "reporting on the whole map takes seconds";
    }
    EXPECT_TRUE(zonekit_leftovers(runs().dir.path()).empty());
}

TEST_F(ReportShandong, CsvFiguresEqualSumsComputedHere) {
    const Data& d = data();
    ASSERT_EQ(runs().get("csv").status, 0) << runs().get("csv").describe();
    const std::vector<StatRow> rows = read_stats(runs().dir.file("stats.csv"));
    ASSERT_FALSE(rows.empty());
    std::map<std::string, int> per_level;
    for (const StatRow& r : rows) {
        ++per_level[r.level];
        const Sums& s = r.level == "total"    ? d.total
                        : r.level == "county" ? d.by_region.at("county:" + r.code)
                                              : d.by_region.at(r.level + ":" + r.name);
        for (int k = 0; k < 4; ++k) {
            EXPECT_EQ(r.units[k], s.units[k]) << r.level << " " << r.name << " category " << k;
            // Controlled rounding: the exact value rounded down or up.
            EXPECT_LT(std::fabs(r.hundredths[k] - s.m2[k] / 1e4), 1.0 + 1e-6)
                << r.level << " " << r.name << " category " << k << ": " << r.hundredths[k] / 100.0 << " km² shown, "
                << s.m2[k] / 1e6 << " km² computed here";
        }
        if (r.level == "total" || r.level == "province") {
            // The headline figures are the nearest rounding.
            for (int k = 0; k < 4; ++k)
                EXPECT_EQ(r.hundredths[k], std::llround(s.m2[k] / 1e4)) << r.level << " category " << k;
        }
        // Shares of the region's land, adding up to 100.0.
        ASSERT_TRUE(r.has_share) << r.name;
        EXPECT_NEAR(r.share[1] + r.share[2] + r.share[3], 100.0, 1e-9) << r.name;
        for (int k = 1; k <= 3; ++k) EXPECT_LT(std::fabs(r.share[k] - 100 * s.m2[k] / s.m2[0]), 0.1) << r.name << " " << k;
        // Categories add up to the row's total.
        EXPECT_EQ(r.units[1] + r.units[2] + r.units[3], r.units[0]) << r.name;
        EXPECT_EQ(r.hundredths[1] + r.hundredths[2] + r.hundredths[3], r.hundredths[0]) << r.name;
        // Regions sit where the boundary puts them.
        if (r.level == "county") {
            EXPECT_EQ(r.parent, d.city_of_county.at(r.code)) << r.name;
        }
        if (r.level == "city") {
            EXPECT_EQ(r.parent, d.circle_of_city.at(r.name)) << r.name;
            EXPECT_EQ(d.city_name_of_code.at(r.code), r.name);
        }
        if (r.level == "circle") {
            EXPECT_EQ(r.parent, "山东省");
        }
    }
    EXPECT_EQ(per_level["total"], 1);
    EXPECT_EQ(per_level["province"], 1);
    EXPECT_EQ(per_level["circle"], 3);
    EXPECT_EQ(per_level["city"], 16);
    EXPECT_EQ(per_level["county"], 136);

    // Every displayed total is the sum of its displayed parts, level by level.
    std::map<std::string, std::array<long long, 4>> child_sums;
    std::map<std::string, std::array<int, 4>> child_units;
    std::map<std::string, const StatRow*> by_name;
    std::map<std::string, std::array<long long, 4>> level_sums;
    const StatRow* total = nullptr;
    for (const StatRow& r : rows) {
        if (r.level == "total") {
            total = &r;
            continue;
        }
        if (r.level != "county") by_name[r.name] = &r;  // parents: names are unique above the counties
        for (int k = 0; k < 4; ++k) {
            level_sums[r.level][k] += r.hundredths[k];
            if (!r.parent.empty()) {
                child_sums[r.parent][k] += r.hundredths[k];
                child_units[r.parent][k] += r.units[k];
            }
        }
    }
    ASSERT_TRUE(total);
    for (const auto& [level, sums] : level_sums)
        for (int k = 0; k < 4; ++k) EXPECT_EQ(sums[k], total->hundredths[k]) << level << " rows do not add up, category " << k;
    for (const auto& [parent, sums] : child_sums) {
        ASSERT_TRUE(by_name.count(parent)) << parent;
        for (int k = 0; k < 4; ++k) {
            EXPECT_EQ(sums[k], by_name[parent]->hundredths[k]) << "the parts of " << parent << ", category " << k;
            EXPECT_EQ(child_units[parent][k], by_name[parent]->units[k]) << parent;
        }
    }
}

TEST_F(ReportShandong, CsvIsUtf8WithBom) {
    runs().get("csv");
    const std::string csv = runs().text("stats.csv");
    ASSERT_GE(csv.size(), 3u) << runs().get("csv").describe();
    EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
    EXPECT_TRUE(is_valid_utf8(csv));
    EXPECT_TRUE(has_cjk(csv));
    EXPECT_EQ(csv.compare(3, 6, "level,"), 0) << csv.substr(0, 80);
    // GDAL reads it, the BOM not part of the first column's name.
    DatasetPtr ds = open_vector(runs().dir.file("stats.csv"));
    ASSERT_TRUE(ds);
    EXPECT_EQ(std::string(ds->GetLayer(0)->GetLayerDefn()->GetFieldDefn(0)->GetNameRef()), "level");
    std::set<std::string> names;
    for (auto& f : *ds->GetLayer(0)) names.insert(f->GetFieldAsString("name"));
    for (const auto& city : data().city_names) EXPECT_TRUE(names.count(city)) << city;
}

TEST_F(ReportShandong, XlsxReadsBackWithTheSameNumbers) {
    ASSERT_EQ(runs().get("xlsx").status, 0) << runs().get("xlsx").describe();
    ASSERT_EQ(runs().get("csv").status, 0) << runs().get("csv").describe();
    DatasetPtr ds = open_vector(runs().dir.file("stats.xlsx"));
    ASSERT_TRUE(ds) << "GDAL cannot open the XLSX";
    EXPECT_STREQ(ds->GetDriver()->GetDescription(), "XLSX");
    OGRLayer* stats = ds->GetLayerByName("statistics");
    ASSERT_TRUE(stats);
    OGRFeatureDefn* defn = stats->GetLayerDefn();
    EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("units_1"))->GetType(), OFTInteger);
    EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("area_km2"))->GetType(), OFTReal);
    const auto xlsx = read_stats(runs().dir.file("stats.xlsx"), "statistics");
    const auto csv = read_stats(runs().dir.file("stats.csv"));
    ASSERT_EQ(xlsx.size(), csv.size());
    for (std::size_t i = 0; i < csv.size(); ++i) {
        EXPECT_EQ(xlsx[i].name, csv[i].name);
        EXPECT_EQ(xlsx[i].units, csv[i].units) << csv[i].name;
        EXPECT_EQ(xlsx[i].hundredths, csv[i].hundredths) << csv[i].name;
    }
    // The unit sheet: every unit, and its areas add up to the county rows.
    OGRLayer* units = ds->GetLayerByName("units");
    ASSERT_TRUE(units);
    EXPECT_EQ(units->GetFeatureCount(), static_cast<GIntBig>(data().units.size()));
    std::map<std::string, long long> by_county;
    for (auto& f : *units) by_county[f->GetFieldAsString("county_code")] += hundredths(f->GetFieldAsString("area_km2"));
    for (const StatRow& r : csv)
        if (r.level == "county") {
            EXPECT_EQ(by_county[r.code], r.hundredths[0]) << r.name;
        }
}

TEST_F(ReportShandong, JsonUnitsMatchAndAddUpToTheTables) {
    ASSERT_EQ(runs().get("json").status, 0) << runs().get("json").describe();
    ASSERT_EQ(runs().get("csv").status, 0) << runs().get("csv").describe();
    CPLJSONDocument doc;
    ASSERT_TRUE(doc.LoadMemory(runs().text("stats.json")));
    const CPLJSONObject root = doc.GetRoot();
    EXPECT_EQ(root.GetString("tool"), "zone-report");
    EXPECT_NE(root.GetString("area_method").find("Gauss-Kruger"), std::string::npos);
    const CPLJSONArray units = root.GetArray("units");
    ASSERT_EQ(units.Size(), static_cast<int>(data().units.size()));
    std::map<std::string, const UnitInfo*> by_code;
    for (const auto& u : data().units) by_code[u.code] = &u;
    std::map<std::pair<std::string, int>, long long> cells;
    for (int i = 0; i < units.Size(); ++i) {
        const CPLJSONObject u = units[i];
        const std::string code = u.GetString("code");
        ASSERT_TRUE(by_code.count(code)) << code;
        const UnitInfo& mine = *by_code[code];
        EXPECT_EQ(u.GetInteger("category"), mine.category) << code;
        EXPECT_NEAR(u.GetDouble("area_m2"), mine.area_m2, 1e-6 * mine.area_m2 + 1e-3) << code;
        const long long shown = hundredths(u.GetObj("area_km2").ToString());
        EXPECT_LT(std::fabs(shown - mine.area_m2 / 1e4), 1.0 + 1e-6) << code;
        cells[{mine.county, mine.category}] += shown;
    }
    for (const StatRow& r : read_stats(runs().dir.file("stats.csv")))
        if (r.level == "county")
            for (int k = 1; k <= 3; ++k) {
                const long long from_units = cells[std::make_pair(r.code, k)];
                EXPECT_EQ(from_units, r.hundredths[k]) << r.name << " category " << k;
            }
}

// ------------------------------------------------------------------ HTML

TEST_F(ReportShandong, HtmlIsWellFormedSelfContainedWithOneSheetPerUnit) {
    ASSERT_EQ(runs().get("html").status, 0) << runs().get("html").describe();
    const std::string html = runs().text("report.html");
    EXPECT_LT(html.size(), 5u << 20) << "the report should open quickly";
    EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
    Xml xml(html);
    ASSERT_TRUE(xml.doc) << "libxml2 does not parse the report as XML: " << xml.error;

    // One sheet per unit, found by its code.
    const auto sheets = xml.values("//h:section[@class='sheet']/@id");
    std::set<std::string> expected;
    for (const auto& u : data().units) expected.insert(u.code);
    EXPECT_EQ(sheets.size(), expected.size());
    EXPECT_EQ(std::set<std::string>(sheets.begin(), sheets.end()), expected);
    // Nothing from the network; every link lands in the file.
    const auto ids = xml.values("//@id");
    const std::set<std::string> id_set(ids.begin(), ids.end());
    EXPECT_EQ(ids.size(), id_set.size()) << "duplicate ids";
    int links = 0;
    for (const auto& href : xml.values("//@href")) {
        ++links;
        ASSERT_EQ(href.rfind('#', 0), 0u) << "a link out of the file: " << href;
        ASSERT_TRUE(id_set.count(href.substr(1))) << "no target for " << href;
    }
    EXPECT_GT(links, 2 * static_cast<int>(expected.size()));
    EXPECT_TRUE(xml.values("//@src").empty());
    EXPECT_TRUE(xml.values("//h:script|//h:link|//h:iframe|//h:img").empty());
    EXPECT_EQ(html.find("url("), std::string::npos);
    EXPECT_EQ(html.find("@import"), std::string::npos);
    EXPECT_EQ(xml.values("//h:meta[@charset='utf-8']").size(), 1u);
    EXPECT_NE(html.find("\"Noto Sans CJK SC\""), std::string::npos);
    EXPECT_NE(html.find("WenQuanYi"), std::string::npos);
    EXPECT_NE(html.find("break-before:page"), std::string::npos) << "one unit per printed page";

    // The map: each unit a link to its sheet (but those under a tenth of a
    // pixel), the 16 cities named, category colours in the legend.
    const auto map_links = xml.values("//s:svg//s:a/@href");
    EXPECT_GE(map_links.size(), expected.size() * 9 / 10);
    const auto labels = xml.values("//s:svg//s:g[@class='lbl']/s:text");
    EXPECT_EQ(std::set<std::string>(labels.begin(), labels.end()), data().city_names);
    for (const char* colour : {"#3d9a50", "#e4713a", "#f2e3a0"}) EXPECT_NE(html.find(colour), std::string::npos);

    // The statistics tables: a row per county, per city, per circle.
    EXPECT_EQ(xml.values("//h:h3[@id='by-county']/following-sibling::h:table[1]/h:tbody/h:tr").size(), 136u);
    EXPECT_EQ(xml.values("//h:h3[@id='by-city']/following-sibling::h:table[1]/h:tbody/h:tr").size(), 16u);
}

TEST_F(ReportShandong, WorseUnitsArePriorityFirstInCsvAndHtml) {
    ASSERT_EQ(runs().get("html").status, 0) << runs().get("html").describe();
    const Picks& p = runs().picks;
    const std::string csv = runs().text("worse.csv");
    ASSERT_GE(csv.size(), 3u);
    EXPECT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
    DatasetPtr ds = open_vector(runs().dir.file("worse.csv"));
    ASSERT_TRUE(ds);
    std::vector<std::pair<std::string, std::string>> rows;
    for (auto& f : *ds->GetLayer(0)) {
        rows.emplace_back(f->GetFieldAsString("code"), f->GetFieldAsString("indicator"));
        if (rows.back().first == p.p1) {
            EXPECT_STREQ(f->GetFieldAsString("baseline"), "30");
            EXPECT_STREQ(f->GetFieldAsString("current"), "36");
            EXPECT_STREQ(f->GetFieldAsString("change"), "6");
            EXPECT_STREQ(f->GetFieldAsString("change_percent"), "20.0");
            EXPECT_STREQ(f->GetFieldAsString("category"), "1");
        }
        if (rows.back().first == p.g1) {
            EXPECT_STREQ(f->GetFieldAsString("change"), "-0.6");
        }
    }
    const std::vector<std::pair<std::string, std::string>> expected = {
        {p.p1, "PM2.5"}, {p.k1, "COD"}, {p.g1, "森林覆盖率"}};
    EXPECT_EQ(rows, expected) << "the general unit " << p.g1 << " has the smallest code, the priority unit " << p.p1
                              << " the largest";

    Xml xml(runs().text("report.html"));
    ASSERT_TRUE(xml.doc);
    const auto listed = xml.values("//h:section[@id='effect']//h:tbody/h:tr/h:td[1]");
    EXPECT_EQ(listed, (std::vector<std::string>{p.p1, p.k1, p.g1}));
    const auto p1_sheet = xml.values("//h:section[@id='" + p.p1 + "']");
    ASSERT_EQ(p1_sheet.size(), 1u);
    EXPECT_TRUE(contains(p1_sheet[0], "PM2.5 30→36 变差")) << p1_sheet[0];
    EXPECT_TRUE(contains(p1_sheet[0], "森林覆盖率 50→52 改善")) << p1_sheet[0];
}

// ------------------------------------------------------------------ PNG

TEST_F(ReportShandong, PngOpensWithTheExpectedSizeAndColours) {
    ASSERT_EQ(runs().get("html").status, 0) << runs().get("html").describe();
    gdal_init();
    std::unique_ptr<GDALDataset> png(GDALDataset::Open(runs().dir.file("map.png").c_str(), GDAL_OF_RASTER));
    ASSERT_TRUE(png);
    EXPECT_STREQ(png->GetDriver()->GetDescription(), "PNG");
    EXPECT_FALSE(fs::exists(runs().dir.file("map.png.aux.xml"))) << "no sidecar beside a slide picture";
    const int w = png->GetRasterXSize(), h = png->GetRasterYSize();
    EXPECT_EQ(w, 1600);

    // The expected height: the map's extent in a transverse Mercator on its
    // central meridian, with the 1 % margin the man page states.
    double lon0 = 1e9, lon1 = -1e9, lat0 = 1e9, lat1 = -1e9;
    for (const auto& u : data().units) {
        OGREnvelope e;
        u.geom->getEnvelope(&e);
        lon0 = std::min(lon0, e.MinX), lon1 = std::max(lon1, e.MaxX);
        lat0 = std::min(lat0, e.MinY), lat1 = std::max(lat1, e.MaxY);
    }
    OGRSpatialReference geo, tm;
    geo.importFromEPSG(4490);
    geo.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    tm.importFromProj4(("+proj=tmerc +lat_0=0 +lon_0=" + std::to_string((lon0 + lon1) / 2) +
                        " +k=1 +x_0=0 +y_0=0 +ellps=GRS80 +units=m +no_defs").c_str());
    tm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&geo, &tm));
    OGREnvelope extent;
    for (const auto& u : data().units) {
        std::unique_ptr<OGRGeometry> g(u.geom->clone());
        ASSERT_EQ(g->transform(ct.get()), OGRERR_NONE);
        OGREnvelope e;
        g->getEnvelope(&e);
        extent.Merge(e);
    }
    const int pad = 1600 / 100;
    const double expected_h = (extent.MaxY - extent.MinY) / (extent.MaxX - extent.MinX) * (1600 - 2 * pad) + 2 * pad;
    EXPECT_NEAR(h, expected_h, 3);

    GDALRasterBand* band = png->GetRasterBand(1);
    ASSERT_EQ(band->GetColorInterpretation(), GCI_PaletteIndex);
    const GDALColorTable* table = band->GetColorTable();
    ASSERT_TRUE(table);
    const int colours[4][3] = {{255, 255, 255}, {0x3d, 0x9a, 0x50}, {0xe4, 0x71, 0x3a}, {0xf2, 0xe3, 0xa0}};
    for (int k = 0; k < 4; ++k) {
        const GDALColorEntry* e = table->GetColorEntry(k);
        ASSERT_TRUE(e);
        EXPECT_EQ((std::array<int, 3>{e->c1, e->c2, e->c3}), (std::array<int, 3>{colours[k][0], colours[k][1], colours[k][2]}))
            << "palette entry " << k;
    }
    // Pixels by category in proportion to the land computed here.
    std::vector<GByte> px(static_cast<std::size_t>(w) * h);
    ASSERT_EQ(band->RasterIO(GF_Read, 0, 0, w, h, px.data(), w, h, GDT_Byte, 0, 0), CE_None);
    std::array<double, 6> count{};
    for (GByte v : px) count[std::min<int>(v, 5)] += 1;
    EXPECT_GT(count[0], 0) << "background";
    EXPECT_GT(count[4], 0) << "county lines";
    EXPECT_GT(count[5], 0) << "city lines";
    const double land = count[1] + count[2] + count[3];
    for (int k = 1; k <= 3; ++k)
        EXPECT_NEAR(count[k] / land, data().total.m2[k] / data().total.m2[0], 0.015) << "category " << k;
    EXPECT_EQ(px[0], 0) << "the corner is background";
}

// ------------------------------------------------------------------ list texts, factor shares

const std::vector<std::string> kJinan = {"370102", "370103", "370104", "370105", "370112"};

TEST(ReportSubset, ListFieldTextsShowInTheSheetAndFactorSharesMatch) {
    const MapSubset& s = shandong_subset(kJinan);
    ASSERT_TRUE(s.error.empty()) << s.error;
    TempDir dir("zonereport-subset");
    Table units = s.units;
    ASSERT_GE(units.rows.size(), 10u);
    const std::string with_text = units.get(units.rows[3], "HJZHGKDYBM");
    units.set(units.rows[3], "KJBJYS", "禁止新建、扩建化工园区。");
    units.set(units.rows[3], "HJFXFK", "建立 <突发> 环境事件应急预案 & 演练");
    write_table(units, dir.file("units.gpkg"));
    const RunResult r = run_report({dir.file("units.gpkg"), "--boundary", s.boundary, "--scheme",
                                    source_root() + "/testdata/shandong/scheme.toml", "-o", dir.file("r.html"), "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    Xml xml(read_file(dir.file("r.html")));
    ASSERT_TRUE(xml.doc) << xml.error;
    EXPECT_EQ(xml.values("//h:section[@class='sheet']").size(), units.rows.size());
    EXPECT_EQ(xml.values("//h:section[@id='" + with_text + "']//h:dt"),
              (std::vector<std::string>{"空间布局约束", "环境风险防控"}));
    EXPECT_EQ(xml.values("//h:section[@id='" + with_text + "']//h:dd"),
              (std::vector<std::string>{"禁止新建、扩建化工园区。", "建立 <突发> 环境事件应急预案 & 演练"}));
    const std::string other = units.get(units.rows[4], "HJZHGKDYBM");
    EXPECT_EQ(xml.values("//h:section[@id='" + other + "']//h:p[@class='none']"), (std::vector<std::string>{"未提供"}));

    // Factor shares, against intersections computed here with GEOS: the share
    // of the unit's land that the factor's (unioned) features cover.
    const RunResult j = run_report({dir.file("units.gpkg"), "--boundary", s.boundary, "--scheme",
                                    source_root() + "/testdata/shandong/scheme.toml", "-o", dir.file("r.json"), "-q"});
    ASSERT_EQ(j.status, 0) << j.describe();
    CPLJSONDocument doc;
    ASSERT_TRUE(doc.LoadMemory(read_file(dir.file("r.json"))));
    const SchemeInfo scheme = read_scheme(source_root() + "/testdata/shandong/scheme.toml");
    std::map<std::string, LayerData> factor_layers;
    int checked = 0;
    const CPLJSONArray ju = doc.GetRoot().GetArray("units");
    for (int i = 0; i < ju.Size() && checked < 12; i += 7) {
        const CPLJSONObject u = ju[i];
        const std::string code = u.GetString("code");
        const auto row = std::find_if(units.rows.begin(), units.rows.end(),
                                      [&](const Row& r) { return units.get(r, "HJZHGKDYBM") == code; });
        ASSERT_NE(row, units.rows.end());
        GeosPtr ug = to_geos(*row->geom);
        const CountyGeom* county = s.county(units.get(*row, "XZQDM"));
        ASSERT_TRUE(county);
        const double unit_area = gk_area(ug.get(), county->epsg);
        const CPLJSONArray factors = u.GetArray("factors");
        for (int k = 0; k < factors.Size(); ++k) {
            const std::string id = factors[k].GetString("id");
            const FactorInfo* info = nullptr;
            for (const auto& f : scheme.factors)
                if (f.id == id) info = &f;
            ASSERT_TRUE(info) << id;
            EXPECT_EQ(factors[k].GetString("label"), info->label);
            if (!factor_layers.count(id)) factor_layers[id] = read_layer(info->source, true);
            std::vector<GeosPtr> hits;
            for (const auto& f : factor_layers[id].features) {
                if (!f.geom) continue;
                GeosPtr fg = make_valid(to_geos(*f.geom).get());
                if (!geos_intersects(fg.get(), ug.get())) continue;
                hits.push_back(intersection(ug.get(), fg.get()));
            }
            std::vector<const GEOSGeometry*> parts;
            for (const auto& h : hits) parts.push_back(h.get());
            const double covered = gk_area(union_all(parts).get(), county->epsg);
            EXPECT_NEAR(factors[k].GetDouble("share"), covered / unit_area, 2e-3) << code << " " << id;
        }
        ++checked;
    }
    EXPECT_GE(checked, 10);
}

// A GBK Shapefile that does not say so (no .cpg, LDID 0) is read as zone-check
// and zone-diff read it (one reader of unit maps): the names come out as the
// UTF-8 they were, and MJ is read.
TEST(ReportGbk, AShapefileInGbkWithoutCpgReadsAsTheOtherToolsReadIt) {
    const MapSubset& s = shandong_subset(kJinan);
    ASSERT_TRUE(s.error.empty()) << s.error;
    TempDir dir("zonereport-gbk");
    Table units = s.units;
    units.name = "gbk";
    const std::string shp = dir.file("gbk.shp");
    write_table(units, shp, "ESRI Shapefile", {"ENCODING=CP936"});
    fs::remove(dir.file("gbk.cpg"));
    {
        std::fstream dbf(dir.file("gbk.dbf"), std::ios::in | std::ios::out | std::ios::binary);
        ASSERT_TRUE(dbf);
        dbf.seekp(29);  // the DBF's code page mark (LDID): none
        dbf.put('\0');
    }
    const LayerData raw = read_layer(shp, false, {"ENCODING="});
    ASSERT_FALSE(raw.features.empty());
    ASSERT_FALSE(is_valid_utf8(raw.features[0]["HJZHGKDYMC"])) << "the names were meant to be GBK bytes";

    const RunResult r = run_report({shp, "--format", "json", "-q", "-o", dir.file("r.json")});
    ASSERT_EQ(r.status, 0) << r.describe();
    CPLJSONDocument doc;
    ASSERT_TRUE(doc.LoadMemory(read_file(dir.file("r.json"))));
    const CPLJSONArray got = doc.GetRoot().GetArray("units");
    ASSERT_EQ(got.Size(), static_cast<int>(units.rows.size()));
    std::map<std::string, std::pair<std::string, std::string>> expected;  // code: name, MJ
    for (const Row& row : units.rows)
        expected[units.get(row, "HJZHGKDYBM")] = {units.get(row, "HJZHGKDYMC"), units.get(row, "MJ")};
    for (int i = 0; i < got.Size(); ++i) {
        const CPLJSONObject u = got[i];
        const auto it = expected.find(u.GetString("code"));
        ASSERT_NE(it, expected.end()) << u.GetString("code");
        EXPECT_EQ(u.GetString("name"), it->second.first);
        EXPECT_TRUE(has_cjk(u.GetString("name"))) << u.GetString("name");
        EXPECT_NEAR(u.GetDouble("mj_km2"), std::atof(it->second.second.c_str()), 1e-6) << u.GetString("code");
    }
}

// ------------------------------------------------------------------ bad input, outputs

TEST(ReportBadInput, NamesFileLayerFeatureFieldAndLeavesNoOutput) {
    const MapSubset& s = shandong_subset(kJinan);
    ASSERT_TRUE(s.error.empty()) << s.error;
    TempDir dir("zonereport-bad");
    Table units = s.units;
    write_table(units, dir.file("units.gpkg"));

    // An indicator row naming a unit the map does not have: found while
    // reading, before any output, and named to the row and field.
    write_file(dir.file("ind.csv"), "code,indicator,baseline,current,higher_is_better\n" +
                                        units.get(units.rows[0], "HJZHGKDYBM") + ",PM2.5,30,31,false\n"
                                        "ZH37099910001,PM2.5,30,31,false\n");
    RunResult r = run_report({dir.file("units.gpkg"), "--boundary", s.boundary, "--indicators", dir.file("ind.csv"),
                              "--worse-out", dir.file("worse.csv"), "--map-png", dir.file("m.png"), "-o",
                              dir.file("r.html")});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "ind.csv") && contains(r.err, "feature 2") && contains(r.err, "field 'code'") &&
                contains(r.err, "ZH37099910001") && contains(r.err, "line 3"))
        << r.err;
    EXPECT_EQ(dir_entries(dir.path()), (std::vector<std::string>{"ind.csv", "units.gpkg"}));

    // A duplicated code in the map.
    Table dup = units;
    dup.set(dup.rows[5], "HJZHGKDYBM", dup.get(dup.rows[2], "HJZHGKDYBM"));
    const auto fids = write_table(dup, dir.file("dup.gpkg"));
    r = run_report({dir.file("dup.gpkg"), "-o", dir.file("r.csv")});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "dup.gpkg") && contains(r.err, "layer 'units'") &&
                contains(r.err, "feature " + std::to_string(fids[5])) && contains(r.err, "HJZHGKDYBM"))
        << r.err;
    EXPECT_FALSE(fs::exists(dir.file("r.csv")));

    // A category out of range.
    Table cat = units;
    cat.set(cat.rows[1], "ZHGKDYFL", "4");
    const auto cat_fids = write_table(cat, dir.file("cat.gpkg"));
    r = run_report({dir.file("cat.gpkg"), "-o", dir.file("r.csv")});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "feature " + std::to_string(cat_fids[1])) && contains(r.err, "ZHGKDYFL")) << r.err;

    // A county the boundary lacks (Jinan's units against one county only).
    Table one = units;
    one.rows.erase(std::remove_if(one.rows.begin(), one.rows.end(),
                                  [&](const Row& row) { return one.get(row, "XZQDM") != "370102"; }),
                   one.rows.end());
    ASSERT_FALSE(one.rows.empty());
    write_table(one, dir.file("one.gpkg"));
    r = run_report({dir.file("units.gpkg"), "--boundary", dir.file("one.gpkg") + "|layername=units", "-o",
                    dir.file("r.csv")});
    EXPECT_EQ(r.status, 2) << r.describe();

    // Outputs: an existing file is left alone without --overwrite; an input is never replaced.
    write_file(dir.file("old.html"), "keep me");
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("old.html")});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "--overwrite")) << r.err;
    EXPECT_EQ(read_file(dir.file("old.html")), "keep me");
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("units.gpkg"), "--format", "json", "--overwrite"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "input")) << r.err;
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("r.txt")});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, ".txt")) << r.err;
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("r.csv"), "--worse-out", dir.file("w.csv")});
    EXPECT_EQ(r.status, 2) << r.describe();
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("r.csv"), "--by", "circle"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "--boundary")) << r.err;
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("r.csv"), "--by", "town"});
    EXPECT_EQ(r.status, 2) << r.describe();
    r = run_report({dir.file("missing.gpkg"), "-o", dir.file("r.csv")});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "missing.gpkg") && contains(r.err, "no such file")) << r.err;
    EXPECT_TRUE(zonekit_leftovers(dir.path()).empty());
    for (const char* out : {"r.csv", "r.html", "r.txt", "w.csv", "m.png", "worse.csv"})
        EXPECT_FALSE(fs::exists(dir.file(out))) << out;
}

TEST(ReportOutputs, MarkdownToStandardOutputAndAMapFromTheMapAlone) {
    const MapSubset& s = shandong_subset(kJinan);
    ASSERT_TRUE(s.error.empty()) << s.error;
    TempDir dir("zonereport-stdout");
    write_table(s.units, dir.file("units.gpkg"));
    // Without a boundary: cities from CITY, no circle level.
    RunResult r = run_report({dir.file("units.gpkg"), "-o", "-", "--format", "md", "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.err.empty()) << r.err;
    EXPECT_EQ(r.out.rfind("# 山东省环境管控单元报告", 0), 0u) << r.out.substr(0, 200);
    EXPECT_TRUE(contains(r.out, "## 按市统计") && contains(r.out, "## 按县（市、区）统计"));
    EXPECT_FALSE(contains(r.out, "经济圈统计"));
    EXPECT_TRUE(contains(r.out, "| 历下区 (370102) | 济南市 |")) << r.out;
    EXPECT_TRUE(dir_entries(dir.path()) == std::vector<std::string>{"units.gpkg"});
    r = run_report({dir.file("units.gpkg"), "-o", dir.file("r.html"), "--by", "county", "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    Xml xml(read_file(dir.file("r.html")));
    ASSERT_TRUE(xml.doc) << xml.error;
    // County lines from the units' own union; one statistics table for the one level asked.
    EXPECT_EQ(xml.values("//s:svg/s:path[@class='county']").size(), 1u);
    EXPECT_EQ(xml.values("//h:h3[starts-with(@id,'by-')]").size(), 1u);
}

TEST(ReportDocs, HelpAndManPageNameTheSameOptions) {
    const RunResult help = run_report({"--help"});
    ASSERT_EQ(help.status, 0) << help.describe();
    const std::string man = read_file(source_root() + "/man/zone-report.1");
    const std::set<std::string> in_help = long_options_in(help.out);
    EXPECT_GE(in_help.size(), 15u);
    for (const auto& option : in_help) {
        EXPECT_TRUE(man_page_documents(man, option)) << option << " is in --help but not in man/zone-report.1";
    }
}

}  // namespace
