// Rounding that adds up: controlled rounding of a region tree × categories
// table, and largest-remainder shares.
//
// Rounding every figure of a statistics table to nearest makes totals that
// are not the sums of their (rounded) parts. Rounding only the smallest parts
// and adding them up makes the headline totals drift from their true values.
// Controlled rounding does both right: each figure is its exact value rounded
// down or up, every total is the sum of its parts, and among those roundings
// we take the one nearest to plain rounding, weighting the big totals most.
//
// The constraints of a tree × columns table form a network: a figure is an
// edge, "a total is the sum of its parts" is conservation of flow at a node.
//
//   S ──grand──▶ B(root) ──node total──▶ B(node) ──leaf──▶ A(node, k) ──node column──▶ A(parent, k) … A(root, k) ──column total──▶ S
//
// The exact values are a feasible (fractional) circulation in which every edge
// lies between the floor and the ceiling of its value, so an integral one
// exists (flow integrality). We start from plain rounding, which breaks
// conservation at some nodes, and repair it with a minimum-cost flow whose
// edges move a figure to its other rounding at a cost of weight × |1 − 2f|
// (f its fractional part): the extra distance from the exact value.
#include "zone/report/report.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace zone {

namespace {

class MinCostFlow {
public:
    explicit MinCostFlow(int vertices) : head_(vertices, -1) {}

    // Returns the index of the forward edge.
    int add(int from, int to, std::int64_t cap, std::int64_t cost) {
        edges_.push_back({to, head_[from], cap, cost});
        head_[from] = static_cast<int>(edges_.size()) - 1;
        edges_.push_back({from, head_[to], 0, -cost});
        head_[to] = static_cast<int>(edges_.size()) - 1;
        return static_cast<int>(edges_.size()) - 2;
    }

    std::int64_t flow_on(int edge) const { return edges_[edge ^ 1].cap; }

    // Successive shortest paths (Bellman-Ford with a queue: residual costs may
    // be negative). Returns the flow sent.
    std::int64_t run(int source, int sink) {
        const int n = static_cast<int>(head_.size());
        const std::int64_t inf = std::numeric_limits<std::int64_t>::max() / 4;
        std::int64_t total = 0;
        std::vector<std::int64_t> dist(n);
        std::vector<int> via(n);
        std::vector<char> queued(n);
        for (;;) {
            std::fill(dist.begin(), dist.end(), inf);
            std::fill(via.begin(), via.end(), -1);
            dist[source] = 0;
            std::deque<int> queue{source};
            queued.assign(n, 0);
            queued[source] = 1;
            while (!queue.empty()) {
                const int u = queue.front();
                queue.pop_front();
                queued[u] = 0;
                for (int e = head_[u]; e >= 0; e = edges_[e].next) {
                    const Edge& ed = edges_[e];
                    if (ed.cap <= 0 || dist[u] + ed.cost >= dist[ed.to]) continue;
                    dist[ed.to] = dist[u] + ed.cost;
                    via[ed.to] = e;
                    if (!queued[ed.to]) {
                        queued[ed.to] = 1;
                        queue.push_back(ed.to);
                    }
                }
            }
            if (dist[sink] >= inf) return total;
            std::int64_t push = inf;
            for (int v = sink; v != source; v = edges_[via[v] ^ 1].to) push = std::min(push, edges_[via[v]].cap);
            for (int v = sink; v != source; v = edges_[via[v] ^ 1].to) {
                edges_[via[v]].cap -= push;
                edges_[via[v] ^ 1].cap += push;
            }
            total += push;
        }
    }

private:
    struct Edge {
        int to, next;
        std::int64_t cap, cost;
    };
    std::vector<int> head_;
    std::vector<Edge> edges_;
};

// A figure's exact value, how it is rounded to nearest, and the other way it may go.
struct Figure {
    int from = 0, to = 0;  // vertices of its edge
    long double exact = 0;
    double weight = 1;
    std::int64_t nearest = 0;
    int other = 0;         // -1: may go one down, +1: one up, 0: exact integer, stays
    int adjust_edge = -1;  // edge of the move in the flow network
};

void set_rounding(Figure& f) {
    // An aggregate of exact integers can come out a hair off in floating point.
    constexpr long double eps = 1e-7L;
    const long double lo = std::floor(f.exact);
    const long double frac = f.exact - lo;
    if (frac < eps || frac > 1 - eps) {
        f.nearest = static_cast<std::int64_t>(std::llround(f.exact));
        f.other = 0;
        return;
    }
    f.nearest = static_cast<std::int64_t>(lo) + (frac >= 0.5L ? 1 : 0);
    f.other = frac >= 0.5L ? -1 : +1;
}

}  // namespace

