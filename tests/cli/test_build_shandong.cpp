// zone-build on the Shandong test data: checks of the unit map that the ctest
// fixture `build_shandong_map` wrote (SHANDONG_UNITS), each computed here with
// GDAL/OGR and GEOS directly, independently of libzone.
#include "qml.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <tuple>
#include <sstream>

namespace {

using namespace zt;

struct CountyRec {
    std::int64_t fid = 0;
    std::string code, name, city;
    std::unique_ptr<OGRGeometry> geom;  // EPSG:4490 lon/lat
    GeosPtr g;
    int epsg = 0;                       // its Gauss-Krüger zone
    double area_m2 = 0;                 // in that zone, densified (edges straight in lon/lat)
};

struct UnitRec {
    std::int64_t fid = 0;
    std::string code, name, prov, city, area, xzqdm, yslx;
    std::string fl_text, mj_text;
    int fl = 0;
    double mj = 0;
    std::unique_ptr<OGRGeometry> geom;
    GeosPtr g;
    int county = -1;     // index into counties, by XZQDM
    int epsg = 0;        // the zone of its county
    double area_m2 = 0;  // in that zone, densified (edges straight in lon/lat)
};

std::vector<std::string> split_ids(const std::string& s) {
    std::vector<std::string> out;
    std::string cur;
    for (char c : s) {
        if (c == ';') {
            out.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    if (!s.empty()) out.push_back(cur);
    return out;
}

struct ShandongData {
    SchemeInfo scheme;
    std::vector<CountyRec> counties;
    std::map<std::string, int> county_of_code;
    std::vector<UnitRec> units;
    std::vector<std::string> unit_fields;
    std::string unit_layer_name;
    std::unique_ptr<OGRSpatialReference> unit_srs;
    OGRwkbGeometryType unit_geom_type = wkbUnknown;
    std::string error;  // why loading failed
};

ShandongData* g_data = nullptr;

void load(ShandongData& d) {
    d.scheme = read_scheme(shandong_scheme());
    const SchemeInfo& s = d.scheme;

    // Counties, straight from the boundary file the scheme names.
    LayerData counties = read_layer(s.boundary_source, true);
    for (auto& f : counties.features) {
        CountyRec c;
        c.fid = f.fid;
        c.code = f[s.code_field];
        c.name = f[s.name_field];
        if (!s.city_field.empty()) c.city = f[s.city_field];
        if (!f.geom) throw std::runtime_error("county without geometry: " + c.code);
        c.geom = std::move(f.geom);
        c.g = to_geos(*c.geom);
        c.epsg = gk_epsg_of(*c.geom);
        c.area_m2 = gk_area(*c.geom, c.epsg, kDensifyDeg);
        d.county_of_code[c.code] = static_cast<int>(d.counties.size());
        d.counties.push_back(std::move(c));
    }

    const std::string units_path = shandong_units();
    if (!fs::exists(units_path))
        throw std::runtime_error(units_path + " does not exist: the fixture test build_shandong_map failed or did not run");
    {
        DatasetPtr ds = open_vector(units_path);
        if (!ds) throw std::runtime_error("OGR cannot open " + units_path);
        OGRLayer* layer = ds->GetLayerByName("units");
        if (!layer) throw std::runtime_error(units_path + " has no layer 'units'");
        d.unit_layer_name = layer->GetName();
        d.unit_geom_type = layer->GetGeomType();
        if (layer->GetSpatialRef()) d.unit_srs.reset(layer->GetSpatialRef()->Clone());
    }
    LayerData units = read_layer(units_path + "|layername=units", true);
    d.unit_fields = units.fields;
    for (auto& f : units.features) {
        UnitRec u;
        u.fid = f.fid;
        u.code = f["HJZHGKDYBM"];
        u.name = f["HJZHGKDYMC"];
        u.prov = f["PROV"];
        u.city = f["CITY"];
        u.area = f["AREA"];
        u.xzqdm = f["XZQDM"];
        u.yslx = f["YSLX"];
        u.fl_text = f["ZHGKDYFL"];
        u.mj_text = f["MJ"];
        u.fl = std::atoi(u.fl_text.c_str());
        u.mj = std::atof(u.mj_text.c_str());
        if (!f.geom) throw std::runtime_error("unit " + u.code + " (fid " + std::to_string(u.fid) + ") has no geometry");
        u.geom = std::move(f.geom);
        u.g = to_geos(*u.geom);
        auto it = d.county_of_code.find(u.xzqdm);
        if (it != d.county_of_code.end()) {
            u.county = it->second;
            u.epsg = d.counties[u.county].epsg;
        } else {
            u.epsg = gk_epsg_of(*u.geom);  // for the checks that still make sense
        }
        u.area_m2 = gk_area(*u.geom, u.epsg, kDensifyDeg);
        d.units.push_back(std::move(u));
    }
}

class BuildShandong : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        if (g_data) return;
        g_data = new ShandongData();
        try {
            load(*g_data);
        } catch (const std::exception& e) {
            g_data->error = e.what();
        }
    }

    void SetUp() override { ASSERT_TRUE(g_data->error.empty()) << "cannot load the test data: " << g_data->error; }

    static ShandongData& data() { return *g_data; }
};

std::string where_is(const GEOSGeometry* g) {
    GeosPtr p(GEOSPointOnSurface_r(geos(), g));
    if (!p || GEOSisEmpty_r(geos(), p.get())) return "(empty)";
    double x = 0, y = 0;
    GEOSGeomGetX_r(geos(), p.get(), &x);
    GEOSGeomGetY_r(geos(), p.get(), &y);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f %.6f", x, y);
    return buf;
}

// ------------------------------------------------------------------ 1. tiling

// Areas are compared on densified geometries: the units' outlines carry
// vertices on the county line that the county's own outline lacks, and with
// vertices merely projected that alone makes sums differ by metres (see
// gk_area in support.hpp); densified, what remains is the real difference.
TEST_F(BuildShandong, UnitAreasAddUpToEachCounty) {
    const auto& d = data();
    ASSERT_GE(d.units.size(), 100u);
    ASSERT_LE(d.units.size(), 5000u);
    ASSERT_FALSE(d.counties.empty());

    std::map<std::string, double> sum, sum_mj;
    std::map<std::string, int> count;
    for (const auto& u : d.units) {
        if (u.county < 0) continue;  // reported by CountyAttributesMatchTheBoundary
        sum[u.xzqdm] += u.area_m2;
        sum_mj[u.xzqdm] += u.mj * 1e6;
        ++count[u.xzqdm];
    }
    int bad = 0;
    double worst_mj = 0;
    std::string worst_mj_county;
    for (const auto& c : d.counties) {
        if (count[c.code] == 0) {
            ADD_FAILURE() << "county " << c.code << " " << c.name << " has no unit";
            ++bad;
            continue;
        }
        const double county_m2 = c.area_m2;
        const double rel = std::fabs(sum[c.code] - county_m2) / county_m2;
        if (rel > 1e-9) {
            if (++bad <= 20)
                ADD_FAILURE() << "county " << c.code << " " << c.name << " (EPSG:" << c.epsg << "): "
                              << count[c.code] << " units cover " << std::setprecision(15) << sum[c.code]
                              << " m², the county is " << county_m2 << " m² (difference "
                              << sum[c.code] - county_m2 << " m², relative " << rel << ")";
        }
        const double rel_mj = std::fabs(sum_mj[c.code] - c.area_m2) / c.area_m2;
        if (rel_mj > worst_mj) {
            worst_mj = rel_mj;
            worst_mj_county = c.code + " " + c.name + ": sum of MJ " + std::to_string(sum_mj[c.code] / 1e6) +
                              " km², county " + std::to_string(c.area_m2 / 1e6) + " km²";
        }
    }
    EXPECT_EQ(bad, 0) << bad << " of " << d.counties.size() << " counties are not tiled by their units";
    // The published figures add up too: MJ of a county's units sum to its area.
    EXPECT_LE(worst_mj, 1e-9) << "largest relative difference between a county's GK area and the sum of its MJ: "
                              << worst_mj_county;
}

// ------------------------------------------------------------------ 2. overlaps

TEST_F(BuildShandong, UnitsDoNotOverlap) {
    const auto& d = data();
    GEOSSTRtree* tree = GEOSSTRtree_create_r(geos(), 10);
    for (std::size_t i = 0; i < d.units.size(); ++i)
        GEOSSTRtree_insert_r(geos(), tree, d.units[i].g.get(), reinterpret_cast<void*>(i));
    struct Overlap {
        std::size_t a, b;
        double m2;
        std::string at;
    };
    std::vector<Overlap> overlaps;
    std::vector<std::size_t> hits;
    std::size_t pairs = 0;
    for (std::size_t i = 0; i < d.units.size(); ++i) {
        hits.clear();
        GEOSSTRtree_query_r(
            geos(), tree, d.units[i].g.get(),
            [](void* item, void* userdata) {
                static_cast<std::vector<std::size_t>*>(userdata)->push_back(reinterpret_cast<std::size_t>(item));
            },
            &hits);
        for (std::size_t j : hits) {
            if (j <= i) continue;
            ++pairs;
            const int interiors = GEOSRelatePattern_r(geos(), d.units[i].g.get(), d.units[j].g.get(), "T********");
            ASSERT_NE(interiors, 2) << "GEOS relate failed";
            if (interiors != 1) continue;
            GeosPtr x = intersection(d.units[i].g.get(), d.units[j].g.get());
            const double m2 = gk_area(x.get(), d.units[i].epsg);
            if (m2 > 1.0) overlaps.push_back({i, j, m2, where_is(x.get())});
        }
    }
    GEOSSTRtree_destroy_r(geos(), tree);
    EXPECT_GT(pairs, d.units.size() / 2) << "the envelope search found too few neighbours to be credible";
    std::sort(overlaps.begin(), overlaps.end(), [](const auto& a, const auto& b) { return a.m2 > b.m2; });
    std::ostringstream msg;
    for (std::size_t k = 0; k < overlaps.size() && k < 20; ++k) {
        const auto& o = overlaps[k];
        msg << "  " << d.units[o.a].code << " (fid " << d.units[o.a].fid << ") and " << d.units[o.b].code << " (fid "
            << d.units[o.b].fid << ") overlap by " << std::fixed << std::setprecision(3) << o.m2 << " m² near "
            << o.at << "\n";
    }
    EXPECT_TRUE(overlaps.empty()) << overlaps.size() << " pairs of units overlap by more than 1 m² ("
                                  << pairs << " candidate pairs):\n"
                                  << msg.str();
}

TEST_F(BuildShandong, UnitsStayInsideTheirCounty) {
    const auto& d = data();
    int bad = 0;
    for (const auto& u : d.units) {
        if (u.county < 0) continue;
        const CountyRec& c = d.counties[u.county];
        GeosPtr outside = difference(u.g.get(), c.g.get());
        const double m2 = gk_area(outside.get(), u.epsg);
        if (m2 >= 1.0 && ++bad <= 20)
            ADD_FAILURE() << "unit " << u.code << " (fid " << u.fid << ") reaches " << std::fixed
                          << std::setprecision(3) << m2 << " m² outside its county " << c.code << " " << c.name
                          << ", near " << where_is(outside.get());
    }
    EXPECT_EQ(bad, 0) << bad << " units cross their county line";
}

// ------------------------------------------------------------------ 3. red line

TEST_F(BuildShandong, RedLineLiesInPriorityUnits) {
    const auto& d = data();
    const FactorInfo* red = d.scheme.factor_by_layer("redline");
    if (!red) {
        for (const auto& f : d.scheme.factors)
            if (f.id == "redline") red = &f;
    }
    ASSERT_NE(red, nullptr) << "the scheme has no factor from a layer 'redline'";
    ASSERT_EQ(red->category, 1);

    LayerData layer = read_layer(red->source, true);
    ASSERT_FALSE(layer.features.empty());
    std::vector<GeosPtr> parts;
    for (const auto& f : layer.features) {
        if (!f.geom || f.geom->IsEmpty()) continue;
        GeosPtr g = to_geos(*f.geom);
        parts.push_back(polygonal(make_valid(g.get()).get()));
    }
    std::vector<std::array<double, 4>> env(parts.size());
    for (std::size_t i = 0; i < parts.size(); ++i) envelope(parts[i].get(), env[i][0], env[i][1], env[i][2], env[i][3]);

    // zone-build overlays on a fixed grid (`[build] grid`, 1e-9° ≈ 0.1 mm):
    // red line vertices off that grid move by up to half a cell, which leaves
    // slivers thinner than a cell between the red line and the units, with an
    // area of at most (red line boundary length × cell size). Those are
    // measured and bounded; what is left after eroding every leftover piece
    // by one cell is land that really is outside the priority units.
    const double grid = d.scheme.grid;
    constexpr double metres_per_degree = 111319.49;
    struct Leftover {
        double m2, eroded_m2;
        std::string county, at;
    };
    std::vector<Leftover> leftovers;
    double total = 0, eroded_total = 0, redline_total = 0, boundary_deg = 0;
    for (std::size_t ci = 0; ci < d.counties.size(); ++ci) {
        const CountyRec& c = d.counties[ci];
        double minx, miny, maxx, maxy;
        envelope(c.g.get(), minx, miny, maxx, maxy);
        std::vector<const GEOSGeometry*> near;
        for (std::size_t i = 0; i < parts.size(); ++i)
            if (env[i][0] <= maxx && minx <= env[i][2] && env[i][1] <= maxy && miny <= env[i][3])
                near.push_back(parts[i].get());
        if (near.empty()) continue;
        GeosPtr red_here = polygonal(intersection(union_all(near).get(), c.g.get()).get());
        if (GEOSisEmpty_r(geos(), red_here.get())) continue;
        redline_total += gk_area(red_here.get(), c.epsg);
        double len = 0;
        GEOSLength_r(geos(), red_here.get(), &len);
        boundary_deg += len;
        std::vector<const GEOSGeometry*> priority;
        for (const auto& u : d.units)
            if (u.county == static_cast<int>(ci) && u.fl == 1) priority.push_back(u.g.get());
        GeosPtr left = polygonal(difference(red_here.get(), union_all(priority).get()).get());
        const int n = GEOSGetNumGeometries_r(geos(), left.get());
        for (int k = 0; k < n; ++k) {
            const GEOSGeometry* piece = GEOSGetGeometryN_r(geos(), left.get(), k);
            const double m2 = gk_area(piece, c.epsg);
            GeosPtr eroded(GEOSBuffer_r(geos(), piece, -grid, 2));
            ASSERT_TRUE(eroded) << "GEOS buffer failed";
            const double eroded_m2 = gk_area(eroded.get(), c.epsg);
            total += m2;
            eroded_total += eroded_m2;
            leftovers.push_back({m2, eroded_m2, c.code + " " + c.name, where_is(piece)});
        }
    }
    EXPECT_GT(redline_total, 0.0) << "no red line inside the counties: the check would prove nothing";
    const double snap_bound = boundary_deg * metres_per_degree * grid * metres_per_degree;
    std::sort(leftovers.begin(), leftovers.end(), [](const auto& a, const auto& b) {
        return std::tie(a.eroded_m2, a.m2) > std::tie(b.eroded_m2, b.m2);
    });
    std::ostringstream msg;
    for (std::size_t k = 0; k < leftovers.size() && k < 15; ++k)
        msg << "  " << std::fixed << std::setprecision(4) << leftovers[k].m2 << " m² (" << leftovers[k].eroded_m2
            << " m² wider than the grid) in " << leftovers[k].county << " near " << leftovers[k].at << "\n";
    const std::string summary = [&] {
        std::ostringstream s;
        s << std::fixed << std::setprecision(3) << total << " m² of red line (of " << redline_total / 1e6
          << " km² inside the counties, boundary " << boundary_deg * metres_per_degree / 1000
          << " km) lie outside every priority unit, in " << leftovers.size() << " pieces; " << eroded_total
          << " m² of it wider than one grid cell (" << std::defaultfloat << grid << std::fixed << "); grid snapping can account for at most "
          << snap_bound << " m²";
        return s.str();
    }();
    std::printf("note: %s\n", summary.c_str());
    EXPECT_LT(eroded_total, 1.0) << summary << "; the largest pieces:\n" << msg.str();
    EXPECT_LT(total, 1.0 + snap_bound) << summary << "; the largest pieces:\n" << msg.str();
}

// ------------------------------------------------------------------ 4. codes and attributes

TEST_F(BuildShandong, LayerHasTheContractedSchema) {
    const auto& d = data();
    EXPECT_EQ(d.unit_layer_name, "units");
    EXPECT_EQ(wkbFlatten(d.unit_geom_type), wkbMultiPolygon) << OGRGeometryTypeToName(d.unit_geom_type);
    for (const char* field : {"HJZHGKDYBM", "HJZHGKDYMC", "PROV", "CITY", "AREA", "XZQDM", "ZHGKDYFL", "MJ", "YSLX",
                              "KJBJYS", "PWWPFGK", "HJFXFK", "ZYKFXLYQ", "REMARK"})
        EXPECT_NE(std::find(d.unit_fields.begin(), d.unit_fields.end(), field), d.unit_fields.end())
            << "no field " << field;
    ASSERT_TRUE(d.unit_srs) << "the unit layer has no CRS";
    OGRSpatialReference cgcs;
    cgcs.importFromEPSG(4490);
    const char* same_options[] = {"IGNORE_DATA_AXIS_TO_SRS_AXIS_MAPPING=YES", "CRITERION=EQUIVALENT", nullptr};
    EXPECT_TRUE(d.unit_srs->IsSame(&cgcs, same_options)) << "the unit layer's CRS is not EPSG:4490 like the boundary's";
    for (const auto& u : d.units) {
        if (wkbFlatten(u.geom->getGeometryType()) != wkbMultiPolygon || u.geom->IsEmpty()) {
            ADD_FAILURE() << "unit " << u.code << ": geometry is " << u.geom->getGeometryName()
                          << (u.geom->IsEmpty() ? " (empty)" : "");
            continue;
        }
        if (GEOSisValid_r(geos(), u.g.get()) != 1) {
            char* why = GEOSisValidReason_r(geos(), u.g.get());
            ADD_FAILURE() << "unit " << u.code << " has an invalid geometry: " << (why ? why : "?");
            GEOSFree_r(geos(), why);
        }
    }
}

TEST_F(BuildShandong, CodesAreWellFormedAndUnique) {
    const auto& d = data();
    const std::regex pattern("^ZH[0-9]{6}[123][0-9]{4}$");
    std::map<std::string, int> seen;
    for (const auto& u : d.units) {
        SCOPED_TRACE("unit fid " + std::to_string(u.fid) + " " + u.code);
        EXPECT_TRUE(std::regex_match(u.code, pattern)) << "bad code '" << u.code << "'";
        EXPECT_EQ(++seen[u.code], 1) << "duplicate code " << u.code;
        if (u.code.size() != 13) continue;
        EXPECT_EQ(u.code.substr(2, 6), u.xzqdm) << "county part of the code differs from XZQDM";
        EXPECT_EQ(std::string(1, u.code[8]), u.fl_text) << "category digit differs from ZHGKDYFL";
        EXPECT_NE(u.code.substr(9), "0000") << "serial 0000";
    }
}

TEST_F(BuildShandong, CountyAttributesMatchTheBoundary) {
    const auto& d = data();
    for (const auto& u : d.units) {
        SCOPED_TRACE("unit " + u.code);
        ASSERT_GE(u.county, 0) << "XZQDM '" << u.xzqdm << "' is no county of " << d.scheme.boundary_source;
        const CountyRec& c = d.counties[u.county];
        EXPECT_EQ(u.area, c.name) << "AREA is not the county's name";
        if (!d.scheme.city_field.empty()) {
            EXPECT_EQ(u.city, c.city) << "CITY is not the county's city";
        }
        if (!d.scheme.province.empty()) {
            EXPECT_EQ(u.prov, d.scheme.province) << "PROV";
        }
        EXPECT_TRUE(u.fl == 1 || u.fl == 2 || u.fl == 3) << "ZHGKDYFL " << u.fl_text;
    }
}

TEST_F(BuildShandong, MjIsTheGaussKrugerAreaInSquareKilometres) {
    const auto& d = data();
    int bad = 0;
    for (const auto& u : d.units) {
        const double mine = u.area_m2 / 1e6;
        // Relative 1e-7, and a square millimetre for the tiniest pieces.
        if (!(std::fabs(u.mj - mine) <= std::max(1e-7 * mine, 1e-12)) && ++bad <= 20)
            ADD_FAILURE() << "unit " << u.code << ": MJ " << u.mj_text << " km², GK (EPSG:" << u.epsg << ") area "
                          << std::setprecision(12) << mine << " km², relative difference "
                          << std::fabs(u.mj - mine) / mine;
    }
    EXPECT_EQ(bad, 0);
}

TEST_F(BuildShandong, YslxNamesTheFactorsOfTheScheme) {
    const auto& d = data();
    std::map<std::string, int> category_of;
    for (const auto& f : d.scheme.factors) category_of[f.id] = f.category;
    ASSERT_FALSE(category_of.empty());
    std::map<std::string, int> used;
    for (const auto& u : d.units) {
        SCOPED_TRACE("unit " + u.code + " YSLX '" + u.yslx + "'");
        std::set<std::string> ids;
        bool has_cat1 = false, has_cat2 = false;
        for (const auto& id : split_ids(u.yslx)) {
            EXPECT_TRUE(category_of.count(id)) << "'" << id << "' is no factor id of the scheme";
            EXPECT_TRUE(ids.insert(id).second) << "'" << id << "' listed twice";
            has_cat1 |= category_of[id] == 1;
            has_cat2 |= category_of[id] == 2;
            ++used[id];
        }
        // Priority beats key beats general, and slivers only merge into an
        // equal or stricter neighbour: the category follows from the factors.
        if (u.fl == 1) {
            EXPECT_TRUE(has_cat1) << "a priority unit made by no priority factor";
        } else if (u.fl == 2) {
            EXPECT_TRUE(has_cat2 && !has_cat1) << "a key unit must be made by key factors only";
        } else if (u.fl == 3) {
            EXPECT_TRUE(u.yslx.empty()) << "a general unit lists factors";
        }
    }
    for (const auto& f : d.scheme.factors)
        EXPECT_GT(used[f.id], 0) << "no unit lists factor '" << f.id << "'";
}

// ------------------------------------------------------------------ 5. determinism

TEST_F(BuildShandong, SecondBuildIsIdentical) {
    TempDir tmp("zonecli-det");
    const std::string out = tmp.file("again.gpkg");
    RunResult r = run_zone_build({shandong_scheme(), "-o", out, "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    LayerData a = read_layer(shandong_units() + "|layername=units");
    LayerData b = read_layer(out + "|layername=units");
    ASSERT_EQ(a.fields, b.fields);
    ASSERT_EQ(a.features.size(), b.features.size());
    int differences = 0;
    for (std::size_t i = 0; i < a.features.size() && differences < 10; ++i) {
        const Feature &fa = a.features[i], &fb = b.features[i];
        if (fa.fid != fb.fid) {
            ADD_FAILURE() << "feature " << i << ": fid " << fa.fid << " then " << fb.fid;
            ++differences;
        }
        for (const auto& field : a.fields) {
            if (fa[field] != fb[field] || fa.is_null.at(field) != fb.is_null.at(field)) {
                ADD_FAILURE() << "feature " << i << " (" << fa["HJZHGKDYBM"] << "): field " << field << " '"
                              << fa[field] << "' then '" << fb[field] << "'";
                ++differences;
            }
        }
        ASSERT_TRUE(fa.geom && fb.geom);
        if (wkb(*fa.geom) != wkb(*fb.geom)) {
            ADD_FAILURE() << "feature " << i << " (" << fa["HJZHGKDYBM"] << "): the geometry differs";
            ++differences;
        }
    }
    EXPECT_EQ(differences, 0);
}

// ------------------------------------------------------------------ 6. GBK reserve names

TEST_F(BuildShandong, GbkReserveNamesReachTheUnitNames) {
    const auto& d = data();
    const FactorInfo* reserves = d.scheme.factor_by_file("reserves.shp");
    ASSERT_NE(reserves, nullptr) << "the scheme has no factor from reserves.shp";
    ASSERT_FALSE(reserves->name_field.empty()) << "reserves are named by a name_field";
    fs::path cpg = fs::path(reserves->path).replace_extension(".cpg");
    ASSERT_TRUE(fs::exists(cpg)) << cpg << " is missing";

    LayerData layer = read_layer(reserves->source);
    ASSERT_FALSE(layer.features.empty());
    std::set<std::string> names;
    for (const auto& f : layer.features) {
        const std::string& n = f[reserves->name_field];
        EXPECT_TRUE(is_valid_utf8(n)) << "feature " << f.fid << ": OGR did not decode the name to UTF-8";
        EXPECT_TRUE(has_cjk(n)) << "feature " << f.fid << ": name '" << n << "' has no Chinese character";
        if (has_cjk(n)) names.insert(n);
    }
    ASSERT_FALSE(names.empty());

    int reserve_units = 0, named = 0;
    for (const auto& u : d.units) {
        EXPECT_TRUE(is_valid_utf8(u.name)) << "unit " << u.code << ": name is not valid UTF-8";
        EXPECT_FALSE(contains(u.name, "\xEF\xBF\xBD")) << "unit " << u.code << ": name '" << u.name
                                                       << "' has U+FFFD";
        EXPECT_TRUE(has_cjk(u.name)) << "unit " << u.code << ": name '" << u.name << "'";
        const auto ids = split_ids(u.yslx);
        if (std::find(ids.begin(), ids.end(), reserves->id) == ids.end()) continue;
        ++reserve_units;
        for (const auto& n : names)
            if (contains(u.name, n)) {
                ++named;
                break;
            }
    }
    EXPECT_GT(reserve_units, 0) << "no unit lists factor '" << reserves->id << "'";
    EXPECT_GT(named, 0) << "none of the " << reserve_units << " units of factor '" << reserves->id
                        << "' carries a reserve's name, e.g. '" << *names.begin() << "'";
}

// ------------------------------------------------------------------ 7. Shapefile export in GBK

TEST_F(BuildShandong, ShapefileExportInGbk) {
    const auto& d = data();
    TempDir tmp("zonecli-shp");
    const std::string out = tmp.file("units.shp");
    RunResult r = run_zone_build({shandong_scheme(), "-o", out, "--encoding", "GBK", "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    for (const char* ext : {".shp", ".shx", ".dbf", ".prj", ".cpg"})
        EXPECT_TRUE(fs::exists(tmp.file(std::string("units") + ext))) << "no units" << ext;
    EXPECT_TRUE(zonekit_leftovers(tmp.path()).empty());
    std::string cpg = read_file(tmp.file("units.cpg"));
    while (!cpg.empty() && std::isspace(static_cast<unsigned char>(cpg.back()))) cpg.pop_back();
    std::string upper;
    for (char c : cpg) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_TRUE(upper == "GBK" || upper == "CP936" || upper == "936") << ".cpg says '" << cpg << "'";

    LayerData shp = read_layer(out);
    LayerData gpkg = read_layer(shandong_units() + "|layername=units");
    ASSERT_EQ(shp.features.size(), gpkg.features.size());
    for (const auto& f : gpkg.fields)
        EXPECT_NE(std::find(shp.fields.begin(), shp.fields.end(), f), shp.fields.end()) << "field " << f << " lost";
    std::map<std::string, std::string> name_of;
    for (const auto& f : gpkg.features) name_of[f["HJZHGKDYBM"]] = f["HJZHGKDYMC"];
    int bad = 0;
    for (const auto& f : shp.features) {
        auto it = name_of.find(f["HJZHGKDYBM"]);
        if (it == name_of.end()) {
            if (++bad <= 10) ADD_FAILURE() << "code " << f["HJZHGKDYBM"] << " is not in the GeoPackage";
            continue;
        }
        if (f["HJZHGKDYMC"] != it->second && ++bad <= 10)
            ADD_FAILURE() << f["HJZHGKDYBM"] << ": '" << f["HJZHGKDYMC"] << "' in the Shapefile, '" << it->second
                          << "' in the GeoPackage";
    }
    EXPECT_EQ(bad, 0);

    // The DBF really holds GBK bytes, not UTF-8 behind a .cpg that says GBK:
    // read without recoding, the first Chinese name is not UTF-8 and is the
    // GBK spelling (two bytes a character) of the GeoPackage name.
    LayerData raw = read_layer(out, false, {"ENCODING="});
    ASSERT_EQ(raw.features.size(), shp.features.size());
    const std::string raw_name = raw.features[0]["HJZHGKDYMC"];
    const std::string utf8_name = shp.features[0]["HJZHGKDYMC"];
    ASSERT_TRUE(has_cjk(utf8_name));
    EXPECT_FALSE(is_valid_utf8(raw_name)) << "the DBF text is UTF-8, not GBK";
    char* gbk = CPLRecode(utf8_name.c_str(), CPL_ENC_UTF8, "CP936");
    EXPECT_EQ(raw_name, std::string(gbk));
    CPLFree(gbk);
    (void)d;
}

// ------------------------------------------------------------------ 8. GeoJSON on stdout

TEST_F(BuildShandong, DashWritesGeoJsonToStdout) {
    const auto& d = data();
    RunResult r = run_zone_build({shandong_scheme(), "-o", "-", "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    EXPECT_TRUE(r.err.empty()) << "-q, yet stderr says: " << r.err;
    ASSERT_FALSE(r.out.empty());
    TempDir tmp("zonecli-stdout");
    const std::string file = tmp.file("units.geojson");
    write_file(file, r.out);
    DatasetPtr ds = open_vector(file);
    ASSERT_TRUE(ds) << "OGR cannot read what zone-build wrote to stdout (" << r.out.size() << " bytes, starting '"
                    << r.out.substr(0, 80) << "')";
    ASSERT_EQ(ds->GetLayerCount(), 1);
    OGRLayer* layer = ds->GetLayer(0);
    EXPECT_EQ(layer->GetFeatureCount(), static_cast<GIntBig>(d.units.size()));
    std::set<std::string> codes, expected;
    for (auto& f : *layer) codes.insert(f->GetFieldAsString("HJZHGKDYBM"));
    for (const auto& u : d.units) expected.insert(u.code);
    EXPECT_EQ(codes, expected);
}

// ------------------------------------------------------------------ 9. opens styled in QGIS

// The unit map's style (zonekit(7) STYLES), as QGIS reads it: a categorised
// renderer on ZHGKDYFL with one fill of its own colour for each of the three
// categories, covering every category the map holds, and the codes as labels
// at larger scales only.
void expect_unit_map_style(const QmlStyle& s, const ShandongData& d, const std::string& where) {
    SCOPED_TRACE(where);
    ASSERT_TRUE(s.parse_error.empty()) << "the QML is not well-formed XML: " << s.parse_error;
    EXPECT_EQ(s.renderer_type, "categorizedSymbol");
    EXPECT_EQ(s.attr, "ZHGKDYFL");
    EXPECT_EQ(s.values, (std::vector<std::string>{"1", "2", "3"}));
    std::set<std::string> colours;
    for (const auto& v : s.values) {
        EXPECT_EQ(s.symbol_type.at(v), "fill") << "category " << v;
        EXPECT_FALSE(s.colour.at(v).empty()) << "category " << v << " has no fill colour";
        colours.insert(s.colour.at(v));
    }
    EXPECT_EQ(colours.size(), 3u) << "the three categories should not share a colour";
    std::set<std::string> in_map;
    for (const auto& u : d.units) in_map.insert(u.fl_text);
    for (const auto& v : in_map)
        EXPECT_NE(std::find(s.values.begin(), s.values.end(), v), s.values.end())
            << "units of category " << v << " would be drawn by no category";
    EXPECT_EQ(s.label_field, "HJZHGKDYBM");
    EXPECT_EQ(s.label_scale_visibility, "1") << "labels at every scale would cover the province";
    EXPECT_GT(std::atof(s.label_scale_max.c_str()), 0);
}

TEST_F(BuildShandong, GeoPackageCarriesItsQgisStyle) {
    std::string error;
    const auto styles = read_layer_styles(shandong_units(), &error);
    ASSERT_TRUE(error.empty()) << error;
    const StoredStyle* s = default_style_of(styles, "units");
    ASSERT_NE(s, nullptr) << "layer_styles has no default style for the layer units";
    // What QGIS's OGR provider looks the style up by.
    EXPECT_EQ(s->schema, "");
    EXPECT_EQ(s->geometry_column, geometry_column_of(shandong_units(), "units"));
    expect_unit_map_style(parse_qml(s->qml), data(), "layer_styles of " + shandong_units());
}

TEST_F(BuildShandong, ShapefileCarriesItsQgisStyleAsQml) {
    TempDir tmp("zonecli-qml");
    const std::string out = tmp.file("units.shp");
    RunResult r = run_zone_build({shandong_scheme(), "-o", out, "-q"});
    ASSERT_EQ(r.status, 0) << r.describe();
    ASSERT_TRUE(fs::exists(tmp.file("units.qml"))) << "no units.qml beside units.shp";
    EXPECT_TRUE(zonekit_leftovers(tmp.path()).empty());
    expect_unit_map_style(parse_qml(read_file(tmp.file("units.qml"))), data(), "units.qml");
}

}  // namespace

// A unit map under a layer name of the user's choosing still holds one layer
// for the tools that read it: the QGIS style table beside it does not count.
TEST_F(BuildShandong, MapUnderAnotherLayerNameIsReadWithoutNamingIt) {
    TempDir tmp("zonecli-layername");
    const std::string scheme = tmp.file("scheme.toml");
    write_scheme_variant(shandong_scheme(), scheme);
    {
        std::ofstream out(scheme, std::ios::app);
        out << "\n[output]\nlayer = \"danyuan\"\n";
    }
    const std::string map = tmp.file("map.gpkg");
    RunResult built = run_zone_build({scheme, "-o", map, "-q"});
    ASSERT_EQ(built.status, 0) << built.describe();
    GDALDatasetUniquePtr ds(GDALDataset::Open(map.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(ds);
    ASSERT_NE(ds->GetLayerByName("danyuan"), nullptr);
    ASSERT_NE(ds->GetLayerByName("layer_styles"), nullptr) << "the test needs the style table beside the units";
    ds.reset();
    RunResult checked = run_zone_check({"map", map, "--format", "json"});
    EXPECT_NE(checked.status, 2) << checked.describe();
    EXPECT_TRUE(contains(checked.out, "danyuan")) << checked.out.substr(0, 400);
}
