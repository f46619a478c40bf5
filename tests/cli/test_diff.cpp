// zone-diff on version pairs with known answers, made here at test time from
// the Shandong map that zone-build wrote (SHANDONG_UNITS): a unit split in
// two, two adjacent units merged, a category flipped, a boundary between two
// categories moved by a known area, a unit recoded, removed, added, only its
// attributes changed, a county rebuilt with zone-build --only. Every expected
// area and every cell of the expected transition matrix is computed here with
// GDAL/GEOS, independently of libzone: Gauss-Krüger planar areas (CGCS2000
// 3-degree zone of the county) of geometries whose edges are straight in
// longitude/latitude (densified, see gk_area in support.hpp), and the matrix
// by intersecting every old unit with every new unit it meets.
//
// The variants are made from the units of five counties of Jinan (96 units),
// so that a diff takes a fraction of a second; two tests diff the whole map.
// The last tests run the pipeline scripts (scripts/five-year-adjustment and
// scripts/dynamic-update) on those counties.
#include "qml.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace zt;

// Adjacent counties of Jinan: 历下 市中 槐荫 天桥 历城 (one Gauss-Krüger zone, 117°E).
const std::vector<std::string> kJinan = {"370102", "370103", "370104", "370105", "370112"};

constexpr double kRel = 1e-3;      // areas within 0.1 %
constexpr double kAbsKm2 = 1e-4;   // a matrix cell expected to be 0 may hold up to 100 m² of overlay noise
constexpr double kAbsM2 = 0.5;     // an area expected to be 0 may be this much

std::string fmt_m2(double v) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(3) << v << " m²";
    return s.str();
}

bool near_rel(double got, double expected, double abs_floor) {
    return std::fabs(got - expected) <= std::max(kRel * std::fabs(expected), abs_floor);
}

void expect_area(double got, double expected, const std::string& what) {
    EXPECT_TRUE(near_rel(got, expected, kAbsM2))
        << what << ": " << fmt_m2(got) << ", computed here " << fmt_m2(expected) << " (relative difference "
        << (expected != 0 ? std::fabs(got - expected) / expected : 0.0) << ")";
}

void expect_matrix(const Matrix& got, const Matrix& expected, const std::string& what, double abs_km2 = kAbsKm2) {
    int bad = 0;
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
            if (!(near_rel(got[a][b], expected[a][b], abs_km2))) ++bad;
    EXPECT_EQ(bad, 0) << what << ": " << bad << " cells of the transition matrix differ by more than 0.1 %\n"
                      << "zone-diff:\n" << describe(got) << "computed here:\n" << describe(expected);
}

std::vector<std::string> sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return "[" + s + "]";
}

std::unique_ptr<OGRGeometry> as_multipolygon(const GEOSGeometry* g) {
    GeosPtr p = polygonal(g);
    std::unique_ptr<OGRGeometry> o = to_ogr(p.get());
    return std::unique_ptr<OGRGeometry>(OGRGeometryFactory::forceToMultiPolygon(o.release()));
}

GeosPtr union2(const GEOSGeometry* a, const GEOSGeometry* b) {
    return polygonal(union_all({a, b}).get());
}

// The longest line two polygons share, merged; null when they share none.
GeosPtr shared_border(const GEOSGeometry* a, const GEOSGeometry* b) {
    if (!geos_intersects(a, b)) return nullptr;
    GeosPtr common = intersection(a, b);
    std::vector<GEOSGeometry*> lines;
    std::function<void(const GEOSGeometry*)> collect = [&](const GEOSGeometry* x) {
        const int type = GEOSGeomTypeId_r(geos(), x);
        if (type == GEOS_LINESTRING) lines.push_back(GEOSGeom_clone_r(geos(), x));
        else if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION)
            for (int i = 0; i < GEOSGetNumGeometries_r(geos(), x); ++i) collect(GEOSGetGeometryN_r(geos(), x, i));
    };
    collect(common.get());
    if (lines.empty()) return nullptr;
    GeosPtr multi(GEOSGeom_createCollection_r(geos(), GEOS_MULTILINESTRING, lines.data(),
                                              static_cast<unsigned>(lines.size())));
    GeosPtr merged(GEOSLineMerge_r(geos(), multi.get()));
    const GEOSGeometry* best = nullptr;
    double best_len = 0;
    const int n = GEOSGetNumGeometries_r(geos(), merged.get());
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* l = GEOSGetGeometryN_r(geos(), merged.get(), i);
        double len = 0;
        GEOSLength_r(geos(), l, &len);
        if (len > best_len) best_len = len, best = l;
    }
    return best ? geos_clone(best) : nullptr;
}

double length_m(const GEOSGeometry* lonlat_line) {
    double len = 0;
    GEOSLength_r(geos(), lonlat_line, &len);
    return len * 100000.0;  // about: a degree is 89–111 km here
}

void point_along(const GEOSGeometry* line, double fraction, double& lon, double& lat) {
    GeosPtr p(GEOSInterpolateNormalized_r(geos(), line, fraction));
    GEOSGeomGetX_r(geos(), p.get(), &lon);
    GEOSGeomGetY_r(geos(), p.get(), &lat);
}

GeosPtr box_around(double lon, double lat, double half_m) {
    const double hx = metres_to_dlon(half_m, lat), hy = metres_to_dlat(half_m);
    return to_geos(*lonlat_box(lon - hx, lat - hy, lon + hx, lat + hy));
}

// A code that is not in the table: county, category and a serial from 9001 up.
std::string unused_code(const Table& t, const std::string& county, int category,
                        const std::set<std::string>& also_taken = {}) {
    std::set<std::string> used(also_taken);
    for (const auto& r : t.rows) used.insert(t.get(r, "HJZHGKDYBM"));
    for (int serial = 9001; serial <= 9999; ++serial) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "ZH%s%d%04d", county.c_str(), category, serial);
        if (!used.count(buf)) return buf;
    }
    throw std::runtime_error("no free code");
}

// What a zone-diff run gave.
struct Diffed {
    RunResult run;
    DiffJson json;
    bool usable = false;  // exit 0/1 and a JSON report in the contract's shape
    std::string describe() const { return run.describe() + "\n" + json.describe(); }
};

// zone-diff OLD NEW --format json -q ARGS, with the checks every run must
// pass: exit 0 or 1, a report in the shape of zonekit(7) DIFF REPORT, an exit code that
// follows the violations (and the changes with --exit-code).
Diffed diff(const std::string& old_path, const std::string& new_path, const std::vector<std::string>& more = {}) {
    Diffed d;
    std::vector<std::string> a{old_path, new_path, "--format", "json", "-q"};
    a.insert(a.end(), more.begin(), more.end());
    d.run = run_zone_diff(a, 60);
    if (d.run.timed_out || d.run.signaled || (d.run.status != 0 && d.run.status != 1)) {
        ADD_FAILURE() << "zone-diff did not finish with exit code 0 or 1:\n" << d.run.describe();
        return d;
    }
    d.json = parse_diff_json(d.run.out);
    if (!d.json.parse_error.empty()) {
        ADD_FAILURE() << "the report is not JSON: " << d.json.parse_error << "\n" << d.run.describe();
        return d;
    }
    for (const auto& s : d.json.shape) ADD_FAILURE() << "report breaks zonekit(7) DIFF REPORT: " << s;
    EXPECT_EQ(d.json.tool, "zone-diff");
    EXPECT_EQ(d.json.old_input, old_path);
    EXPECT_EQ(d.json.new_input, new_path);
    EXPECT_FALSE(d.json.version.empty());
    EXPECT_FALSE(d.json.area_method.empty());
    const bool exit_code = std::find(more.begin(), more.end(), "--exit-code") != more.end();
    const int expected_exit = !d.json.violations.empty() || (exit_code && !d.json.changed().empty()) ? 1 : 0;
    EXPECT_EQ(d.run.status, expected_exit) << "the exit code does not follow the report (" << d.json.violations.size()
                                           << " violations, " << d.json.changed().size() << " changes"
                                           << (exit_code ? ", --exit-code" : "") << ")\n" << d.describe();
    d.usable = true;
    return d;
}

struct Expect {
    std::string kind;
    std::vector<std::string> olds, news;
    double area_m2 = 0;
};

