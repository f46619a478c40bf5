#include "zone/units_io.hpp"

#include "gdal_util.hpp"
#include "zone/error.hpp"
#include "zone/previous.hpp"
#include "zone/qgis_style.hpp"
#include "zone/source.hpp"
#include "zone/unit_map.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace fs = std::filesystem;

namespace zone {

namespace {

std::string lower_extension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

std::string extension_for_driver(const std::string& driver) {
    if (driver == "GPKG") return ".gpkg";
    if (driver == "ESRI Shapefile") return ".shp";
    if (driver == "FlatGeobuf") return ".fgb";
    return ".geojson";
}

// Files that make up the output: a Shapefile is several.
std::vector<fs::path> output_files(const fs::path& main, const std::string& driver) {
    if (driver != "ESRI Shapefile") return {main};
    std::vector<fs::path> files;
    for (const char* ext : {".shp", ".shx", ".dbf", ".prj", ".cpg", ".qml"}) {
        fs::path p = main;
        p.replace_extension(ext);
        files.push_back(p);
    }
    return files;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

std::string resolved_driver(const WriteOptions& o) {
    if (!o.format.empty()) return o.format;
    if (o.path == "-") return "GeoJSON";
    return driver_for_path(o.path);
}

void write_dataset(const std::vector<Unit>& units, const std::string& crs_wkt, const WriteOptions& o,
                   const std::string& driver_name, const std::string& path) {
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
    if (!driver) throw InputError(Where{o.path, {}, {}, {}}, "GDAL has no driver '" + driver_name + "'");
    GDALDatasetUniquePtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + o.path + ": " + CPLGetLastErrorMsg());

    OGRSpatialReference srs;
    srs.importFromWkt(crs_wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    CPLStringList layer_options;
    if (driver_name == "ESRI Shapefile")
        layer_options.SetNameValue("ENCODING", o.encoding.empty() ? "UTF-8" : o.encoding.c_str());
    if (driver_name == "GPKG" && !o.description.empty())
        layer_options.SetNameValue("DESCRIPTION", o.description.c_str());
    if (driver_name == "GeoJSON") layer_options.SetNameValue("WRITE_NAME", "NO");
    OGRLayer* layer = ds->CreateLayer(o.layer.c_str(), &srs, wkbMultiPolygon, layer_options.List());
    if (!layer) throw std::runtime_error("cannot create layer '" + o.layer + "' in " + o.path + ": " + CPLGetLastErrorMsg());
    if (!o.max_serials.empty()) layer->SetMetadataItem(max_serials_key, o.max_serials.c_str());
    for (const UnitField& f : unit_layer_fields) {
        OGRFieldDefn def(f.name, f.kind == UnitField::text      ? OFTString
                                 : f.kind == UnitField::integer ? OFTInteger
                                                                : OFTReal);
        def.SetWidth(f.width);
        def.SetPrecision(f.precision);
        if (layer->CreateField(&def) != OGRERR_NONE)
            throw std::runtime_error(std::string("cannot create field ") + f.name + ": " + CPLGetLastErrorMsg());
    }

    const bool transaction = ds->StartTransaction() == OGRERR_NONE;
    for (const auto& u : units) {
        OGRFeature feature(layer->GetLayerDefn());
        feature.SetField("HJZHGKDYBM", u.code.c_str());
        feature.SetField("HJZHGKDYMC", u.name.c_str());
        feature.SetField("PROV", u.province.c_str());
        feature.SetField("CITY", u.city.c_str());
        feature.SetField("AREA", u.county.c_str());
        feature.SetField("XZQDM", u.county_code.c_str());
        feature.SetField("ZHGKDYFL", u.category);
        feature.SetField("MJ", u.area_km2);
        feature.SetField("YSLX", u.factors.c_str());
        feature.SetField("KJBJYS", u.access_texts[0].c_str());
        feature.SetField("PWWPFGK", u.access_texts[1].c_str());
        feature.SetField("HJFXFK", u.access_texts[2].c_str());
        feature.SetField("ZYKFXLYQ", u.access_texts[3].c_str());
        feature.SetField("REMARK", u.remark.c_str());
        OGRGeometry* geom = nullptr;
        if (OGRGeometryFactory::createFromWkb(u.wkb.data(), &srs, &geom, u.wkb.size()) != OGRERR_NONE)
            throw std::runtime_error("unit " + u.code + ": cannot decode its geometry");
        feature.SetGeometryDirectly(geom);
        if (layer->CreateFeature(&feature) != OGRERR_NONE)
            throw std::runtime_error("cannot write unit " + u.code + " to " + o.path + ": " + CPLGetLastErrorMsg());
    }
    if (transaction && ds->CommitTransaction() != OGRERR_NONE)
        throw std::runtime_error("cannot commit " + o.path + ": " + CPLGetLastErrorMsg());
    // The map opens in QGIS as the HTML report draws it (zonekit(7) STYLES).
    if (driver_name == "GPKG") store_default_style(*ds, *layer, unit_map_style());
    if (driver_name == "ESRI Shapefile") {
        std::ofstream qml(qml_path_beside(path), std::ios::binary);
        qml << format_qml(unit_map_style());
        if (!qml) throw std::runtime_error("cannot write the QGIS style beside " + o.path);
    }
    ds.reset();  // closes and flushes
    if (CPLGetLastErrorType() == CE_Failure)
        throw std::runtime_error("writing " + o.path + " failed: " + CPLGetLastErrorMsg());
}

}  // namespace

std::string driver_for_path(const std::string& path) {
    const std::string ext = lower_extension(path);
    if (ext == ".gpkg") return "GPKG";
    if (ext == ".shp") return "ESRI Shapefile";
    if (ext == ".geojson" || ext == ".json") return "GeoJSON";
    if (ext == ".fgb") return "FlatGeobuf";
    throw InputError(Where{path, {}, {}, {}},
                     "cannot tell the output format from the extension '" + ext +
                         "'; use .gpkg, .shp, .geojson or .fgb, or name a GDAL driver with --format");
}

void check_output(const WriteOptions& o) {
    gdal_init();
    if (o.path.empty()) throw InputError("no output: give -o FILE (or -o - for standard output)");
    const std::string driver = resolved_driver(o);
    if (!GetGDALDriverManager()->GetDriverByName(driver.c_str()))
        throw InputError(Where{o.path, {}, {}, {}}, "GDAL has no driver '" + driver + "'");
    if (o.encoding.size() && driver != "ESRI Shapefile")
        throw InputError(Where{o.path, {}, {}, {}}, "--encoding applies to Shapefile output only");
    if (o.path == "-") return;
    for (const fs::path& file : output_files(o.path, driver)) {
        for (const auto& input : o.inputs) {
            if (same_file(file, fs::path(input)))
                throw InputError(Where{o.path, {}, {}, {}}, "the output would replace an input (" + input + ")");
        }
        std::error_code ec;
        if (fs::exists(file, ec) && !o.overwrite)
            throw InputError(Where{file.string(), {}, {}, {}}, "already exists; pass --overwrite to replace it");
    }
    const fs::path parent = fs::absolute(o.path).parent_path();
    if (!fs::is_directory(parent))
        throw InputError(Where{o.path, {}, {}, {}}, "the folder " + parent.string() + " does not exist");
    // Said before the work rather than when the result cannot be written.
    if (access(parent.c_str(), W_OK | X_OK) != 0)
        throw InputError(Where{o.path, {}, {}, {}}, "the folder " + parent.string() + " is not writable");
}

void write_units(const std::vector<Unit>& units, const std::string& crs_wkt, const WriteOptions& o) {
    check_output(o);
    const std::string driver = resolved_driver(o);
    detail::QuietGdal quiet;
    CPLErrorReset();

    if (o.path == "-") {
        detail::TempDir tmp(fs::temp_directory_path());
        const fs::path file = tmp.path() / ("units" + extension_for_driver(driver));
        write_dataset(units, crs_wkt, o, driver, file.string());
        std::ifstream in(file, std::ios::binary);
        std::cout << in.rdbuf();
        std::cout.flush();
        if (!std::cout) throw std::runtime_error("cannot write to standard output");
        return;
    }

    const fs::path target = fs::absolute(o.path);
    detail::TempDir tmp(target.parent_path());
    const fs::path staged = tmp.path() / target.filename();
    tmp.write_into([&] { write_dataset(units, crs_wkt, o, driver, staged.string()); });
    // Every file is complete before the first rename.
    const auto finals = output_files(target, driver);
    const auto temps = output_files(staged, driver);
    for (std::size_t i = 0; i < finals.size(); ++i) {
        if (!fs::exists(temps[i])) {
            std::error_code ec;
            if (o.overwrite) fs::remove(finals[i], ec);  // a stale sidecar of the old output
            continue;
        }
        fs::rename(temps[i], finals[i]);
    }
}

}  // namespace zone
