// The overlay engine (snap-rounding noder, faces with winding numbers,
// dissolve) on constructed cases, each checked against GEOS computing the
// same thing its own way: point-in-polygon for coverage, OverlayNG for
// unions, isValid for validity.
#include "overlay/arrangement/arrangement.hpp"
#include "overlay/arrangement/geos_rings.hpp"
#include "overlay/arrangement/label_overlaps.hpp"
#include "zone/core/geos.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace zone;
using namespace zone::arrangement;

geos::GeomPtr wkt(const geos::Context& ctx, const std::string& text) {
    GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
    GEOSGeometry* g = GEOSWKTReader_read_r(ctx, r, text.c_str());
    GEOSWKTReader_destroy_r(ctx, r);
    return geos::own(ctx, g, "wkt");
}

double area(const geos::Context& ctx, const GEOSGeometry* g) { return geos::planar_area(ctx, g); }

struct Built {
    Grid grid;
    std::unique_ptr<Arrangement> a;
};

Built build(const geos::Context& ctx, const std::vector<const GEOSGeometry*>& inputs, double grid = 1e-6) {
    Built b{Grid(grid), nullptr};
    RingSet rings;
    for (std::size_t i = 0; i < inputs.size(); ++i) add_polygonal(rings, b.grid, ctx, inputs[i], static_cast<int>(i));
    b.a = std::make_unique<Arrangement>(snap_round(rings));
    return b;
}

// Every face: valid, and covered by exactly the inputs GEOS finds at a point
// inside it; faces do not overlap and together make the union of the inputs.
void expect_faces_agree_with_geos(const geos::Context& ctx, const std::vector<const GEOSGeometry*>& inputs,
                                  const Built& b, double tolerance) {
    double faces_area = 0;
    std::vector<GEOSGeometry*> all;
    for (int f = 0; f < b.a->face_count(); ++f) {
        const auto polys = b.a->polygons({f});
        ASSERT_EQ(polys.size(), 1u) << "face " << f;
        geos::GeomPtr face = to_geos_polygon(ctx, *b.a, b.grid, polys[0]);
        EXPECT_EQ(GEOSisValid_r(ctx, face.get()), 1) << "face " << f;
        geos::GeomPtr inside = geos::own(ctx, GEOSPointOnSurface_r(ctx, face.get()));
        std::vector<int> expected, got;
        for (std::size_t i = 0; i < inputs.size(); ++i)
            if (GEOSIntersects_r(ctx, inputs[i], inside.get())) expected.push_back(static_cast<int>(i));
        for (const auto& [label, w] : b.a->winding(f))
            if (w > 0) got.push_back(label);
        EXPECT_EQ(got, expected) << "face " << f;
        if (got.empty()) continue;  // a hole between the inputs
        faces_area += area(ctx, face.get());
        all.push_back(face.release());
    }
    geos::GeomPtr coll = geos::own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, all.data(),
                                                                     static_cast<unsigned>(all.size())));
    std::vector<GEOSGeometry*> copies;
    for (auto* g : inputs) copies.push_back(GEOSGeom_clone_r(ctx, g));
    geos::GeomPtr in = geos::own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, copies.data(),
                                                                   static_cast<unsigned>(copies.size())));
    geos::GeomPtr input_union = geos::own(ctx, GEOSUnaryUnion_r(ctx, in.get()));
    geos::GeomPtr face_union = geos::own(ctx, GEOSUnaryUnion_r(ctx, coll.get()));
    // Faces tile: their areas add up to the area of their union (no overlap)...
    EXPECT_NEAR(faces_area, area(ctx, face_union.get()), tolerance);
    // ... and that union is the inputs' union, up to the grid.
    geos::GeomPtr diff = geos::own(ctx, GEOSSymDifference_r(ctx, input_union.get(), face_union.get()));
    EXPECT_NEAR(area(ctx, diff.get()), 0.0, tolerance);
}

TEST(Arrangement, ThreeOverlappingSquaresOneFaceClaimedByAll) {
    geos::Context ctx;
    auto a = wkt(ctx, "POLYGON((0 0,4 0,4 4,0 4,0 0))");
    auto b = wkt(ctx, "POLYGON((2 1,6 1,6 5,2 5,2 1))");
    auto c = wkt(ctx, "POLYGON((1 2,5 2,5 6,1 6,1 2))");
    std::vector<const GEOSGeometry*> in{a.get(), b.get(), c.get()};
    Built built = build(ctx, in);
    expect_faces_agree_with_geos(ctx, in, built, 1e-9);
    int by_all = 0;
    for (int f = 0; f < built.a->face_count(); ++f) by_all += built.a->winding(f).size() == 3;
    EXPECT_EQ(by_all, 1);  // [2,4]x[2,4]
}

