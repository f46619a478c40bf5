// zone-genrasters: deterministic rasters for zone-monitor's tests and
// benchmark, over a unit map:
//
//   zone-genrasters --units UNITS.gpkg -o OUTDIR [--pixel 30] [--planted 6] [--wetland-planted 3]
//
// writes, in OUTDIR,
//   ndvi_2019.tif, ndvi_2024.tif  an NDVI-like field (Int16, scale 1e-4, nodata
//       -32768) in CGCS2000 / 3-degree GK CM 117E (EPSG:4548), --pixel metres;
//       2024 is 2019 + 0.005 everywhere except: NDVI falls by 0.25 in the
//       interior (2 pixels in from the edge) of some priority units
//       (planted.txt lists them), and clouds (nodata) cover the interior of the
//       largest general unit (clouded.txt) — so that no other unit changes;
//   landcover_2019.tif, landcover_2024.tif  classes (Byte, nodata 0: 1 crop,
//       2 forest, 3 water, 4 wetland, 5 built-up) in EPSG:4326, wetland in the
//       Yellow River delta, covering only the map north of 35.8°N (a raster
//       that does not cover the whole map); 2024 is 2019 except that in the
//       interior (2 pixels in) of some priority units of the delta
//       (wetland_planted.txt) every wetland pixel became cropland (1): wetland
//       reclaimed, the decline the supervision looks for.
// The same inputs give the same files.
#include <CLI/CLI.hpp>
#include <cpl_conv.h>
#include <fmt/format.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::uint32_t hash(std::int64_t a, std::int64_t b) {
    std::uint64_t h = static_cast<std::uint64_t>(a) * 0x9E3779B97F4A7C15ull ^ static_cast<std::uint64_t>(b) * 0xC2B2AE3D27D4EB4Full;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return static_cast<std::uint32_t>(h);
}

double area(const OGRGeometry* g) {
    switch (wkbFlatten(g->getGeometryType())) {
        case wkbPolygon: return g->toPolygon()->get_Area();
        case wkbMultiPolygon: return g->toMultiPolygon()->get_Area();
        default: return 0;
    }
}

struct Unit {
    std::string code;
    int category = 0;
    std::unique_ptr<OGRGeometry> gk;      // in EPSG:4548
    std::unique_ptr<OGRGeometry> lonlat;  // as in the map (CGCS2000 degrees)
};

GDALDataset* create(const std::string& path, int w, int h, const double* gt, int epsg, GDALDataType type) {
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    const char* opts[] = {"TILED=YES", "COMPRESS=DEFLATE", "BIGTIFF=IF_SAFER", nullptr};
    GDALDataset* ds = drv->Create(path.c_str(), w, h, 1, type, const_cast<char**>(opts));
    if (!ds) throw std::runtime_error(path + ": cannot create");
    ds->SetGeoTransform(const_cast<double*>(gt));
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    ds->SetSpatialRef(&srs);
    return ds;
}

// Pixels whose centre lies in one of `geoms`, as 1 in a Byte grid of w x h in memory.
std::unique_ptr<GDALDataset> burn_mask(const std::vector<std::unique_ptr<OGRGeometry>>& geoms, int w, int h, const double* gt) {
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    std::unique_ptr<GDALDataset> mask(mem->Create("", w, h, 1, GDT_Byte, nullptr));
    mask->SetGeoTransform(const_cast<double*>(gt));
    int bands[] = {1};
    std::vector<OGRGeometryH> handles;
    for (auto& g : geoms) handles.push_back(OGRGeometry::ToHandle(g.get()));
    std::vector<double> values(handles.size(), 1);
    if (!handles.empty())
        GDALRasterizeGeometries(GDALDataset::ToHandle(mask.get()), 1, bands, static_cast<int>(handles.size()),
                                handles.data(), nullptr, nullptr, values.data(), nullptr, nullptr, nullptr);
    return mask;
}

