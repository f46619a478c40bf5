#include "zone/rules/project.hpp"

#include "rules/project_checker_impl.hpp"
#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "core/parallel.hpp"
#include "zone/core/area.hpp"
#include "zone/io/boundary.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/core/reproject.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace zone {

const char* to_string(Verdict v) {
    switch (v) {
        case Verdict::nonconforming: return "nonconforming";
        case Verdict::incomplete: return "incomplete";
        case Verdict::conditional: return "conditional";
        case Verdict::conforming: return "conforming";
        case Verdict::outside: return "outside";
    }
    return "?";
}

const char* chinese_name(Verdict v) {
    switch (v) {
        case Verdict::nonconforming: return "不符合";
        case Verdict::incomplete: return "无法判定";
        case Verdict::conditional: return "有条件符合";
        case Verdict::conforming: return "符合";
        case Verdict::outside: return "不在单元图范围内";
    }
    return "?";
}

namespace {

using detail::last_gdal_error;
using detail::lower_ascii;
using detail::trim;
using detail::utf8_or_gbk;
using detail::feature_attributes;
using detail::ogr_wkb;

}  // namespace

// ---------------------------------------------------------------- attributes

void check_attribute(const std::string& name, AttrValue& value) {
    if (name == kIndustry) {
        std::string code = value.text;
        const std::string problem = normalise_industry(code);
        if (!problem.empty()) throw std::invalid_argument("industry " + problem);
        value = AttrValue::of(code);
        value.number.reset();
    } else if (name == kNature) {
        const auto& natures = project_natures();
        value.text = trim(value.text);
        if (value.text == "技改") value.text = "技术改造";
        if (std::find(natures.begin(), natures.end(), value.text) == natures.end())
            throw std::invalid_argument("nature '" + value.text + "' is not one of 新建, 改建, 扩建, 技术改造");
    }
}

void add_given_attribute(Attributes& attrs, const std::string& given_name, const std::string& value,
                         const std::string& origin) {
    const std::string name = lower_ascii(given_name);
    const bool good_name = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                           std::all_of(name.begin(), name.end(), [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                      static_cast<unsigned char>(c) >= 0x80;
                           });
    if (!good_name)
        throw InputError(origin + ": '" + given_name + "' is not an attribute name (letters, digits and _, such as vocs_t)");
    AttrValue v = AttrValue::of(value);
    if (v.text.empty()) throw InputError(origin + ": no value for " + name);
    try {
        check_attribute(name, v);
    } catch (const std::invalid_argument& e) {
        throw InputError(origin + ": " + e.what());
    }
    if (attrs.count(name)) throw InputError(origin + ": " + name + " is given twice");
    attrs[name] = v;
}

namespace {

// The attribute a field gives: its name in lower case; the usual Chinese and
// pinyin names of the industry code and the nature map to those attributes.
std::string attribute_for_field(const std::string& field) {
    const std::string low = lower_ascii(trim(field));
    if (low == "industry" || low == "hydm" || low == "行业代码" || low == "国民经济行业代码" || low == "行业类别代码")
        return kIndustry;
    if (low == "nature" || low == "jsxz" || low == "建设性质" || low == "项目性质") return kNature;
    return low;
}

std::string display_lonlat(double lon, double lat) {
    return fmt::format("{:.6f}{} {:.6f}{}", std::fabs(lon), lon < 0 ? "W" : "E", std::fabs(lat), lat < 0 ? "S" : "N");
}

int severity(Effect e) {
    switch (e) {
        case Effect::prohibit: return 2;
        case Effect::restrict:
        case Effect::require: return 1;
        case Effect::info: return 0;
    }
    return 0;
}

Verdict verdict_of_severity(int s) {
    return s == 2 ? Verdict::nonconforming : s == 1 ? Verdict::conditional : Verdict::conforming;
}

}  // namespace

