// Exact zonal statistics checked against an independent computation: every
// pixel as a polygon, intersected with the unit by GEOS directly, its share
// the intersection's area over the pixel's (and, in degrees, each row weighed
// by its cell area on the sphere, a closed form).
#include "zone/core/geos.hpp"
#include "zone/monitor/zonal.hpp"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <random>
#include <set>

namespace {

using zone::geos::Context;
using zone::geos::GeomPtr;

struct TestRaster {
    std::string path;
    int width = 0, height = 0;
    double gt[6]{};
    int epsg = 0;
    std::vector<double> values;       // raw
    std::vector<unsigned char> valid;
    double nodata = -9999;
    double scale = 1, offset = 0;
    double value(int r, int c) const { return values[static_cast<std::size_t>(r * width + c)]; }
    bool is_valid(int r, int c) const { return valid[static_cast<std::size_t>(r * width + c)] != 0; }
};

// A GeoTIFF in /vsimem/ with the nodata value where `valid` is 0.
TestRaster make_raster(const std::string& name, int width, int height, const std::array<double, 6>& gt, int epsg,
                       const std::function<double(int, int)>& value, const std::function<bool(int, int)>& valid,
                       double scale = 1, double offset = 0, GDALDataType type = GDT_Float32) {
    GDALAllRegister();
    TestRaster t;
    t.path = "/vsimem/test_zonal_" + name + ".tif";
    t.width = width;
    t.height = height;
    std::copy(gt.begin(), gt.end(), t.gt);
    t.epsg = epsg;
    t.scale = scale;
    t.offset = offset;
    if (type == GDT_Byte) t.nodata = 255;
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    char* opts[] = {const_cast<char*>("TILED=YES"), const_cast<char*>("BLOCKXSIZE=16"),
                    const_cast<char*>("BLOCKYSIZE=16"), nullptr};
    GDALDataset* ds = drv->Create(t.path.c_str(), width, height, 1, type, opts);
    ds->SetGeoTransform(t.gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    ds->SetSpatialRef(&srs);
    GDALRasterBand* b = ds->GetRasterBand(1);
    b->SetNoDataValue(t.nodata);
    if (scale != 1 || offset != 0) {
        b->SetScale(scale);
        b->SetOffset(offset);
    }
    for (int r = 0; r < height; ++r)
        for (int c = 0; c < width; ++c) {
            const bool ok = valid(r, c);
            t.values.push_back(ok ? value(r, c) : t.nodata);
            t.valid.push_back(ok);
        }
    EXPECT_EQ(b->RasterIO(GF_Write, 0, 0, width, height, t.values.data(), width, height, GDT_Float64, 0, 0), CE_None);
    GDALClose(ds);
    return t;
}

// A point as WKT text with every digit.
std::string fmt_point(double x, double y) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "%.17g %.17g", x, y);
    return buf;
}

GeomPtr wkt(const Context& ctx, const std::string& text) {
    GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
    GEOSGeometry* g = GEOSWKTReader_read_r(ctx, r, text.c_str());
    GEOSWKTReader_destroy_r(ctx, r);
    return zone::geos::own(ctx, g, "WKT");
}

// A star-shaped ring of `n` vertices round (cx, cy), radii in [r0, r1].
std::string star(std::mt19937& rng, double cx, double cy, double r0, double r1, int n, bool reverse = false) {
    std::string s = "(";
    std::vector<std::pair<double, double>> pts;
    for (int i = 0; i < n; ++i) {
        const double a = 2 * M_PI * i / n;
        const double rad = r0 + (r1 - r0) * (rng() % 100000) / 100000.0;
        pts.emplace_back(cx + rad * std::cos(a), cy + rad * std::sin(a));
    }
    if (reverse) std::reverse(pts.begin(), pts.end());
    pts.push_back(pts.front());
    for (std::size_t i = 0; i < pts.size(); ++i) s += (i ? ", " : "") + fmt_point(pts[i].first, pts[i].second);
    return s + ")";
}

struct Reference {
    double weight = 0, valid = 0, count = 0, sum = 0, weighted_sum = 0;
    double min = NAN, max = NAN;
    std::int64_t cells = 0;
    std::map<std::int64_t, double> classes;
    double mean() const { return weighted_sum / valid; }
};

