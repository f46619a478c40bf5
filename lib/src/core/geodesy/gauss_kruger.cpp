#include "core/geodesy/gauss_kruger.hpp"

#include <cmath>

namespace zone::geodesy {

// Krüger's series in the third flattening n to fourth order (Karney,
// "Transverse Mercator with an accuracy of a few nanometers", 2011,
// eq. 35-36): the terms left out are below a micrometre within a 3-degree
// zone. It is the projection of EPSG:4534-4554 without their false easting,
// and it costs a fraction of a PROJ pipeline per point.
GaussKruger::GaussKruger() {
    constexpr double a = 6378137.0, f = 1 / 298.257222101;
    const double n = f / (2 - f), n2 = n * n, n3 = n2 * n, n4 = n3 * n;
    e_ = std::sqrt(f * (2 - f));
    A_ = a / (1 + n) * (1 + n2 / 4 + n4 / 64);
    alpha_[0] = n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180;
    alpha_[1] = 13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440;
    alpha_[2] = 61 * n3 / 240 - 103 * n4 / 140;
    alpha_[3] = 49561 * n4 / 161280;
}

void GaussKruger::forward(double central_meridian, double* xy, std::size_t count) const {
    constexpr double rad = M_PI / 180;
    for (std::size_t i = 0; i < count; ++i) {
        const double lambda = (xy[2 * i] - central_meridian) * rad, phi = xy[2 * i + 1] * rad;
        const double tau = std::tan(phi), root = std::sqrt(1 + tau * tau);
        const double sigma = std::sinh(e_ * std::atanh(e_ * tau / root));
        const double taup = tau * std::sqrt(1 + sigma * sigma) - sigma * root;
        const double cl = std::cos(lambda);
        const double xip = std::atan2(taup, cl), etap = std::asinh(std::sin(lambda) / std::sqrt(taup * taup + cl * cl));
        // Sum of alpha_j sin(2j zeta') for complex zeta' = xi' + i eta', the
        // multiple angles by recurrence from the first: one sin, cos,
        // sinh and cosh per point instead of four of each.
        const double s2 = std::sin(2 * xip), c2 = std::cos(2 * xip);
        const double sh2 = std::sinh(2 * etap), ch2 = std::cosh(2 * etap);
        // sin(2 zeta') = s2 ch2 + i c2 sh2; cos(2 zeta') = c2 ch2 - i s2 sh2
        const double sr = s2 * ch2, si = c2 * sh2, cr = c2 * ch2, ci = -s2 * sh2;
        double pr = sr, pi = si, qr = cr, qi = ci;  // sin(2j zeta'), cos(2j zeta')
        double xi = xip, eta = etap;
        for (int j = 0; j < 4; ++j) {
            xi += alpha_[j] * pr;
            eta += alpha_[j] * pi;
            const double npr = pr * cr - pi * ci + qr * sr - qi * si;
            const double npi = pr * ci + pi * cr + qr * si + qi * sr;
            const double nqr = qr * cr - qi * ci - (pr * sr - pi * si);
            const double nqi = qr * ci + qi * cr - (pr * si + pi * sr);
            pr = npr, pi = npi, qr = nqr, qi = nqi;
        }
        xy[2 * i] = A_ * eta;
        xy[2 * i + 1] = A_ * xi;
    }
}

}  // namespace zone::geodesy
