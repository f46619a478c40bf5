// zone-genfactors: randomness, projection, GEOS helpers and shape primitives.
#include "gen.hpp"

#include <ogr_spatialref.h>

#include <algorithm>
#include <stdexcept>

namespace gen {

namespace zg = zone::geos;

// ---------------------------------------------------------------------------
// Randomness

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
    // splitmix64 of the seed offset by the stream number
    std::uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

double Rng::normal() {
    const double u1 = 1.0 - uniform();  // (0, 1]
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * kPi * u2);
}

int Rng::round_count(double x) {
    const double f = std::floor(x);
    return static_cast<int>(f) + (chance(x - f) ? 1 : 0);
}

// ---------------------------------------------------------------------------
// Projection

Proj::Proj() {
    OGRSpatialReference geo;
    if (geo.importFromEPSG(4490) != OGRERR_NONE) throw std::runtime_error("cannot load EPSG:4490 from PROJ");
    geo.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRSpatialReference aea;
    aea.SetProjCS("CGCS2000 / Albers equal-area, Shandong");
    aea.CopyGeogCSFrom(&geo);
    aea.SetACEA(35.0, 37.5, 0.0, 118.5, 0.0, 0.0);
    aea.SetLinearUnits(SRS_UL_METER, 1.0);
    aea.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    fwd_ = OGRCreateCoordinateTransformation(&geo, &aea);
    inv_ = OGRCreateCoordinateTransformation(&aea, &geo);
    if (!fwd_ || !inv_) throw std::runtime_error("cannot create the Albers coordinate transformation");
}

Proj::~Proj() {
    OGRCoordinateTransformation::DestroyCT(fwd_);
    OGRCoordinateTransformation::DestroyCT(inv_);
}

std::string Proj::description() const {
    return "Albers equal-area on CGCS2000 (standard parallels 35 and 37.5 N, central meridian 118.5 E)";
}

void Proj::forward(std::vector<double>& x, std::vector<double>& y) const {
    if (!x.empty() && !fwd_->Transform(x.size(), x.data(), y.data()))
        throw std::runtime_error("projection to Albers failed");
}

void Proj::inverse(std::vector<double>& x, std::vector<double>& y) const {
    if (!x.empty() && !inv_->Transform(x.size(), x.data(), y.data()))
        throw std::runtime_error("projection from Albers failed");
}

XY Proj::forward(XY p) const {
    std::vector<double> x{p.x}, y{p.y};
    forward(x, y);
    return {x[0], y[0]};
}

XY Proj::inverse(XY p) const {
    std::vector<double> x{p.x}, y{p.y};
    inverse(x, y);
    return {x[0], y[0]};
}

GeomPtr Proj::forward(const Context& ctx, const GEOSGeometry* g) const {
    return transform(ctx, g, [this](std::vector<double>& x, std::vector<double>& y) { forward(x, y); });
}

GeomPtr Proj::inverse(const Context& ctx, const GEOSGeometry* g) const {
    return transform(ctx, g, [this](std::vector<double>& x, std::vector<double>& y) { inverse(x, y); });
}

double Proj::area_km2(const Context& ctx, const GEOSGeometry* g) const {
    double total = 0;
    for_each_polygon(ctx, g, [&](const GEOSGeometry* poly) {
        auto ring_area_m = [&](const GEOSGeometry* ring) {
            Ring r = ring_coords(ctx, ring);
            std::vector<double> x(r.size()), y(r.size());
            for (std::size_t i = 0; i < r.size(); ++i) x[i] = r[i].x, y[i] = r[i].y;
            forward(x, y);
            for (std::size_t i = 0; i < r.size(); ++i) r[i] = {x[i], y[i]};
            return std::abs(ring_area(r));
        };
        double a = ring_area_m(GEOSGetExteriorRing_r(ctx, poly));
        const int nh = GEOSGetNumInteriorRings_r(ctx, poly);
        for (int i = 0; i < nh; ++i) a -= ring_area_m(GEOSGetInteriorRingN_r(ctx, poly, i));
        total += a;
    });
    return total / 1e6;
}

// ---------------------------------------------------------------------------
// GEOS helpers

