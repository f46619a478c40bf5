// The tables of a monitoring run: the indicator table zone-report reads, and
// every zonal statistic for a join by code (CSV, XLSX, GeoPackage).
#include "io/gdal_table.hpp"
#include "core/text_format.hpp"
#include "zone/core/error.hpp"
#include "zone/monitor/monitor.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

namespace zone {

namespace {

std::string number(double v) { return std::isfinite(v) ? detail::json_number(v) : std::string(); }

}  // namespace

std::string format_indicator_table(const MonitorResult& r) {
    // No BOM: the table is read back by GDAL's CSV driver and by scripts.
    std::string out = "code,indicator,baseline,current,higher_is_better,change,threshold,declined,valid_share,assessable\n";
    for (const IndicatorValue& v : r.values) {
        const IndicatorSpec& spec = r.indicators[v.indicator];
        out += detail::csv_field(r.units[v.unit].code) + "," + detail::csv_field(spec.name) + ",";
        if (v.assessable)
            out += number(v.baseline_value) + "," + number(v.current_value) + ",";
        else
            out += ",,";
        out += std::string(spec.higher_is_better ? "true" : "false") + ",";
        out += (v.assessable ? number(v.current_value - v.baseline_value) : std::string()) + ",";
        out += detail::csv_field(spec.threshold.text()) + ",";
        out += std::string(v.assessable ? (v.declined ? "true" : "false") : "") + ",";
        out += number(v.valid_share) + "," + (v.assessable ? "true" : "false") + "\n";
    }
    return out;
}

std::string format_zonal_stats_csv(const MonitorResult& r) {
    std::string out = "\xEF\xBB\xBF";
    out += "code,category,indicator,date,raster,mean,min,max,sum,count,cells,valid_share,classes\r\n";
    for (const IndicatorValue& v : r.values) {
        for (int date = 0; date < 2; ++date) {
            const ZonalStats& s = date == 0 ? v.baseline : v.current;
            const RasterInfo& raster = r.rasters[static_cast<std::size_t>(2 * v.indicator + date)];
            std::string classes;
            for (const auto& [value, share] : s.class_shares)
                classes.append(classes.empty() ? "" : ";").append(std::to_string(value)).append(":").append(number(share));
            out += detail::csv_field(r.units[v.unit].code) + "," + std::to_string(r.units[v.unit].category) + "," +
                   detail::csv_field(r.indicators[v.indicator].name) + "," + (date == 0 ? "baseline" : "current") +
                   "," + detail::csv_field(raster.path) + "," + number(s.mean) + "," + number(s.min) + "," +
                   number(s.max) + "," + number(s.sum) + "," + number(s.count) + "," + std::to_string(s.cells) + "," +
                   number(s.valid_share()) + "," + detail::csv_field(classes) + "\r\n";
        }
    }
    return out;
}

StatsFormat stats_format_for_path(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext == ".csv") return StatsFormat::csv;
    if (ext == ".xlsx") return StatsFormat::xlsx;
    if (ext == ".gpkg") return StatsFormat::gpkg;
    throw InputError(Where{path, {}, {}, {}},
                     "cannot tell the form of the statistics from the extension '" + ext + "'; use .csv, .xlsx or .gpkg");
}

void write_zonal_stats(const MonitorResult& r, const std::string& path, StatsFormat format) {
    if (format == StatsFormat::csv) {
        const std::string text = format_zonal_stats_csv(r);
        std::ofstream out(path, std::ios::binary);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        out.close();
        if (!out) throw std::runtime_error("cannot write " + path);
        return;
    }
    std::set<std::int64_t> classes;  // of every categorical statistic, one column each
    for (const IndicatorValue& v : r.values)
        for (const ZonalStats* s : {&v.baseline, &v.current})
            for (const auto& [value, share] : s->class_shares) classes.insert(value);
    std::vector<detail::TableColumn> columns = {
        {"code", OFTString},  {"category", OFTInteger}, {"indicator", OFTString}, {"date", OFTString},
        {"raster", OFTString}, {"mean", OFTReal},       {"min", OFTReal},         {"max", OFTReal},
        {"sum", OFTReal},     {"count", OFTReal},      {"cells", OFTInteger64},  {"valid_share", OFTReal},
        {"classes", OFTString}};
    const std::size_t first_class = columns.size();
    for (std::int64_t c : classes) columns.push_back({"class_" + std::to_string(c), OFTReal});

    detail::TableFile file(format == StatsFormat::xlsx ? "XLSX" : "GPKG", path);
    OGRLayer* table = file.add_table("zonal_stats", columns);
    for (const IndicatorValue& v : r.values) {
        for (int date = 0; date < 2; ++date) {
            const ZonalStats& s = date == 0 ? v.baseline : v.current;
            const RasterInfo& raster = r.rasters[static_cast<std::size_t>(2 * v.indicator + date)];
            OGRFeature row(table->GetLayerDefn());
            row.SetField("code", r.units[v.unit].code.c_str());
            row.SetField("category", r.units[v.unit].category);
            row.SetField("indicator", r.indicators[v.indicator].name.c_str());
            row.SetField("date", date == 0 ? "baseline" : "current");
            row.SetField("raster", raster.path.c_str());
            // No value (no valid pixel) stays an empty cell, as in the CSV.
            auto real = [&](const char* name, double x) {
                if (std::isfinite(x)) row.SetField(name, x);
            };
            real("mean", s.mean);
            real("min", s.min);
            real("max", s.max);
            real("sum", s.sum);
            real("count", s.count);
            row.SetField("cells", static_cast<GIntBig>(s.cells));
            real("valid_share", s.valid_share());
            std::string text;
            for (const auto& [value, share] : s.class_shares) {
                text.append(text.empty() ? "" : ";").append(std::to_string(value)).append(":").append(number(share));
                const auto at = std::distance(classes.begin(), classes.find(value));
                row.SetField(static_cast<int>(first_class + static_cast<std::size_t>(at)), share);
            }
            row.SetField("classes", text.c_str());
            file.add_row(table, row);
        }
    }
    file.close();
}

}  // namespace zone
