// The one reading of a unit layer (unit_layer_reader.hpp).
#include "io/unit_layer_reader.hpp"

#include <cpl_error.h>

#include <vector>

namespace zone::detail {

UnitLayerReader::UnitLayerReader(const std::string& source, const std::string& encoding) {
    OpenLayerOptions open;
    open.encoding = encoding;
    source_ = open_vector_layer(parse_source(source), open);
    OGRLayer& layer = *source_.layer;
    OGRFeatureDefn* defn = layer.GetLayerDefn();

    const char* declared = source_.shapefile ? layer.GetMetadataItem("SOURCE_ENCODING", "SHAPEFILE") : nullptr;
    declared_ = !encoding.empty() ? encoding : declared && *declared ? declared : "";

    // The text alone, once: the encoding decides how every value is read.
    std::vector<int> text_fields;
    for (int i = 0; i < defn->GetFieldCount(); ++i)
        if (defn->GetFieldDefn(i)->GetType() == OFTString) text_fields.push_back(i);
    layer.SetIgnoredFields(std::vector<const char*>{"OGR_GEOMETRY", nullptr}.data());
    CPLErrorReset();
    layer.ResetReading();
    for (auto& feature : layer) {
        ++features_;
        for (int i : text_fields) {
            if (!feature->IsFieldSetAndNotNull(i)) continue;
            const char* value = feature->GetFieldAsString(i);
            if (is_valid_utf8(value)) continue;
            if (!first_invalid_) first_invalid_ = std::make_pair(feature->GetFID(), std::string(defn->GetFieldDefn(i)->GetNameRef()));
            if (declared_.empty() && reads_as_gbk_) utf8_or_gbk(value, &reads_as_gbk_);
        }
    }
    const bool failed = CPLGetLastErrorType() == CE_Failure;
    layer.SetIgnoredFields(nullptr);
    if (failed && features_ == 0) throw InputError(source_.where, "GDAL cannot read its features: " + last_gdal_error());
    decodes_gbk_ = first_invalid_ && declared_.empty() && source_.shapefile && reads_as_gbk_;
}

int UnitLayerReader::index(std::string_view field) const {
    return source_.layer->GetLayerDefn()->GetFieldIndex(std::string(field).c_str());
}

void UnitLayerReader::each(const std::function<void(OGRFeature&)>& visit) const {
    source_.layer->ResetReading();
    for (auto& feature : *source_.layer) visit(*feature);
}

std::string UnitLayerReader::text(const OGRFeature& feature, int index) const {
    if (index < 0 || !feature.IsFieldSetAndNotNull(index)) return {};
    const std::string value = feature.GetFieldAsString(index);
    return decodes_gbk_ ? utf8_or_gbk(value) : value;
}

}  // namespace zone::detail