namespace detail {

// The attributes of one feature. Numbers stay numbers; text that reads as a
// number counts as one too (CSV fields are all text).
Attributes feature_attributes(OGRFeature& f, const Where& where, const std::string& skip_field) {
    Attributes attrs;
    OGRFeatureDefn* defn = f.GetDefnRef();
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
        OGRFieldDefn* fd = defn->GetFieldDefn(i);
        if (!f.IsFieldSetAndNotNull(i) || skip_field == fd->GetNameRef()) continue;
        const std::string name = attribute_for_field(fd->GetNameRef());
        AttrValue v;
        if (fd->GetType() == OFTInteger || fd->GetType() == OFTInteger64 || fd->GetType() == OFTReal) {
            v = AttrValue::of(f.GetFieldAsDouble(i));
            v.text = f.GetFieldAsString(i);
        } else {
            bool ok = true;
            v = AttrValue::of(utf8_or_gbk(f.GetFieldAsString(i), &ok));
            if (!ok) {
                Where w = where;
                w.field = fd->GetNameRef();
                throw InputError(w, "text is neither UTF-8 nor GBK");
            }
        }
        if (v.text.empty()) continue;
        try {
            check_attribute(name, v);
        } catch (const std::invalid_argument& e) {
            Where w = where;
            w.field = fd->GetNameRef();
            throw InputError(w, e.what());
        }
        attrs[name] = v;
    }
    return attrs;
}

std::vector<unsigned char> ogr_wkb(const OGRGeometry& g) {
    std::vector<unsigned char> out(g.WkbSize());
    g.exportToWkb(wkbNDR, out.data(), wkbVariantIso);
    return out;
}

}  // namespace detail

Verdict decide_verdict(const std::vector<RuleHit>& hits, const std::vector<RuleHit>& undecided,
                       std::vector<std::string>* missing) {
    // The verdict when every undecided rule turns out not to apply, and when
    // every one does: if they agree, the missing attributes do not matter.
    int best = 0;
    for (const auto& h : hits) best = std::max(best, severity(h.effect));
    int worst = best;
    for (const auto& u : undecided) worst = std::max(worst, severity(u.effect));
    if (missing) missing->clear();
    if (best == worst) return verdict_of_severity(best);
    if (missing) {
        std::set<std::string> names;
        for (const auto& u : undecided)
            if (severity(u.effect) > best) names.insert(u.missing.begin(), u.missing.end());
        missing->assign(names.begin(), names.end());
    }
    return Verdict::incomplete;
}

// ---------------------------------------------------------------- the checker

ProjectMap read_project_map(const std::string& units, const std::string& boundary, const std::string& encoding) {
    ProjectMap out;
    out.units = read_unit_map(units, {.encoding = encoding});
    if (!boundary.empty()) out.places = read_county_places(boundary, encoding);
    return out;
}

void ProjectChecker::Impl::load_units(const UnitMap& map) {
    require_categories(map);
    layer = unit_polygons(ctx, map, {}, threads);
    tree = geos::TreePtr(GEOSSTRtree_create_r(ctx, 10), geos::TreeDeleter{ctx.handle()});
    for (std::size_t i = 0; i < map.units.size(); ++i) {
        const Unit& m = map.units[i];
        TouchedUnit u;
        u.fid = map.fids[i];
        u.code = m.code;
        u.category = m.category;
        u.name = detail::trim(m.name);
        u.county_code = detail::trim(m.county_code);
        if (u.county_code.empty()) u.county_code = UnitCode::of(m.code).county();
        u.county = detail::trim(m.county);
        u.city = detail::trim(m.city);
        for (std::size_t d = 0; d < 4; ++d) u.texts[d] = detail::trim(m.access_texts[d]);
        units.push_back(std::move(u));
        GEOSSTRtree_insert_r(ctx, tree.get(), layer.features[i].geom.get(), reinterpret_cast<void*>(i + 1));
    }
    // The tree is built on its first query; build it now, before threads share it.
    geos::GeomPtr probe = geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx, 0, 0), "point");
    GEOSSTRtree_query_r(ctx, tree.get(), probe.get(), [](void*, void*) {}, nullptr);
    AreaCalculator calc(layer.crs_wkt, AreaMethod::gauss_kruger);
    area_method = "planar, CGCS2000 3-degree Gauss-Kruger zone of the footprint (EPSG:4534-4554)";
}

