// Thresholds of indicator changes.
#include "zone/monitor/indicator.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace zone {

namespace {

double limit(const Threshold& t, double baseline) {
    switch (t.kind) {
        case Threshold::Kind::none: return 0;
        case Threshold::Kind::absolute: return t.value;
        case Threshold::Kind::relative: return t.value * std::fabs(baseline);
    }
    return 0;
}

}  // namespace

std::string Threshold::text() const {
    switch (kind) {
        case Kind::none: return {};
        case Kind::absolute: return fmt::format("abs:{:g}", value);
        case Kind::relative: return fmt::format("rel:{:g}", value);
    }
    return {};
}

Threshold parse_threshold(const std::string& text) {
    Threshold t;
    if (text.empty() || text == "none") return t;
    const auto colon = text.find(':');
    const std::string kind = text.substr(0, colon);
    if (colon == std::string::npos || (kind != "abs" && kind != "rel"))
        throw std::invalid_argument("threshold '" + text + "' is not abs:VALUE or rel:VALUE (e.g. abs:0.05, rel:10%)");
    std::string number = text.substr(colon + 1);
    const bool percent = !number.empty() && number.back() == '%';
    if (percent) number.pop_back();
    char* end = nullptr;
    double v = number.empty() ? NAN : std::strtod(number.c_str(), &end);
    if (number.empty() || *end != '\0' || !std::isfinite(v) || v < 0)
        throw std::invalid_argument("threshold '" + text + "': '" + number + "' is not a number ≥ 0");
    if (percent && kind == "abs") throw std::invalid_argument("threshold '" + text + "': a percentage is relative (rel:)");
    t.kind = kind == "abs" ? Threshold::Kind::absolute : Threshold::Kind::relative;
    t.value = percent ? v / 100 : v;
    return t;
}

bool is_decline(double baseline, double current, bool higher_is_better, const Threshold& threshold) {
    return decline(baseline, current, higher_is_better) > limit(threshold, baseline);
}

bool is_improvement(double baseline, double current, bool higher_is_better, const Threshold& threshold) {
    return -decline(baseline, current, higher_is_better) > limit(threshold, baseline);
}

}  // namespace zone
