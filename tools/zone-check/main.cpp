// zone-check: validates a unit map against the contracts of zonekit(7), UNIT LAYER and UNIT CODES
// and 2.5 and reports what it finds as text, JSON or JUnit XML (`map`); and
// checks projects against the access list (`project`, zonekit(7), PROJECT REPORT and ACCESS LIST).
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/access_list.hpp"
#include "zone/check.hpp"
#include "zone/check_expect.hpp"
#include "zone/check_report.hpp"
#include "zone/error.hpp"
#include "zone/project.hpp"
#include "zone/report_output.hpp"
#include "zone/source.hpp"
#include "zone/units_io.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct MapArgs {
    std::string units;
    std::string boundary;
    std::string boundary_code_field;
    std::string redline;
    std::vector<std::string> expect;  // SOURCE=CATS[:SEVERITY[:TOLERANCE_M2]][|where=SQL]
    std::string profile = "standard";
    std::string format = "text";
    std::string report;      // -o; empty or "-": standard output
    std::string errors_out;  // GeoPackage of the findings' geometries
    bool overwrite = false;
    bool strict = false;
    zone::CheckTolerances tolerances;
    std::string encoding;
    double grid = 0;
    int threads = 0;
    bool quiet = false;
    bool progress = false;
};

// The local file behind a GDAL source, for "never write over an input":
// "a.gpkg|layername=x" -> a.gpkg, "/vsizip/sub.zip/a.shp" -> sub.zip. Empty
// for standard input and connections (PG:…), which no output can replace.
std::string local_file(const std::string& source) {
    std::string path = zone::parse_source(source).path;
    if (path.empty() || path == "-" || path.rfind("PG:", 0) == 0) return {};
    for (const std::string prefix : {"/vsizip/", "/vsigzip/", "/vsitar/"}) {
        if (path.rfind(prefix, 0) != 0) continue;
        path = path.substr(prefix.size());
        for (const std::string ext : {".zip", ".ZIP", ".gz", ".tar", ".tgz"}) {
            const auto at = path.find(ext + "/");
            if (at != std::string::npos) {
                path = path.substr(0, at + ext.size());
                break;
            }
        }
    }
    if (path.rfind("/vsi", 0) == 0) return {};
    return path;
}

