// Small text operations on ASCII and UTF-8 that libzone's parsers share.
#pragma once

#include <filesystem>
#include <string>

namespace zone::detail {

// Without leading and trailing blanks (space, tab, CR, LF).
inline std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// ASCII letters in lower case; other bytes (UTF-8 included) as they are.
inline std::string lower_ascii(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// A path's extension with its dot, in lower case: "units.GPKG" → ".gpkg".
inline std::string lower_extension(const std::string& path) {
    return lower_ascii(std::filesystem::path(path).extension().string());
}

}  // namespace zone::detail
