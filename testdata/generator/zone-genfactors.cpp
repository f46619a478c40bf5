// zone-genfactors: a deterministic generator of synthetic factor layers for
// Shandong, anchored to the real county boundaries, lakes, rivers, county seats
// and township names.
//
//   zone-genfactors --counties testdata/shandong/counties.gpkg --base testdata/shandong/base
//                   -o OUTDIR [--seed 2024] [--scale 1.0] [--overwrite]
//
// writes OUTDIR/factors.gpkg (nine layers), OUTDIR/reserves.shp (GBK) and
// OUTDIR/planning.gpkg (urban development boundary and farmland, for
// zone-check map --expect).
// The same seed and scale give byte-identical files.
#include "gen.hpp"

#include <CLI/CLI.hpp>
#include <cpl_conv.h>
#include <fmt/format.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <unistd.h>

namespace fs = std::filesystem;
namespace zg = zone::geos;
using namespace gen;

namespace {

constexpr const char* kFixedDate = "2024-01-01T00:00:00.000Z";

struct Failure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// ---------------------------------------------------------------------------
// Input

struct OgrSource {
    GDALDataset* ds = nullptr;
    explicit OgrSource(const std::string& path) {
        ds = static_cast<GDALDataset*>(GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
        if (!ds) throw Failure(fmt::format("{}: cannot open as a vector data source", path));
    }
    ~OgrSource() { GDALClose(ds); }
    OGRLayer* layer(const std::string& path, const char* preferred) const {
        OGRLayer* l = ds->GetLayerByName(preferred);
        if (!l && ds->GetLayerCount() == 1) l = ds->GetLayer(0);
        if (!l) throw Failure(fmt::format("{}: no layer `{}`", path, preferred));
        return l;
    }
};

GeomPtr from_ogr(const Context& ctx, const OGRGeometry* g, const std::string& where) {
    if (!g) throw Failure(where + ": feature without geometry");
    std::vector<unsigned char> wkb(static_cast<std::size_t>(g->WkbSize()));
    g->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
    GEOSWKBReader* r = GEOSWKBReader_create_r(ctx);
    GEOSGeometry* out = GEOSWKBReader_read_r(ctx, r, wkb.data(), wkb.size());
    GEOSWKBReader_destroy_r(ctx, r);
    return zg::own(ctx, out, "WKB read");
}

std::string field(OGRFeature* f, const char* name, const std::string& where) {
    const int i = f->GetFieldIndex(name);
    if (i < 0) throw Failure(fmt::format("{}: no field `{}`", where, name));
    return f->GetFieldAsString(i);
}

void check_geographic(OGRLayer* l, const std::string& path) {
    const OGRSpatialReference* srs = l->GetSpatialRef();
    if (srs && !srs->IsGeographic())
        throw Failure(fmt::format("{}: expected longitude/latitude (EPSG:4490 or 4326)", path));
}

const char* river_class_name(int cls) {
    switch (cls) {
        case 1: return "永久性主要河流";
        case 2: return "其他主要河流";
        case 3: return "其他河流";
        case 4: return "小河流";
        case 8: return "主要运河";
        case 9: return "次要运河";
        default: return "河流";
    }
}

// WDBII lines carry no names; these are the first vertices of the lines of
// base/rivers.geojson that reach Shandong.
struct RiverName {
    double lon, lat;
    const char* name;
};
const RiverName kRiverNames[] = {
    {115.335561, 36.061952, "徒骇河"}, {118.104997, 37.887221, "徒骇河"}, {118.504173, 36.101396, "沭河"},
    {115.302785, 36.431662, "卫运河"}, {115.680552, 36.841382, "卫运河"}, {116.191943, 36.114168, "东平湖出湖河道"},
    {117.880278, 36.147784, "沂河"},   {118.530556, 34.813336, "新沭河"}, {116.007782, 35.964721, "梁济运河"},
    {116.348882, 37.620829, "南运河"}, {117.153887, 34.457496, "中运河"}, {115.678889, 36.843885, "京杭运河"},
    {116.813062, 34.952499, "京杭运河"}, {116.030274, 36.166110, "京杭运河"}, {117.343618, 34.588891, "韩庄运河"},
    {114.513741, 36.601526, "滏阳河"}, {115.616663, 34.533608, "黄河故道"}, {119.160555, 34.680003, "绣针河"},
    {115.271672, 36.474174, "卫河"},   {114.513741, 36.228747, "漳河"},   {118.225834, 34.662226, "沂河"},
};

void load_world(World& w, const std::string& counties_path, const std::string& base) {
    const Context& ctx = w.ctx;
    {
        OgrSource src(counties_path);
        OGRLayer* l = src.layer(counties_path, "counties");
        check_geographic(l, counties_path);
        l->ResetReading();
        while (OGRFeature* f = l->GetNextFeature()) {
            const std::string where = fmt::format("{} fid {}", counties_path, f->GetFID());
            County c;
            c.adcode = field(f, "adcode", where);
            c.name = field(f, "name", where);
            c.city_adcode = field(f, "city_adcode", where);
            c.city_name = field(f, "city_name", where);
            c.circle = field(f, "circle", where);
            c.geom = from_ogr(ctx, f->GetGeometryRef(), where);
            OGRFeature::DestroyFeature(f);
            w.counties.push_back(std::move(c));
        }
    }
    if (w.counties.empty()) throw Failure(counties_path + ": no counties");
    std::sort(w.counties.begin(), w.counties.end(), [](const County& a, const County& b) { return a.adcode < b.adcode; });
    // short names: 历城区 -> 历城; a short name used twice takes its city's name in front
    std::map<std::string, int> uses;
    auto shorten = [](const std::string& n) {
        for (const char* suf : {"区", "县", "市"})
            if (n.size() > 6 && n.compare(n.size() - 3, 3, suf) == 0) return n.substr(0, n.size() - 3);
        return n;
    };
    for (County& c : w.counties) ++uses[shorten(c.name)];
    for (County& c : w.counties) {
        c.short_name = shorten(c.name);
        if (uses[c.short_name] > 1) c.short_name = shorten(c.city_name) + c.short_name;
        c.prep = zg::prepare(ctx, c.geom.get());
        GEOSGeom_getXMin_r(ctx, c.geom.get(), &c.xmin), GEOSGeom_getYMin_r(ctx, c.geom.get(), &c.ymin);
        GEOSGeom_getXMax_r(ctx, c.geom.get(), &c.xmax), GEOSGeom_getYMax_r(ctx, c.geom.get(), &c.ymax);
        c.area_km2 = w.proj.area_km2(ctx, c.geom.get());
        c.seat = interior_point(ctx, c.geom.get());
    }
    {
        std::vector<GEOSGeometry*> parts;
        for (const County& c : w.counties) parts.push_back(GEOSGeom_clone_r(ctx, c.geom.get()));
        GeomPtr coll = zg::own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())), "collection");
        w.province = grid_op(ctx, GEOSUnaryUnionPrec_r(ctx, coll.get(), 1 / kGridScale), "province union");
        w.province_prep = zg::prepare(ctx, w.province.get());
        w.province_km2 = w.proj.area_km2(ctx, w.province.get());
    }
    // county seats
    {
        const std::string path = base + "/county_seats.geojson";
        OgrSource src(path);
        OGRLayer* l = src.layer(path, "county_seats");
        int found = 0;
        while (OGRFeature* f = l->GetNextFeature()) {
            const std::string code = field(f, "adcode", path);
            const OGRGeometry* g = f->GetGeometryRef();
            if (g && wkbFlatten(g->getGeometryType()) == wkbPoint)
                for (County& c : w.counties)
                    if (c.adcode == code) {
                        c.seat = {snap(g->toPoint()->getX()), snap(g->toPoint()->getY())};
                        ++found;
                    }
            OGRFeature::DestroyFeature(f);
        }
        if (found != static_cast<int>(w.counties.size()))
            w.notes.push_back(fmt::format("{}: {} of {} counties have a seat point; the others use a point on their surface", path, found, w.counties.size()));
    }
    // lakes
    {
        const std::string path = base + "/lakes.geojson";
        OgrSource src(path);
        OGRLayer* l = src.layer(path, "lakes");
        while (OGRFeature* f = l->GetNextFeature()) {
            Lake lk;
            lk.geom = from_ogr(ctx, f->GetGeometryRef(), path);
            lk.area_km2 = w.proj.area_km2(ctx, lk.geom.get());
            OGRFeature::DestroyFeature(f);
            w.lakes.push_back(std::move(lk));
        }
    }
    // rivers
    {
        const std::string path = base + "/rivers.geojson";
        OgrSource src(path);
        OGRLayer* l = src.layer(path, "rivers");
        while (OGRFeature* f = l->GetNextFeature()) {
            const long long n = f->GetFID();
            River r;
            r.cls = std::atoi(field(f, "class", path).c_str());
            r.class_name = river_class_name(r.cls);
            r.line = from_ogr(ctx, f->GetGeometryRef(), path);
            OGRFeature::DestroyFeature(f);
            if (!GEOSPreparedIntersects_r(ctx, w.province_prep.get(), r.line.get())) continue;
            r.line_m = w.proj.forward(ctx, r.line.get());
            double len = 0;
            GEOSLength_r(ctx, r.line_m.get(), &len);
            if (len < 1000) {
                w.notes.push_back(fmt::format("{}: fid {} (class {}) is only {:.0f} m long and closed on itself; not used", path, n, r.cls, len));
                continue;
            }
            GeomPtr in = zg::own(ctx, GEOSIntersection_r(ctx, r.line.get(), w.province.get()), "river clip");
            GeomPtr in_m = w.proj.forward(ctx, in.get());
            GEOSLength_r(ctx, in_m.get(), &r.km_in_province);
            r.km_in_province /= 1000;
            if (r.km_in_province < 1) continue;
            const XY start = ring_coords(ctx, r.line.get()).front();
            r.name = r.cls == 1 ? "黄河" : "";
            for (const RiverName& rn : kRiverNames)
                if (std::abs(rn.lon - start.x) < 1e-5 && std::abs(rn.lat - start.y) < 1e-5) r.name = rn.name;
            if (r.name.empty()) r.name = fmt::format("{}{}", r.class_name, n);
            w.rivers.push_back(std::move(r));
        }
    }
    // towns.csv: code,name,county_adcode
    {
        const std::string path = base + "/towns.csv";
        std::ifstream in(path);
        if (!in) throw Failure(path + ": cannot read");
        std::string line;
        std::getline(in, line);
        int orphans = 0;
        while (std::getline(in, line)) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            std::stringstream ss(line);
            std::string code, name, county;
            std::getline(ss, code, ',');
            std::getline(ss, name, ',');
            std::getline(ss, county, ',');
            bool placed = false;
            for (County& c : w.counties)
                if (c.adcode == county) c.towns.push_back({code, name}), placed = true;
            if (!placed) ++orphans;
        }
        if (orphans)
            w.notes.push_back(fmt::format("{}: {} townships belong to development-zone codes without a county polygon; not used", path, orphans));
    }
}

}  // namespace

