// How StagedOutputs' commit survives a kill.
//
// A run writes its outputs into staging folders ".zonekit-XXXXXX" beside
// them and renames them into place at the end. One rename is atomic, a
// commit of several files (a Shapefile and its sidecars, a map and its
// report) is not: a run killed between two renames would leave a mix of old
// and new files. So a commit is journalled:
//   1. each staging folder gets a journal: the folders of the commit (the
//      first one decides) and its renames and removals;
//   2. the deciding folder gets a "committed" mark (one atomic rename):
//      from here on the commit is complete, whatever happens;
//   3. the renames and removals are carried out, and the folders removed,
//      the deciding one last.
// Every staging folder is locked (flock) by the process that owns it for as
// long as it lives; the kernel releases the lock of a killed process. The
// next run that reads or writes in that folder finds the unlocked staging
// folder and finishes what the killed run left: it carries the commit
// through when the deciding folder is marked committed, and otherwise
// removes the staging folder, leaving the old outputs as they were.
#pragma once

#include <string>
#include <vector>

namespace zone::detail {

// A private staging folder ".zonekit-XXXXXX" in `parent`, created and locked
// by this process. Unlocked (not removed) when destroyed.
class StagingFolder {
public:
    explicit StagingFolder(const std::string& parent);
    ~StagingFolder();
    StagingFolder(StagingFolder&& other) noexcept;
    StagingFolder& operator=(StagingFolder&&) = delete;
    StagingFolder(const StagingFolder&) = delete;
    StagingFolder& operator=(const StagingFolder&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;  // the folder, open, holding the lock
};

// One step of a commit: `staged` renamed to `target`, or, with `staged`
// empty, `target` removed (a sidecar the old output had and the new lacks).
struct CommitStep {
    std::string staged;
    std::string target;
};

// Writes the journal of `folder`: `folders` (the whole commit, the deciding
// one first) and this folder's steps. Atomic: the journal is there whole or
// not at all.
void write_journal(const std::string& folder, const std::vector<std::string>& folders,
                   const std::vector<CommitStep>& steps);
// Marks the commit decided: written into its first folder, after every
// folder has its journal.
void mark_committed(const std::string& deciding_folder);
// Carries out `steps`; done again after a kill, it finishes the same commit
// (a rename whose staged file is gone has been made).
void carry_out(const std::vector<CommitStep>& steps);

// Finishes what killed runs left in `folder`: every staging folder there not
// locked by a living process is carried through (its commit was decided) or
// removed. Returns the targets it completed, for a message. Quiet about what
// it cannot do (a read-only folder): its caller's own checks say that.
std::vector<std::string> finish_interrupted_commits(const std::string& folder);

}  // namespace zone::detail
