#include "zone/serve/routes.hpp"

#include "zone/rules/access_list.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/rules/project.hpp"
#include "zone/serve/lookup_page.hpp"
#include "zone/serve/staff_token.hpp"

#include <cpl_vsi.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <map>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace zone::serve {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

namespace {

// The request is malformed (400), as opposed to well-formed but impossible
// to answer (InputError, 422).
class BadRequest : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Text from clients goes back in messages: never let bad UTF-8 break the JSON.
std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n"; }

Response json_response(int status, const json& body) {
    Response r;
    r.status = status;
    r.body = dump(body);
    return r;
}

Response error(int status, const std::string& message) {
    json j;
    j["status"] = status;
    j["error"] = message;
    return json_response(status, j);
}

std::string url_decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out += ' ';
        } else if (s[i] == '%') {
            auto hex = [&](char c) -> int {
                if (c >= '0' && c <= '9') return c - '0';
                if (c >= 'a' && c <= 'f') return c - 'a' + 10;
                if (c >= 'A' && c <= 'F') return c - 'A' + 10;
                return -1;
            };
            const int hi = i + 1 < s.size() ? hex(s[i + 1]) : -1, lo = i + 2 < s.size() ? hex(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) throw BadRequest("the query string has a '%' that is not followed by two hex digits");
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::map<std::string, std::string> parse_query(const std::string& query) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start <= query.size() && !query.empty()) {
        std::size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        const std::string item = query.substr(start, end - start);
        if (!item.empty()) {
            const auto eq = item.find('=');
            const std::string name = url_decode(item.substr(0, eq));
            if (out.count(name)) throw BadRequest("query parameter '" + name + "' is given twice");
            out[name] = eq == std::string::npos ? "" : url_decode(item.substr(eq + 1));
        }
        start = end + 1;
    }
    return out;
}

std::optional<int> query_int(const std::map<std::string, std::string>& q, const std::string& name) {
    const auto it = q.find(name);
    if (it == q.end()) return std::nullopt;
    char* end = nullptr;
    const long v = std::strtol(it->second.c_str(), &end, 10);
    if (it->second.empty() || *end) throw BadRequest(name + "=" + it->second + ": not a whole number");
    return static_cast<int>(v);
}

double query_number(const std::map<std::string, std::string>& q, const std::string& name) {
    const std::string& text = q.at(name);
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end || !std::isfinite(v)) throw BadRequest(name + "=" + text + ": not a number (decimal degrees)");
    return v;
}

// The bearer token of the request, if it sends one.
std::optional<std::string> bearer_token(const Request& req) {
    const auto it = req.headers.find("authorization");
    if (it == req.headers.end()) return std::nullopt;
    const std::string& v = it->second;
    if (v.size() < 7 || (v.compare(0, 7, "Bearer ") != 0 && v.compare(0, 7, "bearer ") != 0)) return std::string();
    return v.substr(7);
}

std::string client_of(const Request& req, bool trust_forwarded_for) {
    if (trust_forwarded_for && (req.peer == "127.0.0.1" || req.peer == "::1")) {
        std::string xff = req.header("x-forwarded-for");
        const auto comma = xff.rfind(',');
        if (comma != std::string::npos) xff = xff.substr(comma + 1);
        const auto b = xff.find_first_not_of(" \t");
        const auto e = xff.find_last_not_of(" \t");
        if (b != std::string::npos) return xff.substr(b, e - b + 1);
    }
    return req.peer;
}

json unit_json(const TouchedUnit& u) {
    json j;
    j["code"] = u.code;
    j["name"] = u.name;
    j["category"] = u.category;
    j["category_name"] = category_unit_name(u.category);
    j["county_code"] = u.county_code;
    j["county"] = u.county;
    j["city_code"] = u.city_code;
    j["city"] = u.city;
    j["circle"] = u.circle;
    json texts = json::object();
    for (std::size_t d = 0; d < kDimensions.size(); ++d) texts[kDimensions[d]] = u.texts[d];
    j["texts"] = texts;
    return j;
}

// The JSON value of `key` as a string, or a 400 naming it.
std::string text_field(const json& body, const char* key) {
    const json& v = body.at(key);
    if (!v.is_string()) throw BadRequest(std::string(key) + ": expected a string, got " + v.type_name());
    return v.get<std::string>();
}

