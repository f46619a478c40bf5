// Snap-rounding noder on the integer grid (Hobby; Guibas and Marimont).
//
// Every vertex and every crossing of two segments, rounded to the grid, is a
// hot pixel; every segment is cut at the centre of each hot pixel it passes
// through. The edges that come out meet only at their ends, never cross, and
// lie within half a grid cell of the input: a topologically consistent planar
// graph, whatever the input's near-degeneracies.
//
// Each edge keeps, per label, how many times the input rings ran along it
// (forward minus backward): the jump of that label's winding number from its
// right side to its left. Edges along which nothing changes are dropped.
#pragma once

#include "overlay/arrangement/grid_point.hpp"

#include <vector>

namespace zone::arrangement {

// Closed rings on the grid, each with a label.
struct RingSet {
    std::vector<GridPoint> points;   // all rings, one after another, first point not repeated
    std::vector<std::size_t> start;  // ring r is points[start[r], start[r + 1])
    std::vector<int> label;          // per ring
    RingSet() { start.push_back(0); }
    std::size_t rings() const { return label.size(); }
    void close_ring(int ring_label) {
        start.push_back(points.size());
        label.push_back(ring_label);
    }
};

struct NodedEdges {
    std::vector<GridPoint> nodes;
    struct Edge {
        int u = 0, v = 0;  // node indices; jumps are from the right of u→v to its left
        std::size_t first = 0, count = 0;  // its (label, winding jump) pairs in `jumps`
    };
    std::vector<Edge> edges;
    std::vector<std::pair<int, int>> jumps;  // per edge, ascending labels, no zero jumps
};

NodedEdges snap_round(const RingSet& rings);

}  // namespace zone::arrangement
