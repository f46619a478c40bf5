// A unit layer as it is on disk, before anything is taken as a unit: what
// zone-check map reports on, so that a broken map is described rather than
// refused. read_unit_map (zone/io/unit_map.hpp) is the reading that takes
// units; both read through the same reader (lib/src/io/unit_layer_reader.hpp).
#pragma once

#include "zone/core/error.hpp"
#include "zone/io/unit_map.hpp"

#include <ogr_core.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

class OGRSpatialReference;

namespace zone {

struct UnitLayerFeature {
    std::int64_t fid = 0;
    // The contract's fields (unit_layer_fields order) as text, decoded as
    // read_unit_map decodes them; empty when the layer lacks the field or the
    // value is null.
    std::array<std::optional<std::string>, unit_layer_fields.size()> values;
    std::vector<unsigned char> wkb;  // ISO WKB as stored (curves, Z and M kept); empty: none, or empty
};

struct SpatialReferenceRelease {
    void operator()(OGRSpatialReference* srs) const;
};

struct UnitLayer {
    std::string source;  // as the user named it
    Where where;         // file and layer
    bool shapefile = false;
    // The type of each contract field the layer has (unit_layer_fields order).
    std::array<std::optional<OGRFieldType>, unit_layer_fields.size()> field_types;
    std::unique_ptr<OGRSpatialReference, SpatialReferenceRelease> crs;  // null: none
    // The serial high-water marks zonekit stores with a map it writes
    // (zone/io/previous.hpp); empty when the layer has none.
    std::string serial_marks;
    // Text encoding: the one the user or the Shapefile declares (empty when
    // none), the first text that is not valid UTF-8 (feature and field), and
    // whether an undeclared Shapefile's text was decoded as GBK.
    std::string declared_encoding;
    std::optional<std::pair<std::int64_t, std::string>> first_invalid_text;
    bool decodes_gbk = false;
    std::vector<UnitLayerFeature> features;  // in the layer's order
};

// The position of `field` in unit_layer_fields; throws std::out_of_range
// for a name the contract does not have.
std::size_t unit_field_index(std::string_view field);

// Reads every feature of the unit layer of `source` ("-" is standard input;
// the layer rule of open_vector_layer). `encoding` is the user's for a
// Shapefile that declares none. Throws InputError only when the source
// cannot be opened, has no such layer, or GDAL cannot read its features.
UnitLayer read_unit_layer(const std::string& source, const std::string& encoding);

}  // namespace zone
