#include "zone/check.hpp"

#include "check_expect_engine.hpp"
#include "gdal_util.hpp"
#include "unit_layer.hpp"
#include "disjoint_sets.hpp"
#include "parallel.hpp"
#include "zone/area.hpp"
#include "zone/boundary.hpp"
#include "zone/coding.hpp"
#include "zone/error.hpp"
#include "zone/geos.hpp"
#include "zone/overlay.hpp"
#include "zone/source.hpp"
#include "zone/unit_map.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

namespace zone {

const char* to_string(Severity s) { return s == Severity::error ? "error" : "warning"; }

const std::vector<std::string>& check_rule_ids() {
    static const std::vector<std::string> ids = {
        "crs.missing",           "crs.unexpected",       "schema.missing_field", "schema.field_type",
        "schema.encoding",       "geometry.invalid",     "geometry.empty",       "geometry.type",
        "code.format",           "code.duplicate",       "code.category_mismatch", "code.county_mismatch",
        "coverage.overlap",      "coverage.gap",         "coverage.outside",     "unit.crosses_county",
        "unit.sliver",           "redline.not_priority", "planning.category_mismatch", "map.empty",
    };
    return ids;
}

int CheckReport::errors() const {
    return static_cast<int>(std::count_if(findings.begin(), findings.end(),
                                          [](const Finding& f) { return f.severity == Severity::error; }));
}

int CheckReport::warnings() const { return static_cast<int>(findings.size()) - errors(); }

namespace {

// ---------------------------------------------------------------- helpers

using detail::last_gdal_error;

std::string km2_or_m2(double m2) {
    return m2 >= 1e6 ? fmt::format("{:.3f} km²", m2 / 1e6) : fmt::format("{:.1f} m²", m2);
}

std::vector<unsigned char> point_wkb(const geos::Context& ctx, double x, double y) {
    return geos::to_wkb(ctx, geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx, x, y), "point").get());
}

// Dissolves faces that share borders exactly (they come from one overlay).
geos::GeomPtr dissolve(const geos::Context& ctx, std::vector<geos::GeomPtr> parts) {
    if (parts.size() == 1) return geos::polygonal_part(ctx, std::move(parts[0]));
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (auto& p : parts) raw.push_back(p.release());
    geos::GeomPtr coll = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, raw.data(), static_cast<unsigned>(raw.size())),
        "collecting");
    return geos::polygonal_part(ctx, geos::own(ctx, GEOSCoverageUnion_r(ctx, coll.get()), "dissolving"));
}

// Perimeter in metres; an equirectangular approximation for degrees, which is
// plenty for telling a sliver from a unit.
double perimeter_m(const geos::Context& ctx, const GEOSGeometry* g, bool geographic) {
    double total = 0;
    std::vector<double> xy;
    auto ring_length = [&](const GEOSGeometry* ring) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, ring);
        unsigned int n = 0;
        GEOSCoordSeq_getSize_r(ctx, seq, &n);
        xy.resize(2 * static_cast<std::size_t>(n));
        if (n < 2) return;
        GEOSCoordSeq_copyToBuffer_r(ctx, seq, xy.data(), 0, 0);
        for (unsigned int i = 0; i + 1 < n; ++i) {
            double dx = xy[2 * i + 2] - xy[2 * i], dy = xy[2 * i + 3] - xy[2 * i + 1];
            if (geographic) {
                dx *= 111319.49 * std::cos((xy[2 * i + 1] + xy[2 * i + 3]) / 2 * M_PI / 180);
                dy *= 111319.49;
            }
            total += std::hypot(dx, dy);
        }
    };
    const int n = GEOSGetNumGeometries_r(ctx, g);
    for (int i = 0; i < n; ++i) {
        const GEOSGeometry* poly = GEOSGetGeometryN_r(ctx, g, i);
        if (GEOSGeomTypeId_r(ctx, poly) != GEOS_POLYGON || GEOSisEmpty_r(ctx, poly)) continue;
        ring_length(GEOSGetExteriorRing_r(ctx, poly));
        const int holes = GEOSGetNumInteriorRings_r(ctx, poly);
        for (int h = 0; h < holes; ++h) ring_length(GEOSGetInteriorRingN_r(ctx, poly, h));
    }
    return total;
}

// ---------------------------------------------------------------- CRS

enum class CrsKind { none, cgcs2000_geographic, cgcs2000_gauss_kruger, other };

bool mentions_cgcs2000(const char* text) {
    if (!text) return false;
    const std::string s = CPLString(text).toupper();
    return s.find("CHINA_2000") != std::string::npos || s.find("CHINA 2000") != std::string::npos ||
           s.find("CGCS2000") != std::string::npos || s.find("CGCS_2000") != std::string::npos;
}

