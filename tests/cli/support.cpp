#include "support.hpp"

#include <cpl_conv.h>
#include <cpl_json.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <ogr_api.h>
#include <ogr_spatialref.h>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace zt {

// ---------------------------------------------------------------- locations

std::string zone_build_exe() { return ZONE_BUILD_EXE; }
std::string testdata_dir() { return ZONE_TESTDATA; }

std::string shandong_scheme() {
    if (const char* s = std::getenv("ZONE_TEST_SCHEME"); s && *s) return s;
    return testdata_dir() + "/shandong/scheme.toml";
}

std::string shandong_units() {
    if (const char* s = std::getenv("ZONE_TEST_UNITS"); s && *s) return s;
    return SHANDONG_UNITS;
}

// ---------------------------------------------------------------- processes

namespace {

std::string shell_quote(const std::string& s) {
    if (!s.empty() && s.find_first_of(" '\"\\$`|&;<>()*?[]#~\t\n") == std::string::npos) return s;
    std::string q = "'";
    for (char c : s) {
        if (c == '\'') q += "'\\''";
        else q += c;
    }
    return q + "'";
}

std::string temp_file_path() {
    std::string pattern = (fs::temp_directory_path() / "zonecli-out-XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw std::runtime_error("mkstemp failed: " + std::string(std::strerror(errno)));
    close(fd);
    return pattern;
}

}  // namespace

std::string RunResult::describe() const {
    std::ostringstream s;
    s << "$ " << command << "\n-> ";
    if (timed_out) s << "timed out, killed after " << seconds << " s";
    else if (signaled) s << "killed by signal " << status - 128;
    else s << "exit " << status;
    if (!timed_out) s << " (" << seconds << " s)";
    s << "\n--- stderr ---\n" << err;
    if (out.size() < 4000) s << "--- stdout ---\n" << out;
    else s << "--- stdout: " << out.size() << " bytes ---\n";
    return s.str();
}

pid_t spawn(const std::vector<std::string>& argv, const std::string& stdin_path, const std::string& stdout_path,
            const std::string& stderr_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, stdin_path.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, stdout_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
    return pid;
}

RunResult run(const std::vector<std::string>& argv, const std::string& stdin_path) {
    return run_with_timeout(argv, 0, stdin_path);
}

RunResult run_with_timeout(const std::vector<std::string>& argv, double timeout_s, const std::string& stdin_path) {
    RunResult r;
    for (const auto& a : argv) r.command += (r.command.empty() ? "" : " ") + shell_quote(a);
    const std::string out_path = temp_file_path(), err_path = temp_file_path();

    pid_t pid = 0;
    try {
        pid = spawn(argv, stdin_path.empty() ? "/dev/null" : stdin_path, out_path, err_path);
    } catch (...) {
        std::remove(out_path.c_str());
        std::remove(err_path.c_str());
        throw;
    }
    int wstatus = 0;
    if (timeout_s > 0) {
        const auto start = std::chrono::steady_clock::now();
        for (;;) {
            const pid_t done = waitpid(pid, &wstatus, WNOHANG);
            if (done == pid) break;
            if (done < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
            if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout_s) {
                kill(pid, SIGKILL);  // the child we started, by its id
                while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
                }
                r.timed_out = true;
                break;
            }
            usleep(5000);
        }
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } else {
        const auto start = std::chrono::steady_clock::now();
        while (waitpid(pid, &wstatus, 0) < 0) {
            if (errno != EINTR) throw std::runtime_error("waitpid failed");
        }
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    if (WIFEXITED(wstatus)) {
        r.status = WEXITSTATUS(wstatus);
    } else if (WIFSIGNALED(wstatus)) {
        r.status = 128 + WTERMSIG(wstatus);
        r.signaled = true;
    }
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    std::remove(out_path.c_str());
    std::remove(err_path.c_str());
    return r;
}

RunResult run_zone_build(const std::vector<std::string>& args) {
    std::vector<std::string> argv{zone_build_exe()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv);
}

// ---------------------------------------------------------------- files

TempDir::TempDir(const std::string& tag) {
    std::string pattern = (fs::temp_directory_path() / (tag + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

TempDir::~TempDir() {
    if (const char* keep = std::getenv("ZONE_TEST_KEEP"); keep && *keep) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_file(const fs::path& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + path.string());
    out << content;
}

std::vector<std::string> zonekit_leftovers(const fs::path& dir) {
    std::vector<std::string> found;
    for (const auto& name : dir_entries(dir))
        if (name.rfind(".zonekit-", 0) == 0) found.push_back(name);
    return found;
}

std::vector<std::string> dir_entries(const fs::path& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// ---------------------------------------------------------------- scheme

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    const auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

void append_utf8(std::string& out, unsigned long cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Parses a TOML value at the start of `text`; returns it as text (strings
// unquoted). Throws on what this small reader does not handle.
std::string parse_value(const std::string& text, const std::string& where) {
    if (text.empty()) throw std::runtime_error(where + ": missing value");
    if (text[0] == '"') {
        std::string v;
        for (std::size_t i = 1; i < text.size(); ++i) {
            const char c = text[i];
            if (c == '"') {
                const std::string rest = trim(text.substr(i + 1));
                if (!rest.empty() && rest[0] != '#') throw std::runtime_error(where + ": text after a string");
                return v;
            }
            if (c == '\\' && i + 1 < text.size()) {
                const char e = text[++i];
                switch (e) {
                    case 'n': v += '\n'; break;
                    case 't': v += '\t'; break;
                    case '"': v += '"'; break;
                    case '\\': v += '\\'; break;
                    case 'u':
                    case 'U': {
                        const int n = e == 'u' ? 4 : 8;
                        append_utf8(v, std::stoul(text.substr(i + 1, n), nullptr, 16));
                        i += n;
                        break;
                    }
                    default: throw std::runtime_error(where + ": unsupported escape");
                }
                continue;
            }
            v += c;
        }
        throw std::runtime_error(where + ": unterminated string");
    }
    if (text[0] == '\'') {
        const auto end = text.find('\'', 1);
        if (end == std::string::npos) throw std::runtime_error(where + ": unterminated string");
        return text.substr(1, end - 1);
    }
    std::string v = text;
    if (const auto hash = v.find('#'); hash != std::string::npos) v = v.substr(0, hash);
    return trim(v);
}

std::string resolve(const std::string& source, const fs::path& base) {
    if (source.empty() || source == "-" || source.rfind("PG:", 0) == 0 || source.rfind("/vsi", 0) == 0)
        return source;
    const auto bar = source.find('|');
    const std::string path = bar == std::string::npos ? source : source.substr(0, bar);
    const std::string rest = bar == std::string::npos ? "" : source.substr(bar);
    fs::path p(path);
    if (p.is_absolute()) return source;
    return (base / p).lexically_normal().string() + rest;
}

void split_source(const std::string& source, std::string& path, std::string& layer) {
    const std::string tag = "|layername=";
    const auto bar = source.find(tag);
    path = bar == std::string::npos ? source : source.substr(0, bar);
    layer = bar == std::string::npos ? "" : source.substr(bar + tag.size());
}

}  // namespace

const FactorInfo* SchemeInfo::factor_by_file(const std::string& filename) const {
    for (const auto& f : factors)
        if (fs::path(f.path).filename() == filename) return &f;
    return nullptr;
}

const FactorInfo* SchemeInfo::factor_by_layer(const std::string& layer) const {
    for (const auto& f : factors)
        if (f.layer == layer) return &f;
    return nullptr;
}

SchemeInfo read_scheme(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read scheme " + path);
    const fs::path base = fs::path(path).parent_path();
    SchemeInfo s;
    s.file = path;
    std::string table;
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        const std::string where = path + ":" + std::to_string(lineno);
        const std::string t = trim(line);
        if (t.empty() || t[0] == '#') continue;
        if (t.rfind("[[", 0) == 0) {
            table = trim(t.substr(2, t.find("]]") - 2));
            if (table != "factor") throw std::runtime_error(where + ": unexpected array of tables " + table);
            s.factors.emplace_back();
            continue;
        }
        if (t[0] == '[') {
            table = trim(t.substr(1, t.find(']') - 1));
            continue;
        }
        const auto eq = t.find('=');
        if (eq == std::string::npos) throw std::runtime_error(where + ": expected key = value");
        std::string key = trim(t.substr(0, eq));
        if (key.size() >= 2 && (key[0] == '"' || key[0] == '\'')) key = key.substr(1, key.size() - 2);
        const std::string value = parse_value(trim(t.substr(eq + 1)), where);
        if (table == "scheme") {
            if (key == "province") s.province = value;
        } else if (table == "boundary") {
            if (key == "source") s.boundary_source = resolve(value, base);
            else if (key == "code_field") s.code_field = value;
            else if (key == "name_field") s.name_field = value;
            else if (key == "city_field") s.city_field = value;
        } else if (table == "build") {
            if (key == "sliver_area_m2") s.sliver_area_m2 = std::stod(value);
            else if (key == "grid") s.grid = std::stod(value);
        } else if (table == "factor") {
            FactorInfo& f = s.factors.back();
            if (key == "id") f.id = value;
            else if (key == "label") f.label = value;
            else if (key == "source") f.source = resolve(value, base);
            else if (key == "where") f.where = value;
            else if (key == "name_field") f.name_field = value;
            else if (key == "encoding") f.encoding = value;
            else if (key == "group") f.group = value;
            else if (key == "category") f.category = std::stoi(value);
        }
    }
    split_source(s.boundary_source, s.boundary_path, s.boundary_layer);
    for (auto& f : s.factors) {
        split_source(f.source, f.path, f.layer);
        if (f.label.empty()) f.label = f.id;
    }
    return s;
}

// ---------------------------------------------------------------- GDAL/OGR

void gdal_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        GDALAllRegister();
        CPLSetErrorHandler(CPLQuietErrorHandler);  // failures are reported by the tests themselves
    });
}

DatasetPtr open_vector(const std::string& path, const std::vector<std::string>& open_options, bool update) {
    gdal_init();
    CPLStringList opts;
    for (const auto& o : open_options) opts.AddString(o.c_str());
    return DatasetPtr(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | (update ? GDAL_OF_UPDATE : GDAL_OF_READONLY),
                                        nullptr, opts.List(), nullptr));
}

const std::string& Feature::operator[](const std::string& field) const {
    auto it = text.find(field);
    if (it == text.end()) throw std::out_of_range("no field " + field);
    return it->second;
}

namespace {

OGRLayer* pick_layer(GDALDataset& ds, const std::string& name, const std::string& source) {
    OGRLayer* layer = nullptr;
    if (!name.empty()) layer = ds.GetLayerByName(name.c_str());
    else if (ds.GetLayerCount() == 1) layer = ds.GetLayer(0);
    else layer = ds.GetLayerByName("units");
    if (!layer) throw std::runtime_error("no layer '" + name + "' in " + source);
    return layer;
}

const OGRSpatialReference& cgcs2000() {
    static OGRSpatialReference* srs = [] {
        auto* s = new OGRSpatialReference();
        s->importFromEPSG(4490);
        s->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        return s;
    }();
    return *srs;
}

}  // namespace

LayerData read_layer(const std::string& source, bool to_cgcs2000, const std::vector<std::string>& open_options) {
    std::string path, layer_name;
    split_source(source, path, layer_name);
    DatasetPtr ds = open_vector(path, open_options);
    if (!ds) throw std::runtime_error("cannot open " + path + ": " + CPLGetLastErrorMsg());
    OGRLayer* layer = pick_layer(*ds, layer_name, source);
    LayerData out;
    out.layer_name = layer->GetName();
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (int i = 0; i < defn->GetFieldCount(); ++i) out.fields.push_back(defn->GetFieldDefn(i)->GetNameRef());
    std::unique_ptr<OGRCoordinateTransformation> ct;
    if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
        out.srs.reset(srs->Clone());
        out.srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        if (to_cgcs2000 && !out.srs->IsSame(&cgcs2000())) {
            ct.reset(OGRCreateCoordinateTransformation(out.srs.get(), &cgcs2000()));
            if (!ct) throw std::runtime_error("cannot transform " + source + " to EPSG:4490");
        }
    }
    layer->ResetReading();
    for (auto& f : *layer) {
        Feature rec;
        rec.fid = f->GetFID();
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            const std::string name = defn->GetFieldDefn(i)->GetNameRef();
            rec.is_null[name] = !f->IsFieldSetAndNotNull(i);
            rec.text[name] = f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "";
        }
        if (OGRGeometry* g = f->StealGeometry()) {
            rec.geom.reset(g);
            if (ct && rec.geom->transform(ct.get()) != OGRERR_NONE)
                throw std::runtime_error("cannot transform feature " + std::to_string(rec.fid) + " of " + source);
            rec.geom->assignSpatialReference(nullptr);
        }
        out.features.push_back(std::move(rec));
    }
    return out;
}

