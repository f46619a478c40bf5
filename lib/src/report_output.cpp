// Output plumbing of zone-report: formats by extension, checks made before the
// work, and staged files renamed together at the end.
#include "zone/report_output.hpp"

#include "gdal_util.hpp"
#include "zone/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace zone {

const char* to_string(ReportFormat f) {
    switch (f) {
        case ReportFormat::html: return "html";
        case ReportFormat::markdown: return "md";
        case ReportFormat::csv: return "csv";
        case ReportFormat::xlsx: return "xlsx";
        case ReportFormat::json: return "json";
    }
    return "?";
}

ReportFormat parse_report_format(const std::string& name) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    if (n == "html" || n == "htm") return ReportFormat::html;
    if (n == "md" || n == "markdown") return ReportFormat::markdown;
    if (n == "csv") return ReportFormat::csv;
    if (n == "xlsx") return ReportFormat::xlsx;
    if (n == "json") return ReportFormat::json;
    throw InputError("unknown report format '" + name + "'; use html, md, csv, xlsx or json");
}

ReportFormat report_format_for_path(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    if (!ext.empty()) ext.erase(0, 1);
    try {
        return parse_report_format(ext);
    } catch (const InputError&) {
        throw InputError(Where{path, {}, {}, {}}, "cannot tell the report format from the extension '" + ext +
                                                      "'; use .html, .md, .csv, .xlsx or .json, or give --format");
    }
}

const char* category_colour(int category) {
    switch (category) {
        case 1: return "#3d9a50";  // priority protection: green
        case 2: return "#e4713a";  // key control: orange-red
        case 3: return "#f2e3a0";  // general control: pale yellow
    }
    return "#cccccc";
}

namespace {

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

}  // namespace

void check_report_output(const std::string& path, const std::vector<std::string>& inputs, bool overwrite) {
    const Where where{path, {}, {}, {}};
    for (const auto& input : inputs)
        if (!input.empty() && same_file(path, input))
            throw InputError(where, "the output would replace an input (" + input + ")");
    std::error_code ec;
    if (fs::is_directory(path, ec)) throw InputError(where, "is a folder; name a file");
    if (fs::exists(path, ec) && !overwrite) throw InputError(where, "already exists; pass --overwrite to replace it");
    const fs::path parent = fs::absolute(path).parent_path();
    if (!fs::is_directory(parent, ec)) throw InputError(where, "the folder " + parent.string() + " does not exist");
    if (access(parent.c_str(), W_OK | X_OK) != 0)
        throw InputError(where, "the folder " + parent.string() + " is not writable");
}

StagedFiles::~StagedFiles() {
    std::error_code ec;
    for (const auto& d : dirs_) fs::remove_all(d, ec);
}

std::string StagedFiles::stage(const std::string& target) {
    detail::make_file_size_limit_an_error();
    const fs::path absolute = fs::absolute(target);
    std::string pattern = (absolute.parent_path() / ".zonekit-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
        throw InputError(Where{target, {}, {}, {}},
                         std::string("cannot create a temporary folder beside it: ") + std::strerror(errno));
    dirs_.push_back(pattern);
    // Same file name: GDAL drivers go by the extension.
    const std::string staged = (fs::path(pattern) / absolute.filename()).string();
    files_.emplace_back(staged, absolute.string());
    return staged;
}

void StagedFiles::stage_text(const std::string& target, const std::string& bytes) {
    const std::string staged = stage(target);
    // POSIX calls rather than a stream: errno then says why a write failed
    // (a full disk, a file size limit), and the message can say it too.
    const int fd = open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + target + ": " + std::strerror(errno));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const std::string reason = n < 0 ? std::strerror(errno) : "nothing written";
            close(fd);
            throw std::runtime_error("cannot write " + target + ": " + reason);
        }
        done += static_cast<std::size_t>(n);
    }
    if (close(fd) != 0) throw std::runtime_error("cannot write " + target + ": " + std::strerror(errno));
}

void write_file_atomically(const std::string& path, const std::string& bytes) {
    StagedFiles files;
    files.stage_text(path, bytes);
    files.commit();
}

void StagedFiles::commit() {
    for (const auto& [staged, target] : files_) {
        std::error_code ec;
        if (!fs::exists(staged, ec)) throw std::runtime_error("internal: " + target + " was staged but not written");
    }
    const mode_t mask = umask(0);
    umask(mask);
    for (const auto& [staged, target] : files_) {
        // mkdtemp's folder is private; the file itself is as readable as any other.
        chmod(staged.c_str(), 0666 & ~mask);
        fs::rename(staged, target);
    }
    files_.clear();
}

}  // namespace zone