// The changes that are not "unchanged" are exactly `expected` (kind, codes,
// area within 0.1 %); every unit of both maps is in exactly one change.
void expect_changes(const DiffJson& j, const std::vector<Expect>& expected, const Table& old_t, const Table& new_t) {
    for (const auto& e : expected) {
        const std::string key = !e.olds.empty() ? e.olds[0] : e.news.at(0);
        const DiffChangeJson* c = j.involving(key);
        if (!c) {
            ADD_FAILURE() << "no change involves " << key << "; expected " << e.kind << " " << join(e.olds) << " -> "
                          << join(e.news) << "\n" << j.describe();
            continue;
        }
        EXPECT_EQ(c->kind, e.kind) << c->describe();
        EXPECT_EQ(sorted(c->old_codes), sorted(e.olds)) << "old codes of " << c->describe();
        EXPECT_EQ(sorted(c->new_codes), sorted(e.news)) << "new codes of " << c->describe();
        expect_area(c->area_m2, e.area_m2, "area_m2 of the " + e.kind + " change of " + key);
    }
    std::set<std::string> expected_keys;
    for (const auto& e : expected) expected_keys.insert(!e.olds.empty() ? e.olds[0] : e.news.at(0));
    for (const auto* c : j.changed()) {
        bool known = false;
        for (const auto& k : expected_keys)
            known |= std::count(c->old_codes.begin(), c->old_codes.end(), k) + std::count(c->new_codes.begin(), c->new_codes.end(), k) > 0;
        EXPECT_TRUE(known) << "unexpected change: " << c->describe();
    }
    EXPECT_EQ(j.changed().size(), expected.size()) << j.describe();
    for (const auto* c : j.with_kind("unchanged")) {
        EXPECT_EQ(c->old_codes.size(), 1u) << c->describe();
        EXPECT_EQ(c->old_codes, c->new_codes) << c->describe();
        EXPECT_EQ(c->area_m2, 0.0) << c->describe();
    }
    // Every unit in exactly one change.
    auto check_side = [&](const Table& t, bool old_side) {
        std::map<std::string, int> seen;
        for (const auto& c : j.changes)
            for (const auto& code : old_side ? c.old_codes : c.new_codes) ++seen[code];
        std::map<std::string, int> want;
        for (const auto& r : t.rows) ++want[t.get(r, "HJZHGKDYBM")];
        EXPECT_EQ(seen, want) << "the " << (old_side ? "old" : "new")
                              << " units are not each in exactly one change";
    };
    check_side(old_t, true);
    check_side(new_t, false);
}

// A feature of the change polygons (-o CHANGES.gpkg).
struct LandPiece {
    std::string old_code, new_code, kind;
    int old_cat = -1, new_cat = -1;
    double area_m2 = 0;     // the field
    double gk_m2 = 0;       // of the geometry, computed here
};

std::vector<LandPiece> read_changes(const std::string& path, int epsg, std::string* error) {
    std::vector<LandPiece> out;
    LayerData l;
    try {
        l = read_layer(path + "|layername=changes", true);
    } catch (const std::exception& e) {
        *error = e.what();
        return out;
    }
    for (const char* f : {"old_code", "new_code", "old_cat", "new_cat", "kind", "area_m2"})
        if (std::find(l.fields.begin(), l.fields.end(), f) == l.fields.end()) {
            *error = std::string("the layer changes has no field ") + f;
            return out;
        }
    for (const auto& f : l.features) {
        LandPiece p;
        p.old_code = f["old_code"];
        p.new_code = f["new_code"];
        p.kind = f["kind"];
        p.old_cat = std::atoi(f["old_cat"].c_str());
        p.new_cat = std::atoi(f["new_cat"].c_str());
        p.area_m2 = std::atof(f["area_m2"].c_str());
        p.gk_m2 = f.geom ? gk_area(*f.geom, epsg, kDensifyDeg) : 0;
        out.push_back(p);
    }
    return out;
}

std::string describe(const std::vector<LandPiece>& pieces) {
    std::ostringstream s;
    for (const auto& p : pieces)
        s << "  '" << p.old_code << "' (" << p.old_cat << ") -> '" << p.new_code << "' (" << p.new_cat << ") "
          << p.kind << " area_m2 " << fmt_m2(p.area_m2) << ", geometry " << fmt_m2(p.gk_m2) << "\n";
    return s.str();
}

// The change polygons hold exactly these pieces (besides slivers under 1 m²).
void expect_land(const std::vector<LandPiece>& got, const std::vector<LandPiece>& expected) {
    for (const auto& e : expected) {
        const LandPiece* p = nullptr;
        for (const auto& g : got)
            if (g.old_code == e.old_code && g.new_code == e.new_code) p = &g;
        if (!p) {
            ADD_FAILURE() << "no change polygon '" << e.old_code << "' -> '" << e.new_code << "'; the layer holds:\n"
                          << describe(got);
            continue;
        }
        EXPECT_EQ(p->old_cat, e.old_cat) << describe({*p});
        EXPECT_EQ(p->new_cat, e.new_cat) << describe({*p});
        EXPECT_EQ(p->kind, e.kind) << describe({*p});
        expect_area(p->area_m2, e.area_m2, "area_m2 of the change polygon " + e.old_code + " -> " + e.new_code);
        expect_area(p->gk_m2, e.area_m2, "area of the geometry of the change polygon " + e.old_code + " -> " + e.new_code);
    }
    for (const auto& g : got) {
        bool known = false;
        for (const auto& e : expected) known |= g.old_code == e.old_code && g.new_code == e.new_code;
        if (!known) {
            EXPECT_LT(g.area_m2, 1.0) << "unexpected change polygon:\n" << describe({g});
        }
    }
    std::set<std::pair<std::string, std::string>> keys;
    for (const auto& g : got)
        EXPECT_TRUE(keys.insert({g.old_code, g.new_code}).second)
            << "the land of '" << g.old_code << "' -> '" << g.new_code << "' is not dissolved into one feature";
}

class Diff : public ::testing::Test {
protected:
    void SetUp() override {
        sub_ = &shandong_subset(kJinan);
        ASSERT_TRUE(sub_->error.empty()) << "cannot make the test data: " << sub_->error;
        for (const auto& c : sub_->counties) zones_[c.code] = c.epsg;
        base_ = unit_geoms(units(), zones_);
        base_path_ = write(units(), "a.gpkg");
    }

    const Table& units() const { return sub_->units; }
    std::string get(std::size_t i, const std::string& f) const { return units().get(units().rows[i], f); }
    std::string code(std::size_t i) const { return get(i, "HJZHGKDYBM"); }
    int category(std::size_t i) const { return base_[i].category; }
    double area(std::size_t i) const { return base_[i].area_m2; }
    const GEOSGeometry* g(std::size_t i) const { return base_[i].g.get(); }
    int epsg() const { return sub_->counties.at(0).epsg; }

    std::string write(const Table& t, const std::string& name) {
        const std::string path = tmp_.file(name);
        write_table(t, path);
        return path;
    }

    // The first unit with the category (0: any) and an area in [min, max] m².
    std::size_t pick(int cat, double min_m2, double max_m2, const std::set<std::size_t>& skip = {}) const {
        for (std::size_t i = 0; i < base_.size(); ++i)
            if (!skip.count(i) && (!cat || category(i) == cat) && area(i) >= min_m2 && area(i) <= max_m2) return i;
        throw std::runtime_error("no unit fits the test's needs");
    }

    // Pairs of units of one county that share a border of at least `min_m`,
    // both in [min_m2, max_m2], for which `fits` holds; in row order.
    std::vector<std::pair<std::size_t, std::size_t>> adjacent(
        double min_m, double min_m2, double max_m2,
        const std::function<bool(std::size_t, std::size_t)>& fits) const {
        std::vector<std::pair<std::size_t, std::size_t>> out;
        for (std::size_t i = 0; i < base_.size(); ++i)
            for (std::size_t j = 0; j < base_.size(); ++j) {
                if (i == j || base_[i].county != base_[j].county || !fits(i, j)) continue;
                if (area(i) < min_m2 || area(j) < min_m2 || area(i) > max_m2 || area(j) > max_m2) continue;
                const UnitGeom &a = base_[i], &b = base_[j];
                if (a.minx > b.maxx || b.minx > a.maxx || a.miny > b.maxy || b.miny > a.maxy) continue;
                GeosPtr line = shared_border(g(i), g(j));
                if (line && length_m(line.get()) >= min_m) out.emplace_back(i, j);
            }
        return out;
    }

    // Moves the land of `from` inside a square of half side `half_m` around
    // the middle of its border with `to` into `to`. Returns the moved land.
    GeosPtr move_boundary(Table& t, std::size_t from, std::size_t to, double half_m, double fraction = 0.5) const {
        GeosPtr line = shared_border(g(from), g(to));
        if (!line) throw std::runtime_error("the units do not share a border");
        double lon = 0, lat = 0;
        point_along(line.get(), fraction, lon, lat);
        GeosPtr box = box_around(lon, lat, half_m);
        GeosPtr moved = polygonal(intersection(g(from), box.get()).get());
        t.rows[from].geom = as_multipolygon(difference(g(from), box.get()).get());
        t.rows[to].geom = as_multipolygon(union2(g(to), moved.get()).get());
        return moved;
    }

    void set_code(Table& t, std::size_t i, const std::string& new_code) const {
        t.set(t.rows[i], "HJZHGKDYBM", new_code);
        t.set(t.rows[i], "ZHGKDYFL", std::string(1, new_code.at(8)));
    }

    Matrix expected(const Table& old_t, const Table& new_t) const {
        return expected_transitions(unit_geoms(old_t, zones_), unit_geoms(new_t, zones_));
    }

    // The matrix of the base map against itself: its category areas on the diagonal.
    Matrix identity() const {
        Matrix m{};
        const auto km2 = category_km2(base_);
        for (int c = 1; c <= 3; ++c) m[c][c] = km2[c];
        return m;
    }

    // The red line around these counties as one geometry.
    GeosPtr redline() const {
        std::vector<GeosPtr> parts;
        std::vector<const GEOSGeometry*> ptrs;
        for (const auto& r : sub_->redline.rows)
            if (r.geom) parts.push_back(make_valid(to_geos(*r.geom).get()));
        for (const auto& p : parts) ptrs.push_back(p.get());
        return union_all(ptrs);
    }