CrsKind classify_crs(const OGRSpatialReference* srs) {
    if (!srs || srs->IsEmpty()) return CrsKind::none;
    const char* name = srs->GetName();
    if (name && STARTS_WITH_CI(name, "Undefined") && !srs->GetAuthorityCode(nullptr)) return CrsKind::none;
    const char* auth = srs->GetAuthorityName(nullptr);
    const char* code = srs->GetAuthorityCode(nullptr);
    if (auth && code && EQUAL(auth, "EPSG")) {
        const int epsg = std::atoi(code);
        if (epsg == 4490) return CrsKind::cgcs2000_geographic;
        if (epsg >= 4491 && epsg <= 4554) return CrsKind::cgcs2000_gauss_kruger;
    }
    // A Shapefile's .prj carries no EPSG code: recognise the structure.
    const bool cgcs = mentions_cgcs2000(srs->GetAttrValue("DATUM")) || mentions_cgcs2000(srs->GetAttrValue("GEOGCS"));
    if (cgcs && srs->IsGeographic()) return CrsKind::cgcs2000_geographic;
    if (cgcs && srs->IsProjected()) {
        const char* projection = srs->GetAttrValue("PROJECTION");
        const double k = srs->GetNormProjParm(SRS_PP_SCALE_FACTOR, 1.0);
        const double lat0 = srs->GetNormProjParm(SRS_PP_LATITUDE_OF_ORIGIN, 0.0);
        const double cm = srs->GetNormProjParm(SRS_PP_CENTRAL_MERIDIAN, 0.0);
        if (projection && (EQUAL(projection, SRS_PT_TRANSVERSE_MERCATOR) || EQUAL(projection, "Gauss_Kruger")) &&
            std::fabs(k - 1.0) < 1e-12 && std::fabs(lat0) < 1e-12 && std::fabs(cm / 3 - std::round(cm / 3)) < 1e-9)
            return CrsKind::cgcs2000_gauss_kruger;
    }
    return CrsKind::other;
}

// ---------------------------------------------------------------- the map

struct MapUnit {
    std::int64_t fid = 0;
    std::string code, county_code;
    int category = 0;    // 0 when unknown
    geos::GeomPtr geom;  // valid polygonal geometry, repaired if need be; null when unusable
    double cx = 0, cy = 0;
    int zone = 0;        // Gauss-Krüger central meridian for its area
    double area_m2 = 0;
};

struct County {
    std::int64_t fid = 0;
    std::string code;
    const GEOSGeometry* geom = nullptr;
};

// What one region (a county, or the whole map) contributes.
struct RegionResult {
    struct Pair {
        double area = 0;
        std::vector<std::vector<unsigned char>> parts;
        double best = -1, x = 0, y = 0;  // the largest face and a point in it
    };
    struct Piece {  // a gap
        double area = 0;
        std::vector<unsigned char> wkb;
        double x = 0, y = 0;
    };
    std::map<std::pair<int, int>, Pair> overlaps;  // unit index pairs
    std::vector<Piece> gaps;
    detail::Mismatches mismatches;                 // red line and planning land in units it should not be in
    std::vector<std::pair<int, double>> inside;    // (unit, area in the unit's zone)
};

class Checker {
public:
    Checker(const std::string& input, const CheckOptions& options) : input_(input), options_(options) {
        report_.input = input;
        report_.tolerances = options.tolerances;
    }

    CheckReport run();

private:
    void add(std::string rule, Severity severity, std::optional<std::int64_t> fid, std::string message,
             std::string code = {}) {
        Finding f;
        f.rule = std::move(rule);
        f.severity = severity;
        f.fid = fid;
        f.code = std::move(code);
        f.message = std::move(message);
        report_.findings.push_back(std::move(f));
    }
    Finding& last() { return report_.findings.back(); }
    void locate(Finding& f, double x, double y) {
        f.location = area_ ? area_->lonlat(x, y) : std::array<double, 2>{x, y};
        if (f.wkb.empty()) f.wkb = point_wkb(ctx_, x, y);
    }

    // Workers need a CRS for their area calculator even when the map has none
    // (then areas are planar and the calculator is never asked).
    std::unique_ptr<detail::GeometryWorker> make_worker() const {
        return std::make_unique<detail::GeometryWorker>(work_crs_.empty() ? "EPSG:4490" : work_crs_,
                                                        AreaMethod::gauss_kruger);
    }

    void read_map();
    void check_crs(const OGRSpatialReference* srs, bool shapefile, const OGREnvelope& extent);
    void check_schema(OGRFeatureDefn& defn);
    void check_codes();
    void compute_unit_areas();
    void check_slivers();
    void read_references();
    void check_coverage();
    RegionResult overlay_region(detail::GeometryWorker& w, const GEOSGeometry* region, int zone,
                                const std::vector<int>& units, const std::vector<int>& references) const;
    void report_region_results(std::vector<RegionResult>& results);
    // Returns the parts of units outside every county, by unit index.
    std::map<int, geos::GeomPtr> check_counties(const std::vector<RegionResult>& results);
    void overlaps_beyond_boundary(std::map<int, geos::GeomPtr>& outside, std::vector<RegionResult>& results);

    std::string input_;
    CheckOptions options_;
    CheckReport report_;
    geos::Context ctx_;
    std::unique_ptr<AreaCalculator> area_;
    std::string work_crs_;   // what areas are computed in
    bool geographic_ = true;
    double grid_ = 1e-9;
    std::vector<MapUnit> units_;
    std::vector<int> usable_;  // indices of units with a usable geometry
    Boundary boundary_;
    std::vector<detail::ExpectationLayer> expected_;           // the red line first, then --expect layers
    std::vector<detail::ExpectationFeature> expected_features_;  // all their features
    std::vector<County> counties_;
};

// ---------------------------------------------------------------- reading

