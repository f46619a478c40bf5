#include "zone/serve/access_log.hpp"

#include "zone/core/error.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <chrono>
#include <cstring>
#include <ctime>

namespace zone::serve {

namespace {

// UTC with milliseconds, as ISO 8601: 2026-12-06T20:10:00.123Z.
std::string utc_now() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                  tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
    return buf;
}

}  // namespace

AccessLog::AccessLog(std::string path) : path_(std::move(path)) {
    if (path_ == "-") return;
    file_ = std::fopen(path_.c_str(), "a");
    if (!file_) throw InputError(Where{path_, {}, {}, {}}, std::string("cannot open the access log: ") + std::strerror(errno));
}

AccessLog::~AccessLog() {
    if (file_) std::fclose(file_);
}

std::string AccessLog::format(const Exchange& e, const std::string& time) {
    nlohmann::ordered_json j;
    j["time"] = time;
    j["client"] = e.client;
    j["method"] = e.method;
    j["endpoint"] = e.path;
    j["status"] = e.status;
    if (!e.verdict.empty()) j["verdict"] = e.verdict;
    if (e.staff) j["staff"] = true;
    j["duration_ms"] = std::round(e.duration_ms * 1000) / 1000;
    j["bytes"] = e.bytes_out;
    // Paths are the client's bytes: invalid UTF-8 is replaced rather than refused.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AccessLog::write(const Exchange& e) {
    const std::string line = format(e, utc_now()) + "\n";
    std::lock_guard lock(mutex_);
    std::FILE* out = file_ ? file_ : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
}

void AccessLog::reopen() {
    if (path_ == "-") return;
    std::FILE* f = std::fopen(path_.c_str(), "a");
    if (!f) return;
    std::lock_guard lock(mutex_);
    if (file_) std::fclose(file_);
    file_ = f;
}

}  // namespace zone::serve
