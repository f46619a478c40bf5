// zone-check map on the Shandong map that zone-build wrote (SHANDONG_UNITS):
// the valid map must pass, and broken variants of it, each made here at test
// time with OGR/GEOS, must give the right rule id, feature ids and areas. The
// expected areas are computed here with GDAL/GEOS, independently of libzone:
// Gauss-Krüger planar areas (CGCS2000 3-degree zone of the county) of
// geometries whose edges are straight in longitude/latitude (densified, see
// gk_area in support.hpp).
//
// Most variants use the units of five counties of Jinan and those counties as
// the boundary, so that a run takes a fraction of a second; one test checks
// the whole map.
#include "qml.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <cpl_minixml.h>
#include <ogr_api.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace zt;

// Adjacent counties of Jinan (96 units): 历下 市中 槐荫 天桥 历城.
const std::vector<std::string> kJinan = {"370102", "370103", "370104", "370105", "370112"};

constexpr double kRel = 0.01;  // areas within 1 %

// ------------------------------------------------------------------ helpers

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// True when the `;`-separated YSLX lists the factor `id`.
bool lists_factor(const std::string& yslx, const std::string& id) {
    std::size_t start = 0;
    while (start <= yslx.size()) {
        const std::size_t end = std::min(yslx.find(';', start), yslx.size());
        if (yslx.compare(start, end - start, id) == 0) return true;
        start = end + 1;
    }
    return false;
}

std::string fmt_m2(double v) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(3) << v << " m²";
    return s.str();
}

// What a zone-check run gave: the process and its JSON report.
struct Checked {
    RunResult run;
    CheckJson json;
    bool usable = false;  // exit 0/1 and a report that parses
    std::string describe() const { return run.describe() + "\n" + json.describe(); }
};

// Runs `zone-check map ARGS --format json -q` and checks what every run must
// satisfy: exit 0 or 1, a report on stdout in the contract's shape, and an
// exit code that agrees with the report (1 when errors, or warnings with --strict).
Checked check(const std::vector<std::string>& args, double timeout_s = 60) {
    Checked c;
    std::vector<std::string> a{"map"};
    a.insert(a.end(), args.begin(), args.end());
    a.insert(a.end(), {"--format", "json", "-q"});
    c.run = run_zone_check(a, timeout_s);
    if (c.run.timed_out || c.run.signaled || (c.run.status != 0 && c.run.status != 1)) {
        ADD_FAILURE() << "zone-check did not finish with exit code 0 or 1:\n" << c.run.describe();
        return c;
    }
    c.json = parse_check_json(c.run.out);
    if (!c.json.parse_error.empty()) {
        ADD_FAILURE() << "the report is not JSON: " << c.json.parse_error << "\n" << c.run.describe();
        return c;
    }
    for (const auto& v : c.json.violations) ADD_FAILURE() << "report breaks zonekit(7) CHECK REPORT: " << v;
    EXPECT_EQ(c.json.tool, "zone-check");
    const bool strict = std::find(args.begin(), args.end(), "--strict") != args.end();
    const int expected_exit = c.json.errors > 0 || (strict && c.json.warnings > 0) ? 1 : 0;
    EXPECT_EQ(c.run.status, expected_exit) << "the exit code does not follow the report (" << c.json.errors
                                           << " errors, " << c.json.warnings << " warnings"
                                           << (strict ? ", --strict" : "") << ")\n" << c.run.describe();
    if (!strict) {
        EXPECT_EQ(c.json.ok, c.json.errors == 0) << "\"ok\" is " << c.json.ok << " with " << c.json.errors << " errors";
    }
    c.usable = true;
    return c;
}

void expect_area(const std::optional<double>& got, double expected, const std::string& what) {
    if (!got) {
        ADD_FAILURE() << what << ": area_m2 is null, expected " << fmt_m2(expected);
        return;
    }
    EXPECT_NEAR(*got, expected, kRel * expected)
        << what << ": area_m2 " << fmt_m2(*got) << ", computed here " << fmt_m2(expected) << " (relative difference "
        << std::fabs(*got - expected) / expected << ")";
}

// The error findings other than those of the rules in `allowed`.
std::vector<const CheckFindingJson*> other_errors(const CheckJson& j, const std::set<std::string>& allowed) {
    std::vector<const CheckFindingJson*> out;
    for (const auto* f : j.errors_list())
        if (!allowed.count(f->rule)) out.push_back(f);
    return out;
}

std::string list(const std::vector<const CheckFindingJson*>& fs) {
    std::ostringstream s;
    for (const auto* f : fs) s << "  " << f->describe() << "\n";
    return s.str();
}

// A JUnit report: each <testcase name=…> and whether it holds a <failure>
// or <error>; `error` says why parsing failed.
struct Junit {
    std::string error;
    bool suite = false;
    std::map<std::string, bool> failed;  // by test case name
    int cases = 0;
};

Junit parse_junit(const std::string& text) {
    Junit j;
    CPLXMLNode* xml = CPLParseXMLString(text.c_str());
    if (!xml) {
        j.error = "not XML: " + text.substr(0, 300);
        return j;
    }
    std::function<void(const CPLXMLNode*)> walk = [&](const CPLXMLNode* n) {
        for (; n; n = n->psNext) {
            if (n->eType != CXT_Element) continue;
            const std::string name = n->pszValue;
            if (name == "testsuite" || name == "testsuites") j.suite = true;
            if (name == "testcase") {
                ++j.cases;
                const char* id = CPLGetXMLValue(n, "name", "");
                bool failed = false;
                for (const CPLXMLNode* c = n->psChild; c; c = c->psNext)
                    if (c->eType == CXT_Element && (std::string(c->pszValue) == "failure" ||
                                                    std::string(c->pszValue) == "error"))
                        failed = true;
                j.failed[id] = j.failed[id] || failed;
            }
            walk(n->psChild);
        }
    };
    walk(xml);
    CPLDestroyXMLNode(xml);
    return j;
}

// The last non-empty line of a text.
std::string last_line(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    const auto nl = text.rfind('\n');
    return nl == std::string::npos ? text : text.substr(nl + 1);
}

GeosPtr geos_of(const Row& r) { return r.geom ? to_geos(*r.geom) : nullptr; }

std::unique_ptr<OGRGeometry> as_multipolygon(const GEOSGeometry* g) {
    GeosPtr p = polygonal(g);
    std::unique_ptr<OGRGeometry> o = to_ogr(p.get());
    return std::unique_ptr<OGRGeometry>(OGRGeometryFactory::forceToMultiPolygon(o.release()));
}

double distance_to_county_line(const GEOSGeometry* unit, const GEOSGeometry* county) {
    GeosPtr line(GEOSBoundary_r(geos(), county));
    double d = 0;
    GEOSDistance_r(geos(), unit, line.get(), &d);
    return d;
}

// A code that is not in the table: county, category and a serial from 9001 up.
std::string free_code(const Table& t, const std::string& county, int category) {
    std::set<std::string> used;
    for (const auto& r : t.rows) used.insert(t.get(r, "HJZHGKDYBM"));
    for (int serial = 9001; serial <= 9999; ++serial) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "ZH%s%d%04d", county.c_str(), category, serial);
        if (!used.count(buf)) return buf;
    }
    throw std::runtime_error("no free code");
}

class CheckMap : public ::testing::Test {
protected:
    void SetUp() override {
        sub_ = &shandong_subset(kJinan);
        ASSERT_TRUE(sub_->error.empty()) << "cannot make the test data: " << sub_->error;
        for (const auto& r : sub_->units.rows) unit_g_.push_back(geos_of(r));
    }

    const MapSubset& sub() const { return *sub_; }
    const Table& units() const { return sub_->units; }
    std::string get(const Row& r, const std::string& f) const { return units().get(r, f); }
    std::string get(std::size_t i, const std::string& f) const { return units().get(units().rows[i], f); }
    const CountyGeom& county_of(std::size_t i) const {
        const CountyGeom* c = sub_->county(get(i, "XZQDM"));
        if (!c) throw std::runtime_error("no county for unit " + get(i, "HJZHGKDYBM"));
        return *c;
    }
    int epsg_of(std::size_t i) const { return county_of(i).epsg; }
    double area_of_unit(std::size_t i) const { return gk_area(unit_g_[i].get(), epsg_of(i)); }

    // The first unit (in fid order) with the category (0: any), an area in
    // [min_m2, max_m2] and at least `margin_deg` from its county's line.
    std::size_t pick(int category, double min_m2, double max_m2, double margin_deg,
                     const std::set<std::size_t>& skip = {}) const {
        for (std::size_t i = 0; i < units().rows.size(); ++i) {
            if (skip.count(i)) continue;
            if (category && std::stoi(get(i, "ZHGKDYFL")) != category) continue;
            const double a = area_of_unit(i);
            if (a < min_m2 || a > max_m2) continue;
            if (margin_deg > 0 && distance_to_county_line(unit_g_[i].get(), county_of(i).g.get()) < margin_deg)
                continue;
            return i;
        }
        throw std::runtime_error("no unit fits the test's needs");
    }

    // A unit of the category (0: any) of at least `min_m2` with a point
    // around which a square of half side `margin_m` lies inside it; the
    // point is returned in lon, lat.
    std::size_t place_square(int category, double min_m2, double margin_m, double& lon, double& lat) const {
        std::set<std::size_t> tried;
        for (;;) {
            const std::size_t u = pick(category, min_m2, 1e12, 0, tried);
            tried.insert(u);
            point_on_surface(unit_g_[u].get(), &lon, &lat);
            const double hx = metres_to_dlon(margin_m, lat), hy = metres_to_dlat(margin_m);
            if (geos_within(to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy)).get(), unit_g_[u].get()))
                return u;
        }
    }

    // Writes the variant as a GeoPackage in this test's folder; returns the path.
    std::string write(const Table& t, const std::string& name, std::vector<std::int64_t>* fids = nullptr) {
        const std::string path = tmp_.file(name);
        auto f = write_table(t, path);
        if (fids) *fids = f;
        return path;
    }

    std::vector<std::string> with_boundary(const std::string& units_path, std::vector<std::string> more = {}) const {
        std::vector<std::string> a{units_path, "--boundary", sub_->boundary};
        a.insert(a.end(), more.begin(), more.end());
        return a;
    }

    const MapSubset* sub_ = nullptr;
    std::vector<GeosPtr> unit_g_;  // of sub().units, by row
    TempDir tmp_{"zonecli-check"};
};

// ------------------------------------------------------------------ 1. valid maps