void Checker::read_map() {
    const detail::UnitLayerReader reader(input_, options_.encoding);
    OGRLayer* layer = &reader.layer();
    const Where& where = reader.where();
    report_.layer = where.layer;
    const bool shapefile = reader.shapefile();

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    check_schema(*defn);

    // Field positions; absent fields read as empty.
    const int i_code = reader.index("HJZHGKDYBM"), i_county = reader.index("XZQDM"),
              i_category = reader.index("ZHGKDYFL");

    OGREnvelope extent;
    bool have_extent = false;
    int dimension_warnings = 0;
    std::int64_t first_dimension_fid = 0;

    report_.features = static_cast<int>(reader.feature_count());
    if (reader.feature_count() == 0) add("map.empty", Severity::error, std::nullopt, "the layer has no features");

    // Encoding first: it decides how every text value is read.
    if (const auto& first_bad = reader.first_invalid_text()) {
        const std::string& declared = reader.declared_encoding();
        std::string message;
        if (!declared.empty()) {
            message = fmt::format("text is not valid in the declared encoding {} (first at feature {}, field {})",
                                  declared, first_bad->first, first_bad->second);
        } else if (reader.decodes_gbk()) {
            message = fmt::format("text is not UTF-8 and the Shapefile declares no encoding (no .cpg, no code page in "
                                  "the .dbf); it reads as GBK: add a .cpg file containing GBK, or pass --encoding GBK "
                                  "(first at feature {}, field {}; checked as GBK here)",
                                  first_bad->first, first_bad->second);
        } else {
            message = fmt::format("text is not valid UTF-8{} (first at feature {}, field {})",
                                  shapefile ? ", the Shapefile declares no encoding, and it does not read as GBK either" : "",
                                  first_bad->first, first_bad->second);
        }
        add("schema.encoding", Severity::error, first_bad->first, message);
    }

    reader.each([&](OGRFeature& feature) {
        MapUnit u;
        u.fid = feature.GetFID();
        u.code = reader.text(feature, i_code);
        u.county_code = reader.text(feature, i_county);
        if (i_category >= 0 && feature.IsFieldSetAndNotNull(i_category)) {
            const std::string v = feature.GetFieldAsString(i_category);
            u.category = (v == "1" || v == "2" || v == "3") ? v[0] - '0' : -1;
        }
        const std::string code_note = u.code;

        OGRGeometry* g = feature.GetGeometryRef();
        if (!g || g->IsEmpty()) {
            add("geometry.empty", Severity::error, u.fid, "the feature has no geometry", code_note);
            units_.push_back(std::move(u));
            return;
        }
        std::unique_ptr<OGRGeometry> linear;
        OGRwkbGeometryType type;
        g = detail::linear_geometry(g, linear, type);
        if (type != wkbPolygon && type != wkbMultiPolygon) {
            add("geometry.type", Severity::error, u.fid,
                std::string("geometry is ") + OGRGeometryTypeToName(g->getGeometryType()) + "; a unit must be a polygon",
                code_note);
            units_.push_back(std::move(u));
            return;
        }
        if (g->Is3D() || g->IsMeasured()) {
            if (dimension_warnings++ == 0) first_dimension_fid = u.fid;
            g->flattenTo2D();
        }
        geos::GeomPtr geom(g->exportToGEOS(ctx_.handle()), geos::GeomDeleter{ctx_.handle()});
        if (!geom) {
            add("geometry.invalid", Severity::error, u.fid, "GEOS cannot read the geometry", code_note);
            units_.push_back(std::move(u));
            return;
        }
        char* reason = nullptr;
        GEOSGeometry* location = nullptr;
        const char valid = GEOSisValidDetail_r(ctx_, geom.get(), 0, &reason, &location);
        std::string why = reason ? reason : "";
        GEOSFree_r(ctx_, reason);
        geos::GeomPtr where_bad(location, geos::GeomDeleter{ctx_.handle()});
        double lx = 0, ly = 0;
        if (where_bad) {
            GEOSGeomGetX_r(ctx_, where_bad.get(), &lx);
            GEOSGeomGetY_r(ctx_, where_bad.get(), &ly);
        }
        if (valid == 2) throw geos::GeosError("validity check failed: " + ctx_.last_error());
        if (!valid && why.rfind("Invalid Coordinate", 0) == 0) {
            add("geometry.invalid", Severity::error, u.fid,
                "geometry has a coordinate that is not a finite number (" + why + ")", code_note);
            units_.push_back(std::move(u));
            return;
        }
        OGREnvelope env;
        g->getEnvelope(&env);
        const double limit = 1e9;  // far beyond any Gauss-Krüger easting with its zone prefix
        if (!(std::fabs(env.MinX) < limit && std::fabs(env.MaxX) < limit && std::fabs(env.MinY) < limit &&
              std::fabs(env.MaxY) < limit)) {
            add("geometry.invalid", Severity::error, u.fid,
                fmt::format("geometry has coordinates out of any sensible range (extent {:g} {:g}, {:g} {:g})",
                            env.MinX, env.MinY, env.MaxX, env.MaxY),
                code_note);
            units_.push_back(std::move(u));
            return;
        }
        if (!valid) {
            add("geometry.invalid", Severity::error, u.fid, "invalid geometry: " + why, code_note);
            last().wkb = point_wkb(ctx_, lx, ly);
            geom = geos::make_valid_polygonal(ctx_, geom.get());
            if (geom && GEOSisEmpty_r(ctx_, geom.get())) geom.reset();
        } else {
            geom = geos::polygonal_part(ctx_, std::move(geom));
        }
        if (geom) {
            if (have_extent) {
                extent.Merge(env);
            } else {
                extent = env;
                have_extent = true;
            }
            geos::GeomPtr c = geos::own(ctx_, GEOSPointOnSurface_r(ctx_, geom.get()), "point on surface");
            GEOSGeomGetX_r(ctx_, c.get(), &u.cx);
            GEOSGeomGetY_r(ctx_, c.get(), &u.cy);
            u.geom = std::move(geom);
        }
        units_.push_back(std::move(u));
    });
    if (dimension_warnings)
        add("geometry.type", Severity::warning, first_dimension_fid,
            fmt::format("{} feature(s) have Z or M coordinates, which are ignored (first: feature {})",
                        dimension_warnings, first_dimension_fid));

    check_crs(layer->GetSpatialRef(), shapefile, extent);
    // Locations of the geometry findings, now that the CRS is known.
    for (auto& f : report_.findings) {
        if (f.rule != "geometry.invalid" || f.wkb.empty()) continue;
        geos::GeomPtr p = geos::from_wkb(ctx_, f.wkb);
        double x = 0, y = 0;
        GEOSGeomGetX_r(ctx_, p.get(), &x);
        GEOSGeomGetY_r(ctx_, p.get(), &y);
        f.location = area_ ? area_->lonlat(x, y) : std::array<double, 2>{x, y};
    }
    for (std::size_t i = 0; i < units_.size(); ++i)
        if (units_[i].geom) usable_.push_back(static_cast<int>(i));
}

