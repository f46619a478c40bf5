// A map of the plane stood in for, over one bounding box, by its Chebyshev
// interpolant: a few dozen multiply-adds a point instead of the dozen
// transcendental functions of a map projection. The fit is checked against
// the map itself before it is used, so a patch is either within its
// tolerance everywhere in the box or not made at all.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <vector>

namespace zone::geodesy {

// Maps interleaved x, y in place.
using PlaneMap = std::function<void(double* xy, std::size_t n)>;

class ChebyshevPatch {
public:
    // Fits `map` over [x0, x1] × [y0, y1] with the lowest degree (up to 12 in
    // each variable) whose error, measured on a grid finer than the fit's
    // nodes, corners and edges included, is below a quarter of `tolerance`
    // (in the map's output units). None when no degree reaches it.
    static std::optional<ChebyshevPatch> fit(const PlaneMap& map, double x0, double y0, double x1, double y1,
                                             double tolerance);

    // Points must lie in the box the patch was fitted on.
    void apply(double* xy, std::size_t n) const;

    int degree() const { return terms_ - 1; }

private:
    ChebyshevPatch() = default;
    void basis(double x, double y, double* tx, double* ty) const;

    int terms_ = 0;                      // degree + 1 in each variable
    double mid_x_ = 0, mid_y_ = 0;       // box centre
    double scale_x_ = 0, scale_y_ = 0;   // to [-1, 1]
    std::vector<double> coef_x_, coef_y_;  // terms_ × terms_, row i: T_i(u)
};

}  // namespace zone::geodesy
