// zone-build --previous and --only on the Shandong test data (stable codes,
// zonekit(7) UNIT CODES, and dynamic updates): a rebuild from unchanged inputs
// reproduces every code; a dynamic update of two counties leaves the units of
// the other 134 counties identical, field by field and byte for byte; a
// changed factor layer keeps the codes of the units it does not touch and
// numbers new units after the highest serial ever used; a retired code never
// comes back. Versions are compared here with GDAL/GEOS, independently of
// libzone.
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

namespace {

using namespace zt;

using Marks = std::map<std::pair<std::string, int>, int>;

struct Version {
    std::string path;
    Table t;
    std::map<std::string, std::size_t> by_code;  // row index
    Marks marks;                                 // ZONEKIT_MAX_SERIALS
    const Row& row(const std::string& code) const { return t.rows.at(by_code.at(code)); }
    std::string get(const std::string& code, const std::string& field) const { return t.get(row(code), field); }
    bool has(const std::string& code) const { return by_code.count(code) > 0; }
};

Version load(const std::string& path) {
    Version v;
    v.path = path;
    v.t = read_table(path + "|layername=units");
    for (std::size_t i = 0; i < v.t.rows.size(); ++i) {
        const std::string code = v.t.get(v.t.rows[i], "HJZHGKDYBM");
        if (!v.by_code.emplace(code, i).second) throw std::runtime_error("code " + code + " twice in " + path);
    }
    const std::string marks = layer_metadata(path + "|layername=units", "ZONEKIT_MAX_SERIALS");
    if (!marks.empty()) v.marks = parse_serial_marks(marks);
    return v;
}

std::string county_of(const std::string& code) { return code.substr(2, 6); }
int category_of(const std::string& code) { return code.at(8) - '0'; }
int serial_of(const std::string& code) { return std::stoi(code.substr(9)); }

// Highest serial per (county, category) among the codes of a version.
Marks code_maxima(const Version& v) {
    Marks m;
    for (const auto& [code, i] : v.by_code) {
        auto& x = m[{county_of(code), category_of(code)}];
        x = std::max(x, serial_of(code));
    }
    return m;
}

// What differs between two units: every field of `a` (value and null-ness)
// and the geometry's WKB. Empty when they are identical.
std::string differences(const Table& a, const Row& ra, const Table& b, const Row& rb) {
    std::ostringstream d;
    for (std::size_t i = 0; i < a.fields.size(); ++i) {
        const int j = b.field(a.fields[i].name);
        if (j < 0) {
            d << a.fields[i].name << " missing; ";
            continue;
        }
        const auto &x = ra.values[i], &y = rb.values[j];
        if (x != y)
            d << a.fields[i].name << " '" << (x ? *x : "NULL") << "' became '" << (y ? *y : "NULL") << "'; ";
    }
    if (!ra.geom || !rb.geom) d << "a geometry is missing; ";
    else if (wkb(*ra.geom) != wkb(*rb.geom)) d << "the geometry differs; ";
    return d.str();
}

// Every unit of `old_v` in a county for which `keep` holds is in `new_v`,
// identical; `new_v` has no other units in those counties.
void expect_identical(const Version& old_v, const Version& new_v, const std::function<bool(const std::string&)>& keep,
                      std::size_t* compared = nullptr) {
    EXPECT_EQ(old_v.t.fields.size(), new_v.t.fields.size());
    for (std::size_t i = 0; i < std::min(old_v.t.fields.size(), new_v.t.fields.size()); ++i)
        EXPECT_EQ(old_v.t.fields[i].name, new_v.t.fields[i].name) << "field " << i;
    std::size_t n = 0;
    int failures = 0;
    for (const auto& [code, i] : old_v.by_code) {
        if (!keep(county_of(code))) continue;
        ++n;
        if (!new_v.has(code)) {
            if (++failures <= 20) ADD_FAILURE() << code << " is missing from " << new_v.path;
            continue;
        }
        const std::string d = differences(old_v.t, old_v.t.rows[i], new_v.t, new_v.row(code));
        if (!d.empty() && ++failures <= 20) ADD_FAILURE() << code << ": " << d;
    }
    for (const auto& [code, i] : new_v.by_code)
        if (keep(county_of(code)) && !old_v.has(code) && ++failures <= 20)
            ADD_FAILURE() << code << " is new in " << new_v.path << " in a county that should be as it was";
    EXPECT_EQ(failures, 0) << failures << " differences in all";
    if (compared) *compared = n;
}

// The high-water marks of a version cover every serial it or its
// predecessors used.
void expect_marks_cover(const Version& v, const std::vector<Marks>& used, const std::string& what) {
    EXPECT_FALSE(v.marks.empty()) << v.path << " has no ZONEKIT_MAX_SERIALS metadata";
    int bad = 0;
    for (const auto& m : used)
        for (const auto& [key, serial] : m) {
            auto it = v.marks.find(key);
            const int mark = it == v.marks.end() ? 0 : it->second;
            if (mark < serial && ++bad <= 10)
                ADD_FAILURE() << what << ": the high-water mark of " << key.first << " category " << key.second
                              << " is " << mark << ", below serial " << serial << " used before";
        }
    EXPECT_EQ(bad, 0);
}

// Areas and overlaps of units of two versions, GK-planar in their county's zone.
class Geometry {
public:
    explicit Geometry(const std::map<std::string, int>& zones) : zones_(zones) {}
    GeosPtr of(const Version& v, const std::string& code) const { return to_geos(*v.row(code).geom); }
    int zone(const std::string& code) const {
        auto it = zones_.find(county_of(code));
        return it == zones_.end() ? 4548 : it->second;
    }
    double area(const GEOSGeometry* g, const std::string& code) const { return gk_area(g, zone(code)); }

private:
    std::map<std::string, int> zones_;
};

class BuildPrevious : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(shandong_units())) << shandong_units()
                                                 << ": the fixture build_shandong_map failed or did not run";
        scheme_ = read_scheme(shandong_scheme());
    }

    RunResult build(const std::string& scheme, const std::string& out, std::vector<std::string> more = {}) {
        std::vector<std::string> a{scheme, "-o", out, "-q"};
        a.insert(a.end(), more.begin(), more.end());
        return run_zone_build(a);
    }

    // A park of `county` that makes a unit of its own in `v`: its id, the
    // unit's code and the park's geometry.
    std::string park_with_unit(const Version& v, const std::string& county, std::string& unit,
                               std::unique_ptr<OGRGeometry>& geom) const {
        const FactorInfo* parks = scheme_.factor_by_layer("parks");
        if (!parks) throw std::runtime_error("the scheme has no factor from layer parks");
        const Table t = read_table(parks->source);
        for (const auto& r : t.rows) {
            if (t.get(r, "adcode") != county) continue;
            for (const auto& [code, i] : v.by_code)
                if (county_of(code) == county && contains(v.get(code, "HJZHGKDYMC"), t.get(r, "name"))) {
                    unit = code;
                    geom.reset(r.geom->clone());
                    return t.get(r, "id");
                }
        }
        throw std::runtime_error("no park of " + county + " makes a unit");
    }

    // A copy of the scheme whose park layer lacks the park `id`.
    std::string scheme_without_park(const std::string& id) {
        const FactorInfo* parks = scheme_.factor_by_layer("parks");
        const std::string copy = tmp_.file("parks.gpkg");
        copy_layer(parks->source, copy, "GPKG", "parks",
                   [&](OGRFeature& f) { return std::string(f.GetFieldAsString("id")) != id; });
        const std::string path = tmp_.file("scheme-without-" + id + ".toml");
        write_scheme_variant(shandong_scheme(), path, {"", {{parks->id, copy + "|layername=parks"}}, {}});
        return path;
    }

    std::map<std::string, int> zones() const { return county_zones(scheme_.boundary_source, scheme_.code_field); }
    // Rebuilds from the unchanged scheme with `previous` and expects every
    // unit of `v1` back, identical; returns the new version.
    Version rebuild_with(const std::string& previous, const Version& v1) {
        const std::string out = tmp_.file("v2.gpkg");
        RunResult r = build(shandong_scheme(), out, {"--previous", previous, "--overwrite"});
        EXPECT_EQ(r.status, 0) << r.describe();
        const Version v2 = load(out);
        EXPECT_EQ(v2.t.rows.size(), v1.t.rows.size());
        std::size_t n = 0;
        expect_identical(v1, v2, [](const std::string&) { return true; }, &n);
        EXPECT_EQ(n, v1.t.rows.size());
        return v2;
    }

    SchemeInfo scheme_;
    TempDir tmp_{"zonecli-previous"};
};