TEST(Arrangement, CollinearAndOverlappingEdges) {
    geos::Context ctx;
    // Shares part of an edge with the first, and a whole edge with the third.
    auto a = wkt(ctx, "POLYGON((0 0,4 0,4 4,0 4,0 0))");
    auto b = wkt(ctx, "POLYGON((4 1,8 1,8 3,4 3,4 1))");
    auto c = wkt(ctx, "POLYGON((0 4,4 4,4 6,0 6,0 4))");
    auto d = wkt(ctx, "POLYGON((1 0,3 0,3 2,1 2,1 0))");  // on a's bottom edge, inside a
    std::vector<const GEOSGeometry*> in{a.get(), b.get(), c.get(), d.get()};
    Built built = build(ctx, in);
    expect_faces_agree_with_geos(ctx, in, built, 1e-9);
    EXPECT_EQ(built.a->face_count(), 4);
}

TEST(Arrangement, NestedRingsAndHolesFindTheirFace) {
    geos::Context ctx;
    // A polygon with a hole, an island in the hole, and a square inside the
    // shell but touching nothing: parts of the graph nested three deep.
    auto a = wkt(ctx, "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,8 2,8 8,2 8,2 2))");
    auto b = wkt(ctx, "POLYGON((4 4,6 4,6 6,4 6,4 4))");
    auto c = wkt(ctx, "POLYGON((0.5 0.5,1.5 0.5,1.5 1.5,0.5 1.5,0.5 0.5))");
    auto d = wkt(ctx, "POLYGON((4.5 4.5,5.5 4.5,5 5.5,4.5 4.5))");
    std::vector<const GEOSGeometry*> in{a.get(), b.get(), c.get(), d.get()};
    Built built = build(ctx, in);
    expect_faces_agree_with_geos(ctx, in, built, 1e-9);
}

TEST(Arrangement, RingsTouchingAtAVertexDissolveIntoValidPolygons) {
    geos::Context ctx;
    // Two squares meeting at a corner; a polygon whose hole touches its shell.
    auto a = wkt(ctx, "POLYGON((0 0,1 0,1 1,0 1,0 0))");
    auto b = wkt(ctx, "POLYGON((1 1,2 1,2 2,1 2,1 1))");
    auto c = wkt(ctx, "POLYGON((3 0,7 0,7 4,3 4,3 0),(5 0,6 2,4 2,5 0))");
    std::vector<const GEOSGeometry*> in{a.get(), b.get(), c.get()};
    Built built = build(ctx, in);
    expect_faces_agree_with_geos(ctx, in, built, 1e-9);
    std::vector<int> covered;
    for (int f = 0; f < built.a->face_count(); ++f)
        if (!built.a->winding(f).empty()) covered.push_back(f);
    geos::GeomPtr u = to_geos_multipolygon(ctx, *built.a, built.grid, built.a->polygons(covered));
    EXPECT_EQ(GEOSisValid_r(ctx, u.get()), 1);
    EXPECT_EQ(GEOSGetNumGeometries_r(ctx, u.get()), 3);
    EXPECT_EQ(GEOSGetNumInteriorRings_r(ctx, GEOSGetGeometryN_r(ctx, u.get(), 2)), 1);
    EXPECT_NEAR(area(ctx, u.get()), 1 + 1 + 16 - 2, 1e-9);
}

TEST(Arrangement, SliverThinnerThanTheGridCollapsesWithoutCrossings) {
    geos::Context ctx;
    // A spike 0.3 grid cells wide crossing a square: snapping folds it onto
    // a line; what is left must still be a valid tiling.
    auto a = wkt(ctx, "POLYGON((0 0,10 0,10 10,0 10,0 0))");
    auto b = wkt(ctx, "POLYGON((-5 5,15 5.0000003,15 5.0000006,-5 5.0000001,-5 5))");
    auto c = wkt(ctx, "POLYGON((5.0000004 -3,5.0000009 -3,5.0000005 13,5.0000004 -3))");
    std::vector<const GEOSGeometry*> in{a.get(), b.get(), c.get()};
    Built built = build(ctx, in, 1e-6);
    for (int f = 0; f < built.a->face_count(); ++f) {
        geos::GeomPtr face = to_geos_multipolygon(ctx, *built.a, built.grid, built.a->polygons({f}));
        EXPECT_EQ(GEOSisValid_r(ctx, face.get()), 1);
    }
    std::vector<int> all;
    for (int f = 0; f < built.a->face_count(); ++f) all.push_back(f);
    geos::GeomPtr u = to_geos_multipolygon(ctx, *built.a, built.grid, built.a->polygons(all));
    EXPECT_NEAR(area(ctx, u.get()), 100.0, 1e-4);
}

