#include "zone/io/source.hpp"

#include "io/gdal_util.hpp"
#include "core/ogr_geos.hpp"
#include "core/parallel.hpp"
#include "core/validity/proven_valid.hpp"
#include "io/polygon_geometry.hpp"
#include "zone/core/error.hpp"
#include "zone/core/reproject.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <iterator>
#include <exception>
#include <mutex>
#include <stdexcept>

namespace zone {

void gdal_init() {
    static std::once_flag once;
    std::call_once(once, [] { GDALAllRegister(); });
}

std::string SourceRef::display() const {
    return layer.empty() ? path : path + "|layername=" + layer;
}

SourceRef parse_source(const std::string& spec) {
    SourceRef ref;
    const auto bar = spec.find("|layername=");
    ref.path = bar == std::string::npos ? spec : spec.substr(0, bar);
    if (bar != std::string::npos) ref.layer = spec.substr(bar + std::string("|layername=").size());
    return ref;
}

bool is_valid_utf8(const std::string& s) {
    return CPLIsUTF8(s.c_str(), static_cast<int>(s.size())) != 0;
}

namespace {

using detail::last_gdal_error;

std::string layer_names(GDALDataset& ds) {
    std::string names;
    for (int i = 0; i < ds.GetLayerCount(); ++i) {
        if (i) names += ", ";
        names += ds.GetLayer(i)->GetName();
    }
    return names;
}

std::string field_names(OGRFeatureDefn& defn) {
    std::string names;
    for (int i = 0; i < defn.GetFieldCount(); ++i) {
        if (i) names += ", ";
        names += defn.GetFieldDefn(i)->GetNameRef();
    }
    return names;
}

// The name standard input's copy goes by; a one-layer format (GeoJSON) names
// its layer after it.
constexpr const char* stdin_basename = "stdin";

// Standard input, read to its end the first time it is asked for and kept in
// memory for the rest of the process: a source may be opened more than once,
// and GDAL needs to seek in most formats.
const std::string& stdin_copy() {
    static const std::string name = [] {
        std::string bytes{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
        if (bytes.empty()) throw InputError(Where{"-", {}, {}, {}}, "standard input is empty");
        const std::string path = "/vsimem/zonekit-stdin/" + std::string(stdin_basename);
        auto* buffer = static_cast<GByte*>(CPLMalloc(bytes.size()));
        std::copy(bytes.begin(), bytes.end(), buffer);
        VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), buffer, bytes.size(), TRUE));
        return path;
    }();
    return name;
}

}  // namespace

void DatasetClose::operator()(GDALDataset* dataset) const {
    if (dataset) GDALClose(GDALDataset::ToHandle(dataset));
}

VectorLayer open_vector_layer(const SourceRef& source, const OpenLayerOptions& options) {
    gdal_init();
    detail::QuietGdal quiet;
    VectorLayer out;
    out.where = Where{source.path, source.layer, {}, {}};
    const bool from_stdin = source.path == "-";
    const std::string file = from_stdin ? stdin_copy() : source.path;
    const std::string path = from_stdin ? options.stdin_prefix + file : file;
    VSIStatBufL stat;
    const bool is_connection = path.rfind("PG:", 0) == 0 || path.rfind("/vsi", 0) == 0;
    if (!is_connection && VSIStatL(file.c_str(), &stat) != 0) throw InputError(out.where, "no such file");

    CPLStringList open_options;
    if (!options.encoding.empty()) open_options.SetNameValue("ENCODING", options.encoding.c_str());
    for (const auto& o : options.open_options) open_options.AddString(o.c_str());
    CPLErrorReset();
    out.dataset.reset(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                        open_options.empty() ? nullptr : open_options.List(), nullptr));
    if (!out.dataset) throw InputError(out.where, "GDAL cannot open it as a vector source: " + last_gdal_error());
    GDALDataset& ds = *out.dataset;

    if (!source.layer.empty()) {
        out.layer = ds.GetLayerByName(source.layer.c_str());
        if (!out.layer) throw InputError(out.where, "no such layer; the source has: " + layer_names(ds));
    } else if (OGRLayer* sole = detail::sole_layer(ds)) {
        out.layer = sole;
    } else if (ds.GetLayerCount() == 0) {
        throw InputError(out.where, "the source holds no layer");
    } else {
        if (!options.default_layer.empty()) out.layer = ds.GetLayerByName(options.default_layer.c_str());
        if (!out.layer && options.first_layer_when_several) out.layer = ds.GetLayer(0);
        if (!out.layer)
            throw InputError(out.where, "the source holds " + std::to_string(ds.GetLayerCount()) + " layers (" +
                                            layer_names(ds) + ")" +
                                            (options.default_layer.empty()
                                                 ? std::string()
                                                 : " and none is called " + options.default_layer) +
                                            "; name one as 'PATH|layername=NAME'");
    }
    out.where.layer = out.layer->GetName();
    // A format of one layer names it after the file; standard input has no name.
    if (from_stdin && out.where.layer == stdin_basename) out.where.layer.clear();
    out.shapefile = ds.GetDriver() && EQUAL(ds.GetDriver()->GetDescription(), "ESRI Shapefile");
    return out;
}

