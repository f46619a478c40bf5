#include "zone/io/unit_map.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "io/polygon_geometry.hpp"
#include "io/unit_layer.hpp"
#include "zone/core/error.hpp"
#include "zone/io/previous.hpp"
#include "zone/core/reproject.hpp"
#include "zone/io/source.hpp"

#include <cpl_conv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace zone {

namespace {

std::string crs_of(OGRLayer& layer) {
    const OGRSpatialReference* srs = layer.GetSpatialRef();
    if (!srs || srs->IsEmpty()) return {};
    // A GeoPackage layer with srs_id 0 or -1 reads as an "Undefined ... SRS":
    // that is no CRS at all (as read_polygon_layer has it).
    const char* name = srs->GetName();
    if (name && STARTS_WITH_CI(name, "Undefined") && !srs->GetAuthorityCode(nullptr)) return {};
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
    for (std::size_t k = 0; k < at.size(); ++k)
        if (at[k] >= 0) map.fields.push_back(unit_layer_fields[k].name);
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
            if (i_mj >= 0 && feature.IsFieldSetAndNotNull(i_mj)) {
                // As text: a text MJ field must hold a number, not start with one.
                const std::string mj = detail::trim(text(feature, i_mj));
                char* end = nullptr;
                const double x = std::strtod(mj.c_str(), &end);
                if (!mj.empty() && end && *end == '\0' && std::isfinite(x)) u.area_km2 = x;
            }
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

PolygonLayer unit_polygons(const geos::Context& ctx, const UnitMap& map, const std::string& target_crs_wkt) {
    const SourceRef ref = parse_source(map.source);
    PolygonLayer out;
    out.source = ref;
    out.layer_name = map.layer;
    if (map.crs_wkt.empty())
        throw InputError(Where{ref.path, map.layer, {}, {}}, "no coordinate reference system");
    OGRSpatialReference srs;
    srs.importFromWkt(map.crs_wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    out.crs_wkt = map.crs_wkt;
    out.crs_geographic = srs.IsGeographic();
    std::unique_ptr<Reprojection> transform;
    if (!target_crs_wkt.empty()) {
        OGRSpatialReference target;
        target.importFromWkt(target_crs_wkt.c_str());
        target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        try {
            transform = std::make_unique<Reprojection>(srs, target);
        } catch (const std::runtime_error& e) {
            throw InputError(Where{ref.path, map.layer, {}, {}},
                             std::string("cannot transform its CRS to the target CRS: ") + e.what());
        }
        if (transform->is_identity()) transform.reset();
        out.crs_wkt = target_crs_wkt;
        out.crs_geographic = target.IsGeographic();
    }

    std::vector<geos::GeomPtr> geoms;
    std::vector<Where> wheres;
    geoms.reserve(map.units.size());
    for (std::size_t i = 0; i < map.units.size(); ++i) {
        const Where at{ref.path, map.layer, map.fids[i], {}};
        OGRGeometry* raw = nullptr;
        const std::vector<unsigned char>& wkb = map.units[i].wkb;
        if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &raw, wkb.size()) != OGRERR_NONE || !raw)
            throw InputError(at, "the geometry cannot be read");
        const std::unique_ptr<OGRGeometry> g(raw);
        geoms.push_back(detail::polygon_from_ogr(ctx, *g, transform.get(), at));
        wheres.push_back(at);
    }
    out.repaired = detail::make_polygons_valid(ctx, geoms, wheres);
    out.features.resize(geoms.size());
    for (std::size_t i = 0; i < geoms.size(); ++i) {
        out.features[i].fid = map.fids[i];
        out.features[i].geom = std::move(geoms[i]);
    }
    return out;
}

}  // namespace zone
