#include "zone/serve/rate_limit.hpp"

#include <algorithm>
#include <cmath>

namespace zone::serve {

int RateLimiter::take(const std::string& client, Clock::time_point now) {
    if (limit_.per_second <= 0) return 0;
    std::lock_guard lock(mutex_);
    auto it = buckets_.find(client);
    if (it == buckets_.end()) {
        if (buckets_.size() >= limit_.max_clients) forget_full(now);
        it = buckets_.emplace(client, Bucket{limit_.burst, now}).first;
    }
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min(limit_.burst, b.tokens + std::max(0.0, elapsed) * limit_.per_second);
    b.updated = now;
    if (b.tokens >= 1) {
        b.tokens -= 1;
        return 0;
    }
    return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / limit_.per_second)));
}

void RateLimiter::forget_full(Clock::time_point now) {
    const double refill_s = limit_.burst / limit_.per_second;
    for (auto it = buckets_.begin(); it != buckets_.end();) {
        const double idle = std::chrono::duration<double>(now - it->second.updated).count();
        if (it->second.tokens + idle * limit_.per_second >= limit_.burst || idle >= refill_s)
            it = buckets_.erase(it);
        else
            ++it;
    }
    if (buckets_.size() >= limit_.max_clients) buckets_.clear();
}

std::size_t RateLimiter::clients() const {
    std::lock_guard lock(mutex_);
    return buckets_.size();
}

}  // namespace zone::serve
