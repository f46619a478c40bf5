// zone-report's statistics: the unit map read (tolerantly where a field is
// only nice to have, strictly where a figure depends on it), joined to the
// county boundary, measured county by county in the Gauss-Krüger zone of the
// county (as zone-build measures MJ), grouped into regions and rounded so that
// every total is the sum of its parts.
#include "io/gdal_util.hpp"
#include "zone/report/report.hpp"

#include "core/parallel.hpp"
#include "core/text_util.hpp"
#include "report/report_detail.hpp"
#include "zone/io/boundary.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

namespace zone {

// ------------------------------------------------------------------ levels

const char* to_string(ReportLevel level) {
    switch (level) {
        case ReportLevel::province: return "province";
        case ReportLevel::circle: return "circle";
        case ReportLevel::city: return "city";
        case ReportLevel::county: return "county";
    }
    return "?";
}

const char* chinese_name(ReportLevel level) {
    switch (level) {
        case ReportLevel::province: return "省";
        case ReportLevel::circle: return "经济圈";
        case ReportLevel::city: return "市";
        case ReportLevel::county: return "县（市、区）";
    }
    return "?";
}

std::vector<ReportLevel> parse_report_levels(const std::string& text) {
    std::set<ReportLevel> chosen;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find(',', start), text.size());
        std::string word = text.substr(start, end - start);
        word.erase(0, word.find_first_not_of(" \t"));
        word.erase(word.find_last_not_of(" \t") + 1);
        if (word == "province") chosen.insert(ReportLevel::province);
        else if (word == "circle") chosen.insert(ReportLevel::circle);
        else if (word == "city") chosen.insert(ReportLevel::city);
        else if (word == "county") chosen.insert(ReportLevel::county);
        else
            throw std::invalid_argument("unknown level '" + word + "'; use province, circle, city and county, "
                                        "separated by commas");
        start = end + 1;
    }
    return {chosen.begin(), chosen.end()};
}

const std::array<const char*, 4>& list_dimensions() { return kDimensions; }

const std::array<const char*, 4>& list_fields() { return kDimensionFields; }

namespace {

// A unit as read, before the report is put together.
struct Draft {
    std::int64_t fid = 0;
    std::string code, name, province, city_field, county_field, county_code, yslx, remark;
    std::array<std::string, 4> list;
    int category = 0;
    std::optional<double> mj;
    const GEOSGeometry* geom = nullptr;
    int county = -1;  // index into the boundary's counties, when there is one
};

// ------------------------------------------------------------------ the builder

class Builder {
public:
    Builder(const UnitMap& map, const ReportInputs& inputs, const ReportOptions& options)
        : map_(map), inputs_(inputs), options_(options) {}
    Report run();

private:
    void read_units();
    void take_boundary();
    void choose_levels();
    void measure();
    void group();
    void round_figures();
    void add_notes();
    void make_map();
    Where unit_where(std::int64_t fid, const std::string& field) const {
        return Where{input_path_, report_.layer, fid, field};
    }