void ProjectChecker::Impl::resolve_places(const Boundary* places) {
    has_boundary = places != nullptr;
    std::map<std::string, const BoundaryCounty*> counties;
    if (places)
        for (const BoundaryCounty& c : places->counties) counties.emplace(c.code, &c);
    know_circles = places && !places->fields.circle.empty();
    int unknown_counties = 0;
    std::string first_unknown;
    for (auto& u : units) {
        const auto it = counties.find(u.county_code);
        if (it != counties.end()) {
            if (!it->second->city_code.empty()) u.city_code = it->second->city_code;
            if (!it->second->city.empty()) u.city = it->second->city;
            u.circle = it->second->circle;
        } else if (has_boundary) {
            if (!unknown_counties++) first_unknown = u.code + " (county " + u.county_code + ")";
        }
        // GB/T 2260: a county's first four digits are its city's.
        if (u.city_code.empty() && is_county_code(u.county_code)) u.city_code = city_code_of(u.county_code);
    }
    if (unknown_counties)
        warnings.push_back(fmt::format("{} unit(s) lie in counties that the boundary does not have, first {}: their "
                                       "city comes from the county code and CITY, their circle is unknown",
                                       unknown_counties, first_unknown));
}

void ProjectChecker::Impl::check_scopes() {
    std::set<std::string> provinces, circles, city_codes, cities, codes, counties;
    for (const auto& u : units) {
        if (u.county_code.size() == 6) provinces.insert(province_code_of(u.county_code));
        if (!u.circle.empty()) circles.insert(u.circle);
        city_codes.insert(u.city_code);
        cities.insert(u.city);
        codes.insert(u.code);
        counties.insert(u.county_code);
    }
    std::vector<std::string> circle_rules;
    for (const Rule& r : list.rules) {
        switch (r.level) {
            case Level::province:
                if (!provinces.count(r.scope))
                    warnings.push_back(fmt::format("rule {} (line {}): province {} has no unit in the map", r.id, r.line, r.scope));
                break;
            case Level::circle:
                circle_rules.push_back(r.id);
                if (know_circles && !circles.count(r.scope)) {
                    std::string known;
                    for (const auto& c : circles) known += (known.empty() ? "" : ", ") + c;
                    warnings.push_back(fmt::format("rule {} (line {}): no unit of the map is in circle '{}' (the "
                                                   "boundary's circles: {})",
                                                   r.id, r.line, r.scope, known));
                }
                break;
            case Level::city:
                if (!(city_codes.count(r.scope) || cities.count(r.scope)))
                    warnings.push_back(fmt::format("rule {} (line {}): no unit of the map is in city {}", r.id, r.line, r.scope));
                break;
            case Level::unit:
                if (!(codes.count(r.scope) || counties.count(r.scope)))
                    warnings.push_back(fmt::format("rule {} (line {}): {} {} is not in the map (a code changed by an "
                                                   "update?)",
                                                   r.id, r.line, is_valid_unit_code(r.scope) ? "unit" : "county", r.scope));
                break;
        }
    }
    if (!circle_rules.empty() && !know_circles) {
        std::string ids;
        for (const auto& id : circle_rules) ids += (ids.empty() ? "" : ", ") + id;
        warnings.push_back("the list has circle-level rules (" + ids + ") but " +
                           (!has_boundary ? std::string("no --boundary")
                                                     : "the boundary has no circle field") +
                           " tells which circle a unit is in: they stay undecided (give a boundary with a circle field)");
    }
    rule_order.resize(list.rules.size());
    for (std::size_t i = 0; i < rule_order.size(); ++i) rule_order[i] = i;
    std::stable_sort(rule_order.begin(), rule_order.end(),
                     [&](std::size_t a, std::size_t b) { return list.rules[a].level < list.rules[b].level; });
}

ProjectChecker::ProjectChecker(AccessList list, const UnitMap& units, const Boundary* places, int threads)
    : impl_(std::make_unique<Impl>()) {
    impl_->list = std::move(list);
    impl_->threads = threads;
    impl_->load_units(units);
    impl_->resolve_places(places);
    impl_->check_scopes();
}

ProjectChecker::~ProjectChecker() = default;

const AccessList& ProjectChecker::list() const { return impl_->list; }
const std::string& ProjectChecker::crs_wkt() const { return impl_->layer.crs_wkt; }
std::size_t ProjectChecker::unit_count() const { return impl_->units.size(); }
const std::vector<std::string>& ProjectChecker::warnings() const { return impl_->warnings; }
const std::string& ProjectChecker::area_method() const { return impl_->area_method; }

// ---------------------------------------------------------------- footprints