// ---------------------------------------------------------------------------
// World

namespace gen {

int World::county_at(XY p) const {
    GeomPtr pt = zg::own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y), "point");
    for (std::size_t i = 0; i < counties.size(); ++i) {
        const County& c = counties[i];
        if (p.x < c.xmin || p.x > c.xmax || p.y < c.ymin || p.y > c.ymax) continue;
        if (GEOSPreparedContains_r(ctx, c.prep.get(), pt.get()) == 1) return static_cast<int>(i);
    }
    return -1;
}

const County* World::county_by_code(const std::string& adcode) const {
    for (const County& c : counties)
        if (c.adcode == adcode) return &c;
    return nullptr;
}

bool World::on_land(XY p) const {
    GeomPtr pt = zg::own(ctx, GEOSGeom_createPointFromXY_r(ctx, p.x, p.y), "point");
    return GEOSPreparedContains_r(ctx, province_prep.get(), pt.get()) == 1;
}

bool World::inside_province(const GEOSGeometry* g) const {
    return GEOSPreparedContainsProperly_r(ctx, province_prep.get(), g) == 1;
}

GeomPtr World::raw_from_metres(const Ring& ring_m) const {
    std::vector<double> x(ring_m.size()), y(ring_m.size());
    for (std::size_t i = 0; i < ring_m.size(); ++i) x[i] = ring_m[i].x, y[i] = ring_m[i].y;
    proj.inverse(x, y);
    Ring r(ring_m.size());
    for (std::size_t i = 0; i < r.size(); ++i) r[i] = {snap(x[i]), snap(y[i])};
    return make_polygon(ctx, r);
}