int run(const std::string& units_path, const std::string& out, double pixel, int planted_count, int wetland_count) {
    GDALAllRegister();
    std::unique_ptr<GDALDataset> src(static_cast<GDALDataset*>(GDALOpenEx(units_path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
    if (!src) throw std::runtime_error(units_path + ": cannot open");
    OGRLayer* layer = src->GetLayerByName("units");
    if (!layer) layer = src->GetLayer(0);
    OGRSpatialReference gk, wgs84;
    gk.importFromEPSG(4548);
    wgs84.importFromEPSG(4326);
    gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference map_srs(*layer->GetSpatialRef());
    map_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_gk(OGRCreateCoordinateTransformation(&map_srs, &gk));
    std::vector<Unit> units;
    OGREnvelope env, lonlat;
    for (auto& f : *layer) {
        Unit u;
        u.code = f->GetFieldAsString("HJZHGKDYBM");
        u.category = f->GetFieldAsInteger("ZHGKDYFL");
        OGREnvelope e;
        f->GetGeometryRef()->getEnvelope(&e);
        lonlat.Merge(e);
        u.lonlat.reset(f->GetGeometryRef()->clone());
        u.gk.reset(f->GetGeometryRef()->clone());
        u.gk->transform(to_gk.get());
        u.gk->getEnvelope(&e);
        env.Merge(e);
        units.push_back(std::move(u));
    }
    std::sort(units.begin(), units.end(), [](const Unit& a, const Unit& b) { return a.code < b.code; });

    // The grid: whole pixels round the map.
    const double x0 = std::floor(env.MinX / pixel) * pixel, y1 = std::ceil(env.MaxY / pixel) * pixel;
    const int w = static_cast<int>(std::ceil((env.MaxX - x0) / pixel)), h = static_cast<int>(std::ceil((y1 - env.MinY) / pixel));
    const double gt[6] = {x0, pixel, 0, y1, 0, -pixel};

    // Planted declines and clouds, each the unit's interior 2 pixels in.
    std::vector<std::unique_ptr<OGRGeometry>> planted_geoms, cloud_geoms;
    std::ofstream planted_list(out + "/planted.txt"), clouded_list(out + "/clouded.txt");
    const double min_area = 400 * pixel * pixel;
    int seen = 0;
    for (const Unit& u : units) {
        if (u.category != 1 || static_cast<int>(planted_geoms.size()) >= planted_count) continue;
        const double a = area(u.gk.get());
        if (a < min_area || seen++ % 7 != 0) continue;
        std::unique_ptr<OGRGeometry> inner(u.gk->Buffer(-2 * pixel));
        if (!inner || inner->IsEmpty() || area(inner.get()) < 0.6 * a) continue;
        planted_list << u.code << "\n";
        planted_geoms.push_back(std::move(inner));
    }
    const Unit* cloud = nullptr;
    double cloud_area = 0;
    for (const Unit& u : units) {
        const double a = area(u.gk.get());
        if (u.category == 3 && a > cloud_area) cloud = &u, cloud_area = a;
    }
    if (cloud) {
        cloud_geoms.emplace_back(cloud->gk->Buffer(-2 * pixel));
        clouded_list << cloud->code << "\n";
    }

    // Burn them into a mask of the grid: 1 decline, 2 cloud.
    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    std::unique_ptr<GDALDataset> mask(mem->Create("", w, h, 1, GDT_Byte, nullptr));
    mask->SetGeoTransform(const_cast<double*>(gt));
    int bands[] = {1};
    for (int burn : {1, 2}) {
        auto& geoms = burn == 1 ? planted_geoms : cloud_geoms;
        std::vector<OGRGeometryH> handles;
        for (auto& g : geoms) handles.push_back(OGRGeometry::ToHandle(g.get()));
        std::vector<double> values(handles.size(), burn);
        if (!handles.empty())
            GDALRasterizeGeometries(GDALDataset::ToHandle(mask.get()), 1, bands, static_cast<int>(handles.size()),
                                    handles.data(), nullptr, nullptr, values.data(), nullptr, nullptr, nullptr);
    }

    GDALDataset* b = create(out + "/ndvi_2019.tif", w, h, gt, 4548, GDT_Int16);
    GDALDataset* c = create(out + "/ndvi_2024.tif", w, h, gt, 4548, GDT_Int16);
    for (GDALDataset* d : {b, c}) {
        d->GetRasterBand(1)->SetNoDataValue(-32768);
        d->GetRasterBand(1)->SetScale(1e-4);
        d->GetRasterBand(1)->SetOffset(0);
    }
    std::vector<std::int16_t> rb(static_cast<std::size_t>(w)), rc(static_cast<std::size_t>(w));
    std::vector<unsigned char> m(static_cast<std::size_t>(w));
    for (int r = 0; r < h; ++r) {
        if (mask->GetRasterBand(1)->RasterIO(GF_Read, 0, r, w, 1, m.data(), w, 1, GDT_Byte, 0, 0) != CE_None)
            throw std::runtime_error("cannot read the mask of declining pixels");
        for (int col = 0; col < w; ++col) {
            const double x = x0 + (col + 0.5) * pixel, y = y1 - (r + 0.5) * pixel;
            const double field = 4500 + 2000 * std::sin(x / 37000.0) * std::cos(y / 23000.0) +
                                 600 * std::sin((x + y) / 5100.0) + static_cast<double>(hash(col, r) % 400);
            const auto base = static_cast<std::int16_t>(std::lround(field));
            rb[static_cast<std::size_t>(col)] = base;
            const unsigned char k = m[static_cast<std::size_t>(col)];
            rc[static_cast<std::size_t>(col)] =
                k == 2 ? std::int16_t(-32768) : static_cast<std::int16_t>(base + (k == 1 ? -2500 : 50));
        }
        if (b->GetRasterBand(1)->RasterIO(GF_Write, 0, r, w, 1, rb.data(), w, 1, GDT_Int16, 0, 0) != CE_None ||
            c->GetRasterBand(1)->RasterIO(GF_Write, 0, r, w, 1, rc.data(), w, 1, GDT_Int16, 0, 0) != CE_None)
            throw std::runtime_error("cannot write the NDVI rasters");
    }
    GDALClose(b);
    GDALClose(c);

    // Land cover in degrees, north of 35.8°N only.
    const double deg = pixel / 111000.0;
    const double lx0 = std::floor(lonlat.MinX / deg) * deg, ly1 = std::ceil(lonlat.MaxY / deg) * deg;
    const int lw = static_cast<int>(std::ceil((lonlat.MaxX - lx0) / deg)), lh = static_cast<int>(std::ceil((ly1 - 35.8) / deg));
    const double lgt[6] = {lx0, deg, 0, ly1, 0, -deg};
    auto in_delta = [](double lon, double lat) {
        const double dx = (lon - 118.9) / 0.55, dy = (lat - 37.75) / 0.4;
        return dx * dx + dy * dy;  // below 1: the Yellow River delta
    };
    // Reclaimed wetland: priority units well inside the delta, large enough
    // to hold many pixels, their interior 2 pixels in.
    std::vector<std::unique_ptr<OGRGeometry>> reclaimed;
    std::ofstream wetland_list(out + "/wetland_planted.txt");
    for (const Unit& u : units) {
        if (u.category != 1 || static_cast<int>(reclaimed.size()) >= wetland_count) continue;
        OGRPoint centre;
        if (u.lonlat->Centroid(&centre) != OGRERR_NONE || in_delta(centre.getX(), centre.getY()) > 0.6) continue;
        const double a = area(u.lonlat.get());
        if (a < 100 * deg * deg) continue;
        std::unique_ptr<OGRGeometry> inner(u.lonlat->Buffer(-2 * deg));
        if (!inner || inner->IsEmpty() || area(inner.get()) < 0.5 * a) continue;
        wetland_list << u.code << "\n";
        reclaimed.push_back(std::move(inner));
    }
    wetland_list.close();
    const std::unique_ptr<GDALDataset> reclaim = burn_mask(reclaimed, lw, lh, lgt);
    for (const char* year : {"2019", "2024"}) {
        GDALDataset* d = create(out + "/landcover_" + year + ".tif", lw, lh, lgt, 4326, GDT_Byte);
        d->GetRasterBand(1)->SetNoDataValue(0);
        std::vector<unsigned char> row(static_cast<std::size_t>(lw)), lost(static_cast<std::size_t>(lw));
        for (int r = 0; r < lh; ++r) {
            if (reclaim->GetRasterBand(1)->RasterIO(GF_Read, 0, r, lw, 1, lost.data(), lw, 1, GDT_Byte, 0, 0) != CE_None)
                throw std::runtime_error("cannot read the mask of reclaimed wetland");
            for (int col = 0; col < lw; ++col) {
                const double lon = lx0 + (col + 0.5) * deg, lat = ly1 - (r + 0.5) * deg;
                const std::uint32_t n = hash(col / 3, r / 3) % 100;
                unsigned char k = n < 70 ? 1 : n < 82 ? 2 : n < 88 ? 3 : n < 90 ? 4 : 5;
                if (in_delta(lon, lat) < 1 && n < 60) k = 4;
                if (k == 4 && year[3] == '4' && lost[static_cast<std::size_t>(col)]) k = 1;
                row[static_cast<std::size_t>(col)] = k;
            }
            if (d->GetRasterBand(1)->RasterIO(GF_Write, 0, r, lw, 1, row.data(), lw, 1, GDT_Byte, 0, 0) != CE_None)
                throw std::runtime_error("cannot write the land-cover raster");
        }
        GDALClose(d);
    }
    std::fprintf(stderr,
                 "zone-genrasters: ndvi %d x %d (%.0f m), landcover %d x %d; %zu planted declines, %s clouded, %zu units "
                 "with wetland reclaimed\n",
                 w, h, pixel, lw, lh, planted_geoms.size(), cloud ? cloud->code.c_str() : "none", reclaimed.size());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Generates deterministic NDVI-like and land-cover rasters over a unit map (zone-monitor test data)"};
    std::string units, out;
    double pixel = 30;
    int planted = 6, wetland = 3;
    app.add_option("--units", units, "unit map (HJZHGKDYBM, ZHGKDYFL)")->required();
    app.add_option("-o,--output", out, "output folder (exists)")->required();
    app.add_option("--pixel", pixel, "NDVI pixel size in metres")->capture_default_str();
    app.add_option("--planted", planted, "priority units with a planted NDVI decline")->capture_default_str();
    app.add_option("--wetland-planted", wetland, "priority units of the Yellow River delta with wetland reclaimed in 2024")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    try {
        return run(units, out, pixel, planted, wetland);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "zone-genrasters: %s\n", e.what());
        return 2;
    }
}
