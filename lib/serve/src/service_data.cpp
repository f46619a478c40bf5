#include "zone/serve/service_data.hpp"

#include "zone/rules/access_list.hpp"
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <openssl/evp.h>

#include <chrono>
#include <optional>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

namespace zone::serve {

namespace {

std::string utc_now() {
    const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

}  // namespace

std::string file_sha256(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) return {};
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) EVP_DigestUpdate(ctx, buf, static_cast<std::size_t>(in.gcount()));
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx, digest, &n);
    EVP_MD_CTX_free(ctx);
    std::string hex;
    char two[3];
    for (unsigned int i = 0; i < n; ++i) {
        std::snprintf(two, sizeof two, "%02x", digest[i]);
        hex += two;
    }
    return hex;
}

DataStore::DataStore(DataSources sources) : sources_(std::move(sources)), data_(load()) {}

std::shared_ptr<const LoadedData> DataStore::load() const {
    auto data = std::make_shared<LoadedData>();
    // Hashed before reading, so that a file replaced while it is read shows as changed next time.
    data->units_sha256 = file_sha256(parse_source(sources_.units).path);
    data->list_sha256 = file_sha256(sources_.list);
    if (!sources_.boundary.empty()) data->boundary_sha256 = file_sha256(parse_source(sources_.boundary).path);
    AccessList list = load_access_list(sources_.list);
    data->checker = std::make_unique<const ProjectChecker>(
        std::move(list), read_project_map(sources_.units, sources_.boundary, sources_.encoding), sources_.batch_threads);
    if (!sources_.boundary.empty())
        data->county_lines =
            std::make_unique<const CountyLines>(sources_.boundary, sources_.encoding, sources_.county_line_tolerance_m);
    data->loaded_at = utc_now();
    return data;
}

std::shared_ptr<const LoadedData> DataStore::current() const {
    std::lock_guard lock(mutex_);
    return data_;
}

std::string DataStore::reload() {
    std::lock_guard one_at_a_time(reload_mutex_);
    std::shared_ptr<const LoadedData> fresh;
    std::string error;
    try {
        fresh = load();
    } catch (const std::exception& e) {
        error = e.what();
        if (error.empty()) error = "unknown error";
    }
    std::lock_guard lock(mutex_);
    if (fresh) {
        data_ = std::move(fresh);  // the old data goes when its last request ends
        ++status_.reloads;
    } else {
        ++status_.failures;
        status_.last_error = error;
        status_.last_error_at = utc_now();
    }
    return error;
}

DataStore::ReloadStatus DataStore::status() const {
    std::lock_guard lock(mutex_);
    return status_;
}

}  // namespace zone::serve