TEST_F(CheckMap, ValidCountiesPass) {
    std::vector<std::int64_t> fids;
    const std::string path = write(units(), "units.gpkg", &fids);
    for (const bool with_refs : {true, false}) {
        SCOPED_TRACE(with_refs ? "with --boundary and --redline" : "alone");
        std::vector<std::string> args{path};
        if (with_refs) args = with_boundary(path, {"--redline", sub().redline_source});
        Checked c = check(args);
        ASSERT_TRUE(c.usable);
        EXPECT_EQ(c.json.errors, 0) << c.describe();
        EXPECT_EQ(c.json.features, static_cast<std::int64_t>(units().rows.size()));
        EXPECT_EQ(c.json.input, path);
        EXPECT_EQ(c.json.layer, "units");
        EXPECT_FALSE(c.json.version.empty());
        EXPECT_FALSE(c.json.area_method.empty());
        const std::set<std::int64_t> known(fids.begin(), fids.end());
        for (const auto& f : c.json.findings) {
            EXPECT_EQ(f.rule, "unit.sliver") << f.describe();
            if (f.fid) {
                EXPECT_TRUE(known.count(*f.fid)) << "no feature " << *f.fid << ": " << f.describe();
            }
        }
    }
}

TEST_F(CheckMap, ReportToFileIsTheSameAsOnStdout) {
    const std::string path = write(units(), "units.gpkg");
    const std::string report = tmp_.file("report.json");
    RunResult to_file = run_zone_check({"map", path, "--format", "json", "-q", "-o", report}, 60);
    RunResult to_stdout = run_zone_check({"map", path, "--format", "json", "-q"}, 60);
    ASSERT_EQ(to_file.status, to_stdout.status) << to_file.describe() << to_stdout.describe();
    EXPECT_TRUE(to_file.out.empty()) << "with -o, stdout holds: " << to_file.out.substr(0, 200);
    ASSERT_TRUE(fs::exists(report));
    EXPECT_EQ(read_file(report), to_stdout.out);
    EXPECT_TRUE(zonekit_leftovers(tmp_.path()).empty());
    // -o does not replace a file without --overwrite.
    RunResult again = run_zone_check({"map", path, "--format", "json", "-q", "-o", report}, 60);
    EXPECT_EQ(again.status, 2) << again.describe();
    EXPECT_TRUE(contains(again.err, report)) << again.describe();
}

// The whole map with its boundary and red line: no errors. Only unit.sliver
// warnings are allowed, and exactly for the units that are small or thin by
// this test's own measure. The JUnit and text forms of the same report.
TEST(CheckShandong, WholeMapPassesInEveryFormat) {
    const std::string units_path = shandong_units();
    ASSERT_TRUE(fs::exists(units_path)) << units_path << ": the fixture build_shandong_map failed or did not run";
    const std::string boundary = shandong_boundary(), redline = shandong_redline();
    const std::vector<std::string> base{"map", units_path, "--boundary", boundary, "--redline", redline, "-q"};

    auto with = [&](std::vector<std::string> more) {
        std::vector<std::string> a = base;
        a.insert(a.end(), more.begin(), more.end());
        return a;
    };
    RunResult r = run_zone_check(with({"--format", "json"}), 120);
    ASSERT_EQ(r.status, 0) << r.describe();
    std::printf("note: zone-check on the whole map (--boundary, --redline) took %.2f s\n", r.seconds);
    CheckJson j = parse_check_json(r.out);
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    for (const auto& v : j.violations) ADD_FAILURE() << "report breaks zonekit(7) CHECK REPORT: " << v;
    EXPECT_EQ(j.tool, "zone-check");
    EXPECT_EQ(j.input, units_path);
    EXPECT_EQ(j.layer, "units");
    EXPECT_TRUE(j.ok);
    EXPECT_EQ(j.errors, 0) << j.describe();
    EXPECT_TRUE(j.has_tolerances);
    EXPECT_FALSE(j.area_method.empty());

    // Independent measure of every unit: GK area and width 2A/P.
    LayerData layer = read_layer(units_path + "|layername=units", true);
    EXPECT_EQ(j.features, static_cast<std::int64_t>(layer.features.size()));
    LayerData counties = read_layer(boundary, true);
    std::map<std::string, int> zone_of;
    const std::string code_field = read_scheme(shandong_scheme()).code_field;
    for (const auto& c : counties.features) zone_of[c[code_field]] = gk_epsg_of(*c.geom);
    std::map<std::int64_t, std::pair<double, double>> measure;  // fid -> area, width
    double min_lon = 180, max_lon = -180, min_lat = 90, max_lat = -90;
    for (const auto& f : layer.features) {
        ASSERT_TRUE(f.geom);
        const int epsg = zone_of.count(f["XZQDM"]) ? zone_of[f["XZQDM"]] : gk_epsg_of(*f.geom);
        const double area = gk_area(*f.geom, epsg, kDensifyDeg);
        GeosPtr gk = to_geos(*to_gk(*f.geom, epsg));
        double perimeter = 0;
        GEOSLength_r(geos(), gk.get(), &perimeter);
        measure[f.fid] = {area, 2 * area / perimeter};
        OGREnvelope e;
        f.geom->getEnvelope(&e);
        min_lon = std::min(min_lon, e.MinX), max_lon = std::max(max_lon, e.MaxX);
        min_lat = std::min(min_lat, e.MinY), max_lat = std::max(max_lat, e.MaxY);
    }
    std::set<std::int64_t> slivers;
    for (const auto& f : j.findings) {
        EXPECT_EQ(f.rule, "unit.sliver") << f.describe();
        EXPECT_EQ(f.severity, "warning") << f.describe();
        if (f.rule != "unit.sliver") continue;
        ASSERT_TRUE(f.fid) << f.describe();
        ASSERT_TRUE(measure.count(*f.fid)) << "no unit with fid " << *f.fid << ": " << f.describe();
        slivers.insert(*f.fid);
        const auto [area, width] = measure[*f.fid];
        EXPECT_TRUE(area < 1000 * 1.01 || width < 5 * 1.01)
            << "fid " << *f.fid << " is " << fmt_m2(area) << " and " << width << " m wide, no sliver: " << f.describe();
        if (f.location) {
            EXPECT_TRUE((*f.location)[0] >= min_lon && (*f.location)[0] <= max_lon && (*f.location)[1] >= min_lat &&
                        (*f.location)[1] <= max_lat)
                << "location outside the map: " << f.describe();
        }
    }
    int missed = 0;
    for (const auto& [fid, m] : measure) {
        if ((m.first < 1000 * 0.99 || m.second < 5 * 0.99) && !slivers.count(fid) && ++missed <= 10)
            ADD_FAILURE() << "unit fid " << fid << " (" << fmt_m2(m.first) << ", " << m.second
                          << " m wide) is a sliver by the default limits (1000 m², 5 m) but not reported";
    }
    EXPECT_EQ(missed, 0);
    std::printf("note: %zu unit.sliver warnings on the whole map\n", slivers.size());

    // JUnit: well-formed XML, one test case per rule id, no failures.
    RunResult ju = run_zone_check(with({"--format", "junit"}), 120);
    ASSERT_EQ(ju.status, 0) << ju.describe();
    const Junit x = parse_junit(ju.out);
    ASSERT_TRUE(x.error.empty()) << x.error;
    EXPECT_TRUE(x.suite) << "no <testsuite> element";
    EXPECT_GT(x.cases, 0) << "no <testcase> element";
    for (const auto& id : contract_rule_ids()) EXPECT_TRUE(x.failed.count(id)) << "no test case " << id;
    for (const auto& [name, failed] : x.failed) EXPECT_FALSE(failed) << "test case " << name << " failed";

    // Text: ends with a summary line that gives the counts.
    RunResult tx = run_zone_check(with({}), 120);
    ASSERT_EQ(tx.status, 0) << tx.describe();
    const std::string last = last_line(tx.out);
    ASSERT_FALSE(last.empty());
    EXPECT_TRUE(contains(last, std::to_string(j.features))) << "last line: " << last;
    const std::string l = lower(last);
    EXPECT_TRUE(contains(l, "0 error") || contains(l, "no error") || contains(l, "no problem")) << "last line: " << last;
    if (j.warnings > 0) {
        EXPECT_TRUE(contains(l, std::to_string(j.warnings) + " warning")) << "last line: " << last;
    }
}

// ------------------------------------------------------------------ 2. overlaps and gaps

