// Pieces and sliver elimination on the face graph of one county.
//
// The overlay cuts a county into faces, each claimed by at most one factor
// (the strictest). This part is pure graph work, independent of GEOS: faces
// of the same claim that share a border form pieces; pieces smaller than the
// sliver threshold are merged into the neighbour with the longest shared
// border among those of equal or stricter category, so that priority land can
// never end up in a key or general unit. A small piece with no such neighbour
// stays where it is and is reported.
#pragma once

#include <vector>

namespace zone {

// Who a face belongs to. Categories: 1 priority, 2 key, 3 general.
struct Claim {
    int category = 3;
    int factor = -1;   // index in the scheme's factors; -1 for general land
    int feature = -1;  // source feature index when the factor groups by feature, else -1
    bool operator==(const Claim&) const = default;
    auto operator<=>(const Claim&) const = default;
};

struct FaceGraph {
    std::vector<int> claim;       // per face, index into claims
    std::vector<double> area_m2;  // per face
    struct Edge {
        int a = 0, b = 0;
        double length_m = 0;  // length of the border the two faces share
    };
    std::vector<Edge> edges;
    std::vector<Claim> claims;
};

struct Piece {
    int claim = 0;              // index into FaceGraph::claims
    double area_m2 = 0;
    std::vector<int> faces;     // ascending
};

struct PieceSet {
    std::vector<Piece> pieces;    // ordered by their first face
    std::vector<int> face_piece;  // piece of each face
    int eliminated = 0;           // slivers merged into a neighbour
    // Slivers that could not merge: for each, the piece it ended in, its own
    // claim and area, and one of its faces (to locate it).
    struct Stuck {
        int piece = 0, claim = 0, face = 0;
        double area_m2 = 0;
    };
    std::vector<Stuck> stuck;
};

// Builds the pieces of `graph` and eliminates slivers below `sliver_area_m2`.
// Deterministic: ties are broken by area, then by the lower index. After
// elimination, pieces of the same claim that have come to touch are joined.
PieceSet eliminate_slivers(const FaceGraph& graph, double sliver_area_m2);

}  // namespace zone
