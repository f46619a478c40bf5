#include "cli.hpp"

#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <exception>

namespace zone::cli {

int guarded_main(const char* tool, const std::function<int()>& body) {
    // The engines allocate and free tens of megabytes per county. glibc
    // would map each large block afresh and hand freed memory back to the
    // system, so every county paid again for zeroed pages (a tenth of
    // zone-build's time); kept, the memory is reused.
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
    mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024);
    try {
        return body();
    } catch (const InputError& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
    } catch (const geos::GeosError& e) {
        std::fprintf(stderr, "%s: error: geometry operation failed: %s\n", tool, e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: error: %s\n", tool, e.what());
    }
    return exit_cannot;
}

bool stderr_is_terminal() { return isatty(STDERR_FILENO) == 1; }

void restart_with_huge_pages(char** argv) {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (tunables && std::strstr(tunables, "glibc.malloc.hugetlb")) return;  // set, or set by the first start
    const char* wanted = std::getenv("ZONEKIT_HUGE_PAGES");
    if (wanted && std::strcmp(wanted, "0") == 0) return;
    std::string mode;
    std::getline(std::ifstream("/sys/kernel/mm/transparent_hugepage/enabled"), mode);
    if (mode.find("[always]") == std::string::npos && mode.find("[madvise]") == std::string::npos) return;
    const std::string value = tunables && *tunables ? std::string(tunables) + ":glibc.malloc.hugetlb=1"
                                                    : std::string("glibc.malloc.hugetlb=1");
    if (setenv("GLIBC_TUNABLES", value.c_str(), 1) != 0) return;
    execv("/proc/self/exe", argv);
}

void Progress::operator()(double fraction) {
    if (!enabled_) return;
    const int step = static_cast<int>(fraction * 40 + 1e-9);  // 2.5 % a dot
    while (printed_ < step && printed_ < 40) {
        ++printed_;
        if (printed_ % 4 == 0)
            std::fprintf(stderr, "%d", printed_ / 4 * 10);
        else
            std::fputc('.', stderr);
    }
    std::fflush(stderr);
}

void Progress::finish() {
    if (!enabled_) return;
    (*this)(1.0);
    std::fputs(" - done.\n", stderr);
    enabled_ = false;
}

}  // namespace zone::cli