// ------------------------------------------------------------------ 1. same inputs, same codes

TEST_F(BuildPrevious, RebuildWithOwnOutputReproducesEveryCode) {
    const Version v1 = load(shandong_units());
    const Version v2 = rebuild_with(shandong_units(), v1);
    expect_marks_cover(v2, {code_maxima(v1), v1.marks}, "a rebuild");
    // The fixture map keeps its marks too (zone-build always writes them).
    expect_marks_cover(v1, {code_maxima(v1)}, "the fixture map");
}

// The previous version in another CRS (reprojected to Gauss-Krüger with
// ogr2ogr, as a team that edits in metres keeps it): its units are matched in
// the boundary's CRS, so every code comes back, and the map is the same.
TEST_F(BuildPrevious, APreviousVersionInAnotherCrsKeepsEveryCode) {
    const Version v1 = load(shandong_units());
    const std::string gk = tmp_.file("v1-gk.gpkg");
    const RunResult warp = run({"/usr/bin/ogr2ogr", "-t_srs", "EPSG:4548", gk, shandong_units(), "units"});
    ASSERT_EQ(warp.status, 0) << warp.describe();
    rebuild_with(gk, v1);
}

// Without a CRS the previous version's units cannot be placed: refused,
// naming the file, rather than taken to be in the boundary's CRS.
TEST_F(BuildPrevious, APreviousVersionWithoutACrsIsRefused) {
    const std::string bare = tmp_.file("v1-no-crs.gpkg");
    copy_layer(shandong_units(), bare, "GPKG", "units", {}, {}, nullptr, true);
    const std::string out = tmp_.file("v2.gpkg");
    RunResult r = build(shandong_scheme(), out, {"--previous", bare});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, bare) && contains(r.err, "no coordinate reference system")) << r.describe();
    EXPECT_FALSE(fs::exists(out));
}

