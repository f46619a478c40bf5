// The forms of a zone-check report, from a CheckReport built by hand: the JSON
// of zonekit(7) CHECK REPORT (read back with GDAL's JSON parser), JUnit XML (read back with
// GDAL's XML parser), the text for people, and the GeoPackage of findings
// (read back with OGR).
#include "zone/check/check.hpp"
#include "zone/check/check_report.hpp"
#include "zone/core/error.hpp"

#include <cpl_json.h>
#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

namespace fs = std::filesystem;

namespace {

const char* const cgcs2000_wkt =
    "GEOGCS[\"China Geodetic Coordinate System 2000\",DATUM[\"China_2000\",SPHEROID[\"CGCS2000\",6378137,"
    "298.257222101]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433],AUTHORITY[\"EPSG\",\"4490\"]]";

std::vector<unsigned char> wkb_of(const char* wkt) {
    OGRGeometry* g = nullptr;
    EXPECT_EQ(OGRGeometryFactory::createFromWkt(wkt, nullptr, &g), OGRERR_NONE) << wkt;
    std::unique_ptr<OGRGeometry> owned(g);
    std::vector<unsigned char> wkb(g->WkbSize());
    g->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
    return wkb;
}

zone::Finding finding(const std::string& rule, zone::Severity severity, std::optional<std::int64_t> fid,
                      const std::string& message) {
    zone::Finding f;
    f.rule = rule;
    f.severity = severity;
    f.fid = fid;
    f.message = message;
    return f;
}

const std::string tricky_message = "名称 \"济南\\历下\"\n第二行\ttab\x01 end";

// Three errors (overlap, gap, code.format), one warning (sliver), with every
// kind of geometry and every optional value present or absent.
zone::CheckReport sample_report() {
    zone::CheckReport r;
    r.input = "data/济南 units.gpkg|layername=units";
    r.layer = "units";
    r.crs_wkt = cgcs2000_wkt;
    r.area_method = "planar, CGCS2000 3-degree Gauss-Kruger zone of each unit";
    r.features = 2750;
    r.tolerances.overlap_m2 = 2.5;
    r.tolerances.sliver_area_m2 = 1000;

    auto overlap = finding("coverage.overlap", zone::Severity::error, 12, tricky_message);
    overlap.fid2 = 34;
    overlap.code = "ZH37010210001";
    overlap.area_m2 = 1234.5;
    overlap.location = std::array<double, 2>{117.0123456789, 36.65};
    overlap.wkb = wkb_of("POLYGON ((117 36.6,117.01 36.6,117.01 36.61,117 36.6))");

    auto gap = finding("coverage.gap", zone::Severity::error, std::nullopt, "一处缝隙 between units");
    gap.area_m2 = 2500000.0;
    gap.location = std::array<double, 2>{117.5, 36.7};
    // A collection: a polygon, a line and a point, each to its own layer.
    gap.wkb = wkb_of(
        "GEOMETRYCOLLECTION (POLYGON ((117.5 36.7,117.6 36.7,117.6 36.8,117.5 36.7)),"
        "LINESTRING (117.5 36.7,117.6 36.75),POINT (117.55 36.72))");

    auto code = finding("code.format", zone::Severity::error, 7, "HJZHGKDYBM 'ZH3701' does not match");
    code.code = "ZH3701";
    code.location = std::array<double, 2>{116.9, 36.6};
    code.wkb = wkb_of("MULTIPOINT ((116.9 36.6),(116.91 36.61))");

    auto sliver = finding("unit.sliver", zone::Severity::warning, 99, "单元面积 12.5 m², 小于 1000 m²");
    sliver.code = "ZH37010230099";
    sliver.area_m2 = 12.5;
    sliver.wkb = wkb_of("LINESTRING Z (117 36,117.1 36.1,117.2 36.1)");  // Z is dropped

    r.findings = {overlap, gap, code, sliver};
    return r;
}

std::set<std::string> keys_of(const CPLJSONObject& o) {
    std::set<std::string> keys;
    for (const auto& child : o.GetChildren()) keys.insert(child.GetName());
    return keys;
}

CPLJSONObject parse_json(const std::string& text) {
    CPLJSONDocument doc;
    EXPECT_TRUE(doc.LoadMemory(text)) << text;
    return doc.GetRoot();
}

struct XmlFree {
    void operator()(CPLXMLNode* n) const { CPLDestroyXMLNode(n); }
};
using XmlPtr = std::unique_ptr<CPLXMLNode, XmlFree>;

XmlPtr parse_xml(const std::string& text) {
    CPLPushErrorHandler(CPLQuietErrorHandler);
    XmlPtr root(CPLParseXMLString(text.c_str()));
    CPLPopErrorHandler();
    EXPECT_TRUE(root) << CPLGetLastErrorMsg() << "\n" << text;
    return root;
}

std::vector<const CPLXMLNode*> children(const CPLXMLNode* node, const char* name) {
    std::vector<const CPLXMLNode*> out;
    for (const CPLXMLNode* c = node ? node->psChild : nullptr; c; c = c->psNext)
        if (c->eType == CXT_Element && std::string(c->pszValue) == name) out.push_back(c);
    return out;
}

std::string attr(const CPLXMLNode* node, const char* name) { return CPLGetXMLValue(node, name, "<absent>"); }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return lines;
}

