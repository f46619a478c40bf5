#include "zone/serve/staff_token.hpp"

#include "zone/core/error.hpp"

#include <algorithm>
#include <fstream>

namespace zone::serve {

std::string read_staff_token(const std::string& path) {
    const Where where{path, {}, {}, {}};
    std::ifstream in(path);
    if (!in) throw InputError(where, "cannot read the staff token file");
    std::string line;
    std::getline(in, line);
    const auto b = line.find_first_not_of(" \t\r");
    const auto e = line.find_last_not_of(" \t\r");
    const std::string token = b == std::string::npos ? std::string() : line.substr(b, e - b + 1);
    if (token.size() < 16)
        throw InputError(where, "the staff token (the file's first line) is shorter than 16 characters; make one with "
                                "e.g. `head -c 24 /dev/urandom | base64`");
    return token;
}

bool equal_in_constant_time(const std::string& a, const std::string& b) {
    // Every byte of the longer one is looked at; a difference in length counts as a difference.
    const std::size_t n = std::max(a.size(), b.size());
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < n; ++i) {
        const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
        const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
        diff |= x ^ y;
    }
    return diff == 0;
}

}  // namespace zone::serve