GeomPtr World::from_metres(const Ring& ring_m) const {
    GeomPtr g = raw_from_metres(ring_m);
    if (!is_valid(ctx, g.get())) {
        g = to_grid(ctx, g.get());
        if (GEOSisEmpty_r(ctx, g.get())) return nullptr;
    }
    return clip_to_province(std::move(g));
}

GeomPtr World::from_metres(const GEOSGeometry* g_m) const {
    GeomPtr g = to_grid(ctx, proj.inverse(ctx, g_m).get());
    if (GEOSisEmpty_r(ctx, g.get())) return nullptr;
    return clip_to_province(std::move(g));
}

GeomPtr World::clip_to_province(GeomPtr g) const {
    if (inside_province(g.get())) return g;
    if (GEOSPreparedIntersects_r(ctx, province_prep.get(), g.get()) != 1) return nullptr;
    GeomPtr r = grid_op(ctx, GEOSIntersectionPrec_r(ctx, g.get(), province.get(), 1 / kGridScale), "province clip");
    if (GEOSisEmpty_r(ctx, r.get())) return nullptr;
    if (zg::planar_area(ctx, r.get()) < 0.02 * zg::planar_area(ctx, g.get())) return nullptr;  // a sliver of coast
    return r;
}

}  // namespace gen

