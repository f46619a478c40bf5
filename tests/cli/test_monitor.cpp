// zone-monitor on the Shandong map with generated rasters (zone-genrasters):
// the planted declines are flagged and nothing else, the clouded unit is not
// assessable, and the statistics of a sample of real units agree with every
// pixel intersected with the unit by GEOS directly (not libzone).
#include "support.hpp"

#include <cpl_conv.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace {

using zt::RunResult;

std::vector<std::string> split(const std::string& line, char sep = ',') {
    std::vector<std::string> out;
    std::string item;
    std::istringstream in(line);
    while (std::getline(in, item, sep)) out.push_back(item);
    if (!line.empty() && line.back() == sep) out.emplace_back();
    return out;
}

// Rows of a CSV without quoted fields, as maps by header name.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& text) {
    std::istringstream in(text.rfind("\xEF\xBB\xBF", 0) == 0 ? text.substr(3) : text);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto header = split(line);
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        const auto cells = split(line);
        std::map<std::string, std::string> row;
        for (std::size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
        rows.push_back(row);
    }
    return rows;
}

std::set<std::string> lines_of(const std::string& path) {
    std::set<std::string> out;
    std::ifstream in(path);
    for (std::string l; std::getline(in, l);)
        if (!l.empty()) out.insert(l);
    return out;
}

// The generated rasters, made once per test process.
class Monitor : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new zt::TempDir("zonemonitor");
        const RunResult r = zt::run({ZONE_GENRASTERS_EXE, "--units", zt::shandong_units(), "-o", dir_->path().string(),
                                     "--pixel", "500"});
        ASSERT_EQ(r.status, 0) << r.describe();
    }
    static void TearDownTestSuite() {
        delete dir_;
        dir_ = nullptr;
    }
    static std::string file(const std::string& name) { return dir_->file(name); }
    static zt::TempDir* dir_;
};
zt::TempDir* Monitor::dir_ = nullptr;

struct PixelStats {
    double weight = 0, valid = 0, weighted_sum = 0;
    std::map<int, double> classes;
};

// Cells holding text (t="s", "str", "inlineStr"), by column, below the
// header row of an XLSX workbook's first sheet, read from its XML.
std::map<std::string, int> text_cells_by_column(const std::string& xlsx) {
    const std::string sheet = "/vsizip/" + xlsx + "/xl/worksheets/sheet1.xml";
    VSILFILE* f = VSIFOpenL(sheet.c_str(), "rb");
    EXPECT_TRUE(f) << sheet;
    std::string xml;
    if (f) {
        char buf[65536];
        for (std::size_t n; (n = VSIFReadL(buf, 1, sizeof buf, f)) > 0;) xml.append(buf, n);
        VSIFCloseL(f);
    }
    std::map<std::string, int> out;
    for (std::size_t at = xml.find("<c r=\""); at != std::string::npos; at = xml.find("<c r=\"", at + 1)) {
        std::size_t i = at + 6;
        std::string column;
        while (i < xml.size() && std::isupper(static_cast<unsigned char>(xml[i]))) column += xml[i++];
        if (xml.compare(i, 2, "1\"") == 0) continue;  // the header row
        const std::string tag = xml.substr(at, xml.find('>', at) - at);
        if (tag.find(" t=\"") != std::string::npos) ++out[column];
    }
    return out;
}

// A unit's share of class `k` among its valid pixels, from per_pixel.
double class_share(const PixelStats& p, int k) {
    const auto it = p.classes.find(k);
    return p.valid > 0 && it != p.classes.end() ? it->second / p.valid : 0;
}

