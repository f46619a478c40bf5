// The forms of a zone-check report: text for people, JSON (zonekit(7) CHECK REPORT) for
// scripts, JUnit XML for CI servers, and a GeoPackage of where each finding is.
#pragma once

#include "zone/check/check.hpp"

#include <string>

namespace zone {

// Grouped by rule, the worst first, with a summary line at the end.
std::string format_check_text(const CheckReport& report);

// Exactly the JSON of zonekit(7) CHECK REPORT, plus "tolerances" and "area_method", and
// per finding "layer": the reference layer of a red-line or planning finding
// (null for the others).
std::string format_check_json(const CheckReport& report, const std::string& version);

// One <testcase> per rule id: failed when the rule has findings that count
// (errors; warnings too with `strict`), each finding a line of the failure.
std::string format_check_junit(const CheckReport& report, bool strict);

// Writes every finding that has a geometry into a GeoPackage: layers
// finding_points, finding_lines and finding_polygons, with the fields rule,
// severity, fid, fid2, code, message, area_m2, layer. Checked (OutputPlan:
// never over the checked map; an existing file is replaced only with
// `overwrite`) and written through StagedOutputs. Throws InputError.
void write_check_findings(const CheckReport& report, const std::string& path, bool overwrite);
// The same GeoPackage written to `path` as it is, for a caller that stages
// its outputs together (zone/io/output.hpp).
void write_check_findings_gpkg(const CheckReport& report, const std::string& path);

}  // namespace zone