    const MapSubset* sub_ = nullptr;
    std::map<std::string, int> zones_;
    std::vector<UnitGeom> base_;  // of units(), by row
    std::string base_path_;
    TempDir tmp_{"zonecli-diff"};
};

// ------------------------------------------------------------------ 1. a map against itself

TEST_F(Diff, MapAgainstItselfIsAllUnchanged) {
    Diffed d = diff(base_path_, base_path_, {"--exit-code"});
    ASSERT_TRUE(d.usable);
    EXPECT_EQ(d.run.status, 0);
    EXPECT_EQ(d.json.summary["unchanged"], static_cast<std::int64_t>(units().rows.size())) << d.describe();
    expect_changes(d.json, {}, units(), units());
    expect_matrix(d.json.transitions, identity(), "a map against itself");
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b)
            if (a != b) {
                EXPECT_EQ(d.json.transitions[a][b], 0.0) << "cell " << a << "→" << b << " of a self-diff";
            }
    EXPECT_TRUE(d.json.violations.empty());

    // A copy of the file (another path, same content) and the guards change nothing.
    const std::string copy = write(units(), "copy.gpkg");
    Diffed c = diff(base_path_, copy, {"--forbid-decrease", "1", "--forbid-decrease", "2", "--redline",
                                       sub_->redline_source, "--exit-code"});
    ASSERT_TRUE(c.usable);
    EXPECT_EQ(c.run.status, 0) << c.describe();
    EXPECT_TRUE(c.json.changed().empty()) << c.describe();
    expect_matrix(c.json.transitions, identity(), "a map against a copy of itself");
}

TEST(DiffShandong, WholeMapAgainstItself) {
    const std::string path = shandong_units();
    ASSERT_TRUE(fs::exists(path)) << path << ": the fixture build_shandong_map failed or did not run";
    RunResult r = run_zone_diff({path, path, "--format", "json", "-q", "--exit-code"}, 120);
    ASSERT_EQ(r.status, 0) << r.describe();
    std::printf("note: zone-diff of the whole map against itself took %.2f s\n", r.seconds);
    EXPECT_LT(r.seconds, 10.0) << "diffing a Shandong-size map should take seconds";
    DiffJson j = parse_diff_json(r.out);
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    for (const auto& s : j.shape) ADD_FAILURE() << "report breaks zonekit(7) DIFF REPORT: " << s;
    Table t = read_table(path + "|layername=units");
    EXPECT_EQ(j.summary["unchanged"], static_cast<std::int64_t>(t.rows.size()));
    EXPECT_TRUE(j.changed().empty()) << j.describe();
    const SchemeInfo s = read_scheme(shandong_scheme());
    // Vertices as they are: for category totals the millimetres that
    // densifying moves each edge by do not count.
    const auto km2 = category_km2(unit_geoms(t, county_zones(s.boundary_source, s.code_field), 0));
    Matrix m{};
    for (int c = 1; c <= 3; ++c) m[c][c] = km2[c];
    expect_matrix(j.transitions, m, "the whole map against itself");
}

// ------------------------------------------------------------------ 2. known answers

// One unit cut in two along the meridian through its centroid: the western
// half keeps the code, the eastern half gets a new one.
TEST_F(Diff, UnitSplitInTwo) {
    std::size_t u = 0;
    GeosPtr west, east;
    for (std::set<std::size_t> tried;;) {
        u = pick(0, 2e6, 40e6, tried);
        tried.insert(u);
        GeosPtr c(GEOSGetCentroid_r(geos(), g(u)));
        double cx = 0;
        GEOSGeomGetX_r(geos(), c.get(), &cx);
        const UnitGeom& b = base_[u];
        GeosPtr half = to_geos(*lonlat_box(b.minx - 0.01, b.miny - 0.01, cx, b.maxy + 0.01));
        west = polygonal(intersection(g(u), half.get()).get());
        east = polygonal(difference(g(u), half.get()).get());
        const double w = gk_area(west.get(), epsg()), e = gk_area(east.get(), epsg());
        if (w > 0.1 * area(u) && e > 0.1 * area(u)) break;
    }
    const std::string new_code = unused_code(units(), base_[u].county, category(u));
    Table t = units();
    t.rows[u].geom = as_multipolygon(west.get());
    Row second = t.rows[u];
    second.geom = as_multipolygon(east.get());
    t.set(second, "HJZHGKDYBM", new_code);
    t.rows.push_back(second);
    const std::string path = write(t, "split.gpkg");

    Diffed d = diff(base_path_, path, {"-o", tmp_.file("changes.gpkg")});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"split", {code(u)}, {code(u), new_code}, area(u)}}, units(), t);
    EXPECT_EQ(d.json.summary["split"], 1);
    expect_matrix(d.json.transitions, identity(), "a unit split in two (no land changes category)");
    std::string error;
    const auto land = read_changes(tmp_.file("changes.gpkg"), epsg(), &error);
    ASSERT_TRUE(error.empty()) << error;
    expect_land(land, {{code(u), new_code, "split", category(u), category(u), gk_area(east.get(), epsg())}});

    // And back: the two halves merged into one.
    Diffed back = diff(path, base_path_);
    ASSERT_TRUE(back.usable);
    expect_changes(back.json, {{"merged", {code(u), new_code}, {code(u)}, area(u)}}, t, units());
}

// Two adjacent units of one category become one, under the first one's code.
TEST_F(Diff, TwoAdjacentUnitsMerged) {
    const auto pairs = adjacent(100, 1e5, 1e9, [&](std::size_t i, std::size_t j) {
        return i < j && category(i) == category(j);
    });
    ASSERT_FALSE(pairs.empty()) << "no two adjacent units of one category in these counties";
    const auto [u, v] = pairs.front();
    Table t = units();
    t.rows[u].geom = as_multipolygon(union2(g(u), g(v)).get());
    t.rows.erase(t.rows.begin() + static_cast<long>(v));
    const std::string path = write(t, "merged.gpkg");

    Diffed d = diff(base_path_, path, {"-o", tmp_.file("changes.gpkg")});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"merged", {code(u), code(v)}, {code(u)}, area(u) + area(v)}}, units(), t);
    expect_matrix(d.json.transitions, identity(), "two units of one category merged");
    std::string error;
    const auto land = read_changes(tmp_.file("changes.gpkg"), epsg(), &error);
    ASSERT_TRUE(error.empty()) << error;
    expect_land(land, {{code(v), code(u), "merged", category(u), category(u), area(v)}});
}

// A key-control unit becomes a priority unit (code digit and ZHGKDYFL): a
// recoded unit, and its land moves from 2 to 1 in the matrix.
TEST_F(Diff, CategoryFlipped) {
    const std::size_t u = pick(2, 1e6, 40e6);
    const std::string new_code = unused_code(units(), base_[u].county, 1);
    Table t = units();
    set_code(t, u, new_code);
    const std::string path = write(t, "flipped.gpkg");

    Diffed d = diff(base_path_, path, {"-o", tmp_.file("changes.gpkg")});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"recoded", {code(u)}, {new_code}, area(u)}}, units(), t);
    Matrix m = identity();
    m[2][2] -= area(u) / 1e6;
    m[2][1] = area(u) / 1e6;
    expect_matrix(d.json.transitions, m, "a category-2 unit flipped to 1");
    expect_matrix(d.json.transitions, expected(units(), t), "a category-2 unit flipped to 1 (overlay here)");
    std::string error;
    const auto land = read_changes(tmp_.file("changes.gpkg"), epsg(), &error);
    ASSERT_TRUE(error.empty()) << error;
    expect_land(land, {{code(u), new_code, "recoded", 2, 1, area(u)}});
}

// The border between two units of different categories moves: a square
// around a point of it goes from one to the other. Both are modified by the
// moved area, which is the matrix's off-diagonal cell.
TEST_F(Diff, BoundaryMovedByKnownArea) {
    const auto pairs = adjacent(500, 2e6, 1e9, [&](std::size_t i, std::size_t j) { return category(i) != category(j); });
    ASSERT_FALSE(pairs.empty()) << "no two adjacent units of different categories in these counties";
    std::size_t from = 0, to = 0;
    Table t;
    double moved_m2 = 0;
    for (const auto& [i, j] : pairs) {
        t = units();
        GeosPtr moved = move_boundary(t, i, j, 150);
        moved_m2 = gk_area(moved.get(), epsg());
        // Large enough to see, small enough (under 10 % of either unit) that
        // the two units are not linked to each other.
        if (moved_m2 > 10000 && moved_m2 < 0.05 * std::min(area(i), area(j))) {
            from = i, to = j;
            break;
        }
        moved_m2 = 0;
    }
    ASSERT_GT(moved_m2, 0) << "no border fits the test";
    const std::string path = write(t, "moved.gpkg");
    const int a = category(from), b = category(to);

    Diffed d = diff(base_path_, path, {"-o", tmp_.file("changes.gpkg")});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"modified", {code(from)}, {code(from)}, moved_m2}, {"modified", {code(to)}, {code(to)}, moved_m2}},
                   units(), t);
    Matrix m = identity();
    m[a][a] -= moved_m2 / 1e6;
    m[a][b] += moved_m2 / 1e6;
    expect_matrix(d.json.transitions, m, "a border moved by " + fmt_m2(moved_m2));
    EXPECT_TRUE(near_rel(d.json.transitions[a][b], moved_m2 / 1e6, kAbsKm2 / 100))
        << "cell " << a << "→" << b << " is " << d.json.transitions[a][b] << " km², the moved land "
        << fmt_m2(moved_m2);
    expect_matrix(d.json.transitions, expected(units(), t), "a border moved (overlay here)");
    std::string error;
    const auto land = read_changes(tmp_.file("changes.gpkg"), epsg(), &error);
    ASSERT_TRUE(error.empty()) << error;
    expect_land(land, {{code(from), code(to), "modified", a, b, moved_m2}});

    // Diffing back gives the transposed matrix.
    Diffed back = diff(path, base_path_);
    ASSERT_TRUE(back.usable);
    expect_matrix(back.json.transitions, transposed(d.json.transitions), "B→A against A→B transposed");
    expect_changes(back.json, {{"modified", {code(from)}, {code(from)}, moved_m2}, {"modified", {code(to)}, {code(to)}, moved_m2}},
                   t, units());

    // --match-share below the moved share links the two units: one complex change.
    const double share = moved_m2 / std::max(area(from), area(to) + moved_m2) / 2;
    Diffed linked = diff(base_path_, path, {"--match-share", std::to_string(share)});
    ASSERT_TRUE(linked.usable);
    expect_changes(linked.json, {{"complex", {code(from), code(to)}, {code(from), code(to)}, area(from) + area(to)}},
                   units(), t);
    expect_matrix(linked.json.transitions, d.json.transitions, "--match-share changes no area");
}