std::unique_ptr<Reprojection> ProjectChecker::Impl::transform_from(const OGRSpatialReference& srs) const {
    OGRSpatialReference target;
    target.importFromWkt(layer.crs_wkt.c_str());
    std::unique_ptr<Reprojection> t;
    try {
        t = std::make_unique<Reprojection>(srs, target);
    } catch (const std::runtime_error& e) {
        throw InputError(std::string("cannot transform the footprint's CRS to the unit map's: ") + e.what());
    }
    if (t->is_identity()) t.reset();
    return t;
}

Footprint ProjectChecker::Impl::finish_footprint(std::unique_ptr<OGRGeometry> g, const OGRSpatialReference& srs,
                                                  std::string description) const {
    detail::QuietGdal quiet;
    if (!g || g->IsEmpty()) throw InputError("the footprint is empty");
    if (g->Is3D() || g->IsMeasured()) g->flattenTo2D();
    if (g->hasCurveGeometry()) g.reset(g->getLinearGeometry());
    // Finite, and longitude/latitude where the CRS is geographic: a
    // coordinate of 1e21 degrees would otherwise reach GEOS's overlay and
    // fail there without a word to the user (found by fuzzing).
    auto check_coordinates = [&](const OGRSpatialReference& crs, const char* where) {
        OGREnvelope env;
        g->getEnvelope(&env);
        if (!std::isfinite(env.MinX) || !std::isfinite(env.MaxX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxY))
            throw InputError(std::string("the footprint has coordinates that are not finite numbers") + where);
        if (crs.IsGeographic() && !(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
            throw InputError(fmt::format("the footprint's coordinates are not longitude/latitude{}: they reach "
                                         "x {:.6g}..{:.6g}, y {:.6g}..{:.6g}",
                                         where, env.MinX, env.MaxX, env.MinY, env.MaxY));
    };
    check_coordinates(srs, "");
    // Straight edges stay where they were drawn, within the tolerance (zone/core/reproject.hpp).
    if (auto t = transform_from(srs)) {
        if (!t->apply(*g)) throw InputError("cannot transform the footprint to the unit map's CRS: " + last_gdal_error());
        OGRSpatialReference target;
        target.importFromWkt(layer.crs_wkt.c_str());
        check_coordinates(target, " once transformed to the unit map's CRS");
    }
    Footprint fp;
    fp.description = std::move(description);
    geos::Context ctx;  // the caller's own: footprints are made on many threads at once
    geos::GeomPtr geom(g->exportToGEOS(ctx.handle()), geos::GeomDeleter{ctx.handle()});
    if (!geom) throw InputError("GEOS cannot take the footprint: " + ctx.last_error());
    if (GEOSisValid_r(ctx, geom.get()) != 1) {
        char* reason = GEOSisValidReason_r(ctx, geom.get());
        const std::string why = reason ? reason : "invalid";
        GEOSFree_r(ctx, reason);
        GEOSGeometry* fixed = GEOSMakeValid_r(ctx, geom.get());
        if (!fixed) throw InputError("the footprint is invalid (" + why + ") and GEOS cannot repair it");
        geom = geos::own(ctx, fixed);
        fp.description += " (repaired: " + why + ")";
    }
    if (GEOSGeomTypeId_r(ctx, geom.get()) == GEOS_GEOMETRYCOLLECTION) {
        // Several features: their union, so that land two of them cover counts once.
        geom = geos::own(ctx, GEOSUnaryUnion_r(ctx, geom.get()), "uniting the footprint's features");
    }
    fp.wkb = geos::to_wkb(ctx, geom.get());
    return fp;
}

Footprint ProjectChecker::footprint_from_lonlat(double lon, double lat) const {
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    return impl_->finish_footprint(std::make_unique<OGRPoint>(lon, lat), srs, "point " + display_lonlat(lon, lat) + " (CGCS2000)");
}

Footprint ProjectChecker::footprint_from_gauss_kruger(const GaussKruger& gk) const {
    OGRSpatialReference srs;
    if (srs.importFromEPSG(gk.epsg) != OGRERR_NONE) throw InputError(fmt::format("PROJ does not know EPSG:{}", gk.epsg));
    return impl_->finish_footprint(std::make_unique<OGRPoint>(gk.easting, gk.northing), srs,
                                   fmt::format("point E {:.2f} N {:.2f}, CGCS2000 Gauss-Krüger {} zone CM {}°E (EPSG:{})",
                                               gk.easting, gk.northing, gk.six_degree ? "6-degree" : "3-degree",
                                               gk.central_meridian, gk.epsg));
}

Footprint ProjectChecker::footprint_from_wkt(const std::string& wkt, const std::string& crs) const {
    OGRSpatialReference srs;
    if (srs.SetFromUserInput(crs.c_str()) != OGRERR_NONE) throw InputError("--crs: GDAL does not understand '" + crs + "'");
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g) != OGRERR_NONE || !g)
        throw InputError("--wkt: not a WKT geometry: '" + wkt.substr(0, 80) + (wkt.size() > 80 ? "…" : "") + "'");
    std::unique_ptr<OGRGeometry> owned(g);
    const std::string type = OGRGeometryTypeToName(g->getGeometryType());
    return impl_->finish_footprint(std::move(owned), srs, lower_ascii(type) + " from --wkt (" + crs + ")");
}

