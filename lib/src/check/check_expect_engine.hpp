// The expectation engine of zone-check map (internal): reference layers read
// into the map's CRS, which of them a face of the coverage overlay breaks, and
// the findings for the land that breaks them, unit by unit.
#pragma once

#include "zone/check/check.hpp"
#include "zone/check/check_references.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/source.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace zone::detail {

// A feature of some expectation layer, as the coverage overlay sees it.
struct ExpectationFeature {
    int layer = 0;    // index into CheckReferences::layers
    int feature = 0;  // index into its features
};

// Every feature of every layer, layer by layer.
std::vector<ExpectationFeature> all_features(const std::vector<ReferenceLayer>& layers);

// Land of one layer in one unit (or in none) that breaks the layer's
// expectation, as gathered over the regions of the overlay.
struct Mismatch {
    double area = 0;
    std::vector<unsigned char> wkb;  // of this region's part
    double best = -1, x = 0, y = 0;  // the largest face and a point in it
    int feature = -1;                // index of the first layer feature met, -1: none yet
};
using MismatchKey = std::pair<int, int>;  // (layer index, unit index or -1 for no unit)
using Mismatches = std::map<MismatchKey, Mismatch>;

// The layers whose features among `covering` (indices into `features`) the
// land breaks, given the categories of the units that cover it (several when
// units overlap: one allowed category is enough). Returns, per broken layer,
// the first of its features met, in layer order.
std::vector<std::pair<int, int>> broken_layers(const std::vector<ReferenceLayer>& layers,
                                               const std::vector<ExpectationFeature>& features,
                                               const std::vector<int>& covering,
                                               const std::vector<int>& categories);

// The unit a mismatch lies in, as the finding names it.
struct MismatchUnit {
    std::int64_t fid = 0;
    std::string code;
    int category = 0;
};

// The finding for `area_m2` of layer `layer`, feature `feature` (-1: none) in
// `unit` (null: in no unit); rule, severity and message from the
// expectation. Geometry and location are left to the caller.
Finding mismatch_finding(const ReferenceLayer& layer, int feature, const MismatchUnit* unit, double area_m2);

}  // namespace zone::detail
