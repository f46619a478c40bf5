// Union-find over 0..n-1; the lower index stays the root, so results do not
// depend on the order of joins.
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

namespace zone::detail {

class DisjointSets {
public:
    explicit DisjointSets(std::size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
    int find(int x) {
        while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
        return x;
    }
    void join(int a, int b) {
        a = find(a);
        b = find(b);
        if (a != b) parent_[std::max(a, b)] = std::min(a, b);
    }

private:
    std::vector<int> parent_;
};

}  // namespace zone::detail
