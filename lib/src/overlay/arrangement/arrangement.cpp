#include "overlay/arrangement/arrangement.hpp"

#include "core/disjoint_sets.hpp"
#include "overlay/arrangement/cell_index.hpp"

#include <algorithm>
#include <deque>
#include <numeric>
#include <stdexcept>

namespace zone::arrangement {

namespace {

// a + sign * b over label-sorted sparse vectors, zeros dropped.
std::vector<std::pair<int, int>> add_jumps(const std::vector<std::pair<int, int>>& a,
                                           const std::pair<int, int>* b, std::size_t nb, int sign) {
    std::vector<std::pair<int, int>> out;
    out.reserve(a.size() + nb);
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < nb) {
        if (j == nb || (i < a.size() && a[i].first < b[j].first)) {
            out.push_back(a[i++]);
        } else if (i == a.size() || b[j].first < a[i].first) {
            out.emplace_back(b[j].first, sign * b[j].second);
            ++j;
        } else {
            const int w = a[i].second + sign * b[j].second;
            if (w != 0) out.emplace_back(a[i].first, w);
            ++i, ++j;
        }
    }
    return out;
}

}  // namespace

Arrangement::Arrangement(NodedEdges noded) : noded_(std::move(noded)) {
    const auto& nodes = noded_.nodes;
    const auto& edges = noded_.edges;
    const int H = static_cast<int>(2 * edges.size());
    const int N = static_cast<int>(nodes.size());
    auto vec = [&](int h) {
        const GridPoint a = nodes[origin(h)], b = nodes[destination(h)];
        return std::pair<i64, i64>{b.x - a.x, b.y - a.y};
    };

    // 1. Outgoing half-edges of every node, counter-clockwise; the next
    //    half-edge of a face turns as far right as it can (clockwise from the
    //    way back).
    std::vector<int> out_offsets(N + 1, 0), out_edges(H), position(H);
    for (int h = 0; h < H; ++h) ++out_offsets[origin(h) + 1];
    for (int n = 0; n < N; ++n) out_offsets[n + 1] += out_offsets[n];
    {
        std::vector<int> cursor(out_offsets.begin(), out_offsets.end() - 1);
        for (int h = 0; h < H; ++h) out_edges[cursor[origin(h)]++] = h;
    }
    for (int n = 0; n < N; ++n) {
        auto first = out_edges.begin() + out_offsets[n], last = out_edges.begin() + out_offsets[n + 1];
        std::sort(first, last, [&](int a, int b) {
            const auto [ax, ay] = vec(a);
            const auto [bx, by] = vec(b);
            return angle_less(ax, ay, bx, by);
        });
        for (auto it = first; it != last; ++it) position[*it] = static_cast<int>(it - out_edges.begin());
    }
    next_.resize(H);
    for (int h = 0; h < H; ++h) {
        const int back = h ^ 1, v = origin(back);
        const int lo = out_offsets[v], deg = out_offsets[v + 1] - lo;
        next_[h] = out_edges[lo + (position[back] - lo + deg - 1) % deg];
    }

    // 2. Cycles of next_.
    std::vector<int> cycle(H, -1);
    int cycles = 0;
    for (int h = 0; h < H; ++h) {
        if (cycle[h] >= 0) continue;
        int g = h;
        do {
            cycle[g] = cycles;
            g = next_[g];
        } while (g != h);
        ++cycles;
    }

    // 3. Connected parts; each has one outer cycle, found at its leftmost
    //    (then lowest) node: the cycle of the face holding direction -x.
    detail::DisjointSets parts(N);
    for (const auto& e : edges) parts.join(e.u, e.v);
    std::vector<int> part_of(N), leftmost(N, -1);
    for (int n = 0; n < N; ++n) {
        const int p = part_of[n] = parts.find(n);
        if (leftmost[p] < 0 || nodes[n] < nodes[leftmost[p]]) leftmost[p] = n;
    }
    std::vector<int> part_list, outer_cycle_of_part(N, -1), part_of_cycle(cycles, -1);
    std::vector<char> is_outer(cycles, 0);
    for (int n = 0; n < N; ++n) {
        if (part_of[n] != n || out_offsets[n + 1] == out_offsets[n]) continue;
        part_list.push_back(n);
        const int p0 = leftmost[n];
        // Directions from the leftmost node all lie in (-90°, 90°]; the face
        // on the left of the last one in the upper half-plane holds -x.
        int chosen = out_edges[out_offsets[p0 + 1] - 1];
        for (int i = out_offsets[p0]; i < out_offsets[p0 + 1]; ++i) {
            const auto [dx, dy] = vec(out_edges[i]);
            if (dy > 0 || (dy == 0 && dx > 0)) chosen = out_edges[i];
        }
        outer_cycle_of_part[n] = cycle[chosen];
        is_outer[cycle[chosen]] = 1;
    }
    for (int h = 0; h < H; ++h) part_of_cycle[cycle[h]] = part_of[origin(h)];

    // 4. Bounded faces: the cycles that are not outer ones.
    std::vector<int> face_of_cycle(cycles, -2);
    for (int c = 0; c < cycles; ++c)
        if (!is_outer[c]) face_of_cycle[c] = faces_++;

    // 5. The face holding each part: cast a ray from its leftmost node to -x,
    //    just above the node's height, and take the nearest edge of another part.
    Box extent{nodes.empty() ? 0 : nodes[0].x, nodes.empty() ? 0 : nodes[0].y, 0, 0};
    extent.maxx = extent.minx, extent.maxy = extent.miny;
    for (const GridPoint& p : nodes) extent.expand({p.x, p.y, p.x, p.y});
    CellIndex cells(extent, edges.size());
    cells.fill(edges.size(), [&](std::size_t e) {
        const GridPoint a = nodes[edges[e].u], b = nodes[edges[e].v];
        return Box{std::min(a.x, b.x), std::min(a.y, b.y), std::max(a.x, b.x), std::max(a.y, b.y)};
    });
    std::vector<int> container_cycle(N, -1);  // per part root; -1: the unbounded face
    for (int root : part_list) {
        const GridPoint p = nodes[leftmost[root]];
        int best = -1;
        i128 best_num = 0, best_den = 1;  // the hit's x as a fraction
        i64 best_dx = 0, best_dy = 1;
        const int row = cells.row(p.y);
        for (int col = cells.col(p.x); col >= 0; --col) {
            const auto [first, last] = cells.cell(col, row);
            for (const std::size_t* it = first; it != last; ++it) {
                const auto& e = edges[*it];
                if (part_of[e.u] == root) continue;
                GridPoint lo = nodes[e.u], hi = nodes[e.v];
                if (hi.y < lo.y) std::swap(lo, hi);
                if (!(lo.y <= p.y && p.y < hi.y)) continue;
                const i64 dx = hi.x - lo.x, dy = hi.y - lo.y;
                const i128 num = static_cast<i128>(lo.x) * dy + static_cast<i128>(p.y - lo.y) * dx;
                if (num >= static_cast<i128>(p.x) * dy) continue;  // not left of p
                bool better = best < 0;
                if (!better) {
                    const i128 l = num * best_den, r = best_num * dy;
                    better = l > r || (l == r && cross(best_dx, best_dy, dx, dy) < 0);
                    // equal x: just above the node the edge leaning further right is nearer
                }
                if (better) {
                    best = static_cast<int>(*it);
                    best_num = num, best_den = dy, best_dx = dx, best_dy = dy;
                }
            }
            if (best >= 0 && best_num >= static_cast<i128>(cells.col_min_x(col)) * best_den) break;
        }
        if (best < 0) continue;
        // The half-edge of the hit edge that runs downwards has p on its left.
        const auto& e = edges[best];
        const int downward = nodes[e.u].y < nodes[e.v].y ? 2 * best + 1 : 2 * best;
        container_cycle[root] = cycle[downward];
    }
    // An outer cycle's face is the face holding its part, through as many
    // levels of nesting as it takes.
    for (int c = 0; c < cycles; ++c) {
        if (face_of_cycle[c] != -2) continue;
        std::vector<int> chain;
        int k = c;
        while (k >= 0 && face_of_cycle[k] == -2) {
            chain.push_back(k);
            k = container_cycle[part_of_cycle[k]];
            if (chain.size() > static_cast<std::size_t>(cycles))
                throw std::logic_error("arrangement: parts nest in a loop");
        }
        const int f = k < 0 ? -1 : face_of_cycle[k];
        for (int x : chain) face_of_cycle[x] = f;
    }
    face_of_.resize(H);
    for (int h = 0; h < H; ++h) face_of_[h] = face_of_cycle[cycle[h]];

    // 6. Half-edges by face.
    face_offsets_.assign(faces_ + 2, 0);
    auto slot = [&](int f) { return f < 0 ? faces_ : f; };
    for (int h = 0; h < H; ++h) ++face_offsets_[slot(face_of_[h]) + 1];
    for (int f = 0; f <= faces_; ++f) face_offsets_[f + 1] += face_offsets_[f];
    face_edges_.resize(H);
    {
        std::vector<int> cursor(face_offsets_.begin(), face_offsets_.end() - 1);
        for (int h = 0; h < H; ++h) face_edges_[cursor[slot(face_of_[h])]++] = h;
    }

    // 7. Winding numbers, spread from the unbounded face (all zero) across edges.
    winding_.assign(faces_ + 1, {});
    std::vector<char> seen(faces_ + 1, 0);
    std::deque<int> queue{faces_};
    seen[faces_] = 1;
    while (!queue.empty()) {
        const int x = queue.front();
        queue.pop_front();
        for (int i = face_offsets_[x]; i < face_offsets_[x + 1]; ++i) {
            const int h = face_edges_[i];
            const int y = slot(face_of_[h ^ 1]);
            if (seen[y]) continue;
            seen[y] = 1;
            const auto& e = edges[h >> 1];
            // x lies left of h: left of u→v for even h, right of it for odd h.
            winding_[y] = add_jumps(winding_[x], noded_.jumps.data() + e.first, e.count, (h & 1) ? +1 : -1);
            queue.push_back(y);
        }
    }
    winding_.pop_back();  // the unbounded face's, all zero
    stamp_.assign(faces_, 0);
    used_.assign(H, 0);
    where_.assign(N, -1);
}