    const UnitMap& map_;
    const ReportInputs& inputs_;
    std::string input_path_;
    ReportOptions options_;
    Report report_;
    geos::Context ctx_;
    PolygonLayer units_layer_;
    std::vector<Draft> drafts_;   // sorted by code
    const Boundary* boundary_ = inputs_.boundary ? &*inputs_.boundary : nullptr;  // null: none given
    const std::vector<BoundaryCounty> no_counties_;
    const std::vector<BoundaryCounty>& counties_ = boundary_ ? boundary_->counties : no_counties_;
    bool have_city_ = false, have_circle_ = false;
    std::vector<int> zone_;       // per draft: Gauss-Krüger central meridian
    std::vector<std::string> yslx_;
};

void Builder::read_units() {
    input_path_ = parse_source(map_.source).path;
    report_.layer = map_.layer;
    require_categories(map_);
    units_layer_ = unit_polygons(ctx_, map_, {}, options_.threads);
    if (!map_.has("XZQDM"))
        report_.notes.push_back("the map has no XZQDM field: each unit's county is the county part of its code");

    std::map<std::string, std::int64_t> fid_of_code;
    for (std::size_t i = 0; i < map_.units.size(); ++i) {
        const Unit& u = map_.units[i];
        const std::int64_t fid = map_.fids[i];
        Draft d;
        d.fid = fid;
        d.geom = units_layer_.features[i].geom.get();
        d.code = u.code;
        auto [it, inserted] = fid_of_code.emplace(d.code, fid);
        if (!inserted)
            throw InputError(unit_where(fid, "HJZHGKDYBM"),
                             fmt::format("code {} is also the code of feature {}; each unit's sheet is found by its "
                                         "code, so codes must be unique (zone-check map finds every duplicate)",
                                         d.code, it->second));
        d.category = u.category;
        d.county_code = detail::trim(u.county_code);
        if (d.county_code.empty()) d.county_code = UnitCode::of(u.code).county();
        if (!is_county_code(d.county_code))
            throw InputError(unit_where(fid, map_.has("XZQDM") ? "XZQDM" : "HJZHGKDYBM"),
                             "county code '" + d.county_code + "' of unit " + d.code +
                                 " is not six digits: the unit cannot be placed in a county");
        d.name = detail::trim(u.name);
        d.province = detail::trim(u.province);
        d.city_field = detail::trim(u.city);
        d.county_field = detail::trim(u.county);
        d.yslx = detail::trim(u.factors);
        d.remark = detail::trim(u.remark);
        for (int k = 0; k < 4; ++k) d.list[k] = detail::trim(u.access_texts[k]);
        d.mj = u.area_km2;
        drafts_.push_back(std::move(d));
    }
    std::sort(drafts_.begin(), drafts_.end(), [](const Draft& a, const Draft& b) { return a.code < b.code; });
    have_city_ = map_.has("CITY");
    if (units_layer_.repaired)
        report_.notes.push_back(fmt::format(
            "{} invalid unit geometr{} repaired (GEOS MakeValid) before measuring; check the map with zone-check",
            units_layer_.repaired, units_layer_.repaired == 1 ? "y was" : "ies were"));
}

void Builder::take_boundary() {
    if (!boundary_) return;
    have_city_ = !boundary_->fields.city.empty() || !boundary_->fields.city_code.empty();
    have_circle_ = !boundary_->fields.circle.empty();

    std::map<std::string, int> index;
    for (std::size_t i = 0; i < counties_.size(); ++i) index.emplace(counties_[i].code, static_cast<int>(i));
    for (Draft& d : drafts_) {
        auto it = index.find(d.county_code);
        if (it == index.end())
            throw InputError(unit_where(d.fid, "XZQDM"),
                             "unit " + d.code + " is in county " + d.county_code + ", which the boundary " +
                                 boundary_->file + " does not have (field " + boundary_->fields.code + ")");
        d.county = it->second;
    }
}

void Builder::choose_levels() {
    std::vector<ReportLevel> available = {ReportLevel::province};
    if (have_circle_) available.push_back(ReportLevel::circle);
    if (have_city_) available.push_back(ReportLevel::city);
    available.push_back(ReportLevel::county);
    if (options_.levels.empty()) {
        report_.levels = available;
        return;
    }
    for (ReportLevel l : options_.levels) {
        if (std::find(available.begin(), available.end(), l) != available.end()) continue;
        if (l == ReportLevel::circle)
            throw InputError(!boundary_
                                 ? "--by circle needs --boundary: economic circles come from the county boundary "
                                   "(field circle)"
                                 : "--by circle: the boundary " + boundary_->file +
                                       " has no economic-circle field (circle); name it with --boundary-fields "
                                       "circle=FIELD");
        throw InputError(!boundary_
                             ? "--by city: the map has no CITY field; give --boundary with a city field"
                             : "--by city: the boundary " + boundary_->file +
                                   " has no city field (city_name, city_adcode); name it with --boundary-fields");
    }
    report_.levels = options_.levels;
    std::sort(report_.levels.begin(), report_.levels.end());
}

void Builder::measure() {
    const std::string crs = units_layer_.crs_wkt;
    AreaCalculator main_area(crs, options_.area_method);
    report_.area_method = main_area.description();
    report_.method = options_.area_method;
    zone_.assign(drafts_.size(), 0);
    if (options_.area_method == AreaMethod::gauss_kruger) {
        // The zone of a county is that of its centroid, as zone-build does; without a
        // boundary, the centroid of its units together (the same point when they tile it).
        std::map<std::string, int> zone_of_county;
        if (!counties_.empty()) {
            for (const auto& c : counties_) {
                geos::GeomPtr p = geos::own(ctx_, GEOSGetCentroid_r(ctx_, c.geom.get()), "centroid");
                double x = 0, y = 0;
                GEOSGeomGetX_r(ctx_, p.get(), &x);
                GEOSGeomGetY_r(ctx_, p.get(), &y);
                zone_of_county[c.code] = gk_central_meridian(main_area.longitude(x, y));
            }
        } else {
            std::map<std::string, std::array<double, 3>> acc;  // Σa·x, Σa·y, Σa
            for (const Draft& d : drafts_) {
                double area = 0;
                GEOSArea_r(ctx_, d.geom, &area);
                geos::GeomPtr p = geos::own(ctx_, GEOSGetCentroid_r(ctx_, d.geom), "centroid");
                double x = 0, y = 0;
                GEOSGeomGetX_r(ctx_, p.get(), &x);
                GEOSGeomGetY_r(ctx_, p.get(), &y);
                auto& s = acc[d.county_code];
                s[0] += area * x;
                s[1] += area * y;
                s[2] += area;
            }
            for (const auto& [code, s] : acc)
                zone_of_county[code] =
                    s[2] > 0 ? gk_central_meridian(main_area.longitude(s[0] / s[2], s[1] / s[2])) : 0;
        }
        for (std::size_t i = 0; i < drafts_.size(); ++i) zone_[i] = zone_of_county[drafts_[i].county_code];
    }
    std::vector<std::size_t> jobs(drafts_.size());
    std::iota(jobs.begin(), jobs.end(), 0);
    report_.units.resize(drafts_.size());
    detail::run_parallel(
        jobs, options_.threads,
        [&] { return std::make_unique<detail::GeometryWorker>(crs, options_.area_method); },
        [&](detail::GeometryWorker& w, std::size_t i) {
            w.area.use_zone(zone_[i]);
            report_.units[i].area_m2 = w.area.area(w.ctx, drafts_[i].geom);
        });
}

void Builder::group() {
    // Every unit's region at each level: a key, its code and its name.
    struct Place {
        std::string key, code, name;
        Where where;  // what says so: for a mismatch message
    };
    const std::size_t nlevels = report_.levels.size();
    auto place = [&](const Draft& d, ReportLevel level) -> Place {
        const BoundaryCounty* c = d.county >= 0 ? &counties_[d.county] : nullptr;
        const Where bw = c ? Where{parse_source(boundary_->file).path, boundary_->layer, c->fid, {}}
                           : Where{};
        switch (level) {
            case ReportLevel::province: {
                const std::string code = province_code_of(d.county_code);
                return {code, code, d.province.empty() ? code : d.province, unit_where(d.fid, "PROV")};
            }
            case ReportLevel::circle: {
                Where w = bw;
                w.field = boundary_->fields.circle;
                const std::string name = c->circle.empty() ? "（未标明经济圈）" : c->circle;
                return {name, "", name, w};
            }
            case ReportLevel::city: {
                if (c) {
                    Where w = bw;
                    w.field = boundary_->fields.city.empty() ? boundary_->fields.city_code : boundary_->fields.city;
                    const std::string key = c->city_code.empty() ? c->city : c->city_code;
                    return {key, c->city_code, c->city.empty() ? c->city_code : c->city, w};
                }
                const std::string name = d.city_field.empty() ? "（未标明市）" : d.city_field;
                return {d.county_code.substr(0, 2) + "|" + name, "", name, unit_where(d.fid, "CITY")};
            }
            case ReportLevel::county: {
                const std::string name = c && !c->name.empty() ? c->name
                                         : d.county_field.empty() ? d.county_code
                                                                  : d.county_field;
                return {d.county_code, d.county_code, name, c ? bw : unit_where(d.fid, "XZQDM")};
            }
        }
        return {};
    };

    std::vector<std::map<std::string, int>> index(nlevels);
    std::vector<Region> regions;
    std::vector<std::string> min_county;  // per region: for ordering
    std::vector<Where> said;              // per region: where its parent was first read
    std::vector<int> finest(drafts_.size(), -1);
    for (std::size_t u = 0; u < drafts_.size(); ++u) {
        const Draft& d = drafts_[u];
        int parent = -1;
        for (std::size_t l = 0; l < nlevels; ++l) {
            const Place p = place(d, report_.levels[l]);
            auto [it, inserted] = index[l].try_emplace(p.key, static_cast<int>(regions.size()));
            if (inserted) {
                Region r;
                r.level = report_.levels[l];
                r.code = p.code;
                r.name = p.name;
                r.parent = parent;
                regions.push_back(std::move(r));
                min_county.push_back(d.county_code);
                // What puts it in its parent: the parent level's field.
                said.push_back(l > 0 ? place(d, report_.levels[l - 1]).where : p.where);
            } else {
                Region& r = regions[it->second];
                if (r.parent != parent) {
                    // One region in two enclosing regions: the data contradict themselves.
                    throw InputError(place(d, report_.levels[l - 1]).where, fmt::format("{} {} lies in {} {} here, but in {} elsewhere (see {})",
                                                          chinese_name(r.level), r.name,
                                                          chinese_name(report_.levels[l - 1]), regions[parent].name,
                                                          regions[r.parent].name,
                                                          describe(said[it->second], "where it was first read")));
                }
                min_county[it->second] = std::min(min_county[it->second], d.county_code);
            }
            parent = it->second;
        }
        finest[u] = parent;
    }
    // Without a boundary a city has no code of its own: the common prefix of
    // its counties' codes, when they share one.
    for (std::size_t l = 0; l < nlevels; ++l) {
        if (report_.levels[l] != ReportLevel::city || !counties_.empty()) continue;
        std::map<int, std::set<std::string>> prefixes;
        for (const Draft& d : drafts_) {
            int r = finest[&d - drafts_.data()];
            while (r >= 0 && regions[r].level != ReportLevel::city) r = regions[r].parent;
            if (r >= 0) prefixes[r].insert(d.county_code.substr(0, 4));
        }
        for (auto& [r, set] : prefixes)
            if (set.size() == 1) regions[r].code = *set.begin() + "00";
    }

    // Order: by level, then by the first county code inside (the official
    // order of codes: 济南 before 青岛, 省会经济圈 before 胶东经济圈), then name.
    std::vector<int> order(regions.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
        return std::tie(regions[a].level, min_county[a], regions[a].name) <
               std::tie(regions[b].level, min_county[b], regions[b].name);
    });
    std::vector<int> new_index(regions.size());
    for (std::size_t i = 0; i < order.size(); ++i) new_index[order[i]] = static_cast<int>(i);
    report_.regions.clear();
    for (int old : order) {
        Region r = regions[old];
        if (r.parent >= 0) r.parent = new_index[r.parent];
        report_.regions.push_back(std::move(r));
    }

