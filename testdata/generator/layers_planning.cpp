// zone-genfactors: the territorial-plan layers of planning.gpkg, for
// zone-check map --expect. They follow the factor layers (made after them,
// from their geometries, with a stream of their own, so factors.gpkg is the
// same with or without them):
//
//   ubound    urban development boundary (城镇开发边界): every town and park
//             shrunk by 20 m (城镇集中建设区, so in key or priority units), plus
//             three planted blobs wholly in land no factor claims (planted = 1)
//             and two special-use zones there (特别用途区, planted = 0, which a
//             filter GNFQ <> '特别用途区' leaves out).
//   farmland  permanent basic farmland (永久基本农田): blobs in land no factor
//             claims (general units), plus three planted pieces inside parks
//             (planted = 1) where no priority factor is, so in key units.
//
// "Land no factor claims" is a blob minus every factor feature and reserve
// grown by 50 m, so that sliver elimination along factor edges cannot put it
// in another unit.
#include "layers.hpp"

#include <algorithm>
#include <functional>
#include <optional>

namespace gen::detail {

namespace {

constexpr double kShrinkM = 20, kClearM = 50;

// All factor and reserve features, in an STR tree, to subtract from blobs.
class FactorMask {
public:
    FactorMask(const Gen& g, const std::vector<const Layer*>& layers) : g_(g) {
        tree_ = GEOSSTRtree_create_r(g.ctx(), 10);
        for (const Layer* L : layers) add(*L);
        index_.resize(valid_.size());
        for (std::size_t i = 0; i < valid_.size(); ++i) {
            index_[i] = i;
            GEOSSTRtree_insert_r(g.ctx(), tree_, valid_[i].get(), &index_[i]);
        }
    }
    ~FactorMask() { GEOSSTRtree_destroy_r(g_.ctx(), tree_); }
    FactorMask(const FactorMask&) = delete;
    FactorMask& operator=(const FactorMask&) = delete;

    // True when the lon/lat geometry meets a feature.
    bool meets(const GEOSGeometry* ll) const {
        std::vector<std::size_t> hits;
        GEOSSTRtree_query_r(g_.ctx(), tree_, ll, [](void* item, void* data) {
            static_cast<std::vector<std::size_t>*>(data)->push_back(*static_cast<std::size_t*>(item));
        }, &hits);
        for (std::size_t i : hits)
            if (GEOSIntersects_r(g_.ctx(), valid_[i].get(), ll) == 1) return true;
        return false;
    }

