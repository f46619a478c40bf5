// zone-serve: the public conformity lookup (公共查阅) over libzone. Loads a
// unit map and an access list once and answers many queries over HTTP: the
// units at a point, a project's conformity (the report of zone-check
// project), and for staff a batch of enterprises. See zone-serve(1).
#include "cli.hpp"
#include "cli_parse.hpp"
#include "zone/io/output.hpp"
#include "zone/serve/access_log.hpp"
#include "zone/serve/http_server.hpp"
#include "zone/serve/routes.hpp"
#include "zone/serve/service_data.hpp"
#include "zone/serve/staff_token.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>

namespace {

struct ServeArgs {
    zone::serve::DataSources sources;
    std::string listen = "127.0.0.1:8080";
    std::string staff_token_file;
    std::string access_log;
    int threads = 0;
    double rate = 10, burst = 20;
    std::size_t max_body = 1 << 20;
    std::size_t max_vertices = 10'000;
    double max_area_km2 = 100;
    double header_timeout = 10, request_timeout = 30;
    bool trust_forwarded_for = false;
    bool quiet = false;
};

int run_serve(const ServeArgs& a) {
    // Everything about the arguments is checked before the map is read; the
    // access log is appended to, and never one of the inputs.
    zone::OutputPlan(false)
        .inputs({a.sources.units, a.sources.list, a.sources.boundary, a.staff_token_file})
        .appended(a.access_log == "-" ? "" : a.access_log, "access log")
        .check();
    std::string token;
    if (!a.staff_token_file.empty()) token = zone::serve::read_staff_token(a.staff_token_file);
    std::unique_ptr<zone::serve::AccessLog> log;
    if (!a.access_log.empty()) log = std::make_unique<zone::serve::AccessLog>(a.access_log);

    zone::serve::HttpLimits limits;
    limits.max_body = a.max_body;
    limits.header_timeout = std::chrono::milliseconds(static_cast<long>(a.header_timeout * 1000));
    limits.request_timeout = std::chrono::milliseconds(static_cast<long>(a.request_timeout * 1000));
    limits.idle_timeout = limits.request_timeout;
    std::unique_ptr<zone::serve::Routes> routes;  // set before the server answers anything
    zone::serve::HttpServer server(
        a.listen, limits, [&routes](const zone::serve::Request& r) { return routes->handle(r); },
        [&log](const zone::serve::Exchange& e) {
            if (log) log->write(e);
        });

    zone::serve::DataStore data(a.sources);
    const auto loaded = data.current();
    if (!a.quiet)
        for (const auto& w : loaded->checker->warnings()) std::fprintf(stderr, "zone-serve: warning: %s\n", w.c_str());

    zone::serve::ServiceOptions options;
    options.version = ZONE_VERSION;
    options.staff_token = token;
    options.rate.per_second = a.rate;
    options.rate.burst = a.burst;
    options.max_vertices = a.max_vertices;
    options.max_area_km2 = a.max_area_km2;
    options.trust_forwarded_for = a.trust_forwarded_for;
    routes = std::make_unique<zone::serve::Routes>(data, options);

    const int threads = a.threads > 0 ? a.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    const auto& list = loaded->checker->list();
    // Tests and scripts read the port from this line when they asked for port 0.
    std::fprintf(stderr, "zone-serve: listening on http://%s:%u (%zu units; list %s %s; %d threads)\n",
                 server.address().c_str(), server.port(), loaded->checker->unit_count(), list.name.c_str(),
                 list.version.c_str(), threads);
    std::fflush(stderr);
    server.run(threads, [&] {
        if (log) log->reopen();
        const std::string error = data.reload();
        const auto now = data.current();
        if (error.empty())
            std::fprintf(stderr, "zone-serve: reloaded: %zu units; list %s %s\n", now->checker->unit_count(),
                         now->checker->list().name.c_str(), now->checker->list().version.c_str());
        else
            std::fprintf(stderr, "zone-serve: reload failed, still answering from the data loaded at %s: %s\n",
                         now->loaded_at.c_str(), error.c_str());
        std::fflush(stderr);
    });
    if (!a.quiet) std::fprintf(stderr, "zone-serve: stopped\n");
    return zone::cli::exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Answers conformity queries (公共查阅) over HTTP from a unit map and an access list loaded once: "
                 "the units at a point, a project's conformity (the JSON report of zone-check project), and for "
                 "staff a batch of enterprises. SIGHUP reloads the map and the list. See zone-serve(1)."};
    app.set_version_flag("--version", std::string("zone-serve ") + ZONE_VERSION);
    ServeArgs a;
    const auto positive = CLI::PositiveNumber;
    app.add_option("--units", a.sources.units, "The unit map (any GDAL source)")->required();
    app.add_option("--list", a.sources.list, "The access list (TOML, zonekit(7) ACCESS LIST)")->required();
    app.add_option("--boundary", a.sources.boundary,
                   "County boundaries with city and economic-circle fields (as zone-check project --boundary)");
    app.add_option("--encoding", a.sources.encoding, "Text encoding of a Shapefile that declares none, e.g. GBK");
    app.add_option("--listen", a.listen, "ADDRESS:PORT to listen on (port 0: a free one)")->capture_default_str();
    app.add_option("--staff-token-file", a.staff_token_file,
                   "File whose first line is the staff token (16 characters or more); without it there are no "
                   "staff endpoints");
    app.add_option("--access-log", a.access_log, "Append the access log (JSON lines) to this file; - for stderr");
    app.add_option("--threads", a.threads, "Threads answering requests (default: one per core)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--rate", a.rate, "Requests per second a client may make, on average (0: no limit)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app.add_option("--burst", a.burst, "Requests a client may make at once")->check(positive)->capture_default_str();
    app.add_option("--max-body", a.max_body, "Largest request body in bytes (larger: 413)")
        ->check(positive)
        ->capture_default_str();
    app.add_option("--max-vertices", a.max_vertices, "Most vertices of a footprint (more: 422)")
        ->check(positive)
        ->capture_default_str();
    app.add_option("--max-area", a.max_area_km2, "Largest footprint in km² (larger: 422)")
        ->check(positive)
        ->capture_default_str();
    app.add_option("--header-timeout", a.header_timeout, "Seconds a client has to send its request headers")
        ->check(positive)
        ->capture_default_str();
    app.add_option("--request-timeout", a.request_timeout,
                   "Seconds a client has to send its body, and to read the answer")
        ->check(positive)
        ->capture_default_str();
    app.add_flag("--trust-forwarded-for", a.trust_forwarded_for,
                 "Behind a reverse proxy on this host: rate-limit by the last X-Forwarded-For address of requests "
                 "from loopback");
    app.add_flag("-q,--quiet", a.quiet, "No warnings about the map and list on stderr");
    if (auto code = zone::cli::parse_command_line(app, argc, argv)) return *code;
    return zone::cli::guarded_main("zone-serve", [&a] { return run_serve(a); });
}
