// zone-serve on the Shandong map: each test starts the server on a free
// loopback port (127.0.0.1:0; the port is read from its "listening on" line)
// and stops it. The check endpoint must answer byte for byte what
// zone-check project --format json writes for the same input, on cases of
// every verdict; the permission rules (staff token, rate limit, sizes,
// timeouts, paths) and reload under load are exercised with a raw-socket
// client, so that what is sent is exactly what the test says.
#include "support.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cpl_json.h>

#include <atomic>
#include <chrono>
#include <fcntl.h>
#include <cmath>
#include <mutex>
#include <regex>
#include <sstream>
#include <thread>

namespace {

using namespace zt;

std::string zone_serve_exe() { return ZONE_SERVE_EXE; }

// ------------------------------------------------------------------ a client

struct Reply {
    int status = 0;  // 0: no answer (connection closed or refused)
    std::map<std::string, std::string> headers;  // names in lower case
    std::string body;
};

int connect_to(int port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        close(fd);
        return -1;
    }
    timeval tv{30, 0};  // a test never waits longer for an answer
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

// Until the server closes, or until a whole response (headers and
// Content-Length bytes) is in: some servers keep the connection open.
std::string read_all(int fd) {
    std::string data;
    char buf[65536];
    for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) {
        data.append(buf, static_cast<std::size_t>(n));
        const auto end = data.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        std::string head = data.substr(0, end);
        for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        const auto at = head.find("\r\ncontent-length:");
        if (at != std::string::npos && data.size() >= end + 4 + std::stoul(head.substr(at + 17))) break;
    }
    return data;
}

Reply parse_reply(const std::string& data) {
    Reply r;
    const auto end = data.find("\r\n\r\n");
    if (data.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return r;
    r.status = std::stoi(data.substr(9, 3));
    std::size_t at = data.find("\r\n") + 2;
    while (at < end) {
        const auto eol = data.find("\r\n", at);
        const std::string line = data.substr(at, eol - at);
        const auto colon = line.find(':');
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
        at = eol + 2;
    }
    r.body = data.substr(end + 4);
    return r;
}

// Sends exactly `raw` and reads the answer until the server closes.
Reply send_raw(int port, const std::string& raw) {
    const int fd = connect_to(port);
    if (fd < 0) return {};
    send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
    const std::string data = read_all(fd);
    close(fd);
    return parse_reply(data);
}

Reply request(int port, const std::string& method, const std::string& target, const std::string& body = "",
              const std::vector<std::string>& headers = {}) {
    std::string raw = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& h : headers) raw += h + "\r\n";
    if (method == "POST") raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return send_raw(port, raw + "\r\n" + body);
}

CPLJSONObject parse_json(const std::string& text) {
    CPLJSONDocument doc;
    EXPECT_TRUE(doc.LoadMemory(text)) << text;
    return doc.GetRoot();
}

// ------------------------------------------------------------------ the server

class Server {
public:
    explicit Server(const std::vector<std::string>& args) : dir_("zonecli-serve") {
        log_ = dir_.file("stderr.log");
        std::vector<std::string> argv = {zone_serve_exe(), "--listen", "127.0.0.1:0"};
        argv.insert(argv.end(), args.begin(), args.end());
        pid_ = fork();
        if (pid_ == 0) {
            const int err = open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            const int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(err, 2);
            std::vector<char*> c;
            for (auto& a : argv) c.push_back(a.data());
            c.push_back(nullptr);
            execv(c[0], c.data());
            _exit(127);
        }
        // Loading the map takes a few seconds; the line says the port.
        const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+)");
        for (int i = 0; i < 1200 && port_ == 0; ++i) {
            std::smatch m;
            const std::string err = stderr_text();
            if (std::regex_search(err, m, listening)) port_ = std::stoi(m[1]);
            else if (waitpid(pid_, &status_, WNOHANG) == pid_) {
                pid_ = -1;
                break;
            } else std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~Server() { stop(); }

    int port() const { return port_; }
    bool running() { return pid_ > 0 && waitpid(pid_, &status_, WNOHANG) == 0; }
    std::string stderr_text() const {
        std::error_code ec;
        return fs::exists(log_, ec) ? read_file(log_) : std::string();
    }
    void hangup() const { kill(pid_, SIGHUP); }
    // SIGTERM; the exit code.
    int stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, &status_, 0);
            pid_ = -1;
        }
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
    }
    std::string file(const std::string& name) const { return dir_.file(name); }
    // Resident memory in KiB, from /proc.
    long rss_kib() const {
        std::istringstream in(read_file("/proc/" + std::to_string(pid_) + "/status"));
        for (std::string line; std::getline(in, line);)
            if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
        return -1;
    }

private:
    TempDir dir_;
    std::string log_;
    pid_t pid_ = -1;
    int port_ = 0;
    int status_ = 0;
};

// ------------------------------------------------------------------ the map, independently

struct Place {
    std::string code;
    int category = 0;
    double lon = 0, lat = 0;
};

// A point inside a unit of each category, and a point on the border between
// two units (a point of their common boundary), computed with GEOS here.
struct Places {
    std::vector<Place> inside;
    double border_lon = 0, border_lat = 0;
    std::string border_a, border_b;
    std::string error;
};

