// The API of zone-serve (/v1/…) and who may use what: the public may look
// up the units at a point and check a project; staff (with the token) may
// also screen a batch of enterprises. Nothing lists or exports the map.
#pragma once

#include "zone/serve/http_server.hpp"
#include "zone/serve/rate_limit.hpp"
#include "zone/serve/service_data.hpp"

#include <cstddef>
#include <string>

namespace zone::serve {

struct ServiceOptions {
    std::string version;         // of the tool
    std::string staff_token;     // empty: no staff endpoints
    RateLimit rate;              // per client; staff requests are not limited
    std::size_t max_vertices = 10'000;  // of a footprint; more: 422
    double max_area_km2 = 100;          // of a footprint; more: 422
    double outline_tolerance_m = 20;    // simplification of the unit outlines /v1/units returns
    bool trust_forwarded_for = false;   // behind a reverse proxy on this host: the client is
                                        // X-Forwarded-For's last address when the peer is loopback
};

class Routes {
public:
    Routes(DataStore& data, ServiceOptions options);

    // Any request: the page, the API, or an error. Never throws.
    Response handle(const Request& request);

private:
    Response health(const Request& request) const;
    Response version(const Request& request) const;
    Response units(const Request& request) const;
    Response check(const Request& request) const;
    Response batch(const Request& request) const;

    DataStore& data_;
    ServiceOptions options_;
    RateLimiter limiter_;
};

}  // namespace zone::serve
