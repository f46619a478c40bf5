#include "zone/core/reproject.hpp"

#include <cpl_error.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace zone {

double default_reproject_tolerance(bool target_geographic) { return target_geographic ? 5e-10 : 5e-5; }

namespace {

struct Vertex {
    double sx, sy;  // source CRS
    double tx, ty;  // target CRS
};

// How far the image of an edge's midpoint lies from the segment between the
// images of its ends. The ends are taken in a fixed order, so an edge that two
// polygons share (walked one way in each) is cut at the same places in both.
double departure(const Vertex& a0, const Vertex& m, const Vertex& b0) {
    const bool swap = b0.sx < a0.sx || (b0.sx == a0.sx && b0.sy < a0.sy);
    const Vertex& a = swap ? b0 : a0;
    const Vertex& b = swap ? a0 : b0;
    const double dx = b.tx - a.tx, dy = b.ty - a.ty;
    const double px = m.tx - a.tx, py = m.ty - a.ty;
    const double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? (px * dx + py * dy) / len2 : 0;
    t = std::clamp(t, 0.0, 1.0);
    return std::hypot(px - t * dx, py - t * dy);
}

bool finite(double x, double y) { return std::isfinite(x) && std::isfinite(y); }

// Transforms (x[i], y[i]) in place; false if any point fails.
bool transform_points(OGRCoordinateTransformation& ct, std::vector<double>& x, std::vector<double>& y) {
    if (x.empty()) return true;
    std::vector<int> ok(x.size(), 0);
    if (!ct.Transform(x.size(), x.data(), y.data(), nullptr, ok.data())) return false;
    for (std::size_t i = 0; i < x.size(); ++i)
        if (!ok[i] || !finite(x[i], y[i])) return false;
    return true;
}

// Classifies the operation from the points of a grid over the land both CRSs
// are meant for: unchanged at every point (identity), or an affine map within
// a hundredth of the tolerance everywhere (then the image of any straight edge
// is within the tolerance of the chord), or neither.
Reprojection::Kind classify(const OGRSpatialReference& from, const OGRSpatialReference& to,
                            OGRCoordinateTransformation& ct, double tolerance) {
    double w0, s0, e0, n0, w1, s1, e1, n1;
    const bool has_from = from.GetAreaOfUse(&w0, &s0, &e0, &n0, nullptr);
    const bool has_to = to.GetAreaOfUse(&w1, &s1, &e1, &n1, nullptr);
    if (!has_from && !has_to) return Reprojection::Kind::general;
    if (!has_from) w0 = w1, s0 = s1, e0 = e1, n0 = n1;
    if (!has_to) w1 = w0, s1 = s0, e1 = e0, n1 = n0;
    if (w0 > e0 || w1 > e1) return Reprojection::Kind::general;  // crosses the antimeridian
    const double west = std::max(w0, w1), east = std::min(e0, e1);
    const double south = std::max(s0, s1), north = std::min(n0, n1);
    if (!(west < east && south < north)) return Reprojection::Kind::general;

    // The grid in longitude/latitude of the source's datum, then in the source CRS.
    constexpr int kSide = 7;
    std::vector<double> x, y;
    for (int j = 0; j < kSide; ++j)
        for (int i = 0; i < kSide; ++i) {
            const double fi = 0.01 + 0.98 * i / (kSide - 1), fj = 0.01 + 0.98 * j / (kSide - 1);
            x.push_back(west + fi * (east - west));
            y.push_back(south + fj * (north - south));
        }
    std::unique_ptr<OGRSpatialReference> geographic(from.CloneGeogCS());
    if (!geographic) return Reprojection::Kind::general;
    geographic->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> to_source(
        OGRCreateCoordinateTransformation(geographic.get(), &from));
    if (!to_source || !transform_points(*to_source, x, y)) return Reprojection::Kind::general;

    std::vector<double> tx = x, ty = y;
    if (!transform_points(ct, tx, ty)) return Reprojection::Kind::general;
    bool unchanged = true;
    for (std::size_t i = 0; i < x.size(); ++i) unchanged = unchanged && tx[i] == x[i] && ty[i] == y[i];
    if (unchanged) return Reprojection::Kind::identity;

    // T(p) = T(p0) + A (p − p0), A from the grid's two sides at p0.
    const std::size_t i0 = 0, i1 = kSide - 1, i2 = kSide * (kSide - 1);
    const double ux = x[i1] - x[i0], uy = y[i1] - y[i0], vx = x[i2] - x[i0], vy = y[i2] - y[i0];
    const double det = ux * vy - uy * vx;
    if (det == 0) return Reprojection::Kind::general;
    // Inverse of [u v], applied to the images of u and v.
    const double Tux = tx[i1] - tx[i0], Tuy = ty[i1] - ty[i0], Tvx = tx[i2] - tx[i0], Tvy = ty[i2] - ty[i0];
    const double a = (Tux * vy - Tvx * uy) / det, b = (Tvx * ux - Tux * vx) / det;
    const double c = (Tuy * vy - Tvy * uy) / det, d = (Tvy * ux - Tuy * vx) / det;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double px = x[i] - x[i0], py = y[i] - y[i0];
        const double ex = tx[i0] + a * px + b * py - tx[i], ey = ty[i0] + c * px + d * py - ty[i];
        if (std::hypot(ex, ey) > tolerance / 100) return Reprojection::Kind::general;
    }
    return Reprojection::Kind::affine;
}

}  // namespace

