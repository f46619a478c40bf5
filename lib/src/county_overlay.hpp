// The overlay of one county: its boundary and every factor feature that
// reaches into it, noded together on the precision grid and cut into faces.
#pragma once

#include "zone/area.hpp"
#include "zone/geos.hpp"
#include "zone/pieces.hpp"
#include "zone/scheme.hpp"

#include <vector>

namespace zone::detail {

struct FactorFeatureRef {
    int factor = 0;                      // index in Scheme::factors
    int feature = 0;                     // index in that factor's features
    const GEOSGeometry* geom = nullptr;  // shared, read-only
};

struct CountyOverlay {
    std::vector<geos::GeomPtr> faces;           // in the worker's context
    FaceGraph graph;                            // claims, areas and shared borders
    std::vector<std::vector<int>> face_factors; // factors covering each face, ascending
};

// `candidates` are the features whose envelope meets the county's, sorted by
// (factor, feature). Each face's claim is the strictest factor covering it:
// lowest category, then the factor listed first, then the feature read first.
// `area` must have the county's zone selected.
CountyOverlay overlay_county(const geos::Context& ctx, AreaCalculator& area, const GEOSGeometry* county,
                             const std::vector<FactorFeatureRef>& candidates,
                             const std::vector<FactorSpec>& factors, double grid, bool geographic);

}  // namespace zone::detail