    for (std::size_t u = 0; u < drafts_.size(); ++u) {
        const Draft& d = drafts_[u];
        ReportUnit& unit = report_.units[u];
        unit.fid = d.fid;
        unit.code = d.code;
        unit.name = d.name;
        unit.province = d.province;
        unit.county_code = d.county_code;
        unit.category = d.category;
        unit.mj_km2 = d.mj;
        unit.remark = d.remark;
        const BoundaryCounty* c = d.county >= 0 ? &counties_[d.county] : nullptr;
        unit.circle = c ? c->circle : "";
        unit.city = c ? c->city : d.city_field;
        unit.city_code = c ? c->city_code : "";
        unit.county = c && !c->name.empty() ? c->name : d.county_field;
        for (int k = 0; k < 4; ++k)
            if (!d.list[k].empty()) unit.requirements[k].push_back(Requirement{"unit", "", "", d.list[k], ""});
        unit.region = new_index[finest[u]];
    }
}

void Builder::round_figures() {
    const std::size_t n = report_.regions.size();
    RoundingTable table;
    table.columns = 3;
    table.parent.resize(n);
    table.weight.resize(n);
    // The larger the region, the more its figures are quoted: weight 10 for
    // the finest level shown, ×10 each level up, leaves (units) 1.
    const int nlevels = static_cast<int>(report_.levels.size());
    for (std::size_t i = 0; i < n; ++i) {
        const Region& r = report_.regions[i];
        table.parent[i] = r.parent;
        const int depth = static_cast<int>(
            std::find(report_.levels.begin(), report_.levels.end(), r.level) - report_.levels.begin());
        table.weight[i] = std::pow(10.0, nlevels - depth);
    }
    table.grand_weight = std::pow(10.0, nlevels + 1);
    for (const ReportUnit& u : report_.units)
        table.leaves.push_back({u.region, u.category - 1, u.area_m2 / 1e4});  // in 0.01 km²
    const RoundedTable rounded = controlled_rounding(table);
    report_.rounding.unit_km2 = 0.01;
    report_.rounding.figures = rounded.figures;
    report_.rounding.not_nearest = rounded.not_nearest;

    auto fill_shares = [](Figures& f) {
        const std::vector<int> share = apportion(
            {static_cast<double>(f.area_display[1]), static_cast<double>(f.area_display[2]),
             static_cast<double>(f.area_display[3])},
            1000);
        f.share_permille = {f.area_display[0] > 0 ? 1000 : 0, share[0], share[1], share[2]};
    };
    for (std::size_t u = 0; u < report_.units.size(); ++u) report_.units[u].area_display = rounded.leaf[u];
    for (std::size_t i = 0; i < n; ++i) {
        Figures& f = report_.regions[i].figures;
        for (int k = 0; k < 3; ++k) f.area_display[k + 1] = rounded.node[i][k];
        f.area_display[0] = rounded.node[i][3];
    }
    for (int k = 0; k < 3; ++k) report_.total.area_display[k + 1] = rounded.grand[k];
    report_.total.area_display[0] = rounded.grand[3];

    // Counts and exact areas: every unit into each of its regions.
    for (const ReportUnit& u : report_.units) {
        auto add = [&u](Figures& f) {
            for (int k : {0, u.category}) {
                f.units[k] += 1;
                f.area_m2[k] += u.area_m2;
            }
        };
        add(report_.total);
        for (int r = u.region; r >= 0; r = report_.regions[r].parent) add(report_.regions[r].figures);
    }
    fill_shares(report_.total);
    for (Region& r : report_.regions) fill_shares(r.figures);
}

