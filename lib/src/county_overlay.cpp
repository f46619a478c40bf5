#include "county_overlay.hpp"

#include "zone/overlay.hpp"

#include <algorithm>
#include <map>

namespace zone::detail {

CountyOverlay overlay_county(const geos::Context& ctx, AreaCalculator& area, const GEOSGeometry* county,
                             const std::vector<FactorFeatureRef>& candidates,
                             const std::vector<FactorSpec>& factors, double grid, bool geographic) {
    std::vector<const GEOSGeometry*> inputs;
    inputs.reserve(candidates.size());
    for (const auto& c : candidates) inputs.push_back(c.geom);
    Overlay overlay = overlay_polygons(ctx, county, inputs, grid, geographic);

    CountyOverlay out;
    std::map<Claim, int> claim_index;
    auto claim_id = [&](const Claim& c) {
        auto [it, inserted] = claim_index.try_emplace(c, static_cast<int>(out.graph.claims.size()));
        if (inserted) out.graph.claims.push_back(c);
        return it->second;
    };
    for (auto& face : overlay.faces) {
        // Candidates are sorted by (factor, feature), so the first covering
        // input of the strictest category is the claim.
        Claim best;  // general land unless a factor covers the face
        std::vector<int> covering;
        for (int i : face.covering) {
            const FactorFeatureRef& c = candidates[i];
            covering.push_back(c.factor);
            const FactorSpec& spec = factors[c.factor];
            const Claim claim{spec.category, c.factor, spec.group == Grouping::feature ? c.feature : -1};
            if (claim < best) best = claim;
        }
        covering.erase(std::unique(covering.begin(), covering.end()), covering.end());
        out.graph.claim.push_back(claim_id(best));
        out.graph.area_m2.push_back(area.area(ctx, face.geom.get()));
        out.face_factors.push_back(std::move(covering));
        out.faces.push_back(std::move(face.geom));
    }
    out.graph.edges = std::move(overlay.borders);
    return out;
}

}  // namespace zone::detail
