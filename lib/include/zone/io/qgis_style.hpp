// Default QGIS styles of zonekit's outputs (zonekit(7) STYLES), so that a
// map opens in QGIS, the desktop every bureau uses, as the HTML report shows
// it rather than in one random colour. A GeoPackage keeps a layer's default
// style in its table `layer_styles`, where QGIS looks when it opens the layer;
// a Shapefile has it in a .qml file of the same name beside it.
#pragma once

#include <string>
#include <vector>

class GDALDataset;
class OGRLayer;

namespace zone {

enum class StyleGeometry { point, line, polygon };

// One class of a categorised renderer.
struct StyleCategory {
    std::string value;   // the field's value as text ("1", "error", "split")
    std::string label;   // the legend's text
    std::string colour;  // "#rrggbb"
};

// A categorised renderer on one field, with optional labels.
struct LayerStyle {
    std::string name;  // the style's name in layer_styles
    StyleGeometry geometry = StyleGeometry::polygon;
    std::string field;
    std::vector<StyleCategory> categories;
    double fill_opacity = 1;      // polygons: the fill's alpha, 0 to 1
    std::string label_field;      // empty: no labels
    double label_max_denominator = 0;  // labels only at scales of 1:N and larger; 0: at every scale
};

// The unit map: categorised on ZHGKDYFL in the colours of the HTML report
// (category_colour), the unit codes as labels from 1:200,000 in.
LayerStyle unit_map_style();
// zone-check's findings (finding_points, finding_lines, finding_polygons): by
// severity, labelled with the rule.
LayerStyle findings_style(StyleGeometry geometry);
// zone-diff's changed land: by the kind of the change.
LayerStyle changed_land_style();

// The style as a QGIS layer definition (QML) that QGIS 3 reads.
std::string format_qml(const LayerStyle& style);

// Stores `style` as the default style of `layer` in the GeoPackage `ds`
// being written: a row of `layer_styles`, the table QGIS writes and reads.
// Throws std::runtime_error when GDAL cannot write it.
void store_default_style(GDALDataset& ds, OGRLayer& layer, const LayerStyle& style);

// The .qml QGIS reads beside a Shapefile: "units.shp" -> "units.qml".
std::string qml_path_beside(const std::string& shapefile);

}  // namespace zone
