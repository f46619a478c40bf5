// The forms of a zone-check report (zonekit(7) CHECK REPORT): text, JSON, JUnit XML and a
// GeoPackage of the findings' geometries.
#include "zone/check/check_report.hpp"

#include "io/gdal_util.hpp"
#include "core/text_format.hpp"

#include "zone/core/error.hpp"
#include "zone/io/output.hpp"
#include "zone/io/qgis_style.hpp"
#include "zone/io/source.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

namespace fs = std::filesystem;

namespace zone {

namespace {

using namespace detail;

std::string fid_text(const Finding& f) {
    if (!f.fid && !f.fid2) return "-";
    std::string s = f.fid ? std::to_string(*f.fid) : "-";
    if (f.fid2) s += "/" + std::to_string(*f.fid2);
    return s;
}

// The parts of a finding after its fid and code: message, area, location.
std::string finding_tail(const Finding& f) {
    std::string s = one_line(f.message);
    if (f.area_m2) s += "  " + area_text(*f.area_m2);
    if (f.location) s += "  at " + location_text(*f.location);
    return s;
}

// A finding as one line: "12/34  ZH37010210001  message  1,234.5 m²  at 117.012345E 36.650000N".
std::string finding_line(const Finding& f, std::size_t fid_width, std::size_t code_width) {
    std::string s;
    if (fid_width) s += pad(fid_text(f), fid_width) + "  ";
    if (code_width) s += pad(f.code.empty() ? "-" : one_line(f.code), code_width) + "  ";
    return s + finding_tail(f);
}

// Findings grouped by severity (errors first), then rule in the order of
// check_rule_ids() (rules it does not list after, in the order met), keeping
// the order of the report within a group.
struct Group {
    std::string rule;
    Severity severity;
    std::vector<const Finding*> findings;
};

std::vector<Group> group_findings(const CheckReport& report) {
    std::map<std::string, std::size_t> rank;
    for (const auto& id : check_rule_ids()) rank.emplace(id, rank.size());
    for (const auto& f : report.findings) rank.emplace(f.rule, rank.size());
    std::vector<Group> groups;
    for (const auto& f : report.findings) {
        auto it = std::find_if(groups.begin(), groups.end(),
                               [&f](const Group& g) { return g.rule == f.rule && g.severity == f.severity; });
        if (it == groups.end()) {
            groups.push_back(Group{f.rule, f.severity, {}});
            it = groups.end() - 1;
        }
        it->findings.push_back(&f);
    }
    std::stable_sort(groups.begin(), groups.end(), [&rank](const Group& a, const Group& b) {
        if (a.severity != b.severity) return a.severity == Severity::error;
        return rank.at(a.rule) < rank.at(b.rule);
    });
    return groups;
}

// The file name of an input, for JUnit's classname: "units.gpkg" for
// "data/units.gpkg|layername=units", "units.shp" for "/vsizip/sub.zip/units.shp".
std::string input_file_name(const std::string& input) {
    std::string path = parse_source(input).path;
    if (path == "-") return "stdin";
    while (!path.empty() && path.back() == '/') path.pop_back();
    const std::string name = fs::path(path).filename().string();
    return name.empty() ? path : name;
}

constexpr std::size_t max_lines_per_group = 50;

}  // namespace

// ------------------------------------------------------------------ text

std::string format_check_text(const CheckReport& report) {
    std::string out = fmt::format("Checked {}{}: {}\n", one_line(report.input),
                                  report.layer.empty() ? std::string() : " (layer " + one_line(report.layer) + ")",
                                  plural(report.features, "feature"));
    for (const Group& g : group_findings(report)) {
        const char* word = g.severity == Severity::error ? "error" : "warning";
        out += fmt::format("\n{} ({})\n", one_line(g.rule), plural(static_cast<long>(g.findings.size()), word));
        const std::size_t shown = std::min(g.findings.size(), max_lines_per_group);
        std::size_t fid_width = 0, code_width = 0;
        for (std::size_t k = 0; k < shown; ++k) {
            const Finding& f = *g.findings[k];
            if (f.fid || f.fid2) fid_width = std::max(fid_width, display_width(fid_text(f)));
            if (!f.code.empty()) code_width = std::max(code_width, display_width(one_line(f.code)));
        }
        for (std::size_t k = 0; k < shown; ++k)
            out += "  " + finding_line(*g.findings[k], fid_width, code_width) + "\n";
        if (g.findings.size() > shown)
            out += fmt::format("  … and {} more (see --format json)\n", g.findings.size() - shown);
    }
    const CheckTolerances& t = report.tolerances;
    out += fmt::format(
        "\ntolerances: overlap {} m², gap {} m², outside {} m², county {} m², red line {} m²; "
        "slivers under {} m² or thinner than {} m\n",
        plain_number(t.overlap_m2), plain_number(t.gap_m2), plain_number(t.outside_m2), plain_number(t.county_m2),
        plain_number(t.redline_m2), plain_number(t.sliver_area_m2), plain_number(t.sliver_width_m));
    out += "area: " + (report.area_method.empty() ? std::string("not stated") : one_line(report.area_method)) + "\n";
    const int errors = report.errors(), warnings = report.warnings();
    if (errors == 0 && warnings == 0)
        out += fmt::format("zone-check: no problems in {}\n", plural(report.features, "unit"));
    else
        out += fmt::format("zone-check: {}, {} in {}\n", plural(errors, "error"), plural(warnings, "warning"),
                           plural(report.features, "unit"));
    return out;
}

// ------------------------------------------------------------------ JSON

std::string format_check_json(const CheckReport& report, const std::string& version) {
    const CheckTolerances& t = report.tolerances;
    std::string out = "{\n";
    out += "  \"tool\": \"zone-check\",\n";
    out += "  \"version\": " + json_string_or_null(version) + ",\n";
    out += "  \"input\": " + json_string(report.input) + ",\n";
    out += "  \"layer\": " + json_string_or_null(report.layer) + ",\n";
    out += std::string("  \"ok\": ") + (report.errors() == 0 ? "true" : "false") + ",\n";
    out += fmt::format("  \"summary\": {{\"features\": {}, \"errors\": {}, \"warnings\": {}}},\n", report.features,
                       report.errors(), report.warnings());
    out += "  \"tolerances\": {\"overlap_m2\": " + json_number(t.overlap_m2) +
           ", \"gap_m2\": " + json_number(t.gap_m2) + ", \"outside_m2\": " + json_number(t.outside_m2) +
           ", \"county_m2\": " + json_number(t.county_m2) + ", \"redline_m2\": " + json_number(t.redline_m2) +
           ", \"sliver_area_m2\": " + json_number(t.sliver_area_m2) +
           ", \"sliver_width_m\": " + json_number(t.sliver_width_m) + "},\n";
    out += "  \"area_method\": " + json_string_or_null(report.area_method) + ",\n";
    out += "  \"findings\": [";
    bool first = true;
    for (const Finding& f : report.findings) {
        out += first ? "\n    " : ",\n    ";
        first = false;
        out += "{\"rule\": " + json_string(f.rule);
        out += ", \"severity\": " + json_string(to_string(f.severity));
        out += ", \"fid\": " + (f.fid ? std::to_string(*f.fid) : std::string("null"));
        out += ", \"fid2\": " + (f.fid2 ? std::to_string(*f.fid2) : std::string("null"));
        out += ", \"code\": " + json_string_or_null(f.code);
        out += ", \"message\": " + json_string(f.message);
        out += ", \"layer\": " + json_string_or_null(f.layer);
        out += ", \"area_m2\": " + (f.area_m2 ? json_number(*f.area_m2, 3) : std::string("null"));
        out += ", \"location\": ";
        if (f.location && std::isfinite((*f.location)[0]) && std::isfinite((*f.location)[1]))
            out += "[" + json_number((*f.location)[0], 7) + ", " + json_number((*f.location)[1], 7) + "]";
        else
            out += "null";
        out += "}";
    }
    out += first ? "]\n" : "\n  ]\n";
    out += "}\n";
    return out;
}

// ------------------------------------------------------------------ JUnit

std::string format_check_junit(const CheckReport& report, bool strict) {
    std::vector<std::string> rules = check_rule_ids();
    for (const Finding& f : report.findings)
        if (std::find(rules.begin(), rules.end(), f.rule) == rules.end()) rules.push_back(f.rule);

    const std::string classname = "zone-check." + input_file_name(report.input);
    std::string cases;
    int failures = 0;
    for (const std::string& rule : rules) {
        std::vector<const Finding*> counted, other;
        for (const Finding& f : report.findings) {
            if (f.rule != rule) continue;
            (f.severity == Severity::error || strict ? counted : other).push_back(&f);
        }
        cases += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"0\"", xml_escape(classname, true),
                             xml_escape(rule, true));
        if (counted.empty() && other.empty()) {
            cases += "/>\n";
            continue;
        }
        cases += ">\n";
        auto lines = [](const std::vector<const Finding*>& list) {
            std::string text;
            for (const Finding* f : list)
                text += std::string(to_string(f->severity)) + ": " + finding_line(*f, 1, f->code.empty() ? 0 : 1) +
                        "\n";
            return xml_escape(text, false);
        };
        if (!counted.empty()) {
            ++failures;
            cases += fmt::format("      <failure message=\"{}\" type=\"{}\">{}</failure>\n",
                                 xml_escape(plural(static_cast<long>(counted.size()), "finding"), true),
                                 xml_escape(rule, true), lines(counted));
        }
        if (!other.empty()) cases += "      <system-out>" + lines(other) + "</system-out>\n";
        cases += "    </testcase>\n";
    }

