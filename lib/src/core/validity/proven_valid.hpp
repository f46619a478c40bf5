// A cheap proof that a polygon is valid, so that the costly general check
// (GEOS isValid: an eighth of a build's CPU time) runs only where the proof
// fails. Factor layers are mostly single rings without holes; for those,
// validity is exactly "closed, at least three distinct points, no two edges
// meet except consecutive ones at their shared vertex". The proof is
// conservative: every orientation it relies on is certain in floating point
// (Shewchuk's error bound), and any doubt — a touch, a collinear pair, a hole,
// several parts — answers "not proven", never "invalid".
#pragma once

#include <geos_c.h>

#include <cstddef>
#include <vector>

namespace zone::validity {

// xy: n interleaved coordinates of a ring whose first and last points are
// equal. True only if the ring is certainly simple and encloses area.
bool ring_is_proven_simple(const double* xy, std::size_t n);

// A polygon, or a multipolygon of one part, without holes, whose ring is
// proven simple. xy is scratch space for the ring's coordinates.
bool polygon_is_proven_valid(GEOSContextHandle_t ctx, const GEOSGeometry* g, std::vector<double>& xy);

}  // namespace zone::validity