// Every pixel near the unit as a GEOS polygon, intersected with the unit (in
// the raster's CRS). Rows weigh their cell area on the sphere in degrees.
PixelStats per_pixel(GEOSGeometry* unit, const std::string& raster) {
    GEOSContextHandle_t h = zt::geos();
    zt::DatasetPtr ds(static_cast<GDALDataset*>(GDALOpen(raster.c_str(), GA_ReadOnly)));
    double gt[6];
    ds->GetGeoTransform(gt);
    GDALRasterBand* band = ds->GetRasterBand(1);
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    int ok = 0;
    double scale = band->GetScale(&ok);
    if (!ok) scale = 1;
    const bool geographic = ds->GetSpatialRef()->IsGeographic();
    double xmin, ymin, xmax, ymax;
    GEOSGeom_getXMin_r(h, unit, &xmin);
    GEOSGeom_getXMax_r(h, unit, &xmax);
    GEOSGeom_getYMin_r(h, unit, &ymin);
    GEOSGeom_getYMax_r(h, unit, &ymax);
    double total = 0;
    GEOSArea_r(h, unit, &total);
    const int c0 = std::max(0, static_cast<int>(std::floor((xmin - gt[0]) / gt[1])));
    const int c1 = std::min(ds->GetRasterXSize(), static_cast<int>(std::ceil((xmax - gt[0]) / gt[1])));
    const int r0 = std::max(0, static_cast<int>(std::floor((ymax - gt[3]) / gt[5])));
    const int r1 = std::min(ds->GetRasterYSize(), static_cast<int>(std::ceil((ymin - gt[3]) / gt[5])));
    PixelStats s;
    const double pixel_area = std::fabs(gt[1] * gt[5]);
    double inside = 0;  // the unit's area inside raster cells, in the CRS
    // Cells wholly inside need no intersection: their share is 1.
    const GEOSPreparedGeometry* prepared = GEOSPrepare_r(h, unit);
    for (int r = r0; r < r1; ++r) {
        double w = 1;
        if (geographic) {
            const double top = (gt[3] + r * gt[5]) * M_PI / 180, bottom = (gt[3] + (r + 1) * gt[5]) * M_PI / 180;
            w = std::fabs(std::sin(top) - std::sin(bottom)) / std::fabs(top - bottom);
        }
        std::vector<double> row(static_cast<std::size_t>(c1 - c0));
        EXPECT_EQ(band->RasterIO(GF_Read, c0, r, c1 - c0, 1, row.data(), c1 - c0, 1, GDT_Float64, 0, 0), CE_None);
        for (int c = c0; c < c1; ++c) {
            const double x0 = gt[0] + c * gt[1], x1 = x0 + gt[1], y0 = gt[3] + r * gt[5], y1 = y0 + gt[5];
            GEOSGeometry* cell = GEOSGeom_createRectangle_r(h, std::min(x0, x1), std::min(y0, y1), std::max(x0, x1),
                                                            std::max(y0, y1));
            double a = 0;
            if (GEOSPreparedContainsProperly_r(h, prepared, cell) == 1) {
                a = pixel_area;
            } else if (GEOSPreparedIntersects_r(h, prepared, cell) == 1) {
                GEOSGeometry* inter = GEOSIntersection_r(h, cell, unit);
                GEOSArea_r(h, inter, &a);
                GEOSGeom_destroy_r(h, inter);
            }
            GEOSGeom_destroy_r(h, cell);
            if (a <= 0) continue;
            inside += a;
            const double f = a / pixel_area;
            s.weight += f * w;
            const double v = row[static_cast<std::size_t>(c - c0)];
            if (has_nodata && v == nodata) continue;
            s.valid += f * w;
            s.weighted_sum += f * w * v * scale;
            s.classes[static_cast<int>(v)] += f * w;
        }
    }
    GEOSPreparedGeom_destroy_r(h, prepared);
    // The part outside the raster counts in the unit's area, weighed by the
    // rows it lies in; for the sample it is within the raster's columns and
    // south of its last row, whose weight is close to its neighbours'.
    if (total - inside > 1e-12 * total) {
        const int last = ds->GetRasterYSize();
        double w = 1;
        if (geographic) {
            // Integrate the outside area's weight row by row south of the raster.
            double outside_weight = 0;
            for (int r = last; gt[3] + r * gt[5] > ymin; ++r) {
                const double top = (gt[3] + r * gt[5]) * M_PI / 180, bottom = (gt[3] + (r + 1) * gt[5]) * M_PI / 180;
                const double rw = std::fabs(std::sin(top) - std::sin(bottom)) / std::fabs(top - bottom);
                GEOSGeometry* band_geom = GEOSGeom_createRectangle_r(h, xmin - 1, std::min(gt[3] + (r + 1) * gt[5], gt[3] + r * gt[5]),
                                                                     xmax + 1, std::max(gt[3] + (r + 1) * gt[5], gt[3] + r * gt[5]));
                GEOSGeometry* inter = GEOSIntersection_r(h, band_geom, unit);
                double a = 0;
                GEOSArea_r(h, inter, &a);
                GEOSGeom_destroy_r(h, inter);
                GEOSGeom_destroy_r(h, band_geom);
                outside_weight += a / pixel_area * rw;
            }
            s.weight += outside_weight;
        } else {
            s.weight += (total - inside) / pixel_area * w;
        }
    }
    return s;
}