    const CheckTolerances& t = report.tolerances;
    std::string props;
    auto prop = [&props](const std::string& name, const std::string& value) {
        props += fmt::format("      <property name=\"{}\" value=\"{}\"/>\n", xml_escape(name, true),
                             xml_escape(value, true));
    };
    prop("input", report.input);
    prop("layer", report.layer);
    prop("features", std::to_string(report.features));
    prop("errors", std::to_string(report.errors()));
    prop("warnings", std::to_string(report.warnings()));
    prop("strict", strict ? "true" : "false");
    prop("area_method", report.area_method);
    prop("overlap_m2", json_number(t.overlap_m2));
    prop("gap_m2", json_number(t.gap_m2));
    prop("outside_m2", json_number(t.outside_m2));
    prop("county_m2", json_number(t.county_m2));
    prop("redline_m2", json_number(t.redline_m2));
    prop("sliver_area_m2", json_number(t.sliver_area_m2));
    prop("sliver_width_m", json_number(t.sliver_width_m));

    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += fmt::format("<testsuites name=\"zone-check\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"0\">\n",
                       rules.size(), failures);
    out += fmt::format(
        "  <testsuite name=\"zone-check\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
        rules.size(), failures);
    out += "    <properties>\n" + props + "    </properties>\n";
    out += cases;
    out += "  </testsuite>\n</testsuites>\n";
    return out;
}

