// zone-check: validates a unit map against the contracts of zonekit(7), UNIT
// LAYER and UNIT CODES, and reports what it finds as text, JSON (CHECK REPORT)
// or JUnit XML (`map`); and checks projects against the access list
// (`project`, zonekit(7) PROJECT REPORT and ACCESS LIST).
// The commands themselves are the library's (zone/check/check_command.hpp); here
// are their command lines and what they print on stderr.
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/check/check_command.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace {

int run_map(zone::MapCheckRequest a, const zone::cli::Verbosity& verbosity) {
    a.version = ZONE_VERSION;
    zone::cli::Progress progress(verbosity.show_progress());
    bool progress_started = false;
    zone::MapCheckOutcome outcome;
    try {
        outcome = zone::run_map_check(a, [&](double f) {
            progress_started = true;
            progress(f);
        });
    } catch (...) {
        if (verbosity.show_progress() && progress_started) std::fputc('\n', stderr);  // the error on a line of its own
        throw;
    }
    progress.finish();
    if (!verbosity.quiet && !outcome.summary.empty()) std::fprintf(stderr, "%s\n", outcome.summary.c_str());
    return outcome.findings ? zone::cli::exit_findings : zone::cli::exit_ok;
}

int run_project(zone::ProjectCheckRequest a, const zone::cli::Verbosity& verbosity) {
    a.version = ZONE_VERSION;
    zone::cli::Progress progress(verbosity.show_progress() && !a.batch.empty());
    const zone::ProjectCheckOutcome outcome = zone::run_project_check(
        a,
        [&](const std::string& warning) {
            if (!verbosity.quiet) std::fprintf(stderr, "zone-check: warning: %s\n", warning.c_str());
        },
        [&](double f) { progress(f); });
    progress.finish();
    if (!verbosity.quiet && !outcome.summary.empty()) std::fprintf(stderr, "%s\n", outcome.summary.c_str());
    return outcome.findings ? zone::cli::exit_findings : zone::cli::exit_ok;
}

// Adds `map` to `app`; the subcommand's options are parsed into `a`.
CLI::App* add_map_command(CLI::App& app, zone::MapCheckRequest& a, zone::cli::Verbosity& verbosity) {
    CLI::App* map = app.add_subcommand(
        "map", "Checks a unit map: CRS, fields, geometries, codes, coverage (no gaps, no overlaps), county "
               "lines, slivers, the red line and planning layers (--expect). See zone-check(1).");
    map->add_option("units", a.units, "The unit map (any GDAL source; - for standard input; a.gpkg|layername=units)")
        ->required();
    auto* boundary = map->add_option("--boundary", a.boundary,
                                     "County boundaries (GDAL source): enables coverage.outside, unit.crosses_county, "
                                     "county gaps and the county test of code.county_mismatch");
    map->add_option("--boundary-code-field", a.boundary_code_field,
                    "Field of the county code in --boundary (default: the first of XZQDM, adcode, PAC, code)")
        ->needs(boundary);
    map->add_option("--redline", a.redline,
                    "Ecological protection red line (GDAL source): enables redline.not_priority");
    map->add_option("--expect", a.expect,
                    "SOURCE=CATS[:SEVERITY[:TOLERANCE_M2]][|where=SQL]: land of the layer must lie in units of "
                    "those categories, e.g. 'planning.gpkg|layername=ubound=1,2' (repeatable): enables "
                    "planning.category_mismatch")
        ->allow_extra_args(false);
    map->add_option("--profile", a.profile, "standard (provincial work) or national (filing with the ministry)")
        ->check(CLI::IsMember({"standard", "national"}))
        ->capture_default_str();
    map->add_option("--format", a.format, "Report format: text, json (zonekit(7) CHECK REPORT) or junit")
        ->check(CLI::IsMember({"text", "json", "junit"}))
        ->capture_default_str();
    map->add_option("-o,--output", a.report, "Write the report to this file (default: standard output)");
    map->add_option("--errors-out", a.errors_out,
                    "Write the findings' geometries to this GeoPackage (finding_points, finding_lines, "
                    "finding_polygons)");
    map->add_flag("--overwrite", a.overwrite, "Replace the report and --errors-out files if they exist");
    map->add_flag("--strict", a.strict, "Warnings count too: exit code 1, JUnit failures");
    auto tolerance = [map](const char* name, double& value, const char* help) {
        map->add_option(name, value, help)->check(zone::cli::non_negative)->capture_default_str();
    };
    tolerance("--overlap-tolerance", a.tolerances.overlap_m2, "Overlaps smaller than this many m² are ignored");
    tolerance("--gap-tolerance", a.tolerances.gap_m2, "Gaps smaller than this many m² are ignored");
    tolerance("--outside-tolerance", a.tolerances.outside_m2,
              "Unit land outside the boundary smaller than this many m² is ignored");
    tolerance("--county-tolerance", a.tolerances.county_m2,
              "Unit land in another county smaller than this many m² is ignored");
    tolerance("--redline-tolerance", a.tolerances.redline_m2,
              "Red-line land outside priority units smaller than this many m² is ignored");
    tolerance("--sliver-area", a.tolerances.sliver_area_m2, "Units smaller than this many m² are slivers");
    tolerance("--sliver-width", a.tolerances.sliver_width_m,
              "Units thinner than this many metres (2 x area / perimeter) are slivers");
    map->add_option("--encoding", a.encoding,
                    "Text encoding of a Shapefile that declares none (.cpg, LDID), e.g. GBK");
    map->add_option("--grid", a.grid, "Precision grid in CRS units (default 1e-9 for degrees, 1e-4 for metres)")
        ->check(zone::cli::non_negative);
    map->add_option("--threads", a.threads, "Worker threads (default: one per core)")->check(zone::cli::non_negative);
    zone::cli::add_verbosity_flags(*map, verbosity);
    return map;
}

// Adds `project` to `app`; the subcommand's options are parsed into `a`.
CLI::App* add_project_command(CLI::App& app, zone::ProjectCheckRequest& a, zone::cli::Verbosity& verbosity) {
    CLI::App* p = app.add_subcommand(
        "project",
        "Checks a project against the access list (符合性分析): the units its footprint touches, every rule of "
        "every level (province, circle, city, unit) that applies, and the verdict; or screens every enterprise "
        "of a layer (--batch). Exit code 0 conforming or conditional, 1 nonconforming or incomplete, 2 bad input. "
        "See zone-check(1), PROJECT MODE.");
    p->add_option("--units", a.units, "The unit map (any GDAL source)")->required();
    p->add_option("--list", a.list, "The access list (TOML, zonekit(7) ACCESS LIST; see zone-check(1), ACCESS LIST)")->required();
    p->add_option("--boundary", a.boundary,
                  "County boundaries with city and economic-circle fields (adcode, city_adcode, city_name, circle): "
                  "which city and circle each unit is in. Without it circle-level rules stay undecided");
    p->add_option("--point", a.point,
                  "The project as a point: LON,LAT in CGCS2000 degrees, decimal or DMS (117.025,36.65; "
                  "117°01'30\"E,36°39'00\"N; 东经117度01分30秒，北纬36度39分)");
    p->add_option("--gk", a.gk,
                  "The project as a CGCS2000 Gauss-Krüger point: EASTING,NORTHING with the zone prefix "
                  "(39512345.67,4051234.5; either order)");
    p->add_option("--zone", a.zone, "3-degree zone number of a --gk easting without prefix (39 for 117°E)")
        ->check(CLI::Range(13, 45));
    p->add_option("--cm", a.cm, "Central meridian of a --gk easting without prefix (117)")->check(CLI::Range(75, 135));
    p->add_option("--wkt", a.wkt, "The footprint as WKT (\"POLYGON((117.01 36.65, ...))\"), in --crs");
    p->add_option("--crs", a.crs, "CRS of --wkt (default EPSG:4490, CGCS2000 degrees)")->capture_default_str();
    p->add_option("--footprint", a.footprint,
                  "The footprint from a GDAL source (GeoJSON, Shapefile, GeoPackage …): every feature, united; "
                  "attributes from its fields");
    p->add_option("--batch", a.batch,
                  "Screen every enterprise of this layer (points or polygons; a CSV with lon/lat columns); "
                  "attributes from each feature's fields; verdicts to -o (.csv or .gpkg)");
    p->add_option("--id-field", a.id_field,
                  "Field naming each --batch enterprise (default: the first of id, code, 统一社会信用代码, name; else the FID)");
    p->add_option("--industry", a.industry, "GB/T 4754 industry code of the project (C2614)");
    p->add_option("--nature", a.nature, "Nature of the project: 新建, 改建, 扩建 or 技术改造");
    p->add_option("--attr", a.attrs, "Another attribute NAME=VALUE, e.g. vocs_t=12.5 (repeatable)");
    p->add_option("--format", a.format,
                  "Report format: text (default; Chinese, tab-separated tables), json (zonekit(7) PROJECT REPORT) or markdown")
        ->check(CLI::IsMember({"text", "json", "markdown"}));
    p->add_option("-o,--output", a.output,
                  "Write the report to this file (default: standard output); with --batch the verdicts (.csv, .gpkg)");
    p->add_flag("--overwrite", a.overwrite, "Replace the output if it exists");
    p->add_option("--encoding", a.encoding, "Text encoding of a Shapefile that declares none, e.g. GBK");
    p->add_option("--threads", a.threads, "Worker threads for --batch (default: one per core)")->check(zone::cli::non_negative);
    zone::cli::add_verbosity_flags(*p, verbosity, "No warnings, progress or summary on stderr",
                                   "Show --batch progress even when stderr is not a terminal");
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Checks environmental control unit maps (环境管控单元) against the zonekit contracts (map), "
                 "and projects against the access list (project). See zone-check(1)."};
    app.set_version_flag("--version", std::string("zone-check ") + ZONE_VERSION);
    app.require_subcommand(1);

    // One entry per subcommand: its parser and what runs when it was chosen.
    zone::MapCheckRequest map_args;
    zone::ProjectCheckRequest project_args;
    zone::cli::Verbosity map_verbosity, project_verbosity;
    const std::vector<std::pair<CLI::App*, std::function<int()>>> commands = {
        {add_map_command(app, map_args, map_verbosity), [&] { return run_map(map_args, map_verbosity); }},
        {add_project_command(app, project_args, project_verbosity), [&] { return run_project(project_args, project_verbosity); }},
    };
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    for (const auto& [command, body] : commands)
        if (command->parsed()) return zone::cli::guarded_main("zone-check", body);
    return zone::cli::exit_cannot;  // require_subcommand(1) makes this unreachable
}
