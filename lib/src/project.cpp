#include "zone/project.hpp"

#include "gdal_util.hpp"
#include "text_util.hpp"
#include "parallel.hpp"
#include "zone/area.hpp"
#include "zone/boundary.hpp"
#include "zone/coding.hpp"
#include "zone/error.hpp"
#include "zone/geos.hpp"
#include "zone/reproject.hpp"
#include "zone/source.hpp"
#include "zone/unit_map.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

namespace fs = std::filesystem;

namespace zone {

const char* to_string(Verdict v) {
    switch (v) {
        case Verdict::nonconforming: return "nonconforming";
        case Verdict::incomplete: return "incomplete";
        case Verdict::conditional: return "conditional";
        case Verdict::conforming: return "conforming";
        case Verdict::outside: return "outside";
    }
    return "?";
}

const char* chinese_name(Verdict v) {
    switch (v) {
        case Verdict::nonconforming: return "不符合";
        case Verdict::incomplete: return "无法判定";
        case Verdict::conditional: return "有条件符合";
        case Verdict::conforming: return "符合";
        case Verdict::outside: return "不在单元图范围内";
    }
    return "?";
}

namespace {

using detail::last_gdal_error;
using detail::lower_ascii;
using detail::trim;
using detail::utf8_or_gbk;

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

// ---------------------------------------------------------------- attributes

void check_attribute(const std::string& name, AttrValue& value) {
    if (name == kIndustry) {
        std::string code = value.text;
        const std::string problem = normalise_industry(code);
        if (!problem.empty()) throw std::invalid_argument("industry " + problem);
        value = AttrValue::of(code);
        value.number.reset();
    } else if (name == kNature) {
        const auto& natures = project_natures();
        value.text = trim(value.text);
        if (value.text == "技改") value.text = "技术改造";
        if (std::find(natures.begin(), natures.end(), value.text) == natures.end())
            throw std::invalid_argument("nature '" + value.text + "' is not one of 新建, 改建, 扩建, 技术改造");
    }
}

void add_given_attribute(Attributes& attrs, const std::string& given_name, const std::string& value,
                         const std::string& origin) {
    const std::string name = lower_ascii(given_name);
    const bool good_name = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                           std::all_of(name.begin(), name.end(), [](char c) {
                               return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                                      static_cast<unsigned char>(c) >= 0x80;
                           });
    if (!good_name)
        throw InputError(origin + ": '" + given_name + "' is not an attribute name (letters, digits and _, such as vocs_t)");
    AttrValue v = AttrValue::of(value);
    if (v.text.empty()) throw InputError(origin + ": no value for " + name);
    try {
        check_attribute(name, v);
    } catch (const std::invalid_argument& e) {
        throw InputError(origin + ": " + e.what());
    }
    if (attrs.count(name)) throw InputError(origin + ": " + name + " is given twice");
    attrs[name] = v;
}

namespace {

// The attribute a field gives: its name in lower case; the usual Chinese and
// pinyin names of the industry code and the nature map to those attributes.
std::string attribute_for_field(const std::string& field) {
    const std::string low = lower_ascii(trim(field));
    if (low == "industry" || low == "hydm" || low == "行业代码" || low == "国民经济行业代码" || low == "行业类别代码")
        return kIndustry;
    if (low == "nature" || low == "jsxz" || low == "建设性质" || low == "项目性质") return kNature;
    return low;
}

// The attributes of one feature. Numbers stay numbers; text that reads as a
// number counts as one too (CSV fields are all text).
Attributes feature_attributes(OGRFeature& f, const Where& where, const std::string& skip_field) {
    Attributes attrs;
    OGRFeatureDefn* defn = f.GetDefnRef();
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
        OGRFieldDefn* fd = defn->GetFieldDefn(i);
        if (!f.IsFieldSetAndNotNull(i) || skip_field == fd->GetNameRef()) continue;
        const std::string name = attribute_for_field(fd->GetNameRef());
        AttrValue v;
        if (fd->GetType() == OFTInteger || fd->GetType() == OFTInteger64 || fd->GetType() == OFTReal) {
            v = AttrValue::of(f.GetFieldAsDouble(i));
            v.text = f.GetFieldAsString(i);
        } else {
            bool ok = true;
            v = AttrValue::of(utf8_or_gbk(f.GetFieldAsString(i), &ok));
            if (!ok) {
                Where w = where;
                w.field = fd->GetNameRef();
                throw InputError(w, "text is neither UTF-8 nor GBK");
            }
        }
        if (v.text.empty()) continue;
        try {
            check_attribute(name, v);
        } catch (const std::invalid_argument& e) {
            Where w = where;
            w.field = fd->GetNameRef();
            throw InputError(w, e.what());
        }
        attrs[name] = v;
    }
    return attrs;
}

// ---------------------------------------------------------------- GEOS helpers

std::vector<unsigned char> ogr_wkb(const OGRGeometry& g) {
    std::vector<unsigned char> out(g.WkbSize());
    g.exportToWkb(wkbNDR, out.data(), wkbVariantIso);
    return out;
}

std::string display_lonlat(double lon, double lat) {
    return fmt::format("{:.6f}{} {:.6f}{}", std::fabs(lon), lon < 0 ? "W" : "E", std::fabs(lat), lat < 0 ? "S" : "N");
}

// What a thread needs: its GEOS context, an area calculator, and the unit
// geometries it has prepared (prepared geometries build their indexes lazily
// and are not shared between threads).
struct Worker {
    geos::Context ctx;
    AreaCalculator area;
    std::vector<geos::PreparedPtr> prepared;
    Worker(const std::string& crs, std::size_t units) : area(crs, AreaMethod::gauss_kruger), prepared(units) {}
};

int severity(Effect e) {
    switch (e) {
        case Effect::prohibit: return 2;
        case Effect::restrict:
        case Effect::require: return 1;
        case Effect::info: return 0;
    }
    return 0;
}

Verdict verdict_of_severity(int s) {
    return s == 2 ? Verdict::nonconforming : s == 1 ? Verdict::conditional : Verdict::conforming;
}

}  // namespace

Verdict decide_verdict(const std::vector<RuleHit>& hits, const std::vector<RuleHit>& undecided,
                       std::vector<std::string>* missing) {
    // The verdict when every undecided rule turns out not to apply, and when
    // every one does: if they agree, the missing attributes do not matter.
    int best = 0;
    for (const auto& h : hits) best = std::max(best, severity(h.effect));
    int worst = best;
    for (const auto& u : undecided) worst = std::max(worst, severity(u.effect));
    if (missing) missing->clear();
    if (best == worst) return verdict_of_severity(best);
    if (missing) {
        std::set<std::string> names;
        for (const auto& u : undecided)
            if (severity(u.effect) > best) names.insert(u.missing.begin(), u.missing.end());
        missing->assign(names.begin(), names.end());
    }
    return Verdict::incomplete;
}

// ---------------------------------------------------------------- the checker

struct ProjectChecker::Impl {
    AccessList list;
    ProjectMapOptions options;
    geos::Context ctx;  // owns the unit geometries and the tree
    PolygonLayer layer;
    std::vector<TouchedUnit> units;  // overlap_m2 unused here
    geos::TreePtr tree;
    std::string area_method;
    std::vector<std::string> warnings;
    bool know_circles = false;
    std::vector<std::size_t> rule_order;  // rules by level, then file order
    // Workers of check(), one per concurrent caller (a server checks from
    // many threads); a worker keeps the unit geometries it prepared.
    std::vector<std::unique_ptr<Worker>> idle_workers;
    std::mutex idle_mutex;
    std::unique_ptr<Worker> take_worker();
    void give_back(std::unique_ptr<Worker> w);
    // A worker for the length of one check(), given back however it ends
    // (a worker keeps nothing of a check but the geometries it prepared).
    struct WorkerLease {
        Impl& impl;
        std::unique_ptr<Worker> worker;
        explicit WorkerLease(Impl& i) : impl(i), worker(i.take_worker()) {}
        ~WorkerLease() { impl.give_back(std::move(worker)); }
    };