namespace {

// ---------------------------------------------------------------------------
// Checks and statistics

struct LayerStats {
    long features = 0, vertices = 0, overlaps = 0, crossing = 0, defects = 0;
    double union_km2 = 0;
};

struct DefectRecord {
    std::string layer;
    long fid;
    std::string id, kind, reason;
};

// Fills the county and area fields, checks every geometry and gathers statistics.
LayerStats finish_layer(World& w, Layer& L, std::vector<DefectRecord>& defects) {
    const Context& ctx = w.ctx;
    LayerStats st;
    std::vector<GeomPtr> valid;  // the geometry itself, or its repair for a deliberate defect
    for (std::size_t i = 0; i < L.features.size(); ++i) {
        Feature& f = L.features[i];
        const std::string id = std::get<std::string>(*f.get("id"));
        bool finite = true, on_grid = true;
        const long nv = vertex_count(ctx, f.geom.get(), &finite, &on_grid);
        if (!finite || nv == 0 || GEOSisEmpty_r(ctx, f.geom.get()))
            throw Failure(fmt::format("internal error: {} {} has an empty or non-finite geometry", L.name, id));
        if (!on_grid) throw Failure(fmt::format("internal error: {} {} has coordinates off the 1e-6 degree grid", L.name, id));
        st.vertices += nv;
        const std::string reason = invalid_reason(ctx, f.geom.get());
        if (f.defect.empty() && !reason.empty())
            throw Failure(fmt::format("internal error: {} {} is invalid ({}) without being a deliberate defect", L.name, id, reason));
        if (!f.defect.empty()) {
            if (reason.empty()) throw Failure(fmt::format("internal error: defect {} {} is valid", L.name, id));
            defects.push_back({L.name, static_cast<long>(i + 1), id, f.defect, reason});
            ++st.defects;
            valid.push_back(make_valid_structure(ctx, f.geom.get()));
        } else {
            valid.push_back(zg::clone(ctx, f.geom.get()));
        }
        const GEOSGeometry* v = valid.back().get();
        int ci = w.county_at(f.anchor);
        if (ci < 0) ci = w.county_at(interior_point(ctx, v));
        const County* c = ci >= 0 ? &w.counties[static_cast<std::size_t>(ci)] : nullptr;
        f.set("adcode", c ? c->adcode : std::string());
        f.set("county", c ? c->name : std::string());
        f.set("city", c ? c->city_name : std::string());
        f.set("area_km2", std::round(w.proj.area_km2(ctx, v) * 1e4) / 1e4);
        // does it cross a county line?
        double xmin, ymin, xmax, ymax;
        GEOSGeom_getXMin_r(ctx, v, &xmin), GEOSGeom_getYMin_r(ctx, v, &ymin);
        GEOSGeom_getXMax_r(ctx, v, &xmax), GEOSGeom_getYMax_r(ctx, v, &ymax);
        int hits = 0;
        for (const County& k : w.counties) {
            if (k.xmax < xmin || k.xmin > xmax || k.ymax < ymin || k.ymin > ymax) continue;
            if (GEOSPreparedContains_r(ctx, k.prep.get(), v) == 1) {
                hits = 1;
                break;
            }
            // a county shrunk by ~0.5 m: contacts of the width of the grid (snap rounding) do not count
            if (!k.core_prep) {
                k.core = zg::own(ctx, GEOSBuffer_r(ctx, k.geom.get(), -5e-6, 2), "county core");
                k.core_prep = zg::prepare(ctx, k.core.get());
            }
            if (GEOSPreparedIntersects_r(ctx, k.core_prep.get(), v) == 1) ++hits;
        }
        if (hits > 1) ++st.crossing;
    }
    st.features = static_cast<long>(L.features.size());
    // overlapping pairs; the features that overlap form groups, which are
    // unioned one by one (much faster than one union of everything)
    std::vector<std::size_t> parent(valid.size());
    for (std::size_t i = 0; i < parent.size(); ++i) parent[i] = i;
    auto root = [&](std::size_t i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    };
    if (!valid.empty()) {
        GEOSSTRtree* tree = GEOSSTRtree_create_r(ctx, 10);
        std::vector<std::size_t> idx(valid.size());
        for (std::size_t i = 0; i < valid.size(); ++i) {
            idx[i] = i;
            GEOSSTRtree_insert_r(ctx, tree, valid[i].get(), &idx[i]);
        }
        for (std::size_t i = 0; i < valid.size(); ++i) {
            std::vector<std::size_t> cand;
            GEOSSTRtree_query_r(ctx, tree, valid[i].get(), [](void* item, void* data) {
                static_cast<std::vector<std::size_t>*>(data)->push_back(*static_cast<std::size_t*>(item));
            }, &cand);
            std::sort(cand.begin(), cand.end());
            zg::PreparedPtr p;
            for (std::size_t j : cand) {
                if (j <= i) continue;
                if (!p) p = zg::prepare(ctx, valid[i].get());
                if (GEOSPreparedIntersects_r(ctx, p.get(), valid[j].get()) == 1 &&
                    GEOSRelatePattern_r(ctx, valid[i].get(), valid[j].get(), "T********") == 1) {
                    ++st.overlaps;
                    parent[root(i)] = root(j);
                }
            }
        }
        GEOSSTRtree_destroy_r(ctx, tree);
    }
    std::vector<std::vector<std::size_t>> groups(valid.size());
    for (std::size_t i = 0; i < valid.size(); ++i) groups[root(i)].push_back(i);
    for (const auto& grp : groups) {
        if (grp.size() == 1) {
            st.union_km2 += w.proj.area_km2(ctx, valid[grp[0]].get());
        } else if (grp.size() > 1) {
            std::vector<GEOSGeometry*> parts;
            for (std::size_t i : grp) parts.push_back(valid[i].release());
            GeomPtr coll = zg::own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())), "collection");
            GeomPtr u = zg::own(ctx, GEOSUnaryUnion_r(ctx, coll.get()), "union");
            st.union_km2 += w.proj.area_km2(ctx, u.get());
        }
    }
    return st;
}