Reprojection::Reprojection(const OGRSpatialReference& from, const OGRSpatialReference& to, double tolerance) {
    OGRSpatialReference source(from);
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    target_ = new OGRSpatialReference(to);
    target_->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    tolerance_ = tolerance > 0 ? tolerance : default_reproject_tolerance(target_->IsGeographic());
    if (source.IsSame(target_)) {
        kind_ = Kind::identity;
        return;
    }
    transform_.reset(OGRCreateCoordinateTransformation(&source, target_));
    if (!transform_) {
        target_->Release();
        const char* msg = CPLGetLastErrorMsg();
        throw std::runtime_error(std::string("PROJ has no operation between the two CRSs") +
                                 (msg && *msg ? std::string(": ") + msg : std::string()));
    }
    kind_ = classify(source, *target_, *transform_, tolerance_);
}

Reprojection::~Reprojection() {
    if (target_) target_->Release();
}

bool Reprojection::apply(OGRGeometry& g) {
    if (kind_ == Kind::identity) {
        g.assignSpatialReference(target_);
        return true;
    }
    if (g.Is3D() || g.IsMeasured()) g.flattenTo2D();
    const OGRwkbGeometryType type = wkbFlatten(g.getGeometryType());
    bool ok = true;
    if (type == wkbPoint) {
        OGRPoint& p = *g.toPoint();
        if (!p.IsEmpty()) {
            double x = p.getX(), y = p.getY();
            int success = 0;
            ok = transform_->Transform(1, &x, &y, nullptr, &success) && success && finite(x, y);
            p.setX(x);
            p.setY(y);
        }
    } else if (type == wkbLineString || type == wkbLinearRing) {
        ok = apply_to_curve(g);
    } else if (type == wkbPolygon) {
        for (OGRLinearRing* ring : *g.toPolygon()) ok = ok && apply_to_curve(*ring);
    } else if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
        for (OGRGeometry* part : *g.toGeometryCollection()) ok = ok && apply(*part);
    } else {
        return false;  // curves: the callers linearise them first
    }
    g.assignSpatialReference(target_);
    return ok;
}

bool Reprojection::apply_to_curve(OGRGeometry& geometry) {
    OGRSimpleCurve& curve = *geometry.toSimpleCurve();
    const int n = curve.getNumPoints();
    if (n == 0) return true;
    std::vector<double> x(n), y(n);
    curve.getPoints(x.data(), sizeof(double), y.data(), sizeof(double));
    std::vector<Vertex> pts(n);
    for (int i = 0; i < n; ++i) pts[i].sx = x[i], pts[i].sy = y[i];
    if (!transform_points(*transform_, x, y)) return false;
    for (int i = 0; i < n; ++i) pts[i].tx = x[i], pts[i].ty = y[i];

    if (kind_ == Kind::general && n > 1) {
        // open[k]: the edge pts[k]–pts[k+1] is still to be tested. One pass
        // per level of halving, every midpoint of the level in one call to PROJ.
        std::vector<char> open(n - 1, 1);
        std::vector<Vertex> next;
        std::vector<char> next_open;
        for (int depth = 0; depth < kReprojectMaxDepth; ++depth) {
            x.clear(), y.clear();
            for (std::size_t k = 0; k + 1 < pts.size(); ++k) {
                if (!open[k]) continue;
                const double mx = (pts[k].sx + pts[k + 1].sx) / 2, my = (pts[k].sy + pts[k + 1].sy) / 2;
                // An edge too short to have a midpoint between its ends is done.
                if ((mx == pts[k].sx && my == pts[k].sy) || (mx == pts[k + 1].sx && my == pts[k + 1].sy)) {
                    open[k] = 0;
                    continue;
                }
                x.push_back(mx), y.push_back(my);
            }
            if (x.empty()) break;
            std::vector<double> sx = x, sy = y;
            if (!transform_points(*transform_, x, y)) return false;
            next.clear(), next_open.clear();
            std::size_t j = 0;
            for (std::size_t k = 0; k + 1 < pts.size(); ++k) {
                next.push_back(pts[k]);
                if (!open[k]) {
                    next_open.push_back(0);
                    continue;
                }
                const Vertex m{sx[j], sy[j], x[j], y[j]};
                ++j;
                if (departure(pts[k], m, pts[k + 1]) > tolerance_) {
                    next.push_back(m);
                    next_open.push_back(1);
                    next_open.push_back(1);
                } else {
                    next_open.push_back(0);
                }
            }
            next.push_back(pts.back());
            if (next.size() == pts.size()) break;  // nothing was cut: every edge is done
            pts.swap(next);
            open.swap(next_open);
        }
    }
    curve.setNumPoints(static_cast<int>(pts.size()), FALSE);
    for (std::size_t i = 0; i < pts.size(); ++i) curve.setPoint(static_cast<int>(i), pts[i].tx, pts[i].ty);
    return true;
}

}  // namespace zone
