// zone-check map and zone-check project: arguments and outputs checked before
// the work, the engine, the report written, the line for stderr.
#include "zone/check/check_command.hpp"

#include "core/text_util.hpp"

#include "zone/rules/access_list.hpp"
#include "zone/check/check_expect.hpp"
#include "zone/check/check_references.hpp"
#include "zone/check/check_report.hpp"
#include "zone/core/error.hpp"
#include "zone/io/output.hpp"
#include "zone/rules/project.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <optional>

namespace fs = std::filesystem;

namespace zone {

namespace {

using detail::lower_extension;

bool is_stdout(const std::string& output) { return output.empty() || output == "-"; }

std::string plural(std::size_t n, const char* word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); }

}  // namespace

// ---------------------------------------------------------------- map

MapCheckOutcome run_map_check(const MapCheckRequest& a, const std::function<void(double)>& progress) {
    const bool to_stdout = is_stdout(a.report);
    CheckReferenceSources sources{
        .boundary = a.boundary, .boundary_code_field = a.boundary_code_field, .redline = a.redline, .expectations = {}};
    OutputPlan plan(a.overwrite);
    plan.inputs({a.units, a.boundary, a.redline});
    for (const auto& spec : a.expect) plan.input(sources.expectations.emplace_back(parse_expectation(spec)).source);
    // Fail fast: every output is checked before the work.
    if (!a.errors_out.empty() && lower_extension(a.errors_out) != ".gpkg")
        throw InputError(Where{a.errors_out, {}, {}, {}}, "--errors-out writes a GeoPackage: name it *.gpkg");
    plan.output(to_stdout ? "-" : a.report, "report").output(a.errors_out, "findings file").check();

    CheckOptions options;
    options.profile = a.profile == "national" ? Profile::national : Profile::standard;
    options.tolerances = a.tolerances;
    options.grid = a.grid;
    options.threads = a.threads;
    options.progress = progress;

    MapCheckOutcome outcome;
    UnitLayer units = read_unit_layer(a.units, a.encoding);
    const geos::Context ctx;
    const CheckReferences references = read_check_references(ctx, units, sources, options);
    outcome.report = check_unit_map(std::move(units), references, options);
    const CheckReport& report = outcome.report;
    const std::string text = a.format == "json"    ? format_check_json(report, a.version)
                             : a.format == "junit" ? format_check_junit(report, a.strict)
                                                   : format_check_text(report);
    StagedOutputs out;
    if (!a.errors_out.empty())
        out.write(a.errors_out, [&](const std::string& staged) { write_check_findings_gpkg(report, staged); });
    out.write_text(to_stdout ? "-" : a.report, text);
    out.commit();

    const int errors = report.errors(), warnings = report.warnings();
    outcome.findings = errors > 0 || (a.strict && warnings > 0);
    // The text report ends with this line already; it is said on stderr when
    // the report went elsewhere or is for a machine.
    if (!(to_stdout && a.format == "text")) {
        std::string& line = outcome.summary;
        line = errors || warnings ? fmt::format("zone-check: {}, {} in {}", plural(errors, "error"),
                                                plural(warnings, "warning"), plural(report.features, "unit"))
                                  : fmt::format("zone-check: no problems in {}", plural(report.features, "unit"));
        if (!to_stdout) line += "; report in " + a.report;
        if (!a.errors_out.empty()) line += "; findings in " + a.errors_out;
    }
    return outcome;
}

// ---------------------------------------------------------------- project

namespace {

// --industry, --nature and --attr NAME=VALUE as attributes; bad values are bad input.
Attributes command_line_attributes(const ProjectCheckRequest& a) {
    Attributes attrs;
    if (!a.industry.empty()) add_given_attribute(attrs, kIndustry, a.industry, "--industry");
    if (!a.nature.empty()) add_given_attribute(attrs, kNature, a.nature, "--nature");
    for (const auto& item : a.attrs) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw InputError("--attr '" + item + "': expected NAME=VALUE, such as vocs_t=12.5 (a name of "
                             "letters, digits and _)");
        const std::string name = item.substr(0, eq);
        add_given_attribute(attrs, name, item.substr(eq + 1), "--attr " + name);
    }
    return attrs;
}