// ---------------------------------------------------------------------------
// Output

std::unique_ptr<OGRGeometry> to_ogr(const Context& ctx, const GEOSGeometry* g) {
    GEOSWKBWriter* wr = GEOSWKBWriter_create_r(ctx);
    GEOSWKBWriter_setByteOrder_r(ctx, wr, GEOS_WKB_NDR);
    std::size_t n = 0;
    unsigned char* buf = GEOSWKBWriter_write_r(ctx, wr, g, &n);
    GEOSWKBWriter_destroy_r(ctx, wr);
    OGRGeometry* out = nullptr;
    const OGRErr err = OGRGeometryFactory::createFromWkb(buf, nullptr, &out, n);
    GEOSFree_r(ctx, buf);
    if (err != OGRERR_NONE || !out) throw Failure("cannot convert a geometry to OGR");
    return std::unique_ptr<OGRGeometry>(OGRGeometryFactory::forceToMultiPolygon(out));
}

std::vector<FieldDef> all_fields(const Layer& L, bool dbf) {
    std::vector<FieldDef> f = {{"id", FieldDef::Str, 10}, {"name", FieldDef::Str, dbf ? 80 : 0}};
    for (const FieldDef& d : L.fields) f.push_back(d);
    f.push_back({"adcode", FieldDef::Str, 6});
    f.push_back({"county", FieldDef::Str, 30});
    f.push_back({"city", FieldDef::Str, 30});
    f.push_back({"area_km2", FieldDef::Real, 14, 4});
    return f;
}

