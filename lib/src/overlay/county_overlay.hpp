// The overlay of one county: its boundary and every factor feature that
// reaches into it, noded together on the precision grid and cut into faces,
// each face claimed by the strictest factor covering it.
#pragma once

#include "overlay/arrangement/arrangement.hpp"
#include "zone/core/area.hpp"
#include "zone/core/geos.hpp"
#include "zone/build/pieces.hpp"
#include "zone/build/scheme.hpp"

#include <memory>
#include <vector>

namespace zone::detail {

struct FactorFeatureRef {
    int factor = 0;                      // index in Scheme::factors
    int feature = 0;                     // index in that factor's features
    const GEOSGeometry* geom = nullptr;  // shared, read-only
};

class CountyOverlay {
public:
    FaceGraph graph;                            // claims, areas and shared borders of the faces
    std::vector<std::vector<int>> face_factors; // factors covering each face, ascending

    int face_count() const { return static_cast<int>(faces_.size()); }
    // The union of some faces, as polygons on the grid.
    std::vector<arrangement::PolygonRings> dissolve(const std::vector<int>& faces) const;
    std::vector<unsigned char> to_wkb(const std::vector<arrangement::PolygonRings>& polygons) const;
    std::pair<double, double> centroid(const std::vector<arrangement::PolygonRings>& polygons) const;
    geos::GeomPtr to_geos(const geos::Context& ctx, const std::vector<arrangement::PolygonRings>& polygons) const;

private:
    friend CountyOverlay overlay_county(const geos::Context&, AreaCalculator&, const GEOSGeometry*,
                                        const std::vector<FactorFeatureRef>&, const std::vector<FactorSpec>&, double,
                                        bool);
    explicit CountyOverlay(double grid) : grid_(grid) {}
    arrangement::Grid grid_;
    std::unique_ptr<arrangement::Arrangement> arrangement_;
    std::vector<int> faces_;  // arrangement face of each graph face
};

// `candidates` are the features whose envelope meets the county's, sorted by
// (factor, feature). Each face's claim is the strictest factor covering it:
// lowest category, then the factor listed first, then the feature read first.
// `area` must have the county's zone selected.
CountyOverlay overlay_county(const geos::Context& ctx, AreaCalculator& area, const GEOSGeometry* county,
                             const std::vector<FactorFeatureRef>& candidates,
                             const std::vector<FactorSpec>& factors, double grid, bool geographic);

}  // namespace zone::detail
