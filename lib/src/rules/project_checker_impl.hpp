// The inside of ProjectChecker, shared by the checker (project.cpp) and the
// batch screening (batch.cpp).
#pragma once

#include "zone/core/area.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/rules/project.hpp"
#include "zone/core/reproject.hpp"
#include "zone/io/source.hpp"

#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace zone {

struct BoundaryCounty;

namespace detail {

// What a thread needs: its GEOS context, an area calculator, and the unit
// geometries it has prepared (prepared geometries build their indexes lazily
// and are not shared between threads).
struct Worker {
    geos::Context ctx;
    AreaCalculator area;
    std::vector<geos::PreparedPtr> prepared;
    Worker(const std::string& crs, std::size_t units) : area(crs, AreaMethod::gauss_kruger), prepared(units) {}
};

// The attributes of one feature. Numbers stay numbers; text that reads as a
// number counts as one too (CSV fields are all text). `skip_field` (the id)
// is left out.
Attributes feature_attributes(OGRFeature& f, const Where& where, const std::string& skip_field);

// A geometry as ISO WKB, little-endian.
std::vector<unsigned char> ogr_wkb(const OGRGeometry& g);

}  // namespace detail

using detail::Worker;

struct ProjectChecker::Impl {
    AccessList list;
    bool has_boundary = false;  // places given (a boundary without circles still tells cities)
    int threads = 0;            // batch screening
    geos::Context ctx;  // owns the unit geometries and the tree
    PolygonLayer layer;
    std::vector<TouchedUnit> units;  // overlap_m2 unused here
    geos::TreePtr tree;
    std::string area_method;
    std::vector<std::string> warnings;
    bool know_circles = false;
    std::vector<std::size_t> rule_order;  // rules by level, then file order
    // Workers of check(), one per concurrent caller (a server checks from
    // many threads); a worker keeps the unit geometries it prepared.
    std::vector<std::unique_ptr<Worker>> idle_workers;
    std::mutex idle_mutex;
    std::unique_ptr<Worker> take_worker();
    void give_back(std::unique_ptr<Worker> w);
    // A worker for the length of one check(), given back however it ends
    // (a worker keeps nothing of a check but the geometries it prepared).
    struct WorkerLease {
        Impl& impl;
        std::unique_ptr<Worker> worker;
        explicit WorkerLease(Impl& i) : impl(i), worker(i.take_worker()) {}
        ~WorkerLease() { impl.give_back(std::move(worker)); }
    };

    void load_units(const UnitMap& map);
    void resolve_places(const Boundary* places);
    void check_scopes();

    // Null when the footprint's CRS is the map's or PROJ's operation leaves coordinates unchanged.
    std::unique_ptr<Reprojection> transform_from(const OGRSpatialReference& srs) const;
    Footprint finish_footprint(std::unique_ptr<OGRGeometry> g, const OGRSpatialReference& srs, std::string description) const;

    // The units a footprint touches, in code order; with `areas`, their
    // overlap areas, the footprint's area and a point of it in degrees.
    std::vector<TouchedUnit> touch(Worker& w, const GEOSGeometry* footprint, bool areas, double* footprint_m2 = nullptr,
                                   std::array<double, 2>* lonlat = nullptr) const;
    // Rules hit and undecided for the touched units.
    void apply_rules(const std::vector<TouchedUnit>& touched, const Attributes& attrs, std::vector<RuleHit>& hits,
                     std::vector<RuleHit>& undecided) const;
};

}  // namespace zone
