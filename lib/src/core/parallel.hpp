// Work spread over threads, each with state of its own (a GEOS context, an
// area calculator): GEOS and PROJ handles are not shared between threads.
#pragma once

#include "zone/core/area.hpp"
#include "zone/core/geos.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace zone::detail {

// What a thread needs for geometry work.
struct GeometryWorker {
    geos::Context ctx;
    AreaCalculator area;
    GeometryWorker(const std::string& crs, AreaMethod method) : area(crs, method) {}
};

inline int worker_count(int requested, std::size_t jobs) {
    int n = requested > 0 ? requested : static_cast<int>(std::thread::hardware_concurrency());
    return std::max(1, std::min<int>(n, static_cast<int>(std::max<std::size_t>(jobs, 1))));
}

// Runs work(state, job) for every job of `order`, in that order of start, on
// `threads` threads (0: one per core). Each thread makes its state with
// make_state(), which returns a pointer-like owner. The first exception stops
// the others and is rethrown here. `progress`, if set, gets the fraction done.
template <class MakeState, class Work>
void run_parallel(const std::vector<std::size_t>& order, int threads, MakeState make_state, Work work,
                  const std::function<void(double)>& progress = {}) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex mutex;
    std::size_t done = 0;
    auto body = [&] {
        try {
            auto state = make_state();
            for (std::size_t i; !failed && (i = next++) < order.size();) {
                work(*state, order[i]);
                std::lock_guard lock(mutex);
                ++done;
                if (progress) progress(static_cast<double>(done) / static_cast<double>(order.size()));
            }
        } catch (...) {
            std::lock_guard lock(mutex);
            if (!error) error = std::current_exception();
            failed = true;
        }
    };
    const int n = worker_count(threads, order.size());
    std::vector<std::thread> pool;
    for (int t = 1; t < n; ++t) pool.emplace_back(body);
    body();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace zone::detail
