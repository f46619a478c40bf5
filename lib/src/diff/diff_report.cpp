// The forms of a zone-diff report (zonekit(7) DIFF REPORT): text, JSON, CSV, and a
// GeoPackage of the land that changed hands.
#include "zone/diff/diff.hpp"

#include "io/gdal_util.hpp"
#include "core/text_format.hpp"
#include "zone/core/error.hpp"
#include "zone/io/qgis_style.hpp"
#include "zone/io/source.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <filesystem>

namespace fs = std::filesystem;

namespace zone {

using namespace detail;

namespace {

const char* category_keys[] = {"0", "1", "2", "3"};
// JSON and the text table list the categories 1, 2, 3, then 0 (outside).
constexpr int category_order[] = {1, 2, 3, 0};

std::string codes_text(const std::vector<std::string>& codes) {
    std::string s;
    for (const auto& c : codes) s += (s.empty() ? "" : " ") + c;
    return s.empty() ? "-" : s;
}

std::string json_codes(const std::vector<std::string>& codes) {
    std::string s = "[";
    for (std::size_t i = 0; i < codes.size(); ++i) s += (i ? ", " : "") + json_string(codes[i]);
    return s + "]";
}

}  // namespace

std::string format_diff_json(const DiffReport& r, const std::string& version) {
    std::string out = "{\n";
    out += "  \"tool\": \"zone-diff\",\n";
    out += "  \"version\": " + json_string(version) + ",\n";
    out += "  \"old\": " + json_string(r.old_input) + ",\n";
    out += "  \"new\": " + json_string(r.new_input) + ",\n";
    out += "  \"area_method\": " + json_string(r.area_method) + ",\n";
    out += "  \"changes\": [";
    for (std::size_t i = 0; i < r.changes.size(); ++i) {
        const auto& c = r.changes[i];
        out += (i ? ",\n    " : "\n    ");
        out += fmt::format("{{\"kind\": {}, \"old\": {}, \"new\": {}, \"area_m2\": {}}}", json_string(c.kind),
                           json_codes(c.old_codes), json_codes(c.new_codes), json_number(c.area_m2, 3));
    }
    out += r.changes.empty() ? "],\n" : "\n  ],\n";
    out += "  \"transitions_km2\": {";
    for (int a = 0; a < 4; ++a) {
        const int from = category_order[a];
        out += fmt::format("{}\"{}\": {{", a ? ", " : "", category_keys[from]);
        for (int b = 0; b < 4; ++b) {
            const int to = category_order[b];
            out += fmt::format("{}\"{}\": {}", b ? ", " : "", category_keys[to],
                               json_number(r.transitions_km2[from][to], 6));
        }
        out += "}";
    }
    out += "},\n";
    out += "  \"summary\": {";
    bool first = true;
    for (const auto& kind : change_kinds()) {
        auto it = r.summary.find(kind);
        out += fmt::format("{}\"{}\": {}", first ? "" : ", ", kind, it == r.summary.end() ? 0 : it->second);
        first = false;
    }
    out += "},\n";
    out += "  \"violations\": [";
    for (std::size_t i = 0; i < r.violations.size(); ++i) {
        const auto& v = r.violations[i];
        out += (i ? ",\n    " : "\n    ");
        out += fmt::format(
            "{{\"rule\": {}, \"county\": {}, \"category\": {}, \"old_km2\": {}, \"new_km2\": {}, \"area_m2\": {}, "
            "\"codes\": {}, \"message\": {}}}",
            json_string(v.rule), v.county ? json_string(*v.county) : "null",
            v.category ? std::to_string(*v.category) : "null", json_number(v.old_km2, 6), json_number(v.new_km2, 6),
            json_number(v.area_m2, 3), json_codes(v.codes), json_string(v.message));
    }
    out += r.violations.empty() ? "]\n" : "\n  ]\n";
    out += "}\n";
    return out;
}

std::string format_diff_csv(const DiffReport& r) {
    std::string out = "\xEF\xBB\xBFkind,old_codes,new_codes,area_m2\r\n";  // BOM: Excel reads it as UTF-8
    for (const auto& c : r.changes) {
        std::string olds, news;
        for (const auto& s : c.old_codes) olds += (olds.empty() ? "" : ";") + s;
        for (const auto& s : c.new_codes) news += (news.empty() ? "" : ";") + s;
        out += csv_field(c.kind) + "," + csv_field(olds) + "," + csv_field(news) + "," +
               fmt::format("{:.3f}", c.area_m2) + "\r\n";
    }
    return out;
}

std::string format_diff_text(const DiffReport& r) {
    std::string out = fmt::format("Compared {} (old) with {} (new)\n\n", r.old_input, r.new_input);
    out += "changes:";
    for (const auto& kind : change_kinds()) {
        auto it = r.summary.find(kind);
        const int n = it == r.summary.end() ? 0 : it->second;
        if (n) out += fmt::format(" {} {}", n, kind);
    }
    out += "\n";
    for (const auto& c : r.changes) {
        if (c.kind == "unchanged") continue;
        out += fmt::format("  {:<9}  {} -> {}", c.kind, codes_text(c.old_codes), codes_text(c.new_codes));
        if (c.area_m2 > 0) out += "  " + area_text(c.area_m2);
        out += "\n";
    }
    out += "\ntransitions (km², rows old category, columns new; 0 = outside every unit)\n";
    out += fmt::format("  {:>6}", "old\\new");
    for (int b : category_order) out += fmt::format(" {:>14}", b);
    out += "\n";
    for (int a : category_order) {
        out += fmt::format("  {:>7}", a);
        for (int b : category_order) out += fmt::format(" {:>14.6f}", r.transitions_km2[a][b]);
        out += "\n";
    }
    if (!r.violations.empty()) {
        out += fmt::format("\npolicy violations ({}):\n", r.violations.size());
        for (const auto& v : r.violations) out += "  " + v.rule + ": " + one_line(v.message) + "\n";
    }
    out += "area: " + r.area_method + "\n";
    int changed = 0;
    for (const auto& c : r.changes) changed += c.kind != "unchanged";
    out += fmt::format("zone-diff: {} of {} changes are not 'unchanged'{}\n", changed, r.changes.size(),
                       r.violations.empty() ? "" : fmt::format("; {} policy violations", r.violations.size()));
    return out;
}

void write_changed_land(const DiffReport& r, const std::string& staged) {
    gdal_init();
    detail::QuietGdal quiet;
    CPLErrorReset();
    const std::string path = detail::target_path(staged);  // for messages
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    GDALDatasetUniquePtr ds(driver->Create(staged.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path + ": " + CPLGetLastErrorMsg());
    OGRSpatialReference srs;
    srs.importFromWkt(r.crs_wkt.c_str());
    srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = ds->CreateLayer("changes", &srs, wkbMultiPolygon, nullptr);
    if (!layer) throw std::runtime_error("cannot create layer changes in " + path + ": " + CPLGetLastErrorMsg());
    const std::pair<const char*, OGRFieldType> fields[] = {{"old_code", OFTString}, {"new_code", OFTString},
                                                           {"old_cat", OFTInteger}, {"new_cat", OFTInteger},
                                                           {"kind", OFTString},     {"area_m2", OFTReal}};
    for (const auto& [name, type] : fields) {
        OGRFieldDefn def(name, type);
        layer->CreateField(&def);
    }
    ds->StartTransaction();
    for (const auto& land : r.changed_land) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("old_code", land.old_code.c_str());
        f.SetField("new_code", land.new_code.c_str());
        f.SetField("old_cat", land.old_category);
        f.SetField("new_cat", land.new_category);
        f.SetField("kind", land.kind.c_str());
        f.SetField("area_m2", land.area_m2);
        OGRGeometry* g = nullptr;
        if (OGRGeometryFactory::createFromWkb(land.wkb.data(), &srs, &g, land.wkb.size()) != OGRERR_NONE)
            throw std::runtime_error("cannot decode a change polygon");
        f.SetGeometryDirectly(OGRGeometryFactory::forceToMultiPolygon(g));
        if (layer->CreateFeature(&f) != OGRERR_NONE)
            throw std::runtime_error("cannot write " + path + ": " + CPLGetLastErrorMsg());
    }
    if (ds->CommitTransaction() != OGRERR_NONE) throw std::runtime_error("cannot commit " + path);
    store_default_style(*ds, *layer, changed_land_style());  // by kind, in QGIS (zonekit(7) STYLES)
    ds.reset();
    if (CPLGetLastErrorType() == CE_Failure) throw std::runtime_error("writing " + path + " failed: " + CPLGetLastErrorMsg());
}

}  // namespace zone