namespace detail {

bool says_no_crs(const OGRSpatialReference* srs) {
    if (!srs || srs->IsEmpty()) return true;
    const char* name = srs->GetName();
    return name && STARTS_WITH_CI(name, "Undefined") && !srs->GetAuthorityCode(nullptr);
}

std::string wkt_of(const OGRSpatialReference& srs) {
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2019", nullptr};
    srs.exportToWkt(&wkt, options);
    std::string out = wkt ? wkt : "";
    CPLFree(wkt);
    return out;
}

LayerCrs::LayerCrs() = default;
LayerCrs::LayerCrs(LayerCrs&&) noexcept = default;
LayerCrs::~LayerCrs() = default;

LayerCrs layer_crs(const OGRSpatialReference& from, const std::string& target_crs_wkt, double tolerance,
                   const Where& where) {
    OGRSpatialReference source(from);
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    LayerCrs out;
    if (target_crs_wkt.empty()) {
        out.wkt = wkt_of(source);
        out.geographic = source.IsGeographic();
        return out;
    }
    OGRSpatialReference target;
    target.importFromWkt(target_crs_wkt.c_str());
    target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    try {
        out.transform = std::make_unique<Reprojection>(source, target, tolerance);
    } catch (const std::runtime_error& e) {
        throw InputError(where, std::string("cannot transform its CRS to the target CRS: ") + e.what());
    }
    if (out.transform->is_identity()) out.transform.reset();
    out.wkt = target_crs_wkt;
    out.geographic = target.IsGeographic();
    return out;
}

geos::GeomPtr polygon_from_ogr(const geos::Context& ctx, OGRGeometry& geometry, Reprojection* transform,
                               const Where& where) {
    std::unique_ptr<OGRGeometry> linear;
    OGRwkbGeometryType type;
    OGRGeometry* g = detail::linear_geometry(&geometry, linear, type);
    if (type != wkbPolygon && type != wkbMultiPolygon)
        throw InputError(where, std::string("geometry is ") + OGRGeometryTypeToName(g->getGeometryType()) +
                                    "; polygons are expected");
    if (g->Is3D() || g->IsMeasured()) g->flattenTo2D();
    OGREnvelope env;
    g->getEnvelope(&env);
    if (!std::isfinite(env.MinX) || !std::isfinite(env.MaxX) || !std::isfinite(env.MinY) || !std::isfinite(env.MaxY))
        throw InputError(where, "geometry has coordinates that are not finite numbers (NaN or infinity)");
    // Edges are straight in the layer's CRS: followed in the target CRS
    // as far as the tolerance asks (zone/core/reproject.hpp).
    if (transform && !transform->apply(*g)) throw InputError(where, "cannot transform the geometry to the target CRS");
    geos::GeomPtr geom = detail::polygonal_to_geos(ctx, *g);
    if (!geom) throw InputError(where, "GEOS cannot take the geometry: " + ctx.last_error());
    return geom;
}

int make_polygons_valid(const geos::Context& ctx, std::vector<geos::GeomPtr>& geoms, const std::vector<Where>& where,
                        int threads) {
    // In parallel: the costliest part of reading. A single ring proven simple
    // skips GEOS's general check (core/validity/proven_valid.hpp).
    // Geometries move between contexts, which GEOS allows (a context carries
    // only error handling).
    std::vector<std::string> problem(geoms.size());
    std::vector<char> repaired(geoms.size(), 0);
    std::vector<std::size_t> jobs(geoms.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) jobs[i] = i;
    detail::run_parallel(
        jobs, threads, [] { return std::make_unique<geos::Context>(); },
        [&](const geos::Context& wctx, std::size_t i) {
            geos::GeomPtr g(geoms[i].release(), geos::GeomDeleter{wctx.handle()});
            thread_local std::vector<double> ring;
            if (!validity::polygon_is_proven_valid(wctx, g.get(), ring) && GEOSisValid_r(wctx, g.get()) != 1) {
                char* reason = GEOSisValidReason_r(wctx, g.get());
                const std::string why = reason ? reason : "invalid";
                GEOSFree_r(wctx, reason);
                // GEOS checks every coordinate first; MakeValid would silently drop a NaN vertex.
                if (why.rfind("Invalid Coordinate", 0) == 0) {
                    problem[i] = "geometry has a coordinate that is not a finite number (" + why + ")";
                } else {
                    g = geos::make_valid_polygonal(wctx, g.get());
                    if (!g)
                        problem[i] = "invalid geometry (" + why + ") that GEOS cannot repair";
                    else if (GEOSisEmpty_r(wctx, g.get()))
                        problem[i] = "invalid geometry (" + why +
                                     ") that cannot be repaired: no area is left once it is made valid";
                    repaired[i] = 1;
                }
            } else {
                g = geos::polygonal_part(wctx, std::move(g));
            }
            geoms[i] = geos::GeomPtr(g ? g.release() : nullptr, geos::GeomDeleter{ctx.handle()});
        });
    int count = 0;
    for (std::size_t i = 0; i < geoms.size(); ++i) {
        if (!problem[i].empty()) throw InputError(where[i], problem[i]);
        count += repaired[i];
    }
    return count;
}

}  // namespace detail