// A few square metres moved: modified by default, unchanged within --same-tolerance.
TEST_F(Diff, SameTolerance) {
    const auto pairs = adjacent(500, 2e6, 1e9, [&](std::size_t i, std::size_t j) { return category(i) != category(j); });
    ASSERT_FALSE(pairs.empty());
    const auto [from, to] = pairs.front();
    Table t = units();
    GeosPtr moved = move_boundary(t, from, to, 4);
    const double moved_m2 = gk_area(moved.get(), epsg());
    ASSERT_GT(moved_m2, 5.0);
    ASSERT_LT(moved_m2, 100.0);
    const std::string path = write(t, "nudged.gpkg");

    Diffed d = diff(base_path_, path);
    ASSERT_TRUE(d.usable);
    ASSERT_EQ(d.json.with_kind("modified").size(), 2u) << d.describe();
    for (const auto* c : d.json.with_kind("modified"))
        EXPECT_NEAR(c->area_m2, moved_m2, std::max(1.0, 0.01 * moved_m2)) << c->describe();

    Diffed tol = diff(base_path_, path, {"--same-tolerance", "1000", "--exit-code"});
    ASSERT_TRUE(tol.usable);
    EXPECT_TRUE(tol.json.changed().empty()) << tol.describe();
    EXPECT_EQ(tol.run.status, 0);
    // The matrix still has the land that moved.
    EXPECT_NEAR(tol.json.transitions[category(from)][category(to)], moved_m2 / 1e6, 2e-6) << tol.describe();
}

// A unit gets another serial; nothing else changes.
TEST_F(Diff, UnitRecoded) {
    const std::size_t u = pick(3, 1e5, 1e9);
    const std::string new_code = unused_code(units(), base_[u].county, 3);
    Table t = units();
    t.set(t.rows[u], "HJZHGKDYBM", new_code);
    const std::string path = write(t, "recoded.gpkg");
    Diffed d = diff(base_path_, path, {"-o", tmp_.file("changes.gpkg")});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"recoded", {code(u)}, {new_code}, area(u)}}, units(), t);
    expect_matrix(d.json.transitions, identity(), "a unit recoded");
    std::string error;
    const auto land = read_changes(tmp_.file("changes.gpkg"), epsg(), &error);
    ASSERT_TRUE(error.empty()) << error;
    expect_land(land, {{code(u), new_code, "recoded", 3, 3, area(u)}});
}

// A unit that gets another code and another shape (land of a neighbour
// added) is a 1 → 1 change that is neither recoded nor modified: complex.
TEST_F(Diff, RecodedAndReshapedIsComplex) {
    const auto pairs = adjacent(500, 2e6, 1e9, [&](std::size_t i, std::size_t j) { return category(i) != category(j); });
    ASSERT_FALSE(pairs.empty());
    const auto [from, to] = pairs.front();
    Table t = units();
    GeosPtr moved = move_boundary(t, from, to, 150);
    const double moved_m2 = gk_area(moved.get(), epsg());
    ASSERT_LT(moved_m2, 0.05 * std::min(area(from), area(to)));
    const std::string new_code = unused_code(units(), base_[to].county, category(to));
    t.set(t.rows[to], "HJZHGKDYBM", new_code);
    const std::string path = write(t, "recoded-reshaped.gpkg");
    Diffed d = diff(base_path_, path);
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"complex", {code(to)}, {new_code}, area(to)}, {"modified", {code(from)}, {code(from)}, moved_m2}},
                   units(), t);
    expect_matrix(d.json.transitions, expected(units(), t), "recoded and reshaped");
}

// A unit left out is removed (its land goes to 0); diffed back, it is added.
TEST_F(Diff, UnitRemovedAndAdded) {
    const std::size_t u = pick(2, 1e5, 1e9);
    Table t = units();
    t.rows.erase(t.rows.begin() + static_cast<long>(u));
    const std::string path = write(t, "removed.gpkg");
    Diffed d = diff(base_path_, path, {"-o", tmp_.file("changes.gpkg")});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"removed", {code(u)}, {}, area(u)}}, units(), t);
    Matrix m = identity();
    m[2][2] -= area(u) / 1e6;
    m[2][0] = area(u) / 1e6;
    expect_matrix(d.json.transitions, m, "a unit removed");
    std::string error;
    const auto land = read_changes(tmp_.file("changes.gpkg"), epsg(), &error);
    ASSERT_TRUE(error.empty()) << error;
    expect_land(land, {{code(u), "", "removed", 2, 0, area(u)}});

    Diffed back = diff(path, base_path_);
    ASSERT_TRUE(back.usable);
    expect_changes(back.json, {{"added", {}, {code(u)}, area(u)}}, t, units());
    expect_matrix(back.json.transitions, transposed(m), "a unit added");
}

// Attributes: the name or an access-list text changes → modified with area 0;
// MJ is not compared (it follows the geometry).
TEST_F(Diff, AttributesOnly) {
    const std::size_t u = pick(1, 1e5, 1e9), v = pick(3, 1e5, 1e9), w = pick(2, 1e5, 1e9);
    Table t = units();
    t.set(t.rows[u], "HJZHGKDYMC", get(u, "HJZHGKDYMC") + "（调整）");
    t.set(t.rows[v], "KJBJYS", "禁止新建化工园区。");
    t.set(t.rows[w], "MJ", "123.456");
    const std::string path = write(t, "renamed.gpkg");
    Diffed d = diff(base_path_, path, {"--exit-code"});
    ASSERT_TRUE(d.usable);
    expect_changes(d.json, {{"modified", {code(u)}, {code(u)}, 0}, {"modified", {code(v)}, {code(v)}, 0}}, units(), t);
    expect_matrix(d.json.transitions, identity(), "attributes only");
    EXPECT_EQ(d.run.status, 1);

    Table mj = units();
    mj.set(mj.rows[w], "MJ", "123.456");
    Diffed only_mj = diff(base_path_, write(mj, "mj.gpkg"), {"--exit-code"});
    ASSERT_TRUE(only_mj.usable);
    EXPECT_EQ(only_mj.run.status, 0) << "a different MJ alone is not a change\n" << only_mj.describe();
}

// A unit whose geometry is a line has no land to compare: the diff stops
// naming the feature (the map is zone-check's to describe in full), and
// writes nothing.
TEST_F(Diff, AUnitThatIsNoPolygonStopsTheDiffNamingIt) {
    const std::size_t u = pick(3, 1e5, 1e9);
    Table t = units();
    const OGRPolygon* first = t.rows[u].geom->toMultiPolygon()->getGeometryRef(0);
    t.rows[u].geom = std::make_unique<OGRLineString>(*first->getExteriorRing());
    t.geom_type = wkbUnknown;  // a GeoPackage keeps a line only in a layer of any geometry type
    const std::string path = write(t, "line.gpkg");
    const std::string report = tmp_.file("line-report.json");
    RunResult r = run_zone_diff({base_path_, path, "--format", "json", "--report", report}, 60);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, path)) << r.describe();
    EXPECT_TRUE(contains(r.err, "feature " + std::to_string(t.rows[u].fid))) << r.describe();
    EXPECT_TRUE(contains(r.err, "Line String; polygons are expected")) << r.describe();
    EXPECT_FALSE(fs::exists(report)) << r.describe();
}

