#include "snap_noder.hpp"

#include "cell_index.hpp"

#include <algorithm>
#include <tuple>

namespace zone::arrangement {

namespace {

struct Segment {
    GridPoint a, b;  // in the direction of its ring
    int label;
    i64 minx() const { return std::min(a.x, b.x); }
    i64 maxx() const { return std::max(a.x, b.x); }
    i64 miny() const { return std::min(a.y, b.y); }
    i64 maxy() const { return std::max(a.y, b.y); }
};

// Where segments ab and cd cross at a point inside both (not at an end of
// either), rounded to the grid; false when they do not cross so.
bool proper_crossing(const Segment& s, const Segment& t, GridPoint& at) {
    const int o1 = orientation(s.a, s.b, t.a), o2 = orientation(s.a, s.b, t.b);
    if (o1 * o2 >= 0) return false;
    const int o3 = orientation(t.a, t.b, s.a), o4 = orientation(t.a, t.b, s.b);
    if (o3 * o4 >= 0) return false;
    const i128 den = cross(s.b.x - s.a.x, s.b.y - s.a.y, t.b.x - t.a.x, t.b.y - t.a.y);
    const i128 num = cross(t.a.x - s.a.x, t.a.y - s.a.y, t.b.x - t.a.x, t.b.y - t.a.y);
    at.x = s.a.x + round_div(num * (s.b.x - s.a.x), den);
    at.y = s.a.y + round_div(num * (s.b.y - s.a.y), den);
    return true;
}

// Whether the segment passes through the hot pixel centred at h (the closed
// square of side one); h lies within the segment's envelope.
bool passes_through(const Segment& s, GridPoint h) {
    // Doubled coordinates keep the pixel's corners on integers.
    const i64 ax = 2 * s.a.x, ay = 2 * s.a.y, dx = 2 * (s.b.x - s.a.x), dy = 2 * (s.b.y - s.a.y);
    int positive = 0, negative = 0;
    for (int cx = -1; cx <= 1; cx += 2)
        for (int cy = -1; cy <= 1; cy += 2) {
            const i128 v = cross(dx, dy, 2 * h.x + cx - ax, 2 * h.y + cy - ay);
            positive += v > 0;
            negative += v < 0;
        }
    return positive < 4 && negative < 4;
}

}  // namespace

NodedEdges snap_round(const RingSet& rings) {
    NodedEdges out;
    std::vector<Segment> segments;
    segments.reserve(rings.points.size());
    for (std::size_t r = 0; r < rings.rings(); ++r) {
        const std::size_t s = rings.start[r], e = rings.start[r + 1];
        for (std::size_t i = s; i < e; ++i) {
            const GridPoint a = rings.points[i], b = rings.points[i + 1 < e ? i + 1 : s];
            if (a != b) segments.push_back({a, b, rings.label[r]});
        }
    }
    if (segments.empty()) return out;

    Box extent{segments[0].minx(), segments[0].miny(), segments[0].maxx(), segments[0].maxy()};
    for (const Segment& s : segments) extent.expand({s.minx(), s.miny(), s.maxx(), s.maxy()});
    CellIndex cells(extent, segments.size());
    cells.fill(segments.size(), [&](std::size_t i) {
        const Segment& s = segments[i];
        return Box{s.minx(), s.miny(), s.maxx(), s.maxy()};
    });

    // 1. Hot pixels: every vertex and every crossing, rounded.
    std::vector<GridPoint> hot;
    hot.reserve(segments.size() + segments.size() / 8);
    for (const Segment& s : segments) hot.push_back(s.a);
    for (std::size_t c = 0; c < cells.cell_count(); ++c) {
        const auto [first, last] = cells.cell(c);
        for (const std::size_t* i = first; i != last; ++i) {
            const Segment& s = segments[*i];
            for (const std::size_t* j = i + 1; j != last; ++j) {
                const Segment& t = segments[*j];
                if (s.maxx() < t.minx() || t.maxx() < s.minx() || s.maxy() < t.miny() || t.maxy() < s.miny())
                    continue;
                // Test a pair once: in the cell holding the corner of their common envelope.
                if (cells.cell_of(std::max(s.minx(), t.minx()), std::max(s.miny(), t.miny())) != c) continue;
                GridPoint at;
                if (proper_crossing(s, t, at)) hot.push_back(at);
            }
        }
    }
    std::sort(hot.begin(), hot.end());
    hot.erase(std::unique(hot.begin(), hot.end()), hot.end());
    CellIndex hot_cells(extent, segments.size());
    hot_cells.fill(hot.size(), [&](std::size_t i) { return Box{hot[i].x, hot[i].y, hot[i].x, hot[i].y}; });

    // 2. Cut every segment at the hot pixels it passes through.
    struct Piece {
        int u, v, label, sign;
    };
    std::vector<Piece> pieces;
    pieces.reserve(segments.size() + segments.size() / 4);
    std::vector<std::pair<i128, int>> along;
    for (const Segment& s : segments) {
        along.clear();
        const Box box{s.minx(), s.miny(), s.maxx(), s.maxy()};
        hot_cells.visit(box, [&](std::size_t h) {
            const GridPoint p = hot[h];
            if (p.x < box.minx || p.x > box.maxx || p.y < box.miny || p.y > box.maxy) return;
            if (!passes_through(s, p)) return;
            along.emplace_back(static_cast<i128>(p.x - s.a.x) * (s.b.x - s.a.x) +
                                   static_cast<i128>(p.y - s.a.y) * (s.b.y - s.a.y),
                               static_cast<int>(h));
        });
        std::sort(along.begin(), along.end());
        along.erase(std::unique(along.begin(), along.end(),
                                [](const auto& x, const auto& y) { return x.second == y.second; }),
                    along.end());
        for (std::size_t k = 0; k + 1 < along.size(); ++k) {
            const int from = along[k].second, to = along[k + 1].second;
            if (from == to) continue;
            if (from < to)
                pieces.push_back({from, to, s.label, +1});
            else
                pieces.push_back({to, from, s.label, -1});
        }
    }
    std::sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) {
        return std::tie(a.u, a.v, a.label) < std::tie(b.u, b.v, b.label);
    });

    // 3. One edge per pair of nodes, with the winding jump of each label.
    std::vector<int> node_id(hot.size(), -1);
    auto node = [&](int h) {
        if (node_id[h] < 0) {
            node_id[h] = static_cast<int>(out.nodes.size());
            out.nodes.push_back(hot[h]);
        }
        return node_id[h];
    };
    for (std::size_t i = 0; i < pieces.size();) {
        std::size_t j = i;
        const std::size_t first = out.jumps.size();
        while (j < pieces.size() && pieces[j].u == pieces[i].u && pieces[j].v == pieces[i].v) {
            std::size_t k = j;
            int sum = 0;
            while (k < pieces.size() && pieces[k].u == pieces[j].u && pieces[k].v == pieces[j].v &&
                   pieces[k].label == pieces[j].label)
                sum += pieces[k++].sign;
            if (sum != 0) out.jumps.emplace_back(pieces[j].label, sum);
            j = k;
        }
        if (out.jumps.size() > first) {
            NodedEdges::Edge e;
            e.u = node(pieces[i].u);
            e.v = node(pieces[i].v);
            e.first = first;
            e.count = out.jumps.size() - first;
            out.edges.push_back(e);
        }
        i = j;
    }
    return out;
}

}  // namespace zone::arrangement
