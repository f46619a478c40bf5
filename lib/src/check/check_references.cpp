// Reading what zone-check map checks a map against into the CRS it checks
// the map in.
#include "zone/check/check_references.hpp"

#include "check/check_checker.hpp"
#include "io/polygon_geometry.hpp"
#include "zone/check/check_expect.hpp"

namespace zone {

CheckReferences read_check_references(const geos::Context& ctx, const UnitLayer& map,
                                      const CheckReferenceSources& sources, const CheckOptions& options) {
    const OGRSpatialReference* srs = map.crs.get();
    const bool has_crs = !detail::says_no_crs(srs);
    // Without a CRS the references are taken as they are: nothing to move them by.
    const std::string crs_wkt = has_crs ? detail::wkt_of(*srs) : std::string();
    // Below what the check's grid moves a vertex by.
    const double tolerance = detail::check_grid(options.grid, has_crs && srs->IsGeographic()) / 2;

    CheckReferences refs;
    if (!sources.boundary.empty()) {
        BoundaryOptions o;
        o.fields.code = sources.boundary_code_field;
        o.places = false;
        o.target_crs_wkt = crs_wkt;
        o.reproject_tolerance = tolerance;
        o.code_field_option = "--boundary-code-field";
        o.threads = options.threads;
        refs.boundary = read_boundary(ctx, sources.boundary, o);
    }
    auto read = [&](const Expectation& e, bool redline) {
        ReadOptions o;
        o.target_crs_wkt = crs_wkt;
        o.reproject_tolerance = tolerance;
        o.where = e.where;
        // A layer may be empty (no farmland in these counties); a filter that
        // matches nothing is more likely a mistake.
        o.allow_empty = e.where.empty();
        o.threads = options.threads;
        refs.layers.push_back({e, read_polygon_layer(ctx, parse_source(e.source), o), redline});
    };
    if (!sources.redline.empty()) read(redline_expectation(sources.redline, options.tolerances.redline_m2), true);
    for (const Expectation& e : sources.expectations) {
        if (e.categories.empty()) throw InputError(Where{e.source, {}, {}, {}}, "an expectation names no category");
        read(e, false);
    }
    return refs;
}

}  // namespace zone
