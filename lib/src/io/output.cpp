// The output plan (inputs against outputs, before any work) and the staged
// writer (temporaries beside the targets, renamed together at the end).
#include "zone/io/output.hpp"

#include "io/gdal_util.hpp"
#include "io/output_journal.hpp"
#include "io/write_all.hpp"
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <cpl_vsi.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

namespace fs = std::filesystem;

namespace zone {

namespace {

// A path as GDAL reads it, split around the local file it lives in:
// prefix + file + inner. "/vsizip/d/a.zip/u.shp" is {"/vsizip/", "d/a.zip",
// "/u.shp"}; a plain path is {"", path, ""}.
struct LocalPath {
    std::string prefix, file, inner;
};

// Nothing for standard input/output, connections and /vsi… files that are
// not in a local archive (/vsimem/, /vsicurl/ …): no local file to protect.
std::optional<LocalPath> split_local(const std::string& path) {
    if (path.empty() || path == "-" || path.rfind("PG:", 0) == 0) return std::nullopt;
    for (const std::string prefix : {"/vsizip/", "/vsigzip/", "/vsitar/"}) {
        if (path.rfind(prefix, 0) != 0) continue;
        const std::string rest = path.substr(prefix.size());
        for (const std::string ext : {".zip", ".ZIP", ".gz", ".GZ", ".tar", ".TAR", ".tgz", ".TGZ"}) {
            const auto at = rest.find(ext + "/");
            if (at != std::string::npos) return LocalPath{prefix, rest.substr(0, at + ext.size()), rest.substr(at + ext.size())};
        }
        return LocalPath{prefix, rest, ""};
    }
    if (path.rfind("/vsi", 0) == 0) return std::nullopt;
    return LocalPath{"", path, ""};
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

bool is_upper(const std::string& s) {
    return std::none_of(s.begin(), s.end(), [](unsigned char c) { return std::islower(c); });
}

// A Shapefile's files, in the case of its extension (GDAL writes them so);
// the QGIS style is "units.qml" whatever the case (qml_path_beside).
std::vector<std::string> shapefile_files(const fs::path& file) {
    const bool upper = is_upper(file.extension().string());
    std::vector<std::string> files;
    for (const std::string ext : {".shp", ".shx", ".dbf", ".prj", ".cpg"}) {
        std::string e = ext;
        if (upper) std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::toupper(c); });
        files.push_back(fs::path(file).replace_extension(e).string());
    }
    files.push_back(fs::path(file).replace_extension(".qml").string());
    return files;
}

bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);  // links too
    return fs::weakly_canonical(fs::absolute(a), ec) == fs::weakly_canonical(fs::absolute(b), ec);
}

// Packs `files` (local paths) into a new zip archive `zip`, in the folder of
// `member` ("/units.shp": the top; "/a/units.shp": folder a).
void pack_zip(const std::vector<std::string>& files, const std::string& zip, const std::string& member,
              const std::string& target) {
    std::string folder = fs::path(member).parent_path().string();
    if (folder == "/") folder.clear();
    for (const auto& file : files) {
        const std::string name = "/vsizip/" + zip + folder + "/" + fs::path(file).filename().string();
        std::ifstream in(file, std::ios::binary);
        VSILFILE* out = VSIFOpenL(name.c_str(), "wb");
        if (!in || !out) {
            if (out) VSIFCloseL(out);
            throw std::runtime_error("cannot pack " + target + ": " + CPLGetLastErrorMsg());
        }
        char buffer[1 << 16];
        bool written = true;
        while (written && (in.read(buffer, sizeof buffer) || in.gcount() > 0)) {
            const auto n = static_cast<std::size_t>(in.gcount());
            written = VSIFWriteL(buffer, 1, n, out) == n;
        }
        if (VSIFCloseL(out) != 0 || !written) throw std::runtime_error("cannot pack " + target);
    }
}

}  // namespace

std::vector<std::string> source_files(const std::string& source) {
    if (source.empty()) return {};
    const auto local = split_local(parse_source(source).path);
    if (!local) return {};
    const fs::path file = local->file;
    // Inside an archive the archive is the file; a Shapefile is read with its sidecars.
    if (local->inner.empty()) {
        const std::string ext = lower(file.extension().string());
        if (ext == ".shp" || ext == ".dbf") return shapefile_files(file);
    }
    return {file.string()};
}

std::vector<std::string> output_files(const std::string& path) {
    const auto local = split_local(path);
    if (!local) return {};
    const fs::path file = local->file;
    if (local->inner.empty() && lower(file.extension().string()) == ".shp") return shapefile_files(file);
    return {file.string()};
}

// ---------------------------------------------------------------- the plan

OutputPlan& OutputPlan::input(const std::string& source) {
    if (!source.empty()) inputs_.push_back(source);
    return *this;
}

