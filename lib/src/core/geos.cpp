#include "zone/core/geos.hpp"

#include <cstdarg>
#include <cstdio>
#include <vector>

namespace zone::geos {


Context::Context() : handle_(GEOS_init_r()) {
    if (!handle_) throw GeosError("cannot initialise GEOS");
    GEOSContext_setErrorMessageHandler_r(handle_, &Context::on_error, this);
    GEOSContext_setNoticeMessageHandler_r(handle_, nullptr, nullptr);
}

Context::~Context() { GEOS_finish_r(handle_); }

void Context::on_error(const char* message, void* self) {
    static_cast<Context*>(self)->error_ = message ? message : "unknown GEOS error";
}

GeomPtr own(const Context& ctx, GEOSGeometry* g, const char* what) {
    if (!g) {
        std::string msg = what;
        msg += " failed";
        if (!ctx.last_error().empty()) msg += ": " + ctx.last_error();
        throw GeosError(msg);
    }
    return GeomPtr(g, GeomDeleter{ctx.handle()});
}

PreparedPtr prepare(const Context& ctx, const GEOSGeometry* g) {
    const GEOSPreparedGeometry* p = GEOSPrepare_r(ctx, g);
    if (!p) throw GeosError("GEOSPrepare failed: " + ctx.last_error());
    return PreparedPtr(p, PreparedDeleter{ctx.handle()});
}

GeomPtr clone(const Context& ctx, const GEOSGeometry* g) {
    return own(ctx, GEOSGeom_clone_r(ctx, g), "clone");
}

GeomPtr empty_multipolygon(const Context& ctx) {
    return own(ctx, GEOSGeom_createEmptyCollection_r(ctx, GEOS_MULTIPOLYGON), "empty");
}

GeomPtr polygonal_part(const Context& ctx, GeomPtr g) {
    const int type = GEOSGeomTypeId_r(ctx, g.get());
    if (type == GEOS_MULTIPOLYGON) return g;
    if (type == GEOS_POLYGON) {
        GEOSGeometry* parts[1] = {g.release()};
        return own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, parts, 1), "multipolygon");
    }
    std::vector<GEOSGeometry*> polys;
    if (type == GEOS_GEOMETRYCOLLECTION) {
        const int n = GEOSGetNumGeometries_r(ctx, g.get());
        for (int i = 0; i < n; ++i) {
            const GEOSGeometry* part = GEOSGetGeometryN_r(ctx, g.get(), i);
            const int pt = GEOSGeomTypeId_r(ctx, part);
            if (pt == GEOS_POLYGON) {
                if (!GEOSisEmpty_r(ctx, part)) polys.push_back(GEOSGeom_clone_r(ctx, part));
            } else if (pt == GEOS_MULTIPOLYGON) {
                const int m = GEOSGetNumGeometries_r(ctx, part);
                for (int j = 0; j < m; ++j)
                    polys.push_back(GEOSGeom_clone_r(ctx, GEOSGetGeometryN_r(ctx, part, j)));
            }
        }
    }
    return own(ctx,
               GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polys.data(),
                                           static_cast<unsigned>(polys.size())),
               "multipolygon");
}

GeomPtr make_valid_polygonal(const Context& ctx, const GEOSGeometry* g) {
    GEOSMakeValidParams* params = GEOSMakeValidParams_create_r(ctx);
    GEOSMakeValidParams_setMethod_r(ctx, params, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(ctx, params, 0);
    GEOSGeometry* fixed = GEOSMakeValidWithParams_r(ctx, g, params);
    GEOSMakeValidParams_destroy_r(ctx, params);
    if (!fixed) return GeomPtr(nullptr, GeomDeleter{ctx.handle()});
    return polygonal_part(ctx, own(ctx, fixed));
}

std::vector<unsigned char> to_wkb(const Context& ctx, const GEOSGeometry* g) {
    GEOSWKBWriter* writer = GEOSWKBWriter_create_r(ctx);
    GEOSWKBWriter_setByteOrder_r(ctx, writer, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(ctx, writer, 2);
    std::size_t size = 0;
    unsigned char* bytes = GEOSWKBWriter_write_r(ctx, writer, g, &size);
    GEOSWKBWriter_destroy_r(ctx, writer);
    if (!bytes) throw GeosError("writing WKB failed: " + ctx.last_error());
    std::vector<unsigned char> out(bytes, bytes + size);
    GEOSFree_r(ctx, bytes);
    return out;
}

GeomPtr from_wkb(const Context& ctx, const std::vector<unsigned char>& wkb) {
    GEOSWKBReader* reader = GEOSWKBReader_create_r(ctx);
    GEOSGeometry* g = GEOSWKBReader_read_r(ctx, reader, wkb.data(), wkb.size());
    GEOSWKBReader_destroy_r(ctx, reader);
    return own(ctx, g, "reading WKB");
}

double planar_area(const Context& ctx, const GEOSGeometry* g) {
    double a = 0;
    if (!GEOSArea_r(ctx, g, &a)) throw GeosError("GEOSArea failed: " + ctx.last_error());
    return a;
}

}  // namespace zone::geos