void Checker::check_schema(OGRFeatureDefn& defn) {
    for (const UnitField& field : unit_layer_fields) {
        const int i = defn.GetFieldIndex(field.name);
        if (i < 0) {
            const bool error = field.always_required || options_.profile == Profile::national;
            add("schema.missing_field", error ? Severity::error : Severity::warning, std::nullopt,
                fmt::format("field {} is missing{}", field.name,
                            field.always_required ? "" : error ? " (the national profile requires every contract field)"
                                                        : " (optional in the standard profile)"));
            continue;
        }
        const OGRFieldType type = defn.GetFieldDefn(i)->GetType();
        const bool ok = field.kind == UnitField::text      ? type == OFTString
                        : field.kind == UnitField::integer ? (type == OFTInteger || type == OFTInteger64)
                                                               : type == OFTReal;
        if (!ok)
            add("schema.field_type", Severity::error, std::nullopt,
                fmt::format("field {} is {}; it must be {}", field.name, OGRFieldDefn::GetFieldTypeName(type),
                            field.kind == UnitField::text      ? "text (String)"
                            : field.kind == UnitField::integer ? "an integer"
                                                                   : "a real number"));
    }
}

void Checker::check_crs(const OGRSpatialReference* srs, bool shapefile, const OGREnvelope& extent) {
    const CrsKind kind = classify_crs(srs);
    const bool national = options_.profile == Profile::national;
    if (kind == CrsKind::none) {
        // Compute as CGCS2000 longitude/latitude when the coordinates look like it.
        const bool lonlat = extent.MinX >= -180 && extent.MaxX <= 180 && extent.MinY >= -90 && extent.MaxY <= 90;
        add("crs.missing", Severity::error, std::nullopt,
            std::string(shapefile ? "the Shapefile has no .prj: its coordinate reference system is unknown"
                                  : "the layer has no coordinate reference system") +
                (lonlat ? "; the coordinates look like longitude/latitude, checked as CGCS2000 (EPSG:4490)"
                        : "; areas are computed as if the coordinates were metres"));
        work_crs_ = lonlat ? "EPSG:4490" : "";
        geographic_ = lonlat;
    } else {
        char* wkt = nullptr;
        const char* wkt_options[] = {"FORMAT=WKT2_2019", nullptr};
        srs->exportToWkt(&wkt, wkt_options);
        report_.crs_wkt = wkt ? wkt : "";
        CPLFree(wkt);
        work_crs_ = report_.crs_wkt;
        geographic_ = srs->IsGeographic();
        const std::string name = srs->GetName() ? srs->GetName() : "unnamed";
        if (kind == CrsKind::other)
            add("crs.unexpected", national ? Severity::error : Severity::warning, std::nullopt,
                "the CRS is " + name + ", not CGCS2000 longitude/latitude (EPSG:4490) or a CGCS2000 Gauss-Krüger zone");
        else if (kind == CrsKind::cgcs2000_gauss_kruger && national)
            add("crs.unexpected", Severity::warning, std::nullopt,
                "the CRS is " + name + "; national filing expects CGCS2000 longitude/latitude (EPSG:4490)");
    }
    grid_ = options_.grid > 0 ? options_.grid : geographic_ ? 1e-9 : 1e-4;
    if (!work_crs_.empty()) {
        // A .prj may be anything: make sure PROJ can take it to Gauss-Krüger.
        try {
            area_ = std::make_unique<AreaCalculator>(work_crs_, AreaMethod::gauss_kruger);
            area_->use_zone(gk_central_meridian(
                area_->longitude((extent.MinX + extent.MaxX) / 2, (extent.MinY + extent.MaxY) / 2)));
        } catch (const std::exception& e) {
            add("crs.unexpected", Severity::error, std::nullopt,
                std::string("PROJ cannot compute Gauss-Krüger areas from this CRS (") + e.what() +
                    "); areas are computed in the units of the coordinates");
            area_.reset();
            work_crs_.clear();
        }
    }
    report_.area_method = area_ ? area_->description() : "planar, in the units of the coordinates";
}

// ---------------------------------------------------------------- attributes

