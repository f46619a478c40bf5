// zone-report: the statistics, map and per-unit sheets of a unit map, as a
// self-contained HTML report, Markdown, CSV, XLSX or JSON; the map as PNG; the
// units whose indicators got worse as CSV.
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/rules/access_list.hpp"
#include "zone/diff/diff.hpp"
#include "zone/core/error.hpp"
#include "zone/report/report.hpp"
#include "zone/io/output.hpp"
#include "zone/report/report_output.hpp"
#include "zone/io/unit_map.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Args {
    std::string units;
    std::string boundary;
    std::string boundary_fields;
    std::string indicators;
    std::string list;
    std::string diff_old;
    std::string scheme;
    std::string by;
    std::string output;
    std::string format;
    std::string map_png;
    int map_width = 2400;
    std::string worse_out;
    std::string title;
    std::string area_method = "gauss-kruger";
    std::string encoding;
    bool overwrite = false;
    int threads = 0;
    zone::cli::Verbosity verbosity;  // -q, --progress
};

zone::BoundaryFields parse_boundary_fields(const std::string& text) {
    zone::BoundaryFields f;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        const std::string item = text.substr(start, end - start);
        const auto eq = item.find('=');
        const std::string key = item.substr(0, eq), value = eq == std::string::npos ? "" : item.substr(eq + 1);
        if (eq == std::string::npos || value.empty())
            throw zone::InputError("--boundary-fields: '" + item + "' is not ROLE=FIELD");
        if (key == "code") f.code = value;
        else if (key == "name") f.name = value;
        else if (key == "city_code") f.city_code = value;
        else if (key == "city") f.city = value;
        else if (key == "circle") f.circle = value;
        else
            throw zone::InputError("--boundary-fields: unknown role '" + key +
                                   "'; the roles are code, name, city_code, city and circle");
        start = end + 1;
    }
    return f;
}

std::string size_text(std::size_t bytes) {
    return bytes >= 1 << 20 ? fmt::format("{:.1f} MB", bytes / 1048576.0) : fmt::format("{} KB", (bytes + 1023) / 1024);
}

