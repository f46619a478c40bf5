// The unit layer as it is on disk (zone/io/unit_layer.hpp).
#include "zone/io/unit_layer.hpp"

#include "io/unit_layer_reader.hpp"
#include "zone/io/previous.hpp"

#include <ogr_geometry.h>
#include <ogr_spatialref.h>

#include <stdexcept>

namespace zone {

void SpatialReferenceRelease::operator()(OGRSpatialReference* srs) const {
    if (srs) srs->Release();
}

std::size_t unit_field_index(std::string_view field) {
    for (std::size_t k = 0; k < unit_layer_fields.size(); ++k)
        if (field == unit_layer_fields[k].name) return k;
    throw std::out_of_range("no unit-layer field " + std::string(field));
}

UnitLayer read_unit_layer(const std::string& source, const std::string& encoding) {
    const detail::UnitLayerReader reader(source, encoding);
    OGRLayer& layer = reader.layer();
    UnitLayer out;
    out.source = source;
    out.where = reader.where();
    out.shapefile = reader.shapefile();
    out.declared_encoding = reader.declared_encoding();
    out.first_invalid_text = reader.first_invalid_text();
    out.decodes_gbk = reader.decodes_gbk();
    if (const OGRSpatialReference* srs = layer.GetSpatialRef()) out.crs.reset(srs->Clone());
    if (const char* marks = layer.GetMetadataItem(max_serials_key)) out.serial_marks = marks;

    std::array<int, unit_layer_fields.size()> at{};
    OGRFeatureDefn* defn = layer.GetLayerDefn();
    for (std::size_t k = 0; k < at.size(); ++k) {
        at[k] = reader.index(unit_layer_fields[k].name);
        if (at[k] >= 0) out.field_types[k] = defn->GetFieldDefn(at[k])->GetType();
    }
    out.features.reserve(static_cast<std::size_t>(reader.feature_count()));
    reader.each([&](OGRFeature& feature) {
        UnitLayerFeature f;
        f.fid = feature.GetFID();
        for (std::size_t k = 0; k < at.size(); ++k)
            if (at[k] >= 0 && feature.IsFieldSetAndNotNull(at[k])) f.values[k] = reader.text(feature, at[k]);
        if (const OGRGeometry* g = feature.GetGeometryRef(); g && !g->IsEmpty()) {
            f.wkb.resize(g->WkbSize());
            g->exportToWkb(wkbNDR, f.wkb.data(), wkbVariantIso);
        }
        out.features.push_back(std::move(f));
    });
    return out;
}

}  // namespace zone
