// zone-check map, coverage: overlaps, gaps, units beyond or across counties,
// the red line and the planning layers.
#include "check/check_checker.hpp"

namespace zone::detail {

namespace {

// Dissolves faces that share borders exactly (they come from one overlay).
geos::GeomPtr dissolve(const geos::Context& ctx, std::vector<geos::GeomPtr> parts) {
    if (parts.size() == 1) return geos::polygonal_part(ctx, std::move(parts[0]));
    std::vector<GEOSGeometry*> raw;
    raw.reserve(parts.size());
    for (auto& p : parts) raw.push_back(p.release());
    geos::GeomPtr coll = geos::own(
        ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, raw.data(), static_cast<unsigned>(raw.size())),
        "collecting");
    return geos::polygonal_part(ctx, geos::own(ctx, GEOSCoverageUnion_r(ctx, coll.get()), "dissolving"));
}

}  // namespace

// ---------------------------------------------------------------- coverage

void Checker::take_references() {
    if (references_.boundary)
        for (const auto& c : references_.boundary->counties) counties_.push_back({c.fid, c.code, c.geom.get()});
    expected_features_ = detail::all_features(expected_);
}

RegionResult Checker::overlay_region(detail::GeometryWorker& w, const GEOSGeometry* region, int zone,
                                     const std::vector<int>& units, const std::vector<int>& references) const {
    const geos::Context& ctx = w.ctx;
    std::vector<const GEOSGeometry*> inputs;
    for (int u : units) inputs.push_back(units_[u].geom.get());
    for (int r : references) {
        const detail::ExpectationFeature& f = expected_features_[r];
        inputs.push_back(expected_[f.layer].layer.features[f.feature].geom.get());
    }
    Overlay overlay = overlay_polygons(ctx, region, inputs, grid_, geographic_);
    const std::size_t nunits = units.size();

    RegionResult out;
    auto area_in = [&](const GEOSGeometry* g, int cm) {
        if (!area_) return geos::planar_area(ctx, g);
        w.area.use_zone(cm);
        return w.area.area(ctx, g);
    };
    std::vector<double> face_area(overlay.faces.size());
    std::vector<int> face_zone(overlay.faces.size());
    for (std::size_t k = 0; k < overlay.faces.size(); ++k) {
        const OverlayFace& f = overlay.faces[k];
        face_zone[k] = zone ? zone : (area_ ? gk_central_meridian(w.area.longitude(f.x, f.y)) : 0);
        face_area[k] = area_in(f.geom.get(), face_zone[k]);
    }

    // Gaps: connected faces no unit covers. Without a region, such faces that
    // reach the outside are beyond the map (covered by red line or nothing
    // else), not gaps, nor land of a reference layer out of place.
    auto no_unit = [&](std::size_t k) {
        for (int i : overlay.faces[k].covering)
            if (static_cast<std::size_t>(i) < nunits) return false;
        return true;
    };
    detail::DisjointSets sets(overlay.faces.size());
    for (const auto& e : overlay.borders)
        if (no_unit(e.a) && no_unit(e.b)) sets.join(e.a, e.b);
    std::map<int, std::vector<int>> components;
    for (std::size_t k = 0; k < overlay.faces.size(); ++k)
        if (no_unit(k)) components[sets.find(static_cast<int>(k))].push_back(static_cast<int>(k));
    std::vector<bool> beyond(overlay.faces.size(), false);
    for (auto& [root, faces] : components) {
        if (!region) {
            bool outside = false;
            for (int k : faces) outside |= overlay.faces[k].on_outline;
            if (outside) {
                for (int k : faces) beyond[k] = true;
                continue;
            }
        }
        RegionResult::Piece gap;
        std::vector<geos::GeomPtr> parts;
        double best = -1;
        for (int k : faces) {
            gap.area += face_area[k];
            parts.push_back(geos::clone(ctx, overlay.faces[k].geom.get()));
            if (face_area[k] > best) best = face_area[k], gap.x = overlay.faces[k].x, gap.y = overlay.faces[k].y;
        }
        if (gap.area < options_.tolerances.gap_m2) continue;
        gap.wkb = geos::to_wkb(ctx, dissolve(ctx, std::move(parts)).get());
        out.gaps.push_back(std::move(gap));
    }

    // Overlaps, reference land in units of other categories than expected,
    // and each unit's land here.
    std::map<int, double> inside;
    std::map<detail::MismatchKey, std::vector<int>> mismatch_faces;
    for (std::size_t k = 0; k < overlay.faces.size(); ++k) {
        const OverlayFace& f = overlay.faces[k];
        std::vector<int> here, categories, covering_refs;  // unit indices, their categories, references
        for (int i : f.covering) {
            if (static_cast<std::size_t>(i) < nunits) {
                here.push_back(units[i]);
                categories.push_back(units_[units[i]].category);
            } else {
                covering_refs.push_back(references[i - nunits]);
            }
        }
        for (int u : here) {
            const int cm = units_[u].zone;
            inside[u] += (cm == face_zone[k] || !area_) ? face_area[k] : area_in(f.geom.get(), cm);
        }
        for (std::size_t a = 0; a < here.size(); ++a)
            for (std::size_t b = a + 1; b < here.size(); ++b) {
                auto& pair = out.overlaps[{std::min(here[a], here[b]), std::max(here[a], here[b])}];
                pair.area += face_area[k];
                pair.parts.push_back(geos::to_wkb(ctx, f.geom.get()));
                if (face_area[k] > pair.best) pair.best = face_area[k], pair.x = f.x, pair.y = f.y;
            }
        if (covering_refs.empty() || beyond[k]) continue;
        for (const auto& [layer, feature] :
             detail::broken_layers(expected_, expected_features_, covering_refs, categories)) {
            const detail::MismatchKey key{layer, here.empty() ? -1 : here.front()};
            detail::Mismatch& m = out.mismatches[key];
            if (m.feature < 0) m.feature = feature;
            m.area += face_area[k];
            if (face_area[k] > m.best) m.best = face_area[k], m.x = f.x, m.y = f.y;
            mismatch_faces[key].push_back(static_cast<int>(k));
        }
    }
    for (auto& [key, faces] : mismatch_faces) {
        std::vector<geos::GeomPtr> parts;
        for (int k : faces) parts.push_back(geos::clone(ctx, overlay.faces[k].geom.get()));
        out.mismatches[key].wkb = geos::to_wkb(ctx, dissolve(ctx, std::move(parts)).get());
    }
    for (const auto& [u, a] : inside) out.inside.emplace_back(u, a);
    return out;
}