// One unit moved 40 m east and 25 m north: it overlaps each neighbour it now
// reaches, and leaves a gap behind.
TEST_F(CheckMap, ShiftedUnitOverlapsItsNeighbours) {
    const std::size_t u = pick(0, 1e6, 30e6, 0.005);  // 1–30 km², 500 m from the county line
    const int epsg = epsg_of(u);
    double lon = 0, lat = 0;
    point_on_surface(unit_g_[u].get(), &lon, &lat);
    Table t = units();
    t.rows[u].geom = translated(*t.rows[u].geom, metres_to_dlon(40, lat), metres_to_dlat(25));
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "shifted.gpkg", &fids);
    GeosPtr moved = geos_of(t.rows[u]);

    // Expected overlaps: the moved unit with every other unit.
    std::map<std::pair<std::int64_t, std::int64_t>, double> expected, borderline;
    std::vector<const GEOSGeometry*> cover{moved.get()};
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        if (i == u || !geos_intersects(moved.get(), unit_g_[i].get())) continue;
        const double a = gk_area(intersection(moved.get(), unit_g_[i].get()).get(), epsg);
        const auto key = std::minmax(fids[u], fids[i]);
        if (a >= 2.0) expected[key] = a;
        else if (a >= 0.5) borderline[key] = a;
        if (geos_intersects(unit_g_[u].get(), unit_g_[i].get())) cover.push_back(unit_g_[i].get());
    }
    ASSERT_GE(expected.size(), 2u) << "the moved unit should reach at least two neighbours";
    // Expected gap: where the unit was, covered by nothing now.
    GeosPtr gap = polygonal(difference(unit_g_[u].get(), union_all(cover).get()).get());
    const double gap_m2 = gk_area(gap.get(), epsg);
    ASSERT_GT(gap_m2, 1000.0);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    std::map<std::pair<std::int64_t, std::int64_t>, double> found;
    for (const auto* f : c.json.with_rule("coverage.overlap")) {
        EXPECT_EQ(f->severity, "error");
        ASSERT_TRUE(f->fid && f->fid2) << f->describe();
        EXPECT_LT(*f->fid, *f->fid2) << "fid < fid2: " << f->describe();
        ASSERT_TRUE(f->area_m2) << f->describe();
        found[std::minmax(*f->fid, *f->fid2)] += *f->area_m2;
        // The location is on the overlap of the two units.
        const auto a = std::find(fids.begin(), fids.end(), *f->fid) - fids.begin();
        const auto b = std::find(fids.begin(), fids.end(), *f->fid2) - fids.begin();
        if (f->location && a < static_cast<long>(fids.size()) && b < static_cast<long>(fids.size())) {
            GeosPtr ga = a == static_cast<long>(u) ? geos_clone(moved.get()) : geos_clone(unit_g_[a].get());
            GeosPtr gb = b == static_cast<long>(u) ? geos_clone(moved.get()) : geos_clone(unit_g_[b].get());
            GeosPtr both = intersection(ga.get(), gb.get());
            EXPECT_LT(degrees_from(both.get(), (*f->location)[0], (*f->location)[1]), 1e-6)
                << "the location is not on the overlap: " << f->describe();
        }
    }
    for (const auto& [key, area] : expected) {
        auto it = found.find(key);
        if (it == found.end()) {
            ADD_FAILURE() << "no coverage.overlap for fids " << key.first << " and " << key.second << " ("
                          << fmt_m2(area) << " computed here)";
            continue;
        }
        expect_area(it->second, area, "overlap of fids " + std::to_string(key.first) + " and " +
                                          std::to_string(key.second));
    }
    for (const auto& [key, area] : found)
        EXPECT_TRUE(expected.count(key) || borderline.count(key))
            << "coverage.overlap for fids " << key.first << " and " << key.second << " (" << fmt_m2(area)
            << "), which do not overlap by this test's computation";

    double gaps = 0;
    for (const auto* f : c.json.with_rule("coverage.gap")) {
        ASSERT_TRUE(f->area_m2) << f->describe();
        gaps += *f->area_m2;
        if (f->location) {
            EXPECT_LT(degrees_from(gap.get(), (*f->location)[0], (*f->location)[1]), 1e-5)
                << "the gap's location is not on the gap: " << f->describe();
        }
    }
    EXPECT_FALSE(c.json.with_rule("coverage.gap").empty()) << "no coverage.gap where the unit was\n" << c.describe();
    expect_area(gaps, gap_m2, "sum of the gaps left behind");
    const auto others = other_errors(c.json, {"coverage.overlap", "coverage.gap"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);

    // The report does not depend on the number of threads.
    for (const char* threads : {"1", "2"}) {
        Checked t1 = check(with_boundary(path, {"--threads", threads}));
        ASSERT_TRUE(t1.usable);
        EXPECT_EQ(t1.run.out, c.run.out) << "--threads " << threads << " gives another report";
    }
}

// A 200 m × 200 m square cut out of a unit: one gap of the square's area,
// with the boundary and without it.
TEST_F(CheckMap, SquareHoleIsOneGap) {
    double clon = 0, clat = 0;
    const std::size_t u = place_square(0, 2e6, 300, clon, clat);
    const double hx = metres_to_dlon(100, clat), hy = metres_to_dlat(100);
    GeosPtr square = to_geos(*lonlat_box(clon - hx, clat - hy, clon + hx, clat + hy));
    const int epsg = epsg_of(u);
    const double square_m2 = gk_area(square.get(), epsg);
    EXPECT_NEAR(square_m2, 40000, 400);
    Table t = units();
    t.rows[u].geom = as_multipolygon(difference(unit_g_[u].get(), square.get()).get());
    const std::string path = write(t, "holed.gpkg");

    for (const bool boundary : {true, false}) {
        SCOPED_TRACE(boundary ? "with --boundary" : "without --boundary");
        Checked c = check(boundary ? with_boundary(path) : std::vector<std::string>{path});
        ASSERT_TRUE(c.usable);
        const auto gaps = c.json.with_rule("coverage.gap");
        ASSERT_EQ(gaps.size(), 1u) << c.describe();
        EXPECT_EQ(gaps[0]->severity, "error");
        expect_area(gaps[0]->area_m2, square_m2, "the gap");
        ASSERT_TRUE(gaps[0]->location) << gaps[0]->describe();
        EXPECT_LT(degrees_from(square.get(), (*gaps[0]->location)[0], (*gaps[0]->location)[1]), 1e-6)
            << "the location is not on the square " << wkt(square.get()) << ": " << gaps[0]->describe();
        const auto others = other_errors(c.json, {"coverage.gap"});
        EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
    }
    // A gap tolerance above the square's area silences it.
    Checked t2 = check(with_boundary(path, {"--gap-tolerance", "50000"}));
    ASSERT_TRUE(t2.usable);
    EXPECT_TRUE(t2.json.with_rule("coverage.gap").empty()) << t2.describe();
    EXPECT_EQ(t2.run.status, 0) << t2.describe();
}

// ------------------------------------------------------------------ 3. codes

