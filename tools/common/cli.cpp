#include "cli.hpp"

#include "zone/error.hpp"
#include "zone/geos.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdio>
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
