// Reading one band of a GDAL raster for zonal statistics: its grid, CRS,
// nodata, scale and offset, and windows of values with their validity.
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"
#include "zone/monitor/zonal.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <cmath>
#include <memory>

namespace zone {

namespace {

constexpr double pi = 3.14159265358979323846;

std::string gdal_error() {
    const char* m = CPLGetLastErrorMsg();
    return m && *m ? m : "unknown GDAL error";
}

struct Opened {
    GDALDatasetUniquePtr ds;
    GDALRasterBand* band = nullptr;
    RasterGrid grid;
    std::string crs_wkt, crs_name;
};

Opened open_raster(const std::string& path, int band) {
    gdal_init();
    const Where where{path, {}, {}, {}};
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    Opened o;
    o.ds.reset(GDALDataset::Open(path.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY));
    CPLPopErrorHandler();
    VSIStatBufL stat;
    if (!o.ds) {
        if (path.rfind("/vsi", 0) != 0 && VSIStatL(path.c_str(), &stat) != 0) throw InputError(where, "no such file");
        throw InputError(where, "GDAL cannot open it as a raster: " + gdal_error());
    }
    if (band < 1 || band > o.ds->GetRasterCount())
        throw InputError(where, "has " + std::to_string(o.ds->GetRasterCount()) + " band(s); band " +
                                    std::to_string(band) + " was asked for");
    o.band = o.ds->GetRasterBand(band);
    o.grid.width = o.ds->GetRasterXSize();
    o.grid.height = o.ds->GetRasterYSize();
    if (o.ds->GetGeoTransform(o.grid.transform.data()) != CE_None)
        throw InputError(where, "has no geotransform: its pixels have no place on the map");
    const double det = o.grid.transform[1] * o.grid.transform[5] - o.grid.transform[2] * o.grid.transform[4];
    if (!std::isfinite(det) || det == 0) throw InputError(where, "has a degenerate geotransform");
    const OGRSpatialReference* srs = o.ds->GetSpatialRef();
    if (!srs || srs->IsEmpty()) throw InputError(where, "has no coordinate reference system");
    char* wkt = nullptr;
    const char* options[] = {"FORMAT=WKT2_2019", nullptr};
    srs->exportToWkt(&wkt, options);
    o.crs_wkt = wkt ? wkt : "";
    CPLFree(wkt);
    o.crs_name = srs->GetName() ? srs->GetName() : "";
    if (const char* code = srs->GetAuthorityCode(nullptr))
        o.crs_name += std::string(" (") + (srs->GetAuthorityName(nullptr) ? srs->GetAuthorityName(nullptr) : "") + ":" +
                      code + ")";
    o.grid.geographic = srs->IsGeographic();
    return o;
}

}  // namespace

double RasterGrid::row_weight(int row) const {
    if (!geographic || transform[2] != 0 || transform[4] != 0) return 1;
    const double top = (transform[3] + row * transform[5]) * pi / 180;
    const double bottom = (transform[3] + (row + 1) * transform[5]) * pi / 180;
    return std::fabs(std::sin(top) - std::sin(bottom)) / std::fabs(top - bottom);
}

RasterInfo inspect_raster(const std::string& path, int band) {
    Opened o = open_raster(path, band);
    RasterInfo info;
    info.path = path;
    info.band = band;
    info.grid = o.grid;
    info.crs_wkt = o.crs_wkt;
    info.crs_name = o.crs_name;
    int ok = 0;
    info.nodata = o.band->GetNoDataValue(&ok);
    info.has_nodata = ok != 0;
    info.scale = o.band->GetScale(&ok);
    if (!ok) info.scale = 1;
    info.offset = o.band->GetOffset(&ok);
    if (!ok) info.offset = 0;
    return info;
}

struct RasterReader::Impl {
    Opened raster;
    GDALRasterBand* mask = nullptr;  // a mask band to read (alpha, mask file); null: none
    bool nodata = false;             // validity from the nodata value, compared here
    double nodata_value = 0;
    std::string path;
};

RasterReader::RasterReader(const std::string& path, int band) : impl_(new Impl) {
    try {
        impl_->raster = open_raster(path, band);
    } catch (...) {
        delete impl_;
        throw;
    }
    impl_->path = path;
    grid_ = impl_->raster.grid;
    crs_wkt_ = impl_->raster.crs_wkt;
    GDALRasterBand* b = impl_->raster.band;
    int ok = 0;
    scale_ = b->GetScale(&ok);
    if (!ok) scale_ = 1;
    offset_ = b->GetOffset(&ok);
    if (!ok) offset_ = 0;
    // A nodata value is compared here: GDAL's nodata mask would read every
    // block a second time to compute the same thing.
    const int flags = b->GetMaskFlags();
    if (flags == GMF_NODATA) {
        impl_->nodata = true;
        impl_->nodata_value = b->GetNoDataValue(&ok);
        // As the band stores it: a Float32 band holds the nearest float.
        if (b->GetRasterDataType() == GDT_Float32)
            impl_->nodata_value = static_cast<double>(static_cast<float>(impl_->nodata_value));
    } else if (flags != GMF_ALL_VALID) {
        impl_->mask = b->GetMaskBand();
    }
}

RasterReader::~RasterReader() { delete impl_; }

void RasterReader::read(int row0, int row1, int col0, int col1, std::vector<double>& values,
                        std::vector<unsigned char>& valid) {
    const int w = col1 - col0, h = row1 - row0;
    values.resize(static_cast<std::size_t>(w) * static_cast<std::size_t>(h));
    valid.assign(values.size(), 1);
    if (values.empty()) return;
    if (impl_->raster.band->RasterIO(GF_Read, col0, row0, w, h, values.data(), w, h, GDT_Float64, 0, 0) != CE_None)
        throw InputError(Where{impl_->path, {}, {}, {}}, "cannot read pixels: " + gdal_error());
    if (impl_->mask &&
        impl_->mask->RasterIO(GF_Read, col0, row0, w, h, valid.data(), w, h, GDT_Byte, 0, 0) != CE_None)
        throw InputError(Where{impl_->path, {}, {}, {}}, "cannot read its nodata mask: " + gdal_error());
    if (impl_->nodata) {
        const double nodata = impl_->nodata_value;
        for (std::size_t i = 0; i < values.size(); ++i) valid[i] = values[i] != nodata && !std::isnan(values[i]);
    } else {
        for (std::size_t i = 0; i < values.size(); ++i) valid[i] = valid[i] != 0 && !std::isnan(values[i]);
    }
}

}  // namespace zone
