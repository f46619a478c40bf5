#include "zone/diff/diff.hpp"

#include "core/disjoint_sets.hpp"
#include "core/parallel.hpp"
#include "zone/core/area.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/overlay/overlay.hpp"
#include "zone/io/unit_map.hpp"
#include "zone/io/source.hpp"

#include <ogr_spatialref.h>

#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>

namespace zone {

const std::vector<std::string>& change_kinds() {
    static const std::vector<std::string> kinds = {"unchanged", "modified", "recoded", "split",
                                                   "merged",    "complex",  "added",   "removed"};
    return kinds;
}

bool DiffReport::differs() const {
    for (const auto& c : changes)
        if (c.kind != "unchanged") return true;
    return false;
}

namespace {

// One version's units as GEOS geometries with their areas.
struct Version {
    UnitMap map;
    std::vector<geos::GeomPtr> geoms;
    std::vector<double> area_m2;
    std::vector<int> zone;
};

// The category and county a unit's code says (the maps are read as coded maps).
int category_of(const Unit& u) { return UnitCode::of(u.code).category(); }
std::string county_of(const Unit& u) { return UnitCode::of(u.code).county(); }

// Areas are computed in the Gauss-Krüger zone of each unit's county, as
// zone-build computes MJ: the zone whose central meridian is nearest the
// county's centroid, found here from the units of the county (they tile it).
std::map<std::string, int> county_zones(const geos::Context& ctx, const std::vector<const UnitMap*>& maps,
                                        const std::vector<const std::vector<geos::GeomPtr>*>& geoms,
                                        AreaCalculator& area) {
    std::map<std::string, std::array<double, 3>> weighted;  // county -> (Σa·x, Σa·y, Σa)
    for (std::size_t m = 0; m < maps.size(); ++m)
        for (std::size_t i = 0; i < maps[m]->units.size(); ++i) {
            const GEOSGeometry* g = (*geoms[m])[i].get();
            double a = 0, x = 0, y = 0;
            GEOSArea_r(ctx, g, &a);
            if (a <= 0) continue;
            geos::GeomPtr c = geos::own(ctx, GEOSGetCentroid_r(ctx, g), "centroid");
            GEOSGeomGetX_r(ctx, c.get(), &x);
            GEOSGeomGetY_r(ctx, c.get(), &y);
            auto& w = weighted[county_of(maps[m]->units[i])];
            // The first map (the old one) decides a county's zone.
            if (m > 0 && w[2] > 0 && !maps[m - 1]->units.empty()) continue;
            w[0] += a * x, w[1] += a * y, w[2] += a;
        }
    std::map<std::string, int> zones;
    for (const auto& [county, w] : weighted) zones[county] = gk_central_meridian(area.longitude(w[0] / w[2], w[1] / w[2]));
    return zones;
}

// Every unit as a valid GEOS geometry (unit_polygons), in `crs_wkt` (empty:
// the map's own). A diff compares land; a map that is not valid is
// zone-check's to report, and is compared as GEOS repairs it.
std::vector<geos::GeomPtr> polygons_of(const geos::Context& ctx, const UnitMap& map, const std::string& crs_wkt,
                                       int threads) {
    PolygonLayer layer = unit_polygons(ctx, map, crs_wkt, threads);
    std::vector<geos::GeomPtr> out;
    out.reserve(layer.features.size());
    for (PolygonFeature& f : layer.features) out.push_back(std::move(f.geom));
    return out;
}

Version load(UnitMap map, std::vector<geos::GeomPtr> geoms, const std::map<std::string, int>& zones,
             const std::string& crs_wkt, int threads) {
    Version v;
    v.area_m2.resize(map.units.size());
    for (const Unit& u : map.units) v.zone.push_back(zones.at(county_of(u)));
    std::vector<std::size_t> jobs(map.units.size());
    std::iota(jobs.begin(), jobs.end(), 0);
    detail::run_parallel(
        jobs, threads, [&] { return std::make_unique<detail::GeometryWorker>(crs_wkt, AreaMethod::gauss_kruger); },
        [&](detail::GeometryWorker& w, std::size_t i) {
            w.area.use_zone(v.zone[i]);
            v.area_m2[i] = w.area.area(w.ctx, geoms[i].get());
        });
    v.geoms = std::move(geoms);
    v.map = std::move(map);
    return v;
}

}  // namespace

DiffReport diff_unit_maps(UnitMap old_map, UnitMap new_map, const DiffOptions& options) {
    gdal_init();
    geos::Context ctx;
    DiffReport report;
    report.old_input = old_map.source;
    report.new_input = new_map.source;

    if (old_map.crs_wkt.empty()) throw InputError(Where{old_map.source, old_map.layer, {}, {}}, "the map has no CRS");
    if (new_map.crs_wkt.empty()) throw InputError(Where{new_map.source, new_map.layer, {}, {}}, "the map has no CRS");
    report.crs_wkt = old_map.crs_wkt;
    OGRSpatialReference srs;
    srs.importFromWkt(report.crs_wkt.c_str());
    const bool geographic = srs.IsGeographic();
    const double grid = geographic ? 1e-9 : 1e-4;

    AreaCalculator area(report.crs_wkt, AreaMethod::gauss_kruger);
    report.area_method = area.description();
    const int threads = options.threads;
    // The new map is brought into the old map's CRS; edges straight in their
    // own CRS stay where they were, within the tolerance (zone/core/reproject.hpp).
    std::vector<geos::GeomPtr> old_geoms = polygons_of(ctx, old_map, {}, threads);
    std::vector<geos::GeomPtr> new_geoms = polygons_of(ctx, new_map, old_map.crs_wkt, threads);
    std::map<std::string, int> zones = county_zones(ctx, {&old_map, &new_map}, {&old_geoms, &new_geoms}, area);
    Version old_v = load(std::move(old_map), std::move(old_geoms), zones, report.crs_wkt, threads);
    Version new_v = load(std::move(new_map), std::move(new_geoms), zones, report.crs_wkt, threads);
    const std::size_t n_old = old_v.geoms.size(), n_new = new_v.geoms.size();

    // 1. Units with the same land, vertex for vertex, under the same code need no overlay.
    std::map<std::string, int> new_by_code;
    for (std::size_t j = 0; j < n_new; ++j) new_by_code[new_v.map.units[j].code] = static_cast<int>(j);
    std::vector<int> identical_to(n_old, -1);
    std::vector<bool> new_identical(n_new, false);
    for (std::size_t i = 0; i < n_old; ++i) {
        auto it = new_by_code.find(old_v.map.units[i].code);
        if (it == new_by_code.end() || new_identical[it->second]) continue;
        if (GEOSEqualsExact_r(ctx, old_v.geoms[i].get(), new_v.geoms[it->second].get(), 0) != 1) continue;
        identical_to[i] = it->second;
        new_identical[it->second] = true;
    }

    // 2. Overlay the others (and the red line where they are).
    std::vector<int> old_rest, new_rest;
    for (std::size_t i = 0; i < n_old; ++i)
        if (identical_to[i] < 0) old_rest.push_back(static_cast<int>(i));
    for (std::size_t j = 0; j < n_new; ++j)
        if (!new_identical[j]) new_rest.push_back(static_cast<int>(j));
    std::vector<const GEOSGeometry*> inputs;
    for (int i : old_rest) inputs.push_back(old_v.geoms[i].get());
    for (int j : new_rest) inputs.push_back(new_v.geoms[j].get());
    if (options.redline) {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        bool any = false;
        for (const GEOSGeometry* g : inputs) {
            double a0, b0, a1, b1;
            GEOSGeom_getExtent_r(ctx, g, &a0, &b0, &a1, &b1);
            if (!any) x0 = a0, y0 = b0, x1 = a1, y1 = b1, any = true;
            x0 = std::min(x0, a0), y0 = std::min(y0, b0), x1 = std::max(x1, a1), y1 = std::max(y1, b1);
        }
        for (const auto& f : options.redline->features) {
            double a0, b0, a1, b1;
            GEOSGeom_getExtent_r(ctx, f.geom.get(), &a0, &b0, &a1, &b1);
            if (any && a0 <= x1 && x0 <= a1 && b0 <= y1 && y0 <= b1) {
                inputs.push_back(f.geom.get());
            }
        }
    }
    const std::size_t n_old_rest = old_rest.size(), n_new_rest = new_rest.size();
    Overlay overlay = inputs.empty() ? Overlay{} : overlay_polygons(ctx, nullptr, inputs, grid, geographic);
    if (options.progress) options.progress(0.7);

    // 3. Walk the faces: transitions, overlaps, land that changed hands.
    auto& t = report.transitions_km2;
    std::map<std::pair<int, int>, double> overlap;  // (old, new) unit indices
    struct LandKey {
        int old_unit, new_unit;
        auto operator<=>(const LandKey&) const = default;
    };
    std::map<LandKey, std::vector<int>> land_faces;
    std::map<int, double> left_priority;  // new unit (-1: none) -> red-line land that left priority
    // Which old and new unit cover each face (the first of each side), then
    // the faces' areas on every core, then the sums in the faces' order, so
    // that the report is the same for any number of threads.
    struct FaceOwner {
        int old_unit = -1, new_unit = -1;
        bool red = false;
    };
    std::vector<FaceOwner> owner(overlay.faces.size());
    for (std::size_t k = 0; k < overlay.faces.size(); ++k)
        for (int idx : overlay.faces[k].covering) {
            const std::size_t i = static_cast<std::size_t>(idx);
            if (i < n_old_rest) {
                if (owner[k].old_unit < 0) owner[k].old_unit = old_rest[i];
            } else if (i < n_old_rest + n_new_rest) {
                if (owner[k].new_unit < 0) owner[k].new_unit = new_rest[i - n_old_rest];
            } else {
                owner[k].red = true;
            }
        }
    auto zone_of = [&](int o, int n) { return o >= 0 ? old_v.zone[o] : new_v.zone[n]; };
    std::vector<double> face_m2(overlay.faces.size(), 0);
    {
        std::vector<std::size_t> jobs;
        for (std::size_t k = 0; k < owner.size(); ++k)
            if (owner[k].old_unit >= 0 || owner[k].new_unit >= 0) jobs.push_back(k);
        detail::run_parallel(
            jobs, threads,
            [&] { return std::make_unique<detail::GeometryWorker>(report.crs_wkt, AreaMethod::gauss_kruger); },
            [&](detail::GeometryWorker& w, std::size_t k) {
                w.area.use_zone(zone_of(owner[k].old_unit, owner[k].new_unit));
                face_m2[k] = w.area.area(w.ctx, overlay.faces[k].geom.get());
            });
    }
    for (std::size_t k = 0; k < overlay.faces.size(); ++k) {
        const int o = owner[k].old_unit, n = owner[k].new_unit;
        if (o < 0 && n < 0) continue;  // red line alone, or a hole of both maps
        const double a = face_m2[k];
        const int co = o < 0 ? 0 : category_of(old_v.map.units[o]);
        const int cn = n < 0 ? 0 : category_of(new_v.map.units[n]);
        t[co][cn] += a / 1e6;
        if (o >= 0 && n >= 0) overlap[{o, n}] += a;
        const std::string old_code = o < 0 ? "" : old_v.map.units[o].code;
        const std::string new_code = n < 0 ? "" : new_v.map.units[n].code;
        if (options.changed_land && (old_code != new_code || co != cn)) land_faces[{o, n}].push_back(static_cast<int>(k));
        if (owner[k].red && co == 1 && cn != 1) {
            left_priority[n] += a;
        }
    }
    for (std::size_t i = 0; i < n_old; ++i)
        if (identical_to[i] >= 0) {
            const int c_old = category_of(old_v.map.units[i]);
            t[c_old][category_of(new_v.map.units[identical_to[i]])] += old_v.area_m2[i] / 1e6;
        }

    // 4. Link units (same code; or an overlap of at least match_share of
    //    either) and classify each linked group.
    detail::DisjointSets sets(n_old + n_new);
    for (std::size_t i = 0; i < n_old; ++i) {
        auto it = new_by_code.find(old_v.map.units[i].code);
        if (it != new_by_code.end()) sets.join(static_cast<int>(i), static_cast<int>(n_old + it->second));
    }
    for (const auto& [pair, a] : overlap) {
        const auto [o, n] = pair;
        if (a >= options.match_share * old_v.area_m2[o] || a >= options.match_share * new_v.area_m2[n])
            sets.join(o, static_cast<int>(n_old + n));
    }
    std::map<int, std::pair<std::vector<int>, std::vector<int>>> groups;
    for (std::size_t i = 0; i < n_old; ++i) groups[sets.find(static_cast<int>(i))].first.push_back(static_cast<int>(i));
    for (std::size_t j = 0; j < n_new; ++j)
        groups[sets.find(static_cast<int>(n_old + j))].second.push_back(static_cast<int>(j));

    std::map<std::pair<int, int>, std::string> kind_of_pair;  // for the changed land
    std::map<int, std::string> kind_of_old, kind_of_new;
    auto same_attributes = [&](int o, int n) {
        const auto& a = old_v.map.attributes[o];
        const auto& b = new_v.map.attributes[n];
        for (const auto& [name, value] : a) {
            auto it = b.find(name);
            if (it != b.end() && it->second != value) return false;
        }
        return true;
    };
    for (auto& [root, members] : groups) {
        auto& [olds, news] = members;
        UnitChange c;
        for (int o : olds) c.old_codes.push_back(old_v.map.units[o].code);
        for (int n : news) c.new_codes.push_back(new_v.map.units[n].code);
        std::sort(c.old_codes.begin(), c.old_codes.end());
        std::sort(c.new_codes.begin(), c.new_codes.end());
        double old_total = 0;
        for (int o : olds) old_total += old_v.area_m2[o];
        if (olds.empty()) {
            c.kind = "added";
            c.area_m2 = new_v.area_m2[news[0]];
        } else if (news.empty()) {
            c.kind = "removed";
            c.area_m2 = old_total;
        } else if (olds.size() == 1 && news.size() == 1) {
            const int o = olds[0], n = news[0];
            double sym = 0;
            if (identical_to[o] != n) {
                auto it = overlap.find({o, n});
                const double common = it == overlap.end() ? 0 : it->second;
                sym = std::max(0.0, old_v.area_m2[o] + new_v.area_m2[n] - 2 * common);
            }
            const bool same_shape = sym < options.same_tolerance_m2;
            if (c.old_codes == c.new_codes) {
                c.kind = same_shape && same_attributes(o, n) ? "unchanged" : "modified";
                c.area_m2 = same_shape ? 0 : sym;
            } else {
                c.kind = same_shape ? "recoded" : "complex";
                c.area_m2 = old_total;
            }
        } else {
            c.kind = olds.size() == 1 ? "split" : news.size() == 1 ? "merged" : "complex";
            c.area_m2 = old_total;
        }
        for (int o : olds) kind_of_old[o] = c.kind;
        for (int n : news) kind_of_new[n] = c.kind;
        report.changes.push_back(std::move(c));
    }
    const auto& kinds = change_kinds();
    auto rank = [&](const std::string& k) { return std::find(kinds.begin(), kinds.end(), k) - kinds.begin(); };
    std::sort(report.changes.begin(), report.changes.end(), [&](const UnitChange& a, const UnitChange& b) {
        return std::make_tuple(rank(a.kind), a.old_codes, a.new_codes) <
               std::make_tuple(rank(b.kind), b.old_codes, b.new_codes);
    });
    for (const auto& k : kinds) report.summary[k] = 0;
    for (const auto& c : report.changes) ++report.summary[c.kind];

    // 5. The changed land, dissolved per (old unit, new unit), on every core.
    auto dissolve = [&](const geos::Context& wctx, const std::vector<int>& faces) {
        std::vector<GEOSGeometry*> parts;
        for (int k : faces) parts.push_back(GEOSGeom_clone_r(wctx, overlay.faces[k].geom.get()));
        geos::GeomPtr coll = geos::own(
            wctx, GEOSGeom_createCollection_r(wctx, GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())),
            "collecting");
        return geos::polygonal_part(wctx, geos::own(wctx, GEOSCoverageUnion_r(wctx, coll.get()), "dissolving"));
    };
    std::vector<const std::pair<const LandKey, std::vector<int>>*> lands;
    for (const auto& entry : land_faces) lands.push_back(&entry);
    report.changed_land.resize(lands.size());
    std::vector<std::size_t> land_jobs(lands.size());
    std::iota(land_jobs.begin(), land_jobs.end(), 0);
    detail::run_parallel(
        land_jobs, threads, [] { return std::make_unique<geos::Context>(); },
        [&](const geos::Context& wctx, std::size_t i) {
            const auto& [key, faces] = *lands[i];
            ChangedLand& land = report.changed_land[i];
            if (key.old_unit >= 0) {
                land.old_code = old_v.map.units[key.old_unit].code;
                land.old_category = category_of(old_v.map.units[key.old_unit]);
                land.kind = kind_of_old.at(key.old_unit);
            }
            if (key.new_unit >= 0) {
                land.new_code = new_v.map.units[key.new_unit].code;
                land.new_category = category_of(new_v.map.units[key.new_unit]);
                if (land.kind.empty()) land.kind = kind_of_new.at(key.new_unit);
            }
            for (int k : faces) land.area_m2 += face_m2[k];
            land.wkb = geos::to_wkb(wctx, dissolve(wctx, faces).get());
        });