TEST_F(CheckMap, DuplicateCodesNameTheLaterAndTheFirstFeature) {
    // Three units of one county and category: the second and third take the
    // first one's code.
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < units().rows.size(); ++i)
        groups[get(i, "XZQDM") + get(i, "ZHGKDYFL")].push_back(i);
    std::vector<std::size_t> three;
    for (const auto& [key, rows] : groups)
        if (rows.size() >= 3) {
            three = {rows[0], rows[1], rows[2]};
            break;
        }
    ASSERT_EQ(three.size(), 3u);
    Table t = units();
    const std::string code = get(three[0], "HJZHGKDYBM");
    t.set(t.rows[three[1]], "HJZHGKDYBM", code);
    t.set(t.rows[three[2]], "HJZHGKDYBM", code);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "duplicates.gpkg", &fids);

    Checked c = check({path});
    ASSERT_TRUE(c.usable);
    std::set<std::pair<std::int64_t, std::int64_t>> found;
    for (const auto* f : c.json.with_rule("code.duplicate")) {
        EXPECT_EQ(f->severity, "error");
        EXPECT_EQ(f->code, code) << f->describe();
        ASSERT_TRUE(f->fid && f->fid2) << f->describe();
        found.insert({*f->fid, *f->fid2});
    }
    const std::set<std::pair<std::int64_t, std::int64_t>> expected{{fids[three[1]], fids[three[0]]},
                                                                    {fids[three[2]], fids[three[0]]}};
    EXPECT_EQ(found, expected) << c.describe();
    const auto others = other_errors(c.json, {"code.duplicate"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

TEST_F(CheckMap, CategoryDigitThatDisagreesWithZhgkdyfl) {
    const std::size_t u = pick(3, 1e5, 1e12, 0);
    Table t = units();
    t.set(t.rows[u], "ZHGKDYFL", "2");  // the code still says 3
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "category.gpkg", &fids);
    Checked c = check(with_boundary(path, {"--redline", sub().redline_source}));
    ASSERT_TRUE(c.usable);
    const auto found = c.json.with_rule("code.category_mismatch");
    ASSERT_EQ(found.size(), 1u) << c.describe();
    EXPECT_EQ(found[0]->fid, fids[u]) << found[0]->describe();
    EXPECT_EQ(found[0]->code, get(u, "HJZHGKDYBM"));
    const auto others = other_errors(c.json, {"code.category_mismatch"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

TEST_F(CheckMap, MalformedCodeAndCodeOfAnotherCounty) {
    const std::size_t a = pick(3, 0, 1e12, 0);
    const std::size_t b = pick(2, 0, 1e12, 0);
    Table t = units();
    std::string bad = get(a, "HJZHGKDYBM");
    bad[1] = 'X';  // ZX…: the county part and category digit stay right
    t.set(t.rows[a], "HJZHGKDYBM", bad);
    const std::string other_county = get(b, "XZQDM") == "370103" ? "370104" : "370103";
    const std::string foreign = free_code(t, other_county, 2);
    t.set(t.rows[b], "HJZHGKDYBM", foreign);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "codes.gpkg", &fids);

    Checked c = check({path});
    ASSERT_TRUE(c.usable);
    const auto format = c.json.with_rule("code.format");
    ASSERT_EQ(format.size(), 1u) << c.describe();
    EXPECT_EQ(format[0]->fid, fids[a]) << format[0]->describe();
    EXPECT_EQ(format[0]->code, bad);
    const auto county = c.json.with_rule("code.county_mismatch");
    ASSERT_EQ(county.size(), 1u) << c.describe();
    EXPECT_EQ(county[0]->fid, fids[b]) << county[0]->describe();
    EXPECT_EQ(county[0]->code, foreign);
    const auto others = other_errors(c.json, {"code.format", "code.county_mismatch"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

// ------------------------------------------------------------------ 4. county lines

// A unit of 历城 (370112) relabelled as one of 历下 (370102): its code and
// XZQDM say 370102, the boundary says it lies in 370112.
TEST_F(CheckMap, UnitLabelledWithTheWrongCounty) {
    std::size_t u = units().rows.size();
    for (std::size_t i = 0; i < units().rows.size(); ++i)
        if (get(i, "XZQDM") == "370112" && get(i, "ZHGKDYFL") == "2") {
            u = i;
            break;
        }
    ASSERT_LT(u, units().rows.size());
    Table t = units();
    const CountyGeom* claimed = sub().county("370102");
    const CountyGeom* real = sub().county("370112");
    ASSERT_TRUE(claimed && real);
    t.set(t.rows[u], "XZQDM", "370102");
    t.set(t.rows[u], "AREA", claimed->name);
    const std::string code = free_code(t, "370102", 2);
    t.set(t.rows[u], "HJZHGKDYBM", code);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "relabelled.gpkg", &fids);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    const auto found = c.json.with_rule("code.county_mismatch");
    ASSERT_EQ(found.size(), 1u) << c.describe();
    EXPECT_EQ(found[0]->fid, fids[u]) << found[0]->describe();
    EXPECT_EQ(found[0]->fid2, real->fid) << "fid2 must be the county the unit lies in: " << found[0]->describe();
    EXPECT_EQ(found[0]->code, code);
    for (const auto* f : c.json.errors_list())
        EXPECT_EQ(f->fid, fids[u]) << "an error about another feature: " << f->describe();
}

// A small unit of one county moved wholly into the neighbouring county: it
// lies in the other county, overlaps that county's units and leaves a hole.
TEST_F(CheckMap, UnitMovedIntoTheNextCounty) {
    const CountyGeom* from = sub().county("370102");
    const CountyGeom* to = sub().county("370103");
    ASSERT_TRUE(from && to);
    std::size_t u = units().rows.size();
    for (std::size_t i = 0; i < units().rows.size(); ++i) {
        const double a = area_of_unit(i);
        if (get(i, "XZQDM") == from->code && a > 3e5 && a < 3e6) {
            u = i;
            break;
        }
    }
    ASSERT_LT(u, units().rows.size()) << "no unit of 0.3–3 km² in " << from->code;
    // Where to: a point of the target county where the moved unit fits
    // inside it with 300 m to spare, searched on a grid.
    double ulon = 0, ulat = 0;
    point_on_surface(unit_g_[u].get(), &ulon, &ulat);
    double minx, miny, maxx, maxy;
    envelope(to->g.get(), minx, miny, maxx, maxy);
    GeosPtr inner(GEOSBuffer_r(geos(), to->g.get(), -0.003, 8));
    std::unique_ptr<OGRGeometry> moved;
    for (int k = 0; k < 400 && !moved; ++k) {
        const double x = minx + (maxx - minx) * ((k % 20) + 0.5) / 20, y = miny + (maxy - miny) * ((k / 20) + 0.5) / 20;
        auto cand = translated(*units().rows[u].geom, x - ulon, y - ulat);
        if (geos_within(to_geos(*cand).get(), inner.get())) moved = std::move(cand);
    }
    ASSERT_TRUE(moved) << "no place in " << to->code << " for the unit";
    Table t = units();
    t.rows[u].geom = std::move(moved);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "moved.gpkg", &fids);
    GeosPtr mg = geos_of(t.rows[u]);

    std::map<std::pair<std::int64_t, std::int64_t>, double> expected;
    std::vector<const GEOSGeometry*> cover;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        if (i == u) continue;
        if (geos_intersects(mg.get(), unit_g_[i].get())) {
            const double a = gk_area(intersection(mg.get(), unit_g_[i].get()).get(), to->epsg);
            if (a >= 2) expected[std::minmax(fids[u], fids[i])] = a;
        }
        if (geos_intersects(unit_g_[u].get(), unit_g_[i].get())) cover.push_back(unit_g_[i].get());
    }
    const double hole_m2 = gk_area(polygonal(difference(unit_g_[u].get(), union_all(cover).get()).get()).get(),
                                   from->epsg);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    const auto county = c.json.with_rule("code.county_mismatch");
    ASSERT_EQ(county.size(), 1u) << c.describe();
    EXPECT_EQ(county[0]->fid, fids[u]) << county[0]->describe();
    EXPECT_EQ(county[0]->fid2, to->fid) << "fid2 must be the county the unit lies in (" << to->code
                                        << "): " << county[0]->describe();
    std::map<std::pair<std::int64_t, std::int64_t>, double> found;
    for (const auto* f : c.json.with_rule("coverage.overlap")) {
        ASSERT_TRUE(f->fid && f->fid2 && f->area_m2) << f->describe();
        found[std::minmax(*f->fid, *f->fid2)] += *f->area_m2;
    }
    ASSERT_FALSE(expected.empty());
    for (const auto& [key, area] : expected) {
        ASSERT_TRUE(found.count(key)) << "no overlap of fids " << key.first << " and " << key.second << "\n"
                                      << c.describe();
        expect_area(found[key], area, "overlap of fids " + std::to_string(key.first) + " and " +
                                          std::to_string(key.second));
    }
    for (const auto& [key, area] : found)
        EXPECT_TRUE(key.first == fids[u] || key.second == fids[u]) << "overlap of fids " << key.first << " and "
                                                                   << key.second << " (" << fmt_m2(area) << ")";
    double gaps = 0;
    for (const auto* f : c.json.with_rule("coverage.gap")) gaps += f->area_m2.value_or(0);
    expect_area(gaps, hole_m2, "the hole the unit left in " + from->code);
    const auto outside = c.json.with_rule("coverage.outside");
    EXPECT_TRUE(outside.empty()) << list(outside);
}

// A unit of one county merged with a smaller neighbour across the county
// line (the neighbour removed): coverage stays perfect, the unit crosses the
// line into the other county.
TEST_F(CheckMap, UnitThatCrossesTheCountyLine) {
    std::size_t u = 0, w = 0;
    bool found_pair = false;
    for (std::size_t i = 0; i < units().rows.size() && !found_pair; ++i) {
        const double ai = area_of_unit(i);
        for (std::size_t k = 0; k < units().rows.size() && !found_pair; ++k) {
            if (get(i, "XZQDM") == get(k, "XZQDM")) continue;
            if (!geos_intersects(unit_g_[i].get(), unit_g_[k].get())) continue;
            const double ak = area_of_unit(k);
            if (ak < 5e4 || ak > 0.4 * ai) continue;
            GeosPtr shared = intersection(unit_g_[i].get(), unit_g_[k].get());
            double len = 0;
            GEOSLength_r(geos(), shared.get(), &len);
            if (len < 0.005) continue;  // about 500 m of common border
            u = i, w = k, found_pair = true;
        }
    }
    ASSERT_TRUE(found_pair) << "no pair of neighbours across a county line";
    const CountyGeom& other = county_of(w);
    Table t = units();
    t.rows[u].geom = as_multipolygon(union_all({unit_g_[u].get(), unit_g_[w].get()}).get());
    GeosPtr merged = geos_of(t.rows[u]);
    const double in_other = gk_area(intersection(merged.get(), other.g.get()).get(), epsg_of(u));
    t.rows.erase(t.rows.begin() + static_cast<long>(w));
    const std::size_t u_row = u > w ? u - 1 : u;
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "crossing.gpkg", &fids);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    const auto crosses = c.json.with_rule("unit.crosses_county");
    ASSERT_EQ(crosses.size(), 1u) << c.describe();
    EXPECT_EQ(crosses[0]->severity, "error");
    EXPECT_EQ(crosses[0]->fid, fids[u_row]) << crosses[0]->describe();
    EXPECT_EQ(crosses[0]->fid2, other.fid) << "fid2 must be the other county (" << other.code
                                           << "): " << crosses[0]->describe();
    if (crosses[0]->area_m2) expect_area(crosses[0]->area_m2, in_other, "the part in " + other.code);
    const auto others = other_errors(c.json, {"unit.crosses_county"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

// A unit moved 1° north, out of the five counties.
TEST_F(CheckMap, UnitOutsideTheBoundary) {
    const std::size_t u = pick(0, 1e6, 20e6, 0.005);
    Table t = units();
    t.rows[u].geom = translated(*t.rows[u].geom, 0, 1.0);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "outside.gpkg", &fids);
    GeosPtr mg = geos_of(t.rows[u]);
    const int epsg = epsg_of(u);
    const double moved_m2 = gk_area(mg.get(), epsg);
    std::vector<const GEOSGeometry*> cover;
    for (std::size_t i = 0; i < t.rows.size(); ++i)
        if (i != u && geos_intersects(unit_g_[u].get(), unit_g_[i].get())) cover.push_back(unit_g_[i].get());
    const double hole_m2 = gk_area(polygonal(difference(unit_g_[u].get(), union_all(cover).get()).get()).get(), epsg);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    const auto outside = c.json.with_rule("coverage.outside");
    ASSERT_EQ(outside.size(), 1u) << c.describe();
    EXPECT_EQ(outside[0]->fid, fids[u]) << outside[0]->describe();
    expect_area(outside[0]->area_m2, moved_m2, "the unit outside the boundary");
    if (outside[0]->location) {
        EXPECT_LT(degrees_from(mg.get(), (*outside[0]->location)[0], (*outside[0]->location)[1]), 1e-6)
            << outside[0]->describe();
    }
    double gaps = 0;
    for (const auto* f : c.json.with_rule("coverage.gap")) gaps += f->area_m2.value_or(0);
    expect_area(gaps, hole_m2, "the hole the unit left");
    const auto overlaps = c.json.with_rule("coverage.overlap");
    EXPECT_TRUE(overlaps.empty()) << list(overlaps);
}

// ------------------------------------------------------------------ 5. red line

// A priority unit that holds red line made general (ZHGKDYFL 3, code digit 3).
TEST_F(CheckMap, RedLineInAGeneralUnit) {
    std::size_t u = units().rows.size();
    for (std::size_t i = 0; i < units().rows.size(); ++i)
        if (get(i, "ZHGKDYFL") == "1" && lists_factor(get(i, "YSLX"), "redline")) {
            u = i;
            break;
        }
    ASSERT_LT(u, units().rows.size()) << "no priority unit made by the red line";
    const int epsg = epsg_of(u);
    // This test's measure: the red line, made valid, inside the unit; per red-line feature too.
    std::map<std::int64_t, double> per_feature;
    std::vector<GeosPtr> parts;
    std::vector<const GEOSGeometry*> raw;
    for (const auto& r : sub().redline.rows) {
        if (!r.geom || r.geom->IsEmpty()) continue;
        GeosPtr g = polygonal(make_valid(to_geos(*r.geom).get()).get());
        if (geos_intersects(g.get(), unit_g_[u].get()))
            per_feature[r.fid] = gk_area(intersection(g.get(), unit_g_[u].get()).get(), epsg);
        parts.push_back(std::move(g));
    }
    for (const auto& p : parts) raw.push_back(p.get());
    const double red_m2 = gk_area(intersection(union_all(raw).get(), unit_g_[u].get()).get(), epsg);
    ASSERT_GT(red_m2, 1e4);

    Table t = units();
    t.set(t.rows[u], "ZHGKDYFL", "3");
    const std::string code = free_code(t, get(u, "XZQDM"), 3);
    t.set(t.rows[u], "HJZHGKDYBM", code);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "redline.gpkg", &fids);

    Checked c = check(with_boundary(path, {"--redline", sub().redline_source}));
    ASSERT_TRUE(c.usable);
    const auto found = c.json.with_rule("redline.not_priority");
    ASSERT_FALSE(found.empty()) << c.describe();
    double sum = 0;
    for (const auto* f : found) {
        EXPECT_EQ(f->severity, "error");
        EXPECT_EQ(f->fid, fids[u]) << "red line reported in another unit: " << f->describe();
        if (f->fid2) {
            EXPECT_TRUE(per_feature.count(*f->fid2))
                << "fid2 " << *f->fid2 << " is no red-line feature in the unit: " << f->describe();
        }
        sum += f->area_m2.value_or(0);
    }
    expect_area(sum, red_m2, "red line in unit " + code);
    const auto others = other_errors(c.json, {"redline.not_priority"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

// ------------------------------------------------------------------ 6. schema

TEST_F(CheckMap, MissingFieldAndFieldOfTheWrongType) {
    {
        Table t = units();
        t.drop_field("MJ");
        const std::string path = write(t, "no-mj.gpkg");
        Checked c = check({path});
        ASSERT_TRUE(c.usable);
        const auto found = c.json.with_rule("schema.missing_field");
        ASSERT_EQ(found.size(), 1u) << c.describe();
        EXPECT_EQ(found[0]->severity, "error");
        EXPECT_TRUE(contains(found[0]->message, "MJ")) << found[0]->describe();
    }
    {
        Table t = units();
        t.fields[t.field("ZHGKDYFL")] = FieldSpec{"ZHGKDYFL", OFTString, 1, 0};
        const std::string path = write(t, "text-fl.gpkg");
        DatasetPtr ds = open_vector(path);
        ASSERT_TRUE(ds);
        OGRFeatureDefn* defn = ds->GetLayer(0)->GetLayerDefn();
        ASSERT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("ZHGKDYFL"))->GetType(), OFTString);
        Checked c = check({path});
        ASSERT_TRUE(c.usable);
        const auto found = c.json.with_rule("schema.field_type");
        ASSERT_EQ(found.size(), 1u) << c.describe();
        EXPECT_EQ(found[0]->severity, "error");
        EXPECT_TRUE(contains(found[0]->message, "ZHGKDYFL")) << found[0]->describe();
    }
}

// ------------------------------------------------------------------ 7. Shapefiles

// A Shapefile export: its FIDs count from 0, and without its .prj it has no CRS.
TEST_F(CheckMap, ShapefileFidsAndMissingPrj) {
    Table t = units();
    t.set(t.rows[5], "HJZHGKDYBM", get(4, "HJZHGKDYBM"));
    // rows 4 and 5 may differ in category; give 5 the same county and category as 4
    t.set(t.rows[5], "XZQDM", get(4, "XZQDM"));
    t.set(t.rows[5], "ZHGKDYFL", get(4, "ZHGKDYFL"));
    t.set(t.rows[5], "AREA", get(4, "AREA"));
    std::vector<std::int64_t> fids;
    const std::string shp = tmp_.file("units.shp");
    fids = write_table(t, shp, "ESRI Shapefile", {"ENCODING=UTF-8"});
    ASSERT_EQ(fids[0], 0);

    Checked c = check({shp});
    ASSERT_TRUE(c.usable);
    EXPECT_EQ(c.json.layer, "units");
    EXPECT_TRUE(c.json.with_rule("crs.missing").empty()) << c.describe();
    const auto dup = c.json.with_rule("code.duplicate");
    ASSERT_EQ(dup.size(), 1u) << c.describe();
    EXPECT_EQ(dup[0]->fid, 5) << "Shapefile FIDs count from 0: " << dup[0]->describe();
    EXPECT_EQ(dup[0]->fid2, 4) << dup[0]->describe();

    fs::remove(tmp_.file("units.prj"));
    Checked d = check({shp});
    ASSERT_TRUE(d.usable);
    const auto crs = d.json.with_rule("crs.missing");
    ASSERT_EQ(crs.size(), 1u) << d.describe();
    EXPECT_FALSE(crs[0]->fid) << crs[0]->describe();
    EXPECT_EQ(d.run.status, 1) << "a map without CRS is an error\n" << d.describe();
}

// A GBK Shapefile that does not say so (no .cpg, LDID 0): schema.encoding
// naming GBK; with --encoding GBK it reads right.
TEST_F(CheckMap, GbkShapefileWithoutCpg) {
    const std::string shp = tmp_.file("gbk.shp");
    Table t = units();
    t.name = "gbk";
    write_table(t, shp, "ESRI Shapefile", {"ENCODING=CP936"});
    fs::remove(tmp_.file("gbk.cpg"));
    {
        std::fstream dbf(tmp_.file("gbk.dbf"), std::ios::in | std::ios::out | std::ios::binary);
        ASSERT_TRUE(dbf);
        dbf.seekp(29);
        dbf.put('\0');
    }
    // Sanity: the bytes are GBK, not UTF-8.
    LayerData raw = read_layer(shp, false, {"ENCODING="});
    ASSERT_FALSE(raw.features.empty());
    ASSERT_FALSE(is_valid_utf8(raw.features[0]["HJZHGKDYMC"]));

    Checked c = check({shp});
    ASSERT_TRUE(c.usable);
    const auto enc = c.json.with_rule("schema.encoding");
    ASSERT_EQ(enc.size(), 1u) << c.describe();
    EXPECT_TRUE(contains(lower(enc[0]->message), "gbk")) << "the message should name GBK: " << enc[0]->describe();

    Checked g = check({shp, "--encoding", "GBK"});
    ASSERT_TRUE(g.usable);
    EXPECT_TRUE(g.json.with_rule("schema.encoding").empty()) << g.describe();
    EXPECT_EQ(g.json.errors, 0) << g.describe();
}

// ------------------------------------------------------------------ 8. geometry

// A bow-tie (self-intersecting) unit added to the map.
TEST_F(CheckMap, BowTieIsInvalidAtItsCrossing) {
    const std::size_t host = pick(3, 5e6, 1e12, 0);
    double lon = 0, lat = 0;
    point_on_surface(unit_g_[host].get(), &lon, &lat);
    const double hx = metres_to_dlon(300, lat), hy = metres_to_dlat(300);
    auto ring = std::make_unique<OGRLinearRing>();
    ring->addPoint(lon - hx, lat - hy);
    ring->addPoint(lon + hx, lat + hy);
    ring->addPoint(lon + hx, lat - hy);
    ring->addPoint(lon - hx, lat + hy);
    ring->addPoint(lon - hx, lat - hy);
    auto poly = std::make_unique<OGRPolygon>();
    poly->addRingDirectly(ring.release());
    auto multi = std::make_unique<OGRMultiPolygon>();
    multi->addGeometryDirectly(poly.release());

    Table t = units();
    Row r = t.rows[host];
    r.geom = std::move(multi);
    t.set(r, "HJZHGKDYBM", free_code(t, get(host, "XZQDM"), 3));
    t.rows.push_back(std::move(r));
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "bowtie.gpkg", &fids);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    const auto inv = c.json.with_rule("geometry.invalid");
    ASSERT_EQ(inv.size(), 1u) << c.describe();
    EXPECT_EQ(inv[0]->severity, "error");
    EXPECT_EQ(inv[0]->fid, fids.back()) << inv[0]->describe();
    ASSERT_TRUE(inv[0]->location) << inv[0]->describe();
    const double off = metres_between(lon, lat, (*inv[0]->location)[0], (*inv[0]->location)[1]);
    EXPECT_LT(off, 10.0) << "the location is " << off << " m from the crossing at " << lon << " " << lat << ": "
                         << inv[0]->describe();
}

// ------------------------------------------------------------------ 9. --strict

// A map whose only findings are warnings: a 20 m × 20 m unit carved out of a
// general unit (a sliver) exits 0, and 1 with --strict.
TEST_F(CheckMap, StrictMakesWarningsCount) {
    double lon = 0, lat = 0;
    const std::size_t u = place_square(3, 2e6, 200, lon, lat);
    const double hx = metres_to_dlon(10, lat), hy = metres_to_dlat(10);
    GeosPtr square = to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy));
    Table t = units();
    t.rows[u].geom = as_multipolygon(difference(unit_g_[u].get(), square.get()).get());
    Row s = t.rows[u];
    s.geom = as_multipolygon(square.get());
    t.set(s, "HJZHGKDYBM", free_code(t, get(u, "XZQDM"), 3));
    char mj[64];
    std::snprintf(mj, sizeof mj, "%.12g", gk_area(square.get(), epsg_of(u)) / 1e6);
    t.set(s, "MJ", mj);
    t.rows.push_back(std::move(s));
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "sliver.gpkg", &fids);

    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    EXPECT_EQ(c.run.status, 0) << c.describe();
    EXPECT_EQ(c.json.errors, 0) << c.describe();
    bool sliver = false;
    for (const auto* f : c.json.with_rule("unit.sliver")) sliver |= f->fid == fids.back();
    EXPECT_TRUE(sliver) << "no unit.sliver for the 400 m² unit (fid " << fids.back() << ")\n" << c.describe();

    Checked s2 = check(with_boundary(path, {"--strict"}));
    ASSERT_TRUE(s2.usable);
    EXPECT_EQ(s2.run.status, 1) << s2.describe();
    EXPECT_EQ(s2.json.errors, 0);
}