void Checker::check_coverage() {
    take_references();
    std::vector<int> all_red(expected_features_.size());
    std::iota(all_red.begin(), all_red.end(), 0);
    std::vector<RegionResult> results;
    if (counties_.empty()) {
        // One region: the whole map. Holes between units are gaps.
        auto w = make_worker();
        results.push_back(overlay_region(*w, nullptr, 0, usable_, all_red));
        if (options_.progress) options_.progress(1.0);
        report_region_results(results);
        return;
    }

    struct Box {
        double x0, y0, x1, y1;
        bool meets(const Box& o) const { return x0 <= o.x1 && o.x0 <= x1 && y0 <= o.y1 && o.y0 <= y1; }
    };
    auto box = [&](const GEOSGeometry* g) {
        Box b{};
        GEOSGeom_getExtent_r(ctx_, g, &b.x0, &b.y0, &b.x1, &b.y1);
        return b;
    };
    std::vector<Box> unit_box(units_.size()), red_box(expected_features_.size());
    for (int u : usable_) unit_box[u] = box(units_[u].geom.get());
    for (int r : all_red) {
        const detail::ExpectationFeature& f = expected_features_[r];
        red_box[r] = box(expected_[f.layer].layer.features[f.feature].geom.get());
    }
    std::vector<std::vector<int>> county_units(counties_.size()), county_red(counties_.size());
    std::vector<int> county_zone(counties_.size(), 0);
    for (std::size_t c = 0; c < counties_.size(); ++c) {
        const Box cb = box(counties_[c].geom);
        for (int u : usable_)
            if (unit_box[u].meets(cb)) county_units[c].push_back(u);
        for (int r : all_red)
            if (red_box[r].meets(cb)) county_red[c].push_back(r);
        if (area_) {
            geos::GeomPtr p = geos::own(ctx_, GEOSGetCentroid_r(ctx_, counties_[c].geom), "centroid");
            double x = 0, y = 0;
            GEOSGeomGetX_r(ctx_, p.get(), &x);
            GEOSGeomGetY_r(ctx_, p.get(), &y);
            county_zone[c] = gk_central_meridian(area_->longitude(x, y));
        }
    }
    std::vector<std::size_t> order(counties_.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return county_units[a].size() + county_red[a].size() > county_units[b].size() + county_red[b].size();
    });
    results.resize(counties_.size());
    detail::run_parallel(
        order, options_.threads, [&] { return make_worker(); },
        [&](detail::GeometryWorker& w, std::size_t c) {
            results[c] = overlay_region(w, counties_[c].geom, county_zone[c], county_units[c], county_red[c]);
        },
        options_.progress);
    std::map<int, geos::GeomPtr> outside = check_counties(results);
    overlaps_beyond_boundary(outside, results);
    report_region_results(results);
}