std::size_t line_index(const std::vector<std::string>& lines, const std::string& exact) {
    return std::find(lines.begin(), lines.end(), exact) - lines.begin();
}

// A fresh folder under the system's temporary folder.
class Scratch {
public:
    Scratch() {
        std::string pattern = (fs::temp_directory_path() / "zone-report-test-XXXXXX").string();
        EXPECT_TRUE(mkdtemp(pattern.data()));
        path_ = pattern;
    }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }
    std::vector<std::string> entries() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

private:
    fs::path path_;
};

}  // namespace

// ------------------------------------------------------------------ JSON

// The layers of a findings GeoPackage but its QGIS style table, which GDAL
// lists among them (zonekit(7) STYLES).
int finding_layer_count(GDALDataset& ds) {
    int n = 0;
    for (int i = 0; i < ds.GetLayerCount(); ++i) n += std::string(ds.GetLayer(i)->GetName()) != "layer_styles";
    return n;
}

TEST(CheckReportJson, HasExactlyTheKeysAndValuesOfDesign25) {
    const auto report = sample_report();
    const std::string text = zone::format_check_json(report, "0.1.0");
    const CPLJSONObject root = parse_json(text);
    EXPECT_EQ(keys_of(root), (std::set<std::string>{"tool", "version", "input", "layer", "ok", "summary", "tolerances",
                                                    "area_method", "findings"}));
    EXPECT_EQ(root.GetString("tool"), "zone-check");
    EXPECT_EQ(root.GetString("version"), "0.1.0");
    EXPECT_EQ(root.GetString("input"), report.input);
    EXPECT_EQ(root.GetString("layer"), "units");
    EXPECT_EQ(root.GetObj("ok").GetType(), CPLJSONObject::Type::Boolean);
    EXPECT_FALSE(root.GetBool("ok", true));
    EXPECT_EQ(root.GetString("area_method"), report.area_method);

    const CPLJSONObject summary = root.GetObj("summary");
    EXPECT_EQ(keys_of(summary), (std::set<std::string>{"features", "errors", "warnings"}));
    EXPECT_EQ(summary.GetInteger("features"), 2750);
    EXPECT_EQ(summary.GetInteger("errors"), 3);
    EXPECT_EQ(summary.GetInteger("warnings"), 1);

    const CPLJSONObject tol = root.GetObj("tolerances");
    EXPECT_EQ(keys_of(tol), (std::set<std::string>{"overlap_m2", "gap_m2", "outside_m2", "county_m2", "redline_m2",
                                                   "sliver_area_m2", "sliver_width_m"}));
    EXPECT_DOUBLE_EQ(tol.GetDouble("overlap_m2"), 2.5);
    EXPECT_DOUBLE_EQ(tol.GetDouble("gap_m2"), 1.0);
    EXPECT_DOUBLE_EQ(tol.GetDouble("sliver_area_m2"), 1000.0);
    EXPECT_DOUBLE_EQ(tol.GetDouble("sliver_width_m"), 5.0);

    const CPLJSONArray findings = root.GetArray("findings");
    ASSERT_TRUE(findings.IsValid());
    ASSERT_EQ(findings.Size(), 4);
    const std::set<std::string> finding_keys{"rule", "severity", "fid", "fid2", "code", "message", "area_m2",
                                             "layer",    "location"};
    for (int i = 0; i < findings.Size(); ++i) EXPECT_EQ(keys_of(findings[i]), finding_keys) << i;

    // The overlap: every value known; the message with quotes, a backslash,
    // a newline, a tab, a control character and Chinese comes back intact.
    const CPLJSONObject overlap = findings[0];
    EXPECT_EQ(overlap.GetString("rule"), "coverage.overlap");
    EXPECT_EQ(overlap.GetString("severity"), "error");
    EXPECT_EQ(overlap.GetLong("fid"), 12);
    EXPECT_EQ(overlap.GetLong("fid2"), 34);
    EXPECT_EQ(overlap.GetString("code"), "ZH37010210001");
    EXPECT_EQ(overlap.GetString("message"), tricky_message);
    EXPECT_DOUBLE_EQ(overlap.GetDouble("area_m2"), 1234.5);
    const CPLJSONArray loc = overlap.GetArray("location");
    ASSERT_EQ(loc.Size(), 2);
    EXPECT_NEAR(loc[0].ToDouble(), 117.0123457, 1e-9);  // 7 decimals
    EXPECT_NEAR(loc[1].ToDouble(), 36.65, 1e-9);

    // The gap: no fid, fid2 or code: nulls, keys present.
    const CPLJSONObject gap = findings[1];
    EXPECT_EQ(gap.GetObj("fid").GetType(), CPLJSONObject::Type::Null);
    EXPECT_EQ(gap.GetObj("fid2").GetType(), CPLJSONObject::Type::Null);
    EXPECT_EQ(gap.GetObj("code").GetType(), CPLJSONObject::Type::Null);
    EXPECT_DOUBLE_EQ(gap.GetDouble("area_m2"), 2500000.0);

    // The sliver: no location, a warning.
    const CPLJSONObject sliver = findings[3];
    EXPECT_EQ(sliver.GetString("severity"), "warning");
    EXPECT_EQ(sliver.GetObj("location").GetType(), CPLJSONObject::Type::Null);
    EXPECT_EQ(sliver.GetObj("fid2").GetType(), CPLJSONObject::Type::Null);

    // Control characters are written as \u00XX, UTF-8 as itself.
    EXPECT_NE(text.find("\\u000a"), std::string::npos);
    EXPECT_NE(text.find("\\u0001"), std::string::npos);
    EXPECT_NE(text.find("第二行"), std::string::npos);
    EXPECT_EQ(text.find('\x01'), std::string::npos);
}

