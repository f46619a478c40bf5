#include "zone/io/qgis_style.hpp"

#include "core/text_format.hpp"
#include "zone/build/coding.hpp"
#include "zone/report/report_output.hpp"

#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <stdexcept>

namespace zone {

namespace {

using detail::xml_escape;

// "#3d9a50" -> "61,154,80,255", the colour form of QGIS's symbol layers.
std::string qgis_colour(const std::string& hex, double alpha = 1) {
    unsigned r = 0, g = 0, b = 0;
    if (hex.size() != 7 || std::sscanf(hex.c_str(), "#%2x%2x%2x", &r, &g, &b) != 3)
        throw std::invalid_argument("not a colour: " + hex);
    return fmt::format("{},{},{},{}", r, g, b, static_cast<int>(alpha * 255 + 0.5));
}

std::string prop(const char* key, const std::string& value) {
    return fmt::format("          <prop k=\"{}\" v=\"{}\"/>\n", key, xml_escape(value, true));
}

// One symbol of the renderer: a fill with a thin grey outline, a line, or a
// circle marker.
std::string symbol(const LayerStyle& s, int index, const std::string& colour) {
    static const char* types[] = {"marker", "line", "fill"};
    static const char* classes[] = {"SimpleMarker", "SimpleLine", "SimpleFill"};
    const int g = static_cast<int>(s.geometry);
    std::string out = fmt::format(
        "      <symbol type=\"{}\" name=\"{}\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n"
        "        <layer class=\"{}\" enabled=\"1\" locked=\"0\" pass=\"0\">\n",
        types[g], index, classes[g]);
    switch (s.geometry) {
        case StyleGeometry::polygon:
            out += prop("color", qgis_colour(colour, s.fill_opacity));
            out += prop("style", "solid");
            out += prop("outline_color", "90,90,90,255");
            out += prop("outline_style", "solid");
            out += prop("outline_width", "0.1");
            out += prop("outline_width_unit", "MM");
            out += prop("joinstyle", "bevel");
            break;
        case StyleGeometry::line:
            out += prop("line_color", qgis_colour(colour));
            out += prop("line_style", "solid");
            out += prop("line_width", "0.6");
            out += prop("line_width_unit", "MM");
            out += prop("capstyle", "round");
            out += prop("joinstyle", "round");
            break;
        case StyleGeometry::point:
            out += prop("name", "circle");
            out += prop("color", qgis_colour(colour));
            out += prop("outline_color", "40,40,40,255");
            out += prop("outline_width", "0.2");
            out += prop("outline_width_unit", "MM");
            out += prop("size", "2.6");
            out += prop("size_unit", "MM");
            break;
    }
    out += "        </layer>\n      </symbol>\n";
    return out;
}

std::string labeling(const LayerStyle& s) {
    if (s.label_field.empty()) return {};
    // QGIS's placement codes: 0 around a point, 1 over the point (a polygon's
    // centre), 2 along a line.
    const int placement = s.geometry == StyleGeometry::polygon ? 1 : s.geometry == StyleGeometry::line ? 2 : 0;
    // In QML, scaleMin is the largest scale (most zoomed in, 0: no limit) and
    // scaleMax the smallest, as denominators.
    const bool by_scale = s.label_max_denominator > 0;
    return fmt::format(
        "  <labeling type=\"simple\">\n"
        "    <settings calloutType=\"simple\">\n"
        "      <text-style fieldName=\"{}\" isExpression=\"0\" fontFamily=\"Noto Sans CJK SC\" fontSize=\"8\" "
        "fontSizeUnit=\"Point\" textColor=\"40,40,40,255\" textOpacity=\"1\" namedStyle=\"Regular\">\n"
        "        <text-buffer bufferDraw=\"1\" bufferSize=\"0.7\" bufferSizeUnits=\"MM\" "
        "bufferColor=\"255,255,255,255\" bufferOpacity=\"0.8\" bufferJoinStyle=\"128\"/>\n"
        "      </text-style>\n"
        "      <placement placement=\"{}\" dist=\"1\" distUnits=\"MM\"/>\n"
        "      <rendering scaleVisibility=\"{}\" scaleMin=\"0\" scaleMax=\"{}\" obstacle=\"1\" "
        "displayAll=\"0\" upsidedownLabels=\"0\" limitNumLabels=\"0\" fontLimitPixelSize=\"0\"/>\n"
        "    </settings>\n"
        "  </labeling>\n",
        xml_escape(s.label_field, true), placement, by_scale ? 1 : 0,
        by_scale ? fmt::format("{:.0f}", s.label_max_denominator) : std::string("0"));
}

}  // namespace

LayerStyle unit_map_style() {
    LayerStyle s;
    s.name = "zonekit units";
    s.geometry = StyleGeometry::polygon;
    s.field = "ZHGKDYFL";
    for (int c = 1; c <= 3; ++c)
        s.categories.push_back({std::to_string(c), std::to_string(c) + " " + category_unit_name(c), category_colour(c)});
    s.label_field = "HJZHGKDYBM";
    s.label_max_denominator = 200000;  // a county fills the screen; below, codes would cover the map
    return s;
}

LayerStyle findings_style(StyleGeometry geometry) {
    LayerStyle s;
    s.name = "zonekit findings";
    s.geometry = geometry;
    s.field = "severity";
    s.categories = {{"error", "error", "#d7191c"}, {"warning", "warning", "#fdae61"}};
    s.fill_opacity = 0.6;  // the unit map shows through
    s.label_field = "rule";
    return s;
}

LayerStyle changed_land_style() {
    LayerStyle s;
    s.name = "zonekit changes";
    s.geometry = StyleGeometry::polygon;
    s.field = "kind";
    s.categories = {{"modified", "modified", "#ff7f00"}, {"recoded", "recoded", "#984ea3"},
                    {"split", "split", "#377eb8"},       {"merged", "merged", "#4daf4a"},
                    {"complex", "complex", "#e41a1c"},   {"added", "added", "#a6d854"},
                    {"removed", "removed", "#666666"},   {"unchanged", "unchanged", "#cccccc"}};
    s.fill_opacity = 0.75;
    return s;
}

std::string format_qml(const LayerStyle& s) {
    std::string out =
        "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
        "<qgis version=\"3.22.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"" +
        std::string(s.label_field.empty() ? "0" : "1") + "\">\n";
    out += "  <renderer-v2 type=\"categorizedSymbol\" attr=\"" + xml_escape(s.field, true) +
           "\" symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n    <categories>\n";
    for (std::size_t i = 0; i < s.categories.size(); ++i)
        out += fmt::format("      <category render=\"true\" symbol=\"{}\" value=\"{}\" label=\"{}\"/>\n", i,
                           xml_escape(s.categories[i].value, true), xml_escape(s.categories[i].label, true));
    out += "    </categories>\n    <symbols>\n";
    for (std::size_t i = 0; i < s.categories.size(); ++i)
        out += symbol(s, static_cast<int>(i), s.categories[i].colour);
    out += "    </symbols>\n  </renderer-v2>\n";
    out += labeling(s);
    out += fmt::format("  <layerGeometryType>{}</layerGeometryType>\n</qgis>\n", static_cast<int>(s.geometry));
    return out;
}

void store_default_style(GDALDataset& ds, OGRLayer& layer, const LayerStyle& style) {
    // The table as QGIS creates it (its OGR provider's saveStyle), so that
    // QGIS adds to it rather than failing when a person saves a style.
    OGRLayer* styles = ds.GetLayerByName("layer_styles");
    if (!styles) {
        CPLStringList options;
        options.SetNameValue("FID", "id");
        styles = ds.CreateLayer("layer_styles", nullptr, wkbNone, options.List());
        if (!styles) throw std::runtime_error(std::string("cannot create the table layer_styles: ") + CPLGetLastErrorMsg());
        struct Field {
            const char* name;
            OGRFieldType type;
            int width;
        };
        const Field fields[] = {{"f_table_catalog", OFTString, 256}, {"f_table_schema", OFTString, 256},
                                {"f_table_name", OFTString, 256},    {"f_geometry_column", OFTString, 256},
                                {"styleName", OFTString, 30},        {"styleQML", OFTString, 0},
                                {"styleSLD", OFTString, 0},          {"useAsDefault", OFTInteger, 0},
                                {"description", OFTString, 0},       {"owner", OFTString, 30},
                                {"ui", OFTString, 30},               {"update_time", OFTDateTime, 0}};
        for (const Field& f : fields) {
            OGRFieldDefn def(f.name, f.type);
            def.SetWidth(f.width);
            if (f.type == OFTInteger) def.SetSubType(OFSTBoolean);
            if (styles->CreateField(&def) != OGRERR_NONE)
                throw std::runtime_error(std::string("cannot create field ") + f.name + " of layer_styles: " +
                                         CPLGetLastErrorMsg());
        }
    }
    OGRFeature row(styles->GetLayerDefn());
    // QGIS finds a layer's styles by an empty schema, the table and its geometry column.
    row.SetField("f_table_catalog", "");
    row.SetField("f_table_schema", "");
    row.SetField("f_table_name", layer.GetName());
    row.SetField("f_geometry_column", layer.GetGeometryColumn());
    row.SetField("styleName", style.name.c_str());
    row.SetField("styleQML", format_qml(style).c_str());
    row.SetField("styleSLD", "");
    row.SetField("useAsDefault", 1);
    row.SetField("description", "default style written by zonekit (zonekit(7) STYLES)");
    row.SetField("owner", "");
    if (styles->CreateFeature(&row) != OGRERR_NONE)
        throw std::runtime_error(std::string("cannot write the style of layer ") + layer.GetName() + ": " +
                                 CPLGetLastErrorMsg());
}

std::string qml_path_beside(const std::string& shapefile) {
    return std::filesystem::path(shapefile).replace_extension(".qml").string();
}

}  // namespace zone
