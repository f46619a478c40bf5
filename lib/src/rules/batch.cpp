// Batch screening of enterprises (ProjectChecker::screen) and its writer.
#include "rules/project_checker_impl.hpp"

#include "io/gdal_util.hpp"
#include "core/parallel.hpp"
#include "core/text_util.hpp"

#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace zone {

using detail::feature_attributes;
using detail::lower_ascii;
using detail::ogr_wkb;
using detail::last_gdal_error;
using detail::utf8_or_gbk;

// ---------------------------------------------------------------- batch

namespace {

// The column names GDAL's CSV driver is told to take coordinates from.
const std::vector<std::string> kLongitudeColumns = {"lon", "lng", "long", "longitude", "x", "经度", "东经", "jd"};
const std::vector<std::string> kLatitudeColumns = {"lat", "latitude", "y", "纬度", "北纬", "wd"};

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
    return out;
}

// GDAL 3.6's CSV driver crashes reading a table whose header has two
// longitude (or two latitude) columns when it drops the coordinate columns
// (found by fuzzing zone-serve's batch). Such a header is ambiguous anyway:
// it is refused, naming both columns. Each separator GDAL detects is tried.
void refuse_repeated_coordinate_columns(const std::string& path, const Where& where) {
    VSILFILE* f = VSIFOpenL(path.c_str(), "rb");
    if (!f) return;  // GDAL's own open says why
    const char* line = CPLReadLineL(f);
    std::string header = line ? line : "";
    VSIFCloseL(f);
    if (header.rfind("\xEF\xBB\xBF", 0) == 0) header.erase(0, 3);
    for (const char separator : {',', ';', '\t'}) {
        std::vector<std::string> columns(1);
        for (const char c : header) {
            if (c == separator) columns.emplace_back();
            else if (c != '"' && c != ' ') columns.back() += c;
        }
        for (const auto* names : {&kLongitudeColumns, &kLatitudeColumns}) {
            std::vector<std::size_t> found;
            for (std::size_t i = 0; i < columns.size(); ++i)
                if (std::find(names->begin(), names->end(), lower_ascii(columns[i])) != names->end()) found.push_back(i);
            if (found.size() < 2) continue;
            Where w = where;
            w.field = columns[found[1]];
            throw InputError(w, fmt::format("the header has two {} columns, '{}' (column {}) and '{}' (column {}); "
                                            "keep one",
                                            names == &kLongitudeColumns ? "longitude" : "latitude", columns[found[0]],
                                            found[0] + 1, columns[found[1]], found[1] + 1));
        }
    }
}

}  // namespace