void Checker::check_codes() {
    std::map<std::string, std::int64_t> first_with_code;
    for (const auto& u : units_) {
        const std::optional<UnitCode> code = UnitCode::parse(u.code);
        if (!code) {
            add("code.format", Severity::error, u.fid,
                u.code.empty() ? "HJZHGKDYBM is empty"
                               : "HJZHGKDYBM '" + u.code + "' does not match ZH + 6-digit county + category 1-3 + "
                                                           "4-digit serial",
                u.code);
        } else {
            auto [it, inserted] = first_with_code.emplace(u.code, u.fid);
            if (!inserted) {
                add("code.duplicate", Severity::error, u.fid,
                    fmt::format("HJZHGKDYBM {} is also the code of feature {}", u.code, it->second), u.code);
                last().fid2 = it->second;
            }
        }
        if (u.category < 0) {
            add("code.category_mismatch", Severity::error, u.fid, "ZHGKDYFL is not 1, 2 or 3", u.code);
        } else if (u.category > 0 && code && code->category() != u.category) {
            add("code.category_mismatch", Severity::error, u.fid,
                fmt::format("the code's category digit is {} but ZHGKDYFL is {}", code->category(), u.category), u.code);
        }
        if (code && !u.county_code.empty() && code->county() != u.county_code)
            add("code.county_mismatch", Severity::error, u.fid,
                fmt::format("the code's county part is {} but XZQDM is {}", code->county(), u.county_code), u.code);
        else if (!u.county_code.empty() && !is_county_code(u.county_code))
            add("code.county_mismatch", Severity::error, u.fid,
                "XZQDM '" + u.county_code + "' is not a 6-digit county code", u.code);
    }
}

// ---------------------------------------------------------------- areas

void Checker::compute_unit_areas() {
    std::vector<std::size_t> jobs(usable_.begin(), usable_.end());
    if (!area_) {
        for (int i : usable_) units_[i].area_m2 = geos::planar_area(ctx_, units_[i].geom.get());
        return;
    }
    for (int i : usable_) units_[i].zone = gk_central_meridian(area_->longitude(units_[i].cx, units_[i].cy));
    detail::run_parallel(
        jobs, options_.threads, [&] { return make_worker(); },
        [&](detail::GeometryWorker& w, std::size_t i) {
            MapUnit& u = units_[i];
            w.area.use_zone(u.zone);
            u.area_m2 = w.area.area(w.ctx, u.geom.get());
        });
}

void Checker::check_slivers() {
    const auto& t = options_.tolerances;
    for (int i : usable_) {
        const MapUnit& u = units_[i];
        const double perimeter = geographic_ || area_ ? perimeter_m(ctx_, u.geom.get(), geographic_)
                                                      : perimeter_m(ctx_, u.geom.get(), false);
        const double width = perimeter > 0 ? 2 * u.area_m2 / perimeter : 0;
        std::string why;
        if (u.area_m2 < t.sliver_area_m2)
            why = fmt::format("the unit is {} (less than {:g} m²)", km2_or_m2(u.area_m2), t.sliver_area_m2);
        else if (width < t.sliver_width_m)
            why = fmt::format("the unit is {:.1f} m wide on average (2 × area / perimeter, less than {:g} m)", width,
                              t.sliver_width_m);
        if (why.empty()) continue;
        add("unit.sliver", Severity::warning, u.fid, why, u.code);
        last().area_m2 = u.area_m2;
        locate(last(), u.cx, u.cy);
    }
}

// ---------------------------------------------------------------- coverage

void Checker::read_references() {
    if (!options_.boundary.empty()) {
        BoundaryOptions o;
        o.fields.code = options_.boundary_code_field;
        o.places = false;
        o.target_crs_wkt = report_.crs_wkt;
        o.reproject_tolerance = grid_ / 2;  // below what the grid moves a vertex by
        o.code_field_option = "--boundary-code-field";
        boundary_ = read_boundary(ctx_, options_.boundary, o);
        for (const auto& c : boundary_.counties) counties_.push_back({c.fid, c.code, c.geom.get()});
    }
    expected_ = detail::read_expectations(ctx_, options_.redline, options_.tolerances.redline_m2,
                                          options_.expectations, report_.crs_wkt, grid_ / 2);
    expected_features_ = detail::all_features(expected_);
}