OutputPlan& OutputPlan::inputs(const std::vector<std::string>& sources) {
    for (const auto& s : sources) input(s);
    return *this;
}

OutputPlan& OutputPlan::output(const std::string& path, const std::string& what) {
    if (!path.empty()) outputs_.push_back(Output{path, what, false});
    return *this;
}

OutputPlan& OutputPlan::appended(const std::string& path, const std::string& what) {
    if (!path.empty()) outputs_.push_back(Output{path, what, true});
    return *this;
}

void OutputPlan::check() const {
    std::vector<std::string> input_files;
    for (const auto& source : inputs_)
        for (auto& f : source_files(source)) input_files.push_back(std::move(f));
    {
        // Whole files to read and to check against: a killed run's commit
        // is finished first.
        std::vector<std::string> folders;
        for (const auto& f : input_files) folders.push_back(fs::absolute(f).parent_path().string());
        for (const auto& out : outputs_)
            if (const auto local = split_local(out.path)) folders.push_back(fs::absolute(local->file).parent_path().string());
        std::sort(folders.begin(), folders.end());
        folders.erase(std::unique(folders.begin(), folders.end()), folders.end());
        std::error_code ec;
        for (const auto& folder : folders)
            if (fs::is_directory(folder, ec)) detail::finish_interrupted_commits(folder);
    }

    bool stdout_taken = false;
    for (std::size_t i = 0; i < outputs_.size(); ++i) {
        const Output& out = outputs_[i];
        const Where where{out.path, {}, {}, {}};
        if (out.path == "-") {
            if (stdout_taken) throw InputError("standard output (-) is named for two outputs");
            stdout_taken = true;
            continue;
        }
        const auto local = split_local(out.path);
        if (!local) throw InputError(where, "cannot be written: name a file (or - for standard output)");
        const std::vector<std::string> files = output_files(out.path);
        for (const auto& file : files)
            for (const auto& input : input_files)
                if (same_file(file, input))
                    throw InputError(where, "the " + out.what + " would replace an input (" + input + ")");
        for (std::size_t j = 0; j < i; ++j)
            for (const auto& earlier : output_files(outputs_[j].path))
                for (const auto& file : files)
                    if (same_file(file, earlier)) throw InputError(where, "is named for two outputs");
        std::error_code ec;
        if (fs::is_directory(local->file, ec)) throw InputError(where, "is a folder; name a file for the " + out.what);
        if (!overwrite_ && !out.append)
            for (const auto& file : files)
                if (fs::exists(file, ec))
                    throw InputError(Where{file, {}, {}, {}}, "already exists; pass --overwrite to replace it");
        const fs::path parent = fs::absolute(local->file).parent_path();
        if (!fs::is_directory(parent, ec))
            throw InputError(where, "the folder " + parent.string() + " does not exist");
        // Said before the work rather than when the result cannot be written.
        if (access(parent.c_str(), W_OK | X_OK) != 0)
            throw InputError(where, "the folder " + parent.string() + " is not writable");
    }
}

// ---------------------------------------------------------------- the writer

StagedOutputs::~StagedOutputs() {
    // Each folder removed while still locked, so that no other run takes it
    // for a killed run's; the first (deciding) folder last.
    std::error_code ec;
    for (auto s = staged_.rbegin(); s != staged_.rend(); ++s) {
        if (!s->folder.empty()) fs::remove_all(s->folder, ec);
        s->lock.reset();
    }
}

std::string StagedOutputs::stage(const std::string& target, const std::string& stdout_name) {
    detail::make_file_size_limit_an_error();
    Staged s;
    s.target = target;
    LocalPath local;
    fs::path parent;
    if (target == "-") {
        s.to_stdout = true;
        parent = fs::temp_directory_path();
        local.file = stdout_name.empty() ? "stdout" : stdout_name;
    } else {
        const auto split = split_local(target);
        if (!split) throw InputError(Where{target, {}, {}, {}}, "cannot be written: name a file");
        local = *split;
        parent = fs::absolute(local.file).parent_path();
    }
    detail::finish_interrupted_commits(parent.string());
    try {
        s.lock = std::make_shared<detail::StagingFolder>(parent.string());
    } catch (const std::runtime_error& e) {
        throw InputError(Where{target, {}, {}, {}}, std::string("cannot create a temporary folder beside it: ") + e.what());
    }
    s.folder = s.lock->path();
    // The target's own name: GDAL drivers go by the extension.
    s.local_name = fs::path(local.file).filename().string();
    if (local.prefix == "/vsizip/" && !local.inner.empty()) {
        // Written plainly beside the archive-to-be; packed by commit().
        s.zip_member = local.inner;
        s.staged = (fs::path(s.folder) / fs::path(local.inner).filename()).string();
    } else {
        s.staged = local.prefix + (fs::path(s.folder) / s.local_name).string() + local.inner;
    }
    staged_.push_back(s);
    return staged_.back().staged;
}