void copy_layer(const std::string& source, const std::string& dest, const std::string& driver_name,
                const std::string& layer_name, const std::function<bool(OGRFeature&)>& edit,
                const std::vector<std::string>& layer_options, const OGRSpatialReference* srs_override,
                bool no_srs) {
    std::string path, src_layer;
    split_source(source, path, src_layer);
    DatasetPtr in = open_vector(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    OGRLayer* layer = pick_layer(*in, src_layer, source);

    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
    if (!driver) throw std::runtime_error("no GDAL driver " + driver_name);
    DatasetPtr out;
    if (fs::exists(dest) && driver_name == "GPKG") out = open_vector(dest, {}, true);
    else out.reset(driver->Create(dest.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!out) throw std::runtime_error("cannot create " + dest + ": " + CPLGetLastErrorMsg());
    CPLStringList lco;
    for (const auto& o : layer_options) lco.AddString(o.c_str());
    const OGRSpatialReference* srs = no_srs ? nullptr : srs_override ? srs_override : layer->GetSpatialRef();
    OGRLayer* dst = out->CreateLayer(layer_name.c_str(), const_cast<OGRSpatialReference*>(srs),
                                     layer->GetGeomType(), lco.List());
    if (!dst) throw std::runtime_error("cannot create layer " + layer_name + " in " + dest);
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (int i = 0; i < defn->GetFieldCount(); ++i) dst->CreateField(defn->GetFieldDefn(i));
    out->StartTransaction();
    layer->ResetReading();
    for (auto& f : *layer) {
        OGRFeature copy(dst->GetLayerDefn());
        copy.SetFrom(f.get());
        copy.SetFID(OGRNullFID);
        if (edit && !edit(copy)) continue;
        if (dst->CreateFeature(&copy) != OGRERR_NONE)
            throw std::runtime_error("cannot write a feature to " + dest + ": " + CPLGetLastErrorMsg());
    }
    out->CommitTransaction();
}

// ---------------------------------------------------------------- Gauss-Krüger

int gk_epsg_for_lon(double lon) {
    const int cm = 3 * static_cast<int>(std::lround(lon / 3.0));
    return 4534 + (cm - 75) / 3;
}

int gk_epsg_of(const OGRGeometry& lonlat) {
    OGRPoint c;
    if (lonlat.Centroid(&c) != OGRERR_NONE) throw std::runtime_error("no centroid");
    return gk_epsg_for_lon(c.getX());
}

namespace {

OGRCoordinateTransformation* gk_transform(int epsg) {
    static std::map<int, std::unique_ptr<OGRCoordinateTransformation>> cache;
    auto it = cache.find(epsg);
    if (it != cache.end()) return it->second.get();
    OGRSpatialReference gk;
    if (gk.importFromEPSG(epsg) != OGRERR_NONE) throw std::runtime_error("unknown EPSG " + std::to_string(epsg));
    gk.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&cgcs2000(), &gk));
    if (!ct) throw std::runtime_error("cannot transform to EPSG " + std::to_string(epsg));
    return cache.emplace(epsg, std::move(ct)).first->second.get();
}

}  // namespace