// Every pixel of the raster's grid near the polygon as a GEOS polygon.
Reference reference(const Context& ctx, const GEOSGeometry* unit, const TestRaster& t, bool categorical,
                    double area_outside = 0) {
    Reference ref;
    const double pixel_area = std::fabs(t.gt[1] * t.gt[5]);
    const bool geographic = t.epsg == 4326 || t.epsg == 4490;
    // Cells outside the raster count in the unit's area but are never valid:
    // their share is the unit's area outside the raster, given by the caller.
    ref.weight = area_outside;
    for (int r = 0; r < t.height; ++r) {
        double w = 1;
        if (geographic) {
            const double top = (t.gt[3] + r * t.gt[5]) * M_PI / 180, bottom = (t.gt[3] + (r + 1) * t.gt[5]) * M_PI / 180;
            w = std::fabs(std::sin(top) - std::sin(bottom)) / std::fabs(top - bottom);
        }
        for (int c = 0; c < t.width; ++c) {
            const double x0 = t.gt[0] + c * t.gt[1], x1 = x0 + t.gt[1];
            const double y0 = t.gt[3] + r * t.gt[5], y1 = y0 + t.gt[5];
            GeomPtr cell = wkt(ctx, "POLYGON((" + fmt_point(x0, y0) + "," + fmt_point(x1, y0) + "," + fmt_point(x1, y1) +
                                        "," + fmt_point(x0, y1) + "," + fmt_point(x0, y0) + "))");
            GeomPtr inter = zone::geos::own(ctx, GEOSIntersection_r(ctx, cell.get(), unit), "intersection");
            double a = 0;
            GEOSArea_r(ctx, inter.get(), &a);
            const double f = a / pixel_area;
            if (f <= 0) continue;
            ref.weight += f * w;
            if (!t.is_valid(r, c)) continue;
            ++ref.cells;
            ref.count += f;
            ref.valid += f * w;
            if (categorical) {
                ref.classes[static_cast<std::int64_t>(std::llround(t.value(r, c)))] += f * w;
                continue;
            }
            const double v = t.value(r, c) * t.scale + t.offset;
            ref.sum += f * v;
            ref.weighted_sum += f * w * v;
            if (!(ref.min <= v)) ref.min = v;
            if (!(ref.max >= v)) ref.max = v;
        }
    }
    return ref;
}

void expect_near_rel(double got, double want, const char* what) {
    EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want))) << what;
}

void expect_same(const zone::ZonalStats& s, const Reference& ref, const std::string& label) {
    SCOPED_TRACE(label);
    expect_near_rel(s.weight, ref.weight, "unit area (weighted)");
    expect_near_rel(s.valid, ref.valid, "valid area (weighted)");
    expect_near_rel(s.count, ref.count, "count");
    EXPECT_EQ(s.cells, ref.cells);
    if (ref.valid > 0) expect_near_rel(s.valid_share(), ref.valid / ref.weight, "valid share");
    if (ref.classes.empty() && ref.valid > 0) {
        expect_near_rel(s.sum, ref.sum, "sum");
        expect_near_rel(s.mean, ref.mean(), "mean");
        EXPECT_EQ(s.min, ref.min);
        EXPECT_EQ(s.max, ref.max);
    }
    for (const auto& [value, area] : ref.classes) {
        ASSERT_TRUE(s.class_shares.count(value)) << "class " << value;
        expect_near_rel(s.class_shares.at(value), area / ref.valid, "class share");
    }
    EXPECT_EQ(s.class_shares.size(), ref.classes.size());
}

// An NDVI-like Int16 field with scale 1e-4 and nodata in a checkered pattern.
double ndvi_raw(int r, int c) { return std::round(3000 + 2500 * std::sin(r * 0.37) * std::cos(c * 0.23) + 17 * ((r * 31 + c * 17) % 11)); }
bool some_nodata(int r, int c) { return (r * 7 + c * 3) % 13 != 0; }

}  // namespace

TEST(Zonal, RandomPolygonsWithHolesOnAProjectedRasterMatchGeosPerPixel) {
    Context ctx;
    // CGCS2000 / 3-degree Gauss-Kruger CM 117E, 30 m pixels.
    const TestRaster t = make_raster("gk", 40, 30, {500000, 30, 0, 4100000, 0, -30}, 4548, ndvi_raw, some_nodata, 1e-4,
                                     0, GDT_Int16);
    zone::RasterReader reader(t.path, 1);
    EXPECT_DOUBLE_EQ(reader.scale(), 1e-4);
    std::mt19937 rng(12);
    for (int k = 0; k < 12; ++k) {
        const double cx = 500000 + 150 + (rng() % 900), cy = 4100000 - 150 - (rng() % 600);
        const double r1 = 60 + (rng() % 200);
        std::string poly = "POLYGON(" + star(rng, cx, cy, r1 * 0.6, r1, 7 + k * 3);
        if (k % 3 == 0) poly += ", " + star(rng, cx, cy, r1 * 0.2, r1 * 0.4, 9, true);
        poly += ")";
        GeomPtr g = wkt(ctx, poly);
        ASSERT_EQ(GEOSisValid_r(ctx, g.get()), 1) << poly;
        const zone::ZonalStats s = zone::zonal_stats(ctx, g.get(), reader, false);
        expect_same(s, reference(ctx, g.get(), t, false), "polygon " + std::to_string(k));
        double area = 0;
        GEOSArea_r(ctx, g.get(), &area);
        expect_near_rel(s.area_px, area / 900, "area in pixels");
    }
}