TEST(CheckReportJson, OkWhenOnlyWarningsAndEmptyFindingsArray) {
    auto report = sample_report();
    report.findings.erase(report.findings.begin(), report.findings.begin() + 3);
    CPLJSONObject root = parse_json(zone::format_check_json(report, "0.1.0"));
    EXPECT_TRUE(root.GetBool("ok", false));
    EXPECT_EQ(root.GetObj("summary").GetInteger("warnings"), 1);

    report.findings.clear();
    report.layer.clear();
    report.area_method.clear();
    root = parse_json(zone::format_check_json(report, "0.1.0"));
    EXPECT_TRUE(root.GetBool("ok", false));
    EXPECT_EQ(root.GetArray("findings").Size(), 0);
    EXPECT_EQ(root.GetObj("layer").GetType(), CPLJSONObject::Type::Null);
    EXPECT_EQ(root.GetObj("area_method").GetType(), CPLJSONObject::Type::Null);
}

TEST(CheckReportJson, BytesThatAreNotUtf8StillGiveValidJson) {
    auto report = sample_report();
    report.findings[0].message = "GBK \xBC\xC3\xC4\xCF bytes";  // 济南 in GBK
    const std::string text = zone::format_check_json(report, "0.1.0");
    const CPLJSONObject root = parse_json(text);
    EXPECT_EQ(root.GetArray("findings")[0].GetString("message"), "GBK \uFFFD\uFFFD\uFFFD\uFFFD bytes");
}

// ------------------------------------------------------------------ JUnit

