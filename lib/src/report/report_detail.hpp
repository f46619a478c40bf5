// Internals shared by the report sources (not part of the public API).
#pragma once

#include "zone/core/geos.hpp"
#include "zone/report/report.hpp"
#include "zone/report/report_inputs.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace zone::detail {

// ------------------------------------------------------------------ map (report_map.cpp)

// A county as the map draws it: its outline (the boundary's polygon, or the
// union of its units when there is no boundary) and its city.
struct MapCounty {
    std::string code, name, city_key, city_name;
    const GEOSGeometry* outline = nullptr;          // the boundary's polygon, in the units' CRS; null: from units
    std::vector<const GEOSGeometry*> units;         // its units, in the units' CRS
};

// Projects units and outlines into a transverse Mercator centred on the map.
// `units` are in Report::units order.
ReportMap build_report_map(const geos::Context& ctx, const std::string& crs_wkt,
                           const std::vector<const GEOSGeometry*>& units, const std::vector<MapCounty>& counties,
                           int threads);

// ------------------------------------------------------------------ indicators (report_indicators.cpp)

// Evaluates an indicator table against the report's units. Throws
// InputError naming file, layer, feature (row) and field.
Effectiveness assess_effectiveness(const IndicatorTable& table, const std::vector<ReportUnit>& units);

// ------------------------------------------------------------------ factors (report_factors.cpp)

// Fills ReportUnit::factors from each unit's YSLX list; with a scheme, the
// labels and, for every factor layer that can be read, the share of the
// unit's land it covers (intersection area over unit area, same area method).
// Returns a note for the report saying what was computed and what not.
std::string factor_composition(const geos::Context& ctx, const ReportFactors* factors, const std::string& crs_wkt,
                               AreaMethod method,
                               const std::vector<const GEOSGeometry*>& geoms, const std::vector<int>& zones,
                               const std::vector<std::string>& yslx, std::vector<ReportUnit>& units, int threads);

}  // namespace zone::detail

// ------------------------------------------------------------------ text (report_text.cpp)

// In a namespace of their own: libzone has other escaping helpers (for the
// check reports) with the same names and other contracts.
namespace zone::detail::report_text {

// Text for XML character data or a double-quoted attribute; bytes that are
// not UTF-8 and characters XML forbids become U+FFFD.
std::string xml_escape(const std::string& s);
// A JSON string literal (UTF-8 passed through, invalid bytes as U+FFFD).
std::string json_string(const std::string& s);
// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
std::string csv_field(const std::string& s);
// Markdown table cell: pipes escaped, line breaks as spaces.
std::string md_cell(const std::string& s);
// km² × 100 as "1234.56"; with `group`, "1,234.56".
std::string km2_text(std::int64_t hundredths, bool group = false);
// Tenths of a percent as "12.3".
std::string percent_text(int permille);
// An integer with thousands grouped: "2,873".
std::string count_text(long long n);
// Shortest text that reads back as the same double; "null" when not finite.
std::string number_text(double v);
// The area method and the rounding, in Chinese for the people's forms (HTML,
// Markdown); plain text, not escaped.
std::string area_method_zh(const Report& r);
std::string rounding_zh(const Report& r);

}  // namespace zone::detail::report_text
