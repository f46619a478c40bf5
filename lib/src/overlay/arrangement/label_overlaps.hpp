// Land inside the rings of two labels at once: the faces of an arrangement
// whose winding number is positive for more than one label.
#pragma once

#include "overlay/arrangement/arrangement.hpp"

#include <vector>

namespace zone::arrangement {

struct LabelOverlap {
    int first = 0, second = 0;  // labels, first < second
    double area = 0;            // of the face, in coordinate units²
    double y = 0;               // a coordinate of the face (its first node), for scale
};

// One entry per such face and pair of its labels, in face order.
std::vector<LabelOverlap> label_overlaps(const Arrangement& a, const Grid& grid);

}  // namespace zone::arrangement
