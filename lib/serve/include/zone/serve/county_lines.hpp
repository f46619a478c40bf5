// County lines for the lookup page's map: the boundary's county outlines as
// one network of lines (a border between two counties once), simplified for
// display and cut to the part of the province a query shows. County borders
// are public; they show where a unit lies without giving out the unit map.
#pragma once

#include "zone/core/geos.hpp"

#include <array>
#include <string>
#include <vector>

namespace zone::serve {

using LonLat = std::array<double, 2>;
using Polyline = std::vector<LonLat>;

struct Box {
    double min_lon = 0, min_lat = 0, max_lon = 0, max_lat = 0;
};

class CountyLines {
public:
    // Reads the counties of `boundary` (any GDAL source, as --boundary; in
    // CGCS2000 degrees after reading) and simplifies their lines to
    // `tolerance_m`. Throws InputError as the other readers do.
    CountyLines(const std::string& boundary, const std::string& encoding, double tolerance_m);

    std::size_t line_count() const { return lines_.size(); }

    // The lines inside `box`, cut at its edges; safe from many threads.
    std::vector<Polyline> within(const Box& box) const;

private:
    geos::Context ctx_;  // owns lines_, read-only after the constructor
    std::vector<geos::GeomPtr> lines_;
    std::vector<Box> extents_;
};

}  // namespace zone::serve
