#include "overlay/arrangement/snap_noder.hpp"

#include "overlay/arrangement/cell_index.hpp"

#include <algorithm>
#include <tuple>

namespace zone::arrangement {

namespace {

// A coordinate difference below this bound leaves every product of two
// differences, and a sum of two such products, within 64 bits: the short
// segments that make up nearly all of a map are tested without 128-bit
// arithmetic.
constexpr i64 short_extent = i64{1} << 30;

struct Segment {
    GridPoint a, b;  // in the direction of its ring
    int label;
    bool is_short;   // both extents below short_extent
    i64 minx() const { return std::min(a.x, b.x); }
    i64 maxx() const { return std::max(a.x, b.x); }
    i64 miny() const { return std::min(a.y, b.y); }
    i64 maxy() const { return std::max(a.y, b.y); }
    Box box() const { return Box{minx(), miny(), maxx(), maxy()}; }
};

// For points whose differences are below short_extent.
inline int orientation_short(GridPoint a, GridPoint b, GridPoint c) {
    const i64 v = (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x);
    return (v > 0) - (v < 0);
}

// Where segments ab and cd cross at a point inside both (not at an end of
// either), rounded to the grid; false when they do not cross so. Their
// envelopes overlap.
bool proper_crossing(const Segment& s, const Segment& t, GridPoint& at) {
    const bool fast = s.is_short && t.is_short;  // then all four points are within 2 short_extent
    auto orient = [fast](GridPoint a, GridPoint b, GridPoint c) {
        return fast ? orientation_short(a, b, c) : orientation(a, b, c);
    };
    const int o1 = orient(s.a, s.b, t.a), o2 = orient(s.a, s.b, t.b);
    if (o1 * o2 >= 0) return false;
    const int o3 = orient(t.a, t.b, s.a), o4 = orient(t.a, t.b, s.b);
    if (o3 * o4 >= 0) return false;
    const i128 den = cross(s.b.x - s.a.x, s.b.y - s.a.y, t.b.x - t.a.x, t.b.y - t.a.y);
    const i128 num = cross(t.a.x - s.a.x, t.a.y - s.a.y, t.b.x - t.a.x, t.b.y - t.a.y);
    at.x = s.a.x + round_div(num * (s.b.x - s.a.x), den);
    at.y = s.a.y + round_div(num * (s.b.y - s.a.y), den);
    return true;
}

// Whether the segment passes through the hot pixel centred at h (the closed
// square of side one); h lies within the segment's envelope. The line
// misses the square exactly when all four corners lie on one side of it:
// when |d × (h − a)| exceeds (|dx| + |dy|) / 2, the largest that a corner's
// offset from h can add to the cross product.
bool passes_through(const Segment& s, GridPoint h) {
    const i64 dx = s.b.x - s.a.x, dy = s.b.y - s.a.y;
    const i64 reach = (dx < 0 ? -dx : dx) + (dy < 0 ? -dy : dy);
    if (s.is_short) {
        const i64 c = dx * (h.y - s.a.y) - dy * (h.x - s.a.x);
        return 2 * (c < 0 ? -c : c) <= reach;
    }
    const i128 c = cross(dx, dy, h.x - s.a.x, h.y - s.a.y);
    return 2 * (c < 0 ? -c : c) <= reach;
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
            if (a == b) continue;
            const bool is_short = std::abs(b.x - a.x) < short_extent && std::abs(b.y - a.y) < short_extent;
            segments.push_back({a, b, rings.label[r], is_short});
        }
    }
    if (segments.empty()) return out;

    std::vector<Box> boxes;
    boxes.reserve(segments.size());
    for (const Segment& s : segments) boxes.push_back(s.box());
    Box extent = boxes[0];
    for (const Box& b : boxes) extent.expand(b);
    CellIndex cells(extent, segments.size());
    cells.fill(segments.size(), [&](std::size_t i) { return boxes[i]; });
    // The cell of each envelope's lower-left corner; the lower-left corner
    // of two envelopes' overlap is in the cell (max column, max row) of theirs.
    std::vector<int> corner_col(segments.size()), corner_row(segments.size());
    for (std::size_t i = 0; i < segments.size(); ++i) {
        corner_col[i] = cells.col(boxes[i].minx);
        corner_row[i] = cells.row(boxes[i].miny);
    }

    // 1. Hot pixels: every vertex and every crossing, rounded.
    std::vector<GridPoint> hot;
    hot.reserve(segments.size() + segments.size() / 8);
    for (const Segment& s : segments) hot.push_back(s.a);
    for (int row = 0; row < cells.rows(); ++row)
        for (int col = 0; col < cells.columns(); ++col) {
            const auto [first, last] = cells.cell(col, row);
            for (const std::size_t* i = first; i != last; ++i) {
                const Box& bs = boxes[*i];
                for (const std::size_t* j = i + 1; j != last; ++j) {
                    const Box& bt = boxes[*j];
                    if (bs.maxx < bt.minx || bt.maxx < bs.minx || bs.maxy < bt.miny || bt.maxy < bs.miny) continue;
                    // Test a pair once: in the cell holding the corner of their common envelope.
                    if (std::max(corner_col[*i], corner_col[*j]) != col || std::max(corner_row[*i], corner_row[*j]) != row)
                        continue;
                    GridPoint at;
                    if (proper_crossing(segments[*i], segments[*j], at)) hot.push_back(at);
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
        const Box& box = boxes[&s - segments.data()];
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
    // Ordered by (u, v, label): a counting sort on u, then each node's few
    // pieces by the rest.
    {
        std::vector<std::size_t> offset(hot.size() + 1, 0);
        for (const Piece& p : pieces) ++offset[p.u + 1];
        for (std::size_t h = 1; h < offset.size(); ++h) offset[h] += offset[h - 1];
        std::vector<Piece> sorted(pieces.size());
        std::vector<std::size_t> cursor(offset.begin(), offset.end() - 1);
        for (const Piece& p : pieces) sorted[cursor[p.u]++] = p;
        for (std::size_t h = 0; h + 1 < offset.size(); ++h)
            if (offset[h + 1] - offset[h] > 1)
                std::sort(sorted.begin() + offset[h], sorted.begin() + offset[h + 1], [](const Piece& a, const Piece& b) {
                    return std::tie(a.v, a.label) < std::tie(b.v, b.label);
                });
        pieces.swap(sorted);
    }

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
