// Expectations of zone-check map: land of a reference layer must lie in units
// of some categories. The red line is the built-in one (redline.not_priority);
// planning layers — urban development boundary (城镇开发边界), permanent basic
// farmland (永久基本农田) … — are given with --expect (planning.category_mismatch).
#pragma once

#include "zone/check/check.hpp"

#include <string>

namespace zone {

// Parses the command line's spelling of an expectation:
//
//   SOURCE=CATS[:SEVERITY[:TOLERANCE_M2]][|where=SQL]
//
// SOURCE is a GDAL source as everywhere ("planning.gpkg|layername=ubound");
// CATS the allowed categories, comma-separated ("1,2"); SEVERITY "error" (the
// default) or "warning"; TOLERANCE_M2 the land per unit below which nothing is
// reported (default 1). An optional OGR SQL attribute filter follows
// "|where=" and runs to the end, so it may hold any character:
//
//   planning.gpkg|layername=ubound=1,2:error:100|where=GNFQ <> '特别用途区'
//
// The expectation is the part after the last "=" before "|where=" (no layer
// name of the source is cut: CATS hold no "="). Throws InputError saying what
// is wrong with which part.
Expectation parse_expectation(const std::string& spec);

// The red line as an expectation: priority units only, an error, rule
// redline.not_priority.
Expectation redline_expectation(const std::string& source, double tolerance_m2);

}  // namespace zone
