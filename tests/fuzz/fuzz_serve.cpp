// Fuzz target: zone-serve's request handling (lib/serve, Routes::handle) —
// what a request reaches once Boost.Beast has framed it. The bytes are
//
//   METHOD TARGET\n          (the target split at its first '?')
//   name: value\n ...       (headers, until an empty line)
//   body
//
// Any request must get an answer (never an exception, never a crash) with a
// status of 200-599, and a JSON answer must be JSON.
#include "fuzz_support.hpp"

#include "zone/serve/routes.hpp"
#include "zone/serve/service_data.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

namespace {

constexpr const char* kStaffToken = "fuzz-staff-token-0123456789abcdef";

zone::serve::Routes& routes() {
    static zone::serve::DataStore store([] {
        zone::serve::DataSources s;
        s.units = zone::fuzz::tiny_unit_map();
        s.list = zone::fuzz::testdata("shandong/access-list.toml");
        s.batch_threads = 1;
        return s;
    }());
    static zone::serve::Routes r(store, [] {
        zone::serve::ServiceOptions o;
        o.version = "fuzz";
        o.staff_token = kStaffToken;
        o.rate.per_second = 0;  // no limit: every input reaches the handlers
        return o;
    }());
    return r;
}

zone::serve::Request parse_request(const std::string& bytes) {
    zone::serve::Request req;
    req.peer = "192.0.2.1";
    std::size_t at = 0;
    auto line = [&]() -> std::string {
        const std::size_t end = bytes.find('\n', at);
        std::string l = bytes.substr(at, end == std::string::npos ? std::string::npos : end - at);
        at = end == std::string::npos ? bytes.size() : end + 1;
        return l;
    };
    const std::string first = line();
    const std::size_t space = first.find(' ');
    req.method = first.substr(0, space);
    std::string target = space == std::string::npos ? "" : first.substr(space + 1);
    const std::size_t q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = target.substr(q + 1);
    while (at < bytes.size()) {
        const std::string h = line();
        if (h.empty()) break;
        const std::size_t colon = h.find(':');
        std::string name = h.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = colon == std::string::npos ? "" : h.substr(colon + 1);
        if (!value.empty() && value.front() == ' ') value.erase(0, 1);
        req.headers[name] = value;
    }
    req.body = bytes.substr(at);
    return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const zone::serve::Request req = parse_request(std::string(reinterpret_cast<const char*>(data), size));
    const zone::serve::Response res = routes().handle(req);
    // For looking at what a corpus reaches: ZONE_FUZZ_VERBOSE=1 fuzz_serve FILES.
    static const bool verbose = std::getenv("ZONE_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "%d %s\n", res.status, res.body.substr(0, 200).c_str());
    if (res.status < 200 || res.status > 599) std::abort();
    if (res.content_type.rfind("application/json", 0) == 0 && !nlohmann::json::accept(res.body)) std::abort();
    return 0;
}
