// Boost.Beast lives in this file alone: it is heavy to compile.
//
// Each connection reads its headers under one deadline and its body under a
// second, so a client that sends slowly is dropped instead of holding a
// connection; sizes are checked before a body is read. The handler runs on
// the I/O thread that read the request: a check takes a millisecond or so,
// and there are as many I/O threads as cores.
#include "zone/serve/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <csignal>
#include <mutex>
#include <optional>
#include <thread>

namespace zone::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string Request::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

namespace {

std::string error_json(int status, const std::string& message) {
    // Messages here are fixed ASCII: no escaping needed.
    return "{\"status\": " + std::to_string(status) + ", \"error\": \"" + message + "\"}\n";
}

struct Shared {
    HttpLimits limits;
    Handler handler;
    ExchangeSink log;
    std::atomic<std::size_t> connections{0};
};

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, std::shared_ptr<Shared> shared)
        : stream_(std::move(socket)), shared_(std::move(shared)) {
        beast::error_code ec;
        const auto ep = stream_.socket().remote_endpoint(ec);
        peer_ = ec ? "unknown" : ep.address().to_string();
    }
    ~Session() { --shared_->connections; }

    void start() { read_header(shared_->limits.header_timeout); }

private:
    void read_header(std::chrono::milliseconds deadline) {
        parser_.emplace();
        parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.max_header));
        parser_->body_limit(shared_->limits.max_body);
        stream_.expires_after(deadline);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        started_ = Clock::now();
        if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::operation_aborted ||
            ec == asio::error::connection_reset || ec == asio::error::eof)
            return close();  // gone, or too slow: nothing to answer
        if (ec == http::error::body_limit) return fail(413, "the request body is larger than the server accepts");
        if (ec == http::error::header_limit) return fail(431, "the request headers are too large");
        if (ec) return fail(400, "not an HTTP/1.1 request");
        stream_.expires_after(shared_->limits.request_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_body(ec); });
    }

    void on_body(beast::error_code ec) {
        if (ec == beast::error::timeout || ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
            ec == asio::error::eof || ec == http::error::end_of_stream)
            return close();
        if (ec == http::error::body_limit) return fail(413, "the request body is larger than the server accepts");
        if (ec) return fail(400, "the request body is malformed");
        auto& m = parser_->get();
        Request req;
        req.method = std::string(m.method_string());
        const std::string target(m.target());
        const auto q = target.find('?');
        req.path = target.substr(0, q);
        if (q != std::string::npos) req.query = target.substr(q + 1);
        for (const auto& field : m) {
            std::string name(field.name_string());
            for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            req.headers[name] = std::string(field.value());
        }
        req.body = std::move(m.body());
        req.peer = peer_;
        Response res;
        try {
            res = shared_->handler(req);
        } catch (const std::exception&) {
            res = Response{};
            res.status = 500;
            res.body = error_json(500, "internal error");
        }
        if (res.client.empty()) res.client = peer_;
        respond(std::move(res), req.method, req.path, m.keep_alive());
    }

    // An answer from this layer, after which the connection closes (its body
    // may be unread).
    void fail(int status, const char* message) {
        Response res;
        res.status = status;
        res.body = error_json(status, message);
        res.client = peer_;
        std::string method, path;
        if (parser_ && parser_->is_header_done()) {
            method = std::string(parser_->get().method_string());
            path = std::string(parser_->get().target());
            path = path.substr(0, path.find('?'));
        }
        respond(std::move(res), method, path, false);
    }

    void respond(Response res, const std::string& method, const std::string& path, bool keep_alive) {
        auto msg = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(res.status), 11);
        msg->set(http::field::server, "zone-serve");
        msg->set(http::field::content_type, res.content_type);
        msg->set(http::field::cache_control, "no-store");
        msg->set("X-Content-Type-Options", "nosniff");
        for (const auto& [name, value] : res.headers) msg->set(name, value);
        msg->body() = std::move(res.body);
        msg->keep_alive(keep_alive);
        msg->prepare_payload();
        if (shared_->log) {
            Exchange e;
            e.method = method;
            e.path = path;
            e.client = res.client;
            e.verdict = res.verdict;
            e.status = res.status;
            e.staff = res.staff;
            e.duration_ms = std::chrono::duration<double, std::milli>(Clock::now() - started_).count();
            e.bytes_out = msg->body().size();
            shared_->log(e);
        }
        stream_.expires_after(shared_->limits.request_timeout);  // a client that does not read is dropped too
        http::async_write(stream_, *msg, [self = shared_from_this(), msg, keep_alive](beast::error_code ec, std::size_t) {
            if (ec || !keep_alive) return self->close();
            self->read_header(self->shared_->limits.idle_timeout);
        });
    }

    void close() {
        beast::error_code ec;
        stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
        stream_.socket().close(ec);
    }

    beast::tcp_stream stream_;
    std::shared_ptr<Shared> shared_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    std::string peer_;
    Clock::time_point started_ = Clock::now();
};

}  // namespace

