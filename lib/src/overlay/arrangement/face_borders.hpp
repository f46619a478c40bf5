// The borders that chosen faces of an arrangement share, with their lengths:
// the face graph that sliver elimination works on.
#pragma once

#include "overlay/arrangement/arrangement.hpp"
#include "zone/build/pieces.hpp"

#include <vector>

namespace zone::arrangement {

struct FaceBorders {
    std::vector<FaceGraph::Edge> shared;  // between two chosen faces, ordered by (a, b)
    std::vector<bool> on_outline;         // a chosen face that borders a face not chosen
};

// `index_of_face`: per arrangement face its index among the chosen faces, or
// -1. Lengths in metres; for longitude/latitude an equirectangular
// approximation, which is plenty to rank borders.
FaceBorders face_borders(const Arrangement& a, const Grid& grid, const std::vector<int>& index_of_face,
                         std::size_t chosen, bool geographic);

}  // namespace zone::arrangement
