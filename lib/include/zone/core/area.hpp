// Areas as official statistics compute them (zonekit(7) AREAS).
#pragma once

#include <geos_c.h>

#include <array>
#include <memory>
#include <string>

namespace zone {

enum class AreaMethod {
    gauss_kruger,  // planar, in the CGCS2000 3-degree Gauss-Krüger zone of the county
    ellipsoidal,   // geodesic area on the ellipsoid
};

const char* to_string(AreaMethod m);
// "gauss-kruger" / "gk" / "ellipsoidal" / "geodesic"; throws std::invalid_argument.
AreaMethod parse_area_method(const std::string& text);

// Central meridian (degrees east) of the 3-degree zone holding `lon`.
int gk_central_meridian(double lon);
// EPSG code of "CGCS2000 / 3-degree Gauss-Kruger CM <cm>E" (4534 is CM 75E).
int gk_epsg(int central_meridian);

// Computes areas in m² of geometries in one CRS. Not thread-safe: one per thread.
class AreaCalculator {
public:
    // `crs` is any definition PROJ accepts (WKT, "EPSG:4490", …).
    AreaCalculator(const std::string& crs, AreaMethod method);
    ~AreaCalculator();
    AreaCalculator(const AreaCalculator&) = delete;
    AreaCalculator& operator=(const AreaCalculator&) = delete;

    AreaMethod method() const { return method_; }

    // Longitude (degrees) of a point given in the CRS.
    double longitude(double x, double y);
    // Longitude and latitude (degrees) of a point given in the CRS.
    std::array<double, 2> lonlat(double x, double y);

    // Selects the Gauss-Krüger zone whose central meridian is `cm` for the
    // next calls of area(); ignored by the ellipsoidal method.
    void use_zone(int central_meridian);

    // Projects interleaved x, y (in the CRS) in place to the zone chosen by
    // use_zone(): for engines that sum the areas of many faces sharing
    // vertices, each vertex projected once. Gauss-Krüger method only.
    void project_to_zone(double* xy, std::size_t n);

    // Area of a (multi)polygon in m²: holes subtracted, orientation ignored.
    double area(GEOSContextHandle_t ctx, const GEOSGeometry* g);

    // A description for reports, e.g. "Gauss-Krüger 3° planar (CGCS2000)".
    std::string description() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    AreaMethod method_;
};

}  // namespace zone
