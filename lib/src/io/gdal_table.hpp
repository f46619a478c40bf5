// Tables without geometry written through a GDAL vector driver: sheets of an
// XLSX workbook, attribute tables of a GeoPackage. Columns are typed, so that
// numbers stay numbers (Excel can add them up, QGIS can join and style by them).
// The file is written to `path` as it is: callers stage it (StagedOutputs).
#pragma once

#include "io/gdal_util.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace zone::detail {

struct TableColumn {
    std::string name;
    OGRFieldType type;
};

class TableFile {
public:
    // `driver` is a GDAL vector driver that writes tables ("XLSX", "GPKG").
    TableFile(const char* driver, const std::string& path);
    ~TableFile();
    TableFile(const TableFile&) = delete;
    TableFile& operator=(const TableFile&) = delete;

    // A new table (sheet) with these columns.
    OGRLayer* add_table(const std::string& name, const std::vector<TableColumn>& columns);
    void add_row(OGRLayer* table, OGRFeature& row);
    // Writes everything out; throws when GDAL reports a failure.
    void close();

private:
    QuietGdal quiet_;  // failures are thrown in plain words, not printed by GDAL
    std::string path_;
    GDALDatasetUniquePtr ds_;  // closed with GDALClose
    bool in_transaction_ = false;
};

}  // namespace zone::detail
