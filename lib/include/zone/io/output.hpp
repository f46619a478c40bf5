// A run's outputs: one plan, checked before any work, and one staged writer.
//
// Every tool names what it reads and what it writes in an OutputPlan and
// checks it before it starts (zonekit(7) EXIT CODES: a bad output is bad
// input, exit code 2, nothing written). What it writes then goes through
// StagedOutputs: every file is written under a temporary name beside its
// target and all are renamed at the end, so that a run leaves all of its
// outputs or none, and no temporary.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zone {

namespace detail {
class StagingFolder;
}

// The local files a GDAL source is read from, for "never write over an
// input": "a.gpkg|layername=x" is a.gpkg; a Shapefile is its .shp, .shx,
// .dbf, .prj, .cpg and .qml; "/vsizip/sub.zip/a.shp" is sub.zip. None for
// standard input ("-"), connections (PG:…) and other /vsi… sources, which no
// output can replace.
std::vector<std::string> source_files(const std::string& source);

// The local files an output path becomes: a Shapefile is its .shp, .shx,
// .dbf, .prj, .cpg and its QGIS style .qml; "/vsizip/out.zip/units.shp" is
// out.zip; "-" (standard output) is none.
std::vector<std::string> output_files(const std::string& path);

// What a run reads and writes. check() is called before any work and throws
// InputError, naming the output (and the input it would replace), when
//   - an output is an input: the same file by path, symbolic or hard link,
//     sidecars of a Shapefile included, even with --overwrite;
//   - two outputs are one file, or two go to standard output;
//   - an output is a folder, or its folder is missing or not writable;
//   - an output exists and `overwrite` is false.
// Before that it finishes what a killed run left in the folders of the
// inputs and outputs (see StagedOutputs), so that it reads and checks whole
// files.
class OutputPlan {
public:
    explicit OutputPlan(bool overwrite) : overwrite_(overwrite) {}

    // Any GDAL source, as a user gives it; empty strings are ignored.
    OutputPlan& input(const std::string& source);
    OutputPlan& inputs(const std::vector<std::string>& sources);
    // A file to write, or "-" for standard output; `what` names it in
    // messages ("report", "findings file"). Empty paths are ignored.
    OutputPlan& output(const std::string& path, const std::string& what = "output");
    // A file the run appends to (a log): checked as an output, except that
    // it may exist.
    OutputPlan& appended(const std::string& path, const std::string& what);

    void check() const;

private:
    struct Output {
        std::string path, what;
        bool append = false;
    };
    bool overwrite_;
    std::vector<std::string> inputs_;  // as given
    std::vector<Output> outputs_;
};

// Outputs written under temporary names and renamed together by commit().
// Each target gets a private folder ".zonekit-XXXXXX" beside it (so the
// rename stays on one file system) holding a file of the target's own name
// (GDAL drivers go by the extension). A failure before commit() — and the
// destructor after one — removes every temporary; no existing file is
// touched before commit(). A target in a zip archive
// ("/vsizip/out.zip/units.shp") is written as plain files, which commit()
// packs into a new archive: any GDAL driver can write it so, a Shapefile
// with its sidecars.
// A run killed while it commits leaves a journal; the next run that reads or
// writes in that folder (OutputPlan::check, stage) completes the commit when
// it was decided and otherwise removes the temporaries
// (lib/src/io/output_journal.hpp): a kill leaves the old outputs or the new
// ones, never a mix, and no staging folder outlives the next run.
class StagedOutputs {
public:
    StagedOutputs() = default;
    ~StagedOutputs();
    StagedOutputs(const StagedOutputs&) = delete;
    StagedOutputs& operator=(const StagedOutputs&) = delete;

    // A temporary path for a writer to write `target` to. "-" is standard
    // output: the file, named `stdout_name` (its extension tells a GDAL
    // driver the format), is staged in the system's temporary folder and
    // copied to standard output by commit().
    std::string stage(const std::string& target, const std::string& stdout_name = "");
    // Stages `target` and runs `write` on the temporary path. When it fails
    // with a runtime_error and the file system says why (a full disk, a file
    // size limit), the message says it too.
    void write(const std::string& target, const std::function<void(const std::string& staged)>& write,
               const std::string& stdout_name = "");
    // Writes `bytes` as `target`: a file, or standard output for "-".
    void write_text(const std::string& target, const std::string& bytes);

    // Writes what goes to standard output, then renames every staged file to
    // its target (a Shapefile with its sidecars; a sidecar an earlier output
    // had and this one lacks is removed). Throws when a staged output was
    // not written or standard output fails; then no file is renamed.
    void commit();

private:
    struct Staged {
        std::string target;      // as given
        std::string folder;      // the private temporary folder, absolute
        std::shared_ptr<detail::StagingFolder> lock;  // holds `folder` for this process
        std::string local_name;  // the file in `folder` that becomes the target's local file
        std::string staged;      // the path handed to the writer
        std::string zip_member;  // of a /vsizip/ target: its path in the archive ("/units.shp")
        bool to_stdout = false;
        bool text = false;       // `bytes` rather than a file (standard output only)
        std::string bytes;
    };
    std::vector<Staged> staged_;
};

}  // namespace zone
