// A uniform grid of cells over an extent, each listing the items whose
// envelope meets it (compressed rows: one allocation). The noder finds
// candidate pairs and hot pixels through it, the face builder casts rays.
#pragma once

#include "overlay/arrangement/grid_point.hpp"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace zone::arrangement {

struct Box {
    i64 minx = 0, miny = 0, maxx = 0, maxy = 0;
    void expand(const Box& o) {
        minx = std::min(minx, o.minx), miny = std::min(miny, o.miny);
        maxx = std::max(maxx, o.maxx), maxy = std::max(maxy, o.maxy);
    }
};

class CellIndex {
public:
    // About one cell per `items_hint` / 2 items over `extent`.
    CellIndex(const Box& extent, std::size_t items_hint) : extent_(extent) {
        const double w = static_cast<double>(extent.maxx - extent.minx) + 1;
        const double h = static_cast<double>(extent.maxy - extent.miny) + 1;
        const double cells = std::max(1.0, static_cast<double>(items_hint) / 2);
        size_ = std::max<i64>(1, static_cast<i64>(std::ceil(std::sqrt(w * h / cells))));
        nx_ = static_cast<int>((extent.maxx - extent.minx) / size_) + 1;
        ny_ = static_cast<int>((extent.maxy - extent.miny) / size_) + 1;
        inverse_size_ = 1.0 / static_cast<double>(size_);
    }

    template <class BoxOf>
    void fill(std::size_t n, BoxOf box_of) {
        offsets_.assign(static_cast<std::size_t>(nx_) * ny_ + 1, 0);
        for (int pass = 0; pass < 2; ++pass) {
            std::vector<std::size_t> cursor;
            if (pass == 1) {
                for (std::size_t c = 1; c < offsets_.size(); ++c) offsets_[c] += offsets_[c - 1];
                items_.resize(offsets_.back());
                cursor.assign(offsets_.begin(), offsets_.end() - 1);
            }
            for (std::size_t i = 0; i < n; ++i) {
                const Box b = box_of(i);
                const int x0 = col(b.minx), x1 = col(b.maxx), y0 = row(b.miny), y1 = row(b.maxy);
                for (int y = y0; y <= y1; ++y)
                    for (int x = x0; x <= x1; ++x) {
                        const std::size_t c = static_cast<std::size_t>(y) * nx_ + x;
                        if (pass == 0)
                            ++offsets_[c + 1];
                        else
                            items_[cursor[c]++] = i;
                    }
            }
        }
    }

    int columns() const { return nx_; }
    int rows() const { return ny_; }
    std::size_t cell_count() const { return offsets_.empty() ? 0 : offsets_.size() - 1; }
    std::pair<const std::size_t*, const std::size_t*> cell(std::size_t c) const {
        return {items_.data() + offsets_[c], items_.data() + offsets_[c + 1]};
    }
    std::pair<const std::size_t*, const std::size_t*> cell(int x, int y) const {
        return cell(static_cast<std::size_t>(y) * nx_ + x);
    }
    std::size_t cell_of(i64 x, i64 y) const { return static_cast<std::size_t>(row(y)) * nx_ + col(x); }

    int col(i64 x) const { return slot(x - extent_.minx, nx_); }
    int row(i64 y) const { return slot(y - extent_.miny, ny_); }
    i64 col_min_x(int x) const { return extent_.minx + static_cast<i64>(x) * size_; }

    // Calls f(item) for every item listed in a cell meeting `b` (an item may come more than once).
    template <class F>
    void visit(const Box& b, F f) const {
        const int x0 = col(b.minx), x1 = col(b.maxx), y0 = row(b.miny), y1 = row(b.maxy);
        for (int y = y0; y <= y1; ++y)
            for (int x = x0; x <= x1; ++x) {
                const auto [first, last] = cell(x, y);
                for (const std::size_t* i = first; i != last; ++i) f(*i);
            }
    }

private:
    // floor(offset / size_) clamped to [0, count): a 64-bit division costs as
    // much as the rest of a lookup, so the quotient is estimated with a
    // floating-point reciprocal and corrected to be exact.
    int slot(i64 offset, int count) const {
        if (offset <= 0) return 0;
        i64 q = static_cast<i64>(static_cast<double>(offset) * inverse_size_);
        if (q * size_ > offset) --q;
        else if ((q + 1) * size_ <= offset) ++q;
        return static_cast<int>(std::min<i64>(q, count - 1));
    }

    Box extent_;
    i64 size_ = 1;
    double inverse_size_ = 1;
    int nx_ = 1, ny_ = 1;
    std::vector<std::size_t> offsets_;
    std::vector<std::size_t> items_;
};

}  // namespace zone::arrangement
