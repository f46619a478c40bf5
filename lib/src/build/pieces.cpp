#include "zone/build/pieces.hpp"

#include "core/disjoint_sets.hpp"

#include <algorithm>
#include <map>
#include <numeric>

namespace zone {

namespace {

using detail::DisjointSets;

// Groups items by their set and numbers the groups by their first item.
std::vector<int> number_groups(DisjointSets& sets, std::size_t n, int& count) {
    std::vector<int> group(n, -1), id_of_root(n, -1);
    count = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const int root = sets.find(static_cast<int>(i));
        if (id_of_root[root] < 0) id_of_root[root] = count++;
        group[i] = id_of_root[root];
    }
    return group;
}

}  // namespace

PieceSet eliminate_slivers(const FaceGraph& graph, double sliver_area_m2) {
    const std::size_t nfaces = graph.claim.size();
    PieceSet result;

    // 1. Pieces: faces of one claim joined across shared borders.
    DisjointSets faces(nfaces);
    for (const auto& e : graph.edges)
        if (graph.claim[e.a] == graph.claim[e.b]) faces.join(e.a, e.b);
    int npieces = 0;
    std::vector<int> face_piece = number_groups(faces, nfaces, npieces);

    std::vector<Piece> pieces(npieces);
    for (std::size_t f = 0; f < nfaces; ++f) {
        Piece& p = pieces[face_piece[f]];
        p.claim = graph.claim[f];
        p.area_m2 += graph.area_m2[f];
        p.faces.push_back(static_cast<int>(f));
    }
    std::vector<std::map<int, double>> border(npieces);
    for (const auto& e : graph.edges) {
        const int a = face_piece[e.a], b = face_piece[e.b];
        if (a == b) continue;
        border[a][b] += e.length_m;
        border[b][a] += e.length_m;
    }
    auto category = [&](int piece) { return graph.claims[pieces[piece].claim].category; };

    // 2. Elimination, smallest first.
    std::vector<int> order(npieces);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int a, int b) { return pieces[a].area_m2 < pieces[b].area_m2; });
    std::vector<int> merged_into(npieces, -1);
    std::vector<double> area(npieces);
    for (int i = 0; i < npieces; ++i) area[i] = pieces[i].area_m2;

    for (int p : order) {
        if (area[p] >= sliver_area_m2) continue;
        int best = -1;
        double best_len = -1;
        for (const auto& [q, len] : border[p]) {
            if (category(q) > category(p) || len <= 0) continue;
            const bool better = len > best_len ||
                                (len == best_len && (area[q] > area[best] || (area[q] == area[best] && q < best)));
            if (better) {
                best = q;
                best_len = len;
            }
        }
        if (best < 0) {
            result.stuck.push_back({p, pieces[p].claim, pieces[p].faces.front(), area[p]});
            continue;
        }
        merged_into[p] = best;
        area[best] += area[p];
        for (const auto& [r, len] : border[p]) {
            border[r].erase(p);
            if (r == best) continue;
            border[best][r] += len;
            border[r][best] += len;
        }
        border[best].erase(p);
        border[p].clear();
        ++result.eliminated;
    }

    // 3. Where each piece ended, then pieces of one claim that now touch join.
    auto final_of = [&](int p) {
        while (merged_into[p] >= 0) p = merged_into[p];
        return p;
    };
    DisjointSets ends(npieces);
    for (int p = 0; p < npieces; ++p) ends.join(p, final_of(p));
    for (int p = 0; p < npieces; ++p) {
        if (merged_into[p] >= 0) continue;
        for (const auto& [q, len] : border[p])
            if (pieces[q].claim == pieces[p].claim && merged_into[q] < 0) ends.join(p, q);
    }
    // The claim of a group is the claim of the piece that absorbed the others.
    int ngroups = 0;
    std::vector<int> group_of_piece = number_groups(ends, npieces, ngroups);
    result.pieces.resize(ngroups);
    std::vector<bool> claimed(ngroups, false);
    for (int p = 0; p < npieces; ++p) {
        if (merged_into[p] >= 0) continue;
        Piece& g = result.pieces[group_of_piece[p]];
        if (!claimed[group_of_piece[p]]) {
            g.claim = pieces[p].claim;
            claimed[group_of_piece[p]] = true;
        }
    }
    result.face_piece.resize(nfaces);
    for (std::size_t f = 0; f < nfaces; ++f) {
        const int g = group_of_piece[face_piece[f]];
        result.face_piece[f] = g;
        result.pieces[g].faces.push_back(static_cast<int>(f));
        result.pieces[g].area_m2 += graph.area_m2[f];
    }
    for (auto& s : result.stuck) s.piece = group_of_piece[s.piece];
    return result;
}

}  // namespace zone
