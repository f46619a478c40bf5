#include "zone/serve/lookup_page.hpp"

namespace zone::serve {

const std::string& lookup_page() {
    static const std::string page = R"PAGE(<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>生态环境分区管控 符合性查询</title></head>
<body><h1>生态环境分区管控 符合性查询</h1></body></html>
)PAGE";
    return page;
}

}  // namespace zone::serve