RoundedTable controlled_rounding(const RoundingTable& t) {
    const int n = static_cast<int>(t.parent.size());
    const int columns = t.columns;
    if (columns <= 0) throw std::invalid_argument("controlled_rounding: no columns");
    if (t.weight.size() != t.parent.size()) throw std::invalid_argument("controlled_rounding: a weight per node");
    const int root = n;  // the synthetic node above the top nodes
    auto parent_of = [&](int v) { return t.parent[v] < 0 ? root : t.parent[v]; };

    // Exact sums, children before parents.
    std::vector<int> depth(n + 1, 0);
    for (int v = 0; v < n; ++v) {
        int d = 0;
        for (int u = v; u != root; u = parent_of(u)) {
            if (++d > n + 1) throw std::invalid_argument("controlled_rounding: the parents form a cycle");
        }
        depth[v] = d;
    }
    std::vector<int> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return depth[a] > depth[b]; });
    std::vector<std::vector<long double>> sum(n + 1, std::vector<long double>(columns, 0.0L));
    for (const auto& leaf : t.leaves) {
        if (leaf.node < 0 || leaf.node >= n || leaf.column < 0 || leaf.column >= columns || !(leaf.value >= 0))
            throw std::invalid_argument("controlled_rounding: a leaf out of range");
        sum[leaf.node][leaf.column] += leaf.value;
    }
    for (int v : order)
        for (int k = 0; k < columns; ++k) sum[parent_of(v)][k] += sum[v][k];

    // Vertices: S, B(0..root), A(0..root, k), then the super source and sink.
    const int S = 0;
    auto B = [&](int v) { return 1 + v; };
    auto A = [&](int v, int k) { return 1 + (n + 1) + v * columns + k; };
    const int vertices = 1 + (n + 1) * (1 + columns);
    const int SS = vertices, TT = vertices + 1;

    std::vector<Figure> figures;
    auto add_figure = [&](int from, int to, long double exact, double weight) {
        Figure f;
        f.from = from;
        f.to = to;
        f.exact = exact;
        f.weight = weight;
        set_rounding(f);
        figures.push_back(f);
        return static_cast<int>(figures.size()) - 1;
    };
    auto total_of = [&](int v) { return std::accumulate(sum[v].begin(), sum[v].end(), 0.0L); };

    const int grand_total = add_figure(S, B(root), total_of(root), t.grand_weight);
    std::vector<int> grand_column(columns);
    for (int k = 0; k < columns; ++k) grand_column[k] = add_figure(A(root, k), S, sum[root][k], t.grand_weight);
    std::vector<int> node_total(n);
    std::vector<std::vector<int>> node_column(n, std::vector<int>(columns));
    for (int v = 0; v < n; ++v) {
        node_total[v] = add_figure(B(parent_of(v)), B(v), total_of(v), t.weight[v]);
        for (int k = 0; k < columns; ++k)
            node_column[v][k] = add_figure(A(v, k), A(parent_of(v), k), sum[v][k], t.weight[v]);
    }
    std::vector<int> leaf_figure(t.leaves.size());
    // Leaves weigh least: the smallest figures may bend so the totals need not.
    for (std::size_t i = 0; i < t.leaves.size(); ++i) {
        const auto& leaf = t.leaves[i];
        leaf_figure[i] = add_figure(B(leaf.node), A(leaf.node, leaf.column), leaf.value, 1.0);
    }

    // Plain rounding, and where it breaks conservation.
    std::vector<std::int64_t> excess(vertices, 0);
    for (const Figure& f : figures) {
        excess[f.to] += f.nearest;
        excess[f.from] -= f.nearest;
    }
    MinCostFlow flow(vertices + 2);
    for (Figure& f : figures) {
        if (f.other == 0) continue;
        const long double frac = f.exact - std::floor(f.exact);
        const auto cost = static_cast<std::int64_t>(std::llround(f.weight * std::fabs(1.0L - 2.0L * frac) * 1e6L));
        // Up: more flow from→to. Down: less, i.e. flow to→from.
        f.adjust_edge = f.other > 0 ? flow.add(f.from, f.to, 1, cost) : flow.add(f.to, f.from, 1, cost);
    }
    std::int64_t needed = 0;
    for (int v = 0; v < vertices; ++v) {
        if (excess[v] > 0) {
            flow.add(SS, v, excess[v], 0);
            needed += excess[v];
        } else if (excess[v] < 0) {
            flow.add(v, TT, -excess[v], 0);
        }
    }
    if (flow.run(SS, TT) != needed)
        throw std::logic_error("controlled rounding found no solution; the table's sums are inconsistent");

    RoundedTable out;
    auto value = [&](int i) {
        const Figure& f = figures[i];
        return f.nearest + (f.adjust_edge >= 0 ? f.other * flow.flow_on(f.adjust_edge) : 0);
    };
    out.figures = static_cast<int>(figures.size());
    for (std::size_t i = 0; i < figures.size(); ++i)
        if (value(static_cast<int>(i)) != figures[i].nearest) ++out.not_nearest;
    out.leaf.resize(t.leaves.size());
    for (std::size_t i = 0; i < t.leaves.size(); ++i) out.leaf[i] = value(leaf_figure[i]);
    out.node.assign(n, std::vector<std::int64_t>(columns + 1, 0));
    for (int v = 0; v < n; ++v) {
        for (int k = 0; k < columns; ++k) out.node[v][k] = value(node_column[v][k]);
        out.node[v][columns] = value(node_total[v]);
    }
    out.grand.assign(columns + 1, 0);
    for (int k = 0; k < columns; ++k) out.grand[k] = value(grand_column[k]);
    out.grand[columns] = value(grand_total);
    return out;
}

std::vector<int> apportion(const std::vector<double>& values, int total) {
    std::vector<int> out(values.size(), 0);
    const double sum = std::accumulate(values.begin(), values.end(), 0.0);
    if (!(sum > 0) || values.empty()) return out;
    std::vector<double> remainder(values.size());
    int given = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double quota = values[i] / sum * total;
        out[i] = static_cast<int>(std::floor(quota));
        remainder[i] = quota - out[i];
        given += out[i];
    }
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    // Largest remainder first; ties to the larger value, then the first.
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (remainder[a] != remainder[b]) return remainder[a] > remainder[b];
        return values[a] > values[b];
    });
    for (std::size_t k = 0; given < total && k < order.size(); ++k, ++given) ++out[order[k]];
    return out;
}

}  // namespace zone
