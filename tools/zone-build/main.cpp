// zone-build: factor layers and county boundaries to a clean, coded unit map.
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/rules/access_list.hpp"
#include "zone/build/build.hpp"
#include "zone/build/coding.hpp"
#include "zone/io/previous.hpp"
#include "zone/build/scheme.hpp"
#include "zone/io/units_io.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace {

struct Args {
    std::string scheme;
    std::string output;
    std::string format;
    std::string encoding;
    bool overwrite = false;
    int threads = 0;
    zone::cli::Verbosity verbosity;  // -q, --progress
    bool verbose = false;
    std::string previous;
    std::vector<std::string> only;
    std::string access_texts;  // table of the units' official access-list texts
};

void print_summary(const Args& a, const zone::Scheme& scheme, const zone::BuildResult& r,
                   const zone::WriteOptions& out, double seconds) {
    const bool verbose = a.verbose;
    const auto& s = r.stats;
    double total = 0;
    int units = 0;
    for (int c = 1; c <= 3; ++c) {
        total += s.area_km2[c];
        units += s.units[c];
    }
    std::fprintf(stderr, "%s\n",
                 fmt::format("zone-build: {} units in {} counties from {} factor layers ({} features, {} repaired)",
                             units, s.counties, scheme.factors.size(), s.factor_features, s.repaired)
                     .c_str());
    // Chinese names last: their display width is not their byte count.
    std::fprintf(stderr, "  category    units           km²    share\n");
    for (int c = 1; c <= 3; ++c)
        std::fprintf(stderr, "  %d        %8d  %12.2f  %5.1f %%  %s\n", c, s.units[c], s.area_km2[c],
                     total > 0 ? 100 * s.area_km2[c] / total : 0.0, zone::category_unit_name(c));
    std::fprintf(stderr, "  total    %8d  %12.2f\n", units, total);
    std::fprintf(stderr, "  area: %s\n", r.area_method.c_str());
    std::fprintf(stderr, "  overlay: %d faces, %d pieces; %d slivers under %g m² merged into a neighbour\n", s.faces,
                 s.pieces, s.eliminated, scheme.sliver_area_m2);
    if (!s.stuck.empty()) {
        std::fprintf(stderr,
                     "  %zu small pieces kept: no neighbour of equal or stricter category to merge into%s\n",
                     s.stuck.size(), verbose ? ":" : " (-v lists them)");
        if (verbose) {
            auto stuck = s.stuck;
            std::sort(stuck.begin(), stuck.end(), [](const auto& a, const auto& b) { return a.unit_code < b.unit_code; });
            for (const auto& p : stuck)
                std::fprintf(stderr, "    %s  category %d  %-16s %10.1f m²  at %.6f %.6f\n", p.unit_code.c_str(),
                             p.category, p.factor.empty() ? "general" : p.factor.c_str(), p.area_m2, p.x, p.y);
        }
    }
    if (s.skipped_null) std::fprintf(stderr, "  %d factor features without geometry left out\n", s.skipped_null);
    if (!a.previous.empty())
        std::fprintf(stderr, "  codes: %d kept from %s, %d new%s\n", r.kept_codes, a.previous.c_str(),
                     units - r.kept_codes - r.carried,
                     r.carried ? fmt::format("; {} units of the other counties carried over untouched", r.carried).c_str()
                               : "");
    std::fprintf(stderr, "  wrote %s (layer %s) in %.1f s\n", out.path == "-" ? "standard output" : out.path.c_str(),
                 out.layer.c_str(), seconds);
}