// Every file an input consists of: a Shapefile is several.
std::vector<std::string> input_files(const std::vector<std::string>& sources) {
    std::vector<std::string> files;
    for (const auto& source : sources) {
        const std::string path = local_file(source);
        if (path.empty()) continue;
        files.push_back(path);
        std::string ext = fs::path(path).extension().string();
        for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (ext == ".shp" || ext == ".dbf") {
            for (const char* side : {".shp", ".shx", ".dbf", ".prj", ".cpg"})
                files.push_back(fs::path(path).replace_extension(side).string());
        }
    }
    return files;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

// Before any work: the output can be written where asked. Throws InputError.
void check_writable(const std::string& path, const std::string& what, const std::vector<std::string>& inputs,
                    bool overwrite) {
    const zone::Where where{path, {}, {}, {}};
    for (const auto& input : inputs)
        if (same_file(path, input))
            throw zone::InputError(where, "the " + what + " would replace an input (" + input + ")");
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw zone::InputError(where, "is a folder; name a file for the " + what);
    if (fs::exists(path, ec) && !overwrite)
        throw zone::InputError(where, "already exists; pass --overwrite to replace it");
    const fs::path parent = fs::absolute(path).parent_path();
    if (!fs::is_directory(parent, ec))
        throw zone::InputError(where, "the folder " + parent.string() + " does not exist");
    if (access(parent.c_str(), W_OK | X_OK) != 0)
        throw zone::InputError(where, "the folder " + parent.string() + " is not writable");
}

int run_map(const MapArgs& a) {
    const bool to_stdout = a.report.empty() || a.report == "-";
    std::vector<zone::Expectation> expectations;
    std::vector<std::string> sources{a.units, a.boundary, a.redline};
    for (const auto& spec : a.expect) sources.push_back(expectations.emplace_back(zone::parse_expectation(spec)).source);
    const std::vector<std::string> inputs = input_files(sources);

    // Fail fast: every output is checked before the work.
    if (!to_stdout) check_writable(a.report, "report", inputs, a.overwrite);
    if (!a.errors_out.empty()) {
        std::string ext = fs::path(a.errors_out).extension().string();
        for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (ext != ".gpkg")
            throw zone::InputError(zone::Where{a.errors_out, {}, {}, {}},
                                   "--errors-out writes a GeoPackage: name it *.gpkg");
        if (!to_stdout && same_file(a.report, a.errors_out))
            throw zone::InputError(zone::Where{a.errors_out, {}, {}, {}}, "the report and --errors-out are one file");
        check_writable(a.errors_out, "findings file", inputs, a.overwrite);
        zone::WriteOptions gpkg;
        gpkg.path = a.errors_out;
        gpkg.format = "GPKG";
        gpkg.overwrite = a.overwrite;
        gpkg.inputs = inputs;
        zone::check_output(gpkg);
    }

    zone::CheckOptions options;
    options.boundary = a.boundary;
    options.boundary_code_field = a.boundary_code_field;
    options.redline = a.redline;
    options.expectations = expectations;
    options.profile = a.profile == "national" ? zone::Profile::national : zone::Profile::standard;
    options.tolerances = a.tolerances;
    options.encoding = a.encoding;
    options.grid = a.grid;
    options.threads = a.threads;
    const bool show_progress = !a.quiet && (a.progress || zone::cli::stderr_is_terminal());
    zone::cli::Progress progress(show_progress);
    bool progress_started = false;
    options.progress = [&](double f) {
        progress_started = true;
        progress(f);
    };

    zone::CheckReport report;
    try {
        report = zone::check_unit_map(a.units, options);
    } catch (...) {
        if (show_progress && progress_started) std::fputc('\n', stderr);  // the error on a line of its own
        throw;
    }
    progress.finish();

    std::string text;
    if (a.format == "json")
        text = zone::format_check_json(report, ZONE_VERSION);
    else if (a.format == "junit")
        text = zone::format_check_junit(report, a.strict);
    else
        text = zone::format_check_text(report);

    if (!a.errors_out.empty()) zone::write_check_findings(report, a.errors_out, a.overwrite);
    if (to_stdout) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        if (std::fflush(stdout) != 0 || std::ferror(stdout))
            throw std::runtime_error("cannot write the report to standard output");
    } else {
        zone::write_file_atomically(a.report, text);
    }

    const int errors = report.errors(), warnings = report.warnings();
    // The text report ends with this line already; say it on stderr when the
    // report went elsewhere or is for a machine.
    if (!a.quiet && !(to_stdout && a.format == "text")) {
        std::string line = errors || warnings ? fmt::format("zone-check: {} error{}, {} warning{} in {} unit{}", errors,
                                                            errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s",
                                                            report.features, report.features == 1 ? "" : "s")
                                              : fmt::format("zone-check: no problems in {} unit{}", report.features,
                                                            report.features == 1 ? "" : "s");
        if (!to_stdout) line += "; report in " + a.report;
        if (!a.errors_out.empty()) line += "; findings in " + a.errors_out;
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    if (errors > 0 || (a.strict && warnings > 0)) return zone::cli::exit_findings;
    return zone::cli::exit_ok;
}

// ---------------------------------------------------------------- project

struct ProjectArgs {
    std::string units;
    std::string list;
    std::string boundary;
    std::string encoding;
    // Where the project is: exactly one of these.
    std::string footprint, wkt, point, gk, batch;
    std::string crs = "EPSG:4490";  // of --wkt
    int zone = 0, cm = 0;           // of --gk without zone prefix
    std::string industry, nature;
    std::vector<std::string> attrs;  // NAME=VALUE
    std::string id_field;
    std::string format;  // empty: text
    std::string output;
    bool overwrite = false;
    int threads = 0;
    bool quiet = false;
    bool progress = false;
};

// --industry, --nature and --attr NAME=VALUE as attributes; bad values are bad input.
zone::Attributes command_line_attributes(const ProjectArgs& a) {
    zone::Attributes attrs;
    if (!a.industry.empty()) zone::add_given_attribute(attrs, zone::kIndustry, a.industry, "--industry");
    if (!a.nature.empty()) zone::add_given_attribute(attrs, zone::kNature, a.nature, "--nature");
    for (const auto& item : a.attrs) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw zone::InputError("--attr '" + item + "': expected NAME=VALUE, such as vocs_t=12.5 (a name of "
                                   "letters, digits and _)");
        const std::string name = item.substr(0, eq);
        zone::add_given_attribute(attrs, name, item.substr(eq + 1), "--attr " + name);
    }
    return attrs;
}