void write_layer(const Context& ctx, GDALDataset* ds, const Layer& L, OGRSpatialReference& srs, bool dbf) {
    char** opts = nullptr;
    if (dbf) {
        opts = CSLSetNameValue(opts, "ENCODING", "GBK");
        opts = CSLSetNameValue(opts, "DBF_DATE_LAST_UPDATE", "2024-01-01");
        opts = CSLSetNameValue(opts, "RESIZE", "NO");
    } else {
        opts = CSLSetNameValue(opts, "FID", "fid");
        opts = CSLSetNameValue(opts, "GEOMETRY_NAME", "geom");
        opts = CSLSetNameValue(opts, "IDENTIFIER", L.title.c_str());
        opts = CSLSetNameValue(opts, "DESCRIPTION", L.description.c_str());
        opts = CSLSetNameValue(opts, "SPATIAL_INDEX", std::getenv("ZONE_GEN_NO_INDEX") ? "NO" : "YES");
    }
    OGRLayer* ol = ds->CreateLayer(L.name.c_str(), &srs, dbf ? wkbPolygon : wkbMultiPolygon, opts);
    CSLDestroy(opts);
    if (!ol) throw Failure(fmt::format("cannot create layer {}", L.name));
    const std::vector<FieldDef> fields = all_fields(L, dbf);
    for (const FieldDef& d : fields) {
        OGRFieldDefn fd(d.name.c_str(), d.kind == FieldDef::Str ? OFTString : d.kind == FieldDef::Int ? OFTInteger : OFTReal);
        if (dbf) fd.SetWidth(d.width), fd.SetPrecision(d.precision);
        if (ol->CreateField(&fd) != OGRERR_NONE) throw Failure(fmt::format("cannot create field {}.{}", L.name, d.name));
    }
    if (ds->StartTransaction() != OGRERR_NONE && !dbf) throw Failure("cannot start a transaction");
    for (std::size_t i = 0; i < L.features.size(); ++i) {
        const Feature& f = L.features[i];
        OGRFeature of(ol->GetLayerDefn());
        if (!dbf) of.SetFID(static_cast<GIntBig>(i + 1));
        for (const FieldDef& d : fields) {
            const Value* v = f.get(d.name);
            if (!v) continue;
            if (auto s = std::get_if<std::string>(v)) {
                if (!s->empty()) of.SetField(d.name.c_str(), s->c_str());
            } else if (auto n = std::get_if<long long>(v)) {
                of.SetField(d.name.c_str(), static_cast<GIntBig>(*n));
            } else {
                of.SetField(d.name.c_str(), std::get<double>(*v));
            }
        }
        of.SetGeometryDirectly(to_ogr(ctx, f.geom.get()).release());
        if (ol->CreateFeature(&of) != OGRERR_NONE) throw Failure(fmt::format("cannot write {} feature {}", L.name, i + 1));
    }
    if (!dbf && ds->CommitTransaction() != OGRERR_NONE) throw Failure("cannot commit");
}