// Several changes at once, in different counties: each is found, the
// matrix is the sum, and A→B and B→A are transposed.
TEST_F(Diff, SeveralChangesAndTransposition) {
    const std::size_t flip = pick(2, 1e6, 40e6);
    std::size_t rec = 0;
    for (std::size_t i = 0; i < base_.size(); ++i)
        if (category(i) == 3 && base_[i].county != base_[flip].county && area(i) > 1e5) rec = i;
    ASSERT_NE(base_[rec].county, base_[flip].county);
    const auto pairs = adjacent(500, 2e6, 1e9, [&](std::size_t i, std::size_t j) {
        return category(i) != category(j) && i != flip && j != flip && i != rec && j != rec &&
               base_[i].county != base_[flip].county && base_[i].county != base_[rec].county;
    });
    ASSERT_FALSE(pairs.empty());
    const auto [from, to] = pairs.front();
    Table t = units();
    const std::string flip_code = unused_code(units(), base_[flip].county, 1);
    const std::string rec_code = unused_code(units(), base_[rec].county, 3);
    set_code(t, flip, flip_code);
    t.set(t.rows[rec], "HJZHGKDYBM", rec_code);
    GeosPtr moved = move_boundary(t, from, to, 120);
    const double moved_m2 = gk_area(moved.get(), epsg());
    const std::string path = write(t, "several.gpkg");

    Diffed ab = diff(base_path_, path);
    Diffed ba = diff(path, base_path_);
    ASSERT_TRUE(ab.usable && ba.usable);
    const Matrix exp = expected(units(), t);
    expect_matrix(ab.json.transitions, exp, "A→B");
    expect_matrix(ba.json.transitions, expected(t, units()), "B→A");
    expect_matrix(ba.json.transitions, transposed(ab.json.transitions), "B→A against A→B transposed");
    EXPECT_EQ(ab.json.summary["recoded"], 2) << ab.describe();
    EXPECT_EQ(ab.json.summary["modified"], 2) << ab.describe();
    EXPECT_EQ(ba.json.summary["recoded"], 2) << ba.describe();
    EXPECT_EQ(ba.json.summary["modified"], 2) << ba.describe();
    const DiffChangeJson* c = ab.json.involving(code(from));
    ASSERT_TRUE(c);
    expect_area(c->area_m2, moved_m2, "the moved border");
}

// The change polygons open in QGIS categorised by the kind of the change
// (zonekit(7) STYLES): every kind in the layer has a category of its own.
TEST_F(Diff, ChangedLandCarriesAQgisStyle) {
    const std::size_t u = pick(2, 1e6, 40e6);
    const std::size_t r = pick(3, 1e5, 1e9, {u});
    Table t = units();
    set_code(t, u, unused_code(units(), base_[u].county, 1));
    t.set(t.rows[r], "HJZHGKDYBM", unused_code(units(), base_[r].county, 3));
    const std::string path = write(t, "styled.gpkg");
    const std::string changes = tmp_.file("styled-changes.gpkg");
    Diffed d = diff(base_path_, path, {"-o", changes});
    ASSERT_TRUE(d.usable);
    std::string error;
    const auto styles = read_layer_styles(changes, &error);
    ASSERT_TRUE(error.empty()) << error;
    const StoredStyle* s = default_style_of(styles, "changes");
    ASSERT_NE(s, nullptr) << "no default style for the layer changes in layer_styles";
    EXPECT_EQ(s->geometry_column, geometry_column_of(changes, "changes"));
    const QmlStyle q = parse_qml(s->qml);
    ASSERT_TRUE(q.parse_error.empty()) << q.parse_error;
    EXPECT_EQ(q.renderer_type, "categorizedSymbol");
    EXPECT_EQ(q.attr, "kind");
    std::set<std::string> colours;
    for (const auto& kind : diff_kinds()) {
        ASSERT_TRUE(q.symbol_type.count(kind)) << "no category for kind " << kind;
        EXPECT_EQ(q.symbol_type.at(kind), "fill");
        colours.insert(q.colour.at(kind));
    }
    EXPECT_EQ(colours.size(), diff_kinds().size()) << "two kinds share a colour";
    std::string read_error;
    const auto land = read_changes(changes, epsg(), &read_error);
    ASSERT_TRUE(read_error.empty()) << read_error;
    ASSERT_FALSE(land.empty());
    for (const auto& piece : land) EXPECT_TRUE(q.symbol_type.count(piece.kind)) << piece.kind;
}

// --threads spreads the work over cores and changes nothing else: a diff with
// a recode and a moved border (faces to measure, changed land to dissolve)
// gives the same JSON, byte for byte, and the same change polygons with one
// thread and with two.
TEST_F(Diff, SameReportForAnyThreadCount) {
    const std::size_t u = pick(2, 1e6, 40e6);
    const auto pairs = adjacent(500, 2e6, 1e9, [&](std::size_t i, std::size_t j) {
        return category(i) != category(j) && i != u && j != u;
    });
    ASSERT_FALSE(pairs.empty());
    const auto [from, to] = pairs.front();
    Table t = units();
    set_code(t, u, unused_code(units(), base_[u].county, 1));
    move_boundary(t, from, to, 120);
    const std::string path = write(t, "threads.gpkg");

    Diffed one = diff(base_path_, path, {"--threads", "1", "-o", tmp_.file("changes1.gpkg")});
    Diffed two = diff(base_path_, path, {"--threads", "2", "-o", tmp_.file("changes2.gpkg")});
    ASSERT_TRUE(one.usable && two.usable);
    EXPECT_GE(one.json.changed().size(), 3u) << one.describe();
    EXPECT_EQ(one.run.out, two.run.out) << "the JSON differs between --threads 1 and --threads 2";
    std::string e1, e2;
    const auto land1 = read_changes(tmp_.file("changes1.gpkg"), epsg(), &e1);
    const auto land2 = read_changes(tmp_.file("changes2.gpkg"), epsg(), &e2);
    ASSERT_TRUE(e1.empty() && e2.empty()) << e1 << e2;
    ASSERT_EQ(land1.size(), land2.size());
    ASSERT_FALSE(land1.empty());
    for (std::size_t i = 0; i < land1.size(); ++i) {
        EXPECT_EQ(land1[i].old_code, land2[i].old_code) << i;
        EXPECT_EQ(land1[i].new_code, land2[i].new_code) << i;
        EXPECT_EQ(land1[i].kind, land2[i].kind) << i;
        EXPECT_EQ(land1[i].area_m2, land2[i].area_m2) << i;
        EXPECT_EQ(land1[i].gk_m2, land2[i].gk_m2) << "the geometry of change " << i << " differs";
    }
}

// ------------------------------------------------------------------ 3. a county rebuilt

// The five counties built by zone-build from a scheme with only their
// boundaries; then one county rebuilt with --only after one of its parks was
// taken out of the factors. Only that county's units change, and the matrix
// is the overlay of the two versions.
TEST_F(Diff, CountyRebuiltWithOnly) {
    const std::string county = "370103";
    const std::string scheme1 = tmp_.file("scheme.toml");
    write_scheme_variant(shandong_scheme(), scheme1, {sub_->boundary + "|layername=counties", {}, {}});
    RunResult b1 = run_zone_build({scheme1, "-o", tmp_.file("v1.gpkg"), "-q"});
    ASSERT_EQ(b1.status, 0) << b1.describe();
    const Table v1 = read_table(tmp_.file("v1.gpkg") + "|layername=units");

    // The park of the county that makes a unit of its own.
    const SchemeInfo s = read_scheme(shandong_scheme());
    const FactorInfo* parks = nullptr;
    for (const auto& f : s.factors)
        if (f.id == "park") parks = &f;
    ASSERT_TRUE(parks) << "the scheme has no factor 'park'";
    const Table park_table = read_table(parks->source);
    std::string park_id, park_unit;
    for (const auto& r : park_table.rows) {
        if (park_table.get(r, "adcode") != county) continue;
        for (const auto& u : v1.rows)
            if (v1.get(u, "XZQDM") == county && contains(v1.get(u, "HJZHGKDYMC"), park_table.get(r, "name")))
                park_id = park_table.get(r, "id"), park_unit = v1.get(u, "HJZHGKDYBM");
    }
    ASSERT_FALSE(park_id.empty()) << "no park of " << county << " makes a unit";
    const std::string parks_copy = tmp_.file("parks.gpkg");
    copy_layer(parks->source, parks_copy, "GPKG", "parks",
               [&](OGRFeature& f) { return std::string(f.GetFieldAsString("id")) != park_id; });
    const std::string scheme2 = tmp_.file("scheme-nopark.toml");
    write_scheme_variant(shandong_scheme(), scheme2,
                         {sub_->boundary + "|layername=counties", {{"park", parks_copy + "|layername=parks"}}, {}});
    RunResult b2 = run_zone_build({scheme2, "-o", tmp_.file("v2.gpkg"), "--previous", tmp_.file("v1.gpkg"), "--only",
                                   county, "-q"});
    ASSERT_EQ(b2.status, 0) << b2.describe();
    const Table v2 = read_table(tmp_.file("v2.gpkg") + "|layername=units");

    Diffed d = diff(tmp_.file("v1.gpkg"), tmp_.file("v2.gpkg"), {"--exit-code"});
    ASSERT_TRUE(d.usable);
    EXPECT_EQ(d.run.status, 1);
    ASSERT_FALSE(d.json.changed().empty()) << d.describe();
    const DiffChangeJson* park_change = d.json.involving(park_unit);
    ASSERT_TRUE(park_change) << park_unit << " is in no change";
    EXPECT_NE(park_change->kind, "unchanged") << "the unit of the park taken out: " << park_change->describe();
    for (const auto* c : d.json.changed()) {
        for (const auto& code : c->old_codes) EXPECT_EQ(code.substr(2, 6), county) << c->describe();
        for (const auto& code : c->new_codes) EXPECT_EQ(code.substr(2, 6), county) << c->describe();
    }
    std::int64_t others = 0;
    for (const auto& r : v1.rows) others += v1.get(r, "XZQDM") != county;
    std::int64_t others_unchanged = 0;
    for (const auto* c : d.json.with_kind("unchanged")) others_unchanged += c->old_codes.at(0).substr(2, 6) != county;
    EXPECT_EQ(others_unchanged, others) << "every unit of the other counties is unchanged";
    // The park's land stays key control (air, water and soil sub-zones
    // claim it), so the matrix is nearly diagonal: it must be the overlay's.
    expect_matrix(d.json.transitions, expected(v1, v2), "a county rebuilt without one park");
}