std::unique_ptr<OGRGeometry> to_gk(const OGRGeometry& lonlat, int epsg) {
    std::unique_ptr<OGRGeometry> g(lonlat.clone());
    g->assignSpatialReference(nullptr);
    if (g->transform(gk_transform(epsg)) != OGRERR_NONE) throw std::runtime_error("GK transform failed");
    return g;
}

double gk_area(const OGRGeometry& lonlat, int epsg, double densify_deg) {
    std::unique_ptr<OGRGeometry> dense;
    const OGRGeometry* src = &lonlat;
    if (densify_deg > 0) {
        dense.reset(lonlat.clone());
        dense->segmentize(densify_deg);
        src = dense.get();
    }
    auto g = to_gk(*src, epsg);
    return OGR_G_Area(OGRGeometry::ToHandle(g.get()));
}

// ---------------------------------------------------------------- GEOS

namespace {
void geos_message(const char* fmt, ...) {}
}  // namespace

GEOSContextHandle_t geos() {
    static GEOSContextHandle_t ctx = [] {
        GEOSContextHandle_t h = GEOS_init_r();
        GEOSContext_setNoticeHandler_r(h, geos_message);
        GEOSContext_setErrorHandler_r(h, geos_message);
        return h;
    }();
    return ctx;
}

namespace {
GeosPtr own(GEOSGeometry* g, const char* what) {
    if (!g) throw std::runtime_error(std::string("GEOS ") + what + " failed");
    return GeosPtr(g);
}
}  // namespace

std::vector<unsigned char> wkb(const OGRGeometry& g) {
    std::vector<unsigned char> out(g.WkbSize());
    g.exportToWkb(wkbNDR, out.data(), wkbVariantIso);
    return out;
}

GeosPtr to_geos(const OGRGeometry& g) {
    const auto bytes = wkb(g);
    GEOSWKBReader* r = GEOSWKBReader_create_r(geos());
    GEOSGeometry* out = GEOSWKBReader_read_r(geos(), r, bytes.data(), bytes.size());
    GEOSWKBReader_destroy_r(geos(), r);
    return own(out, "WKB read");
}

std::unique_ptr<OGRGeometry> to_ogr(const GEOSGeometry* g) {
    GEOSWKBWriter* w = GEOSWKBWriter_create_r(geos());
    GEOSWKBWriter_setByteOrder_r(geos(), w, GEOS_WKB_NDR);
    std::size_t size = 0;
    unsigned char* bytes = GEOSWKBWriter_write_r(geos(), w, g, &size);
    GEOSWKBWriter_destroy_r(geos(), w);
    if (!bytes) throw std::runtime_error("GEOS WKB write failed");
    OGRGeometry* out = nullptr;
    const OGRErr err = OGRGeometryFactory::createFromWkb(bytes, nullptr, &out, size);
    GEOSFree_r(geos(), bytes);
    if (err != OGRERR_NONE) throw std::runtime_error("OGR cannot read GEOS WKB");
    return std::unique_ptr<OGRGeometry>(out);
}

GeosPtr geos_clone(const GEOSGeometry* g) { return own(GEOSGeom_clone_r(geos(), g), "clone"); }

GeosPtr make_valid(const GEOSGeometry* g) {
    if (GEOSisValid_r(geos(), g) == 1) return geos_clone(g);
    return own(GEOSMakeValid_r(geos(), g), "MakeValid");
}

GeosPtr union_all(const std::vector<const GEOSGeometry*>& parts) {
    if (parts.empty()) return own(GEOSGeom_createEmptyCollection_r(geos(), GEOS_MULTIPOLYGON), "empty");
    std::vector<GEOSGeometry*> clones;
    for (const GEOSGeometry* p : parts) clones.push_back(GEOSGeom_clone_r(geos(), p));
    GeosPtr coll = own(GEOSGeom_createCollection_r(geos(), GEOS_GEOMETRYCOLLECTION, clones.data(),
                                                   static_cast<unsigned>(clones.size())),
                       "collection");
    return own(GEOSUnaryUnion_r(geos(), coll.get()), "union");
}

GeosPtr intersection(const GEOSGeometry* a, const GEOSGeometry* b) {
    return own(GEOSIntersection_r(geos(), a, b), "intersection");
}

GeosPtr difference(const GEOSGeometry* a, const GEOSGeometry* b) {
    return own(GEOSDifference_r(geos(), a, b), "difference");
}

GeosPtr polygonal(const GEOSGeometry* g) {
    std::vector<GEOSGeometry*> polys;
    std::function<void(const GEOSGeometry*)> collect = [&](const GEOSGeometry* x) {
        const int type = GEOSGeomTypeId_r(geos(), x);
        if (type == GEOS_POLYGON) {
            if (!GEOSisEmpty_r(geos(), x)) polys.push_back(GEOSGeom_clone_r(geos(), x));
        } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            for (int i = 0; i < GEOSGetNumGeometries_r(geos(), x); ++i) collect(GEOSGetGeometryN_r(geos(), x, i));
        }
    };
    collect(g);
    return own(GEOSGeom_createCollection_r(geos(), GEOS_MULTIPOLYGON, polys.data(),
                                           static_cast<unsigned>(polys.size())),
               "multipolygon");
}

double gk_area(const GEOSGeometry* lonlat, int epsg, double densify_deg) {
    GeosPtr p = polygonal(lonlat);
    if (GEOSisEmpty_r(geos(), p.get())) return 0.0;
    return gk_area(*to_ogr(p.get()), epsg, densify_deg);
}

void envelope(const GEOSGeometry* g, double& minx, double& miny, double& maxx, double& maxy) {
    GEOSGeom_getExtent_r(geos(), g, &minx, &miny, &maxx, &maxy);
}

std::string wkt(const GEOSGeometry* g, int precision) {
    GEOSWKTWriter* w = GEOSWKTWriter_create_r(geos());
    GEOSWKTWriter_setRoundingPrecision_r(geos(), w, precision);
    GEOSWKTWriter_setTrim_r(geos(), w, 1);
    char* text = GEOSWKTWriter_write_r(geos(), w, g);
    GEOSWKTWriter_destroy_r(geos(), w);
    std::string out = text ? text : "";
    if (text) GEOSFree_r(geos(), text);
    return out;
}

// ---------------------------------------------------------------- zone-check

std::string zone_check_exe() { return ZONE_CHECK_EXE; }