PolygonLayer read_polygon_layer(const geos::Context& ctx, const SourceRef& source,
                                const ReadOptions& options) {
    OpenLayerOptions open;
    open.encoding = options.encoding;
    VectorLayer opened = open_vector_layer(source, open);
    detail::QuietGdal quiet;
    OGRLayer* layer = opened.layer;
    Where where = opened.where;

    PolygonLayer result;
    result.source = source;
    result.layer_name = where.layer;

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::vector<int> field_index;
    for (const auto& name : options.fields) {
        const int i = defn->GetFieldIndex(name.c_str());
        if (i < 0) {
            Where w = where;
            w.field = name;
            throw InputError(w, "no such field; the layer has: " + field_names(*defn));
        }
        field_index.push_back(i);
    }

    const OGRSpatialReference* srs = layer->GetSpatialRef();
    if (detail::says_no_crs(srs)) {
        const char* srs_name = srs ? srs->GetName() : nullptr;
        if (srs_name && !srs->IsEmpty())
            throw InputError(where, std::string("no coordinate reference system (the layer's SRS is \"") + srs_name + "\")");
        throw InputError(where, opened.shapefile ? "no coordinate reference system: the Shapefile has no .prj"
                                                 : "no coordinate reference system");
    }
    detail::LayerCrs crs = detail::layer_crs(*srs, options.target_crs_wkt, options.reproject_tolerance, where);
    result.crs_wkt = crs.wkt;
    result.crs_geographic = crs.geographic;
    const std::unique_ptr<Reprojection> transform = std::move(crs.transform);

    if (!options.where.empty()) {
        CPLErrorReset();
        if (layer->SetAttributeFilter(options.where.c_str()) != OGRERR_NONE)
            throw InputError(where, "bad attribute filter \"" + options.where + "\": " + last_gdal_error());
    }


    // 1. Read, in order, up to the first feature that cannot be taken.
    std::vector<Where> wheres;
    std::vector<geos::GeomPtr> geoms;
    std::exception_ptr stopped;
    layer->ResetReading();
    for (auto& feature : *layer) {
        Where w = where;
        w.fid = feature->GetFID();
        try {
            OGRGeometry* g = feature->GetGeometryRef();
            if (!g || g->IsEmpty()) {
                ++result.skipped_null;
                continue;
            }
            geos::GeomPtr geom = detail::polygon_from_ogr(ctx, *g, transform.get(), w);
            PolygonFeature pf;
            pf.fid = feature->GetFID();
            for (std::size_t i = 0; i < field_index.size(); ++i) {
                std::string value = feature->IsFieldSetAndNotNull(field_index[i])
                                        ? feature->GetFieldAsString(field_index[i])
                                        : std::string();
                if (!is_valid_utf8(value)) {
                    Where fw = w;
                    fw.field = options.fields[i];
                    throw InputError(fw, "text is not valid UTF-8 and the file declares no encoding that "
                                         "decodes it; if it is GBK, give the Shapefile a .cpg file "
                                         "containing GBK or set encoding = \"GBK\" in the scheme");
                }
                pf.values.push_back(std::move(value));
            }
            result.features.push_back(std::move(pf));
            wheres.push_back(w);
            geoms.push_back(std::move(geom));
        } catch (...) {
            stopped = std::current_exception();
            break;
        }
    }

    // 2. Validity and repair; the first problem in the layer's order wins.
    result.repaired = detail::make_polygons_valid(ctx, geoms, wheres, options.threads);
    if (stopped) std::rethrow_exception(stopped);
    for (std::size_t i = 0; i < geoms.size(); ++i) result.features[i].geom = std::move(geoms[i]);
    if (result.features.empty() && !options.allow_empty)
        throw InputError(where, options.where.empty()
                                    ? "the layer holds no polygon"
                                    : "no polygon matches the filter \"" + options.where + "\"");
    return result;
}

}  // namespace zone
