// What zone-check map checks a unit map against, as data: the county
// boundaries (coverage by county, units beyond or across counties) and the
// reference layers — the red line and the planning layers of --expect — each
// with the categories its land must lie in. The check takes them read into
// the CRS it checks the map in; read_check_references reads them so.
#pragma once

#include "zone/check/check.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/boundary.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_layer.hpp"

#include <optional>
#include <string>
#include <vector>

namespace zone {

// A reference layer in the map's CRS and the expectation its land is held to.
struct ReferenceLayer {
    Expectation expectation;
    PolygonLayer layer;
    bool redline = false;  // the built-in red-line expectation, which keeps its own wording
};

struct CheckReferences {
    // County boundaries; none: gaps are holes between units, and units are
    // not checked against counties.
    std::optional<Boundary> boundary;
    std::vector<ReferenceLayer> layers;  // the red line first (when given), then the planning layers
};

// Where the references are, as the user names them.
struct CheckReferenceSources {
    std::string boundary;             // county boundaries (GDAL source); optional
    std::string boundary_code_field;  // empty: the first of XZQDM, adcode, PAC, code that exists
    std::string redline;              // ecological protection red line (GDAL source); optional: the
                                      // built-in expectation "priority units only" (redline.not_priority)
    std::vector<Expectation> expectations;  // planning layers (planning.category_mismatch)
};

// Reads the references into the CRS `map` is checked in (its own; as they
// are when it has none), edges followed within half the check's grid, into
// `ctx`. The red line's tolerance is options.tolerances.redline_m2. An empty
// red line is allowed; an expectation layer or filter without features, or
// an expectation without categories, is not. Throws InputError naming file,
// layer, feature and field.
CheckReferences read_check_references(const geos::Context& ctx, const UnitLayer& map,
                                      const CheckReferenceSources& sources, const CheckOptions& options);

}  // namespace zone
