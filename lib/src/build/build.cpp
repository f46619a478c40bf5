#include "zone/build/build.hpp"

#include "overlay/arrangement/geos_rings.hpp"
#include "overlay/arrangement/label_overlaps.hpp"
#include "overlay/county_overlay.hpp"
#include "core/parallel.hpp"
#include "zone/io/boundary.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/previous.hpp"
#include "zone/io/unit_map.hpp"
#include "zone/io/source.hpp"

#include <fmt/format.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <tuple>

namespace zone {

namespace {

struct Envelope {
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    bool meets(const Envelope& o) const { return minx <= o.maxx && o.minx <= maxx && miny <= o.maxy && o.miny <= maxy; }
};

Envelope envelope_of(const geos::Context& ctx, const GEOSGeometry* g) {
    Envelope e;
    GEOSGeom_getExtent_r(ctx, g, &e.minx, &e.miny, &e.maxx, &e.maxy);
    return e;
}

struct County {
    std::int64_t fid = 0;
    std::string code, name, city;
    const GEOSGeometry* geom = nullptr;
    Envelope env;
};

struct Factor {
    PolygonLayer layer;
    std::vector<Envelope> envelopes;
};

// Two counties may share borders but not land. Overlaps under a square metre
// are digitising noise and tolerated. All county rings are noded together on
// the grid, once; the first overlapping pair in county order is reported.
void check_counties_disjoint(const std::vector<County>& counties, const Boundary& boundary, double grid_size) {
    const bool geographic = boundary.crs_geographic;
    using namespace arrangement;
    const geos::Context ctx;
    const Grid grid(grid_size);
    RingSet rings;
    for (std::size_t i = 0; i < counties.size(); ++i) add_polygonal(rings, grid, ctx, counties[i].geom, static_cast<int>(i));
    const Arrangement a(snap_round(rings));
    std::map<std::pair<int, int>, double> overlap_m2;
    for (const LabelOverlap& o : label_overlaps(a, grid)) {
        // degrees² to m², near enough to compare with a square metre
        const double m2 = geographic ? o.area * 111319.49 * 111319.49 * std::cos(o.y * M_PI / 180) : o.area;
        overlap_m2[{o.first, o.second}] += m2;
    }
    for (const auto& [pair, m2] : overlap_m2) {  // in county order, then in the other's
        if (m2 < 1.0) continue;
        const County& c = counties[pair.first];
        const County& o = counties[pair.second];
        throw InputError(Where{boundary.file, boundary.layer, c.fid, {}},
                         fmt::format("county {} ({}) overlaps feature {}, county {} ({}), by about {:.0f} m²; "
                                     "county boundaries must not overlap",
                                     c.code, c.name, o.fid, o.code, o.name, m2));
    }
}

struct CountyUnits {
    std::vector<Unit> units;
    std::vector<StuckSliver> stuck;
    int faces = 0, pieces = 0, eliminated = 0, kept = 0;
};

// A unit of the previous version in the county being built.
struct PreviousUnit {
    int category = 0;
    int serial = 0;
    const GEOSGeometry* geom = nullptr;  // shared, read-only
    const Unit* unit = nullptr;          // as read: code, attributes, geometry WKB
};

// What a county's build needs to know of the previous version.
struct CountyHistory {
    std::vector<PreviousUnit> units;
    std::array<int, 4> max_serial{};  // by category
};

class CountyBuilder {
public:
    CountyBuilder(const Scheme& scheme, const std::vector<Factor>& factors, const Boundary& boundary)
        : scheme_(scheme), factors_(factors), boundary_(boundary) {}