TEST(Zonal, MultiPolygonAndPixelAlignedEdges) {
    Context ctx;
    const TestRaster t = make_raster("aligned", 10, 10, {0, 10, 0, 100, 0, -10}, 4548,
                                     [](int r, int c) { return r * 10 + c; }, [](int, int) { return true; });
    zone::RasterReader reader(t.path, 1);
    // Exactly cells (row 2-3, col 1-3) and half of cell (row 5, col 5).
    GeomPtr g = wkt(ctx, "MULTIPOLYGON(((10 80, 40 80, 40 60, 10 60, 10 80)), ((50 50, 60 50, 60 45, 50 45, 50 50)))");
    const zone::ZonalStats s = zone::zonal_stats(ctx, g.get(), reader, false);
    EXPECT_NEAR(s.count, 6.5, 1e-12);
    EXPECT_EQ(s.cells, 7);
    EXPECT_NEAR(s.sum, 21 + 22 + 23 + 31 + 32 + 33 + 0.5 * 55, 1e-9);
    EXPECT_EQ(s.min, 21);
    EXPECT_EQ(s.max, 55);
    expect_same(s, reference(ctx, g.get(), t, false), "aligned");
}

TEST(Zonal, UnitsSmallerThanAPixel) {
    Context ctx;
    const TestRaster t = make_raster("small", 6, 6, {1000, 100, 0, 2000, 0, -100}, 4548,
                                     [](int r, int c) { return 1 + r * 6 + c; }, [](int, int) { return true; });
    zone::RasterReader reader(t.path, 1);
    // Inside one pixel: its value, a share of 0.0012 of the pixel.
    GeomPtr inside = wkt(ctx, "POLYGON((1210 1790, 1216 1790, 1216 1770, 1210 1770, 1210 1790))");
    const zone::ZonalStats a = zone::zonal_stats(ctx, inside.get(), reader, false);
    EXPECT_EQ(a.cells, 1);
    EXPECT_NEAR(a.count, 6.0 * 20 / 10000, 1e-15);
    EXPECT_DOUBLE_EQ(a.mean, 1 + 2 * 6 + 2);
    EXPECT_DOUBLE_EQ(a.valid_share(), 1);
    // Across a pixel corner: four pixels, a triangle.
    GeomPtr corner = wkt(ctx, "POLYGON((1290 1710, 1330 1705, 1295 1680, 1290 1710))");
    const zone::ZonalStats b = zone::zonal_stats(ctx, corner.get(), reader, false);
    EXPECT_EQ(b.cells, 4);
    expect_same(b, reference(ctx, corner.get(), t, false), "corner");
}

TEST(Zonal, GeographicRasterWeighsCellsByTheirArea) {
    Context ctx;
    // EPSG:4326, 0.01° pixels from 36.5°N to 37.0°N.
    const TestRaster t = make_raster("wgs84", 50, 50, {117.0, 0.01, 0, 37.0, 0, -0.01}, 4326, ndvi_raw, some_nodata);
    zone::RasterReader reader(t.path, 1);
    EXPECT_TRUE(reader.grid().geographic);
    std::mt19937 rng(7);
    for (int k = 0; k < 5; ++k) {
        std::string poly = "POLYGON(" + star(rng, 117.25, 36.75, 0.05 + 0.03 * k, 0.1 + 0.04 * k, 11 + k) + ")";
        GeomPtr g = wkt(ctx, poly);
        const zone::ZonalStats s = zone::zonal_stats(ctx, g.get(), reader, false);
        expect_same(s, reference(ctx, g.get(), t, false), "geographic " + std::to_string(k));
    }
}

