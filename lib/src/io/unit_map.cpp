#include "zone/io/unit_map.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "io/polygon_geometry.hpp"
#include "zone/core/error.hpp"
#include "zone/io/previous.hpp"
#include "zone/core/reproject.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_layer.hpp"

#include <cpl_conv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace zone {


UnitMap read_unit_map(const std::string& spec, const UnitMapOptions& options) {
    UnitLayer layer = read_unit_layer(spec, options.encoding);
    const Where& where = layer.where;

    UnitMap map;
    map.source = spec;
    map.layer = where.layer;
    map.crs_wkt = detail::says_no_crs(layer.crs.get()) ? std::string() : detail::wkt_of(*layer.crs);
    if (!layer.serial_marks.empty()) map.max_serial = parse_max_serials(layer.serial_marks);

    const std::size_t i_code = unit_field_index("HJZHGKDYBM"), i_county = unit_field_index("XZQDM"),
                      i_category = unit_field_index("ZHGKDYFL"), i_mj = unit_field_index("MJ");
    if (!layer.field_types[i_code]) throw InputError(Where{where.file, where.layer, {}, "HJZHGKDYBM"}, "no such field");
    for (std::size_t k = 0; k < unit_layer_fields.size(); ++k)
        if (layer.field_types[k]) map.fields.push_back(unit_layer_fields[k].name);

    for (UnitLayerFeature& feature : layer.features) {
        const Where at_feature{where.file, where.layer, feature.fid, {}};
        auto text = [&](const char* field) { return feature.values[unit_field_index(field)].value_or(""); };
        try {
            Unit u;
            u.code = text("HJZHGKDYBM");
            const UnitCode code = UnitCode::read(u.code, at_feature);
            if (feature.wkb.empty()) throw InputError(at_feature, "the unit has no geometry");
            u.name = text("HJZHGKDYMC");
            u.province = text("PROV");
            u.city = text("CITY");
            u.county = text("AREA");
            u.county_code = layer.field_types[i_county] ? text("XZQDM") : code.county();
            u.category = layer.field_types[i_category] ? std::atoi(text("ZHGKDYFL").c_str()) : code.category();
            if (const auto& value = feature.values[i_mj]) {
                // As text: a text MJ field must hold a number, not start with one.
                const std::string mj = detail::trim(*value);
                char* end = nullptr;
                const double x = std::strtod(mj.c_str(), &end);
                if (!mj.empty() && end && *end == '\0' && std::isfinite(x)) u.area_km2 = x;
            }
            u.factors = text("YSLX");
            u.remark = text("REMARK");
            for (std::size_t k = 0; k < kDimensionFields.size(); ++k) u.access_texts[k] = text(kDimensionFields[k]);
            u.wkb = std::move(feature.wkb);
            // Every contract field but the code, as text, for comparing versions.
            std::map<std::string, std::string> attributes;
            for (std::size_t k = 0; k < unit_layer_fields.size(); ++k)
                if (layer.field_types[k] && k != i_code && k != i_mj)
                    attributes[unit_layer_fields[k].name] = feature.values[k].value_or("");
            int& high = map.max_serial[{code.county(), code.category()}];
            high = std::max(high, code.serial());
            map.attributes.push_back(std::move(attributes));
            map.fids.push_back(feature.fid);
            map.units.push_back(std::move(u));
        } catch (const InputError& e) {
            if (options.reading == UnitMapReading::strict) throw;
            map.problems.push_back({e.where(), e.problem()});
        }
    }
    return map;
}

bool UnitMap::has(std::string_view field) const {
    return std::find(fields.begin(), fields.end(), field) != fields.end();
}

void require_categories(const UnitMap& map) {
    const std::string path = parse_source(map.source).path;
    if (!map.has("ZHGKDYFL"))
        throw InputError(Where{path, map.layer, {}, "ZHGKDYFL"},
                         "no such field; a unit map needs its unit codes (HJZHGKDYBM) and categories (ZHGKDYFL)");
    for (std::size_t i = 0; i < map.units.size(); ++i) {
        const Unit& u = map.units[i];
        if (u.category < 1 || u.category > 3)
            throw InputError(Where{path, map.layer, map.fids[i], "ZHGKDYFL"},
                             fmt::format("category '{}' of unit {} is not 1, 2 or 3; check the map with zone-check "
                                         "map first",
                                         u.category, u.code));
    }
}

PolygonLayer unit_polygons(const geos::Context& ctx, const UnitMap& map, const std::string& target_crs_wkt,
                           int threads) {
    const SourceRef ref = parse_source(map.source);
    PolygonLayer out;
    out.source = ref;
    out.layer_name = map.layer;
    if (map.crs_wkt.empty())
        throw InputError(Where{ref.path, map.layer, {}, {}}, "no coordinate reference system");
    OGRSpatialReference srs;
    srs.importFromWkt(map.crs_wkt.c_str());
    detail::LayerCrs crs = detail::layer_crs(srs, target_crs_wkt, 0, Where{ref.path, map.layer, {}, {}});
    out.crs_wkt = target_crs_wkt.empty() ? map.crs_wkt : crs.wkt;  // the map's own WKT as read
    out.crs_geographic = crs.geographic;
    const std::unique_ptr<Reprojection> transform = std::move(crs.transform);

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
    out.repaired = detail::make_polygons_valid(ctx, geoms, wheres, threads);
    out.features.resize(geoms.size());
    for (std::size_t i = 0; i < geoms.size(); ++i) {
        out.features[i].fid = map.fids[i];
        out.features[i].geom = std::move(geoms[i]);
    }
    return out;
}

}  // namespace zone
