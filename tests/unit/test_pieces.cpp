// Sliver elimination on hand-made face graphs, where the right answer is
// known by construction.
#include "zone/build/pieces.hpp"

#include <gtest/gtest.h>

using zone::Claim;
using zone::FaceGraph;

namespace {

// Faces are given as (claim, area); edges as (a, b, length).
FaceGraph graph(std::vector<Claim> claims, std::vector<std::pair<int, double>> faces,
                std::vector<FaceGraph::Edge> edges) {
    FaceGraph g;
    g.claims = std::move(claims);
    for (auto [c, a] : faces) {
        g.claim.push_back(c);
        g.area_m2.push_back(a);
    }
    g.edges = std::move(edges);
    return g;
}

const Claim priority{1, 0, -1};
const Claim key{2, 1, -1};
const Claim general{3, -1, -1};

int claim_of_face(const FaceGraph& g, const zone::PieceSet& s, int face) {
    return s.pieces[s.face_piece[face]].claim;
}

}  // namespace

TEST(Pieces, FacesOfOneClaimThatShareABorderFormOnePiece) {
    auto g = graph({priority, general}, {{0, 5e5}, {0, 5e5}, {1, 2e6}, {0, 3e5}},
                   {{0, 1, 100}, {1, 2, 50}, {2, 3, 80}});
    auto s = zone::eliminate_slivers(g, 1000);
    ASSERT_EQ(s.pieces.size(), 3u);  // faces 0+1, face 2, face 3 (not touching 0/1)
    EXPECT_EQ(s.face_piece[0], s.face_piece[1]);
    EXPECT_NE(s.face_piece[0], s.face_piece[3]);
    EXPECT_DOUBLE_EQ(s.pieces[s.face_piece[0]].area_m2, 1e6);
    EXPECT_EQ(s.eliminated, 0);
    EXPECT_TRUE(s.stuck.empty());
}

TEST(Pieces, GeneralSliverGoesToTheNeighbourWithTheLongestBorder) {
    // Sliver 2 touches priority 0 along 30 m and key 1 along 70 m.
    auto g = graph({priority, key, general}, {{0, 1e6}, {1, 1e6}, {2, 40}}, {{0, 2, 30}, {1, 2, 70}, {0, 1, 500}});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(s.eliminated, 1);
    EXPECT_EQ(claim_of_face(g, s, 2), 1);
    EXPECT_DOUBLE_EQ(s.pieces[s.face_piece[2]].area_m2, 1e6 + 40);
}

TEST(Pieces, PrioritySliverNeverMergesIntoLessStrictLand) {
    // A small priority piece surrounded by key and general land stays.
    auto g = graph({priority, key, general}, {{0, 500}, {1, 1e6}, {2, 1e6}}, {{0, 1, 90}, {0, 2, 10}, {1, 2, 400}});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(s.eliminated, 0);
    ASSERT_EQ(s.stuck.size(), 1u);
    EXPECT_EQ(s.stuck[0].face, 0);
    EXPECT_DOUBLE_EQ(s.stuck[0].area_m2, 500);
    EXPECT_EQ(g.claims[claim_of_face(g, s, 0)].category, 1);
}

TEST(Pieces, KeySliverMergesIntoPriorityRatherThanALongerGeneralBorder) {
    auto g = graph({priority, key, general}, {{0, 1e6}, {1, 200}, {2, 1e6}}, {{0, 1, 5}, {1, 2, 95}, {0, 2, 300}});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(s.eliminated, 1);
    EXPECT_EQ(claim_of_face(g, s, 1), 0);
}

TEST(Pieces, IsolatedSliverStaysAndIsReported) {
    auto g = graph({general}, {{0, 1e6}, {0, 10}}, {});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(s.pieces.size(), 2u);
    ASSERT_EQ(s.stuck.size(), 1u);
    EXPECT_EQ(s.stuck[0].face, 1);
}

TEST(Pieces, PiecesOfOneClaimJoinOnceASliverBetweenThemIsGone) {
    // General 0 | key sliver 1 | general 2: the key sliver may not go into
    // general land, but a general sliver between two key pieces joins them.
    auto g = graph({key, general}, {{0, 1e6}, {1, 50}, {0, 2e6}}, {{0, 1, 40}, {1, 2, 60}});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(s.eliminated, 1);
    ASSERT_EQ(s.pieces.size(), 1u);
    EXPECT_DOUBLE_EQ(s.pieces[0].area_m2, 3e6 + 50);
    EXPECT_EQ(s.pieces[0].faces, (std::vector<int>{0, 1, 2}));
}

TEST(Pieces, SliversChainIntoTheirNeighbours) {
    // A general sliver touching only a key sliver of another factor, which
    // touches a big key piece: the first goes into the second, then both end there.
    auto g = graph({key, general, Claim{2, 2, -1}}, {{0, 1e6}, {1, 10}, {2, 20}}, {{0, 2, 30}, {1, 2, 25}});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(s.eliminated, 2);
    ASSERT_EQ(s.pieces.size(), 1u);
    EXPECT_EQ(g.claims[s.pieces[0].claim].category, 2);
}

TEST(Pieces, EqualBordersGoToTheLargerNeighbour) {
    auto g = graph({key, general, Claim{2, 2, -1}}, {{0, 1e6}, {1, 10}, {2, 3e6}}, {{0, 1, 50}, {1, 2, 50}});
    auto s = zone::eliminate_slivers(g, 1000);
    EXPECT_EQ(claim_of_face(g, s, 1), 2);
}

TEST(Pieces, ThresholdZeroEliminatesNothing) {
    auto g = graph({key, general}, {{0, 1e6}, {1, 1}}, {{0, 1, 5}});
    auto s = zone::eliminate_slivers(g, 0);
    EXPECT_EQ(s.eliminated, 0);
    EXPECT_TRUE(s.stuck.empty());
    EXPECT_EQ(s.pieces.size(), 2u);
}
