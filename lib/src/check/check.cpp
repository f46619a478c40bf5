#include "zone/check/check.hpp"

#include "check/check_checker.hpp"

#include "check/check_expect_engine.hpp"
#include "io/gdal_util.hpp"
#include "io/unit_layer_reader.hpp"
#include "core/disjoint_sets.hpp"
#include "core/parallel.hpp"
#include "zone/core/area.hpp"
#include "zone/io/boundary.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/overlay/overlay.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

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

namespace detail {

// ---------------------------------------------------------------- helpers

double check_grid(double option, bool geographic) { return option > 0 ? option : geographic ? 1e-9 : 1e-4; }


std::string km2_or_m2(double m2) {
    return m2 >= 1e6 ? fmt::format("{:.3f} km²", m2 / 1e6) : fmt::format("{:.1f} m²", m2);
}

std::vector<unsigned char> point_wkb(const geos::Context& ctx, double x, double y) {
    return geos::to_wkb(ctx, geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx, x, y), "point").get());
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

}  // namespace detail


CheckReport check_unit_map(UnitLayer units, const CheckReferences& references, const CheckOptions& options) {
    const std::string source = units.source;
    try {
        return detail::Checker(std::move(units), references, options).run();
    } catch (const geos::GeosError& e) {
        throw InputError(Where{source, {}, {}, {}}, std::string("geometry operation failed: ") + e.what());
    }
}

}  // namespace zone