void Builder::add_notes() {
    // MJ as the map states it, against the area measured here.
    int differ = 0;
    const ReportUnit* first = nullptr;
    for (const ReportUnit& u : report_.units) {
        if (!u.mj_km2) continue;
        const double km2 = u.area_m2 / 1e6;
        if (std::fabs(*u.mj_km2 - km2) > std::max(0.005, 1e-3 * km2)) {
            if (!differ++) first = &u;
        }
    }
    if (differ)
        report_.notes.push_back(fmt::format(
            "{} unit{} state{} an area (MJ) that differs from the area measured here by more than 0.1 % (first: {} "
            "says {:.4f} km², measured {:.4f} km²); the report uses the measured area",
            differ, differ == 1 ? "" : "s", differ == 1 ? "s" : "", first->code, *first->mj_km2,
            first->area_m2 / 1e6));
    if (report_.rounding.not_nearest)
        report_.notes.push_back(fmt::format(
            "{} of {} area figures are rounded away from the nearest 0.01 km² (by less than 0.01 km²) so that every "
            "total is exactly the sum of its parts",
            report_.rounding.not_nearest, report_.rounding.figures));
}

void Builder::make_map() {
    std::vector<detail::MapCounty> counties;
    std::map<std::string, int> index;
    for (std::size_t u = 0; u < drafts_.size(); ++u) {
        const Draft& d = drafts_[u];
        auto [it, inserted] = index.try_emplace(d.county_code, static_cast<int>(counties.size()));
        if (inserted) {
            detail::MapCounty c;
            c.code = d.county_code;
            c.name = report_.units[u].county;
            if (d.county >= 0) {
                const BoundaryCounty& b = counties_[d.county];
                c.outline = b.geom.get();
                c.city_key = b.city_code.empty() ? b.city : b.city_code;
                c.city_name = b.city.empty() ? b.city_code : b.city;
            } else if (have_city_) {
                c.city_key = d.county_code.substr(0, 2) + "|" + d.city_field;
                c.city_name = d.city_field;
            }
            counties.push_back(std::move(c));
        }
        counties[it->second].units.push_back(d.geom);
    }
    std::vector<const GEOSGeometry*> geoms;
    for (const Draft& d : drafts_) geoms.push_back(d.geom);
    report_.map = detail::build_report_map(ctx_, units_layer_.crs_wkt, geoms, counties, options_.threads);
}

