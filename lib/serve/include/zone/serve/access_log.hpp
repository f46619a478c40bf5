// zone-serve's access log: one JSON object per line (time, client, method,
// endpoint, status, verdict, duration, bytes), never a request body, a query
// string (it holds a project's location) or a token.
#pragma once

#include "zone/serve/http_server.hpp"

#include <cstdio>
#include <mutex>
#include <string>

namespace zone::serve {

class AccessLog {
public:
    // "-": standard error. A file is opened for appending; InputError when it
    // cannot be.
    explicit AccessLog(std::string path);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    void write(const Exchange& e);
    // Opens the file again (after logrotate moved it); keeps the old one when
    // that fails.
    void reopen();

    // The line for one exchange, without the newline.
    static std::string format(const Exchange& e, const std::string& time);

private:
    std::string path_;
    std::mutex mutex_;
    std::FILE* file_ = nullptr;
};

}  // namespace zone::serve
