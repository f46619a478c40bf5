// zone-diff: what changed between two versions of a unit map (zonekit(7) DIFF REPORT).
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/diff.hpp"
#include "zone/error.hpp"
#include "zone/report_output.hpp"
#include "zone/source.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

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

// The report file is written whole or not at all, and never over an input.
void write_report(const Args& a, const std::string& text) {
    if (a.report.empty() || a.report == "-") {
        std::cout << text;
        std::cout.flush();
        return;
    }
    zone::write_file_atomically(a.report, text);
}

void check_writable(const Args& a) {
    for (const std::string& out : {a.report, a.changes}) {
        if (out.empty() || out == "-") continue;
        for (const std::string& in : {a.old_map, a.new_map, a.redline}) {
            if (in.empty()) continue;
            std::error_code ec;
            const fs::path p = zone::parse_source(in).path;
            if (fs::exists(p, ec) && fs::exists(out, ec) && fs::equivalent(p, out, ec))
                throw zone::InputError(zone::Where{out, {}, {}, {}}, "the output would replace an input (" + in + ")");
        }
        if (fs::exists(out) && !a.overwrite)
            throw zone::InputError(zone::Where{out, {}, {}, {}}, "already exists; pass --overwrite to replace it");
        if (!fs::is_directory(fs::absolute(out).parent_path()))
            throw zone::InputError(zone::Where{out, {}, {}, {}}, "its folder does not exist");
    }
    if (!a.changes.empty() && fs::path(a.changes).extension() != ".gpkg")
        throw zone::InputError(zone::Where{a.changes, {}, {}, {}}, "the change polygons are written as a GeoPackage (.gpkg)");
}

int run(const Args& a) {
    check_writable(a);
    zone::DiffOptions options;
    options.same_tolerance_m2 = a.same_tolerance;
    options.match_share = a.match_share;
    options.forbid_decrease = a.forbid_decrease;
    options.redline = a.redline;
    options.changed_land = !a.changes.empty();
    options.threads = a.threads;
    const zone::DiffReport report = zone::diff_unit_maps(a.old_map, a.new_map, options);

    const std::string text = a.format == "json"  ? zone::format_diff_json(report, ZONE_VERSION)
                             : a.format == "csv" ? zone::format_diff_csv(report)
                                                 : zone::format_diff_text(report);
    if (!a.changes.empty()) zone::write_changed_land(report, a.changes, a.overwrite, {a.old_map, a.new_map});
    write_report(a, text);
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
