#include "overlay/arrangement/label_overlaps.hpp"

#include <cmath>

namespace zone::arrangement {

std::vector<LabelOverlap> label_overlaps(const Arrangement& a, const Grid& grid) {
    std::vector<LabelOverlap> out;
    std::vector<int> inside;
    for (int f = 0; f < a.face_count(); ++f) {
        inside.clear();
        for (const auto& [label, winding] : a.winding(f))
            if (winding > 0) inside.push_back(label);
        if (inside.size() < 2) continue;
        // Twice the area from the half-edges with the face on their left (its
        // outer ring counter-clockwise, its holes clockwise), relative to a
        // node of the face to keep the products small.
        const auto [first, last] = a.face_halfedges(f);
        const GridPoint o = a.nodes()[a.origin(*first)];
        double twice = 0;
        for (const int* h = first; h != last; ++h) {
            const GridPoint p = a.nodes()[a.origin(*h)], q = a.nodes()[a.destination(*h)];
            twice += static_cast<double>(p.x - o.x) * static_cast<double>(q.y - o.y) -
                     static_cast<double>(q.x - o.x) * static_cast<double>(p.y - o.y);
        }
        const double area = std::fabs(twice) / 2 / (grid.scale * grid.scale);
        for (std::size_t i = 0; i < inside.size(); ++i)
            for (std::size_t j = i + 1; j < inside.size(); ++j)
                out.push_back({inside[i], inside[j], area, grid.value(o.y)});
    }
    return out;
}

}  // namespace zone::arrangement