TEST(Zonal, RasterNotCoveringTheUnitLeavesTheRestNotValid) {
    Context ctx;
    const TestRaster t = make_raster("partial", 10, 10, {0, 10, 0, 100, 0, -10}, 4548,
                                     [](int r, int c) { return r + c; }, some_nodata);
    zone::RasterReader reader(t.path, 1);
    // 60 % of the square lies left of the raster and above it.
    GeomPtr g = wkt(ctx, "POLYGON((-35 125, 37 125, 37 65, -35 65, -35 125))");
    const zone::ZonalStats s = zone::zonal_stats(ctx, g.get(), reader, false);
    double total = 0, inside = 0;
    GEOSArea_r(ctx, g.get(), &total);
    GeomPtr raster_box = wkt(ctx, "POLYGON((0 0, 100 0, 100 100, 0 100, 0 0))");
    GeomPtr in = zone::geos::own(ctx, GEOSIntersection_r(ctx, g.get(), raster_box.get()), "intersection");
    GEOSArea_r(ctx, in.get(), &inside);
    expect_same(s, reference(ctx, g.get(), t, false, (total - inside) / 100), "partial");
    EXPECT_LT(s.valid_share(), inside / total + 1e-12);
    // Wholly outside: nothing valid, its area still known.
    GeomPtr away = wkt(ctx, "POLYGON((500 500, 510 500, 510 510, 500 510, 500 500))");
    const zone::ZonalStats o = zone::zonal_stats(ctx, away.get(), reader, false);
    EXPECT_EQ(o.cells, 0);
    EXPECT_EQ(o.valid_share(), 0);
    EXPECT_NEAR(o.area_px, 1, 1e-12);
    EXPECT_TRUE(std::isnan(o.mean));
}

TEST(Zonal, CategoricalClassSharesMatchGeosPerPixel) {
    Context ctx;
    const TestRaster t = make_raster("classes", 30, 20, {400000, 30, 0, 4000000, 0, -30}, 4548,
                                     [](int r, int c) { return 1 + (r / 3 + c / 4) % 5; }, some_nodata, 1, 0, GDT_Byte);
    zone::RasterReader reader(t.path, 1);
    std::mt19937 rng(3);
    for (int k = 0; k < 4; ++k) {
        GeomPtr g = wkt(ctx, "POLYGON(" + star(rng, 400450, 3999700, 80 + 40 * k, 150 + 60 * k, 13) + ")");
        const zone::ZonalStats s = zone::zonal_stats(ctx, g.get(), reader, true);
        const Reference ref = reference(ctx, g.get(), t, true);
        expect_same(s, ref, "classes " + std::to_string(k));
        double total = 0;
        for (const auto& [v, share] : s.class_shares) total += share;
        EXPECT_NEAR(total, 1, 1e-12);
    }
}

TEST(Zonal, RasterErrorsNameTheFile) {
    EXPECT_THROW(zone::inspect_raster("/nonexistent/ndvi.tif"), std::exception);
    try {
        zone::inspect_raster("/nonexistent/ndvi.tif");
    } catch (const std::exception& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent/ndvi.tif"), std::string::npos) << e.what();
    }
    const TestRaster t = make_raster("band", 2, 2, {0, 1, 0, 2, 0, -1}, 4548, [](int, int) { return 1; },
                                     [](int, int) { return true; });
    EXPECT_THROW(zone::inspect_raster(t.path, 2), std::exception);
}

TEST(Zonal, FloatNodataAsTheBandStoresItAndNaNAreNotValid) {
    Context ctx;
    GDALAllRegister();
    const std::string path = "/vsimem/test_zonal_float_nodata.tif";
    GDALDataset* ds = GetGDALDriverManager()->GetDriverByName("GTiff")->Create(path.c_str(), 4, 1, 1, GDT_Float32, nullptr);
    double gt[6] = {0, 10, 0, 10, 0, -10};
    ds->SetGeoTransform(gt);
    OGRSpatialReference srs;
    srs.importFromEPSG(4548);
    ds->SetSpatialRef(&srs);
    ds->GetRasterBand(1)->SetNoDataValue(-9999.9);  // not a float: stored as the nearest one
    const float values[4] = {1.0f, -9999.9f, NAN, 4.0f};
    EXPECT_EQ(ds->GetRasterBand(1)->RasterIO(GF_Write, 0, 0, 4, 1, const_cast<float*>(values), 4, 1, GDT_Float32, 0, 0),
              CE_None);
    GDALClose(ds);
    zone::RasterReader reader(path, 1);
    GeomPtr all = wkt(ctx, "POLYGON((0 0, 40 0, 40 10, 0 10, 0 0))");
    const zone::ZonalStats s = zone::zonal_stats(ctx, all.get(), reader, false);
    EXPECT_EQ(s.cells, 2);
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_DOUBLE_EQ(s.valid_share(), 0.5);
}