GEOSGeometry* to_geos(const OGRGeometry& g) { return g.exportToGEOS(zt::geos()); }

void expect_rel(double got, double want, const std::string& what, double rel = 1e-9) {
    EXPECT_NEAR(got, want, rel * std::max(1e-3, std::fabs(want))) << what;
}

}  // namespace

TEST_F(Monitor, PlantedDeclinesAreFlaggedAndNothingElseAndSampleUnitsMatchGeosPerPixel) {
    const std::string table = file("indicators.csv"), stats = file("stats.csv");
    const RunResult r = zt::run({ZONE_MONITOR_EXE, zt::shandong_units(), "--indicator", "ndvi", "--baseline",
                                 file("ndvi_2019.tif"), "--current", file("ndvi_2024.tif"), "--higher-is-better",
                                 "--threshold", "abs:0.05", "--indicator", "wetland", "--baseline",
                                 file("landcover_2019.tif"), "--current", file("landcover_2024.tif"), "--statistic",
                                 "share:4", "-o", table, "--stats", stats, "--exit-code"});
    ASSERT_EQ(r.status, 1) << r.describe();  // declines found, --exit-code
    const auto rows = read_csv(zt::read_file(table));
    const std::set<std::string> planted = lines_of(file("planted.txt")), clouded = lines_of(file("clouded.txt"));
    const std::set<std::string> reclaimed = lines_of(file("wetland_planted.txt"));
    ASSERT_GE(planted.size(), 3u);
    ASSERT_GE(reclaimed.size(), 2u);
    ASSERT_EQ(clouded.size(), 1u);
    std::set<std::string> declined, not_assessable_ndvi;
    bool in_declines = true;
    int last_category = 0;
    const zt::LayerData map = zt::read_layer(zt::shandong_units());
    std::map<std::string, const zt::Feature*> by_code;
    for (const auto& f : map.features) by_code[f["HJZHGKDYBM"]] = &f;
    for (const auto& row : rows) {
        const bool d = row.at("declined") == "true";
        // Declines first, priority units first among them.
        if (d) {
            EXPECT_TRUE(in_declines) << "a decline after other rows: " << row.at("code");
            const int cat = std::stoi((*by_code.at(row.at("code")))["ZHGKDYFL"]);
            EXPECT_GE(cat, last_category);
            last_category = cat;
            declined.insert(row.at("indicator") + " " + row.at("code"));
        } else {
            in_declines = false;
        }
        if (row.at("indicator") == "ndvi" && row.at("assessable") == "false") not_assessable_ndvi.insert(row.at("code"));
    }
    std::set<std::string> want;
    for (const auto& c : planted) want.insert("ndvi " + c);
    for (const auto& c : reclaimed) want.insert("wetland " + c);
    EXPECT_EQ(declined, want);
    EXPECT_EQ(not_assessable_ndvi, clouded);
    EXPECT_EQ(rows.size(), 2 * map.features.size());

    // A sample of real units: every 300th, a planted one, the clouded one and
    // units across the land-cover raster's southern edge (35.8°N).
    std::set<std::string> sample{*planted.begin(), *clouded.begin()};
    int edge = 0;
    for (std::size_t i = 0; i < map.features.size(); ++i) {
        OGREnvelope e;
        map.features[i].geom->getEnvelope(&e);
        if (i % 300 == 0) sample.insert(map.features[i]["HJZHGKDYBM"]);
        if (e.MinY < 35.8 && e.MaxY > 35.85 && e.MaxX - e.MinX < 0.3 && edge++ < 2)
            sample.insert(map.features[i]["HJZHGKDYBM"]);
    }
    std::map<std::string, std::map<std::string, std::string>> stat_rows;
    for (const auto& row : read_csv(zt::read_file(stats)))
        stat_rows[row.at("code") + " " + row.at("indicator") + " " + row.at("date")] = row;
    OGRSpatialReference gk;
    gk.importFromEPSG(4548);
    gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_gk(OGRCreateCoordinateTransformation(map.srs.get(), &gk));
    int partial = 0;
    for (const std::string& code : sample) {
        SCOPED_TRACE(code);
        const zt::Feature& f = *by_code.at(code);
        // NDVI: the unit in the raster's CRS, its edges (straight in degrees)
        // followed by vertices 1e-5° (about a metre) apart. zonekit follows
        // the same curves to within half its grid (5e-5 m, zone/core/reproject.hpp)
        // with fewer vertices, so the two polygons differ by that much at
        // most: means agree to 1e-8 rather than to the last digits.
        std::unique_ptr<OGRGeometry> g(f.geom->clone());
        g->segmentize(1e-5);
        ASSERT_EQ(g->transform(to_gk.get()), OGRERR_NONE);
        GEOSGeometry* unit = to_geos(*g);
        for (const char* date : {"baseline", "current"}) {
            const PixelStats p = per_pixel(unit, file(std::string("ndvi_") + (date[0] == 'b' ? "2019" : "2024") + ".tif"));
            const auto& row = stat_rows.at(code + " ndvi " + date);
            expect_rel(std::stod(row.at("valid_share")), p.valid / p.weight, std::string("ndvi valid share ") + date, 1e-8);
            if (p.valid > 0)
                expect_rel(std::stod(row.at("mean")), p.weighted_sum / p.valid, std::string("ndvi mean ") + date, 1e-8);
        }
        GEOSGeom_destroy_r(zt::geos(), unit);
        // Land cover in EPSG:4326: the map's CGCS2000 degrees as they are.
        unit = to_geos(*f.geom);
        const PixelStats p = per_pixel(unit, file("landcover_2024.tif"));
        const auto& row = stat_rows.at(code + " wetland current");
        const double share = p.weight > 0 ? p.valid / p.weight : 0;
        expect_rel(std::stod(row.at("valid_share")), share, "land cover valid share");
        if (share > 0 && share < 1 - 1e-9) ++partial;
        for (const auto& item : split(row.at("classes"), ';')) {
            const auto kv = split(item, ':');
            ASSERT_EQ(kv.size(), 2u) << row.at("classes");
            expect_rel(std::stod(kv[1]), p.classes.at(std::stoi(kv[0])) / p.valid, "class " + kv[0] + " share");
        }
        GEOSGeom_destroy_r(zt::geos(), unit);
    }
    EXPECT_GE(partial, 1) << "no sample unit lies across the land-cover raster's edge";
}

