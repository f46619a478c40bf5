// The planar subdivision made by snap-rounded rings: faces with the winding
// number of every label, and the polygons of any set of faces.
//
// Half-edges come in pairs (2e: u→v of edge e, 2e+1: v→u); each has its face
// on the left. A connected part of the graph lying inside a face is that
// face's hole; which face holds it is found by casting a ray to the left from
// its leftmost vertex. Winding numbers spread from the unbounded face across
// edges by their jumps, so no face ever needs a point-in-polygon test.
#pragma once

#include "overlay/arrangement/snap_noder.hpp"

#include <vector>

namespace zone::arrangement {

// A polygon as node indices: its shell counter-clockwise, holes clockwise,
// each ring closed implicitly (last node back to the first).
struct PolygonRings {
    std::vector<int> shell;
    std::vector<std::vector<int>> holes;
};

class Arrangement {
public:
    explicit Arrangement(NodedEdges noded);

    int face_count() const { return faces_; }  // bounded faces 0 .. face_count()-1
    const std::vector<GridPoint>& nodes() const { return noded_.nodes; }
    std::size_t edge_count() const { return noded_.edges.size(); }
    const NodedEdges::Edge& edge(std::size_t e) const { return noded_.edges[e]; }

    int origin(int h) const { const auto& e = noded_.edges[h >> 1]; return h & 1 ? e.v : e.u; }
    int destination(int h) const { return origin(h ^ 1); }
    int face(int h) const { return face_of_[h]; }  // -1: the unbounded face
    // Half-edges with face f on their left: its outer ring and its holes.
    std::pair<const int*, const int*> face_halfedges(int f) const {
        return {face_edges_.data() + face_offsets_[f], face_edges_.data() + face_offsets_[f + 1]};
    }
    // Labels with a non-zero winding number in face f, ascending.
    const std::vector<std::pair<int, int>>& winding(int f) const { return winding_[f]; }

    // The polygons of the union of `faces` (bounded face ids, no repeats),
    // ordered by their lowest face; each edge-connected group of faces is
    // one polygon or, where it pinches at a vertex, several.
    std::vector<PolygonRings> polygons(const std::vector<int>& faces) const;

private:
    std::vector<std::vector<int>> split_at_repeated_nodes(const std::vector<int>& ring) const;
    i128 twice_area(const std::vector<int>& ring) const;
    bool ring_contains_edge_midpoint(const std::vector<int>& ring, int a, int b) const;

    NodedEdges noded_;
    std::vector<int> next_;     // next half-edge around the face on the left
    std::vector<int> face_of_;  // per half-edge
    int faces_ = 0;
    std::vector<int> face_offsets_, face_edges_;
    std::vector<std::vector<std::pair<int, int>>> winding_;
    // Scratch of polygons(), which is therefore not for two threads at once:
    // faces of the current set, half-edges traced, a node's place in a ring.
    mutable std::vector<int> stamp_, used_, where_;
    mutable int stamp_value_ = 0;
};

}  // namespace zone::arrangement
