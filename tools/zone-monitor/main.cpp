// zone-monitor: per-unit indicators from rasters of a baseline and a current
// date (exact zonal statistics), declines flagged priority units first, as the
// indicator table zone-report --indicators reads.
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/core/error.hpp"
#include "zone/monitor/monitor.hpp"
#include "zone/io/output.hpp"
#include "zone/io/unit_map.hpp"

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Args {
    std::string units;
    // The repeatable group options, in the order given; grouped after parsing.
    std::vector<std::string> names, baselines, currents, thresholds, statistics;
    std::vector<int> bands;
    int higher = 0, lower = 0;
    double min_valid_share = 0.5;
    std::string output;
    std::string stats;
    std::string encoding;
    bool exit_code = false;
    bool overwrite = false;
    int threads = 0;
    zone::cli::Verbosity verbosity;  // -q, --progress
};

// An option given before its --indicator, twice in one group, or missing.
zone::InputError group_error(const std::string& indicator, const std::string& problem) {
    return zone::InputError(indicator.empty() ? problem : "--indicator " + indicator + ": " + problem);
}

// Each --indicator starts a group; the options after it, up to the next, are its.
std::vector<zone::IndicatorSpec> indicator_groups(const CLI::App& app, const Args& a) {
    std::vector<zone::IndicatorSpec> specs;
    std::vector<std::vector<std::string>> seen;
    std::size_t i_name = 0, i_base = 0, i_cur = 0, i_thr = 0, i_stat = 0, i_band = 0;
    for (const CLI::Option* opt : app.parse_order()) {
        const std::string name = opt->get_name();
        if (name == "--indicator") {
            specs.emplace_back();
            specs.back().name = a.names[i_name++];
            seen.emplace_back();
            continue;
        }
        const bool grouped = name == "--baseline" || name == "--current" || name == "--threshold" ||
                             name == "--statistic" || name == "--band" || name == "--higher-is-better" ||
                             name == "--lower-is-better";
        if (!grouped) continue;
        if (specs.empty()) throw group_error("", name + " comes before any --indicator NAME: it belongs to one");
        zone::IndicatorSpec& s = specs.back();
        auto& given = seen.back();
        const bool direction = name == "--higher-is-better" || name == "--lower-is-better";
        const std::string key = direction ? "direction" : name;
        if (std::find(given.begin(), given.end(), key) != given.end())
            throw group_error(s.name, direction ? "says twice which way is better" : name + " is given twice");
        given.push_back(key);
        try {
            if (name == "--baseline") s.baseline = a.baselines[i_base++];
            else if (name == "--current") s.current = a.currents[i_cur++];
            else if (name == "--threshold") s.threshold = zone::parse_threshold(a.thresholds[i_thr++]);
            else if (name == "--statistic") s.statistic = zone::parse_indicator_statistic(a.statistics[i_stat++], s.classes);
            else if (name == "--band") s.band = a.bands[i_band++];
            else s.higher_is_better = name == "--higher-is-better";
        } catch (const std::invalid_argument& e) {
            throw group_error(s.name, name + ": " + e.what());
        }
    }
    if (specs.empty()) throw zone::InputError("give at least one --indicator NAME --baseline A.tif --current B.tif");
    for (std::size_t i = 0; i < specs.size(); ++i) {
        if (specs[i].name.empty()) throw zone::InputError("--indicator needs a name");
        for (std::size_t j = 0; j < i; ++j)
            if (specs[j].name == specs[i].name) throw group_error(specs[i].name, "is named twice");
        if (specs[i].baseline.empty()) throw group_error(specs[i].name, "no --baseline raster");
        if (specs[i].current.empty()) throw group_error(specs[i].name, "no --current raster");
    }
    return specs;
}