TEST(CheckReportJunit, OneTestcasePerRuleAndFailuresWhereTheyCount) {
    const auto report = sample_report();
    for (const bool strict : {false, true}) {
        SCOPED_TRACE(strict ? "strict" : "not strict");
        const std::string xml = zone::format_check_junit(report, strict);
        const XmlPtr root = parse_xml(xml);
        ASSERT_TRUE(root);
        const CPLXMLNode* suites = CPLGetXMLNode(root.get(), "=testsuites");
        ASSERT_TRUE(suites);
        const auto suite_list = children(suites, "testsuite");
        ASSERT_EQ(suite_list.size(), 1u);
        const CPLXMLNode* suite = suite_list[0];
        EXPECT_EQ(attr(suite, "name"), "zone-check");

        const auto& ids = zone::check_rule_ids();
        const auto cases = children(suite, "testcase");
        ASSERT_EQ(cases.size(), ids.size());
        EXPECT_EQ(attr(suite, "tests"), std::to_string(ids.size()));

        std::set<std::string> failed;
        for (std::size_t i = 0; i < cases.size(); ++i) {
            EXPECT_EQ(attr(cases[i], "name"), ids[i]);
            EXPECT_EQ(attr(cases[i], "classname"), "zone-check.济南 units.gpkg");
            const auto failures = children(cases[i], "failure");
            EXPECT_LE(failures.size(), 1u);
            if (!failures.empty()) {
                failed.insert(ids[i]);
                EXPECT_EQ(attr(failures[0], "type"), ids[i]);
            }
        }
        std::set<std::string> expected{"coverage.overlap", "coverage.gap", "code.format"};
        if (strict) expected.insert("unit.sliver");
        EXPECT_EQ(failed, expected);
        EXPECT_EQ(attr(suite, "failures"), std::to_string(expected.size()));
        EXPECT_EQ(attr(suites, "failures"), std::to_string(expected.size()));

        const auto at = [&](const std::string& id) {
            return cases[std::find(ids.begin(), ids.end(), id) - ids.begin()];
        };
        // The failure lists the findings; the tricky message survives (as one line).
        const CPLXMLNode* overlap_failure = children(at("coverage.overlap"), "failure")[0];
        EXPECT_EQ(attr(overlap_failure, "message"), "1 finding");
        const std::string listed = CPLGetXMLValue(overlap_failure, nullptr, "");
        EXPECT_NE(listed.find("ZH37010210001"), std::string::npos) << listed;
        EXPECT_NE(listed.find("名称 \"济南\\历下\""), std::string::npos) << listed;
        EXPECT_NE(listed.find("12/34"), std::string::npos) << listed;

        // A warning that does not count is in system-out, not a failure.
        const CPLXMLNode* sliver = at("unit.sliver");
        if (!strict) {
            const auto out = children(sliver, "system-out");
            ASSERT_EQ(out.size(), 1u);
            EXPECT_NE(std::string(CPLGetXMLValue(out[0], nullptr, "")).find("ZH37010230099"), std::string::npos);
        }
    }
}

TEST(CheckReportJunit, EscapesMarkupAndUnknownRulesGetATestcase) {
    auto report = sample_report();
    report.input = "/data/a&b <\"x\">.gpkg";
    report.findings[0].message = "<tag attr=\"v\"> & ]]> \x02";
    auto extra = finding("future.rule", zone::Severity::error, 1, "a rule this build does not list");
    report.findings.push_back(extra);
    const std::string xml = zone::format_check_junit(report, false);
    const XmlPtr root = parse_xml(xml);
    ASSERT_TRUE(root);
    const CPLXMLNode* suite = CPLGetXMLNode(root.get(), "=testsuites.testsuite");
    ASSERT_TRUE(suite);
    const auto cases = children(suite, "testcase");
    ASSERT_EQ(cases.size(), zone::check_rule_ids().size() + 1);
    EXPECT_EQ(attr(cases.back(), "name"), "future.rule");
    EXPECT_EQ(attr(cases.front(), "classname"), "zone-check.a&b <\"x\">.gpkg");
    const CPLXMLNode* overlap = nullptr;
    for (const auto* c : cases)
        if (attr(c, "name") == "coverage.overlap") overlap = c;
    ASSERT_TRUE(overlap);
    const std::string listed = CPLGetXMLValue(children(overlap, "failure")[0], nullptr, "");
    EXPECT_NE(listed.find("<tag attr=\"v\"> & ]]>"), std::string::npos) << listed;
}

// ------------------------------------------------------------------ text