RunResult run_zone_check(const std::vector<std::string>& args, double timeout_s) {
    std::vector<std::string> argv{zone_check_exe()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_with_timeout(argv, timeout_s);
}

const std::vector<std::string>& contract_rule_ids() {
    static const std::vector<std::string> ids = {
        "crs.missing",        "crs.unexpected",       "schema.missing_field",  "schema.field_type",
        "schema.encoding",    "geometry.invalid",     "geometry.empty",        "geometry.type",
        "code.format",        "code.duplicate",       "code.category_mismatch", "code.county_mismatch",
        "coverage.overlap",   "coverage.gap",         "coverage.outside",      "unit.crosses_county",
        "unit.sliver",        "redline.not_priority",
        // zonekit's own, documented in man/zone-check.1 (new rules get new ids)
        "map.empty", "planning.category_mismatch"};
    return ids;
}

std::string CheckFindingJson::describe() const {
    std::ostringstream s;
    s << rule << " " << severity << " fid " << (fid ? std::to_string(*fid) : "null") << " fid2 "
      << (fid2 ? std::to_string(*fid2) : "null") << " code '" << code << "'";
    if (area_m2) s << " area " << std::fixed << std::setprecision(3) << *area_m2 << " m²" << std::defaultfloat;
    if (location) s << " at " << std::setprecision(10) << (*location)[0] << " " << (*location)[1];
    s << ": " << message;
    return s.str();
}

std::vector<const CheckFindingJson*> CheckJson::with_rule(const std::string& rule) const {
    std::vector<const CheckFindingJson*> out;
    for (const auto& f : findings)
        if (f.rule == rule) out.push_back(&f);
    return out;
}

std::vector<const CheckFindingJson*> CheckJson::errors_list() const {
    std::vector<const CheckFindingJson*> out;
    for (const auto& f : findings)
        if (f.severity == "error") out.push_back(&f);
    return out;
}

std::string CheckJson::describe(std::size_t max) const {
    std::ostringstream s;
    s << "report: " << features << " features, " << errors << " errors, " << warnings << " warnings, "
      << findings.size() << " findings\n";
    for (std::size_t i = 0; i < findings.size() && i < max; ++i) s << "  " << findings[i].describe() << "\n";
    if (findings.size() > max) s << "  … " << findings.size() - max << " more\n";
    return s.str();
}

namespace {

bool json_is_number(const CPLJSONObject& o) {
    const auto t = o.GetType();
    return t == CPLJSONObject::Type::Integer || t == CPLJSONObject::Type::Long || t == CPLJSONObject::Type::Double;
}

bool json_is_integer(const CPLJSONObject& o) {
    const auto t = o.GetType();
    return t == CPLJSONObject::Type::Integer || t == CPLJSONObject::Type::Long;
}

}  // namespace

CheckJson parse_check_json(const std::string& text) {
    CheckJson r;
    CPLJSONDocument doc;
    gdal_init();
    if (text.empty() || !doc.LoadMemory(text)) {
        r.parse_error = "not JSON (" + std::to_string(text.size()) + " bytes, starting '" + text.substr(0, 80) + "')";
        return r;
    }
    const CPLJSONObject root = doc.GetRoot();
    if (root.GetType() != CPLJSONObject::Type::Object) {
        r.parse_error = "the JSON is not an object";
        return r;
    }
    auto bad = [&](const std::string& what) { r.violations.push_back(what); };
    auto str = [&](const CPLJSONObject& o, const std::string& key, std::string& out, bool nullable) {
        const CPLJSONObject v = o.GetObj(key);
        if (v.GetType() == CPLJSONObject::Type::String) out = v.ToString();
        else if (!(nullable && v.GetType() == CPLJSONObject::Type::Null)) bad("\"" + key + "\" is not a string");
    };
    str(root, "tool", r.tool, false);
    str(root, "version", r.version, false);
    str(root, "input", r.input, false);
    str(root, "layer", r.layer, false);
    str(root, "area_method", r.area_method, false);
    const CPLJSONObject ok = root.GetObj("ok");
    if (ok.GetType() == CPLJSONObject::Type::Boolean) r.ok = ok.ToBool();
    else bad("\"ok\" is not a boolean");
    const CPLJSONObject summary = root.GetObj("summary");
    if (summary.GetType() != CPLJSONObject::Type::Object) {
        bad("no \"summary\" object");
    } else {
        for (const char* key : {"features", "errors", "warnings"}) {
            const CPLJSONObject v = summary.GetObj(key);
            if (!json_is_integer(v)) {
                bad(std::string("summary.") + key + " is not an integer");
                continue;
            }
            const std::int64_t n = v.ToLong();
            if (std::string(key) == "features") r.features = n;
            else if (std::string(key) == "errors") r.errors = n;
            else r.warnings = n;
        }
    }
    const CPLJSONObject tol = root.GetObj("tolerances");
    r.has_tolerances = tol.GetType() == CPLJSONObject::Type::Object;
    if (!r.has_tolerances) bad("no \"tolerances\" object");
    const CPLJSONObject findings = root.GetObj("findings");
    if (findings.GetType() != CPLJSONObject::Type::Array) {
        bad("no \"findings\" array");
        return r;
    }
    const CPLJSONArray arr = findings.ToArray();
    const auto& ids = contract_rule_ids();
    for (int i = 0; i < arr.Size(); ++i) {
        const CPLJSONObject f = arr[i];
        const std::string where = "findings[" + std::to_string(i) + "]";
        if (f.GetType() != CPLJSONObject::Type::Object) {
            bad(where + " is not an object");
            continue;
        }
        CheckFindingJson c;
        str(f, "rule", c.rule, false);
        str(f, "severity", c.severity, false);
        str(f, "code", c.code, true);
        str(f, "message", c.message, false);
        str(f, "layer", c.layer, true);
        if (std::find(ids.begin(), ids.end(), c.rule) == ids.end()) bad(where + ": rule '" + c.rule + "' is no contract id");
        if (c.severity != "error" && c.severity != "warning") bad(where + ": severity '" + c.severity + "'");
        for (const char* key : {"fid", "fid2"}) {
            const CPLJSONObject v = f.GetObj(key);
            if (json_is_integer(v)) (std::string(key) == "fid" ? c.fid : c.fid2) = v.ToLong();
            else if (v.GetType() != CPLJSONObject::Type::Null) bad(where + ": " + key + " is neither an integer nor null");
        }
        const CPLJSONObject area = f.GetObj("area_m2");
        if (json_is_number(area)) c.area_m2 = area.ToDouble();
        else if (area.GetType() != CPLJSONObject::Type::Null) bad(where + ": area_m2 is neither a number nor null");
        const CPLJSONObject loc = f.GetObj("location");
        if (loc.GetType() == CPLJSONObject::Type::Array) {
            const CPLJSONArray xy = loc.ToArray();
            if (xy.Size() == 2 && json_is_number(xy[0]) && json_is_number(xy[1]))
                c.location = std::array<double, 2>{xy[0].ToDouble(), xy[1].ToDouble()};
            else
                bad(where + ": location is not [lon, lat]");
        } else if (loc.GetType() != CPLJSONObject::Type::Null) {
            bad(where + ": location is neither an array nor null");
        }
        r.findings.push_back(std::move(c));
    }
    std::int64_t e = 0, w = 0;
    for (const auto& f : r.findings) (f.severity == "error" ? e : w) += 1;
    if (r.errors >= 0 && r.errors != e)
        bad("summary.errors is " + std::to_string(r.errors) + ", the findings hold " + std::to_string(e) + " errors");
    if (r.warnings >= 0 && r.warnings != w)
        bad("summary.warnings is " + std::to_string(r.warnings) + ", the findings hold " + std::to_string(w) +
            " warnings");
    return r;
}

// ---------------------------------------------------------------- editable layers

Row::Row(const Row& o) : fid(o.fid), values(o.values), geom(o.geom ? o.geom->clone() : nullptr) {}

Row& Row::operator=(const Row& o) {
    if (this != &o) {
        fid = o.fid;
        values = o.values;
        geom.reset(o.geom ? o.geom->clone() : nullptr);
    }
    return *this;
}

Table::Table(const Table& o)
    : name(o.name), geom_type(o.geom_type), srs(o.srs ? o.srs->Clone() : nullptr), fields(o.fields), rows(o.rows) {}

Table& Table::operator=(const Table& o) {
    if (this != &o) {
        name = o.name;
        geom_type = o.geom_type;
        srs.reset(o.srs ? o.srs->Clone() : nullptr);
        fields = o.fields;
        rows = o.rows;
    }
    return *this;
}

int Table::field(const std::string& n) const {
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (fields[i].name == n) return static_cast<int>(i);
    return -1;
}

std::string Table::get(const Row& r, const std::string& n) const {
    const int i = field(n);
    if (i < 0) throw std::out_of_range("no field " + n);
    return r.values[i] ? *r.values[i] : std::string();
}

void Table::set(Row& r, const std::string& n, const std::string& value) const {
    const int i = field(n);
    if (i < 0) throw std::out_of_range("no field " + n);
    r.values[i] = value;
}

void Table::drop_field(const std::string& n) {
    const int i = field(n);
    if (i < 0) throw std::out_of_range("no field " + n);
    fields.erase(fields.begin() + i);
    for (auto& r : rows) r.values.erase(r.values.begin() + i);
}

Table read_table(const std::string& source, const std::vector<std::string>& open_options) {
    std::string path, layer_name;
    split_source(source, path, layer_name);
    DatasetPtr ds = open_vector(path, open_options);
    if (!ds) throw std::runtime_error("cannot open " + path + ": " + CPLGetLastErrorMsg());
    OGRLayer* layer = pick_layer(*ds, layer_name, source);
    Table t;
    t.name = layer->GetName();
    t.geom_type = layer->GetGeomType();
    if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
        t.srs.reset(srs->Clone());
        t.srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    }
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
        const OGRFieldDefn* fd = defn->GetFieldDefn(i);
        t.fields.push_back({fd->GetNameRef(), fd->GetType(), fd->GetWidth(), fd->GetPrecision()});
    }
    layer->ResetReading();
    for (auto& f : *layer) {
        Row r;
        r.fid = f->GetFID();
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            if (f->IsFieldSetAndNotNull(i)) r.values.emplace_back(std::string(f->GetFieldAsString(i)));
            else r.values.emplace_back(std::nullopt);
        }
        if (OGRGeometry* g = f->StealGeometry()) {
            g->assignSpatialReference(nullptr);
            r.geom.reset(g);
        }
        t.rows.push_back(std::move(r));
    }
    return t;
}

