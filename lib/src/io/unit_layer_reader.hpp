// The one reading of a unit layer from disk, feature by feature, before
// anything is taken as a unit: read_unit_layer (zone/io/unit_layer.hpp) is
// its one user, and read_unit_map and zone-check's Checker take that.
#pragma once

#include "io/gdal_util.hpp"
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <ogrsf_frmts.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace zone::detail {

class UnitLayerReader {
public:
    // Opens the unit layer of `source` (open_vector_layer's layer rule; "-"
    // is standard input) and reads its text once, to learn how it is
    // encoded. `encoding` is the user's for a Shapefile without .cpg. Throws
    // InputError: the source cannot be opened, has no such layer, or GDAL
    // cannot read its features.
    UnitLayerReader(const std::string& source, const std::string& encoding);

    const Where& where() const { return source_.where; }
    bool shapefile() const { return source_.shapefile; }
    // The layer: its CRS, metadata and field definitions.
    OGRLayer& layer() const { return *source_.layer; }
    // The position of a field in the layer; -1 when it has none.
    int index(std::string_view field) const;
    std::int64_t feature_count() const { return features_; }

    // GDAL recodes a Shapefile that declares its encoding (.cpg, or the code
    // page byte of the .dbf) to UTF-8 and passes other bytes through; so is
    // every value of every text field, UTF-8 or not.
    // The encoding the user or the Shapefile declares; empty when none.
    const std::string& declared_encoding() const { return declared_; }
    // The first text that is not valid UTF-8: feature and field.
    const std::optional<std::pair<std::int64_t, std::string>>& first_invalid_text() const { return first_invalid_; }
    // Whether every such text decodes as GBK.
    bool reads_as_gbk() const { return reads_as_gbk_; }
    // An undeclared Shapefile whose text is not UTF-8 but reads as GBK (what
    // a Chinese desktop writes): text() decodes it so.
    bool decodes_gbk() const { return decodes_gbk_; }

    // Every feature, in the layer's order.
    void each(const std::function<void(OGRFeature&)>& visit) const;
    // Field `index` of `feature` as text, decoded; "" when absent or null.
    std::string text(const OGRFeature& feature, int index) const;

private:
    VectorLayer source_;
    QuietGdal quiet_;
    std::int64_t features_ = 0;
    std::string declared_;
    std::optional<std::pair<std::int64_t, std::string>> first_invalid_;
    bool reads_as_gbk_ = true;
    bool decodes_gbk_ = false;
};

}  // namespace zone::detail
