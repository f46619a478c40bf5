// zone-genfactors: what the layer generators share (internal to the generator).
#pragma once

#include "gen.hpp"

#include <fmt/format.h>

#include <cstring>
#include <initializer_list>
#include <optional>

namespace gen::detail {

namespace zg = zone::geos;

enum Stream : std::uint64_t {
    kRedline = 1, kWaterSource, kRiver, kTowns, kParks, kAir, kWaterIndustrial, kSoil, kGroundwater, kReserves,
    kDefects, kPlanning
};

constexpr double kKm2 = 1e6;

inline std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

inline bool ends_with(const std::string& s, const char* suffix) {
    const std::size_t n = std::strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

inline std::string strip_suffix(const std::string& s, std::initializer_list<const char*> suffixes) {
    for (const char* suf : suffixes)
        if (ends_with(s, suf) && utf8_length(s) > utf8_length(suf) + 1) return s.substr(0, s.size() - std::strlen(suf));
    return s;
}

inline int blob_vertices(Rng& rng) { return 60 + static_cast<int>(141 * rng.uniform()); }

struct Gen {
    World& w;
    std::uint64_t seed;
    double scale;
    std::vector<std::string>& log;

    Rng rng(Stream s) const { return Rng(stream_seed(seed, s)); }
    const Context& ctx() const { return w.ctx; }

    XY to_m(XY ll) const { return w.proj.forward(ll); }
    XY to_ll(XY m) const { return w.proj.inverse(m); }

    // A point dmin..dmax metres from `origin` (lon/lat) inside county `ci`
    // (or anywhere on land when ci < 0).
    std::optional<XY> place_near(Rng& rng, XY origin, double dmin, double dmax, int ci, int tries = 40) const {
        const XY o = to_m(origin);
        for (int t = 0; t < tries; ++t) {
            const double d = rng.uniform(dmin, dmax), a = rng.angle();
            const XY p = to_ll({o.x + d * std::cos(a), o.y + d * std::sin(a)});
            if (ci >= 0 ? w.county_at(p) == ci : w.on_land(p)) return p;
        }
        return std::nullopt;
    }

    std::optional<XY> random_in_county(Rng& rng, int ci, XY avoid, double min_dist, int tries = 200) const {
        const County& c = w.counties[static_cast<std::size_t>(ci)];
        const XY am = to_m(avoid);
        for (int t = 0; t < tries; ++t) {
            const XY p{rng.uniform(c.xmin, c.xmax), rng.uniform(c.ymin, c.ymax)};
            if (w.county_at(p) != ci) continue;
            const XY pm = to_m(p);
            if (std::hypot(pm.x - am.x, pm.y - am.y) < min_dist) continue;
            return p;
        }
        return std::nullopt;
    }

    // A star blob of `area_km2` centred at `center` (lon/lat), clipped to the province.
    GeomPtr blob(Rng& rng, XY center, double area_km2, double roughness = 0.3, double elong_max = 1.8,
                 int vertices = 0, Ring* ring_m = nullptr) const {
        StarSpec s;
        s.area_m2 = area_km2 * kKm2;
        s.vertices = vertices > 0 ? vertices : blob_vertices(rng);
        s.roughness = roughness;
        s.elongation = rng.uniform(1.0, elong_max);
        s.azimuth = rng.angle();
        Ring r = translate(star(rng, s), to_m(center));
        if (ring_m) *ring_m = r;
        return w.from_metres(r);
    }
};

inline Layer make_layer(const char* name, const char* title, const char* prefix, const char* description,
                 std::vector<FieldDef> fields) {
    Layer l;
    l.name = name;
    l.title = title;
    l.prefix = prefix;
    l.description = description;
    l.fields = std::move(fields);
    return l;
}

// What later layers need to know about the towns and parks.
struct TownInfo {
    XY ll;
    std::string name, id;
    int county;
};

struct ParkInfo {
    XY ll;
    std::string name, id, type, short_name;
    int county;
    GeomPtr geom;  // clean lon/lat geometry
};

Layer make_redline(Gen& g);
Layer make_water_source(Gen& g, const std::vector<TownInfo>& towns);
Layer make_river(Gen& g);
Layer make_towns(Gen& g, std::vector<TownInfo>& towns);
Layer make_parks(Gen& g, std::vector<ParkInfo>& parks);
Layer make_air(Gen& g, const std::vector<ParkInfo>& parks);
Layer make_water_industrial(Gen& g, const std::vector<ParkInfo>& parks);
Layer make_soil(Gen& g, const std::vector<ParkInfo>& parks, const std::vector<TownInfo>& towns);
Layer make_groundwater(Gen& g);
Layer make_reserves(Gen& g);
// ubound and farmland of planning.gpkg, from the finished factor layers (layers_planning.cpp).
std::vector<Layer> make_planning(Gen& g, const std::vector<Layer>& factors, const Layer& reserves);

}  // namespace gen::detail
