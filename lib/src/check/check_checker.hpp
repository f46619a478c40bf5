// The inside of zone-check's map check: the Checker and what its phases
// share. check.cpp runs the phases; check_schema.cpp reads the map and checks
// its schema, CRS and codes; check_coverage.cpp checks coverage, counties
// and the red line.
#pragma once

#include "zone/check/check.hpp"

#include "check/check_expect_engine.hpp"
#include "io/gdal_util.hpp"
#include "core/disjoint_sets.hpp"
#include "core/parallel.hpp"
#include "zone/core/area.hpp"
#include "zone/io/boundary.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/overlay/overlay.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_layer.hpp"
#include "zone/io/unit_map.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <tuple>

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace zone::detail {

std::string km2_or_m2(double m2);
// The precision grid of the check: `option` when set, else 1e-9 for degrees
// and 1e-4 for metres.
double check_grid(double option, bool geographic);
std::vector<unsigned char> point_wkb(const geos::Context& ctx, double x, double y);

struct MapUnit {
    std::int64_t fid = 0;
    std::string code, county_code;
    int category = 0;    // 0 when unknown
    geos::GeomPtr geom;  // valid polygonal geometry, repaired if need be; null when unusable
    double cx = 0, cy = 0;
    int zone = 0;        // Gauss-Krüger central meridian for its area
    double area_m2 = 0;
};

struct County {
    std::int64_t fid = 0;
    std::string code;
    const GEOSGeometry* geom = nullptr;
};

// What one region (a county, or the whole map) contributes.
struct RegionResult {
    struct Pair {
        double area = 0;
        std::vector<std::vector<unsigned char>> parts;
        double best = -1, x = 0, y = 0;  // the largest face and a point in it
    };
    struct Piece {  // a gap
        double area = 0;
        std::vector<unsigned char> wkb;
        double x = 0, y = 0;
    };
    std::map<std::pair<int, int>, Pair> overlaps;  // unit index pairs
    std::vector<Piece> gaps;
    detail::Mismatches mismatches;                 // red line and planning land in units it should not be in
    std::vector<std::pair<int, double>> inside;    // (unit, area in the unit's zone)
};

class Checker {
public:
    Checker(UnitLayer map, const CheckReferences& references, const CheckOptions& options)
        : map_(std::move(map)), references_(references), options_(options) {
        report_.input = map_.source;
        report_.tolerances = options.tolerances;
    }

    CheckReport run();

private:
    void add(std::string rule, Severity severity, std::optional<std::int64_t> fid, std::string message,
             std::string code = {}) {
        Finding f;
        f.rule = std::move(rule);
        f.severity = severity;
        f.fid = fid;
        f.code = std::move(code);
        f.message = std::move(message);
        report_.findings.push_back(std::move(f));
    }
    Finding& last() { return report_.findings.back(); }
    void locate(Finding& f, double x, double y) {
        f.location = area_ ? area_->lonlat(x, y) : std::array<double, 2>{x, y};
        if (f.wkb.empty()) f.wkb = point_wkb(ctx_, x, y);
    }

    // Workers need a CRS for their area calculator even when the map has none
    // (then areas are planar and the calculator is never asked).
    std::unique_ptr<detail::GeometryWorker> make_worker() const {
        return std::make_unique<detail::GeometryWorker>(work_crs_.empty() ? "EPSG:4490" : work_crs_,
                                                        AreaMethod::gauss_kruger);
    }

    void read_map();
    void check_crs(const OGRSpatialReference* srs, bool shapefile, const OGREnvelope& extent);
    void check_schema();
    void check_codes();
    void compute_unit_areas();
    void check_slivers();
    void take_references();
    void check_coverage();
    RegionResult overlay_region(detail::GeometryWorker& w, const GEOSGeometry* region, int zone,
                                const std::vector<int>& units, const std::vector<int>& references) const;
    void report_region_results(std::vector<RegionResult>& results);
    // Returns the parts of units outside every county, by unit index.
    std::map<int, geos::GeomPtr> check_counties(const std::vector<RegionResult>& results);
    void overlaps_beyond_boundary(std::map<int, geos::GeomPtr>& outside, std::vector<RegionResult>& results);

    UnitLayer map_;  // each feature's WKB is let go once it is in GEOS
    const CheckReferences& references_;
    CheckOptions options_;
    CheckReport report_;
    geos::Context ctx_;
    std::unique_ptr<AreaCalculator> area_;
    std::string work_crs_;   // what areas are computed in
    bool geographic_ = true;
    double grid_ = 1e-9;
    std::vector<MapUnit> units_;
    std::vector<int> usable_;  // indices of units with a usable geometry
    const std::vector<ReferenceLayer>& expected_ = references_.layers;  // the red line first, then --expect layers
    std::vector<detail::ExpectationFeature> expected_features_;       // all their features
    std::vector<County> counties_;
};

}  // namespace zone::detail