    void load_units();
    std::map<std::string, BoundaryCounty> load_boundary(bool& has_circle);
    void resolve_places();
    void check_scopes();

    // Null when the footprint's CRS is the map's or PROJ's operation leaves coordinates unchanged.
    std::unique_ptr<Reprojection> transform_from(const OGRSpatialReference& srs) const;
    Footprint finish_footprint(std::unique_ptr<OGRGeometry> g, const OGRSpatialReference& srs, std::string description) const;

    // The units a footprint touches, in code order; with `areas`, their
    // overlap areas, the footprint's area and a point of it in degrees.
    std::vector<TouchedUnit> touch(Worker& w, const GEOSGeometry* footprint, bool areas, double* footprint_m2 = nullptr,
                                   std::array<double, 2>* lonlat = nullptr) const;
    // Rules hit and undecided for the touched units.
    void apply_rules(const std::vector<TouchedUnit>& touched, const Attributes& attrs, std::vector<RuleHit>& hits,
                     std::vector<RuleHit>& undecided) const;
};

void ProjectChecker::Impl::load_units() {
    UnitPolygons read = read_unit_polygons(ctx, options.units, options.encoding, {"HJZHGKDYBM", "ZHGKDYFL"});
    layer = std::move(read.layer);
    const SourceRef ref = parse_source(options.units);
    tree = geos::TreePtr(GEOSSTRtree_create_r(ctx, 10), geos::TreeDeleter{ctx.handle()});
    for (std::size_t i = 0; i < layer.features.size(); ++i) {
        const PolygonFeature& f = layer.features[i];
        const Where w{ref.path, layer.layer_name, f.fid, {}};
        TouchedUnit u;
        u.fid = f.fid;
        u.code = read.value(f, "HJZHGKDYBM");
        if (u.code.empty()) {
            Where fw = w;
            fw.field = "HJZHGKDYBM";
            throw InputError(fw, "the unit has no code; check the map with zone-check map first");
        }
        const std::string category = read.value(f, "ZHGKDYFL");
        if (category != "1" && category != "2" && category != "3") {
            Where fw = w;
            fw.field = "ZHGKDYFL";
            throw InputError(fw, "category '" + category + "' is not 1, 2 or 3; check the map with zone-check map first");
        }
        u.category = category[0] - '0';
        u.name = read.value(f, "HJZHGKDYMC");
        u.county_code = read.value(f, "XZQDM");
        if (u.county_code.empty())
            if (const auto code = UnitCode::parse(u.code)) u.county_code = code->county();
        u.county = read.value(f, "AREA");
        u.city = read.value(f, "CITY");
        for (std::size_t d = 0; d < 4; ++d) u.texts[d] = read.value(f, kDimensionFields[d]);
        units.push_back(std::move(u));
        GEOSSTRtree_insert_r(ctx, tree.get(), f.geom.get(), reinterpret_cast<void*>(i + 1));
    }
    // The tree is built on its first query; build it now, before threads share it.
    geos::GeomPtr probe = geos::own(ctx, GEOSGeom_createPointFromXY_r(ctx, 0, 0), "point");
    GEOSSTRtree_query_r(ctx, tree.get(), probe.get(), [](void*, void*) {}, nullptr);
    AreaCalculator calc(layer.crs_wkt, AreaMethod::gauss_kruger);
    area_method = "planar, CGCS2000 3-degree Gauss-Kruger zone of the footprint (EPSG:4534-4554)";
}

std::map<std::string, BoundaryCounty> ProjectChecker::Impl::load_boundary(bool& has_circle) {
    std::map<std::string, BoundaryCounty> out;
    has_circle = false;
    if (options.boundary.empty()) return out;
    // Places only: which city and circle each county is in.
    BoundaryOptions read;
    read.geometry = false;
    read.encoding = options.encoding;
    Boundary boundary = read_boundary(ctx, options.boundary, read);
    has_circle = !boundary.fields.circle.empty();
    for (BoundaryCounty& c : boundary.counties) out[c.code] = std::move(c);
    return out;
}

void ProjectChecker::Impl::resolve_places() {
    bool has_circle = false;
    const auto counties = load_boundary(has_circle);
    know_circles = has_circle;
    int unknown_counties = 0;
    std::string first_unknown;
    for (auto& u : units) {
        const auto it = counties.find(u.county_code);
        if (it != counties.end()) {
            if (!it->second.city_code.empty()) u.city_code = it->second.city_code;
            if (!it->second.city.empty()) u.city = it->second.city;
            u.circle = it->second.circle;
        } else if (!options.boundary.empty()) {
            if (!unknown_counties++) first_unknown = u.code + " (county " + u.county_code + ")";
        }
        // GB/T 2260: a county's first four digits are its city's.
        if (u.city_code.empty() && is_county_code(u.county_code)) u.city_code = city_code_of(u.county_code);
    }
    if (unknown_counties)
        warnings.push_back(fmt::format("{} unit(s) lie in counties that the boundary does not have, first {}: their "
                                       "city comes from the county code and CITY, their circle is unknown",
                                       unknown_counties, first_unknown));
}

void ProjectChecker::Impl::check_scopes() {
    std::set<std::string> provinces, circles, city_codes, cities, codes, counties;
    for (const auto& u : units) {
        if (u.county_code.size() == 6) provinces.insert(province_code_of(u.county_code));
        if (!u.circle.empty()) circles.insert(u.circle);
        city_codes.insert(u.city_code);
        cities.insert(u.city);
        codes.insert(u.code);
        counties.insert(u.county_code);
    }
    std::vector<std::string> circle_rules;
    for (const Rule& r : list.rules) {
        switch (r.level) {
            case Level::province:
                if (!provinces.count(r.scope))
                    warnings.push_back(fmt::format("rule {} (line {}): province {} has no unit in the map", r.id, r.line, r.scope));
                break;
            case Level::circle:
                circle_rules.push_back(r.id);
                if (know_circles && !circles.count(r.scope)) {
                    std::string known;
                    for (const auto& c : circles) known += (known.empty() ? "" : ", ") + c;
                    warnings.push_back(fmt::format("rule {} (line {}): no unit of the map is in circle '{}' (the "
                                                   "boundary's circles: {})",
                                                   r.id, r.line, r.scope, known));
                }
                break;
            case Level::city:
                if (!(city_codes.count(r.scope) || cities.count(r.scope)))
                    warnings.push_back(fmt::format("rule {} (line {}): no unit of the map is in city {}", r.id, r.line, r.scope));
                break;
            case Level::unit:
                if (!(codes.count(r.scope) || counties.count(r.scope)))
                    warnings.push_back(fmt::format("rule {} (line {}): {} {} is not in the map (a code changed by an "
                                                   "update?)",
                                                   r.id, r.line, is_valid_unit_code(r.scope) ? "unit" : "county", r.scope));
                break;
        }
    }
    if (!circle_rules.empty() && !know_circles) {
        std::string ids;
        for (const auto& id : circle_rules) ids += (ids.empty() ? "" : ", ") + id;
        warnings.push_back("the list has circle-level rules (" + ids + ") but " +
                           (options.boundary.empty() ? std::string("no --boundary")
                                                     : "the boundary has no circle field") +
                           " tells which circle a unit is in: they stay undecided (give a boundary with a circle field)");
    }
    rule_order.resize(list.rules.size());
    for (std::size_t i = 0; i < rule_order.size(); ++i) rule_order[i] = i;
    std::stable_sort(rule_order.begin(), rule_order.end(),
                     [&](std::size_t a, std::size_t b) { return list.rules[a].level < list.rules[b].level; });
}

ProjectChecker::ProjectChecker(AccessList list, const ProjectMapOptions& options) : impl_(std::make_unique<Impl>()) {
    impl_->list = std::move(list);
    impl_->options = options;
    impl_->load_units();
    impl_->resolve_places();
    impl_->check_scopes();
}

ProjectChecker::~ProjectChecker() = default;

const AccessList& ProjectChecker::list() const { return impl_->list; }
const std::string& ProjectChecker::crs_wkt() const { return impl_->layer.crs_wkt; }
std::size_t ProjectChecker::unit_count() const { return impl_->units.size(); }
const std::vector<std::string>& ProjectChecker::warnings() const { return impl_->warnings; }
const std::string& ProjectChecker::area_method() const { return impl_->area_method; }

// ---------------------------------------------------------------- footprints

std::unique_ptr<Reprojection> ProjectChecker::Impl::transform_from(const OGRSpatialReference& srs) const {
    OGRSpatialReference target;
    target.importFromWkt(layer.crs_wkt.c_str());
    std::unique_ptr<Reprojection> t;
    try {
        t = std::make_unique<Reprojection>(srs, target);
    } catch (const std::runtime_error& e) {
        throw InputError(std::string("cannot transform the footprint's CRS to the unit map's: ") + e.what());
    }
    if (t->is_identity()) t.reset();
    return t;
}

Footprint ProjectChecker::Impl::finish_footprint(std::unique_ptr<OGRGeometry> g, const OGRSpatialReference& srs,
                                                  std::string description) const {
    detail::QuietGdal quiet;
    if (!g || g->IsEmpty()) throw InputError("the footprint is empty");
    if (g->Is3D() || g->IsMeasured()) g->flattenTo2D();
    if (g->hasCurveGeometry()) g.reset(g->getLinearGeometry());
    // Finite, and longitude/latitude where the CRS is geographic: a
    // coordinate of 1e21 degrees would otherwise reach GEOS's overlay and
    // fail there without a word to the user (found by fuzzing).
    auto check_coordinates = [&](const OGRSpatialReference& crs, const char* where) {
        OGREnvelope env;
        g->getEnvelope(&env);
        if (!std::isfinite(env.MinX) || !std::isfinite(env.MaxX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxY))
            throw InputError(std::string("the footprint has coordinates that are not finite numbers") + where);
        if (crs.IsGeographic() && !(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
            throw InputError(fmt::format("the footprint's coordinates are not longitude/latitude{}: they reach "
                                         "x {:.6g}..{:.6g}, y {:.6g}..{:.6g}",
                                         where, env.MinX, env.MaxX, env.MinY, env.MaxY));
    };
    check_coordinates(srs, "");
    // Straight edges stay where they were drawn, within the tolerance (zone/reproject.hpp).
    if (auto t = transform_from(srs)) {
        if (!t->apply(*g)) throw InputError("cannot transform the footprint to the unit map's CRS: " + last_gdal_error());
        OGRSpatialReference target;
        target.importFromWkt(layer.crs_wkt.c_str());
        check_coordinates(target, " once transformed to the unit map's CRS");
    }
    Footprint fp;
    fp.description = std::move(description);
    geos::Context ctx;  // the caller's own: footprints are made on many threads at once
    geos::GeomPtr geom(g->exportToGEOS(ctx.handle()), geos::GeomDeleter{ctx.handle()});
    if (!geom) throw InputError("GEOS cannot take the footprint: " + ctx.last_error());
    if (GEOSisValid_r(ctx, geom.get()) != 1) {
        char* reason = GEOSisValidReason_r(ctx, geom.get());
        const std::string why = reason ? reason : "invalid";
        GEOSFree_r(ctx, reason);
        GEOSGeometry* fixed = GEOSMakeValid_r(ctx, geom.get());
        if (!fixed) throw InputError("the footprint is invalid (" + why + ") and GEOS cannot repair it");
        geom = geos::own(ctx, fixed);
        fp.description += " (repaired: " + why + ")";
    }
    if (GEOSGeomTypeId_r(ctx, geom.get()) == GEOS_GEOMETRYCOLLECTION) {
        // Several features: their union, so that land two of them cover counts once.
        geom = geos::own(ctx, GEOSUnaryUnion_r(ctx, geom.get()), "uniting the footprint's features");
    }
    fp.wkb = geos::to_wkb(ctx, geom.get());
    return fp;
}

Footprint ProjectChecker::footprint_from_lonlat(double lon, double lat) const {
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    return impl_->finish_footprint(std::make_unique<OGRPoint>(lon, lat), srs, "point " + display_lonlat(lon, lat) + " (CGCS2000)");
}

Footprint ProjectChecker::footprint_from_gauss_kruger(const GaussKruger& gk) const {
    OGRSpatialReference srs;
    if (srs.importFromEPSG(gk.epsg) != OGRERR_NONE) throw InputError(fmt::format("PROJ does not know EPSG:{}", gk.epsg));
    return impl_->finish_footprint(std::make_unique<OGRPoint>(gk.easting, gk.northing), srs,
                                   fmt::format("point E {:.2f} N {:.2f}, CGCS2000 Gauss-Krüger {} zone CM {}°E (EPSG:{})",
                                               gk.easting, gk.northing, gk.six_degree ? "6-degree" : "3-degree",
                                               gk.central_meridian, gk.epsg));
}

Footprint ProjectChecker::footprint_from_wkt(const std::string& wkt, const std::string& crs) const {
    OGRSpatialReference srs;
    if (srs.SetFromUserInput(crs.c_str()) != OGRERR_NONE) throw InputError("--crs: GDAL does not understand '" + crs + "'");
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g) != OGRERR_NONE || !g)
        throw InputError("--wkt: not a WKT geometry: '" + wkt.substr(0, 80) + (wkt.size() > 80 ? "…" : "") + "'");
    std::unique_ptr<OGRGeometry> owned(g);
    const std::string type = OGRGeometryTypeToName(g->getGeometryType());
    return impl_->finish_footprint(std::move(owned), srs, lower_ascii(type) + " from --wkt (" + crs + ")");
}

Footprint ProjectChecker::footprint_from_geojson(const std::string& geometry) const {
    detail::QuietGdal quiet;
    CPLErrorReset();
    std::unique_ptr<OGRGeometry> g(OGRGeometryFactory::createFromGeoJson(geometry.c_str()));
    if (!g) throw InputError("not a GeoJSON geometry: " + last_gdal_error());
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    const std::string type = OGRGeometryTypeToName(g->getGeometryType());
    return impl_->finish_footprint(std::move(g), srs, lower_ascii(type) + " from GeoJSON (CGCS2000)");
}

Footprint ProjectChecker::footprint_from_source(const std::string& spec) const {
    OpenLayerOptions open;
    open.default_layer.clear();  // a footprint's layer is named when there are several
    const VectorLayer source = open_vector_layer(parse_source(spec), open);
    detail::QuietGdal quiet;
    OGRLayer* l = source.layer;
    const Where& where = source.where;
    OGRSpatialReference srs;
    if (const OGRSpatialReference* s = l->GetSpatialRef(); s && !s->IsEmpty()) srs = *s;
    auto collection = std::make_unique<OGRGeometryCollection>();
    Footprint out;
    std::map<std::string, std::pair<AttrValue, std::int64_t>> seen;
    int n = 0;
    for (auto& f : *l) {
        Where w = where;
        w.fid = f->GetFID();
        const OGRGeometry* g = f->GetGeometryRef();
        if (!g || g->IsEmpty()) throw InputError(w, "the feature has no geometry");
        collection->addGeometry(g);
        for (auto& [name, value] : feature_attributes(*f, w, "")) {
            auto [it, inserted] = seen.emplace(name, std::make_pair(value, f->GetFID()));
            if (!inserted && it->second.first.text != value.text)
                throw InputError(w, fmt::format("attribute {} is '{}' here but '{}' in feature {}: give the project's "
                                                "value with --industry, --nature or --attr",
                                                name, value.text, it->second.first.text, it->second.second));
        }
        ++n;
    }
    if (n == 0) throw InputError(where, "the layer has no features");
    if (srs.IsEmpty()) {
        OGREnvelope env;
        collection->getEnvelope(&env);
        if (!(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
            throw InputError(where, "no coordinate reference system, and the coordinates are not longitude/latitude");
        srs.importFromEPSG(4490);  // a CSV or a Shapefile without .prj in degrees
    }
    std::unique_ptr<OGRGeometry> geom;
    if (n == 1) geom.reset(collection->getGeometryRef(0)->clone());
    else geom = std::move(collection);  // united in finish_footprint
    const std::string description =
        fmt::format("{} from {} ({} feature{})", lower_ascii(OGRGeometryTypeToName(geom->getGeometryType())), spec, n,
                    n == 1 ? "" : "s");
    Footprint fp = impl_->finish_footprint(std::move(geom), srs, description);
    for (auto& [name, v] : seen) fp.attributes[name] = v.first;
    return fp;
}

std::size_t vertex_count(const Footprint& footprint) {
    geos::Context ctx;
    geos::GeomPtr g = geos::from_wkb(ctx, footprint.wkb);
    const int n = GEOSGetNumCoordinates_r(ctx, g.get());
    return n < 0 ? 0 : static_cast<std::size_t>(n);
}

std::string ProjectChecker::unit_outline_geojson(std::int64_t fid, double tolerance_m) const {
    std::size_t i = 0;
    while (i < impl_->units.size() && impl_->units[i].fid != fid) ++i;
    if (i == impl_->units.size()) return {};
    detail::QuietGdal quiet;
    OGRSpatialReference map_srs;
    map_srs.importFromWkt(impl_->layer.crs_wkt.c_str());
    map_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    // Degrees of latitude are 111 km everywhere; of longitude less, so this is finer than asked there.
    const double tolerance = map_srs.IsGeographic() ? tolerance_m / 111320.0 : tolerance_m;
    geos::Context ctx;
    geos::GeomPtr simple = geos::own(
        ctx, GEOSTopologyPreserveSimplify_r(ctx, impl_->layer.features[i].geom.get(), tolerance), "simplify");
    const std::vector<unsigned char> wkb = geos::to_wkb(ctx, simple.get());
    OGRGeometry* raw = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &raw, wkb.size()) != OGRERR_NONE || !raw) return {};
    std::unique_ptr<OGRGeometry> g(raw);
    OGRSpatialReference cgcs2000;
    cgcs2000.importFromEPSG(4490);
    cgcs2000.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!map_srs.IsSame(&cgcs2000)) {
        std::unique_ptr<OGRCoordinateTransformation> t(OGRCreateCoordinateTransformation(&map_srs, &cgcs2000));
        if (!t || g->transform(t.get()) != OGRERR_NONE) return {};
    }
    CPLStringList options;
    options.SetNameValue("COORDINATE_PRECISION", "6");
    char* json = OGR_G_ExportToJsonEx(OGRGeometry::ToHandle(g.get()), options.List());
    std::string out = json ? json : "";
    CPLFree(json);
    return out;
}

