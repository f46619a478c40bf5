// The map as a PNG for slides, through GDAL alone: the units are burnt into
// an in-memory raster by category (gdal_rasterize's API), then the county
// lines and the city lines; a colour table gives the categories the colours
// of the HTML map, and the PNG driver writes it.
#include "io/gdal_util.hpp"
#include "report/report_detail.hpp"
#include "zone/report/report_output.hpp"
#include "zone/io/source.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_alg.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>

#include <cmath>
#include <memory>
#include <stdexcept>

namespace zone {

namespace {

std::unique_ptr<OGRGeometry> decode_wkb(const std::vector<unsigned char>& wkb) {
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &g, wkb.size()) != OGRERR_NONE || !g)
        throw std::runtime_error("map: cannot decode a geometry");
    return std::unique_ptr<OGRGeometry>(g);
}

// The rings of a (multi)polygon as lines: burnt as lines, not areas.
std::unique_ptr<OGRGeometry> rings_of(const OGRGeometry& g) {
    auto lines = std::make_unique<OGRMultiLineString>();
    auto add_polygon = [&](const OGRPolygon& p) {
        for (const OGRLinearRing* ring : p) {
            OGRLineString line(*ring);
            lines->addGeometry(&line);
        }
    };
    if (wkbFlatten(g.getGeometryType()) == wkbPolygon) {
        add_polygon(*g.toPolygon());
    } else if (wkbFlatten(g.getGeometryType()) == wkbMultiPolygon) {
        for (const OGRPolygon* p : *g.toMultiPolygon()) add_polygon(*p);
    }
    return lines;
}

struct Colour {
    short r, g, b;
};

Colour parse_colour(const char* hex) {
    auto byte = [&](int i) { return static_cast<short>(std::stoi(std::string(hex + i, 2), nullptr, 16)); };
    return {byte(1), byte(3), byte(5)};
}

void burn(GDALDataset& ds, const std::vector<std::unique_ptr<OGRGeometry>>& geoms, double value,
          const char* const* options) {
    if (geoms.empty()) return;
    std::vector<OGRGeometryH> handles;
    std::vector<double> values(geoms.size(), value);
    for (const auto& g : geoms) handles.push_back(OGRGeometry::ToHandle(g.get()));
    int band = 1;
    if (GDALRasterizeGeometries(&ds, 1, &band, static_cast<int>(handles.size()), handles.data(), nullptr, nullptr,
                                values.data(), const_cast<char**>(options), nullptr, nullptr) != CE_None)
        throw std::runtime_error(std::string("map: rasterising failed: ") + CPLGetLastErrorMsg());
}

}  // namespace

void write_map_png(const Report& r, const std::string& path, int width) {
    gdal_init();
    const ReportMap& map = r.map;
    if (map.empty()) throw std::runtime_error("map: the report has no map geometry");
    if (width < 50 || width > 20000) throw std::invalid_argument("map width must be 50 to 20000 pixels");
    // A margin of 1 % keeps the outline off the edge.
    const int pad = std::max(2, width / 100);
    const double res = (map.maxx - map.minx) / (width - 2 * pad);
    const int height = static_cast<int>(std::lround((map.maxy - map.miny) / res)) + 2 * pad;

    GDALDriver* mem = GetGDALDriverManager()->GetDriverByName("MEM");
    GDALDriver* png = GetGDALDriverManager()->GetDriverByName("PNG");
    if (!mem || !png) throw std::runtime_error("this GDAL lacks the MEM or PNG driver");
    GDALDatasetUniquePtr ds(mem->Create("", width, height, 1, GDT_Byte, nullptr));
    if (!ds) throw std::runtime_error(std::string("map: cannot create the raster: ") + CPLGetLastErrorMsg());
    double gt[6] = {map.minx - pad * res, res, 0, map.maxy + pad * res, 0, -res};
    ds->SetGeoTransform(gt);
    ds->GetRasterBand(1)->Fill(0);

    // General first, priority last: where a pixel is shared the stricter
    // category shows, as it would on the ground.
    for (int k : {3, 2, 1}) {
        std::vector<std::unique_ptr<OGRGeometry>> geoms;
        for (std::size_t i = 0; i < r.units.size(); ++i)
            if (r.units[i].category == k) geoms.push_back(decode_wkb(map.units[i]));
        burn(*ds, geoms, k, nullptr);
    }
    std::vector<std::unique_ptr<OGRGeometry>> counties, cities;
    for (const auto& o : map.counties) counties.push_back(rings_of(*decode_wkb(o.wkb)));
    burn(*ds, counties, 4, nullptr);
    // City lines two pixels wide: the band around each outline.
    for (const auto& o : map.cities) {
        std::unique_ptr<OGRGeometry> lines = rings_of(*decode_wkb(o.wkb));
        cities.emplace_back(lines->Buffer(res * 0.9, 2));
    }
    burn(*ds, cities, 5, nullptr);

    GDALColorTable table;
    const GDALColorEntry white{255, 255, 255, 255};
    table.SetColorEntry(0, &white);
    for (int k = 1; k <= 3; ++k) {
        const Colour c = parse_colour(category_colour(k));
        const GDALColorEntry e{c.r, c.g, c.b, 255};
        table.SetColorEntry(k, &e);
    }
    const GDALColorEntry county{122, 122, 122, 255}, city{34, 34, 34, 255};
    table.SetColorEntry(4, &county);
    table.SetColorEntry(5, &city);
    ds->GetRasterBand(1)->SetColorTable(&table);
    ds->GetRasterBand(1)->SetColorInterpretation(GCI_PaletteIndex);

    // No .aux.xml beside a slide picture.
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", "NO");
    detail::QuietGdal quiet;  // libpng's own complaint is in the exception
    CPLErrorReset();
    GDALDatasetUniquePtr out(png->CreateCopy(path.c_str(), ds.get(), FALSE, nullptr, nullptr, nullptr));
    const bool ok = out != nullptr;
    out.reset();
    CPLSetThreadLocalConfigOption("GDAL_PAM_ENABLED", nullptr);
    if (!ok || CPLGetLastErrorType() == CE_Failure)
        throw std::runtime_error("cannot write " + detail::target_path(path) + detail::file_size_limit_note() + ": " +
                                 CPLGetLastErrorMsg());
}

}  // namespace zone
