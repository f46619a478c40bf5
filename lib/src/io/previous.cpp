#include "zone/io/previous.hpp"

#include "zone/build/coding.hpp"

#include <algorithm>
#include <sstream>

namespace zone {

std::string format_max_serials(const std::map<std::pair<std::string, int>, int>& marks) {
    std::string out;
    for (const auto& [key, serial] : marks) {
        if (!out.empty()) out += ';';
        out += key.first + ':' + std::to_string(key.second) + ':' + std::to_string(serial);
    }
    return out;
}

std::map<std::pair<std::string, int>, int> parse_max_serials(const std::string& text) {
    std::map<std::pair<std::string, int>, int> marks;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ';')) {
        const auto a = item.find(':'), b = item.rfind(':');
        if (a == std::string::npos || b == a) continue;
        const std::string county = item.substr(0, a);
        try {
            const int category = std::stoi(item.substr(a + 1, b - a - 1));
            const int serial = std::stoi(item.substr(b + 1));
            if (is_county_code(county) && category >= 1 && category <= 3 && serial > 0)
                marks[{county, category}] = std::max(marks[{county, category}], serial);
        } catch (const std::exception&) {
            // A damaged mark is ignored: the codes themselves still count.
        }
    }
    return marks;
}

}  // namespace zone