// ---------------------------------------------------------------- the analysis

std::vector<TouchedUnit> ProjectChecker::Impl::touch(Worker& w, const GEOSGeometry* footprint, bool areas,
                                                     double* footprint_m2, std::array<double, 2>* lonlat) const {
    std::vector<std::size_t> candidates;
    GEOSSTRtree_query_r(
        w.ctx, tree.get(), footprint,
        [](void* item, void* data) {
            static_cast<std::vector<std::size_t>*>(data)->push_back(reinterpret_cast<std::size_t>(item) - 1);
        },
        &candidates);
    std::sort(candidates.begin(), candidates.end());
    const int dimension = GEOSGeom_getDimensions_r(w.ctx, footprint);
    if (areas) {
        // Areas in the Gauss-Krüger zone of the footprint: the project is one place.
        geos::GeomPtr p = geos::own(w.ctx, GEOSPointOnSurface_r(w.ctx, footprint), "point on surface");
        double x = 0, y = 0;
        GEOSGeomGetX_r(w.ctx, p.get(), &x);
        GEOSGeomGetY_r(w.ctx, p.get(), &y);
        const auto ll = w.area.lonlat(x, y);
        if (lonlat) *lonlat = ll;
        w.area.use_zone(gk_central_meridian(ll[0]));
        if (footprint_m2) *footprint_m2 = dimension == 2 ? w.area.area(w.ctx, footprint) : 0.0;
    }

    std::vector<TouchedUnit> out;
    for (std::size_t i : candidates) {
        const GEOSGeometry* unit = layer.features[i].geom.get();
        if (!w.prepared[i]) w.prepared[i] = geos::prepare(w.ctx, unit);
        const char hit = GEOSPreparedIntersects_r(w.ctx, w.prepared[i].get(), footprint);
        if (hit == 2) throw geos::GeosError("intersection test failed: " + w.ctx.last_error());
        if (!hit) continue;
        TouchedUnit t = units[i];
        if (dimension == 2) {
            // A site shares land with the unit, or only a border: then it is the neighbour's.
            const char touches = GEOSPreparedTouches_r(w.ctx, w.prepared[i].get(), footprint);
            if (touches == 1) continue;
            if (areas) {
                geos::GeomPtr common = geos::own(w.ctx, GEOSIntersection_r(w.ctx, unit, footprint), "intersection");
                t.overlap_m2 = w.area.area(w.ctx, common.get());
            }
        }
        out.push_back(std::move(t));
    }
    std::sort(out.begin(), out.end(), [](const TouchedUnit& a, const TouchedUnit& b) { return a.code < b.code; });
    return out;
}