// ------------------------------------------------------------------ 2. dynamic update

// Two counties rebuilt after a park of one of them was taken out of the
// factors; every unit of the other 134 counties is as it was.
TEST_F(BuildPrevious, DynamicUpdateLeavesOtherCountiesIdentical) {
    const Version v1 = load(shandong_units());
    std::string park_unit;
    std::unique_ptr<OGRGeometry> park_geom;
    const std::string park = park_with_unit(v1, "370103", park_unit, park_geom);
    const std::string scheme = scheme_without_park(park);
    const std::string out = tmp_.file("v2.gpkg");
    RunResult r = build(scheme, out, {"--previous", shandong_units(), "--only", "370102,370103"});
    ASSERT_EQ(r.status, 0) << r.describe();
    std::printf("note: the dynamic update of two counties took %.2f s\n", r.seconds);
    const Version v2 = load(out);

    const std::set<std::string> rebuilt = {"370102", "370103"};
    std::set<std::string> others;
    for (const auto& [code, i] : v1.by_code)
        if (!rebuilt.count(county_of(code))) others.insert(county_of(code));
    EXPECT_EQ(others.size(), 134u);
    std::size_t n = 0;
    expect_identical(v1, v2, [&](const std::string& c) { return !rebuilt.count(c); }, &n);
    std::printf("note: %zu units of %zu other counties compared field by field\n", n, others.size());

    // The rebuilt counties: the park's land is no longer a park unit; the
    // units are coded in their county; new serials follow the marks.
    bool changed = false;
    for (const auto& [code, i] : v2.by_code) {
        if (!rebuilt.count(county_of(code))) continue;
        EXPECT_EQ(v2.get(code, "XZQDM"), county_of(code)) << code;
        EXPECT_EQ(v2.get(code, "ZHGKDYFL"), std::to_string(category_of(code))) << code;
        changed |= !v1.has(code) || !differences(v1.t, v1.row(code), v2.t, v2.row(code)).empty();
    }
    EXPECT_TRUE(changed) << "taking park " << park << " out changed nothing in 370103";
    if (v2.has(park_unit)) {
        EXPECT_FALSE(contains(v2.get(park_unit, "YSLX").substr(0, 4), "park"))
            << park_unit << " is still the park's unit: " << v2.get(park_unit, "HJZHGKDYMC");
    }
    expect_marks_cover(v2, {code_maxima(v1), v1.marks, code_maxima(v2)}, "a dynamic update");
}

// The access-list texts of the units carried over are kept too ("same
// attributes"): here every unit of the previous version has them.
TEST_F(BuildPrevious, DynamicUpdateKeepsTheTextsOfUnitsCarriedOver) {
    Table t = read_table(shandong_units() + "|layername=units");
    for (auto& row : t.rows) {
        const std::string code = t.get(row, "HJZHGKDYBM");
        t.set(row, "KJBJYS", "空间布局约束：" + code);
        t.set(row, "PWWPFGK", "污染物排放管控：" + code);
        t.set(row, "HJFXFK", "环境风险防控：" + code);
        t.set(row, "ZYKFXLYQ", "资源开发效率要求：" + code);
        t.set(row, "REMARK", "2024 版");
    }
    const std::string previous = tmp_.file("v1-texts.gpkg");
    write_table(t, previous);
    const Version v1 = load(previous);
    const std::string out = tmp_.file("v2.gpkg");
    RunResult r = build(shandong_scheme(), out, {"--previous", previous, "--only", "370102,370103"});
    ASSERT_EQ(r.status, 0) << r.describe();
    const Version v2 = load(out);
    expect_identical(v1, v2, [](const std::string& c) { return c != "370102" && c != "370103"; });
}