namespace {

GEOSCoordSequence* make_seq(const Context& ctx, const Ring& pts, bool close) {
    const std::size_t n = pts.size() + (close ? 1 : 0);
    std::vector<double> buf(2 * n);
    for (std::size_t i = 0; i < pts.size(); ++i) buf[2 * i] = pts[i].x, buf[2 * i + 1] = pts[i].y;
    if (close) buf[2 * (n - 1)] = pts[0].x, buf[2 * (n - 1) + 1] = pts[0].y;
    GEOSCoordSequence* s = GEOSCoordSeq_copyFromBuffer_r(ctx, buf.data(), static_cast<unsigned>(n), 0, 0);
    if (!s) throw zg::GeosError("coordinate sequence: " + ctx.last_error());
    return s;
}

std::vector<double> seq_buffer(const Context& ctx, const GEOSCoordSequence* s) {
    unsigned n = 0;
    GEOSCoordSeq_getSize_r(ctx, s, &n);
    std::vector<double> buf(2 * static_cast<std::size_t>(n));
    if (n && !GEOSCoordSeq_copyToBuffer_r(ctx, s, buf.data(), 0, 0))
        throw zg::GeosError("coordinate copy: " + ctx.last_error());
    return buf;
}

GEOSGeometry* rebuild(const Context& ctx, const GEOSGeometry* g,
                      const std::function<void(std::vector<double>&, std::vector<double>&)>& fn) {
    const int type = GEOSGeomTypeId_r(ctx, g);
    if (GEOSisEmpty_r(ctx, g)) return GEOSGeom_clone_r(ctx, g);
    auto seq_of = [&](const GEOSGeometry* simple) {
        std::vector<double> buf = seq_buffer(ctx, GEOSGeom_getCoordSeq_r(ctx, simple));
        const std::size_t n = buf.size() / 2;
        std::vector<double> x(n), y(n);
        for (std::size_t i = 0; i < n; ++i) x[i] = buf[2 * i], y[i] = buf[2 * i + 1];
        fn(x, y);
        for (std::size_t i = 0; i < n; ++i) buf[2 * i] = x[i], buf[2 * i + 1] = y[i];
        return GEOSCoordSeq_copyFromBuffer_r(ctx, buf.data(), static_cast<unsigned>(n), 0, 0);
    };
    switch (type) {
        case GEOS_POINT: return GEOSGeom_createPoint_r(ctx, seq_of(g));
        case GEOS_LINESTRING: return GEOSGeom_createLineString_r(ctx, seq_of(g));
        case GEOS_LINEARRING: return GEOSGeom_createLinearRing_r(ctx, seq_of(g));
        case GEOS_POLYGON: {
            GEOSGeometry* shell = GEOSGeom_createLinearRing_r(ctx, seq_of(GEOSGetExteriorRing_r(ctx, g)));
            const int nh = GEOSGetNumInteriorRings_r(ctx, g);
            std::vector<GEOSGeometry*> holes;
            for (int i = 0; i < nh; ++i)
                holes.push_back(GEOSGeom_createLinearRing_r(ctx, seq_of(GEOSGetInteriorRingN_r(ctx, g, i))));
            return GEOSGeom_createPolygon_r(ctx, shell, holes.data(), static_cast<unsigned>(holes.size()));
        }
        default: {
            const int n = GEOSGetNumGeometries_r(ctx, g);
            std::vector<GEOSGeometry*> parts;
            for (int i = 0; i < n; ++i) parts.push_back(rebuild(ctx, GEOSGetGeometryN_r(ctx, g, i), fn));
            return GEOSGeom_createCollection_r(ctx, type, parts.data(), static_cast<unsigned>(parts.size()));
        }
    }
}

}  // namespace

GeomPtr make_polygon(const Context& ctx, const Ring& shell, const std::vector<Ring>& holes) {
    GEOSGeometry* s = GEOSGeom_createLinearRing_r(ctx, make_seq(ctx, shell, true));
    std::vector<GEOSGeometry*> h;
    for (const Ring& r : holes) h.push_back(GEOSGeom_createLinearRing_r(ctx, make_seq(ctx, r, true)));
    return zg::own(ctx, GEOSGeom_createPolygon_r(ctx, s, h.data(), static_cast<unsigned>(h.size())), "polygon");
}

GeomPtr make_line(const Context& ctx, const Ring& pts) {
    return zg::own(ctx, GEOSGeom_createLineString_r(ctx, make_seq(ctx, pts, false)), "line");
}

Ring ring_coords(const Context& ctx, const GEOSGeometry* ring) {
    std::vector<double> buf = seq_buffer(ctx, GEOSGeom_getCoordSeq_r(ctx, ring));
    Ring r(buf.size() / 2);
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = {buf[2 * i], buf[2 * i + 1]};
    if (GEOSGeomTypeId_r(ctx, ring) == GEOS_LINEARRING && r.size() > 1) r.pop_back();
    return r;
}

GeomPtr transform(const Context& ctx, const GEOSGeometry* g,
                  const std::function<void(std::vector<double>&, std::vector<double>&)>& fn) {
    return zg::own(ctx, rebuild(ctx, g, fn), "transform");
}

