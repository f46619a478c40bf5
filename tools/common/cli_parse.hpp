// Parsing a tool's command line with CLI11, with zonekit's exit codes:
// --help and --version exit 0, bad arguments exit 2 (zonekit(7) EXIT CODES).
// Header-only and included by each tool's main alone, so CLI11 stays in one
// translation unit per tool.
#pragma once

#include "cli.hpp"

#include <CLI/CLI.hpp>

#include <optional>

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

}  // namespace zone::cli