// Wetland reclaimed in the Yellow River delta (the generator turned the
// wetland of some priority units' interiors into cropland in 2024): those
// units are flagged, with the wetland shares of both years as GEOS finds
// them pixel by pixel, and no other unit is.
TEST_F(Monitor, ReclaimedWetlandIsFlaggedWithTheSharesFoundPerPixel) {
    const std::string table = file("wetland.csv");
    const RunResult r = zt::run({ZONE_MONITOR_EXE, zt::shandong_units(), "--indicator", "wetland", "--baseline",
                                 file("landcover_2019.tif"), "--current", file("landcover_2024.tif"), "--statistic",
                                 "share:4", "--threshold", "abs:0.05", "-o", table, "--exit-code"});
    ASSERT_EQ(r.status, 1) << r.describe();
    const std::set<std::string> reclaimed = lines_of(file("wetland_planted.txt"));
    ASSERT_GE(reclaimed.size(), 2u);
    const zt::LayerData map = zt::read_layer(zt::shandong_units());
    std::map<std::string, const zt::Feature*> by_code;
    for (const auto& f : map.features) by_code[f["HJZHGKDYBM"]] = &f;
    std::set<std::string> declined;
    std::map<std::string, std::map<std::string, std::string>> row_of;
    for (const auto& row : read_csv(zt::read_file(table))) {
        if (row.at("declined") == "true") declined.insert(row.at("code"));
        row_of[row.at("code")] = row;
    }
    EXPECT_EQ(declined, reclaimed);
    for (const std::string& code : reclaimed) {
        SCOPED_TRACE(code);
        EXPECT_EQ((*by_code.at(code))["ZHGKDYFL"], "1");
        GEOSGeometry* unit = to_geos(*by_code.at(code)->geom);
        const double before = class_share(per_pixel(unit, file("landcover_2019.tif")), 4);
        const double after = class_share(per_pixel(unit, file("landcover_2024.tif")), 4);
        GEOSGeom_destroy_r(zt::geos(), unit);
        const auto& row = row_of.at(code);
        expect_rel(std::stod(row.at("baseline")), before, "wetland share 2019");
        expect_rel(std::stod(row.at("current")), after, "wetland share 2024");
        EXPECT_LT(after - before, -0.05) << "the planted loss is beyond the threshold";
        EXPECT_EQ(row.at("assessable"), "true");
    }
    // The rest of the delta's priority units keep their wetland exactly.
    int unchanged = 0;
    for (const auto& [code, row] : row_of) {
        if (reclaimed.count(code) || row.at("assessable") != "true") continue;
        EXPECT_EQ(row.at("baseline"), row.at("current")) << code;
        if (std::stod(row.at("baseline")) > 0.3) ++unchanged;
    }
    EXPECT_GE(unchanged, 1) << "no unit with wetland kept it";
}