Footprint ProjectChecker::footprint_from_geojson(const std::string& geometry) const {
    detail::QuietGdal quiet;
    CPLErrorReset();
    std::unique_ptr<OGRGeometry> g(OGRGeometryFactory::createFromGeoJson(geometry.c_str()));
    if (!g) throw InputError("not a GeoJSON geometry: " + last_gdal_error());
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    const std::string type = OGRGeometryTypeToName(g->getGeometryType());
    return impl_->finish_footprint(std::move(g), srs, lower_ascii(type) + " from GeoJSON (CGCS2000)");
}

Footprint ProjectChecker::footprint_from_source(const std::string& spec) const {
    OpenLayerOptions open;
    open.default_layer.clear();  // a footprint's layer is named when there are several
    const VectorLayer source = open_vector_layer(parse_source(spec), open);
    detail::QuietGdal quiet;
    OGRLayer* l = source.layer;
    const Where& where = source.where;
    OGRSpatialReference srs;
    if (const OGRSpatialReference* s = l->GetSpatialRef(); s && !s->IsEmpty()) srs = *s;
    auto collection = std::make_unique<OGRGeometryCollection>();
    Footprint out;
    std::map<std::string, std::pair<AttrValue, std::int64_t>> seen;
    int n = 0;
    for (auto& f : *l) {
        Where w = where;
        w.fid = f->GetFID();
        const OGRGeometry* g = f->GetGeometryRef();
        if (!g || g->IsEmpty()) throw InputError(w, "the feature has no geometry");
        collection->addGeometry(g);
        for (auto& [name, value] : feature_attributes(*f, w, "")) {
            auto [it, inserted] = seen.emplace(name, std::make_pair(value, f->GetFID()));
            if (!inserted && it->second.first.text != value.text)
                throw InputError(w, fmt::format("attribute {} is '{}' here but '{}' in feature {}: give the project's "
                                                "value with --industry, --nature or --attr",
                                                name, value.text, it->second.first.text, it->second.second));
        }
        ++n;
    }
    if (n == 0) throw InputError(where, "the layer has no features");
    if (srs.IsEmpty()) {
        OGREnvelope env;
        collection->getEnvelope(&env);
        if (!(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
            throw InputError(where, "no coordinate reference system, and the coordinates are not longitude/latitude");
        srs.importFromEPSG(4490);  // a CSV or a Shapefile without .prj in degrees
    }
    std::unique_ptr<OGRGeometry> geom;
    if (n == 1) geom.reset(collection->getGeometryRef(0)->clone());
    else geom = std::move(collection);  // united in finish_footprint
    const std::string description =
        fmt::format("{} from {} ({} feature{})", lower_ascii(OGRGeometryTypeToName(geom->getGeometryType())), spec, n,
                    n == 1 ? "" : "s");
    Footprint fp = impl_->finish_footprint(std::move(geom), srs, description);
    for (auto& [name, v] : seen) fp.attributes[name] = v.first;
    return fp;
}

std::size_t vertex_count(const Footprint& footprint) {
    geos::Context ctx;
    geos::GeomPtr g = geos::from_wkb(ctx, footprint.wkb);
    const int n = GEOSGetNumCoordinates_r(ctx, g.get());
    return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::string ProjectChecker::unit_outline_geojson(std::int64_t fid, double tolerance_m) const {
    std::size_t i = 0;
    while (i < impl_->units.size() && impl_->units[i].fid != fid) ++i;
    if (i == impl_->units.size()) return {};
    detail::QuietGdal quiet;
    OGRSpatialReference map_srs;
    map_srs.importFromWkt(impl_->layer.crs_wkt.c_str());
    map_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    // Degrees of latitude are 111 km everywhere; of longitude less, so this is finer than asked there.
    const double tolerance = map_srs.IsGeographic() ? tolerance_m / 111320.0 : tolerance_m;
    geos::Context ctx;
    geos::GeomPtr simple = geos::own(
        ctx, GEOSTopologyPreserveSimplify_r(ctx, impl_->layer.features[i].geom.get(), tolerance), "simplify");
    const std::vector<unsigned char> wkb = geos::to_wkb(ctx, simple.get());
    OGRGeometry* raw = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &raw, wkb.size()) != OGRERR_NONE || !raw) return {};
    std::unique_ptr<OGRGeometry> g(raw);
    OGRSpatialReference cgcs2000;
    cgcs2000.importFromEPSG(4490);
    cgcs2000.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!map_srs.IsSame(&cgcs2000)) {
        std::unique_ptr<OGRCoordinateTransformation> t(OGRCreateCoordinateTransformation(&map_srs, &cgcs2000));
        if (!t || g->transform(t.get()) != OGRERR_NONE) return {};
    }
    CPLStringList options;
    options.SetNameValue("COORDINATE_PRECISION", "6");
    char* json = OGR_G_ExportToJsonEx(OGRGeometry::ToHandle(g.get()), options.List());
    std::string out = json ? json : "";
    CPLFree(json);
    return out;
}

