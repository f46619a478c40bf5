// RAII over the reentrant GEOS C API.
//
// GEOS's C++ API is not stable across releases, so libzone uses the C API
// (`GEOS::geos_c`) and wraps its handles here. Each thread owns one Context;
// a geometry is destroyed through the context that made it.
#pragma once

#include <geos_c.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace zone::geos {

class Context {
public:
    Context();
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    GEOSContextHandle_t handle() const { return handle_; }
    operator GEOSContextHandle_t() const { return handle_; }

    // The text of the last error GEOS reported through this context.
    const std::string& last_error() const { return error_; }

private:
    static void on_error(const char* message, void* self);
    GEOSContextHandle_t handle_;
    std::string error_;
};

// Thrown when GEOS itself fails (topology exceptions and the like).
class GeosError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct GeomDeleter {
    GEOSContextHandle_t ctx = nullptr;
    void operator()(GEOSGeometry* g) const { if (g) GEOSGeom_destroy_r(ctx, g); }
};
using GeomPtr = std::unique_ptr<GEOSGeometry, GeomDeleter>;

struct PreparedDeleter {
    GEOSContextHandle_t ctx = nullptr;
    void operator()(const GEOSPreparedGeometry* g) const { if (g) GEOSPreparedGeom_destroy_r(ctx, g); }
};
using PreparedPtr = std::unique_ptr<const GEOSPreparedGeometry, PreparedDeleter>;

struct CoordSeqDeleter {
    GEOSContextHandle_t ctx = nullptr;
    void operator()(GEOSCoordSequence* s) const { if (s) GEOSCoordSeq_destroy_r(ctx, s); }
};
using CoordSeqPtr = std::unique_ptr<GEOSCoordSequence, CoordSeqDeleter>;

struct TreeDeleter {
    GEOSContextHandle_t ctx = nullptr;
    void operator()(GEOSSTRtree* t) const { if (t) GEOSSTRtree_destroy_r(ctx, t); }
};
// A GEOS STR tree; it holds pointers to geometries it does not own.
using TreePtr = std::unique_ptr<GEOSSTRtree, TreeDeleter>;

// Takes ownership of a geometry a GEOS call returned; a null result is a GEOS
// failure and is thrown with what the operation was and GEOS's own message.
GeomPtr own(const Context& ctx, GEOSGeometry* g, const char* what);
inline GeomPtr own(const Context& ctx, GEOSGeometry* g) { return own(ctx, g, "GEOS operation"); }

PreparedPtr prepare(const Context& ctx, const GEOSGeometry* g);

// A geometry made in a worker's context, from now on destroyed through `ctx`:
// geometries may move between contexts (a context carries only error
// handling), their owners must not outlive the context that destroys them.
inline GeomPtr hand_over(const Context& ctx, GeomPtr g) { return GeomPtr(g.release(), GeomDeleter{ctx.handle()}); }

// A deep copy made in `ctx`: geometries are shared read-only between threads
// and each worker copies what it modifies.
GeomPtr clone(const Context& ctx, const GEOSGeometry* g);

// The empty MultiPolygon.
GeomPtr empty_multipolygon(const Context& ctx);

// Every polygonal part of `g` (Polygon, MultiPolygon or a collection) as a
// MultiPolygon; lines and points are dropped. Consumes `g`.
GeomPtr polygonal_part(const Context& ctx, GeomPtr g);

// GEOS MakeValid with the structure method (areas kept, collapsed parts
// dropped), polygonal part only: empty when no area is left. Null when GEOS
// fails.
GeomPtr make_valid_polygonal(const Context& ctx, const GEOSGeometry* g);

// Little-endian 2-D WKB of a geometry, and back: how geometries leave a
// worker's context and cross to GDAL.
std::vector<unsigned char> to_wkb(const Context& ctx, const GEOSGeometry* g);
GeomPtr from_wkb(const Context& ctx, const std::vector<unsigned char>& wkb);

// Planar area in the units of the coordinates (degrees² for lon/lat); used to
// compare sizes, never reported.
double planar_area(const Context& ctx, const GEOSGeometry* g);

}  // namespace zone::geos