RegionResult Checker::overlay_region(detail::GeometryWorker& w, const GEOSGeometry* region, int zone,
                                     const std::vector<int>& units, const std::vector<int>& references) const {
    const geos::Context& ctx = w.ctx;
    std::vector<const GEOSGeometry*> inputs;
    for (int u : units) inputs.push_back(units_[u].geom.get());
    for (int r : references) {
        const detail::ExpectationFeature& f = expected_features_[r];
        inputs.push_back(expected_[f.layer].layer.features[f.feature].geom.get());
    }
    Overlay overlay = overlay_polygons(ctx, region, inputs, grid_, geographic_);
    const std::size_t nunits = units.size();

    RegionResult out;
    auto area_in = [&](const GEOSGeometry* g, int cm) {
        if (!area_) return geos::planar_area(ctx, g);
        w.area.use_zone(cm);
        return w.area.area(ctx, g);
    };
    std::vector<double> face_area(overlay.faces.size());
    std::vector<int> face_zone(overlay.faces.size());
    for (std::size_t k = 0; k < overlay.faces.size(); ++k) {
        const OverlayFace& f = overlay.faces[k];
        face_zone[k] = zone ? zone : (area_ ? gk_central_meridian(w.area.longitude(f.x, f.y)) : 0);
        face_area[k] = area_in(f.geom.get(), face_zone[k]);
    }

    // Gaps: connected faces no unit covers. Without a region, such faces that
    // reach the outside are beyond the map (covered by red line or nothing
    // else), not gaps, nor land of a reference layer out of place.
    auto no_unit = [&](std::size_t k) {
        for (int i : overlay.faces[k].covering)
            if (static_cast<std::size_t>(i) < nunits) return false;
        return true;
    };
    detail::DisjointSets sets(overlay.faces.size());
    for (const auto& e : overlay.borders)
        if (no_unit(e.a) && no_unit(e.b)) sets.join(e.a, e.b);
    std::map<int, std::vector<int>> components;
    for (std::size_t k = 0; k < overlay.faces.size(); ++k)
        if (no_unit(k)) components[sets.find(static_cast<int>(k))].push_back(static_cast<int>(k));
    std::vector<bool> beyond(overlay.faces.size(), false);
    for (auto& [root, faces] : components) {
        if (!region) {
            bool outside = false;
            for (int k : faces) outside |= overlay.faces[k].on_outline;
            if (outside) {
                for (int k : faces) beyond[k] = true;
                continue;
            }
        }
        RegionResult::Piece gap;
        std::vector<geos::GeomPtr> parts;
        double best = -1;
        for (int k : faces) {
            gap.area += face_area[k];
            parts.push_back(geos::clone(ctx, overlay.faces[k].geom.get()));
            if (face_area[k] > best) best = face_area[k], gap.x = overlay.faces[k].x, gap.y = overlay.faces[k].y;
        }
        if (gap.area < options_.tolerances.gap_m2) continue;
        gap.wkb = geos::to_wkb(ctx, dissolve(ctx, std::move(parts)).get());
        out.gaps.push_back(std::move(gap));
    }

    // Overlaps, reference land in units of other categories than expected,
    // and each unit's land here.
    std::map<int, double> inside;
    std::map<detail::MismatchKey, std::vector<int>> mismatch_faces;
    for (std::size_t k = 0; k < overlay.faces.size(); ++k) {
        const OverlayFace& f = overlay.faces[k];
        std::vector<int> here, categories, covering_refs;  // unit indices, their categories, references
        for (int i : f.covering) {
            if (static_cast<std::size_t>(i) < nunits) {
                here.push_back(units[i]);
                categories.push_back(units_[units[i]].category);
            } else {
                covering_refs.push_back(references[i - nunits]);
            }
        }
        for (int u : here) {
            const int cm = units_[u].zone;
            inside[u] += (cm == face_zone[k] || !area_) ? face_area[k] : area_in(f.geom.get(), cm);
        }
        for (std::size_t a = 0; a < here.size(); ++a)
            for (std::size_t b = a + 1; b < here.size(); ++b) {
                auto& pair = out.overlaps[{std::min(here[a], here[b]), std::max(here[a], here[b])}];
                pair.area += face_area[k];
                pair.parts.push_back(geos::to_wkb(ctx, f.geom.get()));
                if (face_area[k] > pair.best) pair.best = face_area[k], pair.x = f.x, pair.y = f.y;
            }
        if (covering_refs.empty() || beyond[k]) continue;
        for (const auto& [layer, feature] :
             detail::broken_layers(expected_, expected_features_, covering_refs, categories)) {
            const detail::MismatchKey key{layer, here.empty() ? -1 : here.front()};
            detail::Mismatch& m = out.mismatches[key];
            if (m.feature < 0) m.feature = feature;
            m.area += face_area[k];
            if (face_area[k] > m.best) m.best = face_area[k], m.x = f.x, m.y = f.y;
            mismatch_faces[key].push_back(static_cast<int>(k));
        }
    }
    for (auto& [key, faces] : mismatch_faces) {
        std::vector<geos::GeomPtr> parts;
        for (int k : faces) parts.push_back(geos::clone(ctx, overlay.faces[k].geom.get()));
        out.mismatches[key].wkb = geos::to_wkb(ctx, dissolve(ctx, std::move(parts)).get());
    }
    for (const auto& [u, a] : inside) out.inside.emplace_back(u, a);
    return out;
}

void Checker::check_coverage() {
    read_references();
    std::vector<int> all_red(expected_features_.size());
    std::iota(all_red.begin(), all_red.end(), 0);
    std::vector<RegionResult> results;
    if (counties_.empty()) {
        // One region: the whole map. Holes between units are gaps.
        auto w = make_worker();
        results.push_back(overlay_region(*w, nullptr, 0, usable_, all_red));
        if (options_.progress) options_.progress(1.0);
        report_region_results(results);
        return;
    }

    struct Box {
        double x0, y0, x1, y1;
        bool meets(const Box& o) const { return x0 <= o.x1 && o.x0 <= x1 && y0 <= o.y1 && o.y0 <= y1; }
    };
    auto box = [&](const GEOSGeometry* g) {
        Box b{};
        GEOSGeom_getExtent_r(ctx_, g, &b.x0, &b.y0, &b.x1, &b.y1);
        return b;
    };
    std::vector<Box> unit_box(units_.size()), red_box(expected_features_.size());
    for (int u : usable_) unit_box[u] = box(units_[u].geom.get());
    for (int r : all_red) {
        const detail::ExpectationFeature& f = expected_features_[r];
        red_box[r] = box(expected_[f.layer].layer.features[f.feature].geom.get());
    }
    std::vector<std::vector<int>> county_units(counties_.size()), county_red(counties_.size());
    std::vector<int> county_zone(counties_.size(), 0);
    for (std::size_t c = 0; c < counties_.size(); ++c) {
        const Box cb = box(counties_[c].geom);
        for (int u : usable_)
            if (unit_box[u].meets(cb)) county_units[c].push_back(u);
        for (int r : all_red)
            if (red_box[r].meets(cb)) county_red[c].push_back(r);
        if (area_) {
            geos::GeomPtr p = geos::own(ctx_, GEOSGetCentroid_r(ctx_, counties_[c].geom), "centroid");
            double x = 0, y = 0;
            GEOSGeomGetX_r(ctx_, p.get(), &x);
            GEOSGeomGetY_r(ctx_, p.get(), &y);
            county_zone[c] = gk_central_meridian(area_->longitude(x, y));
        }
    }
    std::vector<std::size_t> order(counties_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return county_units[a].size() + county_red[a].size() > county_units[b].size() + county_red[b].size();
    });
    results.resize(counties_.size());
    detail::run_parallel(
        order, options_.threads, [&] { return make_worker(); },
        [&](detail::GeometryWorker& w, std::size_t c) {
            results[c] = overlay_region(w, counties_[c].geom, county_zone[c], county_units[c], county_red[c]);
        },
        options_.progress);
    std::map<int, geos::GeomPtr> outside = check_counties(results);
    overlaps_beyond_boundary(outside, results);
    report_region_results(results);
}

