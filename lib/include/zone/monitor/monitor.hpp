// Remote-sensing monitoring of units (遥感监测): per-unit indicators from a
// baseline and a current raster, declines flagged as the supervision duty
// frames them (priority units first), units without enough valid pixels
// reported as not assessable rather than unchanged.
#pragma once

#include "zone/io/unit_map.hpp"

#include "zone/monitor/indicator.hpp"
#include "zone/monitor/zonal.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace zone {

// What of a unit's zonal statistics is the indicator's value.
enum class IndicatorStatistic { mean, sum, min, max, share };
// "mean", "sum", "min", "max", or "share:V[,V…]" (area share of those raw
// class values, categorical). Throws std::invalid_argument.
IndicatorStatistic parse_indicator_statistic(const std::string& text, std::vector<std::int64_t>& classes);

struct IndicatorSpec {
    std::string name;
    std::string baseline, current;  // GDAL rasters
    int band = 1;
    bool higher_is_better = true;
    Threshold threshold;
    IndicatorStatistic statistic = IndicatorStatistic::mean;
    std::vector<std::int64_t> classes;  // for share
};

struct MonitorOptions {
    std::vector<IndicatorSpec> indicators;
    // Below this valid share (of the unit's area, in either raster) a unit is
    // not assessable for that indicator.
    double min_valid_share = 0.5;
    int threads = 0;
    std::function<void(double)> progress;
};

struct MonitorUnit {
    std::string code;
    int category = 0;
    std::int64_t fid = 0;
};

struct IndicatorValue {
    int unit = 0;           // index in MonitorResult::units
    int indicator = 0;      // index in MonitorOptions::indicators
    ZonalStats baseline, current;
    double baseline_value = 0, current_value = 0;  // meaningful when assessable
    double valid_share = 0;                         // the smaller of the two dates
    bool assessable = false;
    bool declined = false;
    bool improved = false;
};

struct MonitorResult {
    std::string units_source;
    std::vector<MonitorUnit> units;
    std::vector<IndicatorSpec> indicators;
    std::vector<RasterInfo> rasters;  // baseline and current of each indicator, in order
    double min_valid_share = 0.5;
    // Every unit × indicator: declines first (priority units first, then key,
    // then general; by code within), then the rest by code and indicator.
    std::vector<IndicatorValue> values;
    struct Summary {
        int assessed = 0, not_assessable = 0, declined = 0, improved = 0;
        int declined_by_category[4] = {0, 0, 0, 0};
    };
    std::vector<Summary> summary;  // per indicator
};

// Checks every raster (opens, has a CRS and a geotransform, the band exists,
// a class share on a categorical statistic) and then computes over the units
// of `units` (read with read_unit_map; it needs ZHGKDYFL), moved into each
// raster's CRS. Throws InputError naming the file.
MonitorResult monitor_units(const UnitMap& units, const MonitorOptions& options);

// The indicator table zone-report --indicators reads, CSV in UTF-8: code,
// indicator, baseline, current, higher_is_better, change, threshold,
// declined, valid_share, assessable. Not assessable rows leave baseline,
// current and change empty.
std::string format_indicator_table(const MonitorResult& result);

// Every statistic of every unit, indicator and date, CSV in UTF-8 with a BOM
// (joins to the map by code): code, category, indicator, date, raster, mean,
// min, max, sum, count, cells, valid_share, classes ("V:share;…").
std::string format_zonal_stats_csv(const MonitorResult& result);

// The forms of those statistics (zone-monitor --stats), by extension.
enum class StatsFormat { csv, xlsx, gpkg };
// .csv, .xlsx or .gpkg; throws InputError naming the file.
StatsFormat stats_format_for_path(const std::string& path);

// Writes the statistics to `path` as it is (the caller stages it: see
// StagedOutputs). CSV is format_zonal_stats_csv; XLSX (sheet) and GeoPackage
// (attribute table, for a join by code in QGIS) hold one table, zonal_stats,
// with the same columns typed (numbers as numbers, empty cells for no value)
// and, after them, a column class_V per class V of the categorical
// indicators: its area share of the valid pixels.
void write_zonal_stats(const MonitorResult& result, const std::string& path, StatsFormat format);

}  // namespace zone
