#include "zone/core/area.hpp"

#include "core/geodesy/chebyshev_patch.hpp"
#include "core/geodesy/gauss_kruger.hpp"

#include <geodesic.h>
#include <proj.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

namespace zone {

const char* to_string(AreaMethod m) {
    return m == AreaMethod::gauss_kruger ? "gauss-kruger" : "ellipsoidal";
}

AreaMethod parse_area_method(const std::string& text) {
    if (text == "gauss-kruger" || text == "gk" || text == "planar") return AreaMethod::gauss_kruger;
    if (text == "ellipsoidal" || text == "geodesic") return AreaMethod::ellipsoidal;
    throw std::invalid_argument("unknown area method '" + text + "'");
}

int gk_central_meridian(double lon) {
    // Longitudes outside [-180, 180] (a footprint far off the map) wrap round,
    // so that the zone number always fits.
    if (!std::isfinite(lon)) return 0;
    return 3 * static_cast<int>(std::lround(std::remainder(lon, 360.0) / 3.0));
}

int gk_epsg(int cm) { return 4534 + (cm - 75) / 3; }

namespace {

struct PjDeleter {
    void operator()(PJ* p) const { if (p) proj_destroy(p); }
};
using PjPtr = std::unique_ptr<PJ, PjDeleter>;
}  // namespace

struct AreaCalculator::Impl {
    PJ_CONTEXT* ctx = nullptr;
    std::string crs;
    PjPtr to_lonlat;                 // null when the CRS is geographic already
    std::map<int, PjPtr> gk_zones;   // central meridian -> CRS to GK zone
    PJ* gk = nullptr;                // the zone chosen by use_zone(), made when first needed
    int gk_cm = 0;                   // its central meridian
    bool zone_chosen = false;
    bool use_series = false;         // longitude/latitude on the CGCS2000 (or WGS 84) ellipsoid
    geodesy::GaussKruger series;
    geod_geodesic geod{};
    std::vector<double> buffer, points, lats, lons;

    ~Impl() {
        to_lonlat.reset();
        gk_zones.clear();
        if (ctx) proj_context_destroy(ctx);
    }

    PjPtr normalized(PJ* p, const std::string& what) {
        if (!p) throw std::runtime_error("PROJ cannot transform " + what + ": " +
                                         proj_context_errno_string(ctx, proj_context_errno(ctx)));
        PJ* n = proj_normalize_for_visualization(ctx, p);
        proj_destroy(p);
        if (!n) throw std::runtime_error("PROJ cannot normalise axis order for " + what);
        return PjPtr(n);
    }

    // Copies a ring's coordinates into `buffer` (x, y interleaved).
    std::size_t load_ring(GEOSContextHandle_t g, const GEOSGeometry* ring) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(g, ring);
        unsigned int n = 0;
        GEOSCoordSeq_getSize_r(g, seq, &n);
        buffer.resize(2 * static_cast<std::size_t>(n));
        if (n) GEOSCoordSeq_copyToBuffer_r(g, seq, buffer.data(), 0, 0);
        return n;
    }

    // Krüger's series, or for a batch large enough to pay for a fit (a
    // county's nodes) its Chebyshev patch over the batch's bounding box,
    // within 0.1 mm of the series.
    void series_to_zone(double* xy, std::size_t n) {
        const int cm = gk_cm;
        const geodesy::PlaneMap exact = [this, cm](double* p, std::size_t k) { series.forward(cm, p, k); };
        constexpr std::size_t patch_from = 2000;
        if (n < patch_from) return exact(xy, n);
        double x0 = xy[0], y0 = xy[1], x1 = x0, y1 = y0;
        for (std::size_t i = 1; i < n; ++i) {
            x0 = std::min(x0, xy[2 * i]), x1 = std::max(x1, xy[2 * i]);
            y0 = std::min(y0, xy[2 * i + 1]), y1 = std::max(y1, xy[2 * i + 1]);
        }
        // The box widened to whole eighths of a degree, so that a county whose
        // faces change a little (a dynamic update) keeps the same patch, and
        // the areas of its untouched units stay the same to the last digit.
        constexpr double step = 0.125;
        x0 = std::floor(x0 / step) * step, y0 = std::floor(y0 / step) * step;
        x1 = std::max(std::ceil(x1 / step) * step, x0 + step), y1 = std::max(std::ceil(y1 / step) * step, y0 + step);
        const auto patch = geodesy::ChebyshevPatch::fit(exact, x0, y0, x1, y1, 1e-7);
        if (patch) patch->apply(xy, n);
        else exact(xy, n);
    }