TEST(CheckReportText, ErrorsBeforeWarningsAndSummaryLast) {
    const auto report = sample_report();
    const std::string text = zone::format_check_text(report);
    const auto lines = lines_of(text);
    ASSERT_FALSE(lines.empty());
    EXPECT_EQ(lines.front(), "Checked data/济南 units.gpkg|layername=units (layer units): 2750 features");
    EXPECT_EQ(lines.back(), "zone-check: 3 errors, 1 warning in 2750 units");

    const std::size_t overlap = line_index(lines, "coverage.overlap (1 error)");
    const std::size_t gap = line_index(lines, "coverage.gap (1 error)");
    const std::size_t code = line_index(lines, "code.format (1 error)");
    const std::size_t sliver = line_index(lines, "unit.sliver (1 warning)");
    ASSERT_LT(sliver, lines.size()) << text;
    // Errors in rule order, then warnings.
    EXPECT_LT(code, overlap) << text;
    EXPECT_LT(overlap, gap) << text;
    EXPECT_LT(gap, sliver) << text;

    // One line per finding: fid/fid2, code, message (newline made a space),
    // area, location; Chinese intact.
    const std::string& overlap_line = lines[overlap + 1];
    EXPECT_EQ(overlap_line.rfind("  12/34  ZH37010210001  名称 \"济南\\历下\" 第二行 tab  end", 0), 0u) << overlap_line;
    EXPECT_NE(overlap_line.find("1,234.5 m²"), std::string::npos) << overlap_line;
    EXPECT_NE(overlap_line.find("at 117.012346E 36.650000N"), std::string::npos) << overlap_line;
    EXPECT_NE(lines[gap + 1].find("2.500 km²"), std::string::npos) << lines[gap + 1];
    EXPECT_NE(lines[sliver + 1].find("单元面积 12.5 m², 小于 1000 m²"), std::string::npos);

    EXPECT_NE(text.find("tolerances: overlap 2.5 m², gap 1 m²"), std::string::npos) << text;
    EXPECT_NE(text.find("slivers under 1,000 m² or thinner than 5 m"), std::string::npos) << text;
    EXPECT_NE(text.find("area: planar, CGCS2000 3-degree Gauss-Kruger zone of each unit\n"), std::string::npos);
}

TEST(CheckReportText, NoProblemsAndLongGroupsAreCut) {
    auto report = sample_report();
    report.findings.clear();
    EXPECT_EQ(lines_of(zone::format_check_text(report)).back(), "zone-check: no problems in 2750 units");

    for (int i = 0; i < 120; ++i) {
        auto f = finding("coverage.overlap", zone::Severity::error, i, "overlap");
        f.fid2 = i + 1000;
        report.findings.push_back(f);
    }
    const auto lines = lines_of(zone::format_check_text(report));
    const std::size_t head = line_index(lines, "coverage.overlap (120 errors)");
    ASSERT_LT(head, lines.size());
    EXPECT_EQ(lines[head + 51], "  … and 70 more (see --format json)");
    EXPECT_EQ(lines.back(), "zone-check: 120 errors, 0 warnings in 2750 units");
}

// ------------------------------------------------------------------ GeoPackage

TEST(CheckFindingsGpkg, WritesThreeLayersWithTheRightFeatures) {
    Scratch dir;
    const std::string path = dir.file("errors.gpkg");
    const auto report = sample_report();
    zone::write_check_findings(report, path, false);
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"errors.gpkg"});  // no temporary folder left

    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    ASSERT_TRUE(ds);
    EXPECT_EQ(finding_layer_count(*ds), 3);
    struct Expect {
        const char* layer;
        OGRwkbGeometryType type;
        GIntBig count;
    };
    for (const Expect& e : {Expect{"finding_points", wkbMultiPoint, 2}, Expect{"finding_lines", wkbMultiLineString, 2},
                            Expect{"finding_polygons", wkbMultiPolygon, 2}}) {
        OGRLayer* layer = ds->GetLayerByName(e.layer);
        ASSERT_TRUE(layer) << e.layer;
        EXPECT_EQ(layer->GetGeomType(), e.type) << e.layer;
        EXPECT_EQ(layer->GetFeatureCount(), e.count) << e.layer;
        const OGRSpatialReference* srs = layer->GetSpatialRef();
        ASSERT_TRUE(srs) << e.layer;
        EXPECT_STREQ(srs->GetAuthorityCode(nullptr), "4490");
        OGRFeatureDefn* defn = layer->GetLayerDefn();
        EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("fid"))->GetType(), OFTInteger64);
        EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("fid2"))->GetType(), OFTInteger64);
        EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex("area_m2"))->GetType(), OFTReal);
        for (const char* name : {"rule", "severity", "code", "message"})
            EXPECT_EQ(defn->GetFieldDefn(defn->GetFieldIndex(name))->GetType(), OFTString) << name;
        for (auto& f : *layer) {
            ASSERT_TRUE(f->GetGeometryRef());
            EXPECT_EQ(f->GetGeometryRef()->getGeometryType(), e.type) << e.layer;  // 2D, multi
        }
    }

    // Field values, by rule.
    OGRLayer* polygons = ds->GetLayerByName("finding_polygons");
    polygons->SetAttributeFilter("rule = 'coverage.overlap'");
    std::unique_ptr<OGRFeature> f(polygons->GetNextFeature());
    ASSERT_TRUE(f);
    EXPECT_STREQ(f->GetFieldAsString("severity"), "error");
    EXPECT_EQ(f->GetFieldAsInteger64("fid"), 12);
    EXPECT_EQ(f->GetFieldAsInteger64("fid2"), 34);
    EXPECT_STREQ(f->GetFieldAsString("code"), "ZH37010210001");
    EXPECT_EQ(std::string(f->GetFieldAsString("message")), tricky_message);
    EXPECT_DOUBLE_EQ(f->GetFieldAsDouble("area_m2"), 1234.5);

    polygons->SetAttributeFilter("rule = 'coverage.gap'");
    f.reset(polygons->GetNextFeature());
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->IsFieldNull(f->GetFieldIndex("fid")));
    EXPECT_TRUE(f->IsFieldNull(f->GetFieldIndex("fid2")));
    EXPECT_TRUE(f->IsFieldNull(f->GetFieldIndex("code")));
    EXPECT_DOUBLE_EQ(f->GetFieldAsDouble("area_m2"), 2500000.0);

    OGRLayer* lines = ds->GetLayerByName("finding_lines");
    lines->SetAttributeFilter("rule = 'unit.sliver'");
    f.reset(lines->GetNextFeature());
    ASSERT_TRUE(f);
    EXPECT_STREQ(f->GetFieldAsString("severity"), "warning");
    EXPECT_EQ(f->GetFieldAsInteger64("fid"), 99);
    EXPECT_FALSE(f->GetGeometryRef()->Is3D());

    OGRLayer* points = ds->GetLayerByName("finding_points");
    points->SetAttributeFilter("rule = 'code.format'");
    f.reset(points->GetNextFeature());
    ASSERT_TRUE(f);
    EXPECT_TRUE(f->IsFieldNull(f->GetFieldIndex("area_m2")));
    EXPECT_EQ(f->GetGeometryRef()->toMultiPoint()->getNumGeometries(), 2);
}