// ---------------------------------------------------------------- the analysis

std::vector<TouchedUnit> ProjectChecker::Impl::touch(Worker& w, const GEOSGeometry* footprint, bool areas,
                                                     double* footprint_m2, std::array<double, 2>* lonlat) const {
    std::vector<std::size_t> candidates;
    GEOSSTRtree_query_r(
        w.ctx, tree.get(), footprint,
        [](void* item, void* data) {
            static_cast<std::vector<std::size_t>*>(data)->push_back(reinterpret_cast<std::size_t>(item) - 1);
        },
        &candidates);
    std::sort(candidates.begin(), candidates.end());
    const int dimension = GEOSGeom_getDimensions_r(w.ctx, footprint);
    if (areas) {
        // Areas in the Gauss-Krüger zone of the footprint: the project is one place.
        geos::GeomPtr p = geos::own(w.ctx, GEOSPointOnSurface_r(w.ctx, footprint), "point on surface");
        double x = 0, y = 0;
        GEOSGeomGetX_r(w.ctx, p.get(), &x);
        GEOSGeomGetY_r(w.ctx, p.get(), &y);
        const auto ll = w.area.lonlat(x, y);
        if (lonlat) *lonlat = ll;
        w.area.use_zone(gk_central_meridian(ll[0]));
        if (footprint_m2) *footprint_m2 = dimension == 2 ? w.area.area(w.ctx, footprint) : 0.0;
    }

    std::vector<TouchedUnit> out;
    for (std::size_t i : candidates) {
        const GEOSGeometry* unit = layer.features[i].geom.get();
        if (!w.prepared[i]) w.prepared[i] = geos::prepare(w.ctx, unit);
        const char hit = GEOSPreparedIntersects_r(w.ctx, w.prepared[i].get(), footprint);
        if (hit == 2) throw geos::GeosError("intersection test failed: " + w.ctx.last_error());
        if (!hit) continue;
        TouchedUnit t = units[i];
        if (dimension == 2) {
            // A site shares land with the unit, or only a border: then it is the neighbour's.
            const char touches = GEOSPreparedTouches_r(w.ctx, w.prepared[i].get(), footprint);
            if (touches == 1) continue;
            if (areas) {
                geos::GeomPtr common = geos::own(w.ctx, GEOSIntersection_r(w.ctx, unit, footprint), "intersection");
                t.overlap_m2 = w.area.area(w.ctx, common.get());
            }
        }
        out.push_back(std::move(t));
    }
    std::sort(out.begin(), out.end(), [](const TouchedUnit& a, const TouchedUnit& b) { return a.code < b.code; });
    return out;
}

