// zone-check map's engine over data (check_unit_map with CheckReferences):
// a map, a county and a red line built here in memory, with the areas the
// check reports compared against OGR's own areas in the Gauss-Krüger zone
// (EPSG:4548, central meridian 117°E) computed through PROJ.
#include "zone/check/check.hpp"
#include "zone/check/check_expect.hpp"
#include "zone/check/check_references.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/unit_layer.hpp"

#include <geos_c.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

std::unique_ptr<OGRGeometry> ogr(const std::string& wkt) {
    OGRGeometry* g = nullptr;
    EXPECT_EQ(OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g), OGRERR_NONE) << wkt;
    return std::unique_ptr<OGRGeometry>(g);
}

std::vector<unsigned char> wkb(const std::string& wkt) {
    const auto g = ogr(wkt);
    std::vector<unsigned char> out(g->WkbSize());
    g->exportToWkb(wkbNDR, out.data(), wkbVariantIso);
    return out;
}

// The area of a lon/lat polygon in CGCS2000 / 3-degree Gauss-Kruger CM 117E.
double gauss_kruger_area_m2(const std::string& wkt) {
    OGRSpatialReference lonlat, gk;
    lonlat.importFromEPSG(4490);
    lonlat.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    gk.importFromEPSG(4548);
    gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    auto g = ogr(wkt);
    g->assignSpatialReference(&lonlat);
    EXPECT_EQ(g->transformTo(&gk), OGRERR_NONE);
    return g->toSurface()->get_Area();
}

std::string box(double x0, double y0, double x1, double y1) {
    return "MULTIPOLYGON (((" + std::to_string(x0) + " " + std::to_string(y0) + "," + std::to_string(x1) + " " +
           std::to_string(y0) + "," + std::to_string(x1) + " " + std::to_string(y1) + "," + std::to_string(x0) + " " +
           std::to_string(y1) + "," + std::to_string(x0) + " " + std::to_string(y0) + ")))";
}

// Two units side by side in county 370102: a priority unit and a general one.
zone::UnitLayer two_units() {
    zone::UnitLayer map;
    map.source = "units (in memory)";
    map.where = zone::Where{map.source, "units", {}, {}};
    auto* srs = new OGRSpatialReference();
    srs->importFromEPSG(4490);
    map.crs.reset(srs);
    for (const char* field : {"HJZHGKDYBM", "XZQDM"}) map.field_types[zone::unit_field_index(field)] = OFTString;
    map.field_types[zone::unit_field_index("ZHGKDYFL")] = OFTInteger;
    auto unit = [&](std::int64_t fid, const char* code, const char* category, const std::string& wkt) {
        zone::UnitLayerFeature f;
        f.fid = fid;
        f.values[zone::unit_field_index("HJZHGKDYBM")] = code;
        f.values[zone::unit_field_index("XZQDM")] = "370102";
        f.values[zone::unit_field_index("ZHGKDYFL")] = category;
        f.wkb = wkb(wkt);
        map.features.push_back(std::move(f));
    };
    unit(1, "ZH37010210001", "1", box(117.0, 36.0, 117.1, 36.1));
    unit(2, "ZH37010230001", "3", box(117.1, 36.0, 117.2, 36.1));
    return map;
}

std::vector<const zone::Finding*> with_rule(const zone::CheckReport& report, const std::string& rule) {
    std::vector<const zone::Finding*> out;
    for (const auto& f : report.findings)
        if (f.rule == rule) out.push_back(&f);
    return out;
}

zone::CheckOptions one_thread() {
    zone::CheckOptions options;
    options.threads = 1;
    return options;
}

TEST(CheckReferences, TheCountyAndRedLineGivenAsDataAreWhatTheMapIsCheckedAgainst) {
    const zone::geos::Context ctx;
    zone::CheckReferences refs;
    // The county reaches a tenth of a degree further east than the units do.
    zone::Boundary& boundary = refs.boundary.emplace();
    boundary.file = "counties (in memory)";
    boundary.crs_geographic = true;
    zone::BoundaryCounty county;
    county.fid = 7;
    county.code = "370102";
    county.geom = zone::geos::from_wkb(ctx, wkb(box(117.0, 36.0, 117.3, 36.1)));
    boundary.counties.push_back(std::move(county));
    // Red-line land in the general unit and in the county's uncovered land.
    zone::ReferenceLayer red;
    red.expectation = zone::redline_expectation("redline (in memory)", 1.0);
    red.redline = true;
    red.layer.layer_name = "redline";
    red.layer.crs_geographic = true;
    zone::PolygonFeature patch;
    patch.fid = 3;
    patch.geom = zone::geos::from_wkb(ctx, wkb(box(117.15, 36.02, 117.25, 36.08)));
    red.layer.features.push_back(std::move(patch));
    refs.layers.push_back(std::move(red));

    const zone::CheckReport report = zone::check_unit_map(two_units(), refs, one_thread());

    const auto gaps = with_rule(report, "coverage.gap");
    ASSERT_EQ(gaps.size(), 1u);
    EXPECT_EQ(gaps[0]->fid2, 7);
    const double gap = gauss_kruger_area_m2(box(117.2, 36.0, 117.3, 36.1));
    ASSERT_TRUE(gaps[0]->area_m2);
    EXPECT_NEAR(*gaps[0]->area_m2, gap, gap * 1e-6);

    const auto red_findings = with_rule(report, "redline.not_priority");
    const auto in_unit = std::find_if(red_findings.begin(), red_findings.end(),
                                      [](const zone::Finding* f) { return f->fid == 2; });
    ASSERT_NE(in_unit, red_findings.end()) << red_findings.size() << " red-line findings";
    EXPECT_EQ((*in_unit)->code, "ZH37010230001");
    EXPECT_EQ((*in_unit)->fid2, 3);
    const double in_general = gauss_kruger_area_m2(box(117.15, 36.02, 117.2, 36.08));
    ASSERT_TRUE((*in_unit)->area_m2);
    EXPECT_NEAR(*(*in_unit)->area_m2, in_general, in_general * 1e-6);
    EXPECT_TRUE(std::none_of(red_findings.begin(), red_findings.end(), [](const zone::Finding* f) { return f->fid == 1; }));
}

TEST(CheckReferences, WithoutThemTheLandBeyondTheUnitsIsNoGapAndNoRedLineIsChecked) {
    const zone::CheckReport report = zone::check_unit_map(two_units(), zone::CheckReferences{}, one_thread());
    EXPECT_TRUE(with_rule(report, "coverage.gap").empty());
    EXPECT_TRUE(with_rule(report, "redline.not_priority").empty());
    EXPECT_TRUE(with_rule(report, "coverage.outside").empty());
}

}  // namespace