void ProjectChecker::Impl::apply_rules(const std::vector<TouchedUnit>& touched, const Attributes& attrs,
                                       std::vector<RuleHit>& hits, std::vector<RuleHit>& undecided) const {
    for (std::size_t ri : rule_order) {
        const Rule& r = list.rules[ri];
        std::optional<Condition::Result> cond;  // evaluated once, when a unit needs it
        for (const auto& u : touched) {
            if (!r.categories.empty() &&
                std::find(r.categories.begin(), r.categories.end(), u.category) == r.categories.end())
                continue;
            Truth applies = Truth::no;
            switch (r.level) {
                case Level::province:
                    applies = u.county_code.size() == 6 && province_code_of(u.county_code) == r.scope ? Truth::yes : Truth::no;
                    break;
                case Level::circle:
                    applies = u.circle.empty() ? Truth::unknown : u.circle == r.scope ? Truth::yes : Truth::no;
                    break;
                case Level::city:
                    applies = (u.city_code == r.scope || u.city == r.scope) ? Truth::yes : Truth::no;
                    break;
                case Level::unit:
                    applies = (u.code == r.scope || u.county_code == r.scope) ? Truth::yes : Truth::no;
                    break;
            }
            if (applies == Truth::no) continue;
            if (!cond) {
                if (r.when) {
                    try {
                        cond = r.when->evaluate(attrs);
                    } catch (const std::invalid_argument& e) {
                        throw InputError(fmt::format("rule {} ({}:{}): {}", r.id, list.file, r.line, e.what()));
                    }
                } else {
                    cond = Condition::Result{Truth::yes, {}};
                }
            }
            const Truth outcome = truth_and(applies, cond->truth);
            if (outcome == Truth::no) continue;
            RuleHit h;
            h.rule = ri;
            h.id = r.id;
            h.level = r.level;
            h.dimension = r.dimension;
            h.effect = r.effect;
            h.text = r.text;
            h.unit = u.code;
            if (outcome == Truth::yes) {
                hits.push_back(std::move(h));
            } else {
                if (cond->truth == Truth::unknown) h.missing = cond->missing;
                if (applies == Truth::unknown) h.missing.push_back("circle");
                undecided.push_back(std::move(h));
            }
        }
    }
}