const Places& places() {
    static Places p = [] {
        Places p;
        try {
            LayerData units = read_layer(shandong_units() + "|layername=units");
            std::vector<std::pair<std::string, GeosPtr>> county;  // units of 370102
            for (auto& f : units.features) {
                if (!f.geom) continue;
                const int category = std::stoi(f["ZHGKDYFL"]);
                GeosPtr g = to_geos(*f.geom);
                if (f["XZQDM"] == "370102") county.emplace_back(f["HJZHGKDYBM"], geos_clone(g.get()));
                bool have = false;
                for (const auto& x : p.inside) have |= x.category == category;
                if (have) continue;
                Place pl{f["HJZHGKDYBM"], category};
                point_on_surface(g.get(), &pl.lon, &pl.lat);
                p.inside.push_back(pl);
            }
            for (std::size_t i = 0; i < county.size() && p.border_a.empty(); ++i)
                for (std::size_t j = i + 1; j < county.size() && p.border_a.empty(); ++j) {
                    GeosPtr a(GEOSBoundary_r(geos(), county[i].second.get()), GeosDeleter{});
                    GeosPtr b(GEOSBoundary_r(geos(), county[j].second.get()), GeosDeleter{});
                    GeosPtr common = intersection(a.get(), b.get());
                    if (GEOSGeom_getDimensions_r(geos(), common.get()) != 1) continue;  // share a line
                    point_on_surface(common.get(), &p.border_lon, &p.border_lat);
                    p.border_a = county[i].first;
                    p.border_b = county[j].first;
                }
        } catch (const std::exception& e) {
            p.error = e.what();
        }
        return p;
    }();
    return p;
}

std::string lonlat_text(double lon, double lat) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.17g,%.17g", lon, lat);
    return buf;
}

// Decides every verdict by the attributes given: industry C26* is
// prohibited, vocs_t over 10 restricted, and the prohibition needs the
// industry (without it: incomplete).
const char* kList = R"([list]
name = "serve test list"
version = "1"

[[rule]]
id = "T-P-1"
level = "province"
scope = "370000"
dimension = "空间布局约束"
effect = "prohibit"
when = 'industry ~ "C26*"'
text = "禁止新建化学原料和化学制品制造项目"

[[rule]]
id = "T-P-2"
level = "province"
scope = "370000"
dimension = "污染物排放管控"
effect = "restrict"
when = 'vocs_t > 10'
text = "VOCs 排放实行区域内倍量削减替代"

[[rule]]
id = "T-P-3"
level = "province"
scope = "370000"
dimension = "资源开发效率要求"
effect = "info"
text = "执行省级资源利用上线要求"
)";

class ServeTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(places().error.empty()) << places().error;
        ASSERT_EQ(places().inside.size(), 3u);
        ASSERT_FALSE(places().border_a.empty());
        write_file(list_, kList);
        write_file(token_file_, "s3cret-staff-token-0123456789\n");
    }
    std::vector<std::string> data_args() const {
        return {"--units", shandong_units(), "--list", list_, "--boundary", shandong_boundary()};
    }
    // A server with the test's data and these extra options.
    std::unique_ptr<Server> start(std::vector<std::string> extra = {}) {
        std::vector<std::string> args = data_args();
        args.insert(args.end(), extra.begin(), extra.end());
        auto s = std::make_unique<Server>(args);
        EXPECT_GT(s->port(), 0) << s->stderr_text();
        return s;
    }
    TempDir dir_{"zonecli-serve-data"};
    std::string list_ = dir_.file("list.toml");
    std::string token_file_ = dir_.file("token");
    const std::string token_ = "s3cret-staff-token-0123456789";
};

}  // namespace

// ------------------------------------------------------------------ the endpoints