// ------------------------------------------------------------------ 10. --errors-out

TEST_F(CheckMap, ErrorsOutHoldsEachOverlapAndGap) {
    const std::size_t u = pick(0, 1e6, 30e6, 0.005);
    double lon = 0, lat = 0;
    point_on_surface(unit_g_[u].get(), &lon, &lat);
    Table t = units();
    t.rows[u].geom = translated(*t.rows[u].geom, metres_to_dlon(-30, lat), metres_to_dlat(35));
    const std::string path = write(t, "shifted.gpkg");
    const std::string out = tmp_.file("findings.gpkg");

    Checked c = check(with_boundary(path, {"--errors-out", out}));
    ASSERT_TRUE(c.usable);
    ASSERT_TRUE(fs::exists(out)) << c.describe();
    std::vector<const CheckFindingJson*> wanted;
    for (const auto& f : c.json.findings)
        if (f.rule == "coverage.overlap" || f.rule == "coverage.gap") wanted.push_back(&f);
    ASSERT_GE(wanted.size(), 2u) << c.describe();

    DatasetPtr ds = open_vector(out);
    ASSERT_TRUE(ds) << "cannot open " << out;
    OGRLayer* polys = ds->GetLayerByName("finding_polygons");
    ASSERT_NE(polys, nullptr);
    for (const char* field : {"rule", "severity", "fid", "fid2", "code", "message", "area_m2"})
        EXPECT_GE(polys->GetLayerDefn()->GetFieldIndex(field), 0) << "finding_polygons has no field " << field;
    ASSERT_GE(polys->GetLayerDefn()->GetFieldIndex("area_m2"), 0);

    struct Written {
        std::string rule;
        std::optional<std::int64_t> fid, fid2;
        double area = 0, mine = 0;
        bool used = false;
    };
    std::vector<Written> written;
    const int epsg = epsg_of(u);
    for (auto& f : *polys) {
        Written w;
        w.rule = f->GetFieldAsString("rule");
        if (w.rule != "coverage.overlap" && w.rule != "coverage.gap") continue;
        const int fi = f->GetFieldIndex("fid"), f2 = f->GetFieldIndex("fid2");
        if (fi >= 0 && f->IsFieldSetAndNotNull(fi)) w.fid = f->GetFieldAsInteger64(fi);
        if (f2 >= 0 && f->IsFieldSetAndNotNull(f2)) w.fid2 = f->GetFieldAsInteger64(f2);
        w.area = f->GetFieldAsDouble("area_m2");
        const OGRGeometry* g = f->GetGeometryRef();
        if (!g) {
            ADD_FAILURE() << w.rule << " feature " << f->GetFID() << " has no geometry";
            continue;
        }
        w.mine = gk_area(to_geos(*g).get(), epsg);
        written.push_back(w);
    }
    EXPECT_EQ(written.size(), wanted.size()) << "finding_polygons holds " << written.size()
                                             << " overlap/gap features, the report " << wanted.size();
    for (const auto* f : wanted) {
        // The written feature of the same rule and fids whose area is closest.
        Written* best = nullptr;
        for (auto& w : written) {
            if (w.used || w.rule != f->rule || w.fid != f->fid || w.fid2 != f->fid2) continue;
            if (!best || std::fabs(w.area - f->area_m2.value_or(0)) < std::fabs(best->area - f->area_m2.value_or(0)))
                best = &w;
        }
        if (!best) {
            ADD_FAILURE() << "no polygon in " << out << " for " << f->describe();
            continue;
        }
        best->used = true;
        ASSERT_TRUE(f->area_m2);
        // The JSON rounds to the mm².
        EXPECT_NEAR(best->area, *f->area_m2, 1e-6 * *f->area_m2 + 0.0006) << "area_m2 field vs report: " << f->describe();
        expect_area(best->mine, *f->area_m2, "the written polygon of " + f->describe());
    }
}