    // In place, to the chosen Gauss-Krüger zone.
    void to_zone(double* xy, std::size_t n) {
        if (!zone_chosen) throw std::logic_error("AreaCalculator: no Gauss-Krüger zone selected");
        if (use_series) return series_to_zone(xy, n);
        if (!gk) {
            auto it = gk_zones.find(gk_cm);
            if (it == gk_zones.end()) {
                const std::string target = "EPSG:" + std::to_string(gk_epsg(gk_cm));
                PjPtr p = normalized(proj_create_crs_to_crs(ctx, crs.c_str(), target.c_str(), nullptr), target);
                it = gk_zones.emplace(gk_cm, std::move(p)).first;
            }
            gk = it->second.get();
        }
        proj_trans_generic(gk, PJ_FWD, xy, 2 * sizeof(double), n, xy + 1, 2 * sizeof(double), n, nullptr, 0, 0,
                           nullptr, 0, 0);
    }

    void transform(PJ* p, std::size_t n) {
        proj_trans_generic(p, PJ_FWD, buffer.data(), 2 * sizeof(double), n, buffer.data() + 1,
                           2 * sizeof(double), n, nullptr, 0, 0, nullptr, 0, 0);
    }

    double ring_area(GEOSContextHandle_t g, const GEOSGeometry* ring, AreaMethod method) {
        const std::size_t n = load_ring(g, ring);
        if (n < 4) return 0.0;
        if (method == AreaMethod::gauss_kruger) {
            // An edge is straight in the data's CRS, so in the projection it is a
            // slight curve. Projecting the vertices alone would make an area
            // depend on how edges are split: a county and the units that tile it
            // (with extra vertices on its edges) would not add up. Each edge is
            // taken as the parabola through its ends and its projected
            // midpoint, whose segment over the chord is 4/3 of the triangle
            // (Archimedes); the error left is far below a square millimetre.
            points.resize(2 * (2 * n - 1));
            for (std::size_t i = 0; i < n; ++i) {
                points[4 * i] = buffer[2 * i];
                points[4 * i + 1] = buffer[2 * i + 1];
                if (i + 1 < n) {
                    points[4 * i + 2] = (buffer[2 * i] + buffer[2 * i + 2]) / 2;
                    points[4 * i + 3] = (buffer[2 * i + 1] + buffer[2 * i + 3]) / 2;
                }
            }
            buffer.swap(points);
            to_zone(buffer.data(), 2 * n - 1);
            // Relative to the first vertex, to keep the products small.
            const double x0 = buffer[0], y0 = buffer[1];
            auto cross = [&](std::size_t a, std::size_t b) {
                return (buffer[2 * a] - x0) * (buffer[2 * b + 1] - y0) - (buffer[2 * b] - x0) * (buffer[2 * a + 1] - y0);
            };
            double chords = 0.0, bulges = 0.0;
            for (std::size_t i = 0; i + 1 < n; ++i) {
                const std::size_t a = 2 * i, m = 2 * i + 1, b = 2 * i + 2;
                const double chord = cross(a, b);
                chords += chord;
                bulges += cross(a, m) + cross(m, b) - chord;
            }
            return std::fabs(chords + bulges * 4.0 / 3.0) / 2.0;
        }
        if (to_lonlat) transform(to_lonlat.get(), n);
        lats.resize(n - 1);
        lons.resize(n - 1);
        for (std::size_t i = 0; i + 1 < n; ++i) {
            lons[i] = buffer[2 * i];
            lats[i] = buffer[2 * i + 1];
        }
        double area = 0, perimeter = 0;
        geod_polygonarea(&geod, lats.data(), lons.data(), static_cast<int>(n - 1), &area, &perimeter);
        return std::fabs(area);
    }
};

