// Points on the integer precision grid and the exact predicates on them.
//
// A coordinate x becomes round(x * scale), scale = 1 / grid, as GEOS's fixed
// precision model does, so that units of neighbouring counties built apart
// still meet on exactly the same grid points. Coordinates of a province at
// 1e-9 degrees need 38 bits; products of differences are taken in 128 bits,
// so every predicate here is exact.
#pragma once

#include <cmath>
#include <cstdint>

namespace zone::arrangement {

using i64 = std::int64_t;
using i128 = __int128;

struct GridPoint {
    i64 x = 0, y = 0;
    bool operator==(const GridPoint&) const = default;
    auto operator<=>(const GridPoint&) const = default;
};

inline i128 cross(i64 ax, i64 ay, i64 bx, i64 by) { return static_cast<i128>(ax) * by - static_cast<i128>(ay) * bx; }

// > 0 when c lies left of a→b, < 0 right, 0 on the line.
inline int orientation(GridPoint a, GridPoint b, GridPoint c) {
    const i128 v = cross(b.x - a.x, b.y - a.y, c.x - a.x, c.y - a.y);
    return (v > 0) - (v < 0);
}

// n / d rounded to the nearest integer, halves away from zero (d != 0).
inline i64 round_div(i128 n, i128 d) {
    if (d < 0) n = -n, d = -d;
    const i128 twice = 2 * n + (n >= 0 ? d : -d);
    return static_cast<i64>(twice / (2 * d));  // C++ division truncates toward zero
}

// Directions ordered counter-clockwise from the positive x axis.
inline bool angle_less(i64 ax, i64 ay, i64 bx, i64 by) {
    const bool a_upper = ay > 0 || (ay == 0 && ax > 0);
    const bool b_upper = by > 0 || (by == 0 && bx > 0);
    if (a_upper != b_upper) return a_upper;
    return cross(ax, ay, bx, by) > 0;
}

struct Grid {
    double scale = 1e9;  // 1 / grid size
    explicit Grid(double grid) : scale(1.0 / grid) {}
    i64 snap(double v) const { return static_cast<i64>(std::llround(v * scale)); }
    double value(i64 v) const { return static_cast<double>(v) / scale; }
};

}  // namespace zone::arrangement