    // 6. Policy guards.
    for (int category : options.forbid_decrease) {
        std::map<std::string, std::pair<double, double>> by_county;  // old, new m²
        for (std::size_t i = 0; i < n_old; ++i)
            if (category_of(old_v.map.units[i]) == category)
                by_county[county_of(old_v.map.units[i])].first += old_v.area_m2[i];
        for (std::size_t j = 0; j < n_new; ++j)
            if (category_of(new_v.map.units[j]) == category)
                by_county[county_of(new_v.map.units[j])].second += new_v.area_m2[j];
        double old_total = 0, new_total = 0;
        for (const auto& [county, areas] : by_county) {
            old_total += areas.first;
            new_total += areas.second;
            if (areas.second < areas.first - 1.0) {
                PolicyViolation v;
                v.rule = "forbid_decrease";
                v.county = county;
                v.category = category;
                v.old_km2 = areas.first / 1e6;
                v.new_km2 = areas.second / 1e6;
                v.area_m2 = areas.first - areas.second;
                v.message = fmt::format("category {} land of county {} shrinks from {:.6f} to {:.6f} km²", category,
                                        county, v.old_km2, v.new_km2);
                report.violations.push_back(std::move(v));
            }
        }
        if (new_total < old_total - 1.0) {
            PolicyViolation v;
            v.rule = "forbid_decrease";
            v.category = category;
            v.old_km2 = old_total / 1e6;
            v.new_km2 = new_total / 1e6;
            v.area_m2 = old_total - new_total;
            v.message = fmt::format("category {} land shrinks in total from {:.6f} to {:.6f} km²", category,
                                    v.old_km2, v.new_km2);
            report.violations.push_back(std::move(v));
        }
    }
    for (const auto& [n, a] : left_priority) {
        if (a < 1.0) continue;
        PolicyViolation v;
        v.rule = "redline";
        v.area_m2 = a;
        if (n >= 0) {
            v.codes.push_back(new_v.map.units[n].code);
            v.county = county_of(new_v.map.units[n]);
        }
        v.message = n >= 0 ? fmt::format("{:.1f} m² of red line leave priority units for unit {} (category {})", a,
                                         new_v.map.units[n].code, category_of(new_v.map.units[n]))
                           : fmt::format("{:.1f} m² of red line leave priority units and lie in no unit", a);
        report.violations.push_back(std::move(v));
    }
    if (options.progress) options.progress(1.0);
    return report;
}

PolygonLayer read_diff_redline(const geos::Context& ctx, const UnitMap& old_map, const std::string& source,
                               int threads) {
    ReadOptions read;
    read.target_crs_wkt = old_map.crs_wkt;
    read.threads = threads;
    read.allow_empty = true;
    return read_polygon_layer(ctx, parse_source(source), read);
}

}  // namespace zone