ProjectResult ProjectChecker::check(const Footprint& footprint, const Attributes& given) const {
    Attributes attrs;
    for (const auto& [name, value] : given) {
        AttrValue v = value;
        const std::string key = lower_ascii(name);
        try {
            check_attribute(key, v);
        } catch (const std::invalid_argument& e) {
            throw InputError(e.what());
        }
        if (!v.text.empty()) attrs[key] = v;
    }
    const Impl::WorkerLease lease(*impl_);
    Worker& w = *lease.worker;
    geos::GeomPtr geom = geos::from_wkb(w.ctx, footprint.wkb);
    ProjectResult r;
    r.footprint = footprint.description;
    r.units = impl_->touch(w, geom.get(), true, &r.footprint_m2, &r.lonlat);
    if (r.units.empty()) {
        double minx = 0, miny = 0, maxx = 0, maxy = 0;
        GEOSGeom_getExtent_r(w.ctx, geom.get(), &minx, &miny, &maxx, &maxy);
        throw InputError(fmt::format("the footprint ({}) touches no unit of the map: it lies outside it. Are the "
                                     "coordinates right (longitude first; CGCS2000)?",
                                     footprint.description));
    }
    impl_->apply_rules(r.units, attrs, r.hits, r.undecided);
    r.verdict = decide_verdict(r.hits, r.undecided, &r.missing);
    for (const auto& u : r.units)
        if (u.circle.empty() && impl_->know_circles)
            r.notes.push_back("unit " + u.code + ": its county " + u.county_code + " is not in the boundary, so its circle is unknown");
    return r;
}