int run(const Args& a) {
    const auto start = std::chrono::steady_clock::now();
    zone::Scheme scheme = zone::load_scheme(a.scheme);

    zone::WriteOptions out;
    out.path = a.output.empty() ? scheme.output.path : a.output;
    out.format = a.format;
    out.encoding = a.encoding;
    out.layer = scheme.output.layer;
    out.overwrite = a.overwrite;
    out.inputs = {a.scheme, scheme.boundary.source, a.previous};
    for (const auto& f : scheme.factors) out.inputs.push_back(f.source);
    zone::AccessTexts texts;
    if (!a.access_texts.empty()) {
        texts = zone::load_access_texts(a.access_texts);  // a bad table stops the job before the work
        out.inputs.push_back(a.access_texts);
    }
    zone::check_output(out);  // before the work, not after

    zone::cli::Progress progress(a.verbosity.show_progress());
    zone::BuildOptions options;
    options.threads = a.threads;
    options.previous = a.previous;
    options.only = a.only;
    options.progress = [&progress](double f) { progress(f); };
    zone::BuildResult result = zone::build_units(scheme, options);
    progress.finish();

    out.description = fmt::format("{}; MJ in km², {}", scheme.name.empty() ? "环境管控单元" : scheme.name,
                                  result.area_method);
    out.max_serials = zone::format_max_serials(result.max_serial);
    const std::vector<std::string> unknown_codes = zone::apply_access_texts(result.units, texts);
    zone::write_units(result.units, result.crs_wkt, out);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!a.verbosity.quiet) print_summary(a, scheme, result, out, seconds);
    if (!a.verbosity.quiet && !a.access_texts.empty()) {
        // Codes the table has and the map does not: a table of another version of the map, or typos.
        std::fprintf(stderr, "  access-list texts written for %zu of the %zu units in %s\n",
                     texts.by_code.size() - unknown_codes.size(), texts.by_code.size(), a.access_texts.c_str());
        for (const auto& code : unknown_codes)
            std::fprintf(stderr, "zone-build: warning: %s: unit %s is not in the map; its texts are not used\n",
                         a.access_texts.c_str(), code.c_str());
        // A DBF text field holds 254 bytes (84 Chinese characters); GDAL cuts longer text silently.
        const std::string driver = !out.format.empty() ? out.format : out.path == "-" ? "" : zone::driver_for_path(out.path);
        int cut = 0;
        for (const auto& u : result.units)
            for (const auto& t : u.access_texts) cut += driver == "ESRI Shapefile" && t.size() > 254;
        if (cut)
            std::fprintf(stderr, "zone-build: warning: %d access-list text(s) are longer than the 254 bytes a Shapefile "
                                 "field holds and were cut; write a GeoPackage to keep them whole\n", cut);
    }
    return zone::cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    zone::cli::restart_with_huge_pages(argv);
    CLI::App app{"Builds a clean, coded environmental control unit map (环境管控单元) from the factor layers "
                 "and county boundaries that SCHEME.toml names. See zone-build(1)."};
    app.set_version_flag("--version", std::string("zone-build ") + ZONE_VERSION);
    Args a;
    app.add_option("scheme", a.scheme, "Build scheme (TOML): boundary, factor layers, grid, sliver threshold")
        ->required();
    app.add_option("-o,--output", a.output,
                   "Output unit map (.gpkg, .shp, .geojson, .fgb); - writes GeoJSON to standard output. "
                   "Default: [output] path of the scheme");
    app.add_option("-f,--format", a.format, "GDAL driver of the output, when the extension does not tell");
    app.add_option("--encoding", a.encoding, "Text encoding of a Shapefile output: UTF-8 (default) or GBK")
        ->check(CLI::IsMember({"UTF-8", "GBK", "CP936", "GB18030"}));
    app.add_flag("--overwrite", a.overwrite, "Replace the output if it exists");
    app.add_option("--threads", a.threads, "Worker threads (default: one per core)")->check(CLI::NonNegativeNumber);
    zone::cli::add_verbosity_flags(app, a.verbosity, "No progress and no summary");
    app.add_flag("-v,--verbose", a.verbose, "List every small piece that could not be merged");
    app.add_option("--previous", a.previous,
                   "Previous version of the map: units that are substantially the same land and category "
                   "(each covers 90 % of the other) keep their codes; new units take serials after the highest "
                   "ever used; retired codes are never reused");
    app.add_option("--only", a.only,
                   "Dynamic update: rebuild only these counties (codes, comma-separated) and carry every other "
                   "unit over from --previous untouched")
        ->delimiter(',');
    app.add_option("--access-texts", a.access_texts,
                   "Table of the units' official access-list texts (XLSX, CSV …: a unit code column and columns "
                   "空间布局约束 污染物排放管控 环境风险防控 资源开发效率要求 or KJBJYS PWWPFGK HJFXFK ZYKFXLYQ), "
                   "written into those fields; codes the map lacks are reported");
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    return zone::cli::guarded_main("zone-build", [&] { return run(a); });
}
