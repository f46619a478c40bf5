#include "overlay/arrangement/face_borders.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <unordered_map>

namespace zone::arrangement {

namespace {

// Border lengths only rank a sliver's neighbours, and edges are far from
// overflow: a plain square root, which costs a fraction of std::hypot.
double segment_length_m(double x1, double y1, double x2, double y2, bool geographic) {
    double dx = x2 - x1, dy = y2 - y1;
    if (geographic) {
        constexpr double metres_per_degree = 111319.49;
        dx *= std::cos((y1 + y2) / 2 * M_PI / 180) * metres_per_degree;
        dy *= metres_per_degree;
    }
    return std::sqrt(dx * dx + dy * dy);
}

}  // namespace

FaceBorders face_borders(const Arrangement& a, const Grid& grid, const std::vector<int>& index_of_face,
                         std::size_t chosen, bool geographic) {
    FaceBorders out;
    out.on_outline.assign(chosen, false);
    std::unordered_map<std::uint64_t, double> shared;
    for (std::size_t e = 0; e < a.edge_count(); ++e) {
        const int fa = a.face(2 * static_cast<int>(e)), fb = a.face(2 * static_cast<int>(e) + 1);
        const int ia = fa < 0 ? -1 : index_of_face[fa], ib = fb < 0 ? -1 : index_of_face[fb];
        if (ia < 0 && ib < 0) continue;
        if (ia < 0 || ib < 0) {
            out.on_outline[ia < 0 ? ib : ia] = true;
            continue;
        }
        const GridPoint p = a.nodes()[a.edge(e).u], q = a.nodes()[a.edge(e).v];
        const std::uint64_t pair =
            (static_cast<std::uint64_t>(std::min(ia, ib)) << 32) | static_cast<std::uint32_t>(std::max(ia, ib));
        shared[pair] += segment_length_m(grid.value(p.x), grid.value(p.y), grid.value(q.x), grid.value(q.y), geographic);
    }
    out.shared.reserve(shared.size());
    for (const auto& [key, len] : shared)
        out.shared.push_back({static_cast<int>(key >> 32), static_cast<int>(key & 0xffffffffu), len});
    std::sort(out.shared.begin(), out.shared.end(),
              [](const auto& x, const auto& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
    return out;
}

}  // namespace zone::arrangement