ProjectCheckOutcome screen_batch(const ProjectCheckRequest& a, const ProjectChecker& checker,
                                 const Attributes& defaults, const std::function<void(double)>& progress) {
    const auto start = std::chrono::steady_clock::now();
    BatchOptions options;
    options.source = a.batch;
    options.id_field = a.id_field;
    options.defaults = defaults;
    options.progress = progress;
    const BatchResult result = checker.screen(options);
    StagedOutputs out;
    out.write(a.output, [&](const std::string& staged) { write_batch(result, staged); });
    out.commit();

    const auto count = [&](Verdict v) { return result.counts[static_cast<int>(v)]; };
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ProjectCheckOutcome outcome;
    outcome.summary = fmt::format(
        "zone-check: {}: {} conforming, {} conditional, {} nonconforming, {} incomplete, {} outside the map; "
        "verdicts in {} ({:.1f} s)",
        plural(result.rows.size(), "enterprise"), count(Verdict::conforming), count(Verdict::conditional),
        count(Verdict::nonconforming), count(Verdict::incomplete), count(Verdict::outside), a.output, seconds);
    outcome.findings = count(Verdict::nonconforming) + count(Verdict::incomplete) + count(Verdict::outside) > 0;
    return outcome;
}

}  // namespace

ProjectCheckOutcome run_project_check(const ProjectCheckRequest& a, const std::function<void(const std::string&)>& warn,
                                      const std::function<void(double)>& progress) {
    const int sources = !a.footprint.empty() + !a.wkt.empty() + !a.point.empty() + !a.gk.empty() + !a.batch.empty();
    if (sources != 1)
        throw InputError(sources == 0 ? "where is the project? give --point, --gk, --wkt, --footprint or --batch"
                                      : "give only one of --point, --gk, --wkt, --footprint and --batch");
    const bool to_stdout = is_stdout(a.output);
    if (!a.batch.empty()) {
        if (to_stdout) throw InputError("--batch writes its verdicts to a file: give -o VERDICTS.csv or .gpkg");
        const std::string ext = lower_extension(a.output);
        if (ext != ".csv" && ext != ".gpkg")
            throw InputError(Where{a.output, {}, {}, {}}, "--batch writes CSV (.csv) or GeoPackage (.gpkg)");
        if (!a.format.empty())
            throw InputError("--format is for one project; --batch writes CSV or GeoPackage, as -o's extension says");
    }
    OutputPlan(a.overwrite)
        .inputs({a.units, a.list, a.boundary, a.footprint, a.batch})
        .output(to_stdout ? "-" : a.output, a.batch.empty() ? "report" : "verdicts")
        .check();

    // Everything that can be wrong with the arguments is found before the map is read.
    const Attributes attrs = command_line_attributes(a);
    std::optional<std::array<double, 2>> lonlat;
    std::optional<GaussKruger> gk;
    if (!a.point.empty()) lonlat = parse_lonlat(a.point);
    if (!a.gk.empty())
        gk = parse_gauss_kruger(a.gk, a.zone ? std::optional<int>(a.zone) : std::nullopt,
                                a.cm ? std::optional<int>(a.cm) : std::nullopt);
    AccessList list = load_access_list(a.list);

    const ProjectChecker checker(std::move(list), read_project_map(a.units, a.boundary, a.encoding), a.threads);
    for (const auto& w : checker.warnings()) warn(w);

    if (!a.batch.empty()) return screen_batch(a, checker, attrs, progress);

    Footprint footprint = lonlat           ? checker.footprint_from_lonlat((*lonlat)[0], (*lonlat)[1])
                          : gk             ? checker.footprint_from_gauss_kruger(*gk)
                          : !a.wkt.empty() ? checker.footprint_from_wkt(a.wkt, a.crs)
                                           : checker.footprint_from_source(a.footprint);
    // The command line has the last word over the footprint's own fields.
    Attributes all = footprint.attributes;
    for (const auto& [name, value] : attrs) all[name] = value;
    const ProjectResult result = checker.check(footprint, all);

    const std::string text =
        a.format == "json"       ? format_project_json(result, checker.list(), all, a.version, checker.area_method())
        : a.format == "markdown" ? format_project_markdown(result, checker.list(), all)
                                 : format_project_text(result, checker.list(), all);
    StagedOutputs out;
    out.write_text(to_stdout ? "-" : a.output, text);
    out.commit();

    ProjectCheckOutcome outcome;
    outcome.findings = !(result.verdict == Verdict::conforming || result.verdict == Verdict::conditional);
    if (!(to_stdout && (a.format.empty() || a.format == "text"))) {
        std::string missing;
        for (const auto& x : result.missing) missing += (missing.empty() ? "" : ", ") + x;
        outcome.summary = fmt::format("zone-check: {} ({}, {}{})", to_string(result.verdict),
                                      plural(result.units.size(), "unit"), plural(result.hits.size(), "rule hit"),
                                      missing.empty() ? "" : "; missing: " + missing);
        if (!to_stdout) outcome.summary += "; report in " + a.output;
    }
    return outcome;
}

}  // namespace zone
