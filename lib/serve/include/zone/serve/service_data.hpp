// What zone-serve answers from: the unit map and the access list, loaded
// once, and replaced as a whole on reload. Requests hold the data they
// started with, so a reload never changes the data under an answer.
#pragma once

#include "zone/rules/project.hpp"
#include "zone/serve/county_lines.hpp"

#include <memory>
#include <mutex>
#include <string>

namespace zone::serve {

struct DataSources {
    std::string units;     // GDAL source of the unit map
    std::string list;      // the access list (TOML)
    std::string boundary;  // optional: counties with city and circle fields
    std::string encoding;  // of a Shapefile that declares none
    int batch_threads = 0;
    double county_line_tolerance_m = 20;  // simplification of the county lines on the page's map
};

struct LoadedData {
    std::unique_ptr<const ProjectChecker> checker;
    std::unique_ptr<const CountyLines> county_lines;  // null without a boundary
    std::string units_sha256;  // of the map's file ("" when it is no plain file, e.g. PG:)
    std::string list_sha256;
    std::string boundary_sha256;
    std::string loaded_at;     // UTC, ISO 8601
};

// SHA-256 of a file's bytes in hex; "" when `path` is not a regular file.
std::string file_sha256(const std::string& path);

class DataStore {
public:
    // Loads; throws InputError as zone-check project does on bad input.
    explicit DataStore(DataSources sources);

    const DataSources& sources() const { return sources_; }
    std::shared_ptr<const LoadedData> current() const;

    // Loads the sources again and, when that works, puts the new data in
    // place at once; when it fails, the old data stays. Returns "" or why it
    // failed.
    std::string reload();

    struct ReloadStatus {
        int reloads = 0, failures = 0;
        std::string last_error, last_error_at;
    };
    ReloadStatus status() const;

private:
    std::shared_ptr<const LoadedData> load() const;

    DataSources sources_;
    mutable std::mutex mutex_;  // guards data_ and status_
    std::shared_ptr<const LoadedData> data_;
    ReloadStatus status_;
    std::mutex reload_mutex_;   // one reload at a time
};

}  // namespace zone::serve