// --stats as XLSX and as GeoPackage: read back with GDAL, the same rows and
// values as the CSV, numbers typed as numbers, a column per land-cover class
// that agrees with GEOS per pixel; a form it cannot tell stops before work.
TEST_F(Monitor, StatsAsXlsxAndGeoPackageHoldTheCsvRowsTyped) {
    const std::vector<std::string> base{ZONE_MONITOR_EXE, zt::shandong_units(), "--indicator", "wetland", "--baseline",
                                        file("landcover_2019.tif"), "--current", file("landcover_2024.tif"),
                                        "--statistic", "share:4", "-q"};
    std::map<std::string, std::map<std::string, std::string>> csv;  // by "code date"
    const std::string csv_path = file("st.csv");
    {
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), {"-o", file("st-table.csv"), "--stats", csv_path});
        const RunResult r = zt::run(argv);
        ASSERT_EQ(r.status, 0) << r.describe();
        for (const auto& row : read_csv(zt::read_file(csv_path))) csv[row.at("code") + " " + row.at("date")] = row;
    }
    const zt::LayerData map = zt::read_layer(zt::shandong_units());
    ASSERT_EQ(csv.size(), 2 * map.features.size());
    const std::string reclaimed = *lines_of(file("wetland_planted.txt")).begin();
    double share_2024 = 0;
    for (const auto& f : map.features)
        if (f["HJZHGKDYBM"] == reclaimed) {
            GEOSGeometry* unit = to_geos(*f.geom);
            share_2024 = class_share(per_pixel(unit, file("landcover_2024.tif")), 4);
            GEOSGeom_destroy_r(zt::geos(), unit);
        }
    for (const std::string ext : {"xlsx", "gpkg"}) {
        SCOPED_TRACE(ext);
        const std::string path = file("st." + ext);
        std::vector<std::string> argv = base;
        argv.insert(argv.end(), {"-o", file("st-table-" + ext + ".csv"), "--stats", path});
        const RunResult r = zt::run(argv);
        ASSERT_EQ(r.status, 0) << r.describe();
        zt::DatasetPtr ds(static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR, nullptr, nullptr, nullptr)));
        ASSERT_TRUE(ds);
        OGRLayer* layer = ds->GetLayerByName("zonal_stats");
        ASSERT_TRUE(layer);
        EXPECT_EQ(layer->GetGeomType(), wkbNone);
        OGRFeatureDefn* defn = layer->GetLayerDefn();
        for (const char* name : {"code", "category", "indicator", "date", "raster", "mean", "min", "max", "sum", "count",
                                 "cells", "valid_share", "classes", "class_1", "class_4"})
            ASSERT_GE(defn->GetFieldIndex(name), 0) << name;
        if (ext == std::string("gpkg")) {
            // A GeoPackage keeps the declared types.
            for (const char* real : {"mean", "min", "max", "sum", "count", "valid_share", "class_1", "class_4"})
                EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex(real))->GetType(), OFTReal) << real;
            EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("cells"))->GetType(), OFTInteger64);
            EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("category"))->GetType(), OFTInteger);
        } else {
            // A workbook has no declared types (GDAL guesses them when reading):
            // the sheet's own cells say number or text.
            const auto text = text_cells_by_column(path);
            for (const auto& [column, n] : text) EXPECT_TRUE(column == "A" || column == "C" || column == "D" ||
                                                             column == "E" || column == "M")
                << n << " text cells in column " << column;
            EXPECT_EQ(text.count("A"), 1u);
        }
        std::size_t rows = 0;
        for (auto& f : *layer) {
            ++rows;
            const std::string key = std::string(f->GetFieldAsString("code")) + " " + f->GetFieldAsString("date");
            ASSERT_TRUE(csv.count(key)) << key;
            const auto& want = csv.at(key);
            EXPECT_EQ(f->GetFieldAsString("indicator"), want.at("indicator"));
            EXPECT_EQ(std::to_string(f->GetFieldAsInteger("category")), want.at("category"));
            EXPECT_EQ(std::to_string(f->GetFieldAsInteger64("cells")), want.at("cells"));
            EXPECT_EQ(f->GetFieldAsString("classes"), want.at("classes"));
            for (const char* name : {"mean", "min", "max", "sum", "count", "valid_share"}) {
                const bool empty = want.at(name).empty();
                EXPECT_EQ(!f->IsFieldSetAndNotNull(defn->GetFieldIndex(name)), empty) << key << " " << name;
                if (!empty) expect_rel(f->GetFieldAsDouble(name), std::stod(want.at(name)), key + " " + name, 1e-15);
            }
            // class_V is the share in "classes".
            for (const auto& item : split(want.at("classes"), ';')) {
                const auto kv = split(item, ':');
                expect_rel(f->GetFieldAsDouble(("class_" + kv[0]).c_str()), std::stod(kv[1]), key + " class " + kv[0], 1e-15);
            }
            if (key == reclaimed + " current") expect_rel(f->GetFieldAsDouble("class_4"), share_2024, "class_4 per pixel");
        }
        EXPECT_EQ(rows, csv.size());
    }
    // A form it cannot tell: exit 2 before any work, and no output at all.
    std::vector<std::string> argv = base;
    const std::string table = file("st-bad.csv"), stats = file("st.txt");
    argv.insert(argv.end(), {"-o", table, "--stats", stats});
    const RunResult bad = zt::run(argv);
    EXPECT_EQ(bad.status, 2) << bad.describe();
    EXPECT_NE(bad.err.find("st.txt"), std::string::npos) << bad.describe();
    EXPECT_NE(bad.err.find(".xlsx"), std::string::npos) << bad.describe();
    EXPECT_FALSE(zt::fs::exists(table));
    EXPECT_FALSE(zt::fs::exists(stats));
}

