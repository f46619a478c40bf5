#include "zone/serve/county_lines.hpp"

#include "zone/io/source.hpp"

#include <cpl_conv.h>
#include <ogr_spatialref.h>

namespace zone::serve {

namespace {

std::string cgcs2000_wkt() {
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    char* wkt = nullptr;
    srs.exportToWkt(&wkt);
    std::string out = wkt ? wkt : "";
    CPLFree(wkt);
    return out;
}

}  // namespace

CountyLines::CountyLines(const std::string& boundary, const std::string& encoding, double tolerance_m) {
    gdal_init();
    ReadOptions options;
    options.encoding = encoding;
    options.target_crs_wkt = cgcs2000_wkt();
    PolygonLayer layer = read_polygon_layer(ctx_, parse_source(boundary), options);
    // Every county's outline, noded together and merged into lines that run
    // from one junction of counties to the next: simplified, each border
    // stays one line and neighbours keep meeting.
    std::vector<GEOSGeometry*> outlines;
    for (const auto& f : layer.features) outlines.push_back(GEOSBoundary_r(ctx_, f.geom.get()));
    geos::GeomPtr all = geos::own(ctx_,
                                  GEOSGeom_createCollection_r(ctx_, GEOS_GEOMETRYCOLLECTION, outlines.data(),
                                                              static_cast<unsigned>(outlines.size())),
                                  "county outlines");
    geos::GeomPtr noded = geos::own(ctx_, GEOSUnaryUnion_r(ctx_, all.get()), "county lines");
    geos::GeomPtr merged = geos::own(ctx_, GEOSLineMerge_r(ctx_, noded.get()), "county lines merged");
    // Degrees of latitude are 111 km everywhere; of longitude less, so this is finer than asked there.
    geos::GeomPtr simple =
        geos::own(ctx_, GEOSTopologyPreserveSimplify_r(ctx_, merged.get(), tolerance_m / 111320.0), "county lines simplified");
    const int n = GEOSGetNumGeometries_r(ctx_, simple.get());
    for (int i = 0; i < n; ++i) {
        geos::GeomPtr line = geos::clone(ctx_, GEOSGetGeometryN_r(ctx_, simple.get(), i));
        Box e;
        GEOSGeom_getXMin_r(ctx_, line.get(), &e.min_lon);
        GEOSGeom_getYMin_r(ctx_, line.get(), &e.min_lat);
        GEOSGeom_getXMax_r(ctx_, line.get(), &e.max_lon);
        GEOSGeom_getYMax_r(ctx_, line.get(), &e.max_lat);
        extents_.push_back(e);
        lines_.push_back(std::move(line));
    }
}

std::vector<Polyline> CountyLines::within(const Box& box) const {
    std::vector<Polyline> out;
    geos::Context ctx;  // this thread's
    for (std::size_t i = 0; i < lines_.size(); ++i) {
        const Box& e = extents_[i];
        if (e.max_lon < box.min_lon || e.min_lon > box.max_lon || e.max_lat < box.min_lat || e.min_lat > box.max_lat)
            continue;
        geos::GeomPtr cut = geos::own(
            ctx, GEOSClipByRect_r(ctx, lines_[i].get(), box.min_lon, box.min_lat, box.max_lon, box.max_lat), "clip");
        const int parts = GEOSGetNumGeometries_r(ctx, cut.get());
        for (int p = 0; p < parts; ++p) {
            const GEOSGeometry* part = GEOSGetGeometryN_r(ctx, cut.get(), p);
            if (GEOSGeomTypeId_r(ctx, part) != GEOS_LINESTRING) continue;  // a point where a line touches the box
            const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, part);
            unsigned size = 0;
            GEOSCoordSeq_getSize_r(ctx, seq, &size);
            if (size < 2) continue;
            Polyline line(size);
            for (unsigned k = 0; k < size; ++k) GEOSCoordSeq_getXY_r(ctx, seq, k, &line[k][0], &line[k][1]);
            out.push_back(std::move(line));
        }
    }
    return out;
}

}  // namespace zone::serve
