// What every zonekit command line shares: error reporting with the exit codes
// of zonekit(7) EXIT CODES, and progress on stderr in GDAL's 0...10...20 style.
#pragma once

#include <functional>
#include <string>

namespace zone::cli {

constexpr int exit_ok = 0;
constexpr int exit_findings = 1;
constexpr int exit_cannot = 2;

// Runs a tool's body; bad input and failures are printed as
// "TOOL: error: MESSAGE" and give exit code 2.
int guarded_main(const char* tool, const std::function<int()>& body);

bool stderr_is_terminal();

// glibc backs its heaps with transparent huge pages only if GLIBC_TUNABLES
// says so when the process starts. zone-build's overlay reads large arrays at
// random, and 2 MB pages save it 6 to 9 % of its CPU time (README,
// Performance), so it calls this first: the program starts itself once more
// with glibc.malloc.hugetlb=1 added. Nothing happens if the variable already
// sets hugetlb, if ZONEKIT_HUGE_PAGES=0, or if the kernel has transparent
// huge pages off; if the new start fails, this process simply goes on.
void restart_with_huge_pages(char** argv);

// Prints 0...10...20...30...40...50...60...70...80...90...100 - done. to stderr.
class Progress {
public:
    explicit Progress(bool enabled) : enabled_(enabled) {}
    void operator()(double fraction);
    void finish();

private:
    bool enabled_;
    int printed_ = -1;  // last step printed, in 2.5 % steps
};

// How much a tool says on stderr: -q and --progress.
struct Verbosity {
    bool quiet = false;     // no progress, no summary
    bool progress = false;  // progress even when stderr is not a terminal
    bool show_progress() const { return !quiet && (progress || stderr_is_terminal()); }
};

}  // namespace zone::cli