TEST_F(ServeTest, CheckIsByteForByteZoneCheckProject) {
    auto server = start({"--rate", "0"});
    ASSERT_GT(server->port(), 0);
    struct Case {
        std::vector<std::string> cli;  // zone-check project arguments
        std::string body;              // the same as a request
    };
    std::vector<Case> cases;
    const std::vector<std::pair<std::vector<std::string>, std::string>> attributes = {
        {{"--industry", "C2614"}, R"("industry": "C2614")"},                                         // nonconforming
        {{"--industry", "C1311", "--attr", "vocs_t=12.5"}, R"("industry": "C1311", "attributes": {"vocs_t": 12.5})"},  // conditional
        {{"--industry", "C1311", "--nature", "新建", "--attr", "vocs_t=1"},
         R"("industry": "C1311", "nature": "新建", "attributes": {"vocs_t": 1})"},   // conforming
        {{"--attr", "vocs_t=3"}, R"("attributes": {"vocs_t": "3"})"},                                // incomplete
    };
    const auto& p = places();
    for (const auto& [cli_attrs, json_attrs] : attributes) {
        for (const auto& in : p.inside) {
            Case c{{"--point", lonlat_text(in.lon, in.lat)},
                   "{\"point\": \"" + lonlat_text(in.lon, in.lat) + "\", " + json_attrs + "}"};
            c.cli.insert(c.cli.end(), cli_attrs.begin(), cli_attrs.end());
            cases.push_back(c);
        }
        // On the border, and a footprint straddling it.
        Case border{{"--point", lonlat_text(p.border_lon, p.border_lat)},
                    "{\"point\": [" + lonlat_text(p.border_lon, p.border_lat) + "], " + json_attrs + "}"};
        border.cli.insert(border.cli.end(), cli_attrs.begin(), cli_attrs.end());
        cases.push_back(border);
        const double d = 0.002;
        char wkt[256];
        std::snprintf(wkt, sizeof wkt, "POLYGON((%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f,%.6f %.6f))", p.border_lon - d,
                      p.border_lat - d, p.border_lon + d, p.border_lat - d, p.border_lon + d, p.border_lat + d,
                      p.border_lon - d, p.border_lat + d, p.border_lon - d, p.border_lat - d);
        Case box{{"--wkt", wkt}, "{\"wkt\": \"" + std::string(wkt) + "\", " + json_attrs + "}"};
        box.cli.insert(box.cli.end(), cli_attrs.begin(), cli_attrs.end());
        cases.push_back(box);
    }
    // DMS as EIA forms write it, and Gauss-Krüger with the zone prefix.
    cases.push_back({{"--point", "117°01'30\"E,36°39'00\"N", "--industry", "C2614"},
                     R"({"point": "117°01'30\"E,36°39'00\"N", "industry": "C2614"})"});
    cases.push_back({{"--point", "东经117度01分30秒，北纬36度39分"}, R"({"point": "东经117度01分30秒，北纬36度39分"})"});
    cases.push_back({{"--gk", "39501234.5,4057000", "--industry", "C2614"},
                     R"({"gk": "39501234.5,4057000", "industry": "C2614"})"});

    std::set<std::string> verdicts;
    int straddling = 0;
    for (const auto& c : cases) {
        std::vector<std::string> args = {"project"};
        const auto data = data_args();
        args.insert(args.end(), data.begin(), data.end());
        args.insert(args.end(), {"--format", "json", "-q"});
        args.insert(args.end(), c.cli.begin(), c.cli.end());
        const RunResult cli = run_zone_check(args);
        ASSERT_TRUE(cli.status == 0 || cli.status == 1) << cli.describe();
        const Reply r = request(server->port(), "POST", "/v1/check", c.body, {"Content-Type: application/json"});
        ASSERT_EQ(r.status, 200) << c.body << "\n" << r.body;
        EXPECT_EQ(r.body, cli.out) << c.body;
        const CPLJSONObject j = parse_json(r.body);
        verdicts.insert(j.GetString("verdict"));
        if (j.GetArray("units").Size() >= 2) ++straddling;
    }
    EXPECT_EQ(verdicts, (std::set<std::string>{"nonconforming", "conditional", "conforming", "incomplete"}));
    EXPECT_GE(straddling, 4) << "the border cases should touch both units";

    // At sea: a clear 4xx naming the problem; zone-check says the same with exit code 2.
    const Reply sea = request(server->port(), "POST", "/v1/check", R"({"point": "123.5,35.0"})");
    EXPECT_EQ(sea.status, 422);
    EXPECT_TRUE(contains(sea.body, "touches no unit")) << sea.body;

    // Bodies under the size limit that nest deeply (Features in Features,
    // 300,000 '['): a 400, and the server stays up (they used to overflow
    // the stack of the thread answering).
    std::string features = "{\"geometry\": ";
    for (int i = 0; i < 25'000; ++i) features += "{\"type\": \"Feature\", \"geometry\": ";
    features += R"({"type": "Point", "coordinates": [117.02, 36.65]})" + std::string(25'001, '}');
    const std::string arrays = R"({"geometry": {"type": "Point", "coordinates": )" + std::string(300'000, '[') +
                               std::string(300'000, ']') + "}}";
    for (const std::string* body : {static_cast<const std::string*>(&features), &arrays}) {
        ASSERT_LT(body->size(), 1u << 20);
        const Reply deep = request(server->port(), "POST", "/v1/check", *body, {"Content-Type: application/json"});
        EXPECT_EQ(deep.status, 400) << deep.body;
        EXPECT_TRUE(contains(deep.body, "nests more than 32 levels deep")) << deep.body;
    }
    EXPECT_TRUE(server->running());
}

TEST_F(ServeTest, UnitsAtAPointWithTheirOutlinesOnly) {
    auto server = start({"--rate", "0"});
    ASSERT_GT(server->port(), 0);
    for (const auto& in : places().inside) {
        char target[160];
        std::snprintf(target, sizeof target, "/v1/units?lon=%.12f&lat=%.12f", in.lon, in.lat);
        const Reply r = request(server->port(), "GET", target);
        ASSERT_EQ(r.status, 200) << r.body;
        const CPLJSONObject j = parse_json(r.body);
        const CPLJSONArray units = j.GetArray("units");
        ASSERT_EQ(units.Size(), 1) << r.body;
        EXPECT_EQ(units[0].GetString("code"), in.code);
        EXPECT_EQ(units[0].GetInteger("category"), in.category);
        EXPECT_TRUE(units[0].GetObj("texts").IsValid());
        // The outline is the unit's, simplified: it contains the point.
        const std::string outline = units[0].GetObj("geometry").Format(CPLJSONObject::PrettyFormat::Plain);
        std::unique_ptr<OGRGeometry> g(OGRGeometryFactory::createFromGeoJson(outline.c_str()));
        ASSERT_TRUE(g) << outline;
        OGRPoint pt(in.lon, in.lat);
        EXPECT_TRUE(g->Intersects(&pt) || g->Distance(&pt) < 0.001);
    }
    // The border point is in both units.
    const Reply border = request(server->port(), "GET",
                                 "/v1/units?point=" + lonlat_text(places().border_lon, places().border_lat));
    ASSERT_EQ(border.status, 200) << border.body;
    EXPECT_TRUE(contains(border.body, places().border_a) && contains(border.body, places().border_b)) << border.body;
    // DMS, percent-encoded as a browser sends it; Gauss-Krüger with zone prefix.
    EXPECT_EQ(request(server->port(), "GET", "/v1/units?point=117%C2%B001'30%22E%2C36%C2%B039'00%22N").status, 200);
    EXPECT_EQ(request(server->port(), "GET", "/v1/units?gk=39501234.5%2C4057000").status, 200);
    // Bad questions are 4xx, never an answer about some other place.
    EXPECT_EQ(request(server->port(), "GET", "/v1/units?lon=117").status, 400);
    EXPECT_EQ(request(server->port(), "GET", "/v1/units?lon=abc&lat=36").status, 400);
    EXPECT_EQ(request(server->port(), "GET", "/v1/units?lon=36.6&lat=117").status, 422);
    EXPECT_EQ(request(server->port(), "GET", "/v1/units?format=gpkg&lon=117&lat=36.6").status, 400);

    const Reply health = request(server->port(), "GET", "/v1/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(parse_json(health.body).GetString("status"), "ok");
    const Reply version = request(server->port(), "GET", "/v1/version");
    ASSERT_EQ(version.status, 200);
    const CPLJSONObject v = parse_json(version.body);
    EXPECT_EQ(v.GetString("list/name"), "serve test list");
    EXPECT_EQ(v.GetString("list/version"), "1");
    EXPECT_EQ(v.GetString("list/sha256").size(), 64u);
    EXPECT_EQ(v.GetString("map/sha256").size(), 64u);
    const Reply page = request(server->port(), "GET", "/");
    EXPECT_EQ(page.status, 200);
    EXPECT_TRUE(contains(page.headers.at("content-type"), "text/html"));
}

// The public page draws the categories in the colours of zone-report's HTML
// report (which the QGIS styles share) and names them as the report does.
TEST_F(ServeTest, ThePageUsesTheReportsCategoryColoursAndNames) {
    auto server = start({"--rate", "0"});
    ASSERT_GT(server->port(), 0);
    const Reply page = request(server->port(), "GET", "/");
    ASSERT_EQ(page.status, 200);
    const RunResult html = run_with_timeout(
        {ZONE_REPORT_EXE, shandong_units(), "--format", "html", "-o", "-", "-q"}, 120);
    ASSERT_EQ(html.status, 0) << html.describe();

    std::smatch css, js;
    const std::regex css_colours(R"(--c1:(#[0-9a-f]{6});--c2:(#[0-9a-f]{6});--c3:(#[0-9a-f]{6}))");
    const std::regex js_colours(R"re(const COLOURS = \{ 1: "(#[0-9a-f]{6})", 2: "(#[0-9a-f]{6})", 3: "(#[0-9a-f]{6})" \})re");
    ASSERT_TRUE(std::regex_search(html.out, css, css_colours)) << "no category colours in the report's CSS";
    ASSERT_TRUE(std::regex_search(page.body, js, js_colours)) << "no category colours in the page";
    for (int c = 1; c <= 3; ++c) {
        EXPECT_EQ(js[c].str(), css[c].str()) << "category " << c;
        EXPECT_TRUE(contains(page.body, "class=\"swatch\" style=\"background:" + css[c].str() + "\""))
            << "the legend's swatch of category " << c;
    }
    for (const char* name : {"优先保护单元", "重点管控单元", "一般管控单元"}) {
        EXPECT_TRUE(contains(html.out, name)) << name;
        EXPECT_TRUE(contains(page.body, name)) << name;
    }
    EXPECT_TRUE(contains(page.body, R"(const DIMENSIONS = ["空间布局约束", "污染物排放管控", "环境风险防控", "资源开发效率要求"];)"));
}

// The county lines for the page's map: inside the answer's map_box, and as
// the boundary layer read here with GDAL and cut to that box by GEOS has
// them — every served vertex on a county border, every border vertex near
// a served line, both within the display simplification (20 m).
TEST_F(ServeTest, UnitsAnswerCarriesTheCountyLinesAroundThem) {
    auto server = start({"--rate", "0"});
    ASSERT_GT(server->port(), 0);
    const LayerData counties = read_layer(shandong_boundary(), true);
    std::vector<GeosPtr> borders;
    for (const auto& f : counties.features) {
        GeosPtr g = to_geos(*f.geom);
        borders.emplace_back(GEOSBoundary_r(geos(), g.get()), GeosDeleter{});
    }
    const double tolerance = 20 / 111320.0 * 1.5 + 1e-6;  // the simplification, in degrees of latitude; rounding
    int with_lines = 0;
    std::vector<std::pair<double, double>> points;
    for (const auto& in : places().inside) points.emplace_back(in.lon, in.lat);
    points.emplace_back(places().border_lon, places().border_lat);
    for (const auto& [lon, lat] : points) {
        char target[160];
        std::snprintf(target, sizeof target, "/v1/units?lon=%.12f&lat=%.12f", lon, lat);
        const Reply r = request(server->port(), "GET", target);
        ASSERT_EQ(r.status, 200) << r.body;
        const CPLJSONObject j = parse_json(r.body);
        const CPLJSONArray box = j.GetArray("map_box");
        ASSERT_EQ(box.Size(), 4) << r.body;
        const double x0 = box[0].ToDouble(), y0 = box[1].ToDouble(), x1 = box[2].ToDouble(), y1 = box[3].ToDouble();
        EXPECT_TRUE(x0 < lon && lon < x1 && y0 < lat && lat < y1);
        const CPLJSONObject lines = j.GetObj("county_lines");
        ASSERT_EQ(lines.GetString("type"), "MultiLineString") << r.body;
        std::unique_ptr<OGRGeometry> served(
            OGRGeometryFactory::createFromGeoJson(lines.Format(CPLJSONObject::PrettyFormat::Plain).c_str()));
        ASSERT_TRUE(served);
        // The borders in the box, independently.
        std::vector<const GEOSGeometry*> cut_parts;
        std::vector<GeosPtr> cuts;
        for (const auto& b : borders) {
            cuts.emplace_back(GEOSClipByRect_r(geos(), b.get(), x0, y0, x1, y1), GeosDeleter{});
            if (!GEOSisEmpty_r(geos(), cuts.back().get())) cut_parts.push_back(cuts.back().get());
        }
        if (served->IsEmpty()) {
            EXPECT_TRUE(cut_parts.empty()) << "the box holds county borders that were not served";
            continue;
        }
        ++with_lines;
        ASSERT_FALSE(cut_parts.empty());
        GeosPtr expected(GEOSGeom_createCollection_r(geos(), GEOS_GEOMETRYCOLLECTION, nullptr, 0), GeosDeleter{});
        {
            std::vector<GEOSGeometry*> clones;
            for (const auto* c : cut_parts) clones.push_back(GEOSGeom_clone_r(geos(), c));
            expected.reset(GEOSGeom_createCollection_r(geos(), GEOS_GEOMETRYCOLLECTION, clones.data(),
                                                       static_cast<unsigned>(clones.size())));
        }
        GeosPtr got = to_geos(*served);
        double xmin, ymin, xmax, ymax;
        GEOSGeom_getXMin_r(geos(), got.get(), &xmin);
        GEOSGeom_getYMin_r(geos(), got.get(), &ymin);
        GEOSGeom_getXMax_r(geos(), got.get(), &xmax);
        GEOSGeom_getYMax_r(geos(), got.get(), &ymax);
        EXPECT_TRUE(xmin >= x0 - 1e-6 && ymin >= y0 - 1e-6 && xmax <= x1 + 1e-6 && ymax <= y1 + 1e-6);
        // Each way, vertex to line: GEOS's discrete Hausdorff distance.
        double far = 0;
        ASSERT_EQ(GEOSHausdorffDistance_r(geos(), got.get(), expected.get(), &far), 1);
        EXPECT_LT(far, tolerance) << target;
    }
    EXPECT_GE(with_lines, 1) << "no query showed a county line";
}

// ------------------------------------------------------------------ permissions

TEST_F(ServeTest, PermissionRules) {
    auto server = start({"--staff-token-file", token_file_, "--rate", "0.5", "--burst", "40", "--max-body", "4000",
                         "--max-vertices", "20", "--header-timeout", "1", "--access-log",
                         dir_.file("access.log")});
    ASSERT_GT(server->port(), 0);
    const int port = server->port();
    const std::string csv = "id,lon,lat,industry\nA," + lonlat_text(places().inside[0].lon, places().inside[0].lat) +
                            ",C2614\nB," + lonlat_text(places().inside[1].lon, places().inside[1].lat) + ",C1311\n";
    // Staff only: no token 401, a wrong one 403, the right one the verdict rows.
    EXPECT_EQ(request(port, "POST", "/v1/batch", csv, {"Content-Type: text/csv"}).status, 401);
    EXPECT_EQ(request(port, "POST", "/v1/batch", csv, {"Content-Type: text/csv", "Authorization: Bearer wrong"}).status,
              403);
    EXPECT_EQ(request(port, "POST", "/v1/batch", csv,
                      {"Content-Type: text/csv", "Authorization: Bearer " + token_ + "x"})
                  .status,
              403);
    const Reply rows = request(port, "POST", "/v1/batch", csv, {"Content-Type: text/csv", "Authorization: Bearer " + token_});
    ASSERT_EQ(rows.status, 200) << rows.body;
    EXPECT_TRUE(contains(rows.body, "A,") && contains(rows.body, "nonconforming")) << rows.body;
    EXPECT_TRUE(contains(rows.body, "B,") && contains(rows.body, "conforming")) << rows.body;
    // Two longitude columns crashed GDAL's CSV reader (a fuzz finding): now refused
    // as unprocessable content, naming them, like every other error in a batch.
    const Reply twice = request(port, "POST", "/v1/batch", "id,lon,lon,lat\nA,117.02,117.02,36.65\n",
                                {"Content-Type: text/csv", "Authorization: Bearer " + token_});
    EXPECT_EQ(twice.status, 422) << twice.body;
    EXPECT_TRUE(contains(twice.body, "two longitude columns")) << twice.body;

    // Too large a body: 413 before it is read; too many vertices: 422; bad JSON: 400 saying where.
    EXPECT_EQ(request(port, "POST", "/v1/check", std::string(5000, ' ')).status, 413);
    std::string ring;
    const double lon = places().inside[0].lon, lat = places().inside[0].lat;
    for (int i = 0; i <= 30; ++i) {
        const double a = 2 * M_PI * (i % 30) / 30;
        char xy[64];
        std::snprintf(xy, sizeof xy, "%s%.6f %.6f", i ? "," : "", lon + 0.0005 * std::cos(a), lat + 0.0005 * std::sin(a));
        ring += xy;
    }
    const Reply many = request(port, "POST", "/v1/check", "{\"wkt\": \"POLYGON((" + ring + "))\"}");
    EXPECT_EQ(many.status, 422);
    EXPECT_TRUE(contains(many.body, "31 vertices")) << many.body;
    const Reply bad = request(port, "POST", "/v1/check", R"({"point": "117,36.6", "industry": })");
    EXPECT_EQ(bad.status, 400);
    EXPECT_TRUE(contains(bad.body, "column 35")) << bad.body;
    const Reply type = request(port, "POST", "/v1/check", R"({"point": "117,36.6", "industry": 2614})");
    EXPECT_EQ(type.status, 400);
    EXPECT_TRUE(contains(type.body, "industry: expected a string")) << type.body;
    EXPECT_EQ(request(port, "POST", "/v1/check", R"({"point": "117,36.6", "pointt": 1})").status, 400);
    EXPECT_EQ(request(port, "POST", "/v1/check", R"([1, 2])").status, 400);

    // No path outside the API and the page; no listing.
    for (const char* path : {"/../etc/passwd", "/v1/../v1/health", "/%2e%2e/%2e%2e/etc/passwd", "/v1/", "/v1/units/",
                             "/index.html/..", "/static/"})
        EXPECT_EQ(send_raw(port, std::string("GET ") + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status,
                  404)
            << path;
    EXPECT_EQ(request(port, "GET", "/v1/check").status, 405);

    // Slow headers: the connection is closed without an answer.
    {
        const int fd = connect_to(port);
        ASSERT_GE(fd, 0);
        const std::string part = "GET /v1/health HTTP/1.1\r\nHost: x\r\n";
        send(fd, part.data(), part.size(), MSG_NOSIGNAL);
        const std::string data = read_all(fd);  // returns when the server closes (after 1 s), or after 30 s
        close(fd);
        EXPECT_EQ(data, "");
    }

    // Bad requests over and over do not grow the server: a few hundred of
    // each kind after a first round (which warms the allocator) add less than
    // 16 MiB.
    auto hostile_round = [&] {
        request(port, "POST", "/v1/check", std::string(5000, 'x'), {"Authorization: Bearer " + token_});
        request(port, "POST", "/v1/check", R"({"point": [1, )", {"Authorization: Bearer " + token_});
        request(port, "POST", "/v1/check", "{\"wkt\": \"POLYGON((" + ring + "))\"}", {"Authorization: Bearer " + token_});
        send_raw(port, "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        send_raw(port, "NOT HTTP AT ALL\r\n\r\n");
    };
    hostile_round();
    const long before = server->rss_kib();
    for (int i = 0; i < 200; ++i) hostile_round();
    EXPECT_LT(server->rss_kib() - before, 16 * 1024) << "KiB before: " << before;

    // The rate limit: the bucket of 40 is nearly used up by now; then 429 with Retry-After.
    Reply limited;
    for (int i = 0; i < 60 && limited.status != 429; ++i) limited = request(port, "GET", "/v1/units?lon=117&lat=36.6");
    ASSERT_EQ(limited.status, 429) << limited.body;
    EXPECT_GE(std::stoi(limited.headers["retry-after"]), 1);
    // Staff are not limited; health neither.
    EXPECT_EQ(request(port, "GET", "/v1/units?lon=117&lat=36.6", "", {"Authorization: Bearer " + token_}).status, 200);
    EXPECT_EQ(request(port, "GET", "/v1/health").status, 200);
    EXPECT_TRUE(server->running());

    // The access log: a JSON object per request, no body, no token, no query.
    server->stop();
    const std::string log = read_file(dir_.file("access.log"));
    int lines = 0;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line); ++lines) {
        const CPLJSONObject j = parse_json(line);
        for (const char* key : {"time", "client", "endpoint", "status", "duration_ms"})
            EXPECT_TRUE(j.GetObj(key).IsValid()) << key << " missing in " << line;
    }
    EXPECT_GE(lines, 20);
    EXPECT_FALSE(contains(log, token_));
    EXPECT_FALSE(contains(log, "C2614"));
    EXPECT_FALSE(contains(log, "lon="));
    EXPECT_TRUE(contains(log, "\"verdict\":\"nonconforming\"") || contains(log, "\"status\":413")) << log;
}

// ------------------------------------------------------------------ reload

TEST_F(ServeTest, ReloadUnderLoadDropsNoRequest) {
    auto server = start({"--rate", "0", "--threads", "2"});
    ASSERT_GT(server->port(), 0);
    const int port = server->port();
    std::atomic<bool> done{false};
    std::atomic<int> ok{0}, failed{0};
    std::vector<std::string> failures;
    std::mutex failures_mutex;
    const std::string body = "{\"point\": \"" + lonlat_text(places().inside[0].lon, places().inside[0].lat) +
                             "\", \"industry\": \"C2614\"}";
    std::vector<std::thread> clients;
    for (int t = 0; t < 3; ++t)
        clients.emplace_back([&] {
            while (!done) {
                const Reply r = request(port, "POST", "/v1/check", body);
                if (r.status == 200 && contains(r.body, "\"verdict\": \"nonconforming\"")) {
                    ++ok;
                } else {
                    ++failed;
                    std::lock_guard lock(failures_mutex);
                    failures.push_back(std::to_string(r.status) + " " + r.body);
                }
            }
        });
    auto list_version = [&] { return parse_json(request(port, "GET", "/v1/version").body).GetString("list/version"); };
    auto wait_for = [&](const std::function<bool()>& condition) {
        for (int i = 0; i < 600; ++i) {
            if (condition()) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    };
    // A new list version goes live (written under another name and renamed, as an update would).
    std::string v2 = kList;
    v2.replace(v2.find("version = \"1\""), 13, "version = \"2\"");
    write_file(list_ + ".new", v2);
    fs::rename(list_ + ".new", list_);
    server->hangup();
    EXPECT_TRUE(wait_for([&] { return list_version() == "2"; })) << server->stderr_text();
    // A broken list: the reload fails, the old data stays and says why.
    write_file(list_, "[list]\nname = \"broken\"\n[[rule]]\nid = 3\n");
    server->hangup();
    EXPECT_TRUE(wait_for([&] {
        return parse_json(request(port, "GET", "/v1/version").body).GetInteger("reload_failures") == 1;
    })) << server->stderr_text();
    EXPECT_EQ(list_version(), "2");
    EXPECT_TRUE(contains(server->stderr_text(), "reload failed")) << server->stderr_text();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    done = true;
    for (auto& c : clients) c.join();
    EXPECT_EQ(failed.load(), 0) << (failures.empty() ? "" : failures.front());
    EXPECT_GT(ok.load(), 10);
    EXPECT_EQ(server->stop(), 0);
}

// ------------------------------------------------------------------ startup

TEST_F(ServeTest, BadStartupInputExitsWith2) {
    auto server = start();
    ASSERT_GT(server->port(), 0);
    const std::string taken = "127.0.0.1:" + std::to_string(server->port());
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases = {
        {{"--units", shandong_units(), "--list", list_, "--listen", taken}, "cannot listen on " + taken},
        {{"--units", shandong_units(), "--list", dir_.file("none.toml"), "--listen", "127.0.0.1:0"}, "none.toml"},
        {{"--units", dir_.file("none.gpkg"), "--list", list_, "--listen", "127.0.0.1:0"}, "none.gpkg"},
        {{"--units", shandong_units(), "--list", list_, "--listen", "localhost"}, "ADDRESS:PORT"},
        {{"--units", shandong_units(), "--list", list_, "--listen", "127.0.0.1:0", "--staff-token-file",
          dir_.file("none")},
         "staff token"},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv = {zone_serve_exe()};
        argv.insert(argv.end(), c.args.begin(), c.args.end());
        const RunResult r = run_with_timeout(argv, 60);
        EXPECT_EQ(r.status, 2) << r.describe();
        EXPECT_TRUE(contains(r.err, c.message)) << r.describe();
    }
    write_file(token_file_, "short\n");
    std::vector<std::string> argv = {zone_serve_exe(), "--listen", "127.0.0.1:0", "--staff-token-file", token_file_};
    const auto data = data_args();
    argv.insert(argv.end(), data.begin(), data.end());
    const RunResult r = run_with_timeout(argv, 60);
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "shorter than 16")) << r.describe();
}

TEST(ServeDocs, HelpAndManPageNameTheSameOptions) {
    const RunResult help = run({zone_serve_exe(), "--help"});
    ASSERT_EQ(help.status, 0) << help.describe();
    const std::string man = read_file(testdata_dir() + "/../man/zone-serve.1");
    const std::set<std::string> in_help = long_options_in(help.out);
    EXPECT_GE(in_help.size(), 15u);
    for (const auto& option : in_help) {
        if (option == "--help") continue;
        EXPECT_TRUE(man_page_documents(man, option)) << option << " is in --help but not in man/zone-serve.1";
    }
    for (const char* call : {"/v1/health", "/v1/version", "/v1/units", "/v1/check", "/v1/batch"})
        EXPECT_TRUE(contains(man, call)) << call;
}

// ------------------------------------------------------------------ the page in a browser

namespace {

// A free loopback port for chromedriver, which cannot pick one itself.
int free_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

// The W3C WebDriver protocol, spoken to chromedriver with the client above.
class Browser {
public:
    Browser() : dir_("zonecli-chromium") {
        port_ = free_port();
        pid_ = fork();
        if (pid_ == 0) {
            const int null = open("/dev/null", O_RDWR);
            dup2(null, 0);
            dup2(null, 1);
            dup2(null, 2);
            const std::string port = "--port=" + std::to_string(port_);
            execl("/usr/bin/chromedriver", "chromedriver", port.c_str(), "--allowed-ips=127.0.0.1", nullptr);
            _exit(127);
        }
        for (int i = 0; i < 200 && request(port_, "GET", "/status").status != 200; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CPLJSONObject args_holder;
        CPLJSONArray args;
        for (const std::string& a : std::vector<std::string>{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--no-first-run", "--window-size=1100,900",
                                    "--user-data-dir=" + dir_.path().string()})
            args.Add(a);
        CPLJSONObject options;
        options.Add("binary", "/usr/bin/chromium");
        options.Add("args", args);
        CPLJSONObject always;
        always.Add("goog:chromeOptions", options);
        CPLJSONObject caps;
        caps.Add("alwaysMatch", always);
        CPLJSONObject body;
        body.Add("capabilities", caps);
        const CPLJSONObject r = call("POST", "/session", body);
        session_ = r.GetString("value/sessionId");
    }
    ~Browser() {
        if (!session_.empty()) request(port_, "DELETE", "/session/" + session_);
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
    }
    bool ok() const { return !session_.empty(); }

    CPLJSONObject call(const std::string& method, const std::string& path, const CPLJSONObject& body = {}) {
        const std::string text = method == "POST" ? body.Format(CPLJSONObject::PrettyFormat::Plain) : "";
        const Reply r = request(port_, method, path, text.empty() && method == "POST" ? "{}" : text,
                                {"Content-Type: application/json"});
        CPLJSONDocument doc;
        doc.LoadMemory(r.body);
        return doc.GetRoot();
    }
    std::string s(const std::string& rest) const { return "/session/" + session_ + rest; }

    void go(const std::string& url) {
        CPLJSONObject b;
        b.Add("url", url);
        call("POST", s("/url"), b);
    }
    std::string element(const std::string& css) {
        CPLJSONObject b;
        b.Add("using", "css selector");
        b.Add("value", css);
        return call("POST", s("/element"), b).GetString("value/element-6066-11e4-a52e-4f735466cecf");
    }
    void type(const std::string& css, const std::string& text) {
        CPLJSONObject b;
        b.Add("text", text);
        call("POST", s("/element/" + element(css) + "/value"), b);
    }
    void click(const std::string& css) { call("POST", s("/element/" + element(css) + "/click")); }
    std::string text(const std::string& css) { return call("GET", s("/element/" + element(css) + "/text")).GetString("value"); }
    std::string screenshot_png_base64() { return call("GET", s("/screenshot")).GetString("value"); }

private:
    TempDir dir_;
    int port_ = 0;
    pid_t pid_ = -1;
    std::string session_;
};

}  // namespace

TEST_F(ServeTest, PageInHeadlessChromium) {
    std::error_code ec;
    if (!fs::exists("/usr/bin/chromium", ec) || !fs::exists("/usr/bin/chromedriver", ec))
        GTEST_SKIP() << "needs Debian's chromium and chromium-driver (scripts/setup-debian)";
    auto server = start({"--rate", "0"});
    ASSERT_GT(server->port(), 0);
    Browser b;
    ASSERT_TRUE(b.ok()) << "chromedriver did not start a session";
    b.go("http://127.0.0.1:" + std::to_string(server->port()) + "/");
    // A DMS point as EIA forms write it, inside the category-1 unit found independently.
    const Place& in = places().inside[0];
    auto dms = [](double v) {
        const int d = static_cast<int>(v);
        const double m = (v - d) * 60;
        char buf[64];
        std::snprintf(buf, sizeof buf, "%d°%02d′%07.4f″", d, static_cast<int>(m), (m - static_cast<int>(m)) * 60);
        return std::string(buf);
    };
    b.type("#where", dms(in.lon) + "E," + dms(in.lat) + "N");
    b.type("#industry", "C2614");
    b.click("#go");
    std::string verdict;
    for (int i = 0; i < 200 && verdict.empty(); ++i) {
        verdict = b.text("#verdict");
        if (verdict.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(verdict, "不符合") << b.text("#status");
    const std::string rules = b.text("#rules");
    EXPECT_TRUE(contains(rules, "禁止新建化学原料和化学制品制造项目")) << rules;
    EXPECT_TRUE(contains(rules, "空间布局约束") && contains(rules, "资源开发效率要求")) << rules;
    EXPECT_TRUE(contains(b.text("#units"), in.code));
    // The map is drawn once the units' outlines have come back.
    for (int i = 0; i < 100 && b.call("GET", b.s("/element/" + b.element("#map polygon") + "/name")).GetString("value").empty(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    // With the county lines on it (the served lines, drawn as polylines).
    EXPECT_EQ(b.call("GET", b.s("/element/" + b.element("#map polyline.county-line") + "/name")).GetString("value"),
              "polyline");
    // Incomplete: the page says which attribute to give.
    b.call("POST", b.s("/element/" + b.element("#industry") + "/clear"));
    b.click("#go");
    std::string missing;
    for (int i = 0; i < 200 && !contains(missing, "industry"); ++i) {
        missing = b.text("#missing");
        if (!contains(missing, "industry")) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_TRUE(contains(missing, "国民经济行业代码")) << missing;
    EXPECT_EQ(b.text("#verdict"), "无法判定");
    if (const char* path = std::getenv("ZONE_SERVE_SCREENSHOT")) {
        // For people to look at (scripts/screenshot-serve): the nonconforming answer.
        b.type("#industry", "C2614");
        b.click("#go");
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        const std::string png = b.screenshot_png_base64();
        GByte* bytes = reinterpret_cast<GByte*>(CPLStrdup(png.c_str()));
        const int n = CPLBase64DecodeInPlace(bytes);
        write_file(path, std::string(reinterpret_cast<char*>(bytes), static_cast<std::size_t>(n)));
        CPLFree(bytes);
    }
}
