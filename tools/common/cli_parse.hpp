// Parsing a tool's command line with CLI11, with zonekit's exit codes:
// --help and --version exit 0, bad arguments exit 2 (zonekit(7) EXIT CODES).
// Header-only and included by each tool's main alone, so CLI11 stays in one
// translation unit per tool.
#pragma once

#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace zone::cli {

// Returns the exit code when the program should stop now.
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv) {
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return exit_cannot;
    }
    return std::nullopt;
}

// -q,--quiet and --progress, the same in every tool.
inline void add_verbosity_flags(CLI::App& app, Verbosity& v, const std::string& quiet_help = "No progress and no summary on stderr",
                                const std::string& progress_help = "Show progress even when stderr is not a terminal") {
    app.add_flag("-q,--quiet", v.quiet, quiet_help);
    app.add_flag("--progress", v.progress, progress_help);
}

// CLI11's NonNegativeNumber names DBL_MAX in full when it fails.
inline const CLI::Validator non_negative(
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

}  // namespace zone::cli