std::vector<std::int64_t> write_table(const Table& t, const std::string& dest, const std::string& driver_name,
                                      const std::vector<std::string>& layer_options, bool no_srs, bool keep_fids) {
    gdal_init();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name.c_str());
    if (!driver) throw std::runtime_error("no GDAL driver " + driver_name);
    DatasetPtr out;
    if (fs::exists(dest) && driver_name == "GPKG") out = open_vector(dest, {}, true);
    else out.reset(driver->Create(dest.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!out) throw std::runtime_error("cannot create " + dest + ": " + CPLGetLastErrorMsg());
    CPLStringList lco;
    for (const auto& o : layer_options) lco.AddString(o.c_str());
    OGRLayer* dst = out->CreateLayer(t.name.c_str(), no_srs ? nullptr : t.srs.get(), t.geom_type, lco.List());
    if (!dst) throw std::runtime_error("cannot create layer " + t.name + " in " + dest + ": " + CPLGetLastErrorMsg());
    for (const auto& fs_ : t.fields) {
        OGRFieldDefn fd(fs_.name.c_str(), fs_.type);
        fd.SetWidth(fs_.width);
        fd.SetPrecision(fs_.precision);
        if (dst->CreateField(&fd) != OGRERR_NONE)
            throw std::runtime_error("cannot create field " + fs_.name + " in " + dest + ": " + CPLGetLastErrorMsg());
    }
    std::vector<std::int64_t> fids;
    const bool transactions = out->StartTransaction() == OGRERR_NONE;
    OGRFeatureDefn* defn = dst->GetLayerDefn();
    for (const auto& r : t.rows) {
        OGRFeature f(defn);
        for (std::size_t i = 0; i < t.fields.size() && i < r.values.size(); ++i) {
            if (r.values[i]) f.SetField(static_cast<int>(i), r.values[i]->c_str());
            else f.SetFieldNull(static_cast<int>(i));
        }
        if (r.geom) f.SetGeometry(r.geom.get());
        if (keep_fids) f.SetFID(r.fid);
        if (dst->CreateFeature(&f) != OGRERR_NONE)
            throw std::runtime_error("cannot write a feature to " + dest + ": " + CPLGetLastErrorMsg());
        fids.push_back(f.GetFID());
    }
    if (transactions) out->CommitTransaction();
    return fids;
}

// ---------------------------------------------------------------- geometry helpers

namespace {

void shift_points(OGRGeometry* g, double dx, double dy) {
    const OGRwkbGeometryType type = wkbFlatten(g->getGeometryType());
    if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
        auto* c = g->toGeometryCollection();
        for (int i = 0; i < c->getNumGeometries(); ++i) shift_points(c->getGeometryRef(i), dx, dy);
    } else if (OGR_GT_IsSubClassOf(type, wkbCurvePolygon)) {
        auto* p = g->toCurvePolygon();
        for (int i = 0; i < p->getNumInteriorRings() + 1; ++i)
            shift_points(i == 0 ? p->getExteriorRingCurve() : p->getInteriorRingCurve(i - 1), dx, dy);
    } else if (type == wkbPoint) {
        auto* pt = g->toPoint();
        pt->setX(pt->getX() + dx);
        pt->setY(pt->getY() + dy);
    } else if (OGR_GT_IsSubClassOf(type, wkbLineString) || type == wkbCircularString) {
        auto* ls = g->toSimpleCurve();
        for (int i = 0; i < ls->getNumPoints(); ++i) {
            OGRPoint pt;
            ls->getPoint(i, &pt);
            pt.setX(pt.getX() + dx);
            pt.setY(pt.getY() + dy);
            ls->setPoint(i, &pt);
        }
    } else {
        throw std::runtime_error(std::string("cannot translate a ") + g->getGeometryName());
    }
}

}  // namespace

std::unique_ptr<OGRGeometry> translated(const OGRGeometry& g, double dx, double dy) {
    std::unique_ptr<OGRGeometry> out(g.clone());
    shift_points(out.get(), dx, dy);
    return out;
}

std::unique_ptr<OGRGeometry> lonlat_box(double minx, double miny, double maxx, double maxy) {
    auto ring = std::make_unique<OGRLinearRing>();
    ring->addPoint(minx, miny);
    ring->addPoint(maxx, miny);
    ring->addPoint(maxx, maxy);
    ring->addPoint(minx, maxy);
    ring->addPoint(minx, miny);
    auto poly = std::make_unique<OGRPolygon>();
    poly->addRingDirectly(ring.release());
    return poly;
}

double metres_between(double lon1, double lat1, double lon2, double lat2) {
    constexpr double r = 6371008.8, rad = M_PI / 180;
    const double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    const double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
                     std::cos(lat1 * rad) * std::cos(lat2 * rad) * std::sin(dlon / 2) * std::sin(dlon / 2);
    return 2 * r * std::asin(std::min(1.0, std::sqrt(a)));
}

double metres_to_dlon(double metres, double lat) { return metres / (111319.49 * std::cos(lat * M_PI / 180)); }
double metres_to_dlat(double metres) { return metres / 110946.0; }

GeosPtr point_on_surface(const GEOSGeometry* g, double* lon, double* lat) {
    GeosPtr p = own(GEOSPointOnSurface_r(geos(), g), "PointOnSurface");
    if (lon) GEOSGeomGetX_r(geos(), p.get(), lon);
    if (lat) GEOSGeomGetY_r(geos(), p.get(), lat);
    return p;
}

bool geos_within(const GEOSGeometry* a, const GEOSGeometry* b) { return GEOSWithin_r(geos(), a, b) == 1; }
bool geos_intersects(const GEOSGeometry* a, const GEOSGeometry* b) { return GEOSIntersects_r(geos(), a, b) == 1; }

double degrees_from(const GEOSGeometry* g, double lon, double lat) {
    GEOSCoordSequence* seq = GEOSCoordSeq_create_r(geos(), 1, 2);
    GEOSCoordSeq_setXY_r(geos(), seq, 0, lon, lat);
    GeosPtr p = own(GEOSGeom_createPoint_r(geos(), seq), "point");
    double d = 0;
    if (GEOSDistance_r(geos(), g, p.get(), &d) != 1) throw std::runtime_error("GEOS distance failed");
    return d;
}

// ---------------------------------------------------------------- Shandong subsets (zone-check)