TEST_F(Monitor, PipesIntoZoneReportWhichShowsTheDeclinesAndTheUnitsNotAssessable) {
    const std::string report = file("report.md"), worse = file("worse.csv");
    const std::string cmd = std::string(ZONE_MONITOR_EXE) + " " + zt::shandong_units() +
                            " --indicator ndvi --baseline " + file("ndvi_2019.tif") + " --current " +
                            file("ndvi_2024.tif") + " --threshold rel:10% -q -o - | " + ZONE_REPORT_EXE + " " +
                            zt::shandong_units() + " --indicators - --worse-out " + worse + " -o " + report + " -q";
    const RunResult r = zt::run({"/bin/sh", "-c", cmd});
    ASSERT_EQ(r.status, 0) << r.describe();
    const std::string md = zt::read_file(report);
    const std::set<std::string> planted = lines_of(file("planted.txt")), clouded = lines_of(file("clouded.txt"));
    EXPECT_NE(md.find("无法评估的单元"), std::string::npos);
    EXPECT_NE(md.find(*clouded.begin()), std::string::npos);
    std::set<std::string> listed;
    for (const auto& row : read_csv(zt::read_file(worse))) {
        listed.insert(row.at("code"));
        EXPECT_EQ(row.at("valid_share"), "1");
    }
    EXPECT_EQ(listed, planted);
}