// The findings GeoPackage has the same three layers whatever was found, so
// that scripts and QGIS projects can rely on them: here a map whose only
// finding is one gap (a polygon) still gets finding_points and finding_lines,
// each with its QGIS style.
TEST_F(CheckMap, ErrorsOutAlwaysHasTheThreeLayers) {
    double lon = 0, lat = 0;
    const std::size_t u = place_square(0, 2e6, 300, lon, lat);
    const double hx = metres_to_dlon(100, lat), hy = metres_to_dlat(100);
    GeosPtr square = to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy));
    Table t = units();
    t.rows[u].geom = as_multipolygon(difference(unit_g_[u].get(), square.get()).get());
    const std::string path = write(t, "holed.gpkg");
    const std::string out = tmp_.file("findings.gpkg");
    Checked c = check({path, "--errors-out", out});
    ASSERT_TRUE(c.usable);
    ASSERT_EQ(c.json.with_rule("coverage.gap").size(), 1u) << c.describe();
    DatasetPtr ds = open_vector(out);
    ASSERT_TRUE(ds) << "cannot open " << out;
    std::string present;
    for (int i = 0; i < ds->GetLayerCount(); ++i) present += std::string(" ") + ds->GetLayer(i)->GetName();
    for (const char* name : {"finding_points", "finding_lines", "finding_polygons"}) {
        OGRLayer* layer = ds->GetLayerByName(name);
        EXPECT_NE(layer, nullptr) << "no layer " << name << " in " << out << " (it has:" << present << ")";
        if (!layer) continue;
        for (const char* field : {"rule", "severity", "fid", "fid2", "code", "message", "area_m2"})
            EXPECT_GE(layer->GetLayerDefn()->GetFieldIndex(field), 0) << name << " has no field " << field;
    }

    // Each opens styled in QGIS: a default style in layer_styles, categorised
    // on severity (error and warning in two colours, symbols of the layer's
    // geometry), labelled with the rule.
    std::string error;
    const auto styles = read_layer_styles(out, &error);
    ASSERT_TRUE(error.empty()) << error;
    const std::pair<const char*, const char*> layers[] = {
        {"finding_points", "marker"}, {"finding_lines", "line"}, {"finding_polygons", "fill"}};
    for (const auto& [layer, symbol] : layers) {
        const StoredStyle* s = default_style_of(styles, layer);
        ASSERT_NE(s, nullptr) << "no default style for " << layer << " in layer_styles of " << out;
        EXPECT_EQ(s->geometry_column, geometry_column_of(out, layer));
        const QmlStyle q = parse_qml(s->qml);
        ASSERT_TRUE(q.parse_error.empty()) << layer << ": " << q.parse_error;
        EXPECT_EQ(q.renderer_type, "categorizedSymbol") << layer;
        EXPECT_EQ(q.attr, "severity") << layer;
        EXPECT_EQ(q.values, (std::vector<std::string>{"error", "warning"})) << layer;
        ASSERT_EQ(q.symbol_type.size(), 2u) << layer;
        for (const char* severity : {"error", "warning"}) EXPECT_EQ(q.symbol_type.at(severity), symbol) << layer;
        EXPECT_NE(q.colour.at("error"), q.colour.at("warning")) << layer;
        EXPECT_EQ(q.label_field, "rule") << layer;
    }
}

// ------------------------------------------------------------------ 11. other CRS, boundary field

// The map in Web Mercator (a CRS the contract does not expect) and in its
// Gauss-Krüger zone: areas are still Gauss-Krüger areas of the county's zone,
// not areas in the map's own projection (Web Mercator would make them 1.5
// times too large at 36.6°N).
TEST_F(CheckMap, ProjectedMapsKeepGaussKrugerAreas) {
    double lon = 0, lat = 0;
    const std::size_t u = place_square(0, 2e6, 300, lon, lat);
    const double hx = metres_to_dlon(100, lat), hy = metres_to_dlat(100);
    GeosPtr square = to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy));
    const double square_m2 = gk_area(square.get(), epsg_of(u));
    Table holed = units();
    holed.rows[u].geom = as_multipolygon(difference(unit_g_[u].get(), square.get()).get());

    for (const int epsg : {3857, epsg_of(u)}) {
        SCOPED_TRACE("EPSG:" + std::to_string(epsg));
        OGRSpatialReference target;
        ASSERT_EQ(target.importFromEPSG(epsg), OGRERR_NONE);
        target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(holed.srs.get(), &target));
        ASSERT_TRUE(ct);
        Table t = holed;
        t.srs.reset(target.Clone());
        for (auto& r : t.rows) ASSERT_EQ(r.geom->transform(ct.get()), OGRERR_NONE);
        const std::string path = write(t, "epsg" + std::to_string(epsg) + ".gpkg");

        Checked c = check({path});
        ASSERT_TRUE(c.usable);
        const auto gaps = c.json.with_rule("coverage.gap");
        ASSERT_EQ(gaps.size(), 1u) << c.describe();
        expect_area(gaps[0]->area_m2, square_m2, "the gap (Gauss-Krüger area)");
        if (gaps[0]->location) {
            EXPECT_LT(degrees_from(square.get(), (*gaps[0]->location)[0], (*gaps[0]->location)[1]), 1e-6)
                << "location must be longitude, latitude: " << gaps[0]->describe();
        }
        const bool mercator = epsg == 3857;
        EXPECT_EQ(c.json.with_rule("crs.unexpected").size(), mercator ? 1u : 0u) << c.describe();
        const auto others = other_errors(c.json, {"coverage.gap", "crs.unexpected"});
        EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
        if (!mercator) {
            // Filing with the ministry wants longitude/latitude.
            Checked n = check({path, "--profile", "national"});
            ASSERT_TRUE(n.usable);
            EXPECT_EQ(n.json.with_rule("crs.unexpected").size(), 1u) << n.describe();
        }
    }
}

// A boundary whose code field has another name: an error without
// --boundary-code-field, fine with it.
TEST_F(CheckMap, BoundaryCodeField) {
    Table counties = read_table(sub().boundary);
    const int i = counties.field("adcode");
    ASSERT_GE(i, 0);
    counties.fields[i].name = "QHDM";
    const std::string boundary = tmp_.file("renamed.gpkg");
    write_table(counties, boundary);
    const std::string path = write(units(), "units.gpkg");

    RunResult r = run_zone_check({"map", path, "--boundary", boundary, "--format", "json", "-q"}, 60);
    EXPECT_EQ(r.status, 2) << "no county code field in the boundary\n" << r.describe();
    EXPECT_TRUE(contains(r.err, boundary)) << r.describe();
    Checked c = check({path, "--boundary", boundary, "--boundary-code-field", "QHDM"});
    ASSERT_TRUE(c.usable);
    EXPECT_EQ(c.json.errors, 0) << c.describe();
}

// ------------------------------------------------------------------ 12. more coverage cases

// A unit deleted: its whole area is a gap, with the boundary and without.
TEST_F(CheckMap, DeletedUnitIsAGap) {
    const std::size_t u = pick(0, 1e6, 30e6, 0.005);
    const double unit_m2 = area_of_unit(u);
    Table t = units();
    t.rows.erase(t.rows.begin() + static_cast<long>(u));
    const std::string path = write(t, "deleted.gpkg");
    for (const bool boundary : {true, false}) {
        SCOPED_TRACE(boundary ? "with --boundary" : "without --boundary");
        Checked c = check(boundary ? with_boundary(path) : std::vector<std::string>{path});
        ASSERT_TRUE(c.usable);
        double gaps = 0;
        for (const auto* f : c.json.with_rule("coverage.gap")) gaps += f->area_m2.value_or(0);
        expect_area(gaps, unit_m2, "the deleted unit's gap");
        const auto others = other_errors(c.json, {"coverage.gap"});
        EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
    }
}