// ------------------------------------------------------------------ 3. a changed factor layer

// A park taken out of the factors and the whole province rebuilt with
// --previous: counties the park does not reach are identical; in the others,
// units away from the park keep their codes, a code in both versions is
// substantially the same land (each covers 90 % of the other) of the same
// category, and new units take serials above the previous maximum.
TEST_F(BuildPrevious, ChangedFactorKeepsTheCodesOfUntouchedUnits) {
    const Version v1 = load(shandong_units());
    std::string park_unit;
    std::unique_ptr<OGRGeometry> park_geom;
    const std::string park = park_with_unit(v1, "370103", park_unit, park_geom);
    const std::string out = tmp_.file("v2.gpkg");
    RunResult r = build(scheme_without_park(park), out, {"--previous", shandong_units()});
    ASSERT_EQ(r.status, 0) << r.describe();
    const Version v2 = load(out);

    // Counties the park reaches.
    GeosPtr park_g = to_geos(*park_geom);
    const LayerData counties = read_layer(scheme_.boundary_source, true);
    std::set<std::string> touched;
    for (const auto& c : counties.features)
        if (c.geom && geos_intersects(to_geos(*c.geom).get(), park_g.get())) touched.insert(c[scheme_.code_field]);
    ASSERT_TRUE(touched.count("370103"));
    expect_identical(v1, v2, [&](const std::string& c) { return !touched.count(c); });

    const Geometry geo(zones());
    GeosPtr near_park(GEOSBuffer_r(geos(), park_g.get(), 1e-5, 8));  // about 1 m around it
    const Marks before = [&] {
        Marks m = code_maxima(v1);
        for (const auto& [k, s] : v1.marks) m[k] = std::max(m[k], s);
        return m;
    }();
    int kept_away = 0, new_units = 0;
    for (const auto& [code, i] : v1.by_code) {
        if (!touched.count(county_of(code))) continue;
        GeosPtr g1 = geo.of(v1, code);
        if (!geos_intersects(g1.get(), near_park.get())) {
            EXPECT_TRUE(v2.has(code)) << code << " (" << v1.get(code, "HJZHGKDYMC")
                                      << ") does not touch the park but lost its code";
            ++kept_away;
        }
    }
    for (const auto& [code, i] : v2.by_code) {
        if (!touched.count(county_of(code))) continue;
        if (v1.has(code)) {
            // The same code: the same category and substantially the same land.
            EXPECT_EQ(v1.get(code, "ZHGKDYFL"), v2.get(code, "ZHGKDYFL")) << code;
            GeosPtr a = geo.of(v1, code), b = geo.of(v2, code);
            const double common = geo.area(intersection(a.get(), b.get()).get(), code);
            const double area_a = geo.area(a.get(), code), area_b = geo.area(b.get(), code);
            EXPECT_GE(common, 0.9 * area_a - 1.0) << code << " kept its code but keeps only " << common / area_a
                                                 << " of its old land";
            EXPECT_GE(common, 0.9 * area_b - 1.0) << code << " kept its code but its old land is only "
                                                 << common / area_b << " of it";
        } else {
            ++new_units;
            const auto key = std::make_pair(county_of(code), category_of(code));
            EXPECT_GT(serial_of(code), before.count(key) ? before.at(key) : 0)
                << "new unit " << code << " does not take a serial after the previous maximum "
                << (before.count(key) ? before.at(key) : 0);
        }
    }
    EXPECT_GT(kept_away, 0);
    EXPECT_GT(new_units, 0) << "taking the park out should make at least one new unit";
    std::printf("note: park %s out: %zu counties touched, %d units away from it kept their codes, %d new units\n",
                park.c_str(), touched.size(), kept_away, new_units);
}

// ------------------------------------------------------------------ 4. codes are never reused

