// Coordinates as people write them: decimal and DMS longitude/latitude,
// Gauss-Krüger with its zone prefix (zone/rules/project.hpp, coordinates).
#include "zone/rules/project.hpp"

#include "core/text_util.hpp"
#include "zone/core/area.hpp"
#include "zone/core/error.hpp"

#include <fmt/format.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

namespace zone {

namespace {

using detail::lower_ascii;
using detail::trim;

std::optional<double> number_of(const std::string& s) {
    const AttrValue v = AttrValue::of(s);
    return v.number;
}

// ---------------------------------------------------------------- coordinates

// Replaces every spelling of a degree, minute, second, separator and
// hemisphere by one ASCII form: d ' " , E W N S.
std::string normalise_dms(const std::string& in) {
    static const std::vector<std::pair<std::string, std::string>> replacements = {
        {"东经", "E"}, {"西经", "W"}, {"北纬", "N"}, {"南纬", "S"}, {"东", "E"}, {"西", "W"}, {"北", "N"}, {"南", "S"},
        {"°", "d"}, {"º", "d"}, {"˚", "d"}, {"度", "d"},
        {"′", "'"}, {"’", "'"}, {"‘", "'"}, {"分", "'"},
        {"″", "\""}, {"”", "\""}, {"“", "\""}, {"''", "\""}, {"秒", "\""},
        {"，", ","}, {"；", ";"}, {"：", ":"}, {"　", " "}, {"．", "."},
    };
    std::string s;
    for (std::size_t i = 0; i < in.size();) {
        bool replaced = false;
        for (const auto& [from, to] : replacements) {
            if (in.compare(i, from.size(), from) == 0) {
                s += to;
                i += from.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) s += in[i++];
    }
    // Letters after a number are unit markers (117d01m30s); others are hemispheres.
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        const bool after_number = i > 0 && (std::isdigit(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '.');
        if (after_number && (c == 'd' || c == 'D')) out += 'd';
        else if (after_number && (c == 'm' || c == 'M')) out += '\'';
        else if (after_number && c == 's') out += '"';
        else if (c == 'e' || c == 'w' || c == 'n' || c == 's') out += static_cast<char>(c - 'a' + 'A');
        else out += c;
    }
    return out;
}

struct Angle {
    double value = 0;
    char hemisphere = 0;  // E W N S, or 0
};

Angle parse_angle(std::string part, const std::string& whole) {
    auto fail = [&](const std::string& why) -> Angle {
        throw InputError("coordinate '" + whole + "': " + why);
    };
    part = trim(part);
    Angle a;
    auto is_hemi = [](char c) { return c == 'E' || c == 'W' || c == 'N' || c == 'S'; };
    if (!part.empty() && is_hemi(part.front())) {
        a.hemisphere = part.front();
        part = trim(part.substr(1));
    }
    if (!part.empty() && is_hemi(part.back())) {
        if (a.hemisphere) fail("two hemisphere letters on one number");
        a.hemisphere = part.back();
        part = trim(part.substr(0, part.size() - 1));
    }
    if (part.empty()) fail("a hemisphere letter without a number");
    bool negative = false;
    if (part.front() == '-' || part.front() == '+') {
        negative = part.front() == '-';
        part = trim(part.substr(1));
    }
    std::array<std::optional<double>, 3> dms;  // degrees, minutes, seconds
    std::array<std::string, 3> raw;
    const bool marked = part.find_first_of("d'\"") != std::string::npos;
    std::vector<std::string> numbers;
    if (marked) {
        int next = 0;  // the component an unmarked number would be
        std::string cur;
        auto flush = [&](int slot) {
            if (cur.empty()) fail("a unit mark without a number");
            if (slot < next || slot > 2 || dms[slot]) fail("degrees, minutes and seconds out of order");
            const auto v = number_of(cur);
            if (!v) fail("'" + cur + "' is not a number");
            dms[slot] = *v;
            raw[slot] = cur;
            next = slot + 1;
            cur.clear();
        };
        for (char c : part) {
            if (c == 'd') flush(0);
            else if (c == '\'') flush(1);
            else if (c == '"') flush(2);
            else if (c == ' ' || c == '\t') {
                if (!cur.empty()) flush(next);
            } else cur += c;
        }
        if (!cur.empty()) flush(next);  // 117°01'30 without the second mark
    } else {
        std::string cur;
        std::vector<std::string> parts;
        for (char c : part) {
            if (c == ':' || c == ' ' || c == '\t') {
                if (!cur.empty()) parts.push_back(cur);
                cur.clear();
            } else cur += c;
        }
        if (!cur.empty()) parts.push_back(cur);
        if (parts.empty() || parts.size() > 3) fail("expected degrees, minutes and seconds, or decimal degrees");
        for (std::size_t i = 0; i < parts.size(); ++i) {
            const auto v = number_of(parts[i]);
            if (!v) fail("'" + parts[i] + "' is not a number");
            dms[i] = *v;
            raw[i] = parts[i];
        }
    }
    if (!dms[0]) fail("no degrees");
    if (*dms[0] < 0) fail("a negative number inside a coordinate");
    if (dms[1] || dms[2]) {
        if (raw[0].find('.') != std::string::npos) fail("decimal degrees followed by minutes");
        if (dms[1] && (*dms[1] < 0 || *dms[1] >= 60)) fail(fmt::format("{} minutes: minutes run from 0 to 59", raw[1]));
        if (dms[2] && (*dms[2] < 0 || *dms[2] >= 60)) fail(fmt::format("{} seconds: seconds run from 0 to 59.999…", raw[2]));
        if (dms[1] && dms[2] && raw[1].find('.') != std::string::npos) fail("decimal minutes followed by seconds");
    }
    a.value = *dms[0] + dms[1].value_or(0) / 60 + dms[2].value_or(0) / 3600;
    if (negative) a.value = -a.value;
    if (a.hemisphere == 'W' || a.hemisphere == 'S') a.value = -a.value;
    return a;
}

std::vector<std::string> split_any(const std::string& s, const std::string& separators) {
    std::vector<std::string> parts;
    std::string cur;
    for (char c : s) {
        if (separators.find(c) != std::string::npos) {
            parts.push_back(cur);
            cur.clear();
        } else cur += c;
    }
    parts.push_back(cur);
    return parts;
}

}  // namespace

std::array<double, 2> parse_lonlat(const std::string& text) {
    const std::string s = trim(normalise_dms(text));
    if (s.empty()) throw InputError("coordinate: empty; give LON,LAT such as 117.025,36.65");
    std::vector<std::string> parts;
    if (s.find_first_of(",;") != std::string::npos) {
        parts = split_any(s, ",;");
    } else {
        std::vector<std::size_t> letters;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] == 'E' || s[i] == 'W' || s[i] == 'N' || s[i] == 'S') letters.push_back(i);
        if (letters.size() == 2) {
            // Prefix style (E117… N36…) splits before the second letter, suffix style after the first.
            const std::size_t cut = letters[0] == 0 ? letters[1] : letters[0] + 1;
            parts = {s.substr(0, cut), s.substr(cut)};
        } else {
            std::vector<std::string> words;
            for (const auto& w : split_any(s, " \t"))
                if (!w.empty()) words.push_back(w);
            if (words.size() % 2 == 0 && !words.empty() && words.size() <= 6) {
                const std::size_t half = words.size() / 2;
                std::string a, b;
                for (std::size_t i = 0; i < words.size(); ++i) (i < half ? a : b) += words[i] + " ";
                parts = {a, b};
            }
        }
    }
    if (parts.size() != 2)
        throw InputError("coordinate '" + text + "': expected a longitude and a latitude separated by a comma "
                                                 "(117.025,36.65 or 117°01'30\"E,36°39'00\"N)");
    Angle a = parse_angle(parts[0], text), b = parse_angle(parts[1], text);
    auto is_lat = [](char h) { return h == 'N' || h == 'S'; };
    auto is_lon = [](char h) { return h == 'E' || h == 'W'; };
    if ((a.hemisphere && b.hemisphere && is_lat(a.hemisphere) == is_lat(b.hemisphere)) ||
        (a.hemisphere && !b.hemisphere) || (!a.hemisphere && b.hemisphere))
        throw InputError("coordinate '" + text + "': give both hemispheres (E/W and N/S) or neither");
    if (is_lat(a.hemisphere) || is_lon(b.hemisphere)) std::swap(a, b);
    const double lon = a.value, lat = b.value;
    if (std::fabs(lat) > 90) {
        if (std::fabs(lon) <= 90 && std::fabs(lat) <= 180)
            throw InputError(fmt::format("coordinate '{}': latitude {} is beyond 90°; are longitude and latitude "
                                         "swapped? (--point takes LON,LAT)", text, lat));
        throw InputError(fmt::format("coordinate '{}': latitude {} is beyond 90°", text, lat));
    }
    if (std::fabs(lon) > 180) throw InputError(fmt::format("coordinate '{}': longitude {} is beyond 180°", text, lon));
    return {lon, lat};
}

