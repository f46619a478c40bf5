// zone-genfactors: features and layers; the layers that carry deliberate
// defects (towns, parks, soil_risk); the order in which layers are made.
//
// Every layer draws from its own random stream (seed, layer number), so the
// layers do not shift when another layer changes.
#include "layers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace gen {

namespace zg = zone::geos;

// ---------------------------------------------------------------------------
// Features and layers

void Feature::set(const std::string& key, Value v) {
    for (auto& kv : attrs)
        if (kv.first == key) {
            kv.second = std::move(v);
            return;
        }
    attrs.emplace_back(key, std::move(v));
}

const Value* Feature::get(const std::string& key) const {
    for (const auto& kv : attrs)
        if (kv.first == key) return &kv.second;
    return nullptr;
}

std::string Layer::next_id() const { return fmt::format("{}-{:04d}", prefix, features.size() + 1); }

Feature& Layer::add(GeomPtr g, const std::string& name, XY anchor) {
    Feature f;
    f.set("id", next_id());
    f.set("name", name);
    f.geom = std::move(g);
    f.anchor = anchor;
    features.push_back(std::move(f));
    return features.back();
}

namespace detail {

namespace {

// ---------------------------------------------------------------------------
// Deliberate defects (GEOS IsValid fails; MakeValid with the structure method repairs them)

// A ring that touches itself at one vertex, enclosing an inverted hole: the
// outline runs to V, loops clockwise inside the polygon and returns to V.
Ring inverted_hole(Rng& rng, const Ring& outer, std::size_t k, double hole_radius, double* hole_area) {
    const std::size_t n = outer.size();
    Ring o = outer;
    // straighten the outline around V so that the loop fits
    const XY a = o[(k + n - 4) % n], b = o[(k + 4) % n];
    for (int d = -3; d <= 3; ++d) {
        const std::size_t i = (k + n + static_cast<std::size_t>(d + 4) - 4) % n;
        const double f = (d + 4) / 8.0;
        o[i] = {a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f};
    }
    const XY v = o[k];
    const double tx = b.x - a.x, ty = b.y - a.y;
    const double in_dir = std::atan2(tx, -ty);  // the left normal (-ty, tx) of a counter-clockwise ring
    Ring lb = lobe(rng, in_dir - 0.75, in_dir + 0.75, 18, hole_radius, 0.15);
    *hole_area = std::abs(ring_area(lb));
    Ring r;
    for (std::size_t i = 0; i <= k; ++i) r.push_back(o[i]);
    for (std::size_t i = lb.size() - 1; i >= 1; --i) r.push_back({v.x + lb[i].x, v.y + lb[i].y});  // clockwise
    r.push_back(v);
    for (std::size_t i = k + 1; i < n; ++i) r.push_back(o[i]);
    return r;
}

// Two lobes that meet at one vertex, written as one ring (a figure eight).
Ring figure_eight(Rng& rng, XY apex, double area_m2, double axis) {
    const double w = rng.uniform(0.7, 1.0);
    const double rad = std::sqrt(area_m2 / (2 * w));  // sector area ~ w r²/2 each
    Ring a = lobe(rng, axis + kPi - w, axis + kPi + w, rng.integer(35, 80), rad, 0.25);
    Ring b = lobe(rng, axis - w, axis + w, rng.integer(35, 80), rad * rng.uniform(0.6, 1.0), 0.25);
    Ring r;
    for (const XY& p : a) r.push_back({apex.x + p.x, apex.y + p.y});
    for (const XY& p : b) r.push_back({apex.x + p.x, apex.y + p.y});
    return r;
}

// A bow-tie: the vertices of the top edge of a jagged rectangle in reverse
// order, so that the ring crosses itself once.
Ring bowtie_rect(const Ring& r, const int corners[4]) {
    Ring out;
    for (int i = corners[0]; i <= corners[1]; ++i) out.push_back(r[static_cast<std::size_t>(i)]);
    // top edge runs corners[2] .. corners[3]; walk it backwards from corners[3] to corners[2]
    for (int i = corners[3]; i >= corners[2]; --i) out.push_back(r[static_cast<std::size_t>(i)]);
    return out;
}

// A star ring with a run of vertices reversed: a small twisted loop.
Ring twisted_run(const Ring& r, std::size_t k, std::size_t m) {
    Ring out = r;
    std::reverse(out.begin() + static_cast<long>(k), out.begin() + static_cast<long>(k + m));
    return out;
}

// Checks a defect: invalid for the expected reason, repaired by MakeValid to
// about the expected area (expected_km2 < 0: any non-empty area).
bool defect_ok(const World& w, const GEOSGeometry* g, const char* reason_prefix, double expected_km2) {
    const std::string reason = invalid_reason(w.ctx, g);
    if (reason.rfind(reason_prefix, 0) != 0) return false;
    if (std::strcmp(reason_prefix, "Self-intersection") == 0 && reason.rfind("Ring", 0) == 0) return false;
    GeomPtr fixed = make_valid_structure(w.ctx, g);
    if (!fixed || GEOSisEmpty_r(w.ctx, fixed.get()) || !is_valid(w.ctx, fixed.get())) return false;
    if (!w.inside_province(fixed.get())) return false;
    const double a = w.proj.area_km2(w.ctx, fixed.get());
    if (expected_km2 >= 0 && std::abs(a - expected_km2) > 0.03 * expected_km2) return false;
    return a > 0;
}

}  // namespace

// ---------------------------------------------------------------------------
// 4. towns

Layer make_towns(Gen& g, std::vector<TownInfo>& towns) {
    Layer L = make_layer("towns", "城镇开发边界", "CZ",
                         "Towns: a built-up blob around every county seat and satellite town blobs named after the "
                         "county's townships (synthetic)",
                         {{"type", FieldDef::Str, 20}, {"level", FieldDef::Str, 20}});
    Rng rng = g.rng(kTowns);
    struct Sat {
        std::size_t feature;
        Ring ring_m;
        double area_km2;
    };
    std::vector<Sat> sats;
    for (std::size_t ci = 0; ci < g.w.counties.size(); ++ci) {
        const County& c = g.w.counties[ci];
        const bool district = ends_with(c.name, "区");
        const double area = district ? rng.uniform(30, 80) : rng.uniform(12, 40);
        GeomPtr seat = g.blob(rng, c.seat, area, 0.28, 1.8, rng.integer(100, 200));
        if (seat) {
            Feature& f = L.add(std::move(seat), district ? c.name + "中心城区" : c.name + "县城", c.seat);
            f.set("type", std::string("城区"));
            f.set("level", std::string(district ? "中心城区" : ends_with(c.name, "市") ? "县级市城区" : "县城"));
            towns.push_back({c.seat, c.name, f.get("id") ? std::get<std::string>(*f.get("id")) : "", static_cast<int>(ci)});
        }
        // satellites: a shuffled selection of the county's townships
        std::vector<Town> list = c.towns;
        for (std::size_t i = list.size(); i > 1; --i) std::swap(list[i - 1], list[static_cast<std::size_t>(rng.integer(0, static_cast<int>(i) - 1))]);
        const int n = list.empty() ? 0 : rng.round_count(g.scale * static_cast<double>(list.size()));
        for (int k = 0; k < n; ++k) {
            const Town& t = list[static_cast<std::size_t>(k) % list.size()];
            const int round = k / static_cast<int>(list.size());
            const bool street = ends_with(t.name, "街道");
            std::optional<XY> p = street ? g.place_near(rng, c.seat, 2000, 12000, static_cast<int>(ci))
                                         : g.random_in_county(rng, static_cast<int>(ci), c.seat, 3000);
            if (!p) p = g.random_in_county(rng, static_cast<int>(ci), c.seat, 0);
            if (!p) continue;
            const double area = rng.log_uniform(1, 5) / g.scale;
            Ring rm;
            GeomPtr geom = g.blob(rng, *p, area, 0.3, 1.8, 0, &rm);
            if (!geom) continue;
            static const char* const kExtra[] = {"", "新区", "工业片区", "东片区", "西片区", "南片区", "北片区"};
            const std::string base = round < 7 ? t.name + kExtra[round] : fmt::format("{}片区{}", t.name, round);
            const bool inside = g.w.inside_province(geom.get());
            Feature& f = L.add(std::move(geom), base + "建成区", *p);
            f.set("type", std::string(street ? "城区" : ends_with(t.name, "乡") ? "乡集镇" : "镇区"));
            f.set("level", std::string(street ? "街道" : ends_with(t.name, "乡") ? "一般乡" : "建制镇"));
            towns.push_back({*p, t.name, std::get<std::string>(*f.get("id")), static_cast<int>(ci)});
            if (inside) sats.push_back({L.features.size() - 1, rm, area});
        }
    }
    // defect: one satellite with an inverted hole (a self-touching ring)
    Rng drng = g.rng(kDefects);
    for (int t = 0; t < 200 && !sats.empty(); ++t) {
        const Sat& s = sats[static_cast<std::size_t>(drng.integer(0, static_cast<int>(sats.size()) - 1))];
        Feature& f = L.features[s.feature];
        if (!f.defect.empty()) continue;
        const XY cm = g.to_m(f.anchor);
        StarSpec sp;
        sp.area_m2 = s.area_km2 * kKm2;
        sp.vertices = drng.integer(80, 160);
        sp.roughness = 0.12;
        sp.jitter = 0;
        Ring outer = star(drng, sp);
        double hole_m2 = 0;
        const std::size_t k = static_cast<std::size_t>(drng.integer(10, static_cast<int>(outer.size()) - 10));
        const double rad = std::hypot(outer[k].x, outer[k].y);
        Ring r = translate(inverted_hole(drng, outer, k, 0.35 * rad, &hole_m2), cm);
        GeomPtr geom = g.w.raw_from_metres(r);
        if (!defect_ok(g.w, geom.get(), "Ring Self-intersection", (s.area_km2 * kKm2 - hole_m2) / kKm2)) continue;
        f.geom = std::move(geom);
        f.defect = "self-touching ring (inverted hole)";
        break;
    }
    return L;
}

// ---------------------------------------------------------------------------
// 5. parks

Layer make_parks(Gen& g, std::vector<ParkInfo>& parks) {
    Layer L = make_layer("parks", "产业园区", "YQ",
                         "Industrial parks: 1-3 jagged rectangles per county, 3-15 km from the seat (synthetic)",
                         {{"type", FieldDef::Str, 20}, {"level", FieldDef::Str, 10}, {"industry", FieldDef::Str, 40}});
    Rng rng = g.rng(kParks);
    static const std::vector<std::string> kIndustry = {
        "装备制造", "化工新材料", "食品加工", "纺织服装", "新材料", "电子信息", "生物医药", "钢铁冶炼",
        "有色金属", "造纸", "现代物流", "汽车及零部件", "石油化工", "橡胶轮胎", "新能源"};
    struct Kind {
        const char* suffix;
        const char* type;
    };
    static const Kind kFirst[] = {{"经济开发区", "经济开发区"}, {"高新技术产业开发区", "高新区"}};
    static const Kind kOther[] = {{"化工产业园", "化工园区"}, {"工业园区", "工业园区"}, {"高新技术产业开发区", "高新区"},
                                  {"化工产业园", "化工园区"}, {"装备制造产业园", "专业园区"}, {"新材料产业园", "专业园区"},
                                  {"现代物流园", "物流园区"}, {"循环经济产业园", "专业园区"}};
    struct Shape {
        std::size_t feature;
        Ring ring_m;
        int corners[4];
    };
    std::vector<Shape> shapes;
    for (std::size_t ci = 0; ci < g.w.counties.size(); ++ci) {
        const County& c = g.w.counties[ci];
        const double u = rng.uniform();
        const int n = u < 0.4 ? 1 : u < 0.8 ? 2 : 3;
        std::vector<std::string> used;
        for (int k = 0; k < n; ++k) {
            const Kind kind = k == 0 ? kFirst[rng.chance(0.75) ? 0 : 1] : kOther[rng.integer(0, 7)];
            std::string name = c.short_name + kind.suffix;
            if (std::find(used.begin(), used.end(), name) != used.end()) continue;
            std::optional<XY> p = g.place_near(rng, c.seat, 3000, 15000, static_cast<int>(ci));
            if (!p) p = g.place_near(rng, c.seat, 3000, 15000, -1);
            if (!p) continue;
            const double area = rng.log_uniform(2, 20) * kKm2, aspect = rng.uniform(1, 2.5);
            const double wd = std::sqrt(area * aspect), ht = std::sqrt(area / aspect);
            Shape sh{};
            const Ring local = jagged_rect(rng, wd, ht, rng.uniform(-0.35, 0.35), rng.integer(50, 140),
                                           0.012 * std::sqrt(area), sh.corners);
            sh.ring_m = translate(local, g.to_m(*p));
            GeomPtr geom = g.w.from_metres(sh.ring_m);
            if (!geom) continue;
            used.push_back(name);
            const bool inside = g.w.inside_province(geom.get());
            ParkInfo info{*p, name, L.next_id(), kind.type, strip_suffix(name, {kind.suffix}), static_cast<int>(ci),
                          zg::clone(g.ctx(), geom.get())};
            Feature& f = L.add(std::move(geom), name, *p);
            f.set("type", std::string(kind.type));
            const double lv = rng.uniform();
            f.set("level", std::string(k == 0 && lv < 0.2 ? "国家级" : lv < 0.75 ? "省级" : "市县级"));
            f.set("industry", std::string(std::strcmp(kind.type, "化工园区") == 0 ? (rng.chance(0.5) ? "石油化工" : "精细化工")
                                                                                  : rng.pick(kIndustry)));
            parks.push_back(std::move(info));
            if (inside) sh.feature = L.features.size() - 1, shapes.push_back(std::move(sh));
        }
    }
    // defects: one inverted hole, two bow-ties
    Rng drng = g.rng(kDefects);
    drng.normal();  // decorrelate from the towns' defect stream
    int holes = 0, bowties = 0;
    for (int t = 0; t < 400 && (holes < 1 || bowties < 2) && !shapes.empty(); ++t) {
        const Shape& s = shapes[static_cast<std::size_t>(drng.integer(0, static_cast<int>(shapes.size()) - 1))];
        Feature& f = L.features[s.feature];
        if (!f.defect.empty()) continue;
        if (holes < 1) {
            // V in the middle of the bottom edge, the loop pointing inwards
            const std::size_t k = static_cast<std::size_t>((s.corners[0] + s.corners[1]) / 2);
            const XY a = s.ring_m[static_cast<std::size_t>(s.corners[0])], b = s.ring_m[static_cast<std::size_t>(s.corners[1])];
            const XY d = s.ring_m[static_cast<std::size_t>(s.corners[3])];
            const double h = std::hypot(d.x - a.x, d.y - a.y), wd = std::hypot(b.x - a.x, b.y - a.y);
            double hole_m2 = 0;
            Ring r = inverted_hole(drng, s.ring_m, k, 0.25 * std::min(h, wd), &hole_m2);
            GeomPtr geom = g.w.raw_from_metres(r);
            const double base_km2 = std::abs(ring_area(s.ring_m)) / kKm2;
            if (defect_ok(g.w, geom.get(), "Ring Self-intersection", base_km2 - hole_m2 / kKm2)) {
                f.geom = std::move(geom);
                f.defect = "self-touching ring (inverted hole)";
                ++holes;
            }
            continue;
        }
        GeomPtr geom = g.w.raw_from_metres(bowtie_rect(s.ring_m, s.corners));
        if (defect_ok(g.w, geom.get(), "Self-intersection", -1)) {
            f.geom = std::move(geom);
            f.defect = "self-intersecting ring (bow-tie)";
            ++bowties;
        }
    }
    return L;
}

// ---------------------------------------------------------------------------
// 8. soil_risk

Layer make_soil(Gen& g, const std::vector<ParkInfo>& parks, const std::vector<TownInfo>& towns) {
    Layer L = make_layer("soil_risk", "土壤污染风险重点管控区", "TR",
                         "Soil pollution-risk key control zones: scattered blobs near parks and towns (synthetic)",
                         {{"type", FieldDef::Str, 30}, {"source_id", FieldDef::Str, 10}});
    Rng rng = g.rng(kSoil);
    const int n = std::max(10, static_cast<int>(std::lround(3950 * g.scale)));
    struct Keep {
        std::size_t feature;
        Ring ring_m;
        double area_km2;
    };
    std::vector<Keep> inside;
    for (int i = 0; i < n; ++i) {
        const bool near_park = !parks.empty() && rng.chance(0.45);
        XY origin;
        std::string anchor, source;
        if (near_park) {
            const ParkInfo& p = parks[static_cast<std::size_t>(rng.integer(0, static_cast<int>(parks.size()) - 1))];
            origin = p.ll, anchor = p.name, source = p.id;
        } else {
            const TownInfo& t = towns[static_cast<std::size_t>(rng.integer(0, static_cast<int>(towns.size()) - 1))];
            origin = t.ll, anchor = t.name, source = t.id;
        }
        const std::optional<XY> p = g.place_near(rng, origin, 0, near_park ? 5000 : 4000, -1);
        if (!p) continue;
        const double area = rng.log_uniform(0.5, 10) / g.scale;
        Ring rm;
        GeomPtr geom = g.blob(rng, *p, area, 0.3, 2.0, 0, &rm);
        if (!geom) continue;
        const bool farm = !near_park && rng.chance(0.6);
        const std::string type = farm ? "农用地污染风险重点管控区" : "建设用地污染风险重点管控区";
        const bool in = g.w.inside_province(geom.get());
        Feature& f = L.add(std::move(geom), anchor + (farm ? "周边农用地污染风险管控区" : "周边建设用地污染风险管控区"), *p);
        f.set("type", type);
        f.set("source_id", source);
        if (in) inside.push_back({L.features.size() - 1, std::move(rm), area});
    }
    // defects: two figure eights (self-touching), two twisted runs (bow-tie crossings)
    Rng drng = g.rng(kDefects);
    drng.normal(), drng.normal();
    int eights = 0, twists = 0;
    for (int t = 0; t < 400 && (eights < 2 || twists < 2) && !inside.empty(); ++t) {
        const Keep& k = inside[static_cast<std::size_t>(drng.integer(0, static_cast<int>(inside.size()) - 1))];
        Feature& f = L.features[k.feature];
        if (!f.defect.empty()) continue;
        if (eights < 2) {
            const XY apex = g.to_m({snap(f.anchor.x), snap(f.anchor.y)});
            GeomPtr geom = g.w.raw_from_metres(figure_eight(drng, apex, k.area_km2 * kKm2, drng.angle()));
            if (defect_ok(g.w, geom.get(), "Ring Self-intersection", -1)) {
                f.geom = std::move(geom);
                f.defect = "self-touching ring (figure eight)";
                ++eights;
            }
            continue;
        }
        const std::size_t m = static_cast<std::size_t>(drng.integer(3, 6));
        const std::size_t at = static_cast<std::size_t>(drng.integer(2, static_cast<int>(k.ring_m.size() - m) - 2));
        GeomPtr geom = g.w.raw_from_metres(twisted_run(k.ring_m, at, m));
        if (defect_ok(g.w, geom.get(), "Self-intersection", -1)) {
            f.geom = std::move(geom);
            f.defect = "self-intersecting ring (twisted run of vertices)";
            ++twists;
        }
    }
    return L;
}

}  // namespace detail

Generated generate(World& world, std::uint64_t seed, double scale) {
    using namespace detail;
    Generated out;
    Gen g{world, seed, scale, out.log};
    std::vector<TownInfo> towns;
    std::vector<ParkInfo> parks;
    Layer towns_layer = make_towns(g, towns);
    Layer parks_layer = make_parks(g, parks);
    out.layers.push_back(make_redline(g));
    out.layers.push_back(make_water_source(g, towns));
    out.layers.push_back(make_river(g));
    out.layers.push_back(std::move(towns_layer));
    out.layers.push_back(std::move(parks_layer));
    out.layers.push_back(make_air(g, parks));
    out.layers.push_back(make_water_industrial(g, parks));
    out.layers.push_back(make_soil(g, parks, towns));
    out.layers.push_back(make_groundwater(g));
    out.reserves = make_reserves(g);
    out.planning = make_planning(g, out.layers, out.reserves);
    return out;
}

}  // namespace gen