i128 Arrangement::twice_area(const std::vector<int>& ring) const {
    i128 a = 0;
    const GridPoint o = noded_.nodes[ring[0]];
    for (std::size_t i = 1; i + 1 < ring.size(); ++i) {
        const GridPoint p = noded_.nodes[ring[i]], q = noded_.nodes[ring[i + 1]];
        a += cross(p.x - o.x, p.y - o.y, q.x - o.x, q.y - o.y);
    }
    return a;
}

std::vector<std::vector<int>> Arrangement::split_at_repeated_nodes(const std::vector<int>& ring) const {
    // A ring that passes a node twice is cut there into simple rings.
    std::vector<std::vector<int>> out;
    std::vector<int> stack;
    std::vector<int>& where = where_;
    for (int n : ring) {
        if (where[n] >= 0) {
            const int at = where[n];
            std::vector<int> loop(stack.begin() + at, stack.end());
            for (std::size_t i = at + 1; i < stack.size(); ++i) where[stack[i]] = -1;
            stack.resize(at + 1);
            out.push_back(std::move(loop));
        } else {
            where[n] = static_cast<int>(stack.size());
            stack.push_back(n);
        }
    }
    for (int n : stack) where[n] = -1;
    out.push_back(std::move(stack));
    return out;
}

bool Arrangement::ring_contains_edge_midpoint(const std::vector<int>& ring, int a, int b) const {
    // Doubled coordinates keep the midpoint on integers; it lies on no edge of
    // the ring, so crossing parity decides.
    const GridPoint pa = noded_.nodes[a], pb = noded_.nodes[b];
    const i64 px = pa.x + pb.x, py = pa.y + pb.y;
    bool inside = false;
    for (std::size_t i = 0; i < ring.size(); ++i) {
        const GridPoint u = noded_.nodes[ring[i]], v = noded_.nodes[ring[(i + 1) % ring.size()]];
        const i64 uy = 2 * u.y, vy = 2 * v.y;
        if ((uy > py) == (vy > py)) continue;
        // x of the ring edge at height py, compared with px (all doubled)
        const i128 lhs = static_cast<i128>(2 * (v.x - u.x)) * (py - uy);
        const i128 rhs = static_cast<i128>(px - 2 * u.x) * (vy - uy);
        if ((vy > uy) ? lhs > rhs : lhs < rhs) inside = !inside;
    }
    return inside;
}

