// When an indicator of a unit counts as declined: the threshold of a change,
// shared by zone-monitor (which flags) and zone-report (which reports).
#pragma once

#include <string>

namespace zone {

// A change smaller than the threshold is not a decline: noise of the sensor,
// of the season, of the classification. `none` counts every decline.
struct Threshold {
    enum class Kind { none, absolute, relative };
    Kind kind = Kind::none;
    double value = 0;  // absolute: in the indicator's units; relative: a fraction of |baseline|
    // "abs:0.05", "rel:0.1" or "rel:10%"; "" for none.
    std::string text() const;
};

// "abs:VALUE", "rel:VALUE", "rel:VALUE%" (VALUE ≥ 0), or "" / "none". Throws
// std::invalid_argument with what is wrong.
Threshold parse_threshold(const std::string& text);

// How much worse `current` is than `baseline` (negative: better).
inline double decline(double baseline, double current, bool higher_is_better) {
    return higher_is_better ? baseline - current : current - baseline;
}

// The decline is beyond the threshold (for none: any decline at all).
bool is_decline(double baseline, double current, bool higher_is_better, const Threshold& threshold);
// The improvement is beyond the threshold.
bool is_improvement(double baseline, double current, bool higher_is_better, const Threshold& threshold);

}  // namespace zone
