// zone-diff: what changed between two versions of a unit map (zonekit(7) DIFF REPORT).
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/diff/diff.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/output.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <utility>

namespace fs = std::filesystem;

namespace {

struct Args {
    std::string old_map, new_map;
    std::string format = "text";
    std::string report;   // --report FILE; empty: standard output
    std::string changes;  // -o CHANGES.gpkg
    bool overwrite = false;
    std::vector<int> forbid_decrease;
    std::string redline;
    bool exit_code = false;
    double same_tolerance = 1.0;
    double match_share = 0.1;
    int threads = 0;
    bool quiet = false;
};

int run(const Args& a) {
    const bool to_stdout = a.report.empty() || a.report == "-";
    if (!a.changes.empty() && fs::path(a.changes).extension() != ".gpkg")
        throw zone::InputError(zone::Where{a.changes, {}, {}, {}}, "the change polygons are written as a GeoPackage (.gpkg)");
    zone::OutputPlan(a.overwrite)
        .inputs({a.old_map, a.new_map, a.redline})
        .output(to_stdout ? "-" : a.report, "report")
        .output(a.changes, "change polygons")
        .check();
    zone::DiffOptions options;
    options.same_tolerance_m2 = a.same_tolerance;
    options.match_share = a.match_share;
    options.forbid_decrease = a.forbid_decrease;
    options.changed_land = !a.changes.empty();
    options.threads = a.threads;
    zone::UnitMap old_map = zone::read_unit_map(a.old_map);  // the old one first: its error comes first
    zone::UnitMap new_map = zone::read_unit_map(a.new_map);
    const zone::geos::Context ctx;  // owns the red line's geometries
    zone::PolygonLayer redline;
    if (!a.redline.empty()) {
        redline = zone::read_diff_redline(ctx, old_map, a.redline, a.threads);
        options.redline = &redline;
    }
    const zone::DiffReport report = zone::diff_unit_maps(std::move(old_map), std::move(new_map), options);

    const std::string text = a.format == "json"  ? zone::format_diff_json(report, ZONE_VERSION)
                             : a.format == "csv" ? zone::format_diff_csv(report)
                                                 : zone::format_diff_text(report);
    zone::StagedOutputs out;
    if (!a.changes.empty())
        out.write(a.changes, [&](const std::string& staged) { zone::write_changed_land(report, staged); });
    out.write_text(to_stdout ? "-" : a.report, text);
    out.commit();
    if (!a.quiet && (a.format != "text" || (!a.report.empty() && a.report != "-"))) {
        int changed = 0;
        for (const auto& c : report.changes) changed += c.kind != "unchanged";
        std::fprintf(stderr, "zone-diff: %d of %zu changes are not 'unchanged', %zu policy violations\n", changed,
                     report.changes.size(), report.violations.size());
    }
    if (!report.violations.empty()) return zone::cli::exit_findings;
    if (a.exit_code && report.differs()) return zone::cli::exit_findings;
    return zone::cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Compares two versions of an environmental control unit map: unit-level changes (split, merged, "
                 "modified, recoded …), the category transition matrix, the land that changed, and policy guards. "
                 "See zone-diff(1)."};
    app.set_version_flag("--version", std::string("zone-diff ") + ZONE_VERSION);
    Args a;
    app.add_option("old", a.old_map, "The old version (any GDAL source)")->required();
    app.add_option("new", a.new_map, "The new version")->required();
    app.add_option("--format", a.format, "Report format: text (default), json (zonekit(7) DIFF REPORT) or csv")
        ->check(CLI::IsMember({"text", "json", "csv"}));
    app.add_option("--report", a.report, "Write the report to this file instead of standard output");
    app.add_option("-o,--changes", a.changes,
                   "Write the land whose unit or category changed to this GeoPackage (layer changes)");
    app.add_flag("--overwrite", a.overwrite, "Replace outputs that exist");
    app.add_option("--forbid-decrease", a.forbid_decrease,
                   "Exit 1 if the area of this category (1, 2 or 3) shrinks in any county or in total; repeatable")
        ->check(CLI::Range(1, 3));
    app.add_option("--redline", a.redline,
                   "Exit 1 if red-line land that was in a priority unit is not in one in the new version");
    app.add_flag("--exit-code", a.exit_code, "Exit 1 if anything changed, like diff");
    app.add_option("--same-tolerance", a.same_tolerance,
                   "Shapes differing by less than this many m² are the same (default 1)");
    app.add_option("--match-share", a.match_share,
                   "Link an old and a new unit when they share at least this part of either's area (default 0.1)")
        ->check(CLI::Range(0.0, 1.0));
    app.add_option("--threads", a.threads, "Worker threads (default: one per core)");
    app.add_flag("-q,--quiet", a.quiet, "No summary on stderr");
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    return zone::cli::guarded_main("zone-diff", [&] { return run(a); });
}
