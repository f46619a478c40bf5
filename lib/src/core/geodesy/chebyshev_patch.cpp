#include "core/geodesy/chebyshev_patch.hpp"

#include <algorithm>
#include <cmath>

namespace zone::geodesy {

namespace {
constexpr int max_terms = 13;
}

void ChebyshevPatch::basis(double x, double y, double* tx, double* ty) const {
    const double u = (x - mid_x_) * scale_x_, v = (y - mid_y_) * scale_y_;
    tx[0] = 1, ty[0] = 1, tx[1] = u, ty[1] = v;
    for (int k = 2; k < terms_; ++k) {
        tx[k] = 2 * u * tx[k - 1] - tx[k - 2];
        ty[k] = 2 * v * ty[k - 1] - ty[k - 2];
    }
}

void ChebyshevPatch::apply(double* xy, std::size_t n) const {
    double tx[max_terms], ty[max_terms];
    for (std::size_t p = 0; p < n; ++p) {
        basis(xy[2 * p], xy[2 * p + 1], tx, ty);
        double out_x = 0, out_y = 0;
        for (int i = 0; i < terms_; ++i) {
            const double* cx = &coef_x_[i * terms_];
            const double* cy = &coef_y_[i * terms_];
            double row_x = 0, row_y = 0;
            for (int j = 0; j < terms_; ++j) {
                row_x += cx[j] * ty[j];
                row_y += cy[j] * ty[j];
            }
            out_x += tx[i] * row_x;
            out_y += tx[i] * row_y;
        }
        xy[2 * p] = out_x;
        xy[2 * p + 1] = out_y;
    }
}

std::optional<ChebyshevPatch> ChebyshevPatch::fit(const PlaneMap& map, double x0, double y0, double x1, double y1,
                                                  double tolerance) {
    ChebyshevPatch patch;
    patch.mid_x_ = (x0 + x1) / 2, patch.mid_y_ = (y0 + y1) / 2;
    // A box of no width still needs a finite scale; any will do, the
    // variable being constant there.
    const double floor = 1e-12 * std::max({1.0, std::fabs(patch.mid_x_), std::fabs(patch.mid_y_)});
    patch.scale_x_ = 2 / std::max(x1 - x0, floor), patch.scale_y_ = 2 / std::max(y1 - y0, floor);
    for (int terms = 5; terms <= max_terms; terms += 2) {
        patch.terms_ = terms;
        // The map at the Chebyshev nodes cos(pi (k + 1/2) / terms).
        std::vector<double> node(terms), at(2 * terms * terms);
        for (int k = 0; k < terms; ++k) node[k] = std::cos(M_PI * (k + 0.5) / terms);
        for (int i = 0; i < terms; ++i)
            for (int j = 0; j < terms; ++j) {
                at[2 * (i * terms + j)] = patch.mid_x_ + node[i] / patch.scale_x_;
                at[2 * (i * terms + j) + 1] = patch.mid_y_ + node[j] / patch.scale_y_;
            }
        map(at.data(), at.size() / 2);
        // Discrete orthogonality of T at those nodes gives the coefficients.
        std::vector<double> t(terms * terms);  // t[a * terms + k] = T_a(node k)
        for (int a = 0; a < terms; ++a)
            for (int k = 0; k < terms; ++k) t[a * terms + k] = std::cos(a * M_PI * (k + 0.5) / terms);
        patch.coef_x_.assign(terms * terms, 0.0);
        patch.coef_y_.assign(terms * terms, 0.0);
        for (int a = 0; a < terms; ++a)
            for (int b = 0; b < terms; ++b) {
                double sx = 0, sy = 0;
                for (int i = 0; i < terms; ++i)
                    for (int j = 0; j < terms; ++j) {
                        const double w = t[a * terms + i] * t[b * terms + j];
                        sx += w * at[2 * (i * terms + j)];
                        sy += w * at[2 * (i * terms + j) + 1];
                    }
                const double norm = (a ? 2.0 : 1.0) * (b ? 2.0 : 1.0) / (terms * terms);
                patch.coef_x_[a * terms + b] = sx * norm;
                patch.coef_y_[a * terms + b] = sy * norm;
            }
        // Checked on an even grid with the box's corners and edges, where an
        // interpolant strays most, against the map itself.
        const int check = terms + 3;
        std::vector<double> exact(2 * check * check);
        for (int i = 0; i < check; ++i)
            for (int j = 0; j < check; ++j) {
                exact[2 * (i * check + j)] = patch.mid_x_ + (-1.0 + 2.0 * i / (check - 1)) / patch.scale_x_;
                exact[2 * (i * check + j) + 1] = patch.mid_y_ + (-1.0 + 2.0 * j / (check - 1)) / patch.scale_y_;
            }
        std::vector<double> fitted = exact;
        map(exact.data(), exact.size() / 2);
        patch.apply(fitted.data(), fitted.size() / 2);
        double worst = 0;
        for (std::size_t k = 0; k < exact.size(); ++k) worst = std::max(worst, std::fabs(exact[k] - fitted[k]));
        if (worst <= tolerance / 4) return patch;
    }
    return std::nullopt;
}

}  // namespace zone::geodesy