std::unique_ptr<Worker> ProjectChecker::Impl::take_worker() {
    {
        std::lock_guard lock(idle_mutex);
        if (!idle_workers.empty()) {
            std::unique_ptr<Worker> w = std::move(idle_workers.back());
            idle_workers.pop_back();
            return w;
        }
    }
    return std::make_unique<Worker>(layer.crs_wkt, units.size());
}

void ProjectChecker::Impl::give_back(std::unique_ptr<Worker> w) {
    std::lock_guard lock(idle_mutex);
    idle_workers.push_back(std::move(w));
}

// ---------------------------------------------------------------- batch

namespace {

// The column names GDAL's CSV driver is told to take coordinates from.
const std::vector<std::string> kLongitudeColumns = {"lon", "lng", "long", "longitude", "x", "经度", "东经", "jd"};
const std::vector<std::string> kLatitudeColumns = {"lat", "latitude", "y", "纬度", "北纬", "wd"};

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
}

// GDAL 3.6's CSV driver crashes reading a table whose header has two
// longitude (or two latitude) columns when it drops the coordinate columns
// (found by fuzzing zone-serve's batch). Such a header is ambiguous anyway:
// it is refused, naming both columns. Each separator GDAL detects is tried.
void refuse_repeated_coordinate_columns(const std::string& path, const Where& where) {
    VSILFILE* f = VSIFOpenL(path.c_str(), "rb");
    if (!f) return;  // GDAL's own open says why
    const char* line = CPLReadLineL(f);
    std::string header = line ? line : "";
    VSIFCloseL(f);
    if (header.rfind("\xEF\xBB\xBF", 0) == 0) header.erase(0, 3);
    for (const char separator : {',', ';', '\t'}) {
        std::vector<std::string> columns(1);
        for (const char c : header) {
            if (c == separator) columns.emplace_back();
            else if (c != '"' && c != ' ') columns.back() += c;
        }
        for (const auto* names : {&kLongitudeColumns, &kLatitudeColumns}) {
            std::vector<std::size_t> found;
            for (std::size_t i = 0; i < columns.size(); ++i)
                if (std::find(names->begin(), names->end(), lower_ascii(columns[i])) != names->end()) found.push_back(i);
            if (found.size() < 2) continue;
            Where w = where;
            w.field = columns[found[1]];
            throw InputError(w, fmt::format("the header has two {} columns, '{}' (column {}) and '{}' (column {}); "
                                            "keep one",
                                            names == &kLongitudeColumns ? "longitude" : "latitude", columns[found[0]],
                                            found[0] + 1, columns[found[1]], found[1] + 1));
        }
    }
}

}  // namespace

