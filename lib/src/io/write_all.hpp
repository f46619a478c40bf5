// Writing a whole buffer to a file descriptor with POSIX calls rather than a
// stream: errno then says why a write failed (a full disk, a file size
// limit), and the message can say it too.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <string>

namespace zone::detail {

// Writes all of `bytes` to `fd`; 0 when done, else the errno of the failure
// (ENOSPC when the system wrote nothing and said nothing).
inline int write_all(int fd, const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return ENOSPC;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

}  // namespace zone::detail