std::string shandong_boundary() {
    return read_scheme(shandong_scheme()).boundary_source;
}

std::string shandong_redline() {
    const SchemeInfo s = read_scheme(shandong_scheme());
    if (const FactorInfo* f = s.factor_by_layer("redline")) return f->source;
    for (const auto& f : s.factors)
        if (f.id == "redline") return f.source;
    throw std::runtime_error("the scheme " + s.file + " has no red-line factor");
}

const CountyGeom* MapSubset::county(const std::string& code) const {
    for (const auto& c : counties)
        if (c.code == code) return &c;
    return nullptr;
}

namespace {

void build_subset(MapSubset& m, const fs::path& dir) {
    const SchemeInfo scheme = read_scheme(shandong_scheme());
    const std::string units_path = shandong_units();
    if (!fs::exists(units_path))
        throw std::runtime_error(units_path + " does not exist: the fixture test build_shandong_map failed or did not run");
    const std::set<std::string> wanted(m.codes.begin(), m.codes.end());

    Table units = read_table(units_path + "|layername=units");
    m.units = units;
    m.units.rows.clear();
    for (auto& r : units.rows)
        if (wanted.count(units.get(r, "XZQDM"))) m.units.rows.push_back(std::move(r));
    if (m.units.rows.empty()) throw std::runtime_error("no units in the counties asked for");

    Table counties = read_table(scheme.boundary_source);
    Table mine = counties;
    mine.name = "counties";
    mine.rows.clear();
    for (auto& r : counties.rows)
        if (wanted.count(counties.get(r, scheme.code_field))) mine.rows.push_back(std::move(r));
    if (mine.rows.size() != wanted.size()) throw std::runtime_error("not every county asked for is in the boundary");
    m.boundary = (dir / "counties.gpkg").string();
    const auto fids = write_table(mine, m.boundary);
    OGREnvelope all;
    for (std::size_t i = 0; i < mine.rows.size(); ++i) {
        CountyGeom c;
        c.fid = fids[i];
        c.code = mine.get(mine.rows[i], scheme.code_field);
        c.name = mine.get(mine.rows[i], scheme.name_field);
        if (!mine.rows[i].geom) throw std::runtime_error("county " + c.code + " has no geometry");
        c.geom.reset(mine.rows[i].geom->clone());
        c.g = to_geos(*c.geom);
        c.epsg = gk_epsg_of(*c.geom);
        OGREnvelope e;
        c.geom->getEnvelope(&e);
        all.Merge(e);
        m.counties.push_back(std::move(c));
    }

    Table red = read_table(shandong_redline());
    m.redline = red;
    m.redline.name = "redline";
    m.redline.rows.clear();
    for (auto& r : red.rows) {
        if (!r.geom) continue;
        OGREnvelope e;
        r.geom->getEnvelope(&e);
        if (!e.Intersects(all)) continue;
        GeosPtr g = to_geos(*r.geom);
        bool touches = false;
        for (const auto& c : m.counties) touches |= geos_intersects(g.get(), c.g.get());
        if (touches) m.redline.rows.push_back(std::move(r));
    }
    const std::string red_path = (dir / "redline.gpkg").string();
    const auto red_fids = write_table(m.redline, red_path);
    for (std::size_t i = 0; i < red_fids.size(); ++i) m.redline.rows[i].fid = red_fids[i];
    m.redline_source = red_path + "|layername=redline";
}

}  // namespace

const MapSubset& shandong_subset(const std::vector<std::string>& county_codes) {
    static std::mutex mutex;
    static std::map<std::vector<std::string>, std::unique_ptr<MapSubset>> cache;
    static std::vector<std::unique_ptr<TempDir>> dirs;
    std::lock_guard<std::mutex> lock(mutex);
    auto& slot = cache[county_codes];
    if (!slot) {
        slot = std::make_unique<MapSubset>();
        slot->codes = county_codes;
        dirs.push_back(std::make_unique<TempDir>("zonecli-subset"));
        try {
            build_subset(*slot, dirs.back()->path());
        } catch (const std::exception& e) {
            slot->error = e.what();
        }
    }
    return *slot;
}

// ---------------------------------------------------------------- text