BatchResult ProjectChecker::screen(const BatchOptions& o) const {
    const SourceRef ref = parse_source(o.source);
    const std::string& path = ref.path;
    const std::string ext = lower_ascii(fs::path(path).extension().string());
    OpenLayerOptions open;
    open.default_layer.clear();  // the layer of enterprises is named when there are several
    if (ext == ".csv" || ext == ".txt" || ext == ".tsv" || path.rfind("CSV:", 0) == 0) {
        // Coordinates from the usual column names, as GDAL's CSV driver finds them.
        refuse_repeated_coordinate_columns(path, Where{path, ref.layer, {}, {}});
        open.open_options = {"X_POSSIBLE_NAMES=" + joined(kLongitudeColumns),
                             "Y_POSSIBLE_NAMES=" + joined(kLatitudeColumns), "KEEP_GEOM_COLUMNS=NO"};
    }
    const VectorLayer source = open_vector_layer(ref, open);
    detail::QuietGdal quiet;
    OGRLayer* l = source.layer;
    const Where& where = source.where;
    if (l->GetGeomType() == wkbNone)
        throw InputError(where, "the layer has no geometry; a CSV needs longitude and latitude columns named lon/lat, "
                                "longitude/latitude, x/y or 经度/纬度");
    OGRFeatureDefn* defn = l->GetLayerDefn();
    std::string id_field = o.id_field;
    if (id_field.empty()) {
        for (const char* n : {"id", "ID", "Id", "code", "CODE", "统一社会信用代码", "name", "NAME", "名称", "企业名称"})
            if (defn->GetFieldIndex(n) >= 0) {
                id_field = n;
                break;
            }
    } else if (defn->GetFieldIndex(id_field.c_str()) < 0) {
        Where w = where;
        w.field = id_field;
        throw InputError(w, "no such field (--id-field)");
    }
    const int i_id = id_field.empty() ? -1 : defn->GetFieldIndex(id_field.c_str());

    OGRSpatialReference srs;
    if (const OGRSpatialReference* s = l->GetSpatialRef(); s && !s->IsEmpty()) srs = *s;
    const bool assume_lonlat = srs.IsEmpty();
    if (assume_lonlat) srs.importFromEPSG(4490);  // a CSV carries no CRS: CGCS2000 degrees
    std::unique_ptr<Reprojection> transform = impl_->transform_from(srs);

    BatchResult result;
    result.source = o.source;
    result.layer = l->GetName();
    result.crs_wkt = impl_->layer.crs_wkt;
    std::vector<Attributes> attrs;
    for (auto& f : *l) {
        Where w = where;
        w.fid = f->GetFID();
        OGRGeometry* g = f->GetGeometryRef();
        if (!g || g->IsEmpty())
            throw InputError(w, "the feature has no geometry (no coordinates); leave such rows out first, e.g. "
                                "ogr2ogr -where with the coordinate columns");
        if (g->Is3D() || g->IsMeasured()) g->flattenTo2D();
        OGREnvelope env;
        g->getEnvelope(&env);
        if (!std::isfinite(env.MinX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxX) || !std::isfinite(env.MaxY))
            throw InputError(w, "the geometry has coordinates that are not finite numbers");
        if (assume_lonlat && !(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
            throw InputError(w, "the layer has no CRS and these coordinates are not longitude/latitude");
        if (transform && !transform->apply(*g))
            throw InputError(w, "cannot transform the geometry to the unit map's CRS");
        BatchRow row;
        row.fid = f->GetFID();
        if (i_id >= 0 && f->IsFieldSetAndNotNull(i_id)) row.id = utf8_or_gbk(f->GetFieldAsString(i_id), nullptr);
        if (row.id.empty()) row.id = std::to_string(row.fid);
        row.wkb = ogr_wkb(*g);
        Attributes a = feature_attributes(*f, w, id_field);
        for (const auto& [name, value] : o.defaults) a.emplace(lower_ascii(name), value);
        attrs.push_back(std::move(a));
        result.rows.push_back(std::move(row));
    }

    // In chunks, so that the threads take turns rarely.
    constexpr std::size_t chunk = 64;
    std::vector<std::size_t> jobs((result.rows.size() + chunk - 1) / chunk);
    for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i] = i;
    const std::string& crs = impl_->layer.crs_wkt;
    const std::size_t n_units = impl_->units.size();
    std::vector<std::string> errors(jobs.size());
    detail::run_parallel(
        jobs, impl_->options.threads, [&] { return std::make_unique<Worker>(crs, n_units); },
        [&](Worker& w, std::size_t job) {
            for (std::size_t i = job * chunk; i < std::min(result.rows.size(), (job + 1) * chunk); ++i) {
                BatchRow& row = result.rows[i];
                geos::GeomPtr geom = geos::from_wkb(w.ctx, row.wkb);
                if (GEOSisValid_r(w.ctx, geom.get()) != 1) geom = geos::own(w.ctx, GEOSMakeValid_r(w.ctx, geom.get()), "repair");
                const auto touched = impl_->touch(w, geom.get(), false);
                if (touched.empty()) {
                    row.verdict = Verdict::outside;
                    continue;
                }
                std::vector<RuleHit> hits, undecided;
                try {
                    impl_->apply_rules(touched, attrs[i], hits, undecided);
                } catch (const InputError& e) {
                    throw InputError(Where{ref.path, result.layer, row.fid, {}}, e.what());
                }
                row.verdict = decide_verdict(hits, undecided, &row.missing);
                for (const auto& u : touched) row.units.push_back(u.code);
                std::vector<std::size_t> seen;
                for (const auto& h : hits)
                    if (std::find(seen.begin(), seen.end(), h.rule) == seen.end()) {
                        seen.push_back(h.rule);
                        row.hits.push_back(h.id);
                    }
            }
        },
        o.progress);
    for (const auto& row : result.rows) ++result.counts[static_cast<int>(row.verdict)];
    return result;
}

void write_batch(const BatchResult& result, const std::string& staged) {
    gdal_init();
    detail::QuietGdal quiet;
    const std::string path = detail::target_path(staged);  // for messages
    const Where where{path, {}, {}, {}};
    const std::string ext = lower_ascii(fs::path(path).extension().string());
    if (ext != ".csv" && ext != ".gpkg")
        throw InputError(where, "batch verdicts are written as CSV (.csv) or GeoPackage (.gpkg)");
    const bool csv = ext == ".csv";

    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(csv ? "CSV" : "GPKG");
    if (!driver) throw InputError(where, std::string("GDAL has no ") + (csv ? "CSV" : "GPKG") + " driver");
    CPLErrorReset();
    GDALDatasetUniquePtr ds(driver->Create(staged.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path + ": " + last_gdal_error());
    OGRSpatialReference srs;
    srs.importFromWkt(result.crs_wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    CPLStringList layer_options;
    if (csv) {
        layer_options.SetNameValue("WRITE_BOM", "YES");
        layer_options.SetNameValue("STRING_QUOTING", "IF_NEEDED");
    }
    OGRLayer* layer = ds->CreateLayer("verdicts", csv ? nullptr : &srs, csv ? wkbNone : wkbUnknown, layer_options.List());
    if (!layer) throw std::runtime_error("cannot create the layer of " + path + ": " + last_gdal_error());
    const std::vector<std::pair<const char*, OGRFieldType>> fields = {
        {"id", OFTString},      {"source_fid", OFTInteger}, {"verdict", OFTString}, {"verdict_zh", OFTString},
        {"units", OFTString},   {"hits", OFTString},   {"missing", OFTString}, {"lon", OFTReal},
        {"lat", OFTReal},
    };
    for (const auto& [name, type] : fields) {
        OGRFieldDefn def(name, type);
        if (layer->CreateField(&def) != OGRERR_NONE) throw std::runtime_error("cannot create field " + std::string(name));
    }
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ";") + x;
        return s;
    };
    geos::Context ctx;
    AreaCalculator calc(result.crs_wkt, AreaMethod::gauss_kruger);
    const bool transaction = ds->StartTransaction() == OGRERR_NONE;
    for (const auto& row : result.rows) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("id", row.id.c_str());
        f.SetField("source_fid", static_cast<int>(row.fid));
        f.SetField("verdict", to_string(row.verdict));
        f.SetField("verdict_zh", chinese_name(row.verdict));
        f.SetField("units", join(row.units).c_str());
        f.SetField("hits", join(row.hits).c_str());
        f.SetField("missing", join(row.missing).c_str());
        geos::GeomPtr g = geos::from_wkb(ctx, row.wkb);
        geos::GeomPtr p = geos::own(ctx, GEOSPointOnSurface_r(ctx, g.get()), "point on surface");
        double x = 0, y = 0;
        GEOSGeomGetX_r(ctx, p.get(), &x);
        GEOSGeomGetY_r(ctx, p.get(), &y);
        const auto ll = calc.lonlat(x, y);
        f.SetField("lon", ll[0]);
        f.SetField("lat", ll[1]);
        if (!csv) {
            OGRGeometry* geom = nullptr;
            if (OGRGeometryFactory::createFromWkb(row.wkb.data(), &srs, &geom, row.wkb.size()) == OGRERR_NONE)
                f.SetGeometryDirectly(geom);
        }
        if (layer->CreateFeature(&f) != OGRERR_NONE)
            throw std::runtime_error("cannot write to " + path + ": " + last_gdal_error());
    }
    if (transaction && ds->CommitTransaction() != OGRERR_NONE) throw std::runtime_error("cannot commit " + path + ": " + last_gdal_error());
    ds.reset();
    if (CPLGetLastErrorType() == CE_Failure) throw std::runtime_error("writing " + path + " failed: " + last_gdal_error());
}

}  // namespace zone