// v2 without the river corridors retires their units' codes; v3 with the
// rivers back (previous: v2) must not hand any retired code out again, even
// where it was the highest serial of its county and category: the high-water
// marks in the GeoPackage metadata remember it.
TEST_F(BuildPrevious, RetiredCodesAreNeverReused) {
    const Version v1 = load(shandong_units());
    const FactorInfo* river = scheme_.factor_by_layer("river");
    ASSERT_TRUE(river) << "the scheme has no river factor";
    const std::string no_river = tmp_.file("scheme-no-river.toml");
    write_scheme_variant(shandong_scheme(), no_river, {"", {}, {river->id}});
    const std::string p2 = tmp_.file("v2.gpkg"), p3 = tmp_.file("v3.gpkg");
    RunResult r2 = build(no_river, p2, {"--previous", shandong_units()});
    ASSERT_EQ(r2.status, 0) << r2.describe();
    // The full scheme again, with a scheme copy so that no input is the output's neighbour.
    const std::string full = tmp_.file("scheme.toml");
    write_scheme_variant(shandong_scheme(), full);
    RunResult r3 = build(full, p3, {"--previous", p2});
    ASSERT_EQ(r3.status, 0) << r3.describe();
    const Version v2 = load(p2), v3 = load(p3);

    std::set<std::string> retired;
    for (const auto& [code, i] : v1.by_code)
        if (!v2.has(code)) retired.insert(code);
    ASSERT_FALSE(retired.empty()) << "taking the rivers out retired no code";
    // Retired codes that were the highest of their county and category:
    // without the marks they would be next in line.
    const Marks v2_codes = code_maxima(v2);
    int at_the_top = 0;
    for (const auto& code : retired) {
        const auto key = std::make_pair(county_of(code), category_of(code));
        if (!v2_codes.count(key) || v2_codes.at(key) < serial_of(code)) ++at_the_top;
    }
    EXPECT_GT(at_the_top, 0) << "no retired code was the highest serial of its county and category";
    std::printf("note: %zu codes retired without the rivers, %d of them the highest of their county and category\n",
                retired.size(), at_the_top);

    expect_marks_cover(v2, {code_maxima(v1), v1.marks}, "v2 (rivers out)");
    int reused = 0;
    for (const auto& code : retired)
        if (v3.has(code) && ++reused <= 20)
            ADD_FAILURE() << "retired code " << code << " (" << v1.get(code, "HJZHGKDYMC") << ") is back in v3 for "
                          << v3.get(code, "HJZHGKDYMC");
    EXPECT_EQ(reused, 0) << reused << " retired codes reused";
    int new_in_v3 = 0;
    for (const auto& [code, i] : v3.by_code) {
        if (v2.has(code)) continue;
        ++new_in_v3;
        const auto key = std::make_pair(county_of(code), category_of(code));
        const int before = std::max(v1.marks.count(key) ? v1.marks.at(key) : 0,
                                    std::max(code_maxima(v1).count(key) ? code_maxima(v1).at(key) : 0,
                                             v2.marks.count(key) ? v2.marks.at(key) : 0));
        EXPECT_GT(serial_of(code), before) << "new unit " << code << " in v3";
    }
    EXPECT_GT(new_in_v3, 0) << "the rivers' units should come back as new units";
    expect_marks_cover(v3, {code_maxima(v1), v1.marks, v2.marks, code_maxima(v3)}, "v3 (rivers back)");
}

// ------------------------------------------------------------------ 5. bad use

TEST_F(BuildPrevious, OnlyWithoutPreviousFails) {
    const std::string out = tmp_.file("v2.gpkg");
    RunResult r = build(shandong_scheme(), out, {"--only", "370102"});
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "--previous")) << r.describe();
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(zonekit_leftovers(tmp_.path()).empty());
}

TEST_F(BuildPrevious, OnlyWithAnUnknownCountyFails) {
    const std::string out = tmp_.file("v2.gpkg");
    for (const std::string county : {"379999", "37010", "abcdef"}) {
        RunResult r = build(shandong_scheme(), out, {"--previous", shandong_units(), "--only", "370102," + county});
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, county)) << "the message does not name the county\n" << r.describe();
        EXPECT_FALSE(fs::exists(out));
    }
    EXPECT_TRUE(zonekit_leftovers(tmp_.path()).empty());
}

TEST_F(BuildPrevious, PreviousThatIsNoUnitMapFails) {
    const std::string out = tmp_.file("v2.gpkg");
    for (const std::string& previous : {tmp_.file("missing.gpkg"), scheme_.boundary_source}) {
        RunResult r = build(shandong_scheme(), out, {"--previous", previous});
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, previous.substr(0, previous.find('|')))) << r.describe();
        EXPECT_FALSE(fs::exists(out));
    }
}

}  // namespace