TEST(CheckFindingsGpkg, NoFindingsGiveThreeEmptyLayersAndNoCrsWhenNone) {
    Scratch dir;
    auto report = sample_report();
    report.findings.clear();
    report.crs_wkt.clear();
    const std::string path = dir.file("none.gpkg");
    zone::write_check_findings(report, path, false);
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    ASSERT_TRUE(ds);
    ASSERT_EQ(finding_layer_count(*ds), 3);
    for (const char* name : {"finding_points", "finding_lines", "finding_polygons"}) {
        ASSERT_TRUE(ds->GetLayerByName(name)) << name;
        EXPECT_EQ(ds->GetLayerByName(name)->GetFeatureCount(), 0) << name;
    }
    // GeoPackage has no "no CRS": GDAL records srs_id 0, "Undefined geographic SRS".
    const OGRSpatialReference* srs = ds->GetLayer(0)->GetSpatialRef();
    if (srs) {
        EXPECT_EQ(srs->GetAuthorityName(nullptr), nullptr);
        EXPECT_EQ(std::string(srs->GetName()).rfind("Undefined", 0), 0u) << srs->GetName();
    }
}

TEST(CheckFindingsGpkg, RefusesAnExistingFileWithoutOverwriteAndNeverTheInput) {
    Scratch dir;
    const std::string path = dir.file("errors.gpkg");
    {
        std::ofstream(path) << "keep me";
    }
    const auto report = sample_report();
    EXPECT_THROW(zone::write_check_findings(report, path, false), zone::InputError);
    {
        std::ifstream in(path);
        std::string content((std::istreambuf_iterator<char>(in)), {});
        EXPECT_EQ(content, "keep me");
    }
    zone::write_check_findings(report, path, true);
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr));
    ASSERT_TRUE(ds);
    EXPECT_EQ(finding_layer_count(*ds), 3);
    ds.reset();

    // The checked map itself, even with --overwrite and a layer name.
    auto on_input = report;
    on_input.input = path + "|layername=units";
    EXPECT_THROW(zone::write_check_findings(on_input, path, true), zone::InputError);
    EXPECT_THROW(zone::write_check_findings(report, dir.file("no/such/folder.gpkg"), false), zone::InputError);
    EXPECT_THROW(zone::write_check_findings(report, "-", false), zone::InputError);
    EXPECT_EQ(dir.entries(), std::vector<std::string>{"errors.gpkg"});
}
