// Gauss-Krüger (transverse Mercator, scale 1 on the central meridian) on the
// CGCS2000 ellipsoid, by Krüger's series.
#pragma once

#include <cstddef>

namespace zone::geodesy {

class GaussKruger {
public:
    GaussKruger();
    // Longitude, latitude in degrees to easting, northing in metres, in
    // place; no false easting (areas do not depend on it).
    void forward(double central_meridian, double* xy, std::size_t count) const;

private:
    double e_ = 0, A_ = 0, alpha_[4] = {};
};

}  // namespace zone::geodesy