void write_outputs(World& w, const Generated& gen, const fs::path& tmp) {
    CPLErrorReset();
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    {
        GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
        if (!drv) throw Failure("GDAL has no GPKG driver");
        // 8 KiB pages: most features are 1-4 KiB, which leave half of every 4 KiB page empty
        CPLSetConfigOption("OGR_SQLITE_PRAGMA", "page_size=8192");
        GDALDataset* ds = drv->Create((tmp / "factors.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr);
        CPLSetConfigOption("OGR_SQLITE_PRAGMA", nullptr);
        if (!ds) throw Failure("cannot create " + (tmp / "factors.gpkg").string());
        try {
            for (const Layer& L : gen.layers) write_layer(w.ctx, ds, L, srs, false);
        } catch (...) {
            GDALClose(ds);
            throw;
        }
        GDALClose(ds);
        if (CPLGetLastErrorType() == CE_Failure) throw Failure(std::string("factors.gpkg: ") + CPLGetLastErrorMsg());
    }
    {
        // A file of its own: the factor layers stay byte for byte as they were.
        GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GPKG");
        GDALDataset* ds = drv->Create((tmp / "planning.gpkg").c_str(), 0, 0, 0, GDT_Unknown, nullptr);
        if (!ds) throw Failure("cannot create " + (tmp / "planning.gpkg").string());
        try {
            for (const Layer& L : gen.planning) write_layer(w.ctx, ds, L, srs, false);
        } catch (...) {
            GDALClose(ds);
            throw;
        }
        GDALClose(ds);
        if (CPLGetLastErrorType() == CE_Failure) throw Failure(std::string("planning.gpkg: ") + CPLGetLastErrorMsg());
    }
    {
        GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("ESRI Shapefile");
        if (!drv) throw Failure("GDAL has no Shapefile driver");
        GDALDataset* ds = drv->Create((tmp / "reserves.shp").c_str(), 0, 0, 0, GDT_Unknown, nullptr);
        if (!ds) throw Failure("cannot create " + (tmp / "reserves.shp").string());
        try {
            write_layer(w.ctx, ds, gen.reserves, srs, true);
        } catch (...) {
            GDALClose(ds);
            throw;
        }
        GDALClose(ds);
        if (CPLGetLastErrorType() == CE_Failure) throw Failure(std::string("reserves.shp: ") + CPLGetLastErrorMsg());
    }
}

const char* const kOutputs[] = {"factors.gpkg", "planning.gpkg", "reserves.shp", "reserves.shx", "reserves.dbf", "reserves.prj", "reserves.cpg"};

std::string thousands(long v) {
    std::string s = std::to_string(v), out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (i && (s.size() - i) % 3 == 0) out += ',';
        out += s[i];
    }
    return out;
}

int run(const std::string& counties, const std::string& base, const std::string& outdir, std::uint64_t seed,
        double scale, bool overwrite) {
    const auto t0 = std::chrono::steady_clock::now();
    const fs::path out(outdir);
    std::vector<std::string> existing;
    for (const char* name : kOutputs)
        if (fs::exists(out / name)) existing.push_back((out / name).string());
    if (!existing.empty() && !overwrite) {
        std::fprintf(stderr, "zone-genfactors: %s exists; give --overwrite to replace it\n", existing.front().c_str());
        return 2;
    }

    GDALAllRegister();
    CPLSetConfigOption("OGR_CURRENT_DATE", kFixedDate);
    CPLSetConfigOption("OGR_SQLITE_JOURNAL", "MEMORY");

    World w;
    load_world(w, counties, base);
    const auto t1 = std::chrono::steady_clock::now();
    Generated gen = generate(w, seed, scale);
    const auto t2 = std::chrono::steady_clock::now();

    std::vector<DefectRecord> defects;
    std::vector<LayerStats> stats;
    for (Layer& L : gen.layers) stats.push_back(finish_layer(w, L, defects));
    const LayerStats rstats = finish_layer(w, gen.reserves, defects);
    std::vector<LayerStats> pstats;
    for (Layer& L : gen.planning) pstats.push_back(finish_layer(w, L, defects));
    const auto t3 = std::chrono::steady_clock::now();

    std::error_code ec;
    fs::create_directories(out, ec);
    if (ec) throw Failure(fmt::format("{}: cannot create the directory: {}", outdir, ec.message()));
    const fs::path tmp = out / fmt::format(".zone-genfactors-{}.tmp", static_cast<long>(getpid()));
    fs::remove_all(tmp, ec);
    fs::create_directory(tmp);
    try {
        write_outputs(w, gen, tmp);
        for (const char* name : kOutputs)
            if (!fs::exists(tmp / name)) throw Failure(fmt::format("GDAL did not write {}", name));
        for (const char* name : kOutputs) fs::rename(tmp / name, out / name);
        fs::remove_all(tmp);
    } catch (...) {
        fs::remove_all(tmp, ec);
        throw;
    }
    const auto t4 = std::chrono::steady_clock::now();
    auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };

    // summary
    std::printf("zone-genfactors: seed %llu, scale %g -> %s, %s\n", static_cast<unsigned long long>(seed), scale,
                (out / "factors.gpkg").c_str(), (out / "reserves.shp").c_str());
    for (const std::string& n : w.notes) std::printf("  note: %s\n", n.c_str());
    for (const std::string& n : gen.log) std::printf("  %s\n", n.c_str());
    std::printf("\n  %-18s %9s %11s %12s %9s %9s %8s\n", "layer", "features", "vertices", "union km²", "overlaps",
                "x-county", "defects");
    long tf = 0, tv = 0;
    for (std::size_t i = 0; i < gen.layers.size(); ++i) {
        const LayerStats& s = stats[i];
        std::printf("  %-18s %9s %11s %12.1f %9ld %9ld %8ld\n", gen.layers[i].name.c_str(), thousands(s.features).c_str(),
                    thousands(s.vertices).c_str(), s.union_km2, s.overlaps, s.crossing, s.defects);
        tf += s.features, tv += s.vertices;
    }
    std::printf("  %-18s %9s %11s\n", "factors total", thousands(tf).c_str(), thousands(tv).c_str());
    std::printf("  %-18s %9s %11s %12.1f %9ld %9ld %8ld\n", "reserves.shp", thousands(rstats.features).c_str(),
                thousands(rstats.vertices).c_str(), rstats.union_km2, rstats.overlaps, rstats.crossing, rstats.defects);
    for (std::size_t i = 0; i < gen.planning.size(); ++i)
        std::printf("  %-18s %9s %11s %12.1f %9ld %9ld %8ld\n", ("planning/" + gen.planning[i].name).c_str(),
                    thousands(pstats[i].features).c_str(), thousands(pstats[i].vertices).c_str(), pstats[i].union_km2,
                    pstats[i].overlaps, pstats[i].crossing, pstats[i].defects);
    std::printf("  (overlaps: pairs of features of the layer whose interiors intersect; x-county: features whose\n"
                "   interior meets more than one county; areas: %s)\n", w.proj.description().c_str());
    std::printf("\n  red line: %.1f km² = %.1f %% of the province's %.1f km²\n", stats[0].union_km2,
                100 * stats[0].union_km2 / w.province_km2, w.province_km2);
    std::printf("  deliberate defects (invalid; GEOS MakeValid, structure method, repairs them):\n");
    for (const DefectRecord& d : defects)
        std::printf("    %-12s fid %-6ld %-9s %s: %s\n", d.layer.c_str(), d.fid, d.id.c_str(), d.kind.c_str(), d.reason.c_str());
    for (std::size_t i = 0; i < gen.layers.size(); ++i)
        if (gen.layers[i].name == "groundwater")
            std::printf("  groundwater: %ld county outlines shifted 20-40 m: slivers along every county border they follow\n",
                        stats[i].features);
    std::printf("  every other geometry is valid (GEOSisValid), non-empty and finite; coordinates on a 1e-6 degree grid\n");
    std::printf("\n  time: read %.1f s, generate %.1f s, check %.1f s, write %.1f s, total %.1f s\n", secs(t0, t1),
                secs(t1, t2), secs(t2, t3), secs(t3, t4), secs(t0, t4));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Generates synthetic factor layers (factors.gpkg) and nature reserves (reserves.shp, GBK) for Shandong"};
    std::string counties, base, outdir;
    std::uint64_t seed = 2024;
    double scale = 1.0;
    bool overwrite = false;
    app.add_option("--counties", counties, "county polygons (GeoPackage, layer `counties`)")->required();
    app.add_option("--base", base, "folder with county_seats.geojson, lakes.geojson, rivers.geojson, towns.csv")->required();
    app.add_option("-o,--output", outdir, "output folder")->required();
    app.add_option("--seed", seed, "random seed")->capture_default_str();
    app.add_option("--scale", scale, "multiplies the number of blob features (sizes shrink to keep coverage)")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 100.0));
    app.add_flag("--overwrite", overwrite, "replace existing outputs");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    }
    try {
        return run(counties, base, outdir, seed, scale, overwrite);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "zone-genfactors: %s\n", e.what());
        return 2;
    }
}