int int_field(const json& body, const char* key) {
    const json& v = body.at(key);
    if (!v.is_number_integer()) throw BadRequest(std::string(key) + ": expected a whole number, got " + v.type_name());
    return v.get<int>();
}

// A GeoJSON geometry, Feature or FeatureCollection as the geometry text OGR reads.
std::string geojson_geometry(const json& g) {
    if (!g.is_object() || !g.contains("type") || !g["type"].is_string())
        throw BadRequest("geometry: expected a GeoJSON object with a \"type\"");
    const std::string type = g["type"];
    if (type == "Feature") {
        if (!g.contains("geometry") || !g["geometry"].is_object()) throw BadRequest("geometry: the Feature has no geometry");
        return geojson_geometry(g["geometry"]);
    }
    if (type == "FeatureCollection") {
        if (!g.contains("features") || !g["features"].is_array() || g["features"].empty())
            throw BadRequest("geometry: the FeatureCollection has no features");
        json collection;
        collection["type"] = "GeometryCollection";
        collection["geometries"] = json::array();
        for (const auto& f : g["features"]) collection["geometries"].push_back(json::parse(geojson_geometry(f)));
        return collection.dump();
    }
    return g.dump();
}

// Widens `box` to every position of a GeoJSON "coordinates" value.
void extend(Box& box, const json& coordinates) {
    if (!coordinates.is_array()) return;
    if (coordinates.size() >= 2 && coordinates[0].is_number() && coordinates[1].is_number()) {
        const double x = coordinates[0].get<double>(), y = coordinates[1].get<double>();
        box.min_lon = std::min(box.min_lon, x);
        box.max_lon = std::max(box.max_lon, x);
        box.min_lat = std::min(box.min_lat, y);
        box.max_lat = std::max(box.max_lat, y);
        return;
    }
    for (const auto& c : coordinates) extend(box, c);
}

// 6 decimals (about 0.1 m), as the unit outlines.
double micro_degrees(double v) { return std::round(v * 1e6) / 1e6; }

// How deep a request's JSON may nest (a MultiPolygon in a Feature of a
// FeatureCollection is 8).
constexpr int kMaxJsonDepth = 32;

constexpr const char* kCheckFields[] = {"point", "gk",       "zone",   "cm",        "wkt",
                                        "crs",   "geometry", "industry", "nature", "attributes"};

}  // namespace

Routes::Routes(DataStore& data, ServiceOptions options)
    : data_(data), options_(std::move(options)), limiter_(options_.rate) {}

Response Routes::handle(const Request& req) {
    Response res;
    const std::string client = client_of(req, options_.trust_forwarded_for);
    bool staff = false;
    try {
        struct Endpoint {
            const char* path;
            const char* method;
            Response (Routes::*answer)(const Request&) const;
            bool staff_only, limited;
        };
        static const Endpoint endpoints[] = {
            {"/v1/health", "GET", &Routes::health, false, false},
            {"/v1/version", "GET", &Routes::version, false, true},
            {"/v1/units", "GET", &Routes::units, false, true},
            {"/v1/check", "POST", &Routes::check, false, true},
            {"/v1/batch", "POST", &Routes::batch, true, true},
        };
        if (req.path == "/" || req.path == "/index.html") {
            if (req.method != "GET") {
                res = error(405, "the page is read with GET");
                res.headers.emplace_back("Allow", "GET");
            } else {
                res.status = 200;
                res.content_type = "text/html; charset=utf-8";
                res.body = lookup_page();
                res.headers.emplace_back("Content-Security-Policy",
                                         "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                         "connect-src 'self'; img-src 'self' data:");
            }
        } else {
            const Endpoint* e = nullptr;
            for (const auto& x : endpoints)
                if (req.path == x.path) e = &x;
            if (!e) {
                res = error(404, "no such endpoint; the API is /v1/health, /v1/version, /v1/units, /v1/check and /v1/batch");
            } else if (req.method != e->method) {
                res = error(405, req.path + " takes " + e->method);
                res.headers.emplace_back("Allow", e->method);
            } else {
                const auto token = bearer_token(req);
                if (token) {
                    staff = !options_.staff_token.empty() && equal_in_constant_time(*token, options_.staff_token);
                    if (!staff) {
                        res = error(403, "the token is not the staff token");
                        res.client = client;
                        return res;
                    }
                }
                int retry = 0;
                if (e->staff_only && !token) {
                    res = error(401, req.path + " is for staff: send the staff token as 'Authorization: Bearer TOKEN'");
                    res.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"zone-serve\"");
                } else if (e->limited && !staff && (retry = limiter_.take(client)) > 0) {
                    res = error(429, "too many requests from " + client + "; try again in " + std::to_string(retry) + " s");
                    res.headers.emplace_back("Retry-After", std::to_string(retry));
                } else {
                    res = (this->*(e->answer))(req);
                }
            }
        }
    } catch (const BadRequest& e) {
        res = error(400, e.what());
    } catch (const nlohmann::json::exception& e) {
        res = error(400, e.what());
    } catch (const InputError& e) {
        res = error(422, e.what());
    } catch (const std::exception& e) {
        res = error(500, std::string("internal error: ") + e.what());
    }
    res.client = client;
    res.staff = staff;
    return res;
}

