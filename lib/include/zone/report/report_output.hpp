// The forms of a zone-report: a self-contained HTML report, Markdown, CSV
// (UTF-8 with BOM, for Excel), XLSX (through GDAL), JSON, the map as SVG and
// PNG, and the CSV of units whose indicators got worse.
//
// Text forms are returned as strings; files are written by the caller through
// StagedOutputs (zone/io/output.hpp), so that a run with several outputs leaves
// all of them or none.
#pragma once

#include "zone/report/report.hpp"

#include <string>
#include <vector>

namespace zone {

enum class ReportFormat { html, markdown, csv, xlsx, json };

const char* to_string(ReportFormat f);  // "html", "md", "csv", "xlsx", "json"
// By extension: .html/.htm, .md, .csv, .xlsx, .json. Throws InputError.
ReportFormat report_format_for_path(const std::string& path);
// "html", "md"/"markdown", "csv", "xlsx", "json"; throws InputError.
ReportFormat parse_report_format(const std::string& name);

// ------------------------------------------------------------------ text forms

struct HtmlOptions {
    std::string version;         // zonekit version, stated in the footer
    bool sheets = true;          // one sheet per unit
    double map_width_px = 960;   // the SVG's drawing width: sets the simplification tolerance
};

// One file, no network: inline CSS and SVG, a CJK font stack, print CSS with
// one unit sheet per page. Well-formed XHTML (polyglot HTML5), so an XML
// parser reads it strictly.
std::string format_report_html(const Report& report, const HtmlOptions& options);

// The statistics tables, one per level, the notes and the effectiveness list.
std::string format_report_markdown(const Report& report);

// The statistics, one row per region (levels in order), UTF-8 with a BOM.
// Columns: level, code, name, parent, units_1, units_2, units_3, units,
// area_km2_1, area_km2_2, area_km2_3, area_km2, share_1, share_2, share_3;
// the first row is the whole map (level "total").
std::string format_report_csv(const Report& report);

// One row per indicator that got worse, priority units first, UTF-8 with a
// BOM. Columns: code, name, category, city, county, indicator, baseline,
// current, change, change_percent, higher_is_better, valid_share (empty
// unless the indicator table has it). Not assessable indicators are not rows.
std::string format_worse_csv(const Report& report);

// Everything as data: statistics with exact and displayed areas, units,
// effectiveness, notes.
std::string format_report_json(const Report& report, const std::string& version);

// The map as an SVG element (for the HTML): units coloured by category and
// linked to their sheets, county and city lines, city names, legend, scale bar.
// Geometry is simplified to a tolerance of half a pixel at `width_px`.
std::string format_map_svg(const Report& report, double width_px);

// ------------------------------------------------------------------ files

// Sheets statistics, units and (with indicators) worse, through GDAL's XLSX
// driver, to `path` as it is (no staging: see StagedOutputs).
void write_report_xlsx(const Report& report, const std::string& path);

// The map rasterised through GDAL (MEM raster with a colour table, then the
// PNG driver): `width` pixels wide, as tall as the map's shape needs.
// Palette: 0 background, 1-3 the categories, 4 county lines, 5 city lines.
void write_map_png(const Report& report, const std::string& path, int width);

// The colour of a category (1-3) as "#rrggbb", shared by the SVG and the PNG.
const char* category_colour(int category);

}  // namespace zone