struct HttpServer::Impl {
    asio::io_context ioc;
    tcp::acceptor acceptor{ioc};
    std::shared_ptr<Shared> shared = std::make_shared<Shared>();

    void accept() {
        acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
            if (ec == asio::error::operation_aborted) return;
            if (!ec) {
                if (++shared->connections > shared->limits.max_connections) {
                    --shared->connections;
                    beast::error_code ignored;
                    socket.close(ignored);
                } else {
                    std::make_shared<Session>(std::move(socket), shared)->start();
                }
            }
            accept();
        });
    }
};

HttpServer::HttpServer(const std::string& listen, HttpLimits limits, Handler handler, ExchangeSink log)
    : impl_(std::make_unique<Impl>()) {
    // A SIGHUP while the data is still loading (before run() listens for it)
    // must not end the process, as its default action would.
    std::signal(SIGHUP, SIG_IGN);
    impl_->shared->limits = limits;
    impl_->shared->handler = std::move(handler);
    impl_->shared->log = std::move(log);
    const auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0)
        throw ListenError("--listen '" + listen + "': expected ADDRESS:PORT, such as 127.0.0.1:8080");
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const std::string port_text = listen.substr(colon + 1);
    unsigned long port = 0;
    try {
        std::size_t used = 0;
        port = std::stoul(port_text, &used);
        if (used != port_text.size() || port > 65535) throw std::invalid_argument("port");
    } catch (const std::exception&) {
        throw ListenError("--listen '" + listen + "': '" + port_text + "' is not a port number (0-65535)");
    }
    beast::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) throw ListenError("--listen '" + listen + "': '" + host + "' is not an IP address");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
    auto& a = impl_->acceptor;
    a.open(endpoint.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(endpoint, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw ListenError("cannot listen on " + listen + ": " + ec.message());
}

HttpServer::~HttpServer() = default;

std::string HttpServer::address() const { return impl_->acceptor.local_endpoint().address().to_string(); }
unsigned short HttpServer::port() const { return impl_->acceptor.local_endpoint().port(); }

void HttpServer::run(int threads, std::function<void()> on_hangup) {
    asio::signal_set stop_signals(impl_->ioc, SIGINT, SIGTERM);
    stop_signals.async_wait([this](beast::error_code, int) {
        beast::error_code ec;
        impl_->acceptor.close(ec);
        impl_->ioc.stop();
    });
    // One reload at a time, off the I/O threads; a SIGHUP during a reload is
    // folded into it (the reload reads the files after the signal).
    std::atomic<bool> reloading{false};
    std::thread reloader;
    asio::signal_set hangup(impl_->ioc, SIGHUP);
    std::function<void()> wait_hangup = [&] {
        hangup.async_wait([&](beast::error_code ec, int) {
            if (ec) return;
            if (!reloading.exchange(true)) {
                if (reloader.joinable()) reloader.join();
                reloader = std::thread([&] {
                    if (on_hangup) on_hangup();
                    reloading = false;
                });
            }
            wait_hangup();
        });
    };
    wait_hangup();
    impl_->accept();
    std::vector<std::thread> pool;
    for (int i = 1; i < threads; ++i) pool.emplace_back([this] { impl_->ioc.run(); });
    impl_->ioc.run();
    for (auto& t : pool) t.join();
    if (reloader.joinable()) reloader.join();
}

}  // namespace zone::serve
