// The cheap validity proof that lets a build skip GEOS isValid: whatever it
// proves valid GEOS must find valid, and it must prove the ordinary simple
// rings of factor layers. Constructed cases with known answers, and random
// rings (stars, valid; and stars with swapped vertices, often not), each
// judged by GEOS isValid.
#include "core/validity/proven_valid.hpp"
#include "zone/core/geos.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace zone;

geos::GeomPtr wkt(const geos::Context& ctx, const std::string& text) {
    GEOSWKTReader* r = GEOSWKTReader_create_r(ctx);
    GEOSGeometry* g = GEOSWKTReader_read_r(ctx, r, text.c_str());
    GEOSWKTReader_destroy_r(ctx, r);
    return geos::own(ctx, g, "wkt");
}

bool proven(const geos::Context& ctx, const std::string& text) {
    std::vector<double> xy;
    return validity::polygon_is_proven_valid(ctx, wkt(ctx, text).get(), xy);
}

bool geos_valid(const geos::Context& ctx, const std::string& text) {
    return GEOSisValid_r(ctx, wkt(ctx, text).get()) == 1;
}

std::string polygon_wkt(const std::vector<std::pair<double, double>>& ring) {
    std::string s = "POLYGON((";
    for (std::size_t i = 0; i <= ring.size(); ++i) {
        const auto& p = ring[i % ring.size()];
        char point[64];
        std::snprintf(point, sizeof point, "%s%.17g %.17g", i ? "," : "", p.first, p.second);
        s += point;
    }
    return s + "))";
}

TEST(ProvenValid, SimpleRingsAreProven) {
    geos::Context ctx;
    for (const char* text : {"POLYGON((0 0,1 0,1 1,0 1,0 0))", "POLYGON((0 0,0 1,1 1,1 0,0 0))",  // both windings
                             "POLYGON((0 0,1 0,0.5 1,0 0))",                                    // a triangle
                             "POLYGON((0 0,1 0,2 0,2 1,0 1,0 0))",          // straight through a vertex
                             "POLYGON((0 0,1 0,1 0,1 1,0 1,0 0,0 0))",      // repeated points
                             "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)))",       // one part
                             "POLYGON((0 0,4 0,4 4,3 4,3 1,1 1,1 4,0 4,0 0))"}) {  // concave, a U
        EXPECT_TRUE(geos_valid(ctx, text)) << text;
        EXPECT_TRUE(proven(ctx, text)) << text;
    }
}

TEST(ProvenValid, InvalidOrComplexRingsAreNotProven) {
    geos::Context ctx;
    for (const char* text : {"POLYGON((0 0,1 1,1 0,0 1,0 0))",                    // a bow tie
                             "POLYGON((0 0,2 0,2 2,1 0.0,0 2,0 0))",              // touches itself on an edge
                             "POLYGON((0 0,2 0,1 1,2 2,0 2,1 1,0 0))",            // touches itself at a vertex
                             "POLYGON((0 0,2 0,3 0,2 0,2 1,0 1,0 0))",            // a spike back along an edge
                             "POLYGON((0 0,1 0,2 0,0 0))",                        // no area
                             "POLYGON((0 0,1 0,0 0,0 0))"}) {                     // too few points
        EXPECT_FALSE(geos_valid(ctx, text)) << text;
        EXPECT_FALSE(proven(ctx, text)) << text;
    }
    // Valid, but beyond what the proof covers: GEOS decides.
    for (const char* text : {"POLYGON((0 0,3 0,3 3,0 3,0 0),(1 1,2 1,2 2,1 2,1 1))",
                             "MULTIPOLYGON(((0 0,1 0,1 1,0 1,0 0)),((2 0,3 0,3 1,2 1,2 0)))"}) {
        EXPECT_TRUE(geos_valid(ctx, text)) << text;
        EXPECT_FALSE(proven(ctx, text)) << text;
    }
}

TEST(ProvenValid, NeverProvesWhatGeosRejectsOnRandomRings) {
    geos::Context ctx;
    std::mt19937 rng(20261207);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    int stars = 0, stars_proven = 0, tangled = 0, tangled_invalid = 0;
    for (int trial = 0; trial < 600; ++trial) {
        const int n = 3 + static_cast<int>(unit(rng) * 150);
        const double cx = 117 + unit(rng), cy = 36 + unit(rng), scale = 1e-4 + unit(rng) * 1e-2;
        std::vector<std::pair<double, double>> ring;
        for (int k = 0; k < n; ++k) {
            const double angle = 2 * M_PI * (k + 0.8 * unit(rng)) / n, r = scale * (0.3 + unit(rng));
            ring.emplace_back(cx + r * std::cos(angle), cy + r * std::sin(angle));
        }
        const bool tangle = trial % 2 == 1 && n > 4;
        if (tangle) std::swap(ring[static_cast<std::size_t>(unit(rng) * n)], ring[static_cast<std::size_t>(unit(rng) * n)]);
        const std::string text = polygon_wkt(ring);
        const bool valid = geos_valid(ctx, text), is_proven = proven(ctx, text);
        if (is_proven) {
            EXPECT_TRUE(valid) << text;
        }
        if (tangle) {
            ++tangled;
            tangled_invalid += !valid;
        } else {
            ++stars;
            stars_proven += is_proven;
            EXPECT_TRUE(valid) << text;
        }
    }
    // Every plain star is simple and must be proven; swapping two vertices
    // tangles most rings, so the first expectation above is exercised.
    EXPECT_EQ(stars_proven, stars);
    EXPECT_GT(tangled_invalid, tangled / 2);
}

}  // namespace
