#include "zone/core/error.hpp"

namespace zone {

std::string describe(const Where& w, const std::string& problem) {
    std::string s;
    auto part = [&s](const std::string& text) {
        if (!s.empty()) s += ": ";
        s += text;
    };
    if (!w.file.empty()) part(w.file);
    if (!w.layer.empty()) part("layer '" + w.layer + "'");
    if (w.fid) part("feature " + std::to_string(*w.fid));
    if (!w.field.empty()) part("field '" + w.field + "'");
    part(problem);
    return s;
}

InputError::InputError(Where where, const std::string& problem)
    : std::runtime_error(describe(where, problem)), where_(std::move(where)), problem_(problem) {}

}  // namespace zone