// ------------------------------------------------------------------ 4. policy guards

// A priority unit of one county becomes key control: category-1 land shrinks
// in that county and in total.
TEST_F(Diff, ForbidDecreaseFiresPerCountyAndInTotal) {
    const std::size_t u = pick(1, 1e5, 1e9);
    const std::string county = base_[u].county;
    double county_km2 = 0, total_km2 = 0;
    for (std::size_t i = 0; i < base_.size(); ++i)
        if (category(i) == 1) {
            total_km2 += area(i) / 1e6;
            if (base_[i].county == county) county_km2 += area(i) / 1e6;
        }
    Table t = units();
    set_code(t, u, unused_code(units(), county, 2));
    const std::string path = write(t, "less-priority.gpkg");

    Diffed silent = diff(base_path_, path);
    ASSERT_TRUE(silent.usable);
    EXPECT_EQ(silent.run.status, 0) << "no guard asked for\n" << silent.describe();
    EXPECT_TRUE(silent.json.violations.empty());

    Diffed d = diff(base_path_, path, {"--forbid-decrease", "1"});
    ASSERT_TRUE(d.usable);
    EXPECT_EQ(d.run.status, 1) << d.describe();
    const auto v = d.json.with_rule("forbid_decrease");
    ASSERT_EQ(v.size(), 2u) << "one violation for the county, one for the total\n" << d.describe();
    const DiffViolationJson *per_county = nullptr, *total = nullptr;
    for (const auto* x : v) (x->county ? per_county : total) = x;
    ASSERT_TRUE(per_county && total) << d.describe();
    EXPECT_EQ(*per_county->county, county);
    for (const auto* x : {per_county, total}) {
        EXPECT_EQ(x->category, 1) << x->describe();
        EXPECT_FALSE(x->message.empty());
        ASSERT_TRUE(x->old_km2 && x->new_km2) << x->describe();
    }
    EXPECT_TRUE(near_rel(*per_county->old_km2, county_km2, 1e-6)) << per_county->describe() << " vs " << county_km2;
    EXPECT_TRUE(near_rel(*per_county->new_km2, county_km2 - area(u) / 1e6, 1e-6)) << per_county->describe();
    EXPECT_TRUE(near_rel(*total->old_km2, total_km2, 1e-6)) << total->describe() << " vs " << total_km2;
    EXPECT_TRUE(near_rel(*total->new_km2, total_km2 - area(u) / 1e6, 1e-6)) << total->describe();

    // The guard on category 2 stays silent: key control grew.
    Diffed two = diff(base_path_, path, {"--forbid-decrease", "2"});
    ASSERT_TRUE(two.usable);
    EXPECT_EQ(two.run.status, 0) << two.describe();
    // Both: only the category-1 violations.
    Diffed both = diff(base_path_, path, {"--forbid-decrease", "1", "--forbid-decrease", "2"});
    ASSERT_TRUE(both.usable);
    EXPECT_EQ(both.json.violations.size(), 2u) << both.describe();
    for (const auto& x : both.json.violations) EXPECT_EQ(x.category, 1) << x.describe();
}

// Priority land shrinks in one county and grows more in another: a
// violation for that county only, not for the total.
TEST_F(Diff, ForbidDecreaseIsPerCounty) {
    const std::size_t u = pick(1, 1e5, 5e6);
    std::size_t w = base_.size();
    for (std::size_t i = 0; i < base_.size(); ++i)
        if (category(i) == 2 && base_[i].county != base_[u].county && area(i) > 2 * area(u)) w = i;
    ASSERT_LT(w, base_.size()) << "no larger key unit in another county";
    Table t = units();
    set_code(t, u, unused_code(units(), base_[u].county, 2));
    set_code(t, w, unused_code(units(), base_[w].county, 1));
    Diffed d = diff(base_path_, write(t, "shifted-priority.gpkg"), {"--forbid-decrease", "1"});
    ASSERT_TRUE(d.usable);
    EXPECT_EQ(d.run.status, 1);
    ASSERT_EQ(d.json.violations.size(), 1u) << d.describe();
    EXPECT_EQ(d.json.violations[0].county, base_[u].county) << d.describe();

    // More priority land everywhere: silent.
    Table more = units();
    set_code(more, w, unused_code(units(), base_[w].county, 1));
    Diffed ok = diff(base_path_, write(more, "more-priority.gpkg"), {"--forbid-decrease", "1"});
    ASSERT_TRUE(ok.usable);
    EXPECT_EQ(ok.run.status, 0) << ok.describe();
    EXPECT_TRUE(ok.json.violations.empty()) << ok.describe();
}

// Red-line land moves from a priority unit to a neighbouring key or general
// unit: the red-line guard fires with the area of red line that moved.
TEST_F(Diff, RedlineGuard) {
    GeosPtr red = redline();
    const auto pairs = adjacent(500, 1e6, 1e10, [&](std::size_t i, std::size_t j) {
        return category(i) == 1 && category(j) != 1;
    });
    ASSERT_FALSE(pairs.empty());
    std::size_t from = 0, to = 0;
    Table t;
    GeosPtr moved_land;
    double red_m2 = 0;
    for (const auto& [i, j] : pairs) {
        for (double fraction : {0.5, 0.25, 0.75}) {
            Table tt = units();
            GeosPtr moved = move_boundary(tt, i, j, 150, fraction);
            const double r = gk_area(intersection(moved.get(), red.get()).get(), epsg());
            if (r > 5000) {
                from = i, to = j, red_m2 = r, t = std::move(tt), moved_land = std::move(moved);
                break;
            }
        }
        if (red_m2 > 0) break;
    }
    ASSERT_GT(red_m2, 0) << "no priority unit with red line along a border with key or general land";
    const std::string path = write(t, "redline-out.gpkg");

    Diffed d = diff(base_path_, path, {"--redline", sub_->redline_source});
    ASSERT_TRUE(d.usable);
    EXPECT_EQ(d.run.status, 1) << d.describe();
    const auto v = d.json.with_rule("redline");
    ASSERT_FALSE(v.empty()) << d.describe();
    double got = 0;
    for (const auto* x : v) {
        ASSERT_TRUE(x->area_m2) << x->describe();
        got += *x->area_m2;
        EXPECT_FALSE(x->message.empty());
    }
    expect_area(got, red_m2, "red line that left priority units");
    bool names_unit = false;
    for (const auto* x : v) names_unit |= std::count(x->codes.begin(), x->codes.end(), code(to)) > 0;
    EXPECT_TRUE(names_unit) << "no violation names " << code(to) << ", where the red line lies now\n" << d.describe();
    EXPECT_TRUE(d.json.with_rule("forbid_decrease").empty()) << "--forbid-decrease not asked for";

    // No guard: exit 0. The way back (red line into the priority unit): silent.
    Diffed none = diff(base_path_, path);
    ASSERT_TRUE(none.usable);
    EXPECT_EQ(none.run.status, 0);
    Diffed back = diff(path, base_path_, {"--redline", sub_->redline_source});
    ASSERT_TRUE(back.usable);
    EXPECT_EQ(back.run.status, 0) << back.describe();
    EXPECT_TRUE(back.json.violations.empty()) << back.describe();

    // The same land cut out of the priority unit and left in no unit: the
    // red line is outside priority units all the same.
    Table holed = units();
    holed.rows[from].geom = as_multipolygon(difference(g(from), moved_land.get()).get());
    Diffed h = diff(base_path_, write(holed, "redline-hole.gpkg"), {"--redline", sub_->redline_source});
    ASSERT_TRUE(h.usable);
    EXPECT_EQ(h.run.status, 1) << h.describe();
    double in_no_unit = 0;
    for (const auto* x : h.json.with_rule("redline")) {
        ASSERT_TRUE(x->area_m2) << x->describe();
        in_no_unit += *x->area_m2;
        EXPECT_TRUE(x->codes.empty()) << "the red line lies in no unit now: " << x->describe();
    }
    expect_area(in_no_unit, red_m2, "red line that left priority units for no unit");
    Matrix m = identity();
    m[1][1] -= gk_area(moved_land.get(), epsg()) / 1e6;
    m[1][0] = gk_area(moved_land.get(), epsg()) / 1e6;
    expect_matrix(h.json.transitions, m, "priority land cut out");
}

