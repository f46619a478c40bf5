// zone-genfactors: the layers drawn from the landscape: red line, water
// sources, rivers, air and water key zones, groundwater, nature reserves.
#include "layers.hpp"

#include <algorithm>

namespace gen::detail {

namespace {

// ---------------------------------------------------------------------------
// A coarse raster of the Albers plane, to calibrate the red line's area.

struct Raster {
    double x0 = 0, y0 = 0, cell = 500;
    int nx = 0, ny = 0;
    std::vector<std::uint8_t> mask, cover;

    template <class F>
    void scan(const std::vector<const Ring*>& rings, F&& fn) const {
        std::vector<std::pair<int, double>> xs;
        for (const Ring* rp : rings) {
            const Ring& r = *rp;
            for (std::size_t i = 0; i < r.size(); ++i) {
                const XY a = r[i], b = r[(i + 1) % r.size()];
                if (a.y == b.y) continue;
                const double ylo = std::min(a.y, b.y), yhi = std::max(a.y, b.y);
                const int r0 = std::max(0, static_cast<int>(std::ceil((ylo - y0) / cell - 0.5)));
                const int r1 = std::min(ny - 1, static_cast<int>(std::ceil((yhi - y0) / cell - 0.5)) - 1);
                for (int row = r0; row <= r1; ++row) {
                    const double yc = y0 + (row + 0.5) * cell;
                    xs.emplace_back(row, a.x + (yc - a.y) * (b.x - a.x) / (b.y - a.y));
                }
            }
        }
        std::sort(xs.begin(), xs.end());
        for (std::size_t i = 0; i + 1 < xs.size(); i += 2) {
            if (xs[i].first != xs[i + 1].first) {  // odd count in a row: resync
                --i;
                continue;
            }
            const int c0 = std::max(0, static_cast<int>(std::ceil((xs[i].second - x0) / cell - 0.5)));
            const int c1 = std::min(nx, static_cast<int>(std::ceil((xs[i + 1].second - x0) / cell - 0.5)));
            if (c0 < c1) fn(xs[i].first, c0, c1);
        }
    }
};

// ---------------------------------------------------------------------------
// 1. redline

struct Anchor {
    const char* name;
    double lon, lat, sigma_km, weight;
    const char* function;
    double elong, azimuth_deg;
};

const Anchor kMountains[] = {
    {"泰山", 117.10, 36.26, 8, 1.2, "水源涵养", 1.8, 20},
    {"徂徕山", 117.30, 36.03, 6, 0.6, "水土保持", 1.6, 30},
    {"济南南部山区", 117.12, 36.44, 12, 1.4, "水源涵养", 1.5, 10},
    {"原山", 117.88, 36.45, 7, 0.5, "水源涵养", 1.5, 70},
    {"莲花山", 117.72, 36.18, 7, 0.5, "水土保持", 1.5, 40},
    {"鲁山", 118.06, 36.30, 9, 0.9, "水源涵养", 1.6, 40},
    {"沂山", 118.62, 36.20, 9, 0.9, "水源涵养", 1.6, 70},
    {"新甫山", 117.65, 35.92, 7, 0.5, "水土保持", 1.5, 30},
    {"蒙山", 117.90, 35.55, 11, 1.5, "生物多样性维护", 2.2, 140},
    {"沂蒙山区", 118.30, 35.80, 15, 1.3, "水土保持", 1.6, 120},
    {"尼山", 117.18, 35.50, 8, 0.6, "水土保持", 1.5, 60},
    {"抱犊崮", 117.76, 34.98, 8, 0.6, "水土保持", 1.5, 30},
    {"熊耳山", 117.55, 35.15, 7, 0.4, "水土保持", 1.5, 60},
    {"峄山", 116.99, 35.37, 5, 0.25, "水土保持", 1.3, 0},
    {"五莲山", 119.35, 35.70, 8, 0.5, "水土保持", 1.5, 50},
    {"浮来山", 118.75, 35.60, 7, 0.3, "水土保持", 1.4, 30},
    {"崂山", 120.62, 36.18, 8, 0.9, "生物多样性维护", 1.4, 60},
    {"小珠山", 120.05, 35.92, 6, 0.4, "水源涵养", 1.5, 40},
    {"大泽山", 120.05, 36.95, 7, 0.5, "水土保持", 1.5, 30},
    {"罗山", 120.50, 37.30, 7, 0.35, "水土保持", 1.5, 40},
    {"艾山", 120.85, 37.18, 7, 0.4, "水源涵养", 1.5, 40},
    {"牙山", 121.15, 37.22, 8, 0.6, "水源涵养", 1.6, 60},
    {"昆嵛山", 121.75, 37.26, 10, 0.9, "生物多样性维护", 1.6, 30},
    {"伟德山", 122.20, 37.05, 8, 0.5, "生物多样性维护", 1.5, 30},
    {"黄河三角洲", 119.05, 37.75, 12, 1.4, "生物多样性维护", 2.2, 100},
    {"贝壳堤岛", 117.95, 38.05, 8, 0.4, "海岸生态稳定", 2.0, 30},
    {"莱州湾", 119.20, 37.12, 8, 0.3, "海岸生态稳定", 2.2, 10},
    {"荣成天鹅湖", 122.52, 37.33, 4, 0.15, "海岸生态稳定", 1.5, 90},
    {"南四湖", 116.95, 34.95, 12, 0.6, "生物多样性维护", 2.5, 130},
    {"东平湖", 116.22, 36.00, 5, 0.25, "水源涵养", 1.5, 90},
    {"鲁中南低山丘陵", 117.90, 35.90, 45, 1.6, "水土保持", 1.6, 40},
    {"胶东低山丘陵", 121.00, 37.15, 40, 1.0, "水源涵养", 1.6, 20},
};

constexpr double kRedlineTargetKm2 = 20600;

}  // namespace

Layer make_redline(Gen& g) {
    Layer L = make_layer("redline", "生态保护红线", "HX",
                         "Ecological protection red line: clusters of noisy blobs in Shandong's hills and the Yellow "
                         "River delta (synthetic)",
                         {{"type", FieldDef::Str, 20}, {"region", FieldDef::Str, 40}});
    Rng rng = g.rng(kRedline);
    const int nblobs = std::max(20, static_cast<int>(std::lround(4500 * g.scale)));
    const double median_m2 = 3.0 * kKm2 / g.scale;

    double wsum = 0;
    for (const Anchor& a : kMountains) wsum += a.weight;

    struct Blob {
        XY cluster_m, offset_m;
        Ring unit;  // centred on the origin, nominal size
        const Anchor* anchor;
    };
    std::vector<Blob> blobs;
    while (static_cast<int>(blobs.size()) < nblobs) {
        double pick = rng.uniform() * wsum;
        const Anchor* an = &kMountains[0];
        for (const Anchor& a : kMountains) {
            an = &a;
            if ((pick -= a.weight) < 0) break;
        }
        const XY am = g.to_m({an->lon, an->lat});
        const double az = an->azimuth_deg * kPi / 180;
        XY cm;
        bool found = false;
        for (int t = 0; t < 30 && !found; ++t) {
            const double u = rng.normal() * an->sigma_km * 1000 * std::sqrt(an->elong);
            const double v = rng.normal() * an->sigma_km * 1000 / std::sqrt(an->elong);
            cm = {am.x + u * std::cos(az) - v * std::sin(az), am.y + u * std::sin(az) + v * std::cos(az)};
            found = g.w.on_land(g.to_ll(cm));
        }
        if (!found) continue;
        int k = 1;
        while (k < 6 && rng.chance(0.55)) ++k;
        k = std::min(k, nblobs - static_cast<int>(blobs.size()));
        std::vector<double> areas;
        double total = 0;
        for (int i = 0; i < k; ++i) total += areas.emplace_back(rng.lognormal(median_m2, 0.9));
        const double rc = std::sqrt(total / kPi);
        for (int i = 0; i < k; ++i) {
            StarSpec s;
            s.area_m2 = areas[static_cast<std::size_t>(i)];
            s.vertices = blob_vertices(rng);
            s.roughness = 0.38;
            s.elongation = rng.uniform(1.0, an->elong * 1.2);
            s.azimuth = az + rng.normal(0, 0.45);
            const XY off = k == 1 ? XY{0, 0} : XY{rng.normal(0, 0.55 * rc), rng.normal(0, 0.55 * rc)};
            blobs.push_back({cm, off, star(rng, s), an});
        }
    }

    // Calibrate a common size factor on a raster so that the union covers the target.
    Raster ras;
    {
        double xmin = 1e300, ymin = 1e300, xmax = -1e300, ymax = -1e300;
        std::vector<Ring> prov_rings;
        GeomPtr pm = g.w.proj.forward(g.ctx(), g.w.province.get());
        for_each_polygon(g.ctx(), pm.get(), [&](const GEOSGeometry* p) {
            prov_rings.push_back(ring_coords(g.ctx(), GEOSGetExteriorRing_r(g.ctx(), p)));
            for (int i = 0; i < GEOSGetNumInteriorRings_r(g.ctx(), p); ++i)
                prov_rings.push_back(ring_coords(g.ctx(), GEOSGetInteriorRingN_r(g.ctx(), p, i)));
        });
        for (const Ring& r : prov_rings)
            for (const XY& p : r)
                xmin = std::min(xmin, p.x), ymin = std::min(ymin, p.y), xmax = std::max(xmax, p.x), ymax = std::max(ymax, p.y);
        ras.cell = std::clamp(std::sqrt(median_m2) / 4, 150.0, 500.0);
        ras.x0 = xmin - 1000, ras.y0 = ymin - 1000;
        ras.nx = static_cast<int>((xmax - xmin + 2000) / ras.cell) + 1;
        ras.ny = static_cast<int>((ymax - ymin + 2000) / ras.cell) + 1;
        ras.mask.assign(static_cast<std::size_t>(ras.nx) * static_cast<std::size_t>(ras.ny), 0);
        std::vector<const Ring*> rp;
        for (const Ring& r : prov_rings) rp.push_back(&r);
        ras.scan(rp, [&](int row, int c0, int c1) {
            for (int c = c0; c < c1; ++c) ras.mask[static_cast<std::size_t>(row) * ras.nx + c] ^= 1;
        });
    }
    auto placed = [&](const Blob& b, double f) {
        return translate(b.unit, {b.cluster_m.x + f * b.offset_m.x, b.cluster_m.y + f * b.offset_m.y}, f);
    };
    auto estimate = [&](double f) {
        ras.cover.assign(ras.mask.size(), 0);
        long cells = 0;
        for (const Blob& b : blobs) {
            const Ring r = placed(b, f);
            ras.scan({&r}, [&](int row, int c0, int c1) {
                for (int c = c0; c < c1; ++c) {
                    const std::size_t i = static_cast<std::size_t>(row) * ras.nx + c;
                    if (ras.mask[i] && !ras.cover[i]) ras.cover[i] = 1, ++cells;
                }
            });
        }
        return cells * ras.cell * ras.cell / kKm2;
    };
    double lo = 1, hi = 1;
    if (estimate(1) < kRedlineTargetKm2) {
        while (estimate(hi) < kRedlineTargetKm2 && hi < 50) lo = hi, hi *= 1.5;
    } else {
        while (estimate(lo) > kRedlineTargetKm2 && lo > 0.02) hi = lo, lo /= 1.5;
    }
    for (int it = 0; it < 22; ++it) {
        const double mid = (lo + hi) / 2;
        (estimate(mid) < kRedlineTargetKm2 ? lo : hi) = mid;
    }
    const double f = (lo + hi) / 2;
    const double est = estimate(f);
    g.log.push_back(fmt::format("redline: {} blobs, size factor {:.4f}, raster estimate {:.0f} km² ({:.0f} m cells)",
                                blobs.size(), f, est, ras.cell));

    for (const Blob& b : blobs) {
        const Ring r = placed(b, f);
        GeomPtr geom = g.w.from_metres(r);
        if (!geom) continue;
        const XY c = g.to_ll({b.cluster_m.x + f * b.offset_m.x, b.cluster_m.y + f * b.offset_m.y});
        Feature& ft = L.add(std::move(geom), fmt::format("{}{}生态保护红线", b.anchor->name, b.anchor->function), c);
        ft.set("type", std::string(b.anchor->function));
        ft.set("region", std::string(b.anchor->name));
    }
    return L;
}

// ---------------------------------------------------------------------------
// 2. water_source

namespace {

struct Reservoir {
    const char* name;
    double lon, lat, water_km2;
};
const Reservoir kReservoirs[] = {
    {"雪野水库", 117.57, 36.38, 24}, {"峡山水库", 119.42, 36.50, 60}, {"岸堤水库", 118.05, 35.83, 38},
    {"跋山水库", 118.73, 35.93, 25}, {"卧虎山水库", 117.00, 36.45, 7},  {"门楼水库", 121.30, 37.40, 15},
    {"米山水库", 122.00, 37.20, 18}, {"产芝水库", 120.50, 36.90, 22}, {"崂山水库", 120.55, 36.20, 5},
};

}  // namespace

Layer make_water_source(Gen& g, const std::vector<TownInfo>& towns) {
    Layer L = make_layer("water_source", "饮用水水源保护区", "SY",
                         "Drinking-water source protection zones: the two lakes, nine reservoirs, one zone per county "
                         "and rural sources (synthetic)",
                         {{"level", FieldDef::Str, 20}, {"type", FieldDef::Str, 20}, {"source", FieldDef::Str, 40}});
    Rng rng = g.rng(kWaterSource);
    const Context& ctx = g.ctx();
    auto add = [&](GeomPtr geom, const std::string& name, XY anchor, const char* level, const char* type,
                   const std::string& source) {
        Feature& f = L.add(std::move(geom), name, anchor);
        f.set("level", std::string(level));
        f.set("type", std::string(type));
        f.set("source", source);
    };
    // lakes
    for (const Lake& lk : g.w.lakes) {
        GeomPtr in = grid_op(ctx, GEOSIntersectionPrec_r(ctx, lk.geom.get(), g.w.province.get(), 1 / kGridScale), "lake clip");
        if (GEOSisEmpty_r(ctx, in.get()) || g.w.proj.area_km2(ctx, in.get()) < 20) continue;
        GeomPtr m = g.w.proj.forward(ctx, in.get());
        GeomPtr buf = zg::own(ctx, GEOSBuffer_r(ctx, m.get(), 1000, 8), "lake buffer");
        GeomPtr geom = g.w.from_metres(buf.get());
        if (!geom) continue;
        const XY c = interior_point(ctx, in.get());
        const std::string lname = c.y < 35.2 ? "南四湖（微山湖）" : "东平湖";
        add(std::move(geom), lname + "饮用水水源保护区", c, "二级保护区", "湖库型", lname);
    }
    // reservoirs: the water body (first-level zone) and a ring around it (second level)
    for (const Reservoir& r : kReservoirs) {
        const XY c{r.lon, r.lat};
        const XY cm = g.to_m(c);
        StarSpec s;
        s.area_m2 = r.water_km2 * kKm2;
        s.vertices = rng.integer(120, 200);
        s.roughness = 0.5;
        s.elongation = rng.uniform(1.5, 3.0);
        s.azimuth = rng.angle();
        GeomPtr water = g.w.from_metres(translate(star(rng, s), cm));
        s.area_m2 *= rng.uniform(3.5, 6);
        s.vertices = rng.integer(120, 200);
        s.roughness = 0.3;
        s.elongation = std::max(1.0, s.elongation * 0.7);
        GeomPtr outer = g.w.from_metres(translate(star(rng, s), cm));
        if (!water || !outer) continue;
        GeomPtr ring = grid_op(ctx, GEOSDifferencePrec_r(ctx, outer.get(), water.get(), 1 / kGridScale), "difference");
        const std::string base = std::string(r.name) + "饮用水水源地";
        add(std::move(water), base + "一级保护区", c, "一级保护区", "湖库型", r.name);
        if (!GEOSisEmpty_r(ctx, ring.get())) add(std::move(ring), base + "二级保护区", c, "二级保护区", "湖库型", r.name);
    }
    // one zone per county, 5-15 km from the seat
    for (std::size_t ci = 0; ci < g.w.counties.size(); ++ci) {
        const County& c = g.w.counties[ci];
        std::optional<XY> p = g.place_near(rng, c.seat, 5000, 15000, static_cast<int>(ci));
        if (!p) p = g.place_near(rng, c.seat, 5000, 15000, -1);
        if (!p) continue;
        const double rad = rng.uniform(1000, 3000);
        GeomPtr geom = g.blob(rng, *p, kPi * rad * rad / kKm2, 0.25, 1.6);
        if (!geom) continue;
        std::string town = c.short_name;
        std::vector<std::string> zhen;
        for (const Town& t : c.towns)
            if (ends_with(t.name, "镇") || ends_with(t.name, "乡")) zhen.push_back(t.name);
        if (!zhen.empty()) town = strip_suffix(rng.pick(zhen), {"镇", "乡"});
        const double u = rng.uniform();
        const char* type = u < 0.6 ? "地下水型" : u < 0.8 ? "河流型" : "湖库型";
        const char* level = rng.chance(0.4) ? "一级保护区" : "二级保护区";
        add(std::move(geom), c.name + town + "水源地" + level, *p, level, type, town + "水源地");
    }
    // rural sources near townships (not near seats or urban sub-districts)
    std::vector<const TownInfo*> rural;
    for (const TownInfo& t : towns)
        if (ends_with(t.name, "镇") || ends_with(t.name, "乡")) rural.push_back(&t);
    const int n = static_cast<int>(std::lround(900 * g.scale));
    for (int i = 0; i < n && !rural.empty(); ++i) {
        const TownInfo& t = *rural[static_cast<std::size_t>(rng.integer(0, static_cast<int>(rural.size()) - 1))];
        const std::optional<XY> p = g.place_near(rng, t.ll, 500, 3000, -1);
        if (!p) continue;
        GeomPtr geom = g.blob(rng, *p, rng.log_uniform(0.1, 1.0) / g.scale, 0.25, 1.6);
        if (!geom) continue;
        add(std::move(geom), t.name + "农村饮用水水源保护区", *p, rng.chance(0.7) ? "一级保护区" : "二级保护区",
            "地下水型", t.name + "农村水源地");
    }
    return L;
}

// ---------------------------------------------------------------------------
// 3. river

Layer make_river(Gen& g) {
    Layer L = make_layer("river", "河流廊道", "HL",
                         "River corridors: WDBII rivers buffered by class (class 1: 1 km, 2: 500 m, others 300 m), "
                         "clipped to the province and split by county",
                         {{"river", FieldDef::Str, 20}, {"class", FieldDef::Int, 2}, {"class_name", FieldDef::Str, 20},
                          {"width_m", FieldDef::Int, 6}});
    const Context& ctx = g.ctx();
    for (const River& rv : g.w.rivers) {
        const double hw = rv.cls == 1 ? 1000 : rv.cls == 2 ? 500 : 300;
        GeomPtr buf = zg::own(ctx, GEOSBuffer_r(ctx, rv.line_m.get(), hw, 8), "river buffer");
        GeomPtr ll = to_grid(ctx, g.w.proj.inverse(ctx, buf.get()).get());
        double xmin, ymin, xmax, ymax;
        GEOSGeom_getXMin_r(ctx, ll.get(), &xmin), GEOSGeom_getYMin_r(ctx, ll.get(), &ymin);
        GEOSGeom_getXMax_r(ctx, ll.get(), &xmax), GEOSGeom_getYMax_r(ctx, ll.get(), &ymax);
        for (const County& c : g.w.counties) {
            if (c.xmax < xmin || c.xmin > xmax || c.ymax < ymin || c.ymin > ymax) continue;
            if (!GEOSPreparedIntersects_r(ctx, c.prep.get(), ll.get())) continue;
            GeomPtr piece = grid_op(ctx, GEOSIntersectionPrec_r(ctx, ll.get(), c.geom.get(), 1 / kGridScale), "river clip");
            if (GEOSisEmpty_r(ctx, piece.get()) || g.w.proj.area_km2(ctx, piece.get()) < 0.02) continue;
            const XY a = interior_point(ctx, piece.get());
            Feature& f = L.add(std::move(piece), rv.name + c.name + "段", a);
            f.set("river", rv.name);
            f.set("class", static_cast<long long>(rv.cls));
            f.set("class_name", rv.class_name);
            f.set("width_m", static_cast<long long>(2 * hw));
        }
    }
    return L;
}

// ---------------------------------------------------------------------------
// 9. groundwater

Layer make_groundwater(Gen& g) {
    Layer L = make_layer("groundwater", "地下水超采区", "DX",
                         "Groundwater over-extraction zones of the north-west plain: county outlines shifted 20-40 m "
                         "and slightly warped, as if digitized on another base map (synthetic)",
                         {{"level", FieldDef::Str, 20}, {"aquifer", FieldDef::Str, 20}});
    Rng rng = g.rng(kGroundwater);
    const Context& ctx = g.ctx();
    static const char* const kExtra[] = {"370115", "370126", "371621", "371622", "371623"};
    int warped = 0, shifted = 0;
    for (const County& c : g.w.counties) {
        const bool nw = c.city_adcode == "371400" || c.city_adcode == "371500";
        if (!nw && std::find_if(std::begin(kExtra), std::end(kExtra), [&](const char* a) { return c.adcode == a; }) == std::end(kExtra))
            continue;
        const double d = rng.uniform(20, 40), az = rng.angle();
        const double mx = 1 / (111320.0 * std::cos(c.seat.y * kPi / 180)), my = 1 / 110950.0;  // degrees per metre
        const double dx = std::round(d * std::cos(az) * mx * kGridScale) / kGridScale;
        const double dy = std::round(d * std::sin(az) * my * kGridScale) / kGridScale;
        const double amp = rng.uniform(3, 8), wl = rng.uniform(3000, 9000) * mx, ph1 = rng.angle(), ph2 = rng.angle();
        auto warp = [&](double amp_m) {
            return transform(ctx, c.geom.get(), [&](std::vector<double>& x, std::vector<double>& y) {
                for (std::size_t i = 0; i < x.size(); ++i) {
                    const double ox = amp_m * mx * std::sin(2 * kPi * y[i] / wl + ph1);
                    const double oy = amp_m * my * std::sin(2 * kPi * x[i] / wl + ph2);
                    x[i] = snap(x[i] + dx + ox);
                    y[i] = snap(y[i] + dy + oy);
                }
            });
        };
        GeomPtr geom = warp(amp);
        if (is_valid(ctx, geom.get())) ++warped;
        else geom = warp(0), ++shifted;  // a shift by whole grid steps keeps the county valid
        const bool severe = nw && rng.chance(0.5);
        Feature& f = L.add(std::move(geom), c.name + "地下水超采区", c.seat);
        f.set("level", std::string(severe ? "严重超采区" : "一般超采区"));
        f.set("aquifer", std::string(rng.chance(0.6) ? "深层承压水" : "浅层地下水"));
    }
    g.log.push_back(fmt::format("groundwater: {} counties shifted 20-40 m and warped by 3-8 m, {} shifted only", warped, shifted));
    return L;
}

// ---------------------------------------------------------------------------
// reserves (Shapefile)

namespace {

struct ReserveDef {
    const char* name;
    const char* level;
    const char* type;
    int year;
    double area_km2;
    std::vector<XY> parts;  // cluster centres
};

const std::vector<ReserveDef>& reserve_defs() {
    static const std::vector<ReserveDef> defs = {
        {"泰山国家级自然保护区", "国家级", "森林生态", 2006, 120, {{117.10, 36.26}, {117.05, 36.22}}},
        {"昆嵛山国家级自然保护区", "国家级", "森林生态", 2008, 155, {{121.75, 37.26}, {121.70, 37.22}}},
        {"黄河三角洲国家级自然保护区", "国家级", "内陆湿地", 1992, 900, {{119.12, 37.75}, {119.05, 37.70}, {118.85, 38.00}}},
        {"荣成大天鹅国家级自然保护区", "国家级", "野生动物", 2007, 15, {{122.52, 37.33}}},
        {"滨州贝壳堤岛与湿地国家级自然保护区", "国家级", "海洋海岸", 2006, 300, {{117.95, 38.05}, {118.05, 38.08}}},
        {"山旺古生物化石国家级自然保护区", "国家级", "古生物遗迹", 1999, 3, {{118.63, 36.38}}},
        {"马山国家级自然保护区", "国家级", "地质遗迹", 1994, 8, {{120.45, 36.43}}},
        {"崂山省级自然保护区", "省级", "森林生态", 2000, 90, {{120.62, 36.18}, {120.58, 36.22}}},
        {"蒙山省级自然保护区", "省级", "森林生态", 2001, 120, {{117.90, 35.55}, {117.98, 35.50}}},
        {"沂山省级自然保护区", "省级", "森林生态", 2002, 40, {{118.62, 36.20}}},
        {"鲁山省级自然保护区", "省级", "森林生态", 2002, 45, {{118.06, 36.30}}},
        {"徂徕山省级自然保护区", "省级", "森林生态", 2001, 60, {{117.28, 36.03}}},
        {"尼山省级自然保护区", "省级", "森林生态", 2003, 25, {{117.18, 35.50}}},
        {"抱犊崮省级自然保护区", "省级", "森林生态", 2004, 30, {{117.76, 34.98}}},
        {"牙山省级自然保护区", "省级", "森林生态", 2002, 35, {{121.15, 37.22}}},
        {"伟德山省级自然保护区", "省级", "森林生态", 2003, 50, {{122.20, 37.05}}},
        {"大泽山省级自然保护区", "省级", "森林生态", 2005, 30, {{120.05, 36.95}}},
        {"南四湖省级自然保护区", "省级", "内陆湿地", 2003, 600, {{116.78, 35.12}, {116.98, 34.92}, {117.18, 34.70}}},
        {"东平湖省级自然保护区", "省级", "内陆湿地", 2005, 120, {{116.20, 36.00}}},
        {"马踏湖省级自然保护区", "省级", "内陆湿地", 2004, 30, {{118.03, 37.02}}},
        {"黄河故道省级自然保护区", "省级", "内陆湿地", 2008, 40, {{115.70, 34.75}, {115.85, 34.72}}},
        {"九仙山省级自然保护区", "省级", "森林生态", 2006, 20, {{119.30, 35.72}}},
        {"艾山省级自然保护区", "省级", "森林生态", 2007, 25, {{120.85, 37.18}}},
        {"莱州湾湿地省级自然保护区", "省级", "海洋海岸", 2009, 60, {{119.20, 37.12}}},
        {"莲台山市级自然保护区", "市县级", "森林生态", 2010, 12, {{116.80, 36.45}}},
        {"百脉泉县级自然保护区", "市县级", "内陆湿地", 2011, 6, {{117.53, 36.68}}},
        {"原山市级自然保护区", "市县级", "森林生态", 2009, 18, {{117.88, 36.45}}},
        {"仰天山市级自然保护区", "市县级", "森林生态", 2008, 15, {{118.33, 36.45}}},
        {"浮来山县级自然保护区", "市县级", "森林生态", 2012, 8, {{118.75, 35.60}}},
        {"莲花山市级自然保护区", "市县级", "森林生态", 2010, 14, {{117.75, 35.92}}},
        {"诸城恐龙化石市级自然保护区", "市县级", "古生物遗迹", 2007, 6, {{119.40, 35.97}}},
        {"罗山市级自然保护区", "市县级", "森林生态", 2011, 16, {{120.50, 37.30}}},
        {"塔山县级自然保护区", "市县级", "森林生态", 2013, 10, {{117.86, 35.30}}},
        {"熊耳山市级自然保护区", "市县级", "地质遗迹", 2010, 12, {{117.60, 35.20}}},
        {"峄山县级自然保护区", "市县级", "森林生态", 2012, 7, {{116.99, 35.37}}},
        {"泉林县级自然保护区", "市县级", "内陆湿地", 2014, 5, {{117.40, 35.60}}},
    };
    return defs;
}

}  // namespace

Layer make_reserves(Gen& g) {
    Layer L = make_layer("reserves", "自然保护区", "ZR", "Nature reserves (synthetic outlines at real places)",
                         {{"level", FieldDef::Str, 10}, {"type", FieldDef::Str, 20}, {"est_year", FieldDef::Int, 4}});
    Rng rng = g.rng(kReserves);
    const Context& ctx = g.ctx();
    for (const ReserveDef& d : reserve_defs()) {
        std::vector<GEOSGeometry*> parts;
        const double each = d.area_km2 / static_cast<double>(d.parts.size());
        for (const XY& c : d.parts) {
            GeomPtr b = g.blob(rng, c, each * rng.uniform(0.8, 1.25), 0.3, 2.0, rng.integer(100, 200));
            if (b) parts.push_back(b.release());
        }
        if (parts.empty()) {
            g.log.push_back(fmt::format("reserves: {} has no land in the province, skipped", d.name));
            continue;
        }
        GeomPtr coll = zg::own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())), "collection");
        GeomPtr geom = grid_op(ctx, GEOSUnaryUnionPrec_r(ctx, coll.get(), 1 / kGridScale), "union");
        Feature& f = L.add(std::move(geom), d.name, d.parts.front());
        f.set("level", std::string(d.level));
        f.set("type", std::string(d.type));
        f.set("est_year", static_cast<long long>(d.year));
    }
    return L;
}