BatchResult ProjectChecker::screen(const BatchOptions& o) const {
    const SourceRef ref = parse_source(o.source);
    const std::string& path = ref.path;
    const std::string ext = lower_ascii(fs::path(path).extension().string());
    OpenLayerOptions open;
    open.default_layer.clear();  // the layer of enterprises is named when there are several
    if (ext == ".csv" || ext == ".txt" || ext == ".tsv" || path.rfind("CSV:", 0) == 0) {
        // Coordinates from the usual column names, as GDAL's CSV driver finds them.
        refuse_repeated_coordinate_columns(path, Where{path, ref.layer, {}, {}});
        open.open_options = {"X_POSSIBLE_NAMES=" + joined(kLongitudeColumns),
                             "Y_POSSIBLE_NAMES=" + joined(kLatitudeColumns), "KEEP_GEOM_COLUMNS=NO"};
    }
    const VectorLayer source = open_vector_layer(ref, open);
    detail::QuietGdal quiet;
    OGRLayer* l = source.layer;
    const Where& where = source.where;
    if (l->GetGeomType() == wkbNone)
        throw InputError(where, "the layer has no geometry; a CSV needs longitude and latitude columns named lon/lat, "
                                "longitude/latitude, x/y or 经度/纬度");
    OGRFeatureDefn* defn = l->GetLayerDefn();
    std::string id_field = o.id_field;
    if (id_field.empty()) {
        for (const char* n : {"id", "ID", "Id", "code", "CODE", "统一社会信用代码", "name", "NAME", "名称", "企业名称"})
            if (defn->GetFieldIndex(n) >= 0) {
                id_field = n;
                break;
            }
    } else if (defn->GetFieldIndex(id_field.c_str()) < 0) {
        Where w = where;
        w.field = id_field;
        throw InputError(w, "no such field (--id-field)");
    }
    const int i_id = id_field.empty() ? -1 : defn->GetFieldIndex(id_field.c_str());

    OGRSpatialReference srs;
    if (const OGRSpatialReference* s = l->GetSpatialRef(); s && !s->IsEmpty()) srs = *s;
    const bool assume_lonlat = srs.IsEmpty();
    if (assume_lonlat) srs.importFromEPSG(4490);  // a CSV carries no CRS: CGCS2000 degrees
    std::unique_ptr<Reprojection> transform = impl_->transform_from(srs);

    BatchResult result;
    result.source = o.source;
    result.layer = l->GetName();
    result.crs_wkt = impl_->layer.crs_wkt;
    std::vector<Attributes> attrs;
    for (auto& f : *l) {
        Where w = where;
        w.fid = f->GetFID();
        OGRGeometry* g = f->GetGeometryRef();
        if (!g || g->IsEmpty())
            throw InputError(w, "the feature has no geometry (no coordinates); leave such rows out first, e.g. "
                                "ogr2ogr -where with the coordinate columns");
        if (g->Is3D() || g->IsMeasured()) g->flattenTo2D();
        OGREnvelope env;
        g->getEnvelope(&env);
        if (!std::isfinite(env.MinX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxX) || !std::isfinite(env.MaxY))
            throw InputError(w, "the geometry has coordinates that are not finite numbers");
        if (assume_lonlat && !(env.MinX >= -180 && env.MaxX <= 180 && env.MinY >= -90 && env.MaxY <= 90))
            throw InputError(w, "the layer has no CRS and these coordinates are not longitude/latitude");
        if (transform && !transform->apply(*g))
            throw InputError(w, "cannot transform the geometry to the unit map's CRS");
        BatchRow row;
        row.fid = f->GetFID();
        if (i_id >= 0 && f->IsFieldSetAndNotNull(i_id)) row.id = utf8_or_gbk(f->GetFieldAsString(i_id), nullptr);
        if (row.id.empty()) row.id = std::to_string(row.fid);
        row.wkb = ogr_wkb(*g);
        Attributes a = feature_attributes(*f, w, id_field);
        for (const auto& [name, value] : o.defaults) a.emplace(lower_ascii(name), value);
        attrs.push_back(std::move(a));
        result.rows.push_back(std::move(row));
    }

    // In chunks, so that the threads take turns rarely.
    constexpr std::size_t chunk = 64;
    std::vector<std::size_t> jobs((result.rows.size() + chunk - 1) / chunk);
    for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i] = i;
    const std::string& crs = impl_->layer.crs_wkt;
    const std::size_t n_units = impl_->units.size();
    std::vector<std::string> errors(jobs.size());
    detail::run_parallel(
        jobs, impl_->threads, [&] { return std::make_unique<Worker>(crs, n_units); },
        [&](Worker& w, std::size_t job) {
            for (std::size_t i = job * chunk; i < std::min(result.rows.size(), (job + 1) * chunk); ++i) {
                BatchRow& row = result.rows[i];
                geos::GeomPtr geom = geos::from_wkb(w.ctx, row.wkb);
                if (GEOSisValid_r(w.ctx, geom.get()) != 1) geom = geos::own(w.ctx, GEOSMakeValid_r(w.ctx, geom.get()), "repair");
                const auto touched = impl_->touch(w, geom.get(), false);
                if (touched.empty()) {
                    row.verdict = Verdict::outside;
                    continue;
                }
                std::vector<RuleHit> hits, undecided;
                try {
                    impl_->apply_rules(touched, attrs[i], hits, undecided);
                } catch (const InputError& e) {
                    throw InputError(Where{ref.path, result.layer, row.fid, {}}, e.what());
                }
                row.verdict = decide_verdict(hits, undecided, &row.missing);
                for (const auto& u : touched) row.units.push_back(u.code);
                std::vector<std::size_t> seen;
                for (const auto& h : hits)
                    if (std::find(seen.begin(), seen.end(), h.rule) == seen.end()) {
                        seen.push_back(h.rule);
                        row.hits.push_back(h.id);
                    }
            }
        },
        o.progress);
    for (const auto& row : result.rows) ++result.counts[static_cast<int>(row.verdict)];
    return result;
}