int run(const CLI::App& app, const Args& a) {
    const auto start = std::chrono::steady_clock::now();
    zone::MonitorOptions options;
    options.indicators = indicator_groups(app, a);
    options.min_valid_share = a.min_valid_share;
    options.threads = a.threads;

    const bool to_stdout = a.output == "-";
    const zone::StatsFormat stats_format =
        a.stats.empty() ? zone::StatsFormat::csv : zone::stats_format_for_path(a.stats);
    zone::OutputPlan plan(a.overwrite);
    plan.input(a.units);
    for (const auto& s : options.indicators) plan.inputs({s.baseline, s.current});
    plan.output(a.output, "indicator table").output(a.stats, "statistics").check();

    zone::cli::Progress progress(a.verbosity.show_progress());
    options.progress = [&progress](double f) { progress(f); };
    const zone::MonitorResult result =
        zone::monitor_units(zone::read_unit_map(a.units, {.encoding = a.encoding}), options);
    progress.finish();

    const std::string table = zone::format_indicator_table(result);
    zone::StagedOutputs out;
    out.write_text(a.output, table);
    if (!a.stats.empty())
        out.write(a.stats, [&](const std::string& staged) { zone::write_zonal_stats(result, staged, stats_format); });
    out.commit();

    int declined = 0;
    for (const auto& s : result.summary) declined += s.declined;
    if (!a.verbosity.quiet) {
        std::fprintf(stderr, "zone-monitor: %zu units; not assessable below %.0f %% valid pixels\n", result.units.size(),
                     result.min_valid_share * 100);
        for (std::size_t k = 0; k < result.indicators.size(); ++k) {
            const auto& spec = result.indicators[k];
            const auto& s = result.summary[k];
            const std::string thr = spec.threshold.text();
            std::fprintf(stderr, "  %s (%s is better%s): %d assessed, %d declined (%d priority, %d key, %d general), %d "
                         "improved, %d not assessable\n",
                         spec.name.c_str(), spec.higher_is_better ? "higher" : "lower",
                         thr.empty() ? "" : (", threshold " + thr).c_str(), s.assessed, s.declined,
                         s.declined_by_category[1], s.declined_by_category[2], s.declined_by_category[3], s.improved,
                         s.not_assessable);
        }
        // The flags, priority units first (the table's order), as a person reads them.
        int shown = 0;
        for (const auto& v : result.values) {
            if (!v.declined) break;
            if (shown++ == 20) {
                std::fprintf(stderr, "  … and %d more declines (see the table)\n", declined - 20);
                break;
            }
            const auto& u = result.units[v.unit];
            std::fprintf(stderr, "  declined: %s (category %d) %s %s -> %s, valid %.0f %%\n", u.code.c_str(), u.category,
                         result.indicators[v.indicator].name.c_str(), fmt::format("{:.6g}", v.baseline_value).c_str(),
                         fmt::format("{:.6g}", v.current_value).c_str(), v.valid_share * 100);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::string wrote = to_stdout ? std::string("standard output") : a.output;
        if (!a.stats.empty()) wrote += ", " + a.stats;
        std::fprintf(stderr, "  wrote %s in %.1f s\n", wrote.c_str(), seconds);
    }
    return a.exit_code && declined > 0 ? zone::cli::exit_findings : zone::cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Per-unit indicators of an environmental control unit map from rasters of two dates (exact zonal "
                 "statistics: every pixel weighs its share inside the unit), declines flagged priority units first, "
                 "as the table zone-report --indicators reads. See zone-monitor(1)."};
    app.set_version_flag("--version", std::string("zone-monitor ") + ZONE_VERSION);
    Args a;
    app.add_option("units", a.units, "The unit map (any GDAL source; - for standard input; a.gpkg|layername=units)")
        ->required();
    auto each = [](CLI::Option* o) { return o->expected(1)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll); };
    each(app.add_option("--indicator", a.names,
                        "Starts an indicator (repeatable): its name in the table; the options below up to the next "
                        "--indicator are its"))
        ->required();
    each(app.add_option("--baseline", a.baselines, "The indicator's raster of the baseline date (any GDAL raster)"));
    each(app.add_option("--current", a.currents, "The indicator's raster of the current date"));
    app.add_flag("--higher-is-better", a.higher, "Higher values are better (NDVI, vegetation cover, wetland share); the default");
    app.add_flag("--lower-is-better", a.lower, "Lower values are better (PM2.5, built-up share)");
    each(app.add_option("--threshold", a.thresholds,
                        "A decline is flagged only beyond it: abs:VALUE (indicator units) or rel:VALUE / rel:N% (of "
                        "the baseline); default: any decline"));
    each(app.add_option("--statistic", a.statistics,
                        "The unit's value: mean (area-weighted, default), sum, min, max, or share:CLASS[,CLASS] (area "
                        "share of those classes of a categorical raster)"));
    each(app.add_option("--band", a.bands, "Band of both rasters (default 1)"));
    app.add_option("--min-valid-share", a.min_valid_share,
                   "Below this share of valid pixels (clouds, nodata, outside the raster) in either date a unit is "
                   "not assessable")
        ->check(CLI::Range(0.0, 1.0))
        ->capture_default_str();
    app.add_option("-o,--output", a.output, "The indicator table (CSV); - for standard output")->required();
    app.add_option("--stats", a.stats,
                   "Also write every statistic of every unit, indicator and date, joining the map by code: .csv "
                   "(UTF-8 with BOM), .xlsx or .gpkg (table zonal_stats)");
    app.add_option("--encoding", a.encoding, "Text encoding of a Shapefile that declares none (.cpg, LDID), e.g. GBK");
    app.add_flag("--exit-code", a.exit_code, "Exit with 1 when a decline is flagged");
    app.add_flag("--overwrite", a.overwrite, "Replace outputs that exist");
    app.add_option("--threads", a.threads, "Worker threads (default: one per core)")->check(CLI::NonNegativeNumber);
    zone::cli::add_verbosity_flags(app, a.verbosity);
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    return zone::cli::guarded_main("zone-monitor", [&] { return run(app, a); });
}