    // `ring_m` (metres) minus the factors grown by kClearM, as lon/lat on the
    // grid; null when nothing is left.
    GeomPtr clear_of_factors(const Ring& ring_m) const {
        const Context& ctx = g_.ctx();
        GeomPtr blob_m = make_polygon(ctx, ring_m);
        GeomPtr blob_ll = g_.w.proj.inverse(ctx, blob_m.get());
        std::vector<std::size_t> hits;
        GEOSSTRtree_query_r(ctx, tree_, blob_ll.get(), [](void* item, void* data) {
            static_cast<std::vector<std::size_t>*>(data)->push_back(*static_cast<std::size_t*>(item));
        }, &hits);
        std::sort(hits.begin(), hits.end());
        GeomPtr rest = std::move(blob_m);
        for (std::size_t i : hits) {
            GeomPtr f_m = g_.w.proj.forward(ctx, valid_[i].get());
            GeomPtr grown = zg::own(ctx, GEOSBuffer_r(ctx, f_m.get(), kClearM, 8), "buffer");
            rest = zg::own(ctx, GEOSDifference_r(ctx, rest.get(), grown.get()), "difference");
            if (GEOSisEmpty_r(ctx, rest.get())) return nullptr;
        }
        return g_.w.from_metres(rest.get());
    }

private:
    void add(const Layer& L) {
        for (const Feature& f : L.features) {
            valid_.push_back(f.defect.empty() ? zg::clone(g_.ctx(), f.geom.get())
                                              : make_valid_structure(g_.ctx(), f.geom.get()));
        }
    }
    const Gen& g_;
    GEOSSTRtree* tree_ = nullptr;
    std::vector<GeomPtr> valid_;
    std::vector<std::size_t> index_;
};

const Layer& layer_named(const std::vector<Layer>& layers, const char* name) {
    for (const Layer& L : layers)
        if (L.name == name) return L;
    throw std::runtime_error(std::string("no factor layer ") + name);
}

// A feature shrunk by `m` metres, lon/lat on the grid; null when nothing is left.
GeomPtr shrunk(const Gen& g, const Feature& f, double m) {
    const Context& ctx = g.ctx();
    GeomPtr v = f.defect.empty() ? zg::clone(ctx, f.geom.get()) : make_valid_structure(ctx, f.geom.get());
    GeomPtr v_m = g.w.proj.forward(ctx, v.get());
    // Mitred joins: no arcs at the corners, so hardly more vertices than the feature.
    GeomPtr in = zg::own(ctx, GEOSBufferWithStyle_r(ctx, v_m.get(), -m, 1, GEOSBUF_CAP_FLAT, GEOSBUF_JOIN_MITRE, 2.0),
                         "buffer");
    if (GEOSisEmpty_r(ctx, in.get())) return nullptr;
    return g.w.from_metres(in.get());
}

// Blob rings (metres) near the county seats, cleared of the factors, until
// `n` are made; each is handed to `use` with its anchor.
void clear_blobs(Gen& g, Rng& rng, const FactorMask& mask, int n, double km2_lo, double km2_hi,
                 const std::function<void(GeomPtr, XY)>& use) {
    int made = 0;
    for (int tries = 0; made < n && tries < 50 * n; ++tries) {
        const int ci = rng.integer(0, static_cast<int>(g.w.counties.size()) - 1);
        const County& c = g.w.counties[static_cast<std::size_t>(ci)];
        const std::optional<XY> p = g.place_near(rng, c.seat, 6000, 20000, ci);
        if (!p) continue;
        Ring ring_m;
        g.blob(rng, *p, rng.uniform(km2_lo, km2_hi), 0.25, 1.6, 60, &ring_m);
        GeomPtr geom = mask.clear_of_factors(ring_m);
        if (!geom || g.w.proj.area_km2(g.ctx(), geom.get()) < 0.5 * km2_lo) continue;
        use(std::move(geom), *p);
        ++made;
    }
}

}  // namespace

std::vector<Layer> make_planning(Gen& g, const std::vector<Layer>& factors, const Layer& reserves) {
    Rng rng = g.rng(kPlanning);
    std::vector<const Layer*> all{&reserves}, priority{&reserves};
    for (const Layer& L : factors) all.push_back(&L);
    for (const char* name : {"redline", "water_source", "river"}) priority.push_back(&layer_named(factors, name));
    const FactorMask mask(g, all), priority_mask(g, priority);
    std::vector<Layer> out;

    Layer ub = make_layer("ubound", "城镇开发边界", "KB",
                          "Urban development boundary (synthetic): towns and parks shrunk by 20 m; planted = 1 "
                          "lies in general land",
                          {{"GNFQ", FieldDef::Str, 20}, {"planted", FieldDef::Int, 1}});
    for (const char* name : {"towns", "parks"})
        for (const Feature& f : layer_named(factors, name).features) {
            GeomPtr geom = shrunk(g, f, kShrinkM);
            if (!geom) continue;
            Feature& nf = ub.add(std::move(geom), std::get<std::string>(*f.get("name")), f.anchor);
            nf.set("GNFQ", std::string("城镇集中建设区"));
            nf.set("planted", 0LL);
        }
    double planted_km2 = 0;
    clear_blobs(g, rng, mask, 3, 0.3, 1.2, [&](GeomPtr geom, XY at) {
        planted_km2 += g.w.proj.area_km2(g.ctx(), geom.get());
        Feature& f = ub.add(std::move(geom), "规划城镇建设区（与管控单元不一致）", at);
        f.set("GNFQ", std::string("城镇集中建设区"));
        f.set("planted", 1LL);
    });
    clear_blobs(g, rng, mask, 2, 0.3, 1.0, [&](GeomPtr geom, XY at) {
        Feature& f = ub.add(std::move(geom), "城镇特别用途区", at);
        f.set("GNFQ", std::string("特别用途区"));
        f.set("planted", 0LL);
    });
    g.log.push_back(fmt::format("planning.gpkg ubound: {} features, 3 planted in general land ({:.3f} km²)",
                                ub.features.size(), planted_km2));

    Layer fa = make_layer("farmland", "永久基本农田", "JN",
                          "Permanent basic farmland (synthetic): in general land; planted = 1 lies in a park",
                          {{"planted", FieldDef::Int, 1}});
    clear_blobs(g, rng, mask, std::max(6, static_cast<int>(std::lround(600 * g.scale))), 0.5, 3.0,
                [&](GeomPtr geom, XY at) {
                    Feature& f = fa.add(std::move(geom), "永久基本农田保护片区", at);
                    f.set("planted", 0LL);
                });
    const Layer& parks = layer_named(factors, "parks");
    double in_parks_km2 = 0;
    for (std::size_t k = 0, planted = 0; k < parks.features.size() && planted < 3; k += 7) {
        const Feature& park = parks.features[k];
        if (!park.defect.empty()) continue;
        GeomPtr inner = shrunk(g, park, 200);
        if (!inner) continue;
        const XY at = interior_point(g.ctx(), inner.get());
        Ring ring_m;
        g.blob(rng, at, 0.15, 0.2, 1.3, 40, &ring_m);
        GeomPtr blob_m = make_polygon(g.ctx(), ring_m);
        GeomPtr inner_m = g.w.proj.forward(g.ctx(), inner.get());
        GeomPtr piece = zg::own(g.ctx(), GEOSIntersection_r(g.ctx(), blob_m.get(), inner_m.get()), "intersection");
        GeomPtr geom = GEOSisEmpty_r(g.ctx(), piece.get()) ? nullptr : g.w.from_metres(piece.get());
        // Not where priority land would make the park's land a priority unit.
        if (!geom || priority_mask.meets(geom.get())) continue;
        in_parks_km2 += g.w.proj.area_km2(g.ctx(), geom.get());
        Feature& f = fa.add(std::move(geom), "园区内基本农田（与管控单元不一致）", at);
        f.set("planted", 1LL);
        ++planted;
    }
    g.log.push_back(fmt::format("planning.gpkg farmland: {} features, 3 planted inside parks ({:.3f} km²)",
                                fa.features.size(), in_parks_km2));
    out.push_back(std::move(ub));
    out.push_back(std::move(fa));
    return out;
}

}  // namespace gen::detail
