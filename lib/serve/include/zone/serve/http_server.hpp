// The HTTP/1.1 side of zone-serve: connections, parsing, limits and
// timeouts, over Boost.Beast. Beast stays inside http_server.cpp; the rest of
// the server sees plain requests and responses.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace zone::serve {

struct Request {
    std::string method;  // "GET", "POST" …
    std::string path;    // the target before '?', as sent (not decoded, not normalised)
    std::string query;   // after '?', still percent-encoded
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
    std::string peer;    // the address the connection comes from

    // A header's value, or "" when absent.
    std::string header(const std::string& lower_case_name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;  // extra ones (Retry-After, Allow …)
    // For the access log only, never sent.
    std::string client;   // who the request counts against (the peer, or the proxy's X-Forwarded-For)
    std::string verdict;  // of a project check
    bool staff = false;
};

// What one request may take. A request over a limit is answered (413, 431)
// or its connection closed (a timeout) before the handler sees it.
struct HttpLimits {
    std::size_t max_body = 1 << 20;    // bytes; more: 413
    std::size_t max_header = 16 << 10; // bytes of request line and headers; more: 431
    std::chrono::milliseconds header_timeout{10'000};   // from the first byte awaited to the end of the headers
    std::chrono::milliseconds request_timeout{30'000};  // from the end of the headers to the end of the body
    std::chrono::milliseconds idle_timeout{30'000};     // a kept-alive connection waiting for its next request
    std::size_t max_connections = 1024;                 // more are closed at once
};

// One line of the access log: what happened to a request, without its body.
struct Exchange {
    std::string method, path, client, verdict;
    int status = 0;
    bool staff = false;
    double duration_ms = 0;
    std::size_t bytes_out = 0;
};

using Handler = std::function<Response(const Request&)>;
using ExchangeSink = std::function<void(const Exchange&)>;

// Binding failed (address in use, not an address …): the message says which.
class ListenError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Listens on ADDRESS:PORT (port 0: a free one) as soon as it is made; run()
// answers requests on `threads` threads until SIGINT or SIGTERM, and calls
// `on_hangup` (on a thread of its own, so that requests keep being answered)
// on every SIGHUP. The handler is called on many threads at once.
class HttpServer {
public:
    HttpServer(const std::string& listen, HttpLimits limits, Handler handler, ExchangeSink log);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    std::string address() const;  // "127.0.0.1"
    unsigned short port() const;  // the one bound, also when 0 was asked
    void run(int threads, std::function<void()> on_hangup);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace zone::serve
