// Small things every GDAL-facing part of libzone needs.
#pragma once

#include "zone/error.hpp"

#include <cpl_error.h>
#include <ogr_geometry.h>

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

namespace zone::detail {

// GDAL's own messages are not printed: libzone reports problems itself, in
// plain words, through exceptions and findings.
struct QuietGdal {
    QuietGdal() { CPLPushErrorHandler(CPLQuietErrorHandler); }
    ~QuietGdal() { CPLPopErrorHandler(); }
    QuietGdal(const QuietGdal&) = delete;
    QuietGdal& operator=(const QuietGdal&) = delete;
};

// Curved geometries (CurvePolygon, MultiSurface) as their linear
// approximation, kept alive by `holder`; others as they are. Returns the
// geometry to use and sets its flat type.
inline OGRGeometry* linear_geometry(OGRGeometry* g, std::unique_ptr<OGRGeometry>& holder, OGRwkbGeometryType& type) {
    type = wkbFlatten(g->getGeometryType());
    if (type == wkbCurvePolygon || type == wkbMultiSurface) {
        holder.reset(g->getLinearGeometry());
        g = holder.get();
        type = wkbFlatten(g->getGeometryType());
    }
    return g;
}

// A temporary folder beside an output, removed with whatever is left in it:
// outputs are written there and renamed into place when complete.
class TempDir {
public:
    explicit TempDir(const std::filesystem::path& parent) {
        std::string pattern = (parent / ".zonekit-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
            throw InputError(Where{parent.string(), {}, {}, {}}, "cannot create a temporary folder here");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace zone::detail