    CountyUnits build(const geos::Context& ctx, AreaCalculator& area, const County& county,
                      const std::vector<detail::FactorFeatureRef>& candidates, const CountyHistory& history,
                      double keep_share) const;

private:
    const Scheme& scheme_;
    const std::vector<Factor>& factors_;
    const Boundary& boundary_;
};

CountyUnits CountyBuilder::build(const geos::Context& ctx, AreaCalculator& area, const County& county,
                                 const std::vector<detail::FactorFeatureRef>& candidates, const CountyHistory& history,
                                 double keep_share) const {
    double cx = 0, cy = 0;
    {
        geos::GeomPtr c = geos::own(ctx, GEOSGetCentroid_r(ctx, county.geom), "centroid");
        GEOSGeomGetX_r(ctx, c.get(), &cx);
        GEOSGeomGetY_r(ctx, c.get(), &cy);
    }
    area.use_zone(gk_central_meridian(area.longitude(cx, cy)));

    detail::CountyOverlay overlay = detail::overlay_county(ctx, area, county.geom, candidates, scheme_.factors,
                                                           scheme_.grid, boundary_.crs_geographic);
    PieceSet pieces = eliminate_slivers(overlay.graph, scheme_.sliver_area_m2);

    // Group pieces into units as each factor's scheme entry says.
    struct Draft {
        Claim claim;
        std::vector<int> faces;
        double area_m2 = 0;
        double x = 0, y = 0;
        int serial = 0;
        std::string name;
    };
    std::map<std::tuple<int, int, int, int>, int> draft_of_key;
    std::vector<Draft> drafts;
    std::vector<int> unit_of_piece(pieces.pieces.size());
    for (std::size_t p = 0; p < pieces.pieces.size(); ++p) {
        const Claim& claim = overlay.graph.claims[pieces.pieces[p].claim];
        const Grouping group = claim.factor < 0 ? scheme_.general.group : scheme_.factors[claim.factor].group;
        const int piece_key = group == Grouping::piece ? static_cast<int>(p) : -1;
        const auto key = std::make_tuple(claim.category, claim.factor, claim.feature, piece_key);
        auto [it, inserted] = draft_of_key.try_emplace(key, static_cast<int>(drafts.size()));
        if (inserted) drafts.push_back(Draft{claim, {}, 0, 0, 0, 0, {}});
        Draft& d = drafts[it->second];
        d.faces.insert(d.faces.end(), pieces.pieces[p].faces.begin(), pieces.pieces[p].faces.end());
        d.area_m2 += pieces.pieces[p].area_m2;
        unit_of_piece[p] = it->second;
    }

    CountyUnits out;
    out.faces = overlay.face_count();
    out.eliminated = pieces.eliminated;
    out.pieces = pieces.eliminated + static_cast<int>(pieces.pieces.size());

    // Locate the slivers that stay.
    std::vector<std::pair<double, double>> stuck_at;
    for (const auto& s : pieces.stuck) {
        geos::GeomPtr face = overlay.to_geos(ctx, overlay.dissolve({s.face}));
        geos::GeomPtr p = geos::own(ctx, GEOSPointOnSurface_r(ctx, face.get()), "point on surface");
        double x = 0, y = 0;
        GEOSGeomGetX_r(ctx, p.get(), &x);
        GEOSGeomGetY_r(ctx, p.get(), &y);
        stuck_at.emplace_back(x, y);
    }

    // Dissolve each unit's faces in the arrangement: the borders between
    // them drop out and what is left is traced into rings.
    std::vector<std::vector<unsigned char>> wkbs(drafts.size());
    std::vector<geos::GeomPtr> geoms;  // only to match a previous version
    for (std::size_t u = 0; u < drafts.size(); ++u) {
        Draft& d = drafts[u];
        std::sort(d.faces.begin(), d.faces.end());
        const auto polygons = overlay.dissolve(d.faces);
        std::tie(d.x, d.y) = overlay.centroid(polygons);
        wkbs[u] = overlay.to_wkb(polygons);
        if (!history.units.empty()) geoms.push_back(overlay.to_geos(ctx, polygons));
    }

    // Stable codes: a unit that is substantially the same land of the same
    // category as a previous unit (each covers at least keep_share of the
    // other; with keep_share > 0.5 at most one can match) keeps its serial.
    std::vector<int> kept_serial(drafts.size(), 0);
    std::vector<const Unit*> kept_from(drafts.size(), nullptr);
    if (!history.units.empty()) {
        std::vector<bool> taken(history.units.size(), false);
        std::vector<double> old_area(history.units.size(), -1);
        for (std::size_t u = 0; u < drafts.size(); ++u) {
            geos::PreparedPtr prepared;
            int best = -1;
            double best_overlap = 0;
            for (std::size_t k = 0; k < history.units.size(); ++k) {
                const PreviousUnit& p = history.units[k];
                if (taken[k] || p.category != drafts[u].claim.category) continue;
                if (p.unit->wkb == wkbs[u]) {  // the same geometry, byte for byte
                    best = static_cast<int>(k);
                    break;
                }
                if (!prepared) prepared = geos::prepare(ctx, geoms[u].get());
                if (!GEOSPreparedIntersects_r(ctx, prepared.get(), p.geom)) continue;
                geos::GeomPtr common = geos::own(ctx, GEOSIntersectionPrec_r(ctx, geoms[u].get(), p.geom, scheme_.grid),
                                                 "matching a previous unit");
                const double overlap = area.area(ctx, common.get());
                if (old_area[k] < 0) old_area[k] = area.area(ctx, p.geom);
                if (overlap >= keep_share * drafts[u].area_m2 && overlap >= keep_share * old_area[k] &&
                    overlap > best_overlap) {
                    best = static_cast<int>(k);
                    best_overlap = overlap;
                }
            }
            if (best >= 0) {
                taken[best] = true;
                kept_serial[u] = history.units[best].serial;
                kept_from[u] = history.units[best].unit;
            }
        }
    }

    // Serials: per category, by factor order, source feature, then north to
    // south, west to east; after the highest ever used when there is history.
    std::vector<int> order(drafts.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    auto factor_rank = [](const Claim& c) { return c.factor < 0 ? 1 << 30 : c.factor; };
    std::sort(order.begin(), order.end(), [&](int a, int b) {
        const Draft &da = drafts[a], &db = drafts[b];
        return std::make_tuple(da.claim.category, factor_rank(da.claim), da.claim.feature, -da.y, da.x, a) <
               std::make_tuple(db.claim.category, factor_rank(db.claim), db.claim.feature, -db.y, db.x, b);
    });
    std::array<int, 4> serial = history.max_serial;
    std::map<std::string, int> name_count, name_seen;
    for (int u : order) {
        Draft& d = drafts[u];
        d.serial = kept_serial[u] ? kept_serial[u] : ++serial[d.claim.category];
        std::string label;
        if (d.claim.factor >= 0) {
            const FactorSpec& spec = scheme_.factors[d.claim.factor];
            label = spec.label;
            if (d.claim.feature >= 0 && !spec.name_field.empty()) {
                const std::string& n = factors_[d.claim.factor].layer.features[d.claim.feature].values.at(0);
                if (!n.empty()) label = n;
            }
        }
        // Source names often carry the county already (历下区…水源地): say it once.
        const bool named_after_county = label.rfind(county.name, 0) == 0;
        d.name = (named_after_county ? "" : county.name) + label + category_unit_name(d.claim.category);
        ++name_count[d.name];
    }
    for (int u : order) {
        Draft& d = drafts[u];
        const std::string base = d.name;
        if (name_count[base] > 1) d.name = base + std::to_string(++name_seen[base]);

        Unit unit;
        try {
            unit.code = unit_code(county.code, d.claim.category, d.serial);
        } catch (const std::invalid_argument& e) {
            throw InputError(Where{boundary_.file, boundary_.layer, county.fid, {}},
                             fmt::format("county {}: {}", county.code, e.what()));
        }
        unit.name = d.name;
        unit.province = scheme_.province;
        unit.city = county.city;
        unit.county = county.name;
        unit.county_code = county.code;
        unit.category = d.claim.category;
        unit.area_km2 = d.area_m2 / 1e6;
        std::vector<int> covering;
        for (int f : d.faces)
            covering.insert(covering.end(), overlay.face_factors[f].begin(), overlay.face_factors[f].end());
        std::sort(covering.begin(), covering.end());
        covering.erase(std::unique(covering.begin(), covering.end()), covering.end());
        for (int f : covering) {
            if (!unit.factors.empty()) unit.factors += ";";
            unit.factors += scheme_.factors[f].id;
        }
        unit.wkb = std::move(wkbs[u]);
        // The access list is keyed by code: a unit that keeps its code keeps its texts.
        if (kept_from[u]) unit.access_texts = kept_from[u]->access_texts;
        out.kept += kept_serial[u] ? 1 : 0;
        out.units.push_back(std::move(unit));
    }
    // Map draft index -> unit code for the sliver report.
    std::vector<std::string> code_of_draft(drafts.size());
    for (std::size_t i = 0; i < order.size(); ++i) code_of_draft[order[i]] = out.units[i].code;
    for (std::size_t i = 0; i < pieces.stuck.size(); ++i) {
        const auto& s = pieces.stuck[i];
        StuckSliver report;
        const Claim& claim = overlay.graph.claims[s.claim];
        report.unit_code = code_of_draft[unit_of_piece[s.piece]];
        report.category = claim.category;
        report.factor = claim.factor >= 0 ? scheme_.factors[claim.factor].id : "";
        report.area_m2 = s.area_m2;
        report.x = stuck_at[i].first;
        report.y = stuck_at[i].second;
        out.stuck.push_back(std::move(report));
    }
    return out;
}

}  // namespace

BuildResult build_units(const Scheme& scheme, const BuildOptions& options) {
    gdal_init();
    geos::Context ctx;

    // 1. Counties: exactly the fields the scheme names.
    BoundaryOptions boundary_options;
    boundary_options.fields.code = scheme.boundary.code_field;
    boundary_options.fields.name = scheme.boundary.name_field;
    boundary_options.fields.city = scheme.boundary.city_field;
    boundary_options.guess_fields = false;
    boundary_options.encoding = scheme.boundary.encoding;
    boundary_options.threads = options.threads;
    const Boundary boundary = read_boundary(ctx, scheme.boundary.source, boundary_options);

    std::vector<County> counties;
    for (const auto& f : boundary.counties) {
        County c;
        c.fid = f.fid;
        c.code = f.code;
        c.name = f.name;
        c.city = f.city;
        c.geom = f.geom.get();
        c.env = envelope_of(ctx, c.geom);
        counties.push_back(std::move(c));
    }
    if (boundary.skipped_null)
        throw InputError(Where{boundary.file, boundary.layer, {}, {}},
                         fmt::format("{} county feature(s) have no geometry", boundary.skipped_null));
    check_counties_disjoint(counties, boundary, scheme.grid);

    BuildResult result;
    result.crs_wkt = boundary.crs_wkt;
    result.stats.counties = static_cast<int>(counties.size());
    result.stats.repaired = boundary.repaired;

    // 2. Factors, reprojected to the boundary's CRS.
    std::vector<Factor> factors;
    for (const auto& spec : scheme.factors) {
        ReadOptions o;
        if (!spec.name_field.empty()) o.fields.push_back(spec.name_field);
        o.where = spec.where;
        o.encoding = spec.encoding;
        o.target_crs_wkt = boundary.crs_wkt;
        o.reproject_tolerance = scheme.grid / 2;
        o.threads = options.threads;
        Factor f{read_polygon_layer(ctx, parse_source(spec.source), o), {}};
        for (const auto& feature : f.layer.features) f.envelopes.push_back(envelope_of(ctx, feature.geom.get()));
        result.stats.factor_features += static_cast<int>(f.layer.features.size());
        result.stats.repaired += f.layer.repaired;
        result.stats.skipped_null += f.layer.skipped_null;
        factors.push_back(std::move(f));
    }

    // 3. Counties in parallel, one GEOS context per worker.
    std::vector<std::vector<detail::FactorFeatureRef>> candidates(counties.size());
    for (std::size_t c = 0; c < counties.size(); ++c)
        for (std::size_t fi = 0; fi < factors.size(); ++fi)
            for (std::size_t j = 0; j < factors[fi].envelopes.size(); ++j)
                if (factors[fi].envelopes[j].meets(counties[c].env))
                    candidates[c].push_back({static_cast<int>(fi), static_cast<int>(j),
                                             factors[fi].layer.features[j].geom.get()});

    // 3. The previous version: history per county, and what to rebuild.
    UnitMap previous;
    std::vector<CountyHistory> history(counties.size());
    std::vector<geos::GeomPtr> previous_geoms;
    std::set<std::string> rebuild;
    if (!options.only.empty() && options.previous.empty())
        throw InputError("--only rebuilds some counties of a previous version: give it with --previous");
    if (!options.previous.empty()) {
        previous = read_unit_map(options.previous);
        std::map<std::string, std::size_t> county_index;
        for (std::size_t c = 0; c < counties.size(); ++c) county_index[counties[c].code] = c;
        for (const std::string& code : options.only) {
            if (!county_index.count(code))
                throw InputError(Where{boundary.file, boundary.layer, {}, scheme.boundary.code_field},
                                 "--only names county " + code + ", which the boundary layer does not have");
            rebuild.insert(code);
        }
        if (!rebuild.empty()) {
            OGRSpatialReference a, b;
            a.importFromWkt(previous.crs_wkt.c_str());
            b.importFromWkt(boundary.crs_wkt.c_str());
            if (previous.crs_wkt.empty() || !a.IsSame(&b))
                throw InputError(Where{options.previous, {}, {}, {}},
                                 "a dynamic update carries units over untouched, so the previous version must be "
                                 "in the boundary's CRS");
        }
        // Matched in the boundary's CRS, whatever CRS the previous version is
        // in, and as GEOS repairs it when it is invalid (unit_polygons).
        PolygonLayer previous_layer = unit_polygons(ctx, previous, boundary.crs_wkt, options.threads);
        for (std::size_t i = 0; i < previous.units.size(); ++i) {
            const Unit& u = previous.units[i];
            const UnitCode code = UnitCode::of(u.code);
            auto it = county_index.find(code.county());
            previous_geoms.push_back(std::move(previous_layer.features[i].geom));
            if (it == county_index.end()) continue;
            history[it->second].units.push_back({code.category(), code.serial(), previous_geoms.back().get(), &u});
        }
        for (std::size_t c = 0; c < counties.size(); ++c)
            for (int cat = 1; cat <= 3; ++cat) {
                auto it = previous.max_serial.find({counties[c].code, cat});
                if (it != previous.max_serial.end()) history[c].max_serial[cat] = it->second;
            }
        result.max_serial = previous.max_serial;
    }

    // Largest work first keeps both cores busy to the end.
    std::vector<std::size_t> queue;
    for (std::size_t i = 0; i < counties.size(); ++i)
        if (rebuild.empty() || rebuild.count(counties[i].code)) queue.push_back(i);
    std::stable_sort(queue.begin(), queue.end(),
                     [&](std::size_t a, std::size_t b) { return candidates[a].size() > candidates[b].size(); });

    const CountyBuilder builder(scheme, factors, boundary);
    std::vector<CountyUnits> per_county(counties.size());
    detail::run_parallel(
        queue, options.threads,
        [&] { return std::make_unique<detail::GeometryWorker>(boundary.crs_wkt, scheme.area_method); },
        [&](detail::GeometryWorker& w, std::size_t c) {
            try {
                per_county[c] = builder.build(w.ctx, w.area, counties[c], candidates[c], history[c], options.keep_share);
            } catch (const geos::GeosError& e) {
                throw InputError(Where{boundary.file, boundary.layer, counties[c].fid, {}},
                                 fmt::format("county {} ({}): {}", counties[c].code, counties[c].name, e.what()));
            }
        },
        options.progress);

    // 4. Collect.
    {
        AreaCalculator area(boundary.crs_wkt, scheme.area_method);
        result.area_method = area.description();
    }
    auto count = [&](Unit u) {
        ++result.stats.units[u.category];
        result.stats.area_km2[u.category] += u.area_km2.value_or(0.0);
        const std::pair<std::string, int> key{u.county_code, u.category};
        result.max_serial[key] = std::max(result.max_serial[key], UnitCode::of(u.code).serial());
        result.units.push_back(std::move(u));
    };
    for (auto& county : per_county) {
        result.stats.faces += county.faces;
        result.stats.pieces += county.pieces;
        result.stats.eliminated += county.eliminated;
        result.kept_codes += county.kept;
        for (auto& s : county.stuck) result.stats.stuck.push_back(std::move(s));
        for (auto& u : county.units) count(std::move(u));
    }
    // A dynamic update carries the other counties over exactly as they were.
    if (!rebuild.empty())
        for (Unit& u : previous.units)
            if (!rebuild.count(UnitCode::of(u.code).county())) {
                ++result.carried;
                count(std::move(u));
            }
    std::sort(result.units.begin(), result.units.end(),
              [](const Unit& a, const Unit& b) { return a.code < b.code; });
    return result;
}

}  // namespace zone
