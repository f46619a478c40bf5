// zone-check's two commands as the library runs them: `map` (validate a unit
// map, zonekit(7) CHECK REPORT) and `project` (a project's conformity
// analysis, or the screening of a layer of enterprises, zonekit(7) PROJECT
// REPORT). Each checks its arguments and outputs before any work (bad ones
// throw InputError: exit code 2), runs the engine, and writes the report
// through StagedOutputs: all outputs or none. Nothing is printed; what a
// person reads on stderr comes back as text.
#pragma once

#include "zone/check/check.hpp"

#include <functional>
#include <string>
#include <vector>

namespace zone {

struct MapCheckRequest {
    std::string units;
    std::string boundary;
    std::string boundary_code_field;
    std::string redline;
    std::vector<std::string> expect;  // SOURCE=CATS[:SEVERITY[:TOLERANCE_M2]][|where=SQL]
    std::string profile = "standard";  // or "national"
    std::string format = "text";       // text, json or junit
    std::string report;                // empty or "-": standard output
    std::string errors_out;            // GeoPackage of the findings' geometries; empty: none
    bool overwrite = false;
    bool strict = false;  // warnings count too
    CheckTolerances tolerances;
    std::string encoding;
    double grid = 0;
    int threads = 0;
    std::string version;  // zonekit's, stated in the JSON report
};

struct MapCheckOutcome {
    CheckReport report;
    bool findings = false;  // errors (with `strict`, any finding): exit code 1
    // "zone-check: 3 errors, 1 warning in 2750 units; report in r.json" for
    // stderr; empty when the text report on standard output ends with it.
    std::string summary;
};

// `progress` is called with the fraction done (0..1).
MapCheckOutcome run_map_check(const MapCheckRequest& request, const std::function<void(double)>& progress);

struct ProjectCheckRequest {
    std::string units;
    std::string list;
    std::string boundary;
    std::string encoding;
    // Where the project is: exactly one of these.
    std::string footprint, wkt, point, gk, batch;
    std::string crs = "EPSG:4490";  // of --wkt
    int zone = 0, cm = 0;           // of --gk without zone prefix; 0: not given
    std::string industry, nature;
    std::vector<std::string> attrs;  // NAME=VALUE
    std::string id_field;
    std::string format;  // text (empty), json or markdown
    std::string output;  // empty or "-": standard output; with `batch` a .csv or .gpkg
    bool overwrite = false;
    int threads = 0;
    std::string version;  // zonekit's, stated in the JSON report
};

struct ProjectCheckOutcome {
    bool findings = false;  // nonconforming or incomplete (in a batch: any, or outside the map): exit code 1
    std::string summary;    // for stderr; empty when the text report on standard output says it
};

// `warn` receives the unit map's warnings as soon as it is read; `progress`
// the fraction of a batch done.
ProjectCheckOutcome run_project_check(const ProjectCheckRequest& request,
                                      const std::function<void(const std::string&)>& warn,
                                      const std::function<void(double)>& progress);

}  // namespace zone