// The map is read once, so standard input serves rasters in several CRSs:
// the current raster warped to Gauss-Krüger (gdalwarp) gives the same rows
// from standard input as from the file.
TEST_F(Monitor, UnitsFromStandardInputServeRastersInTwoCrss) {
    const std::string gk = file("ndvi_2024_gk.tif");
    zt::fs::remove(gk);
    const RunResult warp = zt::run({"/usr/bin/gdalwarp", "-q", "-t_srs", "EPSG:4527", file("ndvi_2024.tif"), gk});
    ASSERT_EQ(warp.status, 0) << warp.describe();
    const std::vector<std::string> rasters{"--indicator", "ndvi", "--baseline", file("ndvi_2019.tif"),
                                           "--current",   gk,     "-q"};
    std::vector<std::string> from_file{ZONE_MONITOR_EXE, zt::shandong_units()};
    from_file.insert(from_file.end(), rasters.begin(), rasters.end());
    from_file.insert(from_file.end(), {"-o", file("from_file.csv")});
    std::vector<std::string> from_stdin{ZONE_MONITOR_EXE, "-"};
    from_stdin.insert(from_stdin.end(), rasters.begin(), rasters.end());
    from_stdin.insert(from_stdin.end(), {"-o", file("from_stdin.csv")});
    const RunResult f = zt::run(from_file);
    ASSERT_EQ(f.status, 0) << f.describe();
    const RunResult in = zt::run(from_stdin, zt::shandong_units());
    ASSERT_EQ(in.status, 0) << in.describe();
    const auto rows_file = read_csv(zt::read_file(file("from_file.csv")));
    const auto rows_stdin = read_csv(zt::read_file(file("from_stdin.csv")));
    ASSERT_FALSE(rows_file.empty());
    ASSERT_EQ(rows_file.size(), rows_stdin.size());
    for (std::size_t i = 0; i < rows_file.size(); ++i) EXPECT_EQ(rows_file[i], rows_stdin[i]) << "row " << i;
}

TEST_F(Monitor, BadInputStopsWithExitCode2AndNoOutput) {
    const std::string out = file("bad.csv");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases{
        {{"--indicator", "ndvi", "--baseline", file("ndvi_2019.tif")}, "no --current raster"},
        {{"--indicator", "ndvi", "--baseline", file("ndvi_2019.tif"), "--current", file("missing.tif")}, "missing.tif"},
        {{"--baseline", file("ndvi_2019.tif"), "--indicator", "ndvi", "--current", file("ndvi_2024.tif")},
         "before any --indicator"},
        {{"--indicator", "ndvi", "--baseline", file("ndvi_2019.tif"), "--current", file("ndvi_2024.tif"),
          "--threshold", "abs:ten"},
         "abs:ten"},
        {{"--indicator", "ndvi", "--baseline", file("planted.txt"), "--current", file("ndvi_2024.tif")}, "planted.txt"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> argv{ZONE_MONITOR_EXE, zt::shandong_units()};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        argv.insert(argv.end(), {"-o", out});
        const RunResult r = zt::run(argv);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_NE(r.err.find(c.message), std::string::npos) << r.describe();
        EXPECT_FALSE(zt::fs::exists(out));
    }
}

TEST(MonitorDocs, HelpAndManPageNameTheSameOptions) {
    const RunResult help = zt::run({ZONE_MONITOR_EXE, "--help"});
    ASSERT_EQ(help.status, 0) << help.describe();
    const std::string man = zt::read_file(std::string(ZONE_TESTDATA) + "/../man/zone-monitor.1");
    const std::set<std::string> in_help = zt::long_options_in(help.out);
    EXPECT_GE(in_help.size(), 15u);
    for (const auto& option : in_help)
        EXPECT_TRUE(zt::man_page_documents(man, option)) << option << " is in --help but not in man/zone-monitor.1";
}
