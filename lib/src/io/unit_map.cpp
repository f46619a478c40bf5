#include "zone/io/unit_map.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "io/unit_layer.hpp"
#include "zone/core/error.hpp"
#include "zone/io/previous.hpp"
#include "zone/io/source.hpp"

#include <cpl_conv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>

namespace zone {

namespace {

std::string crs_of(OGRLayer& layer) {
    const OGRSpatialReference* srs = layer.GetSpatialRef();
    if (!srs) return {};
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2019", nullptr};
    srs->exportToWkt(&wkt, options);
    std::string out = wkt ? wkt : "";
    CPLFree(wkt);
    return out;
}

}  // namespace

UnitMap read_unit_map(const std::string& spec, const UnitMapOptions& options) {
    const detail::UnitLayerReader reader(spec, options.encoding);
    OGRLayer& layer = reader.layer();
    const Where& where = reader.where();

    UnitMap map;
    map.source = spec;
    map.layer = where.layer;
    map.crs_wkt = crs_of(layer);
    if (const char* marks = layer.GetMetadataItem(max_serials_key)) map.max_serial = parse_max_serials(marks);

    if (reader.index("HJZHGKDYBM") < 0) throw InputError(Where{where.file, where.layer, {}, "HJZHGKDYBM"}, "no such field");
    // Field positions in the contract's order; -1 for a field the map lacks.
    std::array<int, unit_layer_fields.size()> at{};
    for (std::size_t k = 0; k < at.size(); ++k) at[k] = reader.index(unit_layer_fields[k].name);
    auto field = [&](const char* name) {
        for (std::size_t k = 0; k < at.size(); ++k)
            if (std::string_view(unit_layer_fields[k].name) == name) return at[k];
        return -1;
    };
    const int i_code = field("HJZHGKDYBM"), i_name = field("HJZHGKDYMC"), i_prov = field("PROV"),
              i_city = field("CITY"), i_area = field("AREA"), i_county = field("XZQDM"),
              i_category = field("ZHGKDYFL"), i_mj = field("MJ"), i_yslx = field("YSLX"), i_remark = field("REMARK");
    auto text = [&](const OGRFeature& f, int i) { return reader.text(f, i); };

    reader.each([&](OGRFeature& feature) {
        const Where at_feature{where.file, where.layer, feature.GetFID(), {}};
        try {
            Unit u;
            u.code = text(feature, i_code);
            const UnitCode code = UnitCode::read(u.code, at_feature);
            OGRGeometry* g = feature.GetGeometryRef();
            if (!g || g->IsEmpty()) throw InputError(at_feature, "the unit has no geometry");
            u.name = text(feature, i_name);
            u.province = text(feature, i_prov);
            u.city = text(feature, i_city);
            u.county = text(feature, i_area);
            u.county_code = i_county >= 0 ? text(feature, i_county) : code.county();
            u.category = i_category >= 0 ? feature.GetFieldAsInteger(i_category) : code.category();
            u.area_km2 = i_mj >= 0 ? feature.GetFieldAsDouble(i_mj) : 0.0;
            u.factors = text(feature, i_yslx);
            u.remark = text(feature, i_remark);
            for (std::size_t k = 0; k < kDimensionFields.size(); ++k)
                u.access_texts[k] = text(feature, field(kDimensionFields[k]));
            u.wkb.resize(g->WkbSize());
            g->exportToWkb(wkbNDR, u.wkb.data(), wkbVariantIso);
            // Every contract field but the code, as text, for comparing versions.
            std::map<std::string, std::string> attributes;
            for (std::size_t k = 0; k < at.size(); ++k)
                if (at[k] >= 0 && at[k] != i_code && at[k] != i_mj)
                    attributes[unit_layer_fields[k].name] = text(feature, at[k]);
            int& high = map.max_serial[{code.county(), code.category()}];
            high = std::max(high, code.serial());
            map.attributes.push_back(std::move(attributes));
            map.fids.push_back(feature.GetFID());
            map.units.push_back(std::move(u));
        } catch (const InputError& e) {
            if (options.reading == UnitMapReading::strict) throw;
            map.problems.push_back({e.where(), e.problem()});
        }
    });
    return map;
}

bool UnitPolygons::has(std::string_view field) const {
    return std::find(fields.begin(), fields.end(), field) != fields.end();
}

std::string UnitPolygons::value(const PolygonFeature& feature, std::string_view field) const {
    const auto it = std::find(fields.begin(), fields.end(), field);
    return it == fields.end() ? std::string() : detail::trim(feature.values[it - fields.begin()]);
}

UnitPolygons read_unit_polygons(const geos::Context& ctx, const std::string& spec, const std::string& encoding,
                                const std::vector<std::string>& required) {
    const SourceRef ref = parse_source(spec);
    OpenLayerOptions open;
    open.encoding = encoding;
    UnitPolygons out;
    {
        // Which fields of the contract the layer has: read_polygon_layer wants each field it is given.
        const VectorLayer source = open_vector_layer(ref, open);
        OGRFeatureDefn* defn = source.layer->GetLayerDefn();
        for (const std::string& name : required)
            if (defn->GetFieldIndex(name.c_str()) < 0) {
                std::string names;
                for (int i = 0; i < defn->GetFieldCount(); ++i)
                    names += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
                throw InputError(Where{source.where.file, source.where.layer, {}, name},
                                 "no such field; a unit map needs its unit codes (HJZHGKDYBM) and categories "
                                 "(ZHGKDYFL); the layer has: " + names);
            }
        for (const UnitField& f : unit_layer_fields)
            if (defn->GetFieldIndex(f.name) >= 0) out.fields.push_back(f.name);
    }
    ReadOptions read;
    read.fields = out.fields;
    read.encoding = encoding;
    out.layer = read_polygon_layer(ctx, ref, read);
    return out;
}

}  // namespace zone