// GEOS's fixed precision model lands within an ulp of the grid, not always on
// the double nearest to it; this puts every coordinate exactly there.
GeomPtr snap_coords(const Context& ctx, const GEOSGeometry* g) {
    return transform(ctx, g, [](std::vector<double>& x, std::vector<double>& y) {
        for (double& v : x) v = snap(v);
        for (double& v : y) v = snap(v);
    });
}

GeomPtr to_grid(const Context& ctx, const GEOSGeometry* g) {
    GeomPtr r = zg::own(ctx, GEOSGeom_setPrecision_r(ctx, g, 1.0 / kGridScale, 0), "set precision");
    return snap_coords(ctx, zg::polygonal_part(ctx, std::move(r)).get());
}

GeomPtr grid_op(const Context& ctx, GEOSGeometry* result, const char* what) {
    GeomPtr r = zg::polygonal_part(ctx, zg::own(ctx, result, what));
    return snap_coords(ctx, r.get());
}

GeomPtr make_valid_structure(const Context& ctx, const GEOSGeometry* g) {
    GEOSMakeValidParams* p = GEOSMakeValidParams_create_r(ctx);
    GEOSMakeValidParams_setMethod_r(ctx, p, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(ctx, p, 0);
    GEOSGeometry* r = GEOSMakeValidWithParams_r(ctx, g, p);
    GEOSMakeValidParams_destroy_r(ctx, p);
    return zg::polygonal_part(ctx, zg::own(ctx, r, "make valid"));
}

std::string invalid_reason(const Context& ctx, const GEOSGeometry* g) {
    char* reason = nullptr;
    GEOSGeometry* where = nullptr;
    const char ok = GEOSisValidDetail_r(ctx, g, 0, &reason, &where);
    std::string out;
    if (ok != 1) {
        out = reason ? reason : "invalid";
        if (where) {
            double x = 0, y = 0;
            GEOSGeomGetX_r(ctx, where, &x);
            GEOSGeomGetY_r(ctx, where, &y);
            char buf[64];
            std::snprintf(buf, sizeof buf, " at %.6f %.6f", x, y);
            out += buf;
        }
    }
    if (reason) GEOSFree_r(ctx, reason);
    if (where) GEOSGeom_destroy_r(ctx, where);
    return out;
}

bool is_valid(const Context& ctx, const GEOSGeometry* g) { return GEOSisValid_r(ctx, g) == 1; }

void for_each_polygon(const Context& ctx, const GEOSGeometry* g, const std::function<void(const GEOSGeometry*)>& fn) {
    const int type = GEOSGeomTypeId_r(ctx, g);
    if (type == GEOS_POLYGON) {
        if (!GEOSisEmpty_r(ctx, g)) fn(g);
        return;
    }
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx, g);
        for (int i = 0; i < n; ++i) for_each_polygon(ctx, GEOSGetGeometryN_r(ctx, g, i), fn);
    }
}

long vertex_count(const Context& ctx, const GEOSGeometry* g, bool* finite, bool* on_grid) {
    long n = 0;
    if (finite) *finite = true;
    if (on_grid) *on_grid = true;
    for_each_polygon(ctx, g, [&](const GEOSGeometry* poly) {
        auto one = [&](const GEOSGeometry* ring) {
            std::vector<double> buf = seq_buffer(ctx, GEOSGeom_getCoordSeq_r(ctx, ring));
            n += static_cast<long>(buf.size() / 2);
            for (double v : buf) {
                if (finite && !std::isfinite(v)) *finite = false;
                if (on_grid && snap(v) != v) *on_grid = false;
            }
        };
        one(GEOSGetExteriorRing_r(ctx, poly));
        const int nh = GEOSGetNumInteriorRings_r(ctx, poly);
        for (int i = 0; i < nh; ++i) one(GEOSGetInteriorRingN_r(ctx, poly, i));
    });
    return n;
}

const GEOSGeometry* largest_polygon(const Context& ctx, const GEOSGeometry* g) {
    const GEOSGeometry* best = nullptr;
    double best_area = -1;
    for_each_polygon(ctx, g, [&](const GEOSGeometry* p) {
        double a = 0;
        GEOSArea_r(ctx, p, &a);
        if (a > best_area) best_area = a, best = p;
    });
    return best;
}

XY interior_point(const Context& ctx, const GEOSGeometry* g) {
    GeomPtr p = zg::own(ctx, GEOSPointOnSurface_r(ctx, g), "point on surface");
    XY r;
    GEOSGeomGetX_r(ctx, p.get(), &r.x);
    GEOSGeomGetY_r(ctx, p.get(), &r.y);
    return r;
}

// ---------------------------------------------------------------------------
// Shapes

double ring_area(const Ring& r) {
    double a = 0;
    const std::size_t n = r.size();
    for (std::size_t i = 0; i < n; ++i) {
        const XY& p = r[i];
        const XY& q = r[(i + 1) % n];
        a += p.x * q.y - q.x * p.y;
    }
    return a / 2;
}