// ------------------------------------------------------------------ GeoPackage of findings

namespace {

enum Kind { points, lines, polygons };
constexpr const char* layer_names[] = {"finding_points", "finding_lines", "finding_polygons"};
constexpr OGRwkbGeometryType layer_types[] = {wkbMultiPoint, wkbMultiLineString, wkbMultiPolygon};

struct Parts {
    std::unique_ptr<OGRGeometryCollection> of[3] = {std::make_unique<OGRMultiPoint>(),
                                                    std::make_unique<OGRMultiLineString>(),
                                                    std::make_unique<OGRMultiPolygon>()};
};

// Sorts the parts of `g` by dimension; curves are linearised, Z and M dropped.
void collect(const OGRGeometry& g, Parts& parts) {
    if (g.IsEmpty()) return;
    const OGRwkbGeometryType type = wkbFlatten(g.getGeometryType());
    if (OGR_GT_IsNonLinear(type)) {
        std::unique_ptr<OGRGeometry> linear(g.getLinearGeometry());
        if (linear) collect(*linear, parts);
        return;
    }
    switch (type) {
        case wkbPoint:
            parts.of[points]->addGeometry(&g);
            return;
        case wkbLineString:
        case wkbLinearRing:
            if (type == wkbLinearRing) {
                OGRLineString line(*g.toLineString());
                parts.of[lines]->addGeometry(&line);
            } else {
                parts.of[lines]->addGeometry(&g);
            }
            return;
        case wkbPolygon:
        case wkbTriangle:
            if (type == wkbTriangle) {
                OGRPolygon poly(*g.toPolygon());
                parts.of[polygons]->addGeometry(&poly);
            } else {
                parts.of[polygons]->addGeometry(&g);
            }
            return;
        case wkbPolyhedralSurface:
        case wkbTIN: {
            std::unique_ptr<OGRGeometry> multi(OGRGeometryFactory::forceToMultiPolygon(g.clone()));
            if (multi) collect(*multi, parts);
            return;
        }
        default:
            if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
                for (const OGRGeometry* part : *g.toGeometryCollection()) collect(*part, parts);
            }
            return;
    }
}

}  // namespace