// Units that reach beyond the boundary may overlap there too, where no county
// overlay looks: overlay their outside parts with each other.
void Checker::overlaps_beyond_boundary(std::map<int, geos::GeomPtr>& outside, std::vector<RegionResult>& results) {
    if (outside.size() < 2) return;
    std::vector<int> index;
    std::vector<const GEOSGeometry*> parts;
    for (auto& [u, g] : outside) {
        index.push_back(u);
        parts.push_back(g.get());
    }
    auto w = make_worker();
    Overlay overlay = overlay_polygons(w->ctx, nullptr, parts, grid_, geographic_);
    RegionResult beyond;
    for (const auto& f : overlay.faces) {
        if (f.covering.size() < 2) continue;
        const int cm = area_ ? gk_central_meridian(w->area.longitude(f.x, f.y)) : 0;
        double a = 0;
        if (area_) {
            w->area.use_zone(cm);
            a = w->area.area(w->ctx, f.geom.get());
        } else {
            a = geos::planar_area(w->ctx, f.geom.get());
        }
        for (std::size_t i = 0; i < f.covering.size(); ++i)
            for (std::size_t j = i + 1; j < f.covering.size(); ++j) {
                const int ua = index[f.covering[i]], ub = index[f.covering[j]];
                auto& pair = beyond.overlaps[{std::min(ua, ub), std::max(ua, ub)}];
                pair.area += a;
                pair.parts.push_back(geos::to_wkb(w->ctx, f.geom.get()));
                if (a > pair.best) pair.best = a, pair.x = f.x, pair.y = f.y;
            }
    }
    results.push_back(std::move(beyond));
}

void Checker::report_region_results(std::vector<RegionResult>& results) {
    const auto& t = options_.tolerances;
    auto merge = [&](const std::vector<std::vector<unsigned char>>& parts) {
        std::vector<GEOSGeometry*> raw;
        for (const auto& p : parts) raw.push_back(geos::from_wkb(ctx_, p).release());
        geos::GeomPtr coll = geos::own(
            ctx_, GEOSGeom_createCollection_r(ctx_, GEOS_GEOMETRYCOLLECTION, raw.data(), static_cast<unsigned>(raw.size())),
            "collecting");
        // Pieces from different regions meet along county lines noded apart: a
        // real union, on the grid.
        return geos::to_wkb(ctx_, geos::polygonal_part(ctx_, geos::own(ctx_, GEOSUnaryUnionPrec_r(ctx_, coll.get(), grid_),
                                                                   "union")).get());
    };

    std::map<std::pair<int, int>, RegionResult::Pair> overlaps;
    std::map<detail::MismatchKey, std::vector<detail::Mismatch*>> mismatches;
    for (std::size_t c = 0; c < results.size(); ++c) {
        RegionResult& r = results[c];
        for (auto& [pair, acc] : r.overlaps) {
            auto& all = overlaps[pair];
            all.area += acc.area;
            for (auto& p : acc.parts) all.parts.push_back(std::move(p));
            if (acc.best > all.best) all.best = acc.best, all.x = acc.x, all.y = acc.y;
        }
        for (auto& gap : r.gaps) {
            const bool county = !counties_.empty();
            add("coverage.gap", Severity::error, std::nullopt,
                county ? fmt::format("land of county {} that no unit covers", counties_[c].code)
                       : std::string("a hole between units that no unit covers"));
            if (county) last().fid2 = counties_[c].fid;
            last().area_m2 = gap.area;
            last().wkb = std::move(gap.wkb);
            locate(last(), gap.x, gap.y);
        }
        for (auto& [key, m] : r.mismatches) mismatches[key].push_back(&m);
    }
    for (auto& [pair, acc] : overlaps) {
        if (acc.area < t.overlap_m2) continue;
        const MapUnit &a = units_[pair.first], &b = units_[pair.second];
        const MapUnit& first = a.fid <= b.fid ? a : b;
        const MapUnit& second = a.fid <= b.fid ? b : a;
        add("coverage.overlap", Severity::error, first.fid,
            fmt::format("units {} and {} (feature {}) overlap", first.code.empty() ? "?" : first.code,
                        second.code.empty() ? "?" : second.code, second.fid),
            first.code);
        last().fid2 = second.fid;
        last().area_m2 = acc.area;
        last().wkb = acc.parts.size() == 1 ? std::move(acc.parts[0]) : merge(acc.parts);
        locate(last(), acc.x, acc.y);
    }
    for (auto& [key, pieces] : mismatches) {
        const auto& [layer, unit] = key;
        double area = 0, best = -1, x = 0, y = 0;
        int feature = -1;
        std::vector<std::vector<unsigned char>> parts;
        for (auto* p : pieces) {
            area += p->area;
            if (feature < 0) feature = p->feature;
            if (p->area > best) best = p->area, x = p->x, y = p->y;  // the largest region part
            parts.push_back(std::move(p->wkb));
        }
        const detail::ExpectationLayer& l = expected_[layer];
        if (area < l.expectation.tolerance_m2) continue;
        std::optional<detail::MismatchUnit> in;
        if (unit >= 0) in = detail::MismatchUnit{units_[unit].fid, units_[unit].code, units_[unit].category};
        report_.findings.push_back(detail::mismatch_finding(l, feature, in ? &*in : nullptr, area));
        last().wkb = parts.size() == 1 ? std::move(parts[0]) : merge(parts);
        locate(last(), x, y);
    }
}

