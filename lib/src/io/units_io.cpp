#include "zone/io/units_io.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "zone/core/error.hpp"
#include "zone/io/output.hpp"
#include "zone/io/previous.hpp"
#include "zone/io/qgis_style.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace zone {

namespace {

using detail::lower_extension;

std::string extension_for_driver(const std::string& driver) {
    if (driver == "GPKG") return ".gpkg";
    if (driver == "ESRI Shapefile") return ".shp";
    if (driver == "FlatGeobuf") return ".fgb";
    return ".geojson";
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
        feature.SetField("MJ", u.area_km2.value_or(0.0));
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
    OutputPlan(o.overwrite).inputs(o.inputs).output(o.path).check();
}

void write_units(const std::vector<Unit>& units, const std::string& crs_wkt, const WriteOptions& o) {
    check_output(o);
    const std::string driver = resolved_driver(o);
    detail::QuietGdal quiet;
    CPLErrorReset();

    StagedOutputs out;
    out.write(
        o.path, [&](const std::string& staged) { write_dataset(units, crs_wkt, o, driver, staged); },
        "units" + extension_for_driver(driver));
    out.commit();
}

}  // namespace zone