Response Routes::health(const Request&) const {
    const auto data = data_.current();
    json j;
    j["status"] = "ok";
    j["units"] = data->checker->unit_count();
    j["loaded_at"] = data->loaded_at;
    return json_response(200, j);
}

Response Routes::version(const Request&) const {
    const auto data = data_.current();
    const auto status = data_.status();
    const DataSources& s = data_.sources();
    const AccessList& list = data->checker->list();
    json j;
    j["tool"] = "zone-serve";
    j["version"] = options_.version;
    j["map"] = {{"source", s.units}, {"units", data->checker->unit_count()}, {"sha256", data->units_sha256}};
    j["list"] = {{"file", s.list},
                 {"name", list.name},
                 {"version", list.version},
                 {"rules", list.rules.size()},
                 {"sha256", data->list_sha256}};
    if (!s.boundary.empty()) j["boundary"] = {{"source", s.boundary}, {"sha256", data->boundary_sha256}};
    j["loaded_at"] = data->loaded_at;
    j["reloads"] = status.reloads;
    j["reload_failures"] = status.failures;
    if (!status.last_error.empty())
        j["last_reload_error"] = {{"time", status.last_error_at}, {"message", status.last_error}};
    j["area_method"] = data->checker->area_method();
    j["limits"] = {{"max_vertices", options_.max_vertices},
                   {"max_area_km2", options_.max_area_km2},
                   {"rate_per_second", options_.rate.per_second},
                   {"burst", options_.rate.burst}};
    return json_response(200, j);
}

Response Routes::units(const Request& req) const {
    const auto q = parse_query(req.query);
    for (const auto& [name, value] : q)
        if (name != "lon" && name != "lat" && name != "point" && name != "gk" && name != "zone" && name != "cm")
            throw BadRequest("unknown query parameter '" + name + "' (known: lon, lat, point, gk, zone, cm)");
    const bool lonlat = q.count("lon") || q.count("lat");
    if (lonlat + q.count("point") + q.count("gk") != 1)
        throw BadRequest("give the point once: lon=&lat= (decimal degrees), point= (decimal or DMS) or gk= "
                         "(Gauss-Krüger with zone prefix)");
    const auto data = data_.current();
    const ProjectChecker& checker = *data->checker;
    Footprint fp;
    if (lonlat) {
        if (!q.count("lon") || !q.count("lat")) throw BadRequest("give both lon= and lat=");
        fp = checker.footprint_from_lonlat(query_number(q, "lon"), query_number(q, "lat"));
    } else if (q.count("point")) {
        const auto ll = parse_lonlat(q.at("point"));
        fp = checker.footprint_from_lonlat(ll[0], ll[1]);
    } else {
        fp = checker.footprint_from_gauss_kruger(parse_gauss_kruger(q.at("gk"), query_int(q, "zone"), query_int(q, "cm")));
    }
    const ProjectResult r = checker.check(fp, {});
    json j;
    j["point"] = {{"lon", r.lonlat[0]}, {"lat", r.lonlat[1]}};
    j["position"] = r.footprint;
    j["units"] = json::array();
    Box box{r.lonlat[0], r.lonlat[1], r.lonlat[0], r.lonlat[1]};
    for (const auto& u : r.units) {
        json uj = unit_json(u);
        const std::string outline = checker.unit_outline_geojson(u.fid, options_.outline_tolerance_m);
        uj["geometry"] = outline.empty() ? json() : json::parse(outline);
        if (!outline.empty()) extend(box, uj["geometry"]["coordinates"]);
        j["units"].push_back(std::move(uj));
    }
    // The county lines around the units for the page's map: in the box of
    // their outlines and the point, widened by half its size on every side
    // (at least 0.01°), so that the map's margins show them too.
    const double margin = std::max({(box.max_lon - box.min_lon) / 2, (box.max_lat - box.min_lat) / 2, 0.01});
    box = {box.min_lon - margin, box.min_lat - margin, box.max_lon + margin, box.max_lat + margin};
    j["map_box"] = {micro_degrees(box.min_lon), micro_degrees(box.min_lat), micro_degrees(box.max_lon),
                    micro_degrees(box.max_lat)};
    if (data->county_lines) {
        json lines = json::array();
        for (const Polyline& line : data->county_lines->within(box)) {
            json l = json::array();
            for (const LonLat& p : line) l.push_back({micro_degrees(p[0]), micro_degrees(p[1])});
            lines.push_back(std::move(l));
        }
        j["county_lines"] = {{"type", "MultiLineString"}, {"coordinates", std::move(lines)}};
    } else {
        j["county_lines"] = nullptr;  // no --boundary
    }
    j["list"] = {{"name", checker.list().name}, {"version", checker.list().version}};
    return json_response(200, j);
}