std::vector<PolygonRings> Arrangement::polygons(const std::vector<int>& faces) const {
    ++stamp_value_;
    for (int f : faces) stamp_[f] = stamp_value_;
    auto in_set = [&](int f) { return f >= 0 && stamp_[f] == stamp_value_; };

    // Pieces: faces of the set joined across the edges inside it.
    std::vector<int> sorted(faces);
    std::sort(sorted.begin(), sorted.end());
    auto index_of = [&](int f) { return static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), f) - sorted.begin()); };
    detail::DisjointSets pieces(sorted.size());
    std::vector<int> boundary;
    for (int f : sorted) {
        const auto [first, last] = face_halfedges(f);
        for (const int* h = first; h != last; ++h) {
            const int other = face_of_[*h ^ 1];
            if (in_set(other))
                pieces.join(index_of(f), index_of(other));
            else
                boundary.push_back(*h);
        }
    }

    // Rings along the boundary, the set on their left.
    struct Ring {
        std::vector<int> nodes;
        int piece;
        int first, second;  // an edge of it, for the containment test
        i128 area2;
    };
    std::vector<Ring> rings;
    std::vector<int> trace;
    for (int start : boundary) {
        if (used_[start] == stamp_value_) continue;
        trace.clear();
        int h = start;
        do {
            used_[h] = stamp_value_;
            trace.push_back(origin(h));
            int g = next_[h];
            while (in_set(face_of_[g ^ 1])) g = next_[g ^ 1];
            h = g;
        } while (h != start);
        const int piece = pieces.find(index_of(face_of_[start]));
        for (auto& simple : split_at_repeated_nodes(trace)) {
            if (simple.size() < 3) continue;
            const i128 a2 = twice_area(simple);
            if (a2 == 0) continue;
            Ring r{std::move(simple), piece, 0, 0, a2};
            r.first = r.nodes[0], r.second = r.nodes[1];
            rings.push_back(std::move(r));
        }
    }

    // Shells and holes, piece by piece (pieces numbered by their lowest face).
    std::vector<PolygonRings> out;
    std::vector<int> order(rings.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return rings[a].piece < rings[b].piece; });
    for (std::size_t i = 0; i < order.size();) {
        std::size_t j = i;
        while (j < order.size() && rings[order[j]].piece == rings[order[i]].piece) ++j;
        const std::size_t base = out.size();
        for (std::size_t k = i; k < j; ++k)
            if (rings[order[k]].area2 > 0) out.push_back({rings[order[k]].nodes, {}});
        const std::size_t shells = out.size() - base;
        for (std::size_t k = i; k < j; ++k) {
            Ring& r = rings[order[k]];
            if (r.area2 > 0) continue;
            std::size_t target = base;
            if (shells > 1) {
                i128 smallest = -1;
                for (std::size_t s = base; s < out.size(); ++s) {
                    if (!ring_contains_edge_midpoint(out[s].shell, r.first, r.second)) continue;
                    const i128 a = twice_area(out[s].shell);
                    if (smallest < 0 || a < smallest) smallest = a, target = s;
                }
            }
            if (shells == 0) throw std::logic_error("arrangement: a hole without a shell");
            out[target].holes.push_back(std::move(r.nodes));
        }
        i = j;
    }
    return out;
}

}  // namespace zone::arrangement