void write_batch(const BatchResult& result, const std::string& staged) {
    gdal_init();
    detail::QuietGdal quiet;
    const std::string path = detail::target_path(staged);  // for messages
    const Where where{path, {}, {}, {}};
    const std::string ext = lower_ascii(fs::path(path).extension().string());
    if (ext != ".csv" && ext != ".gpkg")
        throw InputError(where, "batch verdicts are written as CSV (.csv) or GeoPackage (.gpkg)");
    const bool csv = ext == ".csv";

    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(csv ? "CSV" : "GPKG");
    if (!driver) throw InputError(where, std::string("GDAL has no ") + (csv ? "CSV" : "GPKG") + " driver");
    CPLErrorReset();
    GDALDatasetUniquePtr ds(driver->Create(staged.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path + ": " + last_gdal_error());
    OGRSpatialReference srs;
    srs.importFromWkt(result.crs_wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    CPLStringList layer_options;
    if (csv) {
        layer_options.SetNameValue("WRITE_BOM", "YES");
        layer_options.SetNameValue("STRING_QUOTING", "IF_NEEDED");
    }
    OGRLayer* layer = ds->CreateLayer("verdicts", csv ? nullptr : &srs, csv ? wkbNone : wkbUnknown, layer_options.List());
    if (!layer) throw std::runtime_error("cannot create the layer of " + path + ": " + last_gdal_error());
    const std::vector<std::pair<const char*, OGRFieldType>> fields = {
        {"id", OFTString},      {"source_fid", OFTInteger}, {"verdict", OFTString}, {"verdict_zh", OFTString},
        {"units", OFTString},   {"hits", OFTString},   {"missing", OFTString}, {"lon", OFTReal},
        {"lat", OFTReal},
    };
    for (const auto& [name, type] : fields) {
        OGRFieldDefn def(name, type);
        if (layer->CreateField(&def) != OGRERR_NONE) throw std::runtime_error("cannot create field " + std::string(name));
    }
    auto join = [](const std::vector<std::string>& v) {
        std::string s;
        for (const auto& x : v) s += (s.empty() ? "" : ";") + x;
        return s;
    };
    geos::Context ctx;
    AreaCalculator calc(result.crs_wkt, AreaMethod::gauss_kruger);
    const bool transaction = ds->StartTransaction() == OGRERR_NONE;
    for (const auto& row : result.rows) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("id", row.id.c_str());
        f.SetField("source_fid", static_cast<int>(row.fid));
        f.SetField("verdict", to_string(row.verdict));
        f.SetField("verdict_zh", chinese_name(row.verdict));
        f.SetField("units", join(row.units).c_str());
        f.SetField("hits", join(row.hits).c_str());
        f.SetField("missing", join(row.missing).c_str());
        geos::GeomPtr g = geos::from_wkb(ctx, row.wkb);
        geos::GeomPtr p = geos::own(ctx, GEOSPointOnSurface_r(ctx, g.get()), "point on surface");
        double x = 0, y = 0;
        GEOSGeomGetX_r(ctx, p.get(), &x);
        GEOSGeomGetY_r(ctx, p.get(), &y);
        const auto ll = calc.lonlat(x, y);
        f.SetField("lon", ll[0]);
        f.SetField("lat", ll[1]);
        if (!csv) {
            OGRGeometry* geom = nullptr;
            if (OGRGeometryFactory::createFromWkb(row.wkb.data(), &srs, &geom, row.wkb.size()) == OGRERR_NONE)
                f.SetGeometryDirectly(geom);
        }
        if (layer->CreateFeature(&f) != OGRERR_NONE)
            throw std::runtime_error("cannot write to " + path + ": " + last_gdal_error());
    }
    if (transaction && ds->CommitTransaction() != OGRERR_NONE) throw std::runtime_error("cannot commit " + path + ": " + last_gdal_error());
    ds.reset();
    if (CPLGetLastErrorType() == CE_Failure) throw std::runtime_error("writing " + path + " failed: " + last_gdal_error());
}

}  // namespace zone