AreaCalculator::AreaCalculator(const std::string& crs, AreaMethod method)
    : impl_(std::make_unique<Impl>()), method_(method) {
    impl_->ctx = proj_context_create();
    proj_log_level(impl_->ctx, PJ_LOG_NONE);  // failures come back as exceptions
    impl_->crs = crs;
    PjPtr source(proj_create(impl_->ctx, crs.c_str()));
    if (!source) throw std::runtime_error("PROJ does not understand the CRS: " + crs.substr(0, 200));
    const PJ_TYPE type = proj_get_type(source.get());
    PjPtr geodetic(proj_crs_get_geodetic_crs(impl_->ctx, source.get()));
    if (!geodetic) throw std::runtime_error("the CRS has no geodetic datum: " + crs.substr(0, 200));
    if (type != PJ_TYPE_GEOGRAPHIC_2D_CRS && type != PJ_TYPE_GEOGRAPHIC_3D_CRS) {
        impl_->to_lonlat = impl_->normalized(
            proj_create_crs_to_crs_from_pj(impl_->ctx, source.get(), geodetic.get(), nullptr, nullptr),
            "to longitude/latitude");
    }
    PjPtr ellipsoid(proj_get_ellipsoid(impl_->ctx, geodetic.get()));
    double a = 0, b = 0, inv_f = 0;
    int computed = 0;
    proj_ellipsoid_get_parameters(impl_->ctx, ellipsoid.get(), &a, &b, &computed, &inv_f);
    geod_init(&impl_->geod, a, inv_f > 0 ? 1.0 / inv_f : 0.0);
    // CGCS2000 and WGS 84 differ by 0.1 mm in their minor axis: for areas, one.
    impl_->use_series = !impl_->to_lonlat && std::fabs(a - 6378137.0) < 1e-3 && std::fabs(inv_f - 298.2572221) < 1e-5;
}

AreaCalculator::~AreaCalculator() = default;

double AreaCalculator::longitude(double x, double y) {
    if (!impl_->to_lonlat) return x;
    PJ_COORD c = proj_coord(x, y, 0, 0);
    c = proj_trans(impl_->to_lonlat.get(), PJ_FWD, c);
    return c.lp.lam;
}

std::array<double, 2> AreaCalculator::lonlat(double x, double y) {
    if (!impl_->to_lonlat) return {x, y};
    PJ_COORD c = proj_coord(x, y, 0, 0);
    c = proj_trans(impl_->to_lonlat.get(), PJ_FWD, c);
    return {c.lp.lam, c.lp.phi};
}

void AreaCalculator::use_zone(int cm) {
    if (method_ != AreaMethod::gauss_kruger || (impl_->zone_chosen && cm == impl_->gk_cm)) return;
    impl_->gk_cm = cm;
    impl_->zone_chosen = true;
    impl_->gk = nullptr;
}

void AreaCalculator::project_to_zone(double* xy, std::size_t n) { impl_->to_zone(xy, n); }

double AreaCalculator::area(GEOSContextHandle_t g, const GEOSGeometry* geom) {
    const int type = GEOSGeomTypeId_r(g, geom);
    if (type == GEOS_POLYGON) {
        if (GEOSisEmpty_r(g, geom)) return 0.0;
        double a = impl_->ring_area(g, GEOSGetExteriorRing_r(g, geom), method_);
        const int holes = GEOSGetNumInteriorRings_r(g, geom);
        for (int i = 0; i < holes; ++i) a -= impl_->ring_area(g, GEOSGetInteriorRingN_r(g, geom, i), method_);
        return a;
    }
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        double a = 0;
        const int n = GEOSGetNumGeometries_r(g, geom);
        for (int i = 0; i < n; ++i) a += area(g, GEOSGetGeometryN_r(g, geom, i));
        return a;
    }
    return 0.0;
}

std::string AreaCalculator::description() const {
    return method_ == AreaMethod::gauss_kruger
               ? "planar, CGCS2000 3-degree Gauss-Kruger zone of each county (EPSG:4534-4554)"
               : "ellipsoidal (geodesic) on the datum's ellipsoid";
}

}  // namespace zone
