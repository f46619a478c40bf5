// The tables of a monitoring run: the indicator table zone-report reads, and
// every zonal statistic for a join by code.
#include "text_format.hpp"
#include "zone/monitor.hpp"

#include <cmath>

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

}  // namespace zone