// The same map as a Shapefile in GBK, and in Gauss-Krüger coordinates: the
// same units and the same matrix.
TEST_F(Diff, SameMapInAnotherFormatAndCrs) {
    const std::string shp = tmp_.file("units.shp");
    write_table(units(), shp, "ESRI Shapefile", {"ENCODING=CP936"});
    Diffed s = diff(base_path_, shp, {"--exit-code"});
    ASSERT_TRUE(s.usable);
    EXPECT_EQ(s.run.status, 0) << s.describe();
    expect_changes(s.json, {}, units(), units());
    expect_matrix(s.json.transitions, identity(), "a GBK Shapefile copy");

    // EPSG:4548 (CM 117°E): the vertices reprojected; the edges are straight
    // in Gauss-Krüger now, which moves them by millimetres, so shapes are the
    // same only within a tolerance of some square metres, and the thin
    // slivers between the two versions of every border add up to some
    // hundred square metres off the diagonal.
    // One county, to keep it quick.
    Table one = units();
    one.rows.clear();
    for (const auto& r : units().rows)
        if (units().get(r, "XZQDM") == "370102") one.rows.push_back(r);
    const std::string one_path = write(one, "one.gpkg");
    Matrix m{};
    const auto km2 = category_km2(unit_geoms(one, zones_));
    for (int c = 1; c <= 3; ++c) m[c][c] = km2[c];
    Table gk = one;
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    gk.srs.reset(srs.Clone());
    for (auto& r : gk.rows) r.geom = to_gk(*r.geom, epsg());
    const std::string gk_path = write(gk, "one-gk.gpkg");
    for (const bool gk_old : {false, true}) {
        SCOPED_TRACE(gk_old ? "OLD in Gauss-Krüger" : "NEW in Gauss-Krüger");
        Diffed g = gk_old ? diff(gk_path, one_path, {"--same-tolerance", "1000"})
                          : diff(one_path, gk_path, {"--same-tolerance", "1000"});
        ASSERT_TRUE(g.usable);
        EXPECT_EQ(g.json.summary["unchanged"], static_cast<std::int64_t>(one.rows.size())) << g.describe();
        EXPECT_TRUE(g.json.changed().empty()) << g.describe();
        expect_matrix(g.json.transitions, m, "a county against itself in Gauss-Krüger coordinates", 1e-3);
    }
}

// Priority land without red line leaves a priority unit: the red-line guard
// is silent, the category-1 guard fires.
TEST_F(Diff, RedlineGuardCountsOnlyRedline) {
    GeosPtr red = redline();
    const auto pairs = adjacent(500, 1e6, 1e10, [&](std::size_t i, std::size_t j) {
        return category(i) == 1 && category(j) != 1;
    });
    std::size_t from = base_.size();
    Table t;
    double moved_m2 = 0;
    for (const auto& [i, j] : pairs) {
        for (double fraction : {0.5, 0.25, 0.75}) {
            Table tt = units();
            GeosPtr moved = move_boundary(tt, i, j, 150, fraction);
            const double r = gk_area(intersection(moved.get(), red.get()).get(), epsg());
            const double m = gk_area(moved.get(), epsg());
            // No red line within 200 m of the moved land.
            GeosPtr grown(GEOSBuffer_r(geos(), moved.get(), metres_to_dlat(200), 8));
            if (r == 0 && m > 5000 && !geos_intersects(grown.get(), red.get())) {
                from = i, moved_m2 = m, t = std::move(tt);
                break;
            }
        }
        if (moved_m2 > 0) break;
    }
    ASSERT_LT(from, base_.size()) << "no priority unit without red line along a border with key or general land";
    const std::string path = write(t, "priority-out.gpkg");
    Diffed d = diff(base_path_, path, {"--redline", sub_->redline_source});
    ASSERT_TRUE(d.usable);
    EXPECT_EQ(d.run.status, 0) << d.describe();
    EXPECT_TRUE(d.json.violations.empty()) << d.describe();
    Diffed f = diff(base_path_, path, {"--redline", sub_->redline_source, "--forbid-decrease", "1"});
    ASSERT_TRUE(f.usable);
    EXPECT_EQ(f.run.status, 1) << f.describe();
    EXPECT_TRUE(f.json.with_rule("redline").empty()) << f.describe();
    ASSERT_FALSE(f.json.with_rule("forbid_decrease").empty()) << f.describe();
    for (const auto* x : f.json.with_rule("forbid_decrease"))
        if (x->old_km2 && x->new_km2) {
            EXPECT_TRUE(near_rel(*x->old_km2 - *x->new_km2, moved_m2 / 1e6, kAbsKm2 / 100)) << x->describe();
        }
}

// ------------------------------------------------------------------ 5. formats, outputs, exit codes

TEST_F(Diff, TextCsvAndReportFile) {
    const std::size_t u = pick(2, 1e6, 40e6);
    const std::size_t r = pick(3, 1e5, 1e9);
    const std::string flip_code = unused_code(units(), base_[u].county, 1);
    const std::string rec_code = unused_code(units(), base_[r].county, 3);
    Table t = units();
    set_code(t, u, flip_code);
    t.set(t.rows[r], "HJZHGKDYBM", rec_code);
    const std::string path = write(t, "two.gpkg");
    Diffed j = diff(base_path_, path);
    ASSERT_TRUE(j.usable);
    EXPECT_TRUE(j.run.err.empty()) << "-q, yet stderr holds: " << j.run.err;

    // Text: names the kinds and codes of what changed.
    RunResult text = run_zone_diff({base_path_, path, "-q"}, 60);
    ASSERT_EQ(text.status, 0) << text.describe();
    EXPECT_TRUE(is_valid_utf8(text.out));
    EXPECT_TRUE(contains(text.out, "recoded")) << text.out;
    for (const std::string& c : {code(u), flip_code, code(r), rec_code})
        EXPECT_TRUE(contains(text.out, c)) << "the text report does not name " << c << "\n" << text.out;
    EXPECT_LT(text.out.size(), j.run.out.size()) << "the text report should not list every unchanged unit at length";

    // CSV: a header and one row per change, kinds as in the JSON.
    RunResult csv = run_zone_diff({base_path_, path, "--format", "csv", "-q"}, 60);
    ASSERT_EQ(csv.status, 0) << csv.describe();
    std::vector<std::string> lines;
    {
        std::istringstream in(csv.out);
        for (std::string line; std::getline(in, line);)
            if (!line.empty() && line != "\r") lines.push_back(line);
    }
    ASSERT_FALSE(lines.empty());
    std::string header_line = lines[0];
    if (header_line.rfind("\xEF\xBB\xBF", 0) == 0) header_line = header_line.substr(3);  // a BOM is fine
    const auto header = csv_fields(header_line);
    const auto kind_col = std::find(header.begin(), header.end(), "kind") - header.begin();
    ASSERT_LT(kind_col, static_cast<long>(header.size())) << "no column 'kind' in the header: " << lines[0];
    EXPECT_EQ(lines.size() - 1, j.json.changes.size()) << "one row per change";
    std::multiset<std::string> csv_kinds, json_kinds;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const auto f = csv_fields(lines[i]);
        EXPECT_EQ(f.size(), header.size()) << "row " << i << ": " << lines[i];
        if (static_cast<long>(f.size()) > kind_col) csv_kinds.insert(f[kind_col]);
    }
    for (const auto& c : j.json.changes) json_kinds.insert(c.kind);
    EXPECT_EQ(csv_kinds, json_kinds);
    for (const std::string& c : {code(u), flip_code, code(r), rec_code}) EXPECT_TRUE(contains(csv.out, c)) << c;

    // --report FILE: the same bytes, nothing on stdout.
    for (const std::string fmt : {"json", "csv", "text"}) {
        const std::string file = tmp_.file("report." + fmt);
        RunResult to_file = run_zone_diff({base_path_, path, "--format", fmt, "-q", "--report", file}, 60);
        RunResult to_out = run_zone_diff({base_path_, path, "--format", fmt, "-q"}, 60);
        ASSERT_EQ(to_file.status, 0) << to_file.describe();
        EXPECT_TRUE(to_file.out.empty()) << "with --report, stdout holds: " << to_file.out.substr(0, 200);
        ASSERT_TRUE(fs::exists(file)) << fmt;
        EXPECT_EQ(read_file(file), to_out.out) << fmt;
        // Not replaced without --overwrite.
        RunResult again = run_zone_diff({base_path_, path, "--format", fmt, "-q", "--report", file}, 60);
        EXPECT_EQ(again.status, 2) << again.describe();
        EXPECT_TRUE(contains(again.err, file)) << again.describe();
    }

    // The report does not depend on the number of threads.
    Diffed one = diff(base_path_, path, {"--threads", "1"});
    Diffed two = diff(base_path_, path, {"--threads", "2"});
    EXPECT_EQ(one.run.out, two.run.out);
    EXPECT_EQ(one.run.out, j.run.out);
}

TEST_F(Diff, ExitCodeOption) {
    const std::size_t u = pick(3, 1e5, 1e9);
    Table t = units();
    t.set(t.rows[u], "HJZHGKDYBM", unused_code(units(), base_[u].county, 3));
    const std::string path = write(t, "recoded.gpkg");
    EXPECT_EQ(diff(base_path_, path).run.status, 0);
    EXPECT_EQ(diff(base_path_, path, {"--exit-code"}).run.status, 1);
    EXPECT_EQ(diff(base_path_, base_path_, {"--exit-code"}).run.status, 0);
    // --exit-code with text output too.
    RunResult r = run_zone_diff({base_path_, path, "--exit-code", "-q"}, 60);
    EXPECT_EQ(r.status, 1) << r.describe();
}

