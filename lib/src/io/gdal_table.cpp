#include "io/gdal_table.hpp"

#include "io/gdal_util.hpp"

#include "zone/io/source.hpp"

#include <cpl_error.h>

#include <filesystem>
#include <stdexcept>

namespace zone::detail {

TableFile::TableFile(const char* driver_name, const std::string& path) : path_(path) {
    gdal_init();
    CPLErrorReset();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
    if (!driver) throw std::runtime_error(std::string("this GDAL has no ") + driver_name + " driver");
    // Failures from here to close() are reported by close().
    ds_.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds_) {
        const std::string why = write_limit_reason(std::filesystem::path(path).parent_path());
        throw std::runtime_error("cannot create " + target_path(path) + ": " +
                                 (why.empty() ? std::string(CPLGetLastErrorMsg()) : why));
    }
    // One transaction for the whole file: a GeoPackage otherwise commits every row.
    if (ds_->TestCapability(ODsCTransactions)) in_transaction_ = ds_->StartTransaction() == OGRERR_NONE;
}

TableFile::~TableFile() {
    if (ds_ && in_transaction_) ds_->RollbackTransaction();
}

OGRLayer* TableFile::add_table(const std::string& name, const std::vector<TableColumn>& columns) {
    OGRLayer* layer = ds_->CreateLayer(name.c_str(), nullptr, wkbNone, nullptr);
    if (!layer) throw std::runtime_error("cannot create table " + name + " in " + path_ + ": " + CPLGetLastErrorMsg());
    for (const auto& c : columns) {
        OGRFieldDefn def(c.name.c_str(), c.type);
        if (layer->CreateField(&def) != OGRERR_NONE)
            throw std::runtime_error("cannot create column " + c.name + " in " + path_ + ": " + CPLGetLastErrorMsg());
    }
    return layer;
}

void TableFile::add_row(OGRLayer* table, OGRFeature& row) {
    if (table->CreateFeature(&row) != OGRERR_NONE)
        throw std::runtime_error("cannot write a row to " + path_ + ": " + CPLGetLastErrorMsg());
}

void TableFile::close() {
    if (in_transaction_) {
        in_transaction_ = false;
        if (ds_->CommitTransaction() != OGRERR_NONE)
            throw std::runtime_error("writing " + path_ + " failed: " + CPLGetLastErrorMsg());
    }
    const std::string driver = ds_->GetDriver() ? ds_->GetDriver()->GetDescription() : "";
    const int tables = ds_->GetLayerCount();
    ds_.reset();  // writes the file (XLSX is written on close)
    if (CPLGetLastErrorType() == CE_Failure)
        throw std::runtime_error("cannot write " + target_path(path_) + file_size_limit_note() + ": " + CPLGetLastErrorMsg());
    // GDAL's XLSX driver writes its zip on close and does not report a write
    // that failed (a full disk, a file size limit): the file is read back.
    if (driver == "XLSX") {
        const char* const xlsx_only[] = {"XLSX", nullptr};
        GDALDatasetUniquePtr back(GDALDataset::Open(path_.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, xlsx_only, nullptr, nullptr));
        if (!back || back->GetLayerCount() != tables)
            throw std::runtime_error("cannot write " + target_path(path_) +
                                     ": the file is incomplete (is the disk full, or a file size limit reached?)");
    }
}

}  // namespace zone::detail