// Star-shaped blobs overlapping freely, as in real red-line layers: the union
// of the faces of every label matches GEOS's union of its blobs.
TEST(Arrangement, OverlappingBlobsMatchGeosUnion) {
    geos::Context ctx;
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> pos(0, 1), rad(0.03, 0.12), jitter(0.6, 1.0);
    std::vector<geos::GeomPtr> blobs;
    std::vector<const GEOSGeometry*> in;
    for (int k = 0; k < 60; ++k) {
        const double cx = 117 + pos(rng), cy = 36 + pos(rng), r = rad(rng);
        std::string text = "POLYGON((";
        const int n = 40;
        std::string first;
        for (int i = 0; i < n; ++i) {
            const double t = 2 * M_PI * i / n, rr = r * jitter(rng);
            const std::string p = std::to_string(cx + rr * std::cos(t)) + " " + std::to_string(cy + rr * std::sin(t));
            if (i == 0) first = p;
            text += p + ",";
        }
        text += first + "))";
        blobs.push_back(wkt(ctx, text));
        in.push_back(blobs.back().get());
    }
    Built built = build(ctx, in, 1e-9);
    // Snapping moves edges by at most half a cell: area within perimeter x grid.
    expect_faces_agree_with_geos(ctx, in, built, 1e-8);
    // Dissolve the faces of blob 0..29 (label < 30) and compare with GEOS.
    std::vector<int> faces;
    for (int f = 0; f < built.a->face_count(); ++f)
        for (const auto& [label, w] : built.a->winding(f))
            if (label < 30 && w > 0) {
                faces.push_back(f);
                break;
            }
    geos::GeomPtr mine = to_geos_multipolygon(ctx, *built.a, built.grid, built.a->polygons(faces));
    EXPECT_EQ(GEOSisValid_r(ctx, mine.get()), 1);
    std::vector<GEOSGeometry*> copies;
    for (int k = 0; k < 30; ++k) copies.push_back(GEOSGeom_clone_r(ctx, in[k]));
    geos::GeomPtr coll = geos::own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, copies.data(), 30));
    geos::GeomPtr theirs = geos::own(ctx, GEOSUnaryUnion_r(ctx, coll.get()));
    geos::GeomPtr diff = geos::own(ctx, GEOSSymDifference_r(ctx, mine.get(), theirs.get()));
    EXPECT_LT(area(ctx, diff.get()), 1e-8);
    EXPECT_NEAR(area(ctx, mine.get()), area(ctx, theirs.get()), 1e-9);
    EXPECT_EQ(GEOSGetNumGeometries_r(ctx, mine.get()), GEOSGetNumGeometries_r(ctx, theirs.get()));
}

}  // namespace

// Land claimed twice: three inputs overlapping pairwise (one pair not at
// all, one only along an edge), summed per pair against GEOS's intersections.
TEST(Arrangement, OverlapsOfLabelsMatchGeosIntersections) {
    const geos::Context ctx;
    std::vector<geos::GeomPtr> keep;
    keep.push_back(wkt(ctx, "POLYGON((0 0,10 0,10 10,0 10,0 0),(2 2,2 4,4 4,4 2,2 2))"));
    keep.push_back(wkt(ctx, "POLYGON((7 3,15 3.5,14 9,7.5 8,7 3))"));
    keep.push_back(wkt(ctx, "POLYGON((-5 0,0 0,0 6,-5 6,-5 0))"));  // touches the first along x = 0
    keep.push_back(wkt(ctx, "POLYGON((1 1,9.5 1.5,9 9.2,1.2 8.8,1 1))"));
    std::vector<const GEOSGeometry*> inputs;
    for (const auto& g : keep) inputs.push_back(g.get());
    const Built b = build(ctx, inputs);
    std::map<std::pair<int, int>, double> got;
    for (const LabelOverlap& o : label_overlaps(*b.a, b.grid)) {
        ASSERT_LT(o.first, o.second);
        got[{o.first, o.second}] += o.area;
    }
    for (int i = 0; i < 4; ++i)
        for (int j = i + 1; j < 4; ++j) {
            geos::GeomPtr common = geos::own(ctx, GEOSIntersection_r(ctx, inputs[i], inputs[j]));
            const double expected = area(ctx, common.get());
            const auto it = got.find({i, j});
            const double measured = it == got.end() ? 0.0 : it->second;
            EXPECT_NEAR(measured, expected, 1e-4) << "labels " << i << ", " << j;
            if (expected == 0) {
                EXPECT_EQ(it, got.end()) << "labels " << i << ", " << j;
            }
        }
}