TEST_F(Diff, BadInputExitsTwoAndWritesNothing) {
    const std::string report = tmp_.file("report.json"), changes = tmp_.file("changes.gpkg");
    auto no_outputs = [&](const RunResult& r) {
        EXPECT_FALSE(fs::exists(report)) << "a report was written\n" << r.describe();
        EXPECT_FALSE(fs::exists(changes)) << "change polygons were written\n" << r.describe();
        for (const auto& e : dir_entries(tmp_.path()))
            EXPECT_TRUE(e == "a.gpkg" || e == "counties.gpkg" || e == "redline.gpkg") << "left behind: " << e;
    };
    const std::string missing = tmp_.file("no-such-map.gpkg");
    for (const auto& args : std::vector<std::vector<std::string>>{{missing, base_path_}, {base_path_, missing}}) {
        RunResult r = run_zone_diff({args[0], args[1], "--format", "json", "--report", report, "-o", changes}, 60);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, missing)) << "the message does not name the file\n" << r.describe();
        EXPECT_TRUE(r.out.empty()) << r.describe();
        no_outputs(r);
    }
    // A layer that is no unit map (the county boundaries).
    RunResult r = run_zone_diff({base_path_, sub_->boundary, "--report", report, "-o", changes}, 60);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, sub_->boundary)) << r.describe();
    no_outputs(r);
    // A red line that cannot be read.
    RunResult red = run_zone_diff({base_path_, base_path_, "--redline", missing, "--report", report, "-o", changes}, 60);
    EXPECT_EQ(red.status, 2) << red.describe();
    EXPECT_TRUE(contains(red.err, missing)) << red.describe();
    no_outputs(red);
    // Bad options.
    for (const auto& bad : std::vector<std::vector<std::string>>{{"--format", "xml"},
                                                                 {"--forbid-decrease", "4"},
                                                                 {"--match-share", "2"},
                                                                 {"--no-such-option"}}) {
        std::vector<std::string> a{base_path_, base_path_};
        a.insert(a.end(), bad.begin(), bad.end());
        RunResult b = run_zone_diff(a, 60);
        EXPECT_EQ(b.status, 2) << b.describe();
    }
    // One map only.
    EXPECT_EQ(run_zone_diff({base_path_}, 60).status, 2);
    // An output that exists is not replaced without --overwrite; an input never.
    write_file(changes, "keep me");
    RunResult exists = run_zone_diff({base_path_, base_path_, "-o", changes, "-q"}, 60);
    EXPECT_EQ(exists.status, 2) << exists.describe();
    EXPECT_EQ(read_file(changes), "keep me");
    RunResult over = run_zone_diff({base_path_, base_path_, "-o", changes, "--overwrite", "-q"}, 60);
    EXPECT_EQ(over.status, 0) << over.describe();
    const std::string before = read_file(base_path_);
    RunResult onto_input = run_zone_diff({base_path_, base_path_, "--report", base_path_, "--overwrite", "-q"}, 60);
    EXPECT_EQ(onto_input.status, 2) << onto_input.describe();
    EXPECT_EQ(read_file(base_path_), before) << "the input was replaced";
}

// ------------------------------------------------------------------ 6. the pipeline scripts

// The scripts run on the five counties: a scheme with only their
// boundaries, so that each step takes a fraction of a second.
class Pipeline : public Diff {
protected:
    void SetUp() override {
        Diff::SetUp();
        if (HasFatalFailure()) return;
        scheme_ = tmp_.file("scheme.toml");
        write_scheme_variant(shandong_scheme(), scheme_, {sub_->boundary + "|layername=counties", {}, {}});
        previous_ = tmp_.file("v1.gpkg");
        RunResult b = run_zone_build({scheme_, "-o", previous_, "-q"});
        ASSERT_EQ(b.status, 0) << b.describe();
        setenv("ZONEKIT_BIN", tools_dir().c_str(), 1);
    }

    RunResult script(const std::string& name, const std::vector<std::string>& args) {
        std::vector<std::string> argv{source_dir() + "/scripts/" + name};
        argv.insert(argv.end(), args.begin(), args.end());
        return run_with_timeout(argv, 120);
    }

    // A scheme without the river corridors: less priority land wherever a
    // river ran, and red line untouched.
    std::string scheme_without(const std::string& factor) {
        const std::string path = tmp_.file("scheme-no-" + factor + ".toml");
        write_scheme_variant(shandong_scheme(), path, {sub_->boundary + "|layername=counties", {}, {factor}});
        return path;
    }

    bool report_tool_exists() const { return fs::exists(tools_dir() + "/zone-report/zone-report"); }

    std::string scheme_, previous_;
};

TEST_F(Pipeline, FiveYearAdjustmentPasses) {
    const std::string out = tmp_.file("adjust");
    RunResult r = script("five-year-adjustment", {scheme_, previous_, out});
    ASSERT_EQ(r.status, 0) << r.describe();
    for (const char* f : {"units.gpkg", "check.json", "diff.json", "diff.txt", "changes.gpkg"})
        EXPECT_TRUE(fs::exists(out + "/" + f)) << f << " missing in " << out << "\n" << r.describe();
    // Same inputs: the new version has the old codes, and the diff says so.
    DiffJson j = parse_diff_json(read_file(out + "/diff.json"));
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    EXPECT_TRUE(j.changed().empty()) << j.describe();
    EXPECT_TRUE(j.violations.empty()) << j.describe();
    for (const char* step : {"build", "check", "diff"}) EXPECT_TRUE(contains(r.out + r.err, step)) << r.describe();
    // The report step: zone-report's HTML, or a note that it was skipped.
    EXPECT_TRUE(contains(r.out + r.err, "zone-report")) << r.describe();
    if (report_tool_exists()) {
        EXPECT_TRUE(fs::exists(out + "/report.html")) << r.describe();
    } else {
        EXPECT_TRUE(contains(r.out + r.err, "skipped")) << r.describe();
    }
}

TEST_F(Pipeline, FiveYearAdjustmentStopsWhenAGuardFires) {
    const std::string out = tmp_.file("adjust");
    RunResult r = script("five-year-adjustment", {scheme_without("river"), previous_, out});
    ASSERT_EQ(r.status, 1) << "the category-1 guard should fire: the river corridors are gone\n" << r.describe();
    DiffJson j = parse_diff_json(read_file(out + "/diff.json"));
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    EXPECT_FALSE(j.with_rule("forbid_decrease").empty()) << j.describe();
    EXPECT_TRUE(j.with_rule("redline").empty()) << "the red line did not move\n" << j.describe();
    EXPECT_FALSE(fs::exists(out + "/report.html")) << "the report step ran after a failing step";
    EXPECT_FALSE(contains(r.out + r.err, "[4/4]")) << r.describe();
}

TEST_F(Pipeline, FiveYearAdjustmentStopsAtABadInput) {
    const std::string out = tmp_.file("adjust");
    RunResult r = script("five-year-adjustment", {scheme_, tmp_.file("no-such.gpkg"), out});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_FALSE(fs::exists(out + "/check.json")) << "a step ran after the failing build";
    RunResult usage = script("five-year-adjustment", {scheme_});
    EXPECT_EQ(usage.status, 2) << usage.describe();
}

TEST_F(Pipeline, DynamicUpdate) {
    // A park of 市中区 taken out of the factors; only that county is rebuilt.
    const SchemeInfo s = read_scheme(shandong_scheme());
    const FactorInfo* parks = s.factor_by_layer("parks");
    ASSERT_TRUE(parks);
    const std::string parks_copy = tmp_.file("parks.gpkg");
    bool dropped = false;
    copy_layer(parks->source, parks_copy, "GPKG", "parks", [&](OGRFeature& f) {
        const bool drop = !dropped && std::string(f.GetFieldAsString("adcode")) == "370103";
        dropped |= drop;
        return !drop;
    });
    ASSERT_TRUE(dropped);
    const std::string scheme2 = tmp_.file("scheme-nopark.toml");
    write_scheme_variant(shandong_scheme(), scheme2,
                         {sub_->boundary + "|layername=counties", {{"park", parks_copy + "|layername=parks"}}, {}});
    const std::string out = tmp_.file("update");
    RunResult r = script("dynamic-update", {scheme2, previous_, out, "370103"});
    ASSERT_EQ(r.status, 0) << r.describe();
    for (const char* f : {"units.gpkg", "check.json", "diff.json", "diff.txt", "changes.gpkg"})
        EXPECT_TRUE(fs::exists(out + "/" + f)) << f << " missing\n" << r.describe();
    DiffJson j = parse_diff_json(read_file(out + "/diff.json"));
    ASSERT_TRUE(j.parse_error.empty()) << j.parse_error;
    EXPECT_FALSE(j.changed().empty()) << "the park's unit should change\n" << j.describe();
    for (const auto* c : j.changed())
        for (const auto& code : c->old_codes) EXPECT_EQ(code.substr(2, 6), "370103") << c->describe();

    // Without the river corridors in 历城区 (370112), which has one: the guard fires.
    const std::string out2 = tmp_.file("update2");
    RunResult g2 = script("dynamic-update", {scheme_without("river"), previous_, out2, "370112"});
    EXPECT_EQ(g2.status, 1) << g2.describe();
    // An unknown county: zone-build says no (2), and nothing after it runs.
    const std::string out3 = tmp_.file("update3");
    RunResult bad = script("dynamic-update", {scheme_, previous_, out3, "379999"});
    EXPECT_EQ(bad.status, 2) << bad.describe();
    EXPECT_FALSE(fs::exists(out3 + "/check.json"));
}

}  // namespace
