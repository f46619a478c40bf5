// The two parts of zone-report that build on other engines: the requirements
// of each unit from an access list (issue 4) and the change section from a
// zone-diff comparison (issue 5, zonekit(7) DIFF REPORT).
#include "zone/rules/access_list.hpp"
#include "zone/build/coding.hpp"
#include "zone/diff/diff.hpp"
#include "zone/report/report.hpp"

#include <cpl_conv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace zone {

namespace {

bool rule_applies(const Rule& r, const ReportUnit& u) {
    if (!r.categories.empty() && std::find(r.categories.begin(), r.categories.end(), u.category) == r.categories.end())
        return false;
    switch (r.level) {
        case Level::province:
            return u.county_code.size() == 6 && province_code_of(u.county_code) == r.scope;
        case Level::circle:
            return !u.circle.empty() && u.circle == r.scope;
        case Level::city: {
            std::string city_code = u.city_code;
            if (city_code.empty()) city_code = city_code_of(u.county_code);
            return city_code == r.scope || (!u.city.empty() && u.city == r.scope);
        }
        case Level::unit:
            return u.code == r.scope || u.county_code == r.scope;
    }
    return false;
}

}  // namespace

void apply_access_list(Report& report, const AccessList& list) {
    report.access_list = list.file;
    for (ReportUnit& u : report.units) {
        for (auto& d : u.requirements) d.clear();
        for (Level level : {Level::province, Level::circle, Level::city, Level::unit})
            for (const Rule& r : list.rules) {
                if (r.level != level || !rule_applies(r, u)) continue;
                u.requirements[r.dimension].push_back(Requirement{to_string(r.level), r.id, to_string(r.effect), r.text,
                                                                  r.when ? r.when->text() : std::string()});
            }
    }
}

ReportChanges report_changes(const Report& report, const DiffReport& diff) {
    ReportChanges c;
    c.old_source = diff.old_input;
    c.new_source = diff.new_input;
    for (const auto& kind : change_kinds()) {
        auto it = diff.summary.find(kind);
        c.kinds[kind] = it == diff.summary.end() ? 0 : it->second;
    }
    c.transitions_km2 = diff.transitions_km2;
    if (report.map.empty() || report.map.projection.empty() || diff.changed_land.empty()) return c;

    OGRSpatialReference source, target;
    if (source.importFromWkt(diff.crs_wkt.c_str()) != OGRERR_NONE ||
        target.importFromProj4(report.map.projection.c_str()) != OGRERR_NONE)
        throw std::runtime_error("changes: cannot read the CRS of the compared maps");
    source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    target.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(&source, &target));
    if (!ct) throw std::runtime_error("changes: PROJ cannot project the changed land to " + report.map.projection);
    OGRMultiPolygon all;
    for (const ChangedLand& land : diff.changed_land) {
        if (land.wkb.empty()) continue;
        OGRGeometry* g = nullptr;
        if (OGRGeometryFactory::createFromWkb(land.wkb.data(), nullptr, &g, land.wkb.size()) != OGRERR_NONE || !g)
            throw std::runtime_error("changes: cannot read a piece of changed land");
        std::unique_ptr<OGRGeometry> owned(g);
        if (owned->transform(ct.get()) != OGRERR_NONE)
            throw std::runtime_error("changes: cannot project a piece of changed land");
        const auto type = wkbFlatten(owned->getGeometryType());
        if (type == wkbPolygon) {
            all.addGeometry(owned.get());
        } else if (type == wkbMultiPolygon || type == wkbGeometryCollection) {
            for (const OGRGeometry* part : *owned->toGeometryCollection())
                if (wkbFlatten(part->getGeometryType()) == wkbPolygon) all.addGeometry(part);
        }
    }
    if (all.IsEmpty()) return c;
    c.changed_land_wkb.resize(all.WkbSize());
    all.exportToWkb(wkbNDR, c.changed_land_wkb.data(), wkbVariantIso);
    return c;
}

}  // namespace zone