// ---------------------------------------------------------------------------
// 6. air_high_emission

namespace {

struct CityZone {
    const char* adcode;
    const char* name;
};
const CityZone kCityZones[] = {
    {"370303", "淄博市中心城区大气环境高排放重点管控区"}, {"370116", "莱芜钢铁产业集聚区大气环境高排放重点管控区"},
    {"371103", "日照岚山钢铁基地大气环境高排放重点管控区"}, {"370502", "东营石化产业集聚区大气环境高排放重点管控区"},
    {"371302", "临沂市中心城区大气环境高排放重点管控区"}, {"370702", "潍坊市中心城区大气环境高排放重点管控区"},
    {"370112", "济南东部工业区大气环境高排放重点管控区"}, {"371602", "滨州市中心城区大气环境高排放重点管控区"},
    {"370811", "济宁市中心城区大气环境高排放重点管控区"},
};

// An irregular buffer: the buffered convex hull of g_m, its radius from the
// centroid modulated by smooth noise.
GeomPtr irregular_buffer(Gen& g, Rng& rng, const GEOSGeometry* g_m, double dist) {
    const Context& ctx = g.ctx();
    GeomPtr hull = zg::own(ctx, GEOSConvexHull_r(ctx, g_m), "hull");
    GeomPtr buf = zg::own(ctx, GEOSBuffer_r(ctx, hull.get(), dist, 8), "buffer");
    GeomPtr cen = zg::own(ctx, GEOSGetCentroid_r(ctx, buf.get()), "centroid");
    XY c;
    GEOSGeomGetX_r(ctx, cen.get(), &c.x);
    GEOSGeomGetY_r(ctx, cen.get(), &c.y);
    double len = 0;
    GEOSLength_r(ctx, buf.get(), &len);
    const int n = rng.integer(70, 170);
    GeomPtr dens = zg::own(ctx, GEOSDensify_r(ctx, buf.get(), len / n), "densify");
    Ring r = ring_coords(ctx, GEOSGetExteriorRing_r(ctx, dens.get()));
    double amp[7], ph[7];
    for (int k = 2; k <= 6; ++k) amp[k] = 0.12 * rng.normal() / k, ph[k] = rng.angle();
    for (XY& p : r) {
        const double t = std::atan2(p.y - c.y, p.x - c.x);
        double lr = 0;
        for (int k = 2; k <= 6; ++k) lr += amp[k] * std::cos(k * t + ph[k]);
        const double f = std::exp(lr) * (1 + 0.01 * rng.normal());
        p = {c.x + (p.x - c.x) * f, c.y + (p.y - c.y) * f};
    }
    return g.w.from_metres(r);
}

}  // namespace