Response Routes::check(const Request& req) const {
    json body;
    try {
        // A request nests a few levels (body, FeatureCollection, Feature,
        // MultiPolygon's rings); what nests deeper is refused while parsing,
        // before anything recursive (the GeoJSON reader, dump) sees it: a
        // 1 MB body of '[' would otherwise overflow the stack.
        const json::parser_callback_t depth_guard = [](int depth, json::parse_event_t, json&) {
            if (depth > kMaxJsonDepth)
                throw BadRequest("malformed JSON: it nests more than " + std::to_string(kMaxJsonDepth) + " levels deep");
            return true;
        };
        body = json::parse(req.body, depth_guard);
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        const auto close = what.find("] ");
        if (close != std::string::npos) what = what.substr(close + 2);
        throw BadRequest("malformed JSON: " + what);
    }
    if (!body.is_object()) throw BadRequest(std::string("the body must be a JSON object, not ") + body.type_name());
    for (const auto& [key, value] : body.items())
        if (std::find(std::begin(kCheckFields), std::end(kCheckFields), key) == std::end(kCheckFields))
            throw BadRequest("unknown field '" + key + "' (known: point, gk, zone, cm, wkt, crs, geometry, industry, "
                             "nature, attributes)");
    const int places = body.contains("point") + body.contains("gk") + body.contains("wkt") + body.contains("geometry");
    if (places != 1)
        throw BadRequest(places == 0 ? "where is the project? give point, gk, wkt or geometry"
                                     : "give only one of point, gk, wkt and geometry");

    // The attributes, checked as zone-check project checks --industry, --nature and --attr, in that order.
    Attributes given;
    if (body.contains("industry")) add_given_attribute(given, kIndustry, text_field(body, "industry"), "industry");
    if (body.contains("nature")) add_given_attribute(given, kNature, text_field(body, "nature"), "nature");
    if (body.contains("attributes")) {
        const json& a = body["attributes"];
        if (!a.is_object()) throw BadRequest(std::string("attributes: expected an object, got ") + a.type_name());
        for (const auto& [name, value] : a.items()) {
            std::string text;
            if (value.is_string()) text = value.get<std::string>();
            else if (value.is_number()) text = value.dump();
            else throw BadRequest("attributes." + name + ": expected a string or a number, got " + value.type_name());
            add_given_attribute(given, name, text, "attributes." + name);
        }
    }

    const auto data = data_.current();
    const ProjectChecker& checker = *data->checker;
    Footprint fp;
    if (body.contains("point")) {
        const json& p = body["point"];
        if (p.is_string()) {
            const auto ll = parse_lonlat(p.get<std::string>());
            fp = checker.footprint_from_lonlat(ll[0], ll[1]);
        } else if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number()) {
            fp = checker.footprint_from_lonlat(p[0].get<double>(), p[1].get<double>());
        } else {
            throw BadRequest("point: expected \"LON,LAT\" (decimal or DMS) or [lon, lat]");
        }
    } else if (body.contains("gk")) {
        std::optional<int> zone, cm;
        if (body.contains("zone")) zone = int_field(body, "zone");
        if (body.contains("cm")) cm = int_field(body, "cm");
        fp = checker.footprint_from_gauss_kruger(parse_gauss_kruger(text_field(body, "gk"), zone, cm));
    } else if (body.contains("wkt")) {
        fp = checker.footprint_from_wkt(text_field(body, "wkt"), body.contains("crs") ? text_field(body, "crs") : "EPSG:4490");
    } else {
        fp = checker.footprint_from_geojson(geojson_geometry(body["geometry"]));
    }
    if (const std::size_t n = vertex_count(fp); n > options_.max_vertices)
        throw InputError("the footprint has " + std::to_string(n) + " vertices; this service takes at most " +
                         std::to_string(options_.max_vertices) + " (simplify the site outline)");

    Attributes all = fp.attributes;
    for (const auto& [name, value] : given) all[name] = value;
    const ProjectResult r = checker.check(fp, all);
    if (r.footprint_m2 > options_.max_area_km2 * 1e6) {
        std::ostringstream msg;
        msg << "the footprint covers " << r.footprint_m2 / 1e6 << " km²; this service checks sites of at most "
            << options_.max_area_km2 << " km²";
        throw InputError(msg.str());
    }
    Response res;
    res.body = format_project_json(r, checker.list(), all, options_.version, checker.area_method());
    res.verdict = to_string(r.verdict);
    return res;
}