Report Builder::run() {
    auto progress = [this](double f) {
        if (options_.progress) options_.progress(f);
    };
    report_.input = map_.source;
    report_.boundary = boundary_ ? boundary_->file : std::string();
    read_units();
    take_boundary();
    choose_levels();
    progress(0.2);
    measure();
    progress(0.4);
    group();
    round_figures();
    add_notes();

    std::vector<const GEOSGeometry*> geoms;
    for (const Draft& d : drafts_) {
        geoms.push_back(d.geom);
        yslx_.push_back(d.yslx);
    }
    report_.factor_note = detail::factor_composition(ctx_, inputs_.factors ? &*inputs_.factors : nullptr,
                                                     units_layer_.crs_wkt, options_.area_method, geoms, zone_, yslx_, report_.units, options_.threads);
    report_.factor_shares = std::any_of(report_.units.begin(), report_.units.end(), [](const ReportUnit& u) {
        return std::any_of(u.factors.begin(), u.factors.end(), [](const FactorShare& f) { return f.share.has_value(); });
    });
    progress(0.6);
    if (options_.map) make_map();
    progress(0.9);
    if (inputs_.indicators) report_.effectiveness = detail::assess_effectiveness(*inputs_.indicators, report_.units);

    if (!options_.title.empty()) {
        report_.title = options_.title;
    } else {
        std::set<std::string> provinces;
        for (const ReportUnit& u : report_.units)
            if (!u.province.empty()) provinces.insert(u.province);
        report_.title = (provinces.size() == 1 ? *provinces.begin() : std::string()) + "环境管控单元报告";
    }
    progress(1.0);
    return std::move(report_);
}

}  // namespace

Report build_report(const UnitMap& units, const ReportInputs& inputs, const ReportOptions& options) {
    try {
        return Builder(units, inputs, options).run();
    } catch (const geos::GeosError& e) {
        throw InputError(Where{units.source, {}, {}, {}}, std::string("geometry operation failed: ") + e.what());
    }
}

}  // namespace zone
