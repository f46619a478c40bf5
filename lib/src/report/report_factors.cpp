// Factor composition of each unit (the 要素构成 of its sheet): the factor ids
// of its YSLX list and, when the scheme names readable factor layers, the
// share of the unit's land each of those factors covers.
//
// YSLX lists every factor whose land lies in the unit, not only the one that
// decided its category, so the shares overlap and need not add up to 100 %.
#include "core/parallel.hpp"
#include "core/text_util.hpp"

#include "report/report_detail.hpp"
#include "zone/core/error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>

namespace zone::detail {

namespace {

// "a;b; c" -> a, b, c. The full-width "；" is accepted too: hand-edited maps have it.
std::vector<std::string> split_ids(std::string text) {
    const std::string wide = "；";
    std::string plain;
    for (std::size_t i = 0; i < text.size();) {
        if (text.compare(i, wide.size(), wide) == 0) {
            plain += ';';
            i += wide.size();
        } else {
            plain += text[i++];
        }
    }
    text.swap(plain);
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(';', start), text.size());
        const std::string id = trim(text.substr(start, end - start));
        if (!id.empty() && std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
        start = end + 1;
    }
    return out;
}

struct Box {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    bool meets(const Box& o) const { return x0 <= o.x1 && o.x0 <= x1 && y0 <= o.y1 && o.y0 <= y1; }
};

Box box_of(GEOSContextHandle_t ctx, const GEOSGeometry* g) {
    Box b;
    GEOSGeom_getExtent_r(ctx, g, &b.x0, &b.y0, &b.x1, &b.y1);
    return b;
}


}  // namespace

std::string factor_composition(const geos::Context& ctx, const ReportFactors* factors, const std::string& crs_wkt,
                               AreaMethod method,
                               const std::vector<const GEOSGeometry*>& geoms, const std::vector<int>& zones,
                               const std::vector<std::string>& yslx, std::vector<ReportUnit>& units, int threads) {
    for (std::size_t u = 0; u < units.size(); ++u) {
        units[u].factors.clear();
        for (const auto& id : split_ids(yslx[u])) units[u].factors.push_back(FactorShare{id, {}, std::nullopt});
    }
    if (!factors)
        return "factor composition lists each unit's YSLX factor ids; shares of the unit's land are not computed: "
               "no --scheme names the factor layers";

    const std::vector<FactorLayer>& layers = factors->layers;
    std::map<std::string, int> index;
    std::vector<std::vector<Box>> boxes(layers.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
        index.emplace(layers[i].id, static_cast<int>(i));
        if (layers[i].layer)
            for (const auto& feature : layers[i].layer->features) boxes[i].push_back(box_of(ctx, feature.geom.get()));
    }
    for (auto& unit : units)
        for (auto& f : unit.factors) {
            auto it = index.find(f.id);
            if (it != index.end()) f.label = layers[it->second].label;
        }

    std::vector<std::size_t> jobs(units.size());
    std::iota(jobs.begin(), jobs.end(), 0);
    run_parallel(
        jobs, threads, [&] { return std::make_unique<GeometryWorker>(crs_wkt, method); },
        [&](GeometryWorker& w, std::size_t u) {
            ReportUnit& unit = units[u];
            if (unit.factors.empty() || !(unit.area_m2 > 0)) return;
            const GEOSGeometry* g = geoms[u];
            const Box ub = box_of(w.ctx, g);
            geos::PreparedPtr prepared = geos::prepare(w.ctx, g);
            w.area.use_zone(zones[u]);
            for (auto& f : unit.factors) {
                auto it = index.find(f.id);
                if (it == index.end() || !layers[it->second].layer) continue;
                const PolygonLayer& l = *layers[it->second].layer;
                const std::vector<Box>& l_boxes = boxes[it->second];
                std::vector<geos::GeomPtr> parts;
                for (std::size_t k = 0; k < l_boxes.size(); ++k) {
                    if (!l_boxes[k].meets(ub)) continue;
                    const GEOSGeometry* fg = l.features[k].geom.get();
                    if (GEOSPreparedIntersects_r(w.ctx, prepared.get(), fg) != 1) continue;
                    GEOSGeometry* piece = GEOSIntersection_r(w.ctx, g, fg);
                    // Factor layers are only as clean as their sources; a fixed
                    // grid gets GEOS past a topology exception.
                    if (!piece) piece = GEOSIntersectionPrec_r(w.ctx, g, fg, 1e-9);
                    if (!piece) continue;
                    parts.push_back(geos::polygonal_part(w.ctx, geos::own(w.ctx, piece)));
                }
                double covered = 0;
                if (parts.size() == 1) {
                    covered = w.area.area(w.ctx, parts[0].get());
                } else if (parts.size() > 1) {
                    // Features of one layer may overlap: their union, not their sum.
                    std::vector<GEOSGeometry*> raw;
                    for (auto& p : parts) raw.push_back(p.release());
                    geos::GeomPtr all = geos::own(
                        w.ctx,
                        GEOSGeom_createCollection_r(w.ctx, GEOS_GEOMETRYCOLLECTION, raw.data(),
                                                    static_cast<unsigned>(raw.size())),
                        "collecting");
                    GEOSGeometry* merged = GEOSUnaryUnion_r(w.ctx, all.get());
                    if (!merged) merged = GEOSUnaryUnionPrec_r(w.ctx, all.get(), 1e-9);
                    if (merged) covered = w.area.area(w.ctx, geos::polygonal_part(w.ctx, geos::own(w.ctx, merged)).get());
                }
                f.share = std::clamp(covered / unit.area_m2, 0.0, 1.0);
            }
        });

    std::string missing;
    for (const auto& l : layers)
        if (!l.layer) missing += (missing.empty() ? "" : "; ") + l.id + " (" + l.why_not + ")";
    std::string note = "factor composition: share of each unit's land covered by each factor of its YSLX list, "
                       "measured like the unit's area, from the layers of " + factors->scheme +
                       "; factors overlap, so shares need not add up to 100 %";
    if (!missing.empty()) note += "; listed without a share, their layer could not be read: " + missing;
    return note;
}

}  // namespace zone::detail