std::map<int, geos::GeomPtr> Checker::check_counties(const std::vector<RegionResult>& results) {
    const auto& t = options_.tolerances;
    std::map<int, geos::GeomPtr> outside_parts;
    std::vector<std::map<int, double>> in_county(units_.size());
    for (std::size_t c = 0; c < results.size(); ++c)
        for (const auto& [u, a] : results[c].inside) in_county[u][static_cast<int>(c)] += a;

    for (int u : usable_) {
        const MapUnit& unit = units_[u];
        double inside = 0;
        int main = -1;
        for (const auto& [c, a] : in_county[u]) {
            inside += a;
            if (main < 0 || a > in_county[u][main]) main = c;
        }
        const double outside = unit.area_m2 - inside;
        if (outside >= t.outside_m2) {
            geos::GeomPtr rest = geos::clone(ctx_, unit.geom.get());
            for (const auto& county : counties_) {
                if (GEOSIntersects_r(ctx_, rest.get(), county.geom) != 1) continue;
                rest = geos::polygonal_part(
                    ctx_, geos::own(ctx_, GEOSDifferencePrec_r(ctx_, rest.get(), county.geom, grid_), "difference"));
            }
            add("coverage.outside", Severity::error, unit.fid,
                fmt::format("part of unit {} lies outside the boundary", unit.code), unit.code);
            last().area_m2 = outside;
            if (!GEOSisEmpty_r(ctx_, rest.get())) {
                geos::GeomPtr p = geos::own(ctx_, GEOSPointOnSurface_r(ctx_, rest.get()), "point on surface");
                double x = 0, y = 0;
                GEOSGeomGetX_r(ctx_, p.get(), &x);
                GEOSGeomGetY_r(ctx_, p.get(), &y);
                last().wkb = geos::to_wkb(ctx_, rest.get());
                locate(last(), x, y);
                outside_parts.emplace(u, std::move(rest));
            }
        }
        if (main < 0) continue;
        const County& home = counties_[main];
        for (const auto& [c, a] : in_county[u]) {
            if (c == main || a < t.county_m2) continue;
            const County& other = counties_[c];
            add("unit.crosses_county", Severity::error, unit.fid,
                fmt::format("unit {} lies in county {} but has land in county {} (feature {})", unit.code,
                            home.code, other.code, other.fid),
                unit.code);
            last().fid2 = other.fid;
            last().area_m2 = a;
            geos::GeomPtr part = geos::polygonal_part(
                ctx_, geos::own(ctx_, GEOSIntersectionPrec_r(ctx_, unit.geom.get(), other.geom, grid_), "intersection"));
            if (!GEOSisEmpty_r(ctx_, part.get())) {
                geos::GeomPtr p = geos::own(ctx_, GEOSPointOnSurface_r(ctx_, part.get()), "point on surface");
                double x = 0, y = 0;
                GEOSGeomGetX_r(ctx_, p.get(), &x);
                GEOSGeomGetY_r(ctx_, p.get(), &y);
                last().wkb = geos::to_wkb(ctx_, part.get());
                locate(last(), x, y);
            }
        }
        // The county the unit really lies in against what its code and XZQDM say.
        const std::optional<UnitCode> code = UnitCode::parse(unit.code);
        const std::string said = code ? code->county() : unit.county_code;
        if (!said.empty() && said != home.code) {
            add("code.county_mismatch", Severity::error, unit.fid,
                fmt::format("unit {} lies mostly ({:.0f} %) in county {} (feature {}), but its {} says {}", unit.code,
                            100 * in_county[u][main] / std::max(inside, 1e-9), home.code, home.fid,
                            code ? "code" : "XZQDM", said),
                unit.code);
            last().fid2 = home.fid;
            locate(last(), unit.cx, unit.cy);
        }
    }
    return outside_parts;
}

CheckReport Checker::run() {
    read_map();
    check_codes();
    compute_unit_areas();
    check_slivers();
    check_coverage();

    // Every finding about a unit is located, at least at a point inside it.
    std::map<std::int64_t, const MapUnit*> by_fid;
    for (const auto& u : units_)
        if (u.geom) by_fid.emplace(u.fid, &u);
    for (auto& f : report_.findings) {
        if (f.location || !f.fid) continue;
        auto it = by_fid.find(*f.fid);
        if (it != by_fid.end()) locate(f, it->second->cx, it->second->cy);
    }

    const auto& ids = check_rule_ids();
    auto rank = [&](const std::string& rule) {
        return static_cast<std::size_t>(std::find(ids.begin(), ids.end(), rule) - ids.begin());
    };
    std::stable_sort(report_.findings.begin(), report_.findings.end(), [&](const Finding& a, const Finding& b) {
        return std::make_tuple(a.severity != Severity::error, rank(a.rule), a.fid.value_or(-1), a.fid2.value_or(-1)) <
               std::make_tuple(b.severity != Severity::error, rank(b.rule), b.fid.value_or(-1), b.fid2.value_or(-1));
    });
    return std::move(report_);
}

}  // namespace

CheckReport check_unit_map(const std::string& units, const CheckOptions& options) {
    try {
        return Checker(units, options).run();
    } catch (const geos::GeosError& e) {
        throw InputError(Where{units, {}, {}, {}}, std::string("geometry operation failed: ") + e.what());
    }
}

}  // namespace zone