int run(const Args& a) {
    const auto start = std::chrono::steady_clock::now();
    // Everything that can be wrong with the arguments and outputs, before the work.
    const bool to_stdout = a.output == "-";
    const zone::ReportFormat format =
        !a.format.empty() ? zone::parse_report_format(a.format)
        : to_stdout       ? throw zone::InputError("-o - (standard output) needs --format html, md, csv or json")
                          : zone::report_format_for_path(a.output);
    if (to_stdout && format == zone::ReportFormat::xlsx)
        throw zone::InputError("XLSX cannot go to standard output; name a file with -o");
    if (!a.worse_out.empty() && a.indicators.empty())
        throw zone::InputError("--worse-out lists units whose indicators got worse: give --indicators TABLE");
    if (a.indicators == "-" && a.units == "-")
        throw zone::InputError("standard input can carry the unit map or the indicator table, not both");
    std::string png_ext = fs::path(a.map_png).extension().string();
    for (auto& c : png_ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!a.map_png.empty() && png_ext != ".png")
        throw zone::InputError(zone::Where{a.map_png, {}, {}, {}}, "--map-png writes a PNG: name it *.png");
    zone::OutputPlan(a.overwrite)
        .inputs({a.units, a.boundary, a.indicators, a.scheme, a.list, a.diff_old})
        .output(a.output, "report")
        .output(a.map_png, "map")
        .output(a.worse_out, "list of worse indicators")
        .check();

    // The access list is read (and validated) before the map.
    std::optional<zone::AccessList> list;
    if (!a.list.empty()) list = zone::load_access_list(a.list);

    const zone::ReportSources sources{.boundary = a.boundary,
                                      .boundary_fields = parse_boundary_fields(a.boundary_fields),
                                      .scheme = a.scheme,
                                      .indicators = a.indicators,
                                      .encoding = a.encoding,
                                      .threads = a.threads};
    zone::ReportOptions options;
    if (!a.by.empty()) {
        try {
            options.levels = zone::parse_report_levels(a.by);
        } catch (const std::invalid_argument& e) {
            throw zone::InputError(std::string("--by: ") + e.what());
        }
    }
    options.title = a.title;
    options.area_method = zone::parse_area_method(a.area_method);
    options.map = format == zone::ReportFormat::html || !a.map_png.empty();
    options.threads = a.threads;
    const bool show_progress = a.verbosity.show_progress();
    zone::cli::Progress progress(show_progress);
    options.progress = [&progress](double f) { progress(f); };
    zone::UnitMap units = zone::read_unit_map(a.units, {.encoding = a.encoding});
    const zone::geos::Context ctx;
    const zone::ReportInputs inputs = zone::read_report_inputs(ctx, units, sources);
    zone::Report report = zone::build_report(units, inputs, options);
    progress.finish();
    if (list) {
        zone::apply_access_list(report, *list);
        const bool circle_rules = std::any_of(list->rules.begin(), list->rules.end(),
                                              [](const zone::Rule& r) { return r.level == zone::Level::circle; });
        const bool circles = std::any_of(report.units.begin(), report.units.end(),
                                         [](const zone::ReportUnit& u) { return !u.circle.empty(); });
        if (circle_rules && !circles)
            report.notes.push_back("the units have no economic circle (give --boundary): circle-level rules of " +
                                   a.list + " are not listed");
    }
    if (!a.diff_old.empty()) {
        zone::DiffOptions diff_options;
        diff_options.changed_land = !report.map.empty();
        diff_options.threads = a.threads;
        zone::UnitMap old_map = zone::read_unit_map(a.diff_old, {.encoding = a.encoding});
        const zone::DiffReport diff = zone::diff_unit_maps(std::move(old_map), std::move(units), diff_options);
        report.changes = zone::report_changes(report, diff);
    }

    std::string text;
    switch (format) {
        case zone::ReportFormat::html: {
            zone::HtmlOptions html;
            html.version = ZONE_VERSION;
            text = zone::format_report_html(report, html);
            break;
        }
        case zone::ReportFormat::markdown: text = zone::format_report_markdown(report); break;
        case zone::ReportFormat::csv: text = zone::format_report_csv(report); break;
        case zone::ReportFormat::json: text = zone::format_report_json(report, ZONE_VERSION); break;
        case zone::ReportFormat::xlsx: break;
    }

    // Every file staged, then all renamed: a failure leaves none of them.
    zone::StagedOutputs out;
    if (format == zone::ReportFormat::xlsx)
        out.write(a.output, [&](const std::string& staged) { zone::write_report_xlsx(report, staged); });
    else
        out.write_text(a.output, text);
    if (!a.map_png.empty())
        out.write(a.map_png, [&](const std::string& staged) { zone::write_map_png(report, staged, a.map_width); });
    if (!a.worse_out.empty()) out.write_text(a.worse_out, zone::format_worse_csv(report));
    out.commit();

    if (!a.verbosity.quiet) {
        const auto& t = report.total;
        std::string line = fmt::format("zone-report: {} units, {}.{:02d} km² ({} priority, {} key, {} general)", t.units[0],
                                       t.area_display[0] / 100, static_cast<int>(t.area_display[0] % 100), t.units[1],
                                       t.units[2], t.units[3]);
        if (report.effectiveness)
            line += fmt::format("; {} of {} assessed units got worse ({} priority)", report.effectiveness->units_worse,
                                report.effectiveness->units_assessed, report.effectiveness->worse_by_category[1]);
        std::fprintf(stderr, "%s\n  area: %s\n", line.c_str(), report.area_method.c_str());
        for (const auto& note : report.notes) std::fprintf(stderr, "  note: %s\n", note.c_str());
        std::string wrote;
        if (!to_stdout)
            wrote = a.output + (format == zone::ReportFormat::xlsx ? "" : " (" + size_text(text.size()) + ")");
        if (!a.map_png.empty()) wrote += (wrote.empty() ? "" : ", ") + a.map_png;
        if (!a.worse_out.empty()) wrote += (wrote.empty() ? "" : ", ") + a.worse_out;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!wrote.empty()) std::fprintf(stderr, "  wrote %s in %.1f s\n", wrote.c_str(), seconds);
    }
    return zone::cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Reports on an environmental control unit map (环境管控单元): statistics by province, economic "
                 "circle, city and county, a map, one sheet per unit (一单元一策略) and the units whose indicators "
                 "got worse. The format follows OUT's extension: .html .md .csv .xlsx .json. See zone-report(1)."};
    app.set_version_flag("--version", std::string("zone-report ") + ZONE_VERSION);
    Args a;
    app.add_option("units", a.units, "The unit map (any GDAL source; - for standard input; a.gpkg|layername=units)")
        ->required();
    app.add_option("-o,--output", a.output,
                   "The report: .html (self-contained), .md, .csv (UTF-8 with BOM), .xlsx or .json; - for standard "
                   "output with --format")
        ->required();
    app.add_option("--format", a.format, "Report format when the extension does not tell: html, md, csv, xlsx, json");
    app.add_option("--boundary", a.boundary,
                   "County boundaries (GDAL source) with county code and name, city code and name and economic "
                   "circle: cities and circles come from here, else from the map's CITY field (no circle level)");
    app.add_option("--boundary-fields", a.boundary_fields,
                   "Fields of --boundary when not the usual names: code=F,name=F,city_code=F,city=F,circle=F "
                   "(default: adcode/XZQDM, name, city_adcode, city_name, circle)");
    app.add_option("--by", a.by,
                   "Levels of the statistics, comma-separated: province,circle,city,county (default: every level "
                   "the data have)");
    app.add_option("--indicators", a.indicators,
                   "Indicator table (CSV, XLSX …; fields code, indicator, baseline, current, higher_is_better; "
                   "optional threshold, valid_share, assessable, as zone-monitor(1) writes; - for a CSV on standard "
                   "input): flags the units whose environment got worse, priority units first");
    app.add_option("--worse-out", a.worse_out, "Write the worsened indicators, one a row, to this CSV (UTF-8 with BOM)");
    app.add_option("--list", a.list,
                   "Access list (TOML, zone-check(1) ACCESS LIST): each unit's sheet and JSON entry list the rules "
                   "that apply to it from province, circle, city and unit level, by dimension, with their conditions");
    app.add_option("--diff", a.diff_old,
                   "An earlier version of the unit map (GDAL source): adds the change section (counts by change kind, "
                   "category transitions in km², the changed land on the map), as zone-diff(1) compares");
    app.add_option("--scheme", a.scheme,
                   "zone-build scheme (TOML): factor labels, and the factor layers for each unit's factor shares");
    app.add_option("--map-png", a.map_png, "Also write the map as a PNG (for slides)");
    app.add_option("--map-width", a.map_width, "Width of --map-png in pixels")
        ->check(CLI::Range(50, 20000))
        ->capture_default_str();
    app.add_option("--title", a.title, "Title of the report (default: PROV + 环境管控单元报告)");
    app.add_option("--area-method", a.area_method,
                   "gauss-kruger (planar, CGCS2000 3-degree zone of each county, as official statistics) or "
                   "ellipsoidal")
        ->check(CLI::IsMember({"gauss-kruger", "gk", "ellipsoidal", "geodesic"}))
        ->capture_default_str();
    app.add_option("--encoding", a.encoding, "Text encoding of a Shapefile that declares none (.cpg, LDID), e.g. GBK");
    app.add_flag("--overwrite", a.overwrite, "Replace outputs that exist");
    app.add_option("--threads", a.threads, "Worker threads (default: one per core)")->check(CLI::NonNegativeNumber);
    zone::cli::add_verbosity_flags(app, a.verbosity);
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    return zone::cli::guarded_main("zone-report", [&a] { return run(a); });
}