Layer make_air(Gen& g, const std::vector<ParkInfo>& parks) {
    Layer L = make_layer("air_high_emission", "大气环境高排放重点管控区", "DQ",
                         "Air high-emission key control zones: irregular 2-5 km buffers around parks and a few "
                         "city-scale zones (synthetic)",
                         {{"type", FieldDef::Str, 20}, {"source_id", FieldDef::Str, 10}, {"buffer_m", FieldDef::Int, 6}});
    Rng rng = g.rng(kAir);
    for (const ParkInfo& p : parks) {
        const bool chem = p.type == "化工园区";
        if (!chem && !rng.chance(0.7)) continue;
        const double d = rng.uniform(2000, 5000);
        GeomPtr pm = g.w.proj.forward(g.ctx(), p.geom.get());
        GeomPtr geom = irregular_buffer(g, rng, pm.get(), d);
        if (!geom) continue;
        Feature& f = L.add(std::move(geom), p.name + "大气环境高排放重点管控区", p.ll);
        f.set("type", std::string("园区高排放区"));
        f.set("source_id", p.id);
        f.set("buffer_m", static_cast<long long>(std::lround(d / 100) * 100));
    }
    for (const CityZone& z : kCityZones) {
        const County* c = g.w.county_by_code(z.adcode);
        if (!c) continue;
        const std::optional<XY> p = g.place_near(rng, c->seat, 0, 5000, -1);
        if (!p) continue;
        GeomPtr geom = g.blob(rng, *p, rng.log_uniform(150, 500), 0.3, 1.8, rng.integer(150, 200));
        if (!geom) continue;
        Feature& f = L.add(std::move(geom), z.name, *p);
        f.set("type", std::string("城市高排放区"));
        f.set("source_id", std::string());
        f.set("buffer_m", 0LL);
    }
    return L;
}

