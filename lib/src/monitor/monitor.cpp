// Per-unit indicators of two dates from rasters, and the declines among them.
#include "zone/monitor/monitor.hpp"

#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <cpl_conv.h>
#include <gdal.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <stdexcept>

namespace zone {

namespace {

std::string crs_key(const std::string& wkt) {
    OGRSpatialReference srs;
    srs.importFromWkt(wkt.c_str());
    char* text = nullptr;
    srs.exportToWkt(&text);
    std::string key = text ? text : wkt;
    CPLFree(text);
    return key;
}

double indicator_value(const IndicatorSpec& spec, const ZonalStats& s) {
    switch (spec.statistic) {
        case IndicatorStatistic::mean: return s.mean;
        case IndicatorStatistic::sum: return s.sum;
        case IndicatorStatistic::min: return s.min;
        case IndicatorStatistic::max: return s.max;
        case IndicatorStatistic::share: {
            double share = 0;
            for (std::int64_t c : spec.classes) {
                auto it = s.class_shares.find(c);
                if (it != s.class_shares.end()) share += it->second;
            }
            return share;
        }
    }
    return NAN;
}

}  // namespace

IndicatorStatistic parse_indicator_statistic(const std::string& text, std::vector<std::int64_t>& classes) {
    classes.clear();
    if (text == "mean") return IndicatorStatistic::mean;
    if (text == "sum") return IndicatorStatistic::sum;
    if (text == "min") return IndicatorStatistic::min;
    if (text == "max") return IndicatorStatistic::max;
    if (text.rfind("share:", 0) == 0) {
        std::size_t start = 6;
        while (start <= text.size()) {
            const std::size_t end = std::min(text.find(',', start), text.size());
            const std::string item = text.substr(start, end - start);
            char* stop = nullptr;
            const long long v = item.empty() ? 0 : std::strtoll(item.c_str(), &stop, 10);
            if (item.empty() || *stop != '\0')
                throw std::invalid_argument("statistic '" + text + "': class '" + item + "' is not an integer");
            classes.push_back(v);
            start = end + 1;
        }
        return IndicatorStatistic::share;
    }
    throw std::invalid_argument("statistic '" + text + "' is not mean, sum, min, max or share:CLASS[,CLASS…]");
}

MonitorResult monitor_units(const UnitMap& map, const MonitorOptions& options) {
    if (options.indicators.empty()) throw InputError("no indicator to compute: give --indicator NAME with its rasters");
    MonitorResult result;
    result.units_source = map.source;
    result.indicators = options.indicators;
    result.min_valid_share = options.min_valid_share;
    // Every raster is checked before the work starts.
    std::map<std::string, std::string> wkt_of_crs;  // key -> WKT of the first raster in that CRS
    for (const IndicatorSpec& spec : options.indicators) {
        for (const std::string* path : {&spec.baseline, &spec.current}) {
            result.rasters.push_back(inspect_raster(*path, spec.band));
            wkt_of_crs.emplace(crs_key(result.rasters.back().crs_wkt), result.rasters.back().crs_wkt);
        }
    }
    // The map, once per raster CRS (transformed to it: rasters are never resampled).
    geos::Context ctx;
    require_categories(map);
    std::map<std::string, PolygonLayer> layers;
    for (const auto& [key, wkt] : wkt_of_crs) layers.emplace(key, unit_polygons(ctx, map, wkt, options.threads));
    for (std::size_t i = 0; i < map.units.size(); ++i) {
        MonitorUnit u;
        u.code = map.units[i].code;
        u.fid = map.fids[i];
        u.category = map.units[i].category;
        result.units.push_back(std::move(u));
    }

    // GDAL's block cache defaults to 5 % of the machine's memory; a quarter
    // GiB holds the blocks every thread is reading, and keeps the run's memory
    // bounded. GDAL_CACHEMAX, when set, decides.
    if (!CPLGetConfigOption("GDAL_CACHEMAX", nullptr)) GDALSetCacheMax64(std::int64_t{256} << 20);
    const std::size_t jobs = 2 * options.indicators.size();
    std::vector<std::vector<ZonalStats>> stats(jobs);
    for (std::size_t j = 0; j < jobs; ++j) {
        const IndicatorSpec& spec = options.indicators[j / 2];
        ZonalOptions z;
        z.band = spec.band;
        z.categorical = spec.statistic == IndicatorStatistic::share;
        z.threads = options.threads;
        if (options.progress)
            z.progress = [&, j](double f) { options.progress((static_cast<double>(j) + f) / static_cast<double>(jobs)); };
        const RasterInfo& info = result.rasters[j];
        stats[j] = zonal_statistics(layers.at(crs_key(info.crs_wkt)).features, info.path, z);
    }

    result.summary.resize(options.indicators.size());
    for (std::size_t k = 0; k < options.indicators.size(); ++k) {
        const IndicatorSpec& spec = options.indicators[k];
        auto& sum = result.summary[k];
        for (std::size_t u = 0; u < result.units.size(); ++u) {
            IndicatorValue v;
            v.unit = static_cast<int>(u);
            v.indicator = static_cast<int>(k);
            v.baseline = stats[2 * k][u];
            v.current = stats[2 * k + 1][u];
            v.valid_share = std::min(v.baseline.valid_share(), v.current.valid_share());
            v.baseline_value = indicator_value(spec, v.baseline);
            v.current_value = indicator_value(spec, v.current);
            v.assessable = v.valid_share >= options.min_valid_share && v.valid_share > 0 &&
                           std::isfinite(v.baseline_value) && std::isfinite(v.current_value);
            if (v.assessable) {
                v.declined = is_decline(v.baseline_value, v.current_value, spec.higher_is_better, spec.threshold);
                v.improved = is_improvement(v.baseline_value, v.current_value, spec.higher_is_better, spec.threshold);
                ++sum.assessed;
                if (v.declined) {
                    ++sum.declined;
                    ++sum.declined_by_category[result.units[u].category];
                }
                if (v.improved) ++sum.improved;
            } else {
                ++sum.not_assessable;
            }
            result.values.push_back(std::move(v));
        }
    }
    const auto& units = result.units;
    std::stable_sort(result.values.begin(), result.values.end(), [&](const IndicatorValue& a, const IndicatorValue& b) {
        if (a.declined != b.declined) return a.declined;
        if (a.declined && units[a.unit].category != units[b.unit].category)
            return units[a.unit].category < units[b.unit].category;
        if (units[a.unit].code != units[b.unit].code) return units[a.unit].code < units[b.unit].code;
        return a.indicator < b.indicator;
    });
    return result;
}

}  // namespace zone