int run_batch(const ProjectArgs& a, const zone::ProjectChecker& checker, const zone::Attributes& defaults,
              const std::vector<std::string>& inputs) {
    const auto start = std::chrono::steady_clock::now();
    zone::BatchOptions options;
    options.source = a.batch;
    options.id_field = a.id_field;
    options.defaults = defaults;
    const bool show_progress = !a.quiet && (a.progress || zone::cli::stderr_is_terminal());
    zone::cli::Progress progress(show_progress);
    options.progress = [&](double f) { progress(f); };
    const zone::BatchResult result = checker.screen(options);
    progress.finish();
    zone::write_batch(result, a.output, a.overwrite);
    const auto& c = result.counts;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!a.quiet)
        std::fprintf(stderr, "%s\n",
                     fmt::format("zone-check: {} enterprise{}: {} conforming, {} conditional, {} nonconforming, {} "
                                 "incomplete, {} outside the map; verdicts in {} ({:.1f} s)",
                                 result.rows.size(), result.rows.size() == 1 ? "" : "s",
                                 c[static_cast<int>(zone::Verdict::conforming)],
                                 c[static_cast<int>(zone::Verdict::conditional)],
                                 c[static_cast<int>(zone::Verdict::nonconforming)],
                                 c[static_cast<int>(zone::Verdict::incomplete)],
                                 c[static_cast<int>(zone::Verdict::outside)], a.output, seconds)
                         .c_str());
    (void)inputs;
    const int bad = c[static_cast<int>(zone::Verdict::nonconforming)] + c[static_cast<int>(zone::Verdict::incomplete)] +
                    c[static_cast<int>(zone::Verdict::outside)];
    return bad ? zone::cli::exit_findings : zone::cli::exit_ok;
}

int run_project(const ProjectArgs& a) {
    const int sources = !a.footprint.empty() + !a.wkt.empty() + !a.point.empty() + !a.gk.empty() + !a.batch.empty();
    if (sources != 1)
        throw zone::InputError(sources == 0 ? "where is the project? give --point, --gk, --wkt, --footprint or --batch"
                                            : "give only one of --point, --gk, --wkt, --footprint and --batch");
    const bool to_stdout = a.output.empty() || a.output == "-";
    const std::vector<std::string> inputs =
        input_files({a.units, a.list, a.boundary, a.footprint, a.batch});
    if (!a.batch.empty()) {
        if (to_stdout) throw zone::InputError("--batch writes its verdicts to a file: give -o VERDICTS.csv or .gpkg");
        std::string ext = fs::path(a.output).extension().string();
        for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (ext != ".csv" && ext != ".gpkg")
            throw zone::InputError(zone::Where{a.output, {}, {}, {}}, "--batch writes CSV (.csv) or GeoPackage (.gpkg)");
        if (!a.format.empty())
            throw zone::InputError("--format is for one project; --batch writes CSV or GeoPackage, as -o's extension says");
    }
    if (!to_stdout) check_writable(a.output, a.batch.empty() ? "report" : "verdicts", inputs, a.overwrite);

    // Everything that can be wrong with the arguments is found before the map is read.
    const zone::Attributes attrs = command_line_attributes(a);
    std::optional<std::array<double, 2>> lonlat;
    std::optional<zone::GaussKruger> gk;
    if (!a.point.empty()) lonlat = zone::parse_lonlat(a.point);
    if (!a.gk.empty())
        gk = zone::parse_gauss_kruger(a.gk, a.zone ? std::optional<int>(a.zone) : std::nullopt,
                                      a.cm ? std::optional<int>(a.cm) : std::nullopt);
    zone::AccessList list = zone::load_access_list(a.list);

    zone::ProjectMapOptions options;
    options.units = a.units;
    options.boundary = a.boundary;
    options.encoding = a.encoding;
    options.threads = a.threads;
    const zone::ProjectChecker checker(std::move(list), options);
    if (!a.quiet)
        for (const auto& w : checker.warnings()) std::fprintf(stderr, "zone-check: warning: %s\n", w.c_str());

    if (!a.batch.empty()) return run_batch(a, checker, attrs, inputs);

    zone::Footprint footprint = lonlat        ? checker.footprint_from_lonlat((*lonlat)[0], (*lonlat)[1])
                                : gk          ? checker.footprint_from_gauss_kruger(*gk)
                                : !a.wkt.empty() ? checker.footprint_from_wkt(a.wkt, a.crs)
                                                 : checker.footprint_from_source(a.footprint);
    // The command line has the last word over the footprint's own fields.
    zone::Attributes all = footprint.attributes;
    for (const auto& [name, value] : attrs) all[name] = value;
    const zone::ProjectResult result = checker.check(footprint, all);

    std::string text;
    if (a.format == "json")
        text = zone::format_project_json(result, checker.list(), all, ZONE_VERSION, checker.area_method());
    else if (a.format == "markdown")
        text = zone::format_project_markdown(result, checker.list(), all);
    else
        text = zone::format_project_text(result, checker.list(), all);
    if (to_stdout) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        if (std::fflush(stdout) != 0 || std::ferror(stdout))
            throw std::runtime_error("cannot write the report to standard output");
    } else {
        zone::write_file_atomically(a.output, text);
    }
    if (!a.quiet && !(to_stdout && (a.format.empty() || a.format == "text"))) {
        std::string line = fmt::format("zone-check: {} ({} unit{}, {} rule hit{}{})", zone::to_string(result.verdict),
                                       result.units.size(), result.units.size() == 1 ? "" : "s", result.hits.size(),
                                       result.hits.size() == 1 ? "" : "s",
                                       result.missing.empty() ? "" : "; missing: " + [&] {
                                           std::string m;
                                           for (const auto& x : result.missing) m += (m.empty() ? "" : ", ") + x;
                                           return m;
                                       }());
        if (!to_stdout) line += "; report in " + a.output;
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    return result.verdict == zone::Verdict::conforming || result.verdict == zone::Verdict::conditional
               ? zone::cli::exit_ok
               : zone::cli::exit_findings;
}

