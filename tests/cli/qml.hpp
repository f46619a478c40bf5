// The QGIS styles zonekit writes, read back for tests: the rows of a
// GeoPackage's layer_styles (through GDAL) and the QML in them or in a .qml
// beside a Shapefile (parsed strictly with libxml2).
#pragma once

#include "support.hpp"
#include "xhtml.hpp"

#include <map>
#include <string>
#include <vector>

namespace zt {

// What a QML says about its renderer and labels.
struct QmlStyle {
    std::string parse_error;      // empty when the QML is well-formed XML
    std::string renderer_type;    // renderer-v2/@type
    std::string attr;             // the field a categorised renderer classifies on
    std::vector<std::string> values;            // category values, in order
    std::map<std::string, std::string> colour;  // value -> colour of its symbol's first layer ("r,g,b,a")
    std::map<std::string, std::string> symbol_type;  // value -> fill | line | marker
    std::string label_field;      // labeling/settings/text-style/@fieldName, empty without labels
    std::string label_scale_visibility, label_scale_max;
};

inline QmlStyle parse_qml(const std::string& text) {
    QmlStyle s;
    Xml xml(text);
    if (!xml.doc) {
        s.parse_error = xml.error.empty() ? "not XML" : xml.error;
        return s;
    }
    auto one = [&](const std::string& xpath) {
        const auto v = xml.values(xpath);
        return v.empty() ? std::string() : v.front();
    };
    s.renderer_type = one("/qgis/renderer-v2/@type");
    s.attr = one("/qgis/renderer-v2/@attr");
    s.values = xml.values("/qgis/renderer-v2/categories/category/@value");
    const auto symbols = xml.values("/qgis/renderer-v2/categories/category/@symbol");
    for (std::size_t i = 0; i < s.values.size() && i < symbols.size(); ++i) {
        const std::string sym = "/qgis/renderer-v2/symbols/symbol[@name='" + symbols[i] + "']";
        s.symbol_type[s.values[i]] = one(sym + "/@type");
        std::string c = one(sym + "/layer[1]/prop[@k='color']/@v");
        if (c.empty()) c = one(sym + "/layer[1]/prop[@k='line_color']/@v");
        s.colour[s.values[i]] = c;
    }
    s.label_field = one("/qgis/labeling/settings/text-style/@fieldName");
    s.label_scale_visibility = one("/qgis/labeling/settings/rendering/@scaleVisibility");
    s.label_scale_max = one("/qgis/labeling/settings/rendering/@scaleMax");
    return s;
}

// A row of layer_styles.
struct StoredStyle {
    std::string table, geometry_column, schema, name, qml;
    bool use_as_default = false;
};

// Every row of the GeoPackage's layer_styles; `error` says why there are none.
inline std::vector<StoredStyle> read_layer_styles(const std::string& gpkg, std::string* error) {
    std::vector<StoredStyle> out;
    DatasetPtr ds = open_vector(gpkg);
    if (!ds) {
        *error = "cannot open " + gpkg;
        return out;
    }
    OGRLayer* l = ds->GetLayerByName("layer_styles");
    if (!l) {
        *error = gpkg + " has no table layer_styles";
        return out;
    }
    for (auto& f : *l) {
        StoredStyle s;
        s.table = f->GetFieldAsString("f_table_name");
        s.geometry_column = f->GetFieldAsString("f_geometry_column");
        s.schema = f->GetFieldAsString("f_table_schema");
        s.name = f->GetFieldAsString("styleName");
        s.qml = f->GetFieldAsString("styleQML");
        s.use_as_default = f->GetFieldAsInteger("useAsDefault") != 0;
        out.push_back(std::move(s));
    }
    return out;
}

// The default style of `table`, or null.
inline const StoredStyle* default_style_of(const std::vector<StoredStyle>& styles, const std::string& table) {
    for (const auto& s : styles)
        if (s.table == table && s.use_as_default) return &s;
    return nullptr;
}

// The geometry column of a layer as GDAL reports it ("geom" in zonekit's GeoPackages).
inline std::string geometry_column_of(const std::string& gpkg, const std::string& layer) {
    DatasetPtr ds = open_vector(gpkg);
    OGRLayer* l = ds ? ds->GetLayerByName(layer.c_str()) : nullptr;
    return l ? l->GetGeometryColumn() : std::string();
}

}  // namespace zt