// Units that reach beyond the boundary may overlap there too, where no county
// overlay looks: overlay their outside parts with each other.
void Checker::overlaps_beyond_boundary(std::map<int, geos::GeomPtr>& outside, std::vector<RegionResult>& results) {
    if (outside.size() < 2) return;
    std::vector<int> index;
    std::vector<const GEOSGeometry*> parts;
    for (auto& [u, g] : outside) {
        index.push_back(u);
        parts.push_back(g.get());
    }
    auto w = make_worker();
    Overlay overlay = overlay_polygons(w->ctx, nullptr, parts, grid_, geographic_);
    RegionResult beyond;
    for (const auto& f : overlay.faces) {
        if (f.covering.size() < 2) continue;
        const int cm = area_ ? gk_central_meridian(w->area.longitude(f.x, f.y)) : 0;
        double a = 0;
        if (area_) {
            w->area.use_zone(cm);
            a = w->area.area(w->ctx, f.geom.get());
        } else {
            a = geos::planar_area(w->ctx, f.geom.get());
        }
        for (std::size_t i = 0; i < f.covering.size(); ++i)
            for (std::size_t j = i + 1; j < f.covering.size(); ++j) {
                const int ua = index[f.covering[i]], ub = index[f.covering[j]];
                auto& pair = beyond.overlaps[{std::min(ua, ub), std::max(ua, ub)}];
                pair.area += a;
                pair.parts.push_back(geos::to_wkb(w->ctx, f.geom.get()));
                if (a > pair.best) pair.best = a, pair.x = f.x, pair.y = f.y;
            }
    }
    results.push_back(std::move(beyond));
}

void Checker::report_region_results(std::vector<RegionResult>& results) {
    const auto& t = options_.tolerances;
    auto merge = [&](const std::vector<std::vector<unsigned char>>& parts) {
        std::vector<GEOSGeometry*> raw;
        for (const auto& p : parts) raw.push_back(geos::from_wkb(ctx_, p).release());
        geos::GeomPtr coll = geos::own(
            ctx_, GEOSGeom_createCollection_r(ctx_, GEOS_GEOMETRYCOLLECTION, raw.data(), static_cast<unsigned>(raw.size())),
            "collecting");
        // Pieces from different regions meet along county lines noded apart: a
        // real union, on the grid.
        return geos::to_wkb(ctx_, geos::polygonal_part(ctx_, geos::own(ctx_, GEOSUnaryUnionPrec_r(ctx_, coll.get(), grid_),
                                                                   "union")).get());
    };

    std::map<std::pair<int, int>, RegionResult::Pair> overlaps;
    std::map<detail::MismatchKey, std::vector<detail::Mismatch*>> mismatches;
    for (std::size_t c = 0; c < results.size(); ++c) {
        RegionResult& r = results[c];
        for (auto& [pair, acc] : r.overlaps) {
            auto& all = overlaps[pair];
            all.area += acc.area;
            for (auto& p : acc.parts) all.parts.push_back(std::move(p));
            if (acc.best > all.best) all.best = acc.best, all.x = acc.x, all.y = acc.y;
        }
        for (auto& gap : r.gaps) {
            const bool county = !counties_.empty();
            add("coverage.gap", Severity::error, std::nullopt,
                county ? fmt::format("land of county {} that no unit covers", counties_[c].code)
                       : std::string("a hole between units that no unit covers (if it is not the map's land, "
                                     "such as an enclave of a neighbouring province, check with --boundary: "
                                     "the county boundary says which land is the map's)"));
            if (county) last().fid2 = counties_[c].fid;
            last().area_m2 = gap.area;
            last().wkb = std::move(gap.wkb);
            locate(last(), gap.x, gap.y);
        }
        for (auto& [key, m] : r.mismatches) mismatches[key].push_back(&m);
    }
    for (auto& [pair, acc] : overlaps) {
        if (acc.area < t.overlap_m2) continue;
        const MapUnit &a = units_[pair.first], &b = units_[pair.second];
        const MapUnit& first = a.fid <= b.fid ? a : b;
        const MapUnit& second = a.fid <= b.fid ? b : a;
        add("coverage.overlap", Severity::error, first.fid,
            fmt::format("units {} and {} (feature {}) overlap", first.code.empty() ? "?" : first.code,
                        second.code.empty() ? "?" : second.code, second.fid),
            first.code);
        last().fid2 = second.fid;
        last().area_m2 = acc.area;
        last().wkb = acc.parts.size() == 1 ? std::move(acc.parts[0]) : merge(acc.parts);
        locate(last(), acc.x, acc.y);
    }
    for (auto& [key, pieces] : mismatches) {
        const auto& [layer, unit] = key;
        double area = 0, best = -1, x = 0, y = 0;
        int feature = -1;
        std::vector<std::vector<unsigned char>> parts;
        for (auto* p : pieces) {
            area += p->area;
            if (feature < 0) feature = p->feature;
            if (p->area > best) best = p->area, x = p->x, y = p->y;  // the largest region part
            parts.push_back(std::move(p->wkb));
        }
        const ReferenceLayer& l = expected_[layer];
        if (area < l.expectation.tolerance_m2) continue;
        std::optional<detail::MismatchUnit> in;
        if (unit >= 0) in = detail::MismatchUnit{units_[unit].fid, units_[unit].code, units_[unit].category};
        report_.findings.push_back(detail::mismatch_finding(l, feature, in ? &*in : nullptr, area));
        last().wkb = parts.size() == 1 ? std::move(parts[0]) : merge(parts);
        locate(last(), x, y);
    }
}