void write_check_findings(const CheckReport& report, const std::string& path, bool overwrite) {
    if (path.empty() || path == "-")
        throw InputError(Where{path, {}, {}, {}}, "findings are written to a GeoPackage file, not standard output");
    OutputPlan(overwrite).input(report.input == "-" ? "" : report.input).output(path, "findings file").check();
    StagedOutputs out;
    out.write(path, [&](const std::string& staged) { write_check_findings_gpkg(report, staged); });
    out.commit();
}

void write_check_findings_gpkg(const CheckReport& report, const std::string& staged) {
    gdal_init();
    detail::QuietGdal quiet;
    CPLErrorReset();
    const std::string path = detail::target_path(staged);  // for messages
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver) throw std::runtime_error("GDAL has no GPKG driver");
    GDALDatasetUniquePtr ds(driver->Create(staged.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path + ": " + CPLGetLastErrorMsg());

    std::unique_ptr<OGRSpatialReference> srs;
    if (!report.crs_wkt.empty()) {
        srs = std::make_unique<OGRSpatialReference>();
        if (srs->importFromWkt(report.crs_wkt.c_str()) != OGRERR_NONE) srs.reset();
        else srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    }

    // Sort every finding's geometry into the three kinds first: layers are
    // created only for kinds that occur.
    struct Row {
        const Finding* finding;
        Kind kind;
        std::unique_ptr<OGRGeometry> geom;
    };
    std::vector<Row> rows;
    for (const Finding& f : report.findings) {
        if (f.wkb.empty()) continue;
        OGRGeometry* raw = nullptr;
        if (OGRGeometryFactory::createFromWkb(f.wkb.data(), nullptr, &raw, f.wkb.size()) != OGRERR_NONE || !raw)
            throw std::runtime_error(
                fmt::format("finding {}{}: its geometry (WKB, {} bytes) cannot be decoded", f.rule,
                            f.fid ? " of feature " + std::to_string(*f.fid) : std::string(), f.wkb.size()));
        std::unique_ptr<OGRGeometry> geom(raw);
        geom->flattenTo2D();
        Parts parts;
        collect(*geom, parts);
        for (int k = 0; k < 3; ++k)
            if (!parts.of[k]->IsEmpty()) rows.push_back(Row{&f, static_cast<Kind>(k), std::move(parts.of[k])});
    }

    OGRLayer* layers[3] = {nullptr, nullptr, nullptr};
    auto create_layer = [&](Kind kind) {
        CPLStringList options;
        options.SetNameValue("FID", "id");  // "fid" is a field here: the unit concerned
        options.SetNameValue("DESCRIPTION",
                             ("zone-check findings for " + report.input).c_str());
        OGRLayer* layer = ds->CreateLayer(layer_names[kind], srs.get(), layer_types[kind], options.List());
        if (!layer)
            throw std::runtime_error(std::string("cannot create layer ") + layer_names[kind] + " in " + path +
                                     ": " + CPLGetLastErrorMsg());
        const std::pair<const char*, OGRFieldType> fields[] = {
            {"rule", OFTString},     {"severity", OFTString}, {"fid", OFTInteger64}, {"fid2", OFTInteger64},
            {"code", OFTString},     {"message", OFTString},  {"area_m2", OFTReal}, {"layer", OFTString}};
        for (const auto& [name, type] : fields) {
            OGRFieldDefn def(name, type);
            if (layer->CreateField(&def) != OGRERR_NONE)
                throw std::runtime_error(std::string("cannot create field ") + name + ": " + CPLGetLastErrorMsg());
        }
        layers[kind] = layer;
    };
    // Always the three layers, empty or not: a steady shape for scripts
    // and styled QGIS projects.
    for (int k = 0; k < 3; ++k) create_layer(static_cast<Kind>(k));

    const bool transaction = ds->StartTransaction() == OGRERR_NONE;
    for (Row& r : rows) {
        const Finding& f = *r.finding;
        OGRLayer* layer = layers[r.kind];
        OGRFeature feature(layer->GetLayerDefn());
        feature.SetField("rule", f.rule.c_str());
        feature.SetField("severity", to_string(f.severity));
        if (f.fid) feature.SetField("fid", static_cast<GIntBig>(*f.fid));
        else feature.SetFieldNull(feature.GetFieldIndex("fid"));
        if (f.fid2) feature.SetField("fid2", static_cast<GIntBig>(*f.fid2));
        else feature.SetFieldNull(feature.GetFieldIndex("fid2"));
        if (!f.code.empty()) feature.SetField("code", f.code.c_str());
        else feature.SetFieldNull(feature.GetFieldIndex("code"));
        feature.SetField("message", f.message.c_str());
        if (!f.layer.empty()) feature.SetField("layer", f.layer.c_str());
        else feature.SetFieldNull(feature.GetFieldIndex("layer"));
        if (f.area_m2 && std::isfinite(*f.area_m2)) feature.SetField("area_m2", *f.area_m2);
        else feature.SetFieldNull(feature.GetFieldIndex("area_m2"));
        if (srs) r.geom->assignSpatialReference(srs.get());
        feature.SetGeometryDirectly(r.geom.release());
        if (layer->CreateFeature(&feature) != OGRERR_NONE)
            throw std::runtime_error("cannot write a finding to " + path + ": " + CPLGetLastErrorMsg());
    }
    if (transaction && ds->CommitTransaction() != OGRERR_NONE)
        throw std::runtime_error("cannot commit " + path + ": " + CPLGetLastErrorMsg());
    // By severity, labelled with the rule, in QGIS (zonekit(7) STYLES).
    const StyleGeometry geometry_of[] = {StyleGeometry::point, StyleGeometry::line, StyleGeometry::polygon};
    for (int k = 0; k < 3; ++k) store_default_style(*ds, *layers[k], findings_style(geometry_of[k]));
    ds.reset();  // closes and flushes
    if (CPLGetLastErrorType() == CE_Failure)
        throw std::runtime_error("writing " + path + " failed: " + CPLGetLastErrorMsg());
}

}  // namespace zone