// CLI11's NonNegativeNumber names DBL_MAX in full when it fails.
const CLI::Validator non_negative(
    [](std::string& value) -> std::string {
        try {
            std::size_t used = 0;
            const double v = std::stod(value, &used);
            if (used == value.size() && v >= 0 && std::isfinite(v)) return {};
        } catch (const std::exception&) {
        }
        return "'" + value + "' is not a number of 0 or more";
    },
    "");

// Adds `map` to `app`; the subcommand's options are parsed into `a`.
CLI::App* add_map_command(CLI::App& app, MapArgs& a) {
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
        map->add_option(name, value, help)->check(non_negative)->capture_default_str();
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
        ->check(non_negative);
    map->add_option("--threads", a.threads, "Worker threads (default: one per core)")->check(non_negative);
    map->add_flag("-q,--quiet", a.quiet, "No progress and no summary on stderr");
    map->add_flag("--progress", a.progress, "Show progress even when stderr is not a terminal");
    return map;
}

// Adds `project` to `app`; the subcommand's options are parsed into `a`.
CLI::App* add_project_command(CLI::App& app, ProjectArgs& a) {
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
    p->add_option("--threads", a.threads, "Worker threads for --batch (default: one per core)")->check(non_negative);
    p->add_flag("-q,--quiet", a.quiet, "No warnings, progress or summary on stderr");
    p->add_flag("--progress", a.progress, "Show --batch progress even when stderr is not a terminal");
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Checks environmental control unit maps (环境管控单元) against the zonekit contracts (map), "
                 "and projects against the access list (project). See zone-check(1)."};
    app.set_version_flag("--version", std::string("zone-check ") + ZONE_VERSION);
    app.require_subcommand(1);

    // One entry per subcommand: its parser and what runs when it was chosen.
    MapArgs map_args;
    ProjectArgs project_args;
    const std::vector<std::pair<CLI::App*, std::function<int()>>> commands = {
        {add_map_command(app, map_args), [&map_args] { return run_map(map_args); }},
        {add_project_command(app, project_args), [&project_args] { return run_project(project_args); }},
    };
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    for (const auto& [command, body] : commands)
        if (command->parsed()) return zone::cli::guarded_main("zone-check", body);
    return zone::cli::exit_cannot;  // require_subcommand(1) makes this unreachable
}