Ring translate(Ring r, XY d, double factor) {
    for (XY& p : r) p = {d.x + factor * p.x, d.y + factor * p.y};
    return r;
}

Ring star(Rng& rng, const StarSpec& s) {
    const int n = std::max(8, s.vertices);
    constexpr int kHarmonics = 14;
    double amp[kHarmonics + 1], phase[kHarmonics + 1];
    for (int k = 1; k <= kHarmonics; ++k) {
        amp[k] = s.roughness * rng.normal() / std::pow(static_cast<double>(k), 1.1);
        phase[k] = rng.angle();
    }
    amp[1] *= 0.5;  // a strong first harmonic only shifts the blob
    Ring r(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        const double t = 2 * kPi * (i + rng.uniform(-0.3, 0.3)) / n;
        double lr = 0;
        for (int k = 1; k <= kHarmonics; ++k) lr += amp[k] * std::cos(k * t + phase[k]);
        const double rad = std::exp(lr) * std::max(0.2, 1.0 + s.jitter * rng.normal());
        r[static_cast<std::size_t>(i)] = {rad * std::cos(t), rad * std::sin(t)};
    }
    // area-keeping stretch along the azimuth
    const double e = std::sqrt(std::max(1.0, s.elongation));
    const double c = std::cos(s.azimuth), sn = std::sin(s.azimuth);
    for (XY& p : r) {
        const double u = (p.x * c + p.y * sn) * e;
        const double v = (-p.x * sn + p.y * c) / e;
        p = {u * c - v * sn, u * sn + v * c};
    }
    const double k = std::sqrt(s.area_m2 / std::abs(ring_area(r)));
    for (XY& p : r) p = {p.x * k, p.y * k};
    return r;
}

Ring jagged_rect(Rng& rng, double w, double h, double azimuth, int vertices, double jag, int corners[4]) {
    const double per = 2 * (w + h);
    const XY cs[4] = {{-w / 2, -h / 2}, {w / 2, -h / 2}, {w / 2, h / 2}, {-w / 2, h / 2}};
    Ring r;
    // an occasional rectangular notch on one edge, as parcels leave them
    const int notch_edge = rng.chance(0.5) ? rng.integer(0, 3) : -1;
    const double notch_from = rng.uniform(0.2, 0.5), notch_to = notch_from + rng.uniform(0.15, 0.3);
    const double notch_depth = rng.uniform(0.08, 0.2);
    for (int e = 0; e < 4; ++e) {
        const XY a = cs[e], b = cs[(e + 1) % 4];
        const double len = std::hypot(b.x - a.x, b.y - a.y);
        const int m = std::max(3, static_cast<int>(std::lround(vertices * len / per)));
        const XY dir{(b.x - a.x) / len, (b.y - a.y) / len};
        const XY inward{-dir.y, dir.x};  // ring is counter-clockwise
        const double depth = notch_depth * (e % 2 == 0 ? h : w);
        corners[e] = static_cast<int>(r.size());
        r.push_back(a);
        double prev_off = 0;
        for (int i = 1; i < m; ++i) {
            const double f = static_cast<double>(i) / m;
            double off = 0.6 * prev_off + jag * rng.normal();  // correlated jags
            off = std::clamp(off, -2.5 * jag, 2.5 * jag);
            prev_off = off;
            if (e == notch_edge && f > notch_from && f < notch_to) off += depth;
            const double taper = std::min(1.0, std::min(f, 1 - f) * m / 2.0);  // calm near corners
            r.push_back({a.x + dir.x * len * f + inward.x * off * taper, a.y + dir.y * len * f + inward.y * off * taper});
        }
    }
    const double c = std::cos(azimuth), s = std::sin(azimuth);
    for (XY& p : r) p = {p.x * c - p.y * s, p.x * s + p.y * c};
    return r;
}

Ring lobe(Rng& rng, double a0, double a1, int n, double radius, double roughness) {
    Ring r;
    r.push_back({0, 0});
    const double ph1 = rng.angle(), ph2 = rng.angle();
    const double g1 = roughness * rng.normal(), g2 = 0.5 * roughness * rng.normal();
    for (int i = 0; i < n; ++i) {
        const double f = (i + 0.5) / n;
        const double t = a0 + (a1 - a0) * f;
        const double rad = radius * std::exp(g1 * std::cos(3 * t + ph1) + g2 * std::cos(5 * t + ph2)) *
                           (1 + 0.02 * rng.normal()) * std::sqrt(std::sin(kPi * f) * 0.7 + 0.3);
        r.push_back({rad * std::cos(t), rad * std::sin(t)});
    }
    return r;
}

}  // namespace gen