std::map<int, geos::GeomPtr> Checker::check_counties(const std::vector<RegionResult>& results) {
    const auto& t = options_.tolerances;
    std::map<int, geos::GeomPtr> outside_parts;
    std::vector<std::map<int, double>> in_county(units_.size());
    for (std::size_t c = 0; c < results.size(); ++c)
        for (const auto& [u, a] : results[c].inside) in_county[u][static_cast<int>(c)] += a;

    for (int u : usable_) {
        const MapUnit& unit = units_[u];
        double inside = 0;
        int main = -1;
        for (const auto& [c, a] : in_county[u]) {
            inside += a;
            if (main < 0 || a > in_county[u][main]) main = c;
        }
        const double outside = unit.area_m2 - inside;
        if (outside >= t.outside_m2) {
            geos::GeomPtr rest = geos::clone(ctx_, unit.geom.get());
            for (const auto& county : counties_) {
                if (GEOSIntersects_r(ctx_, rest.get(), county.geom) != 1) continue;
                rest = geos::polygonal_part(
                    ctx_, geos::own(ctx_, GEOSDifferencePrec_r(ctx_, rest.get(), county.geom, grid_), "difference"));
            }
            add("coverage.outside", Severity::error, unit.fid,
                fmt::format("part of unit {} lies outside the boundary", unit.code), unit.code);
            last().area_m2 = outside;
            if (!GEOSisEmpty_r(ctx_, rest.get())) {
                geos::GeomPtr p = geos::own(ctx_, GEOSPointOnSurface_r(ctx_, rest.get()), "point on surface");
                double x = 0, y = 0;
                GEOSGeomGetX_r(ctx_, p.get(), &x);
                GEOSGeomGetY_r(ctx_, p.get(), &y);
                last().wkb = geos::to_wkb(ctx_, rest.get());
                locate(last(), x, y);
                outside_parts.emplace(u, std::move(rest));
            }
        }
        if (main < 0) continue;
        const County& home = counties_[main];
        for (const auto& [c, a] : in_county[u]) {
            if (c == main || a < t.county_m2) continue;
            const County& other = counties_[c];
            add("unit.crosses_county", Severity::error, unit.fid,
                fmt::format("unit {} lies in county {} but has land in county {} (feature {})", unit.code,
                            home.code, other.code, other.fid),
                unit.code);
            last().fid2 = other.fid;
            last().area_m2 = a;
            geos::GeomPtr part = geos::polygonal_part(
                ctx_, geos::own(ctx_, GEOSIntersectionPrec_r(ctx_, unit.geom.get(), other.geom, grid_), "intersection"));
            if (!GEOSisEmpty_r(ctx_, part.get())) {
                geos::GeomPtr p = geos::own(ctx_, GEOSPointOnSurface_r(ctx_, part.get()), "point on surface");
                double x = 0, y = 0;
                GEOSGeomGetX_r(ctx_, p.get(), &x);
                GEOSGeomGetY_r(ctx_, p.get(), &y);
                last().wkb = geos::to_wkb(ctx_, part.get());
                locate(last(), x, y);
            }
        }
        // The county the unit really lies in against what its code and XZQDM say.
        const std::optional<UnitCode> code = UnitCode::parse(unit.code);
        const std::string said = code ? code->county() : unit.county_code;
        if (!said.empty() && said != home.code) {
            add("code.county_mismatch", Severity::error, unit.fid,
                fmt::format("unit {} lies mostly ({:.0f} %) in county {} (feature {}), but its {} says {}", unit.code,
                            100 * in_county[u][main] / std::max(inside, 1e-9), home.code, home.fid,
                            code ? "code" : "XZQDM", said),
                unit.code);
            last().fid2 = home.fid;
            locate(last(), unit.cx, unit.cy);
        }
    }
    return outside_parts;
}


}  // namespace zone::detail
