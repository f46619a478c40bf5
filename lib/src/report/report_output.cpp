// zone-report's formats by name and extension, and the colours of the categories.
#include "zone/report/report_output.hpp"

#include "zone/core/error.hpp"

#include <algorithm>
#include <filesystem>

namespace fs = std::filesystem;

namespace zone {

const char* to_string(ReportFormat f) {
    switch (f) {
        case ReportFormat::html: return "html";
        case ReportFormat::markdown: return "md";
        case ReportFormat::csv: return "csv";
        case ReportFormat::xlsx: return "xlsx";
        case ReportFormat::json: return "json";
    }
    return "?";
}

ReportFormat parse_report_format(const std::string& name) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    if (n == "html" || n == "htm") return ReportFormat::html;
    if (n == "md" || n == "markdown") return ReportFormat::markdown;
    if (n == "csv") return ReportFormat::csv;
    if (n == "xlsx") return ReportFormat::xlsx;
    if (n == "json") return ReportFormat::json;
    throw InputError("unknown report format '" + name + "'; use html, md, csv, xlsx or json");
}

ReportFormat report_format_for_path(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    if (!ext.empty()) ext.erase(0, 1);
    try {
        return parse_report_format(ext);
    } catch (const InputError&) {
        throw InputError(Where{path, {}, {}, {}}, "cannot tell the report format from the extension '" + ext +
                                                      "'; use .html, .md, .csv, .xlsx or .json, or give --format");
    }
}

const char* category_colour(int category) {
    switch (category) {
        case 1: return "#3d9a50";  // priority protection: green
        case 2: return "#e4713a";  // key control: orange-red
        case 3: return "#f2e3a0";  // general control: pale yellow
    }
    return "#cccccc";
}

}  // namespace zone