// A unit written twice: a duplicate code, and an overlap of its whole area.
TEST_F(CheckMap, IdenticalCopyOfAUnit) {
    const std::size_t u = pick(2, 1e6, 30e6, 0);
    const double unit_m2 = area_of_unit(u);
    Table t = units();
    t.rows.push_back(t.rows[u]);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "copy.gpkg", &fids);
    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    const auto dup = c.json.with_rule("code.duplicate");
    ASSERT_EQ(dup.size(), 1u) << c.describe();
    EXPECT_EQ(dup[0]->fid, fids.back());
    EXPECT_EQ(dup[0]->fid2, fids[u]);
    double overlap = 0;
    for (const auto* f : c.json.with_rule("coverage.overlap")) {
        EXPECT_EQ(f->fid, fids[u]) << f->describe();
        EXPECT_EQ(f->fid2, fids.back()) << f->describe();
        overlap += f->area_m2.value_or(0);
    }
    expect_area(overlap, unit_m2, "the copy's overlap");
    const auto others = other_errors(c.json, {"code.duplicate", "coverage.overlap"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

// ------------------------------------------------------------------ 13. naming inputs (zonekit(7) NAMING INPUTS)

TEST_F(CheckMap, StandardInputAndLayerNames) {
    // GeoJSON on standard input.
    const std::string geojson = tmp_.file("units.geojson");
    Table t = units();
    write_table(t, geojson, "GeoJSON");
    RunResult r = run_with_timeout({zone_check_exe(), "map", "-", "--format", "json", "-q"}, 60, geojson);
    ASSERT_EQ(r.status, 0) << r.describe();
    CheckJson j = parse_check_json(r.out);
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    EXPECT_EQ(j.features, static_cast<std::int64_t>(units().rows.size()));
    EXPECT_EQ(j.errors, 0) << j.describe();

    // A GeoPackage of several layers: "units" is taken, another by |layername=.
    const std::string multi = tmp_.file("multi.gpkg");
    Table other = units();
    other.name = "units_2020";
    other.rows.resize(10);
    write_table(other, multi);
    write_table(units(), multi);
    Checked a = check({multi});
    ASSERT_TRUE(a.usable);
    EXPECT_EQ(a.json.layer, "units");
    EXPECT_EQ(a.json.features, static_cast<std::int64_t>(units().rows.size()));
    Checked b = check({multi + "|layername=units_2020"});
    ASSERT_TRUE(b.usable);
    EXPECT_EQ(b.json.layer, "units_2020");
    EXPECT_EQ(b.json.features, 10);
    RunResult bad = run_zone_check({"map", multi + "|layername=nope", "--format", "json"}, 60);
    EXPECT_EQ(bad.status, 2) << bad.describe();
    EXPECT_TRUE(contains(bad.err, "nope")) << bad.describe();

    // Several layers and none is "units": exit 2, naming the layers.
    const std::string none = tmp_.file("none.gpkg");
    Table x = units();
    x.name = "a";
    x.rows.resize(3);
    write_table(x, none);
    x.name = "b";
    write_table(x, none);
    RunResult n = run_zone_check({"map", none, "--format", "json"}, 60);
    EXPECT_EQ(n.status, 2) << n.describe();
    EXPECT_TRUE(contains(n.err, none)) << n.describe();
}

// The JUnit and text forms of a broken map: the failing test cases are
// those of the rules with errors (and with --strict, warnings).
TEST_F(CheckMap, JunitAndTextOfABrokenMap) {
    Table t = units();
    const std::size_t a = pick(2, 0, 1e12, 0);
    std::size_t b = a + 1;
    while (get(b, "XZQDM") != get(a, "XZQDM") || get(b, "ZHGKDYFL") != get(a, "ZHGKDYFL")) ++b;
    t.set(t.rows[b], "HJZHGKDYBM", get(a, "HJZHGKDYBM"));
    const std::string path = write(t, "dup.gpkg");
    Checked c = check({path});
    ASSERT_TRUE(c.usable);
    ASSERT_EQ(c.json.errors, 1) << c.describe();
    std::set<std::string> warned;
    for (const auto& f : c.json.findings)
        if (f.severity == "warning") warned.insert(f.rule);

    for (const bool strict : {false, true}) {
        SCOPED_TRACE(strict ? "--strict" : "not strict");
        std::vector<std::string> args{"map", path, "--format", "junit", "-q"};
        if (strict) args.push_back("--strict");
        RunResult r = run_zone_check(args, 60);
        EXPECT_EQ(r.status, 1) << r.describe();
        const Junit x = parse_junit(r.out);
        ASSERT_TRUE(x.error.empty()) << x.error;
        for (const auto& id : contract_rule_ids()) {
            const bool expected = id == "code.duplicate" || (strict && warned.count(id));
            EXPECT_EQ(x.failed.count(id) && x.failed.at(id), expected) << "test case " << id;
        }
    }
    RunResult tx = run_zone_check({"map", path, "-q"}, 60);
    EXPECT_EQ(tx.status, 1) << tx.describe();
    const std::string l = lower(last_line(tx.out));
    EXPECT_TRUE(contains(l, "1 error")) << "last line: " << last_line(tx.out);
    EXPECT_TRUE(contains(tx.out, "code.duplicate")) << tx.out;
}

// ------------------------------------------------------------------ 14. across county regions

// A unit next to a county line moved 60 m across it: it overlaps units of
// both counties, and crosses the line. The overlaps are the same with the
// boundary (where the work is done county by county) and without it.
TEST_F(CheckMap, OverlapAcrossACountyLine) {
    // A unit of 0.5–20 km² that shares at least 500 m of border with a unit of another county.
    std::size_t u = units().rows.size();
    for (std::size_t i = 0; i < units().rows.size() && u == units().rows.size(); ++i) {
        const double a = area_of_unit(i);
        if (a < 5e5 || a > 20e6) continue;
        for (std::size_t k = 0; k < units().rows.size(); ++k) {
            if (get(i, "XZQDM") == get(k, "XZQDM") || !geos_intersects(unit_g_[i].get(), unit_g_[k].get())) continue;
            double len = 0;
            GEOSLength_r(geos(), intersection(unit_g_[i].get(), unit_g_[k].get()).get(), &len);
            if (len > 0.005) {
                u = i;
                break;
            }
        }
    }
    ASSERT_LT(u, units().rows.size());
    const int epsg = epsg_of(u);
    double lon = 0, lat = 0;
    point_on_surface(unit_g_[u].get(), &lon, &lat);
    // Move it towards the other county: try the four directions, keep the one that crosses most.
    Table t = units();
    GeosPtr best;
    double best_out = 0;
    for (const auto& [dx, dy] : {std::pair<double, double>{60, 0}, {-60, 0}, {0, 60}, {0, -60}}) {
        auto cand = translated(*units().rows[u].geom, metres_to_dlon(dx, lat), metres_to_dlat(dy));
        GeosPtr g = to_geos(*cand);
        const double out = gk_area(difference(g.get(), county_of(u).g.get()).get(), epsg);
        if (out > best_out) {
            best_out = out;
            best = std::move(g);
            t.rows[u].geom = std::move(cand);
        }
    }
    ASSERT_GT(best_out, 1000.0);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "across.gpkg", &fids);
    std::map<std::pair<std::int64_t, std::int64_t>, double> expected;
    std::set<std::string> counties_reached;
    for (std::size_t i = 0; i < t.rows.size(); ++i) {
        if (i == u || !geos_intersects(best.get(), unit_g_[i].get())) continue;
        const double a = gk_area(intersection(best.get(), unit_g_[i].get()).get(), epsg);
        if (a >= 2) {
            expected[std::minmax(fids[u], fids[i])] = a;
            counties_reached.insert(get(i, "XZQDM"));
        }
    }
    ASSERT_GE(counties_reached.size(), 2u) << "the moved unit should overlap units of two counties";
    std::map<std::string, double> in_county;  // the moved unit's area in each other county
    for (const auto& c : sub().counties)
        if (c.code != get(u, "XZQDM")) in_county[c.code] = gk_area(intersection(best.get(), c.g.get()).get(), epsg);

    for (const bool boundary : {true, false}) {
        SCOPED_TRACE(boundary ? "with --boundary" : "without --boundary");
        Checked c = check(boundary ? with_boundary(path) : std::vector<std::string>{path});
        ASSERT_TRUE(c.usable);
        std::map<std::pair<std::int64_t, std::int64_t>, double> found;
        for (const auto* f : c.json.with_rule("coverage.overlap")) {
            ASSERT_TRUE(f->fid && f->fid2 && f->area_m2) << f->describe();
            found[std::minmax(*f->fid, *f->fid2)] += *f->area_m2;
        }
        for (const auto& [key, area] : expected) {
            ASSERT_TRUE(found.count(key)) << "no overlap of fids " << key.first << " and " << key.second << " ("
                                          << fmt_m2(area) << ")\n" << c.describe();
            expect_area(found[key], area, "overlap of fids " + std::to_string(key.first) + " and " +
                                              std::to_string(key.second));
        }
        if (!boundary) continue;
        const auto crosses = c.json.with_rule("unit.crosses_county");
        ASSERT_FALSE(crosses.empty()) << c.describe();
        for (const auto* f : crosses) {
            EXPECT_EQ(f->fid, fids[u]) << f->describe();
            const CountyGeom* other = nullptr;
            for (const auto& cg : sub().counties)
                if (f->fid2 && cg.fid == *f->fid2) other = &cg;
            ASSERT_NE(other, nullptr) << "fid2 is no county: " << f->describe();
            if (f->area_m2) expect_area(f->area_m2, in_county[other->code], "the part in " + other->code);
        }
    }
}

// Two neighbouring units, both moved 1° north out of the boundary and one
// of them 60 m towards the other: they overlap each other outside every
// county, which is still an overlap (zone-check finds it without --boundary).
TEST_F(CheckMap, OverlapOutsideTheBoundary) {
    std::size_t a = units().rows.size(), b = a;
    for (std::size_t i = 0; i < units().rows.size() && b == units().rows.size(); ++i) {
        const double ai = area_of_unit(i);
        if (ai < 5e5 || ai > 20e6) continue;
        for (std::size_t k = i + 1; k < units().rows.size(); ++k) {
            if (!geos_intersects(unit_g_[i].get(), unit_g_[k].get())) continue;
            double len = 0;
            GEOSLength_r(geos(), intersection(unit_g_[i].get(), unit_g_[k].get()).get(), &len);
            const double ak = area_of_unit(k);
            if (len > 0.005 && ak > 5e5 && ak < 20e6) {
                a = i, b = k;
                break;
            }
        }
    }
    ASSERT_LT(b, units().rows.size());
    const int epsg = epsg_of(a);
    double lon = 0, lat = 0;
    point_on_surface(unit_g_[a].get(), &lon, &lat);
    Table t = units();
    t.rows[a].geom = translated(*t.rows[a].geom, 0, 1.0);
    t.rows[b].geom = translated(*t.rows[b].geom, 0, 1.0);
    // Move b 60 m towards a (along the line between their inner points).
    double blon = 0, blat = 0;
    point_on_surface(unit_g_[b].get(), &blon, &blat);
    const double ex = metres_between(blon, lat, lon, lat) * (lon > blon ? 1 : -1);
    const double ny = metres_between(lon, blat, lon, lat) * (lat > blat ? 1 : -1);
    const double norm = std::max(1.0, std::hypot(ex, ny));
    t.rows[b].geom = translated(*t.rows[b].geom, metres_to_dlon(60 * ex / norm, lat), metres_to_dlat(60 * ny / norm));
    GeosPtr ga = geos_of(t.rows[a]), gb = geos_of(t.rows[b]);
    const double overlap_m2 = gk_area(intersection(ga.get(), gb.get()).get(), epsg);
    ASSERT_GT(overlap_m2, 1000.0);
    std::vector<std::int64_t> fids;
    const std::string path = write(t, "outside-overlap.gpkg", &fids);
    Checked c = check(with_boundary(path));
    ASSERT_TRUE(c.usable);
    double found = 0;
    for (const auto* f : c.json.with_rule("coverage.overlap")) {
        EXPECT_EQ(f->fid, fids[a]) << f->describe();
        EXPECT_EQ(f->fid2, fids[b]) << f->describe();
        found += f->area_m2.value_or(0);
    }
    expect_area(found, overlap_m2, "the overlap of the two units outside the boundary (with --boundary)");
    EXPECT_EQ(c.json.with_rule("coverage.outside").size(), 2u) << c.describe();

    Checked n = check({path});
    ASSERT_TRUE(n.usable);
    double alone = 0;
    for (const auto* f : n.json.with_rule("coverage.overlap")) alone += f->area_m2.value_or(0);
    expect_area(alone, overlap_m2, "the overlap of the two units (without --boundary)");
}

// FIDs as GDAL reads them, also when they do not run 1, 2, 3 …
TEST_F(CheckMap, SparseFids) {
    Table t = units();
    for (std::size_t i = 0; i < t.rows.size(); ++i) t.rows[i].fid = 1000 + 7 * static_cast<std::int64_t>(i);
    t.set(t.rows[3], "HJZHGKDYBM", get(2, "HJZHGKDYBM"));
    ASSERT_EQ(get(2, "XZQDM") + get(2, "ZHGKDYFL"), get(3, "XZQDM") + get(3, "ZHGKDYFL"));
    const std::string path = tmp_.file("sparse.gpkg");
    const auto fids = write_table(t, path, "GPKG", {}, false, true);
    ASSERT_EQ(fids[3], 1021);
    Checked c = check({path});
    ASSERT_TRUE(c.usable);
    const auto dup = c.json.with_rule("code.duplicate");
    ASSERT_EQ(dup.size(), 1u) << c.describe();
    EXPECT_EQ(dup[0]->fid, 1021) << dup[0]->describe();
    EXPECT_EQ(dup[0]->fid2, 1014) << dup[0]->describe();
}

// The map, its boundary and red line need not share a CRS. Edges are cut to
// 1e-4° before a projection here: an edge straight in longitude/latitude is a
// curve in Gauss-Krüger, and a long edge projected by its ends alone moves by
// up to L²κ/8 (see gk_area in support.hpp) and makes real slivers.
class CheckMapCrs : public CheckMap {
protected:
    Table to_gk_zone(Table t) const {
        OGRSpatialReference target;
        if (target.importFromEPSG(sub().counties.front().epsg) != OGRERR_NONE) throw std::runtime_error("no GK CRS");
        target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(t.srs.get(), &target));
        if (!ct) throw std::runtime_error("no transformation");
        for (auto& r : t.rows) {
            if (!r.geom) continue;
            r.geom->segmentize(kDensifyDeg);
            if (r.geom->transform(ct.get()) != OGRERR_NONE) throw std::runtime_error("transform failed");
        }
        t.srs.reset(target.Clone());
        return t;
    }
    std::size_t redline_unit() const {
        for (std::size_t i = 0; i < units().rows.size(); ++i)
            if (get(i, "ZHGKDYFL") == "1" && lists_factor(get(i, "YSLX"), "redline")) return i;
        throw std::runtime_error("no priority unit made by the red line");
    }
    double redline_in(std::size_t u) const {
        std::vector<GeosPtr> parts;
        std::vector<const GEOSGeometry*> raw;
        for (const auto& r : sub().redline.rows)
            if (r.geom && !r.geom->IsEmpty()) parts.push_back(polygonal(make_valid(to_geos(*r.geom).get()).get()));
        for (const auto& p : parts) raw.push_back(p.get());
        return gk_area(intersection(union_all(raw).get(), unit_g_[u].get()).get(), epsg_of(u));
    }
};

