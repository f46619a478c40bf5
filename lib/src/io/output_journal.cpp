// The commit journal of StagedOutputs (output_journal.hpp).
#include "io/output_journal.hpp"

#include "io/write_all.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace zone::detail {

namespace {

constexpr const char* kPrefix = ".zonekit-";
constexpr const char* kJournal = "journal";
constexpr const char* kCommitted = "committed";
// Fields are separated by NUL: no path can hold one.
constexpr const char* kMagic = "zonekit-journal-1";

struct Journal {
    std::vector<std::string> folders;
    std::vector<CommitStep> steps;
};

// Writes `bytes` as `folder/name` through a temporary and a rename, so that
// the file is there whole or not at all.
void write_atomically(const std::string& folder, const std::string& name, const std::string& bytes) {
    const std::string tmp = folder + "/" + name + ".tmp";
    const int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write the commit journal in " + folder + ": " + std::strerror(errno));
    if (const int err = write_all(fd, bytes)) {
        close(fd);
        throw std::runtime_error("cannot write the commit journal in " + folder + ": " + std::strerror(err));
    }
    if (close(fd) != 0 || rename(tmp.c_str(), (folder + "/" + name).c_str()) != 0)
        throw std::runtime_error("cannot write the commit journal in " + folder + ": " + std::strerror(errno));
}

// The journal of `folder`, or nothing when it has none (its run was killed
// before its commit began) or one not of this format.
std::optional<Journal> read_journal(const std::string& folder) {
    std::ifstream in(folder + "/" + kJournal, std::ios::binary);
    if (!in) return std::nullopt;
    std::stringstream s;
    s << in.rdbuf();
    const std::string bytes = s.str();
    std::vector<std::string> fields;
    std::size_t at = 0;
    while (at < bytes.size()) {
        const auto end = bytes.find('\0', at);
        if (end == std::string::npos) return std::nullopt;
        fields.push_back(bytes.substr(at, end - at));
        at = end + 1;
    }
    if (fields.empty() || fields[0] != kMagic) return std::nullopt;
    Journal j;
    for (std::size_t i = 1; i < fields.size();) {
        if (fields[i] == "folder" && i + 1 < fields.size()) {
            j.folders.push_back(fields[i + 1]);
            i += 2;
        } else if (fields[i] == "step" && i + 2 < fields.size()) {
            j.steps.push_back(CommitStep{fields[i + 1], fields[i + 2]});
            i += 3;
        } else {
            return std::nullopt;
        }
    }
    if (j.folders.empty()) return std::nullopt;
    return j;
}

// The folder open and locked by this process, or -1 when another living
// process holds it (or it is gone).
int lock_folder(const std::string& folder) {
    const int fd = open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Whether `fd` is still the folder named `path` (a concurrent clean-up may
// have removed the folder between its creation and its lock).
bool names_same_folder(int fd, const std::string& path) {
    struct stat by_fd {}, by_path {};
    return fstat(fd, &by_fd) == 0 && stat(path.c_str(), &by_path) == 0 && by_fd.st_ino == by_path.st_ino &&
           by_fd.st_dev == by_path.st_dev;
}

bool is_committed(const std::string& deciding_folder) {
    std::error_code ec;
    return fs::exists(fs::path(deciding_folder) / kCommitted, ec);
}

}  // namespace

StagingFolder::StagingFolder(const std::string& parent) {
    // A clean-up by another run may remove the folder between mkdtemp and
    // the lock: then it is made again.
    for (int attempt = 0; attempt < 8; ++attempt) {
        std::string pattern = (fs::path(parent) / (std::string(kPrefix) + "XXXXXX")).string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error(std::strerror(errno));
        const int fd = lock_folder(pattern);
        if (fd >= 0 && names_same_folder(fd, pattern)) {
            path_ = pattern;
            fd_ = fd;
            return;
        }
        if (fd >= 0) close(fd);
    }
    throw std::runtime_error("another process keeps removing it");
}

StagingFolder::~StagingFolder() {
    if (fd_ >= 0) close(fd_);
}

StagingFolder::StagingFolder(StagingFolder&& other) noexcept : path_(std::move(other.path_)), fd_(other.fd_) {
    other.fd_ = -1;
}

void write_journal(const std::string& folder, const std::vector<std::string>& folders,
                   const std::vector<CommitStep>& steps) {
    std::string bytes = std::string(kMagic) + '\0';
    for (const auto& f : folders) bytes += std::string("folder") + '\0' + f + '\0';
    for (const auto& s : steps) bytes += std::string("step") + '\0' + s.staged + '\0' + s.target + '\0';
    write_atomically(folder, kJournal, bytes);
}

void mark_committed(const std::string& deciding_folder) { write_atomically(deciding_folder, kCommitted, ""); }

void carry_out(const std::vector<CommitStep>& steps) {
    std::error_code ec;
    for (const auto& s : steps) {
        if (s.staged.empty()) {
            fs::remove(s.target, ec);
        } else if (fs::exists(s.staged, ec)) {
            fs::rename(s.staged, s.target);
        }
    }
}

std::vector<std::string> finish_interrupted_commits(const std::string& folder) {
    std::vector<std::string> completed;
    std::error_code ec;
    std::vector<std::string> candidates;
    for (const auto& e : fs::directory_iterator(folder.empty() ? "." : folder, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kPrefix, 0) == 0 && e.is_directory(ec)) candidates.push_back(e.path().string());
    }
    for (const auto& candidate : candidates) {
        const int fd = lock_folder(candidate);
        if (fd < 0) continue;  // its run is alive, or another run finishes it
        try {
            const auto journal = read_journal(candidate);
            if (journal && is_committed(journal->folders.front())) {
                // Decided: every folder of the commit is carried through
                // before any is removed, the deciding one last, so that the
                // decision outlives the steps it stands for.
                for (const auto& f : journal->folders) {
                    const auto steps = fs::equivalent(f, candidate, ec) ? journal : read_journal(f);
                    if (!steps) continue;
                    carry_out(steps->steps);
                    for (const auto& s : steps->steps)
                        if (!s.staged.empty()) completed.push_back(s.target);
                }
                for (std::size_t i = journal->folders.size(); i-- > 0;)
                    if (!fs::equivalent(journal->folders[i], candidate, ec)) fs::remove_all(journal->folders[i], ec);
            }
            // Undecided (or done): the old outputs stand; the staged files go.
            fs::remove_all(candidate, ec);
        } catch (const std::exception&) {
            // Left as it is, for a run that can.
        }
        close(fd);
    }
    return completed;
}

}  // namespace zone::detail
