// Small things every GDAL-facing part of libzone needs.
#pragma once

#include "zone/core/error.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <ogr_geometry.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/statvfs.h>

#include <filesystem>
#include <memory>
#include <stdexcept>
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

// GDAL's last error message, for a message of ours that says why.
inline std::string last_gdal_error() {
    const char* msg = CPLGetLastErrorMsg();
    return msg && *msg ? msg : "GDAL gave no reason";
}

// Text decoded from GBK (CP936), the encoding of Chinese Shapefiles and of
// CSV saved by Excel on a Chinese desktop; `clean` (when given) tells whether
// every byte decoded.
inline std::string from_gbk(const std::string& s, bool* clean = nullptr) {
    CPLErrorReset();
    char* decoded = CPLRecode(s.c_str(), "CP936", CPL_ENC_UTF8);
    if (clean) *clean = decoded && CPLGetLastErrorType() == CE_None;  // iconv warns of bytes it could not convert
    std::string out = decoded ? decoded : s;
    CPLFree(decoded);
    return out;
}

// Text as UTF-8: as it is when it is UTF-8, else decoded as GBK. `ok` (when
// given) tells whether the text is UTF-8 or GBK.
inline std::string utf8_or_gbk(const std::string& s, bool* ok = nullptr) {
    if (CPLIsUTF8(s.c_str(), static_cast<int>(s.size()))) {
        if (ok) *ok = true;
        return s;
    }
    bool clean = false;
    std::string out = from_gbk(s, &clean);
    if (ok) *ok = clean && CPLIsUTF8(out.c_str(), static_cast<int>(out.size()));
    return out;
}

// The one layer of a dataset, not counting the QGIS style table
// (layer_styles) that zonekit writes beside every unit map; null when the
// dataset holds no layer or several.
inline OGRLayer* sole_layer(GDALDataset& ds) {
    OGRLayer* found = nullptr;
    for (int i = 0; i < ds.GetLayerCount(); ++i) {
        OGRLayer* layer = ds.GetLayer(i);
        if (EQUAL(layer->GetName(), "layer_styles") && layer->GetGeomType() == wkbNone) continue;
        if (found) return nullptr;
        found = layer;
    }
    return found;
}

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

// A write past the file-size limit (ulimit -f) raises SIGXFSZ, whose default
// action kills the process, leaving its temporary folder behind; ignored, the
// write fails with EFBIG and the writer reports it as it reports a full disk
// (exit code 2, no output). Called before anything is written.
inline void make_file_size_limit_an_error() {
    static const bool ignored = (signal(SIGXFSZ, SIG_IGN), true);
    (void)ignored;
}

// Why writing into `dir` may have failed, as the file system tells: the disk
// is full, or a file there has reached the file size limit (ulimit -f); ""
// when neither. GDAL's drivers report such failures in their own words (the
// GeoPackage driver as "no such table: gpkg_geometry_columns"), so messages
// add this.
inline std::string write_limit_reason(const std::filesystem::path& dir) {
    struct statvfs fs_stat {};
    if (statvfs(dir.c_str(), &fs_stat) == 0 && fs_stat.f_bavail == 0) return "the disk is full";
    struct rlimit limit {};
    if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return "";
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
        // A write that crosses the limit stops at it; a database writes pages of up to 64 KiB.
        if (e.is_regular_file(ec) && e.file_size(ec) + 65536 >= limit.rlim_cur)
            return "the file size limit (ulimit -f) of " + std::to_string(limit.rlim_cur) + " bytes is reached";
    }
    return "";
}

// " (a file size limit (ulimit -f) of N bytes is in force)" when there is
// one, else "": for a writer that cannot tell more (GDAL's XLSX driver
// removes what it could not finish).
inline std::string file_size_limit_note() {
    struct rlimit limit {};
    if (getrlimit(RLIMIT_FSIZE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return "";
    return " (a file size limit (ulimit -f) of " + std::to_string(limit.rlim_cur) + " bytes is in force)";
}

// The name a user knows a file by that is being written in a StagedOutputs
// folder (zone/io/output.hpp): DIR/.zonekit-XXXXXX/NAME is DIR/NAME; other paths are
// themselves. For messages.
inline std::string target_path(const std::string& path) {
    const std::filesystem::path p(path);
    const std::string folder = p.parent_path().filename().string();
    if (folder.rfind(".zonekit-", 0) != 0) return path;
    return (p.parent_path().parent_path() / p.filename()).string();
}

}  // namespace zone::detail