void ProjectChecker::Impl::apply_rules(const std::vector<TouchedUnit>& touched, const Attributes& attrs,
                                       std::vector<RuleHit>& hits, std::vector<RuleHit>& undecided) const {
    for (std::size_t ri : rule_order) {
        const Rule& r = list.rules[ri];
        std::optional<Condition::Result> cond;  // evaluated once, when a unit needs it
        for (const auto& u : touched) {
            if (!r.categories.empty() &&
                std::find(r.categories.begin(), r.categories.end(), u.category) == r.categories.end())
                continue;
            Truth applies = Truth::no;
            switch (r.level) {
                case Level::province:
                    applies = u.county_code.size() == 6 && province_code_of(u.county_code) == r.scope ? Truth::yes : Truth::no;
                    break;
                case Level::circle:
                    applies = u.circle.empty() ? Truth::unknown : u.circle == r.scope ? Truth::yes : Truth::no;
                    break;
                case Level::city:
                    applies = (u.city_code == r.scope || u.city == r.scope) ? Truth::yes : Truth::no;
                    break;
                case Level::unit:
                    applies = (u.code == r.scope || u.county_code == r.scope) ? Truth::yes : Truth::no;
                    break;
            }
            if (applies == Truth::no) continue;
            if (!cond) {
                if (r.when) {
                    try {
                        cond = r.when->evaluate(attrs);
                    } catch (const std::invalid_argument& e) {
                        throw InputError(fmt::format("rule {} ({}:{}): {}", r.id, list.file, r.line, e.what()));
                    }
                } else {
                    cond = Condition::Result{Truth::yes, {}};
                }
            }
            const Truth outcome = truth_and(applies, cond->truth);
            if (outcome == Truth::no) continue;
            RuleHit h;
            h.rule = ri;
            h.id = r.id;
            h.level = r.level;
            h.dimension = r.dimension;
            h.effect = r.effect;
            h.text = r.text;
            h.unit = u.code;
            if (outcome == Truth::yes) {
                hits.push_back(std::move(h));
            } else {
                if (cond->truth == Truth::unknown) h.missing = cond->missing;
                if (applies == Truth::unknown) h.missing.push_back("circle");
                undecided.push_back(std::move(h));
            }
        }
    }
}

ProjectResult ProjectChecker::check(const Footprint& footprint, const Attributes& given) const {
    Attributes attrs;
    for (const auto& [name, value] : given) {
        AttrValue v = value;
        const std::string key = lower_ascii(name);
        try {
            check_attribute(key, v);
        } catch (const std::invalid_argument& e) {
            throw InputError(e.what());
        }
        if (!v.text.empty()) attrs[key] = v;
    }
    const Impl::WorkerLease lease(*impl_);
    Worker& w = *lease.worker;
    geos::GeomPtr geom = geos::from_wkb(w.ctx, footprint.wkb);
    ProjectResult r;
    r.footprint = footprint.description;
    r.units = impl_->touch(w, geom.get(), true, &r.footprint_m2, &r.lonlat);
    if (r.units.empty()) {
        double minx = 0, miny = 0, maxx = 0, maxy = 0;
        GEOSGeom_getExtent_r(w.ctx, geom.get(), &minx, &miny, &maxx, &maxy);
        throw InputError(fmt::format("the footprint ({}) touches no unit of the map: it lies outside it. Are the "
                                     "coordinates right (longitude first; CGCS2000)?",
                                     footprint.description));
    }
    impl_->apply_rules(r.units, attrs, r.hits, r.undecided);
    r.verdict = decide_verdict(r.hits, r.undecided, &r.missing);
    for (const auto& u : r.units)
        if (u.circle.empty() && impl_->know_circles)
            r.notes.push_back("unit " + u.code + ": its county " + u.county_code + " is not in the boundary, so its circle is unknown");
    return r;
}

std::unique_ptr<Worker> ProjectChecker::Impl::take_worker() {
    {
        std::lock_guard lock(idle_mutex);
        if (!idle_workers.empty()) {
            std::unique_ptr<Worker> w = std::move(idle_workers.back());
            idle_workers.pop_back();
            return w;
        }
    }
    return std::make_unique<Worker>(layer.crs_wkt, units.size());
}

void ProjectChecker::Impl::give_back(std::unique_ptr<Worker> w) {
    std::lock_guard lock(idle_mutex);
    idle_workers.push_back(std::move(w));
}

}  // namespace zone