// ---------------------------------------------------------------------------
// 7. water_industrial

namespace {

Ring substring(const Ring& line, double from, double to) {
    Ring out;
    double s = 0;
    for (std::size_t i = 0; i + 1 < line.size(); ++i) {
        const XY a = line[i], b = line[i + 1];
        const double len = std::hypot(b.x - a.x, b.y - a.y);
        const double s1 = s + len;
        if (s1 >= from && s <= to && len > 0) {
            const double f0 = std::max(0.0, (from - s) / len), f1 = std::min(1.0, (to - s) / len);
            if (out.empty()) out.push_back({a.x + (b.x - a.x) * f0, a.y + (b.y - a.y) * f0});
            out.push_back({a.x + (b.x - a.x) * f1, a.y + (b.y - a.y) * f1});
        }
        s = s1;
        if (s > to) break;
    }
    return out;
}

}  // namespace

Layer make_water_industrial(Gen& g, const std::vector<ParkInfo>& parks) {
    Layer L = make_layer("water_industrial", "水环境工业污染重点管控区", "SG",
                         "Water industrial-pollution key control zones: river corridor pieces next to parks (synthetic)",
                         {{"type", FieldDef::Str, 20}, {"river", FieldDef::Str, 20}, {"source_id", FieldDef::Str, 10}});
    Rng rng = g.rng(kWaterIndustrial);
    const Context& ctx = g.ctx();
    std::vector<Ring> lines;
    for (const River& r : g.w.rivers) lines.push_back(ring_coords(ctx, r.line_m.get()));
    for (const ParkInfo& p : parks) {
        const XY pm = g.to_m(p.ll);
        GeomPtr pt = zg::own(ctx, GEOSGeom_createPointFromXY_r(ctx, pm.x, pm.y), "point");
        int best = -1;
        double best_d = 15000;
        for (std::size_t i = 0; i < g.w.rivers.size(); ++i) {
            double d = 0;
            GEOSDistance_r(ctx, g.w.rivers[i].line_m.get(), pt.get(), &d);
            if (d < best_d) best_d = d, best = static_cast<int>(i);
        }
        if (best < 0 || !rng.chance(0.85)) continue;
        const River& rv = g.w.rivers[static_cast<std::size_t>(best)];
        const double s = GEOSProject_r(ctx, rv.line_m.get(), pt.get());
        const Ring piece = substring(lines[static_cast<std::size_t>(best)], s - rng.uniform(3000, 10000), s + rng.uniform(5000, 15000));
        if (piece.size() < 2) continue;
        GeomPtr line = make_line(ctx, piece);
        double len = 0;
        GEOSLength_r(ctx, line.get(), &len);
        if (len < 1000) continue;
        GeomPtr buf = zg::own(ctx, GEOSBuffer_r(ctx, line.get(), rng.uniform(300, 800), 8), "buffer");
        GeomPtr geom = g.w.from_metres(buf.get());
        if (!geom) continue;
        Feature& f = L.add(std::move(geom), fmt::format("{}{}段水环境工业污染重点管控区", rv.name, p.short_name),
                           g.to_ll(piece[piece.size() / 2]));
        f.set("type", std::string("工业污染重点管控区"));
        f.set("river", rv.name);
        f.set("source_id", p.id);
    }
    return L;
}

}  // namespace gen::detail