GaussKruger parse_gauss_kruger(const std::string& text, std::optional<int> zone, std::optional<int> cm) {
    auto fail = [&](const std::string& why) -> GaussKruger {
        throw InputError("Gauss-Krüger coordinate '" + text + "': " + why);
    };
    // Labels as forms write them (X=…, Y=…) go; the sizes tell which is which.
    std::string s;
    for (const char c : normalise_dms(text)) s += (c == 'X' || c == 'x' || c == 'Y' || c == 'y' || c == '=' || c == ':') ? ' ' : c;
    std::vector<std::string> parts = split_any(trim(s), ",;");
    if (parts.size() == 1) {
        parts.clear();
        for (const auto& w : split_any(trim(s), " \t"))
            if (!w.empty()) parts.push_back(w);
    }
    if (parts.size() != 2) fail("expected two numbers, easting and northing, separated by a comma");
    std::array<double, 2> v{};
    for (int i = 0; i < 2; ++i) {
        const auto n = number_of(trim(parts[i]));
        if (!n || *n <= 0) fail("'" + trim(parts[i]) + "' is not a positive number");
        v[i] = *n;
    }
    // An easting with its zone prefix has 8 digits before the point; a
    // northing in China 7 (2,000-6,000 km); an easting without prefix 6.
    auto prefixed = [](double x) { return x >= 1e7 && x < 1e8; };
    GaussKruger g;
    int easting_at = -1;
    if (prefixed(v[0]) != prefixed(v[1])) {
        easting_at = prefixed(v[0]) ? 0 : 1;
        const int prefix = static_cast<int>(std::floor(v[easting_at] / 1e6));
        // From the digits after the prefix: subtracting would leave a rounding error in the last place.
        g.easting = *number_of(trim(parts[easting_at]).substr(2));
        if (prefix >= 25 && prefix <= 45) {
            g.central_meridian = 3 * prefix;
        } else if (prefix >= 13 && prefix <= 23) {
            g.central_meridian = 6 * prefix - 3;
            g.six_degree = true;
        } else {
            fail(fmt::format("zone prefix {} is neither a 3-degree zone (25-45) nor a 6-degree zone (13-23) of China",
                             prefix));
        }
        if (zone || cm) {
            const int other = cm ? *cm : (*zone >= 25 ? 3 * *zone : 6 * *zone - 3);
            if (other != g.central_meridian)
                fail(fmt::format("the zone prefix {} says central meridian {}°E, but the zone given says {}°E", prefix,
                                 g.central_meridian, other));
        }
    } else if (!prefixed(v[0]) && !prefixed(v[1])) {
        if ((v[0] < 1e6) == (v[1] < 1e6)) fail("cannot tell the easting from the northing");
        easting_at = v[0] < 1e6 ? 0 : 1;
        g.easting = v[easting_at];
        if (cm) {
            if (*cm % 3 != 0 || *cm < 75 || *cm > 135)
                fail(fmt::format("central meridian {} is not one of a CGCS2000 zone of China (75-135, a multiple of 3)", *cm));
            g.central_meridian = *cm;
        } else if (zone) {
            if (*zone >= 25 && *zone <= 45) g.central_meridian = 3 * *zone;
            else if (*zone >= 13 && *zone <= 23) g.central_meridian = 6 * *zone - 3, g.six_degree = true;
            else fail(fmt::format("zone {} is neither a 3-degree zone (25-45) nor a 6-degree zone (13-23) of China", *zone));
        } else {
            fail(fmt::format("the easting {} has no zone prefix, so the zone is unknown: give it with --zone "
                             "(3-degree zone number, 39 for 117°E) or --cm (central meridian, 117), or write the "
                             "easting with its prefix (39{})",
                             parts[easting_at].empty() ? "" : trim(parts[easting_at]), trim(parts[easting_at])));
        }
    } else {
        fail("both numbers look like eastings with a zone prefix");
    }
    g.northing = v[1 - easting_at];
    if (g.northing < 1e6 || g.northing > 1e7) fail(fmt::format("northing {} is not one of China (1,000-10,000 km)", g.northing));
    if (std::fabs(g.easting - 500000) > 400000)
        fail(fmt::format("easting {} is more than 400 km from the central meridian", g.easting));
    g.epsg = gk_epsg(g.central_meridian);  // the same projection serves the 6-degree zone of that meridian
    return g;
}

}  // namespace zone