void StagedOutputs::write(const std::string& target, const std::function<void(const std::string&)>& write,
                          const std::string& stdout_name) {
    const std::string staged = stage(target, stdout_name);
    const std::string folder = staged_.back().folder;
    try {
        write(staged);
    } catch (const InputError&) {
        throw;
    } catch (const std::runtime_error& e) {
        const std::string why = detail::write_limit_reason(folder);
        if (why.empty()) throw;
        throw std::runtime_error(std::string(e.what()) + " (" + why + ")");
    }
}

void StagedOutputs::write_text(const std::string& target, const std::string& bytes) {
    if (target == "-") {
        Staged s;
        s.target = target;
        s.to_stdout = true;
        s.text = true;
        s.bytes = bytes;
        staged_.push_back(std::move(s));
        return;
    }
    const std::string staged = stage(target);
    if (staged.rfind("/vsi", 0) == 0) {  // into an archive: through GDAL's virtual file system
        VSILFILE* f = VSIFOpenL(staged.c_str(), "wb");
        if (!f) throw std::runtime_error("cannot write " + target + ": " + CPLGetLastErrorMsg());
        const bool written = VSIFWriteL(bytes.data(), 1, bytes.size(), f) == bytes.size();
        if (VSIFCloseL(f) != 0 || !written) throw std::runtime_error("cannot write " + target);
        return;
    }
    const int fd = open(staged.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + target + ": " + std::strerror(errno));
    if (const int err = detail::write_all(fd, bytes)) {
        close(fd);
        throw std::runtime_error("cannot write " + target + ": " + std::strerror(err));
    }
    if (close(fd) != 0) throw std::runtime_error("cannot write " + target + ": " + std::strerror(errno));
}

void StagedOutputs::commit() {
    std::error_code ec;
    for (const auto& s : staged_)
        if (!s.text && !fs::exists(s.zip_member.empty() ? fs::path(s.folder) / s.local_name : fs::path(s.staged), ec))
            throw std::runtime_error("internal: " + s.target + " was staged but not written");
    // Archives are packed from what was written, before anything appears.
    for (const auto& s : staged_) {
        if (s.zip_member.empty()) continue;
        std::vector<std::string> files;
        for (const auto& f : output_files(s.staged))
            if (fs::exists(f, ec)) files.push_back(f);
        pack_zip(files, (fs::path(s.folder) / s.local_name).string(), s.zip_member, s.target);
    }

    // Standard output first: once written it cannot be taken back, and when
    // it fails no file appears.
    for (const auto& s : staged_) {
        if (!s.to_stdout) continue;
        if (s.text) {
            std::fwrite(s.bytes.data(), 1, s.bytes.size(), stdout);
        } else {
            std::ifstream in(fs::path(s.folder) / s.local_name, std::ios::binary);
            char buffer[1 << 16];
            while (in.read(buffer, sizeof buffer) || in.gcount() > 0)
                std::fwrite(buffer, 1, static_cast<std::size_t>(in.gcount()), stdout);
        }
        if (std::fflush(stdout) != 0 || std::ferror(stdout))
            throw std::runtime_error("cannot write to standard output");
    }

    // The renames, journalled (output_journal.hpp): a kill from here on
    // leaves a commit the next run finishes.
    const mode_t mask = umask(0);
    umask(mask);
    std::vector<std::string> folders;
    std::vector<std::vector<detail::CommitStep>> steps;
    for (const auto& s : staged_) {
        if (s.to_stdout) continue;
        const fs::path main = fs::path(s.folder) / s.local_name;
        // The target's files (a Shapefile's sidecars), each from the staging
        // folder when written there; one the old output had and this one
        // lacks would be read with the new files, so it goes.
        std::vector<detail::CommitStep> own;
        for (const auto& final_file : output_files(s.target)) {
            const fs::path staged = main.parent_path() / fs::path(final_file).filename();
            const std::string target = fs::absolute(final_file).string();
            if (fs::exists(staged, ec)) {
                // mkdtemp's folder is private; the file itself is as readable as any other.
                chmod(staged.c_str(), 0666 & ~mask);
                own.push_back({staged.string(), target});
            } else if (fs::exists(final_file, ec)) {
                own.push_back({"", target});
            }
        }
        folders.push_back(s.folder);
        steps.push_back(std::move(own));
    }
    if (folders.empty()) return;
    for (std::size_t i = 0; i < folders.size(); ++i) detail::write_journal(folders[i], folders, steps[i]);
    detail::mark_committed(folders.front());
    for (const auto& own : steps) detail::carry_out(own);
    // The folders are empty of outputs now; the destructor removes them.
}

}  // namespace zone