Response Routes::batch(const Request& req) const {
    const auto q = parse_query(req.query);
    for (const auto& [name, value] : q)
        if (name != "industry" && name != "nature" && name != "id_field")
            throw BadRequest("unknown query parameter '" + name + "' (known: industry, nature, id_field)");
    const std::string type = req.header("content-type");
    const bool csv = type.rfind("text/csv", 0) == 0;
    // Text holds no NUL byte; GDAL 3.6's CSV reader crashes on some that do
    // (found by fuzzing).
    if (csv && req.body.find('\0') != std::string::npos) throw BadRequest("the CSV body holds a NUL byte");
    static std::atomic<unsigned long> serial{0};
    const std::string source =
        "/vsimem/zone-serve/batch-" + std::to_string(++serial) + (csv ? ".csv" : ".geojson");
    VSILFILE* f = VSIFileFromMemBuffer(source.c_str(), reinterpret_cast<GByte*>(const_cast<char*>(req.body.data())),
                                       req.body.size(), FALSE);
    if (!f) throw std::runtime_error("cannot hold the batch in memory");
    VSIFCloseL(f);
    struct Unlink {
        std::string path;
        ~Unlink() { VSIUnlink(path.c_str()); }
    } unlink_source{source};

    BatchOptions options;
    options.source = source;
    if (q.count("id_field")) options.id_field = q.at("id_field");
    if (q.count("industry")) add_given_attribute(options.defaults, kIndustry, q.at("industry"), "industry");
    if (q.count("nature")) add_given_attribute(options.defaults, kNature, q.at("nature"), "nature");
    const auto data = data_.current();
    BatchResult result;
    try {
        result = data->checker->screen(options);
    } catch (const InputError& e) {
        // The message names the in-memory copy; the client knows it as its request body.
        std::string what = e.what();
        for (auto at = what.find(source); at != std::string::npos; at = what.find(source)) what.replace(at, source.size(), "the body");
        throw InputError(what);
    }

    // write_batch writes a file; the answer is that file, made in a private folder.
    std::string dir_template = (fs::temp_directory_path() / "zone-serve-batch-XXXXXX").string();
    if (!mkdtemp(dir_template.data())) throw std::runtime_error("cannot make a temporary folder");
    const fs::path dir = dir_template;
    struct RemoveDir {
        fs::path path;
        ~RemoveDir() {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } remove_dir{dir};
    const fs::path out = dir / "verdicts.csv";
    write_batch(result, out.string());
    std::ifstream in(out, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    Response res;
    res.content_type = "text/csv; charset=utf-8";
    res.body = text.str();
    res.headers.emplace_back("Content-Disposition", "attachment; filename=\"verdicts.csv\"");
    return res;
}

}  // namespace zone::serve