// The map in longitude/latitude, its boundary and red line in Gauss-Krüger.
TEST_F(CheckMapCrs, ReferencesInGaussKruger) {
    const std::string boundary_gk = tmp_.file("counties-gk.gpkg"), red_gk = tmp_.file("redline-gk.gpkg");
    write_table(to_gk_zone(read_table(sub().boundary)), boundary_gk);
    write_table(to_gk_zone(sub().redline), red_gk);

    const std::string path = write(units(), "units.gpkg");
    Checked c = check({path, "--boundary", boundary_gk, "--redline", red_gk});
    ASSERT_TRUE(c.usable);
    EXPECT_EQ(c.json.errors, 0) << c.describe();

    // The red-line variant: the finding keeps its area.
    const std::size_t u = redline_unit();
    const double red_m2 = redline_in(u);
    Table t = units();
    t.set(t.rows[u], "ZHGKDYFL", "3");
    t.set(t.rows[u], "HJZHGKDYBM", free_code(t, get(u, "XZQDM"), 3));
    std::vector<std::int64_t> fids;
    const std::string red_path = write(t, "redline.gpkg", &fids);
    Checked e = check({red_path, "--boundary", boundary_gk, "--redline", red_gk});
    ASSERT_TRUE(e.usable);
    double sum = 0;
    for (const auto* f : e.json.with_rule("redline.not_priority")) {
        EXPECT_EQ(f->fid, fids[u]) << f->describe();
        sum += f->area_m2.value_or(0);
    }
    expect_area(sum, red_m2, "red line in the general unit");
    const auto others = other_errors(e.json, {"redline.not_priority"});
    EXPECT_TRUE(others.empty()) << "unexpected errors:\n" << list(others);
}

// The map in Gauss-Krüger, its boundary and red line in longitude/latitude
// as delivered (edges of any length, straight in longitude/latitude). The
// map is the valid one, projected after densification, so nothing is wrong.
TEST_F(CheckMapCrs, MapInGaussKrugerReferencesInLonLat) {
    const std::string path = write(to_gk_zone(units()), "units-gk.gpkg");
    for (const auto& refs : {std::vector<std::string>{"--boundary", sub().boundary},
                             std::vector<std::string>{"--boundary", sub().boundary, "--redline", sub().redline_source}}) {
        SCOPED_TRACE(refs.size() == 2 ? "--boundary" : "--boundary and --redline");
        std::vector<std::string> args{path};
        args.insert(args.end(), refs.begin(), refs.end());
        Checked c = check(args);
        if (!c.usable) continue;  // reported by check()
        EXPECT_EQ(c.json.errors, 0) << c.describe();
    }
    // The red line alone is checked against the units only, so red line
    // beyond them counts (redline.not_priority without fid); within them it must not.
    Checked r = check({path, "--redline", sub().redline_source});
    ASSERT_TRUE(r.usable);
    for (const auto* f : r.json.with_rule("redline.not_priority"))
        EXPECT_FALSE(f->fid) << "red line in a unit that does not hold any: " << f->describe();
}

// Shandong's counties leave one hole: an enclave of Henan's Fan County (范县)
// inside Shen County (莘县). Without --boundary it is a hole between units
// like any other, and the message says how to tell; with the boundary it is
// no land of the map's and no gap.
TEST(CheckShandong, AnEnclaveOfAnotherProvinceIsAGapOnlyWithoutTheBoundary) {
    // The holes of the union of the counties, from the boundary with GEOS.
    const LayerData counties = read_layer(shandong_boundary(), true);
    std::vector<GeosPtr> valid;
    std::vector<const GEOSGeometry*> parts;
    for (const auto& f : counties.features) {
        valid.push_back(make_valid(to_geos(*f.geom).get()));
        parts.push_back(valid.back().get());
    }
    const GeosPtr province = union_all(parts);
    GEOSContextHandle_t h = geos();
    std::vector<GeosPtr> holes;
    for (int i = 0; i < GEOSGetNumGeometries_r(h, province.get()); ++i) {
        const GEOSGeometry* polygon = GEOSGetGeometryN_r(h, province.get(), i);
        for (int k = 0; k < GEOSGetNumInteriorRings_r(h, polygon); ++k) {
            GEOSGeometry* ring = GEOSGeom_clone_r(h, GEOSGetInteriorRingN_r(h, polygon, k));
            holes.push_back(GeosPtr(GEOSGeom_createPolygon_r(h, ring, nullptr, 0)));
        }
    }
    ASSERT_EQ(holes.size(), 1u) << "the Shandong boundary was expected to hold one hole, the Fan County enclave";
    double lon = 0, lat = 0;
    point_on_surface(holes[0].get(), &lon, &lat);
    const double hole_m2 = gk_area(holes[0].get(), gk_epsg_for_lon(lon));
    EXPECT_NEAR(hole_m2, 1.452e6, 0.01e6);

    const RunResult alone = run_zone_check({"map", shandong_units(), "--format", "json", "-q"});
    ASSERT_EQ(alone.status, 1) << alone.describe();
    const CheckJson without = parse_check_json(alone.out);
    const auto gaps = without.with_rule("coverage.gap");
    ASSERT_EQ(gaps.size(), 1u) << without.describe();
    ASSERT_TRUE(gaps[0]->area_m2 && gaps[0]->location) << gaps[0]->describe();
    EXPECT_NEAR(*gaps[0]->area_m2, hole_m2, 1e-4 * hole_m2) << gaps[0]->describe();
    EXPECT_LT(degrees_from(holes[0].get(), (*gaps[0]->location)[0], (*gaps[0]->location)[1]), 1e-6)
        << gaps[0]->describe();
    EXPECT_TRUE(contains(gaps[0]->message, "--boundary")) << gaps[0]->message;

    const RunResult bounded =
        run_zone_check({"map", shandong_units(), "--boundary", shandong_boundary(), "--format", "json", "-q"});
    ASSERT_TRUE(bounded.status == 0 || bounded.status == 1) << bounded.describe();
    const CheckJson with = parse_check_json(bounded.out);
    EXPECT_TRUE(with.with_rule("coverage.gap").empty()) << with.describe();
}

}  // namespace