bool is_valid_utf8(const std::string& s) {
    std::size_t i = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    while (i < s.size()) {
        const unsigned char c = p[i];
        int n = 0;
        unsigned long cp = 0;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
        else return false;
        for (int k = 1; k <= n; ++k) {
            if (i + k >= s.size() || (p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

bool has_cjk(const std::string& s) {
    if (!is_valid_utf8(s)) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    for (std::size_t i = 0; i + 2 < s.size(); ++i) {
        if ((p[i] & 0xF0) == 0xE0) {
            const unsigned long cp = ((p[i] & 0x0F) << 12) | ((p[i + 1] & 0x3F) << 6) | (p[i + 2] & 0x3F);
            if (cp >= 0x4E00 && cp <= 0x9FFF) return true;
        }
    }
    return false;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// ---------------------------------------------------------------- zone-diff, versions, pipelines

std::string zone_diff_exe() { return ZONE_DIFF_EXE; }

RunResult run_zone_diff(const std::vector<std::string>& args, double timeout_s) {
    std::vector<std::string> argv{zone_diff_exe()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_with_timeout(argv, timeout_s);
}

std::string source_dir() { return fs::path(ZONE_TESTDATA).parent_path().string(); }

std::string tools_dir() { return fs::path(zone_build_exe()).parent_path().parent_path().string(); }

const std::vector<std::string>& diff_kinds() {
    static const std::vector<std::string> kinds = {"unchanged", "modified", "recoded", "split",
                                                   "merged",    "added",    "removed", "complex"};
    return kinds;
}

std::string describe(const Matrix& m) {
    std::ostringstream s;
    s << "old\\new " << std::setw(14) << "1" << std::setw(14) << "2" << std::setw(14) << "3" << std::setw(14) << "0"
      << "   (km²)\n";
    for (int a : {1, 2, 3, 0}) {
        s << std::setw(7) << a << " ";
        for (int b : {1, 2, 3, 0}) s << std::setw(14) << std::fixed << std::setprecision(6) << m[a][b];
        s << "\n";
    }
    return s.str();
}

Matrix transposed(const Matrix& m) {
    Matrix t{};
    for (int a = 0; a < 4; ++a)
        for (int b = 0; b < 4; ++b) t[b][a] = m[a][b];
    return t;
}

namespace {

std::string join_codes(const std::vector<std::string>& codes) {
    std::string s = "[";
    for (std::size_t i = 0; i < codes.size(); ++i) s += (i ? " " : "") + codes[i];
    return s + "]";
}

std::string opt_num(const std::optional<double>& v) {
    if (!v) return "null";
    std::ostringstream s;
    s << std::setprecision(12) << *v;
    return s.str();
}

}  // namespace

std::string DiffChangeJson::describe() const {
    std::ostringstream s;
    s << kind << " " << join_codes(old_codes) << " -> " << join_codes(new_codes) << " area " << std::fixed
      << std::setprecision(3) << area_m2 << " m²";
    return s.str();
}

std::string DiffViolationJson::describe() const {
    std::ostringstream s;
    s << rule << " county " << (county ? *county : "null") << " category "
      << (category ? std::to_string(*category) : "null") << " old_km2 " << opt_num(old_km2) << " new_km2 "
      << opt_num(new_km2) << " area_m2 " << opt_num(area_m2) << " codes " << join_codes(codes) << ": " << message;
    return s.str();
}

std::vector<const DiffChangeJson*> DiffJson::with_kind(const std::string& kind) const {
    std::vector<const DiffChangeJson*> out;
    for (const auto& c : changes)
        if (c.kind == kind) out.push_back(&c);
    return out;
}

std::vector<const DiffChangeJson*> DiffJson::changed() const {
    std::vector<const DiffChangeJson*> out;
    for (const auto& c : changes)
        if (c.kind != "unchanged") out.push_back(&c);
    return out;
}

const DiffChangeJson* DiffJson::involving(const std::string& code) const {
    for (const auto& c : changes)
        if (std::find(c.old_codes.begin(), c.old_codes.end(), code) != c.old_codes.end() ||
            std::find(c.new_codes.begin(), c.new_codes.end(), code) != c.new_codes.end())
            return &c;
    return nullptr;
}

std::vector<const DiffViolationJson*> DiffJson::with_rule(const std::string& rule) const {
    std::vector<const DiffViolationJson*> out;
    for (const auto& v : violations)
        if (v.rule == rule) out.push_back(&v);
    return out;
}

std::string DiffJson::describe(std::size_t max) const {
    std::ostringstream s;
    s << "report: " << changes.size() << " changes;";
    for (const auto& k : diff_kinds()) s << " " << k << " " << (summary.count(k) ? summary.at(k) : -1);
    s << "\n";
    std::size_t n = 0;
    for (const auto* c : changed()) {
        if (n++ == max) {
            s << "  …\n";
            break;
        }
        s << "  " << c->describe() << "\n";
    }
    s << zt::describe(transitions);
    for (const auto& v : violations) s << "  violation: " << v.describe() << "\n";
    return s.str();
}

DiffJson parse_diff_json(const std::string& text) {
    DiffJson r;
    for (auto& row : r.transitions) row.fill(std::nan(""));
    CPLJSONDocument doc;
    gdal_init();
    if (text.empty() || !doc.LoadMemory(text)) {
        r.parse_error = "not JSON (" + std::to_string(text.size()) + " bytes, starting '" + text.substr(0, 80) + "')";
        return r;
    }
    const CPLJSONObject root = doc.GetRoot();
    if (root.GetType() != CPLJSONObject::Type::Object) {
        r.parse_error = "the JSON is not an object";
        return r;
    }
    auto bad = [&](const std::string& what) { r.shape.push_back(what); };
    auto str = [&](const CPLJSONObject& o, const std::string& key, std::string& out, const std::string& where) {
        const CPLJSONObject v = o.GetObj(key);
        if (v.GetType() == CPLJSONObject::Type::String) out = v.ToString();
        else bad(where + "\"" + key + "\" is not a string");
    };
    auto codes = [&](const CPLJSONObject& o, const std::string& key, std::vector<std::string>& out,
                     const std::string& where) {
        const CPLJSONObject v = o.GetObj(key);
        if (v.GetType() != CPLJSONObject::Type::Array) {
            bad(where + key + " is not an array");
            return;
        }
        const CPLJSONArray a = v.ToArray();
        for (int i = 0; i < a.Size(); ++i) {
            if (a[i].GetType() == CPLJSONObject::Type::String) out.push_back(a[i].ToString());
            else bad(where + key + "[" + std::to_string(i) + "] is not a string");
        }
    };
    str(root, "tool", r.tool, "");
    str(root, "version", r.version, "");
    str(root, "old", r.old_input, "");
    str(root, "new", r.new_input, "");
    str(root, "area_method", r.area_method, "");

    const CPLJSONObject changes = root.GetObj("changes");
    if (changes.GetType() != CPLJSONObject::Type::Array) {
        bad("no \"changes\" array");
    } else {
        const CPLJSONArray arr = changes.ToArray();
        for (int i = 0; i < arr.Size(); ++i) {
            const CPLJSONObject c = arr[i];
            const std::string where = "changes[" + std::to_string(i) + "].";
            if (c.GetType() != CPLJSONObject::Type::Object) {
                bad(where + " is not an object");
                continue;
            }
            DiffChangeJson ch;
            str(c, "kind", ch.kind, where);
            if (std::find(diff_kinds().begin(), diff_kinds().end(), ch.kind) == diff_kinds().end())
                bad(where + "kind '" + ch.kind + "' is not a kind of zonekit(7) DIFF REPORT");
            codes(c, "old", ch.old_codes, where);
            codes(c, "new", ch.new_codes, where);
            const CPLJSONObject area = c.GetObj("area_m2");
            if (json_is_number(area)) ch.area_m2 = area.ToDouble();
            else bad(where + "area_m2 is not a number");
            r.changes.push_back(std::move(ch));
        }
    }

    const CPLJSONObject tr = root.GetObj("transitions_km2");
    if (tr.GetType() != CPLJSONObject::Type::Object) {
        bad("no \"transitions_km2\" object");
    } else {
        for (int a = 0; a < 4; ++a) {
            const CPLJSONObject row = tr.GetObj(std::to_string(a));
            if (row.GetType() != CPLJSONObject::Type::Object) {
                bad("transitions_km2 has no row \"" + std::to_string(a) + "\"");
                continue;
            }
            for (int b = 0; b < 4; ++b) {
                const CPLJSONObject v = row.GetObj(std::to_string(b));
                if (json_is_number(v)) r.transitions[a][b] = v.ToDouble();
                else bad("transitions_km2[\"" + std::to_string(a) + "\"][\"" + std::to_string(b) + "\"] is not a number");
            }
        }
    }

    const CPLJSONObject summary = root.GetObj("summary");
    if (summary.GetType() != CPLJSONObject::Type::Object) {
        bad("no \"summary\" object");
    } else {
        for (const auto& k : diff_kinds()) {
            const CPLJSONObject v = summary.GetObj(k);
            if (json_is_integer(v)) r.summary[k] = v.ToLong();
            else bad("summary." + k + " is not an integer");
        }
        for (const auto& k : diff_kinds())
            if (r.summary.count(k) && r.summary[k] != static_cast<std::int64_t>(r.with_kind(k).size()))
                bad("summary." + k + " is " + std::to_string(r.summary[k]) + ", the changes hold " +
                    std::to_string(r.with_kind(k).size()));
    }

    const CPLJSONObject violations = root.GetObj("violations");
    if (violations.GetType() != CPLJSONObject::Type::Array) {
        bad("no \"violations\" array");
    } else {
        const CPLJSONArray arr = violations.ToArray();
        for (int i = 0; i < arr.Size(); ++i) {
            const CPLJSONObject v = arr[i];
            const std::string where = "violations[" + std::to_string(i) + "].";
            if (v.GetType() != CPLJSONObject::Type::Object) {
                bad(where + " is not an object");
                continue;
            }
            DiffViolationJson d;
            str(v, "rule", d.rule, where);
            if (d.rule != "forbid_decrease" && d.rule != "redline") bad(where + "rule '" + d.rule + "'");
            str(v, "message", d.message, where);
            const CPLJSONObject county = v.GetObj("county");
            if (county.GetType() == CPLJSONObject::Type::String) d.county = county.ToString();
            else if (county.GetType() != CPLJSONObject::Type::Null) bad(where + "county is neither a string nor null");
            const CPLJSONObject cat = v.GetObj("category");
            if (json_is_integer(cat)) d.category = cat.ToInteger();
            else if (cat.GetType() != CPLJSONObject::Type::Null) bad(where + "category is neither an integer nor null");
            for (const char* key : {"old_km2", "new_km2", "area_m2"}) {
                const CPLJSONObject x = v.GetObj(key);
                std::optional<double>& slot = std::string(key) == "old_km2"   ? d.old_km2
                                              : std::string(key) == "new_km2" ? d.new_km2
                                                                              : d.area_m2;
                if (json_is_number(x)) slot = x.ToDouble();
                else if (x.GetType() != CPLJSONObject::Type::Null) bad(where + key + " is neither a number nor null");
            }
            codes(v, "codes", d.codes, where);
            r.violations.push_back(std::move(d));
        }
    }
    return r;
}

// ---------------------------------------------------------------- independent diff computations

std::map<std::string, int> county_zones(const std::string& boundary_source, const std::string& code_field) {
    std::map<std::string, int> zones;
    const LayerData counties = read_layer(boundary_source, true);
    for (const auto& c : counties.features)
        if (c.geom) zones[c[code_field]] = gk_epsg_of(*c.geom);
    return zones;
}

std::vector<UnitGeom> unit_geoms(const Table& t, const std::map<std::string, int>& zones, double densify_deg) {
    std::vector<UnitGeom> out;
    const bool has_county = t.field("XZQDM") >= 0, has_cat = t.field("ZHGKDYFL") >= 0;
    for (const auto& r : t.rows) {
        if (!r.geom) throw std::runtime_error("a unit without geometry in " + t.name);
        UnitGeom u;
        u.code = t.get(r, "HJZHGKDYBM");
        u.county = has_county ? t.get(r, "XZQDM") : u.code.substr(2, 6);
        u.category = has_cat ? std::stoi(t.get(r, "ZHGKDYFL")) : u.code.at(8) - '0';
        u.g = to_geos(*r.geom);
        auto z = zones.find(u.county);
        u.epsg = z != zones.end() ? z->second : gk_epsg_of(*r.geom);
        u.area_m2 = gk_area(*r.geom, u.epsg, densify_deg);
        u.wkb = wkb(*r.geom);
        envelope(u.g.get(), u.minx, u.miny, u.maxx, u.maxy);
        out.push_back(std::move(u));
    }
    return out;
}

std::array<double, 4> category_km2(const std::vector<UnitGeom>& units) {
    std::array<double, 4> km2{};
    for (const auto& u : units) km2.at(u.category) += u.area_m2 / 1e6;
    return km2;
}

Matrix expected_transitions(const std::vector<UnitGeom>& old_units, const std::vector<UnitGeom>& new_units) {
    Matrix m{};
    std::map<std::string, std::vector<std::size_t>> new_by_code;
    for (std::size_t j = 0; j < new_units.size(); ++j) new_by_code[new_units[j].code].push_back(j);
    std::vector<bool> old_same(old_units.size(), false), new_same(new_units.size(), false);
    for (std::size_t i = 0; i < old_units.size(); ++i) {
        auto it = new_by_code.find(old_units[i].code);
        if (it == new_by_code.end()) continue;
        for (std::size_t j : it->second)
            if (!new_same[j] && new_units[j].category == old_units[i].category && new_units[j].wkb == old_units[i].wkb) {
                old_same[i] = new_same[j] = true;
                m[old_units[i].category][old_units[i].category] += old_units[i].area_m2 / 1e6;
                break;
            }
    }
    auto meets = [](const UnitGeom& a, const UnitGeom& b) {
        return a.minx <= b.maxx && b.minx <= a.maxx && a.miny <= b.maxy && b.miny <= a.maxy;
    };
    std::vector<double> new_covered(new_units.size(), 0.0);
    for (std::size_t i = 0; i < old_units.size(); ++i) {
        if (old_same[i]) continue;
        const UnitGeom& o = old_units[i];
        double covered = 0;
        for (std::size_t j = 0; j < new_units.size(); ++j) {
            if (new_same[j] || !meets(o, new_units[j]) || !geos_intersects(o.g.get(), new_units[j].g.get())) continue;
            const double a = gk_area(intersection(o.g.get(), new_units[j].g.get()).get(), o.epsg);
            m[o.category][new_units[j].category] += a / 1e6;
            covered += a;
            // The same land measured in the new unit's zone, for what is left of it.
            new_covered[j] += o.epsg == new_units[j].epsg
                                  ? a
                                  : gk_area(intersection(o.g.get(), new_units[j].g.get()).get(), new_units[j].epsg);
        }
        m[o.category][0] += std::max(0.0, o.area_m2 - covered) / 1e6;
    }
    for (std::size_t j = 0; j < new_units.size(); ++j)
        if (!new_same[j]) m[0][new_units[j].category] += std::max(0.0, new_units[j].area_m2 - new_covered[j]) / 1e6;
    return m;
}

// ---------------------------------------------------------------- scheme variants

namespace {

std::string toml_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// "key = value" with the key `key` (bare), or empty.
std::string toml_key(const std::string& line) {
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == '[') return "";
    const auto eq = t.find('=');
    if (eq == std::string::npos) return "";
    return trim(t.substr(0, eq));
}

}  // namespace

void write_scheme_variant(const std::string& scheme, const std::string& dest, const SchemeEdit& edit) {
    std::ifstream in(scheme);
    if (!in) throw std::runtime_error("cannot read scheme " + scheme);
    const fs::path base = fs::path(scheme).parent_path();
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);

    std::ostringstream out;
    std::string table;
    std::vector<std::string> block;  // the lines of the current [[factor]]
    auto flush_factor = [&] {
        if (block.empty()) return;
        std::string id;
        for (const auto& l : block)
            if (toml_key(l) == "id") id = parse_value(trim(trim(l).substr(trim(l).find('=') + 1)), scheme);
        if (!edit.drop_factors.count(id)) {
            for (const auto& l : block) {
                if (toml_key(l) == "source") {
                    auto it = edit.factor_sources.find(id);
                    const std::string value =
                        it != edit.factor_sources.end()
                            ? it->second
                            : resolve(parse_value(trim(trim(l).substr(trim(l).find('=') + 1)), scheme), base);
                    out << "source = " << toml_string(value) << "\n";
                } else {
                    out << l << "\n";
                }
            }
        }
        block.clear();
    };
    for (const auto& line : lines) {
        const std::string t = trim(line);
        if (!t.empty() && t[0] == '[') {
            flush_factor();
            table = t.rfind("[[", 0) == 0 ? "[[" + trim(t.substr(2, t.find("]]") - 2)) + "]]"
                                          : trim(t.substr(1, t.find(']') - 1));
        }
        if (table == "[[factor]]") {
            block.push_back(line);
            continue;
        }
        if (table == "boundary" && toml_key(line) == "source") {
            const std::string value = !edit.boundary_source.empty()
                                          ? edit.boundary_source
                                          : resolve(parse_value(trim(t.substr(t.find('=') + 1)), scheme), base);
            out << "source = " << toml_string(value) << "\n";
            continue;
        }
        out << line << "\n";
    }
    flush_factor();
    write_file(dest, out.str());
}

std::string layer_metadata(const std::string& source, const std::string& key) {
    std::string path, layer_name;
    split_source(source, path, layer_name);
    DatasetPtr ds = open_vector(path);
    if (!ds) throw std::runtime_error("cannot open " + path);
    OGRLayer* layer = pick_layer(*ds, layer_name, source);
    const char* v = layer->GetMetadataItem(key.c_str());
    return v ? v : "";
}

std::map<std::pair<std::string, int>, int> parse_serial_marks(const std::string& text) {
    std::map<std::pair<std::string, int>, int> marks;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ';')) {
        const auto a = item.find(':'), b = item.rfind(':');
        if (a == std::string::npos || b == a) throw std::runtime_error("not a high-water mark: '" + item + "'");
        marks[{item.substr(0, a), std::stoi(item.substr(a + 1, b - a - 1))}] = std::stoi(item.substr(b + 1));
    }
    return marks;
}

std::vector<std::string> csv_fields(const std::string& line_in) {
    std::string line = line_in;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    std::string cur;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cur += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cur += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    fields.push_back(cur);
    return fields;
}

std::set<std::string> long_options_in(const std::string& help) {
    std::set<std::string> options;
    for (std::size_t at = 0; (at = help.find("--", at)) != std::string::npos;) {
        std::size_t end = at + 2;
        while (end < help.size() && (std::isalnum(static_cast<unsigned char>(help[end])) || help[end] == '-')) ++end;
        if (end > at + 2) options.insert(help.substr(at, end - at));
        at = end;
    }
    return options;
}

bool man_page_documents(const std::string& man, const std::string& option) {
    std::string roff;
    for (char c : option) roff += c == '-' ? std::string("\\-") : std::string(1, c);
    return man.find(roff) != std::string::npos;
}

}  // namespace zt
