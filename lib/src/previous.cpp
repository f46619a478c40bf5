#include "zone/previous.hpp"

#include "gdal_util.hpp"
#include "zone/coding.hpp"
#include "zone/error.hpp"
#include "zone/source.hpp"

#include <cpl_error.h>
#include <cpl_vsi.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <sstream>

namespace zone {

std::string format_max_serials(const std::map<std::pair<std::string, int>, int>& marks) {
    std::string out;
    for (const auto& [key, serial] : marks) {
        if (!out.empty()) out += ';';
        out += key.first + ':' + std::to_string(key.second) + ':' + std::to_string(serial);
    }
    return out;
}

std::map<std::pair<std::string, int>, int> parse_max_serials(const std::string& text) {
    std::map<std::pair<std::string, int>, int> marks;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ';')) {
        const auto a = item.find(':'), b = item.rfind(':');
        if (a == std::string::npos || b == a) continue;
        const std::string county = item.substr(0, a);
        try {
            const int category = std::stoi(item.substr(a + 1, b - a - 1));
            const int serial = std::stoi(item.substr(b + 1));
            if (is_county_code(county) && category >= 1 && category <= 3 && serial > 0)
                marks[{county, category}] = std::max(marks[{county, category}], serial);
        } catch (const std::exception&) {
            // A damaged mark is ignored: the codes themselves still count.
        }
    }
    return marks;
}

CodedMap read_coded_map(const std::string& spec) {
    gdal_init();
    detail::QuietGdal quiet;
    const SourceRef ref = parse_source(spec);
    Where where{ref.path, ref.layer, {}, {}};
    VSIStatBufL stat;
    if (ref.path.rfind("PG:", 0) != 0 && ref.path.rfind("/vsi", 0) != 0 && VSIStatL(ref.path.c_str(), &stat) != 0)
        throw InputError(where, "no such file");
    GDALDatasetUniquePtr ds(GDALDataset::Open(ref.path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) throw InputError(where, std::string("GDAL cannot open it as a vector source: ") + CPLGetLastErrorMsg());
    OGRLayer* layer = !ref.layer.empty() ? ds->GetLayerByName(ref.layer.c_str())
                      : detail::sole_layer(*ds) ? detail::sole_layer(*ds)
                                                 : ds->GetLayerByName("units");
    if (!layer) throw InputError(where, "no unit layer (name it as 'PATH|layername=NAME')");
    where.layer = layer->GetName();

    CodedMap map;
    map.source = spec;
    map.layer = layer->GetName();
    if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
        char* wkt = nullptr;
        const char* options[] = {"FORMAT=WKT2_2019", nullptr};
        srs->exportToWkt(&wkt, options);
        map.crs_wkt = wkt ? wkt : "";
        CPLFree(wkt);
    }
    if (const char* marks = layer->GetMetadataItem(max_serials_key)) map.max_serial = parse_max_serials(marks);

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    auto index = [&](const char* name) { return defn->GetFieldIndex(name); };
    const int i_code = index("HJZHGKDYBM");
    if (i_code < 0) throw InputError(Where{ref.path, where.layer, {}, "HJZHGKDYBM"}, "no such field");
    const int i_name = index("HJZHGKDYMC"), i_prov = index("PROV"), i_city = index("CITY"), i_area = index("AREA"),
              i_county = index("XZQDM"), i_category = index("ZHGKDYFL"), i_mj = index("MJ"), i_yslx = index("YSLX"),
              i_remark = index("REMARK");
    auto text = [](OGRFeature& f, int i) {
        return i >= 0 && f.IsFieldSetAndNotNull(i) ? std::string(f.GetFieldAsString(i)) : std::string();
    };
    for (auto& feature : *layer) {
        Unit u;
        u.code = text(*feature, i_code);
        if (!is_valid_unit_code(u.code))
            throw InputError(Where{ref.path, where.layer, feature->GetFID(), "HJZHGKDYBM"},
                             "'" + u.code + "' is not a unit code; a previous version must be a coded unit map");
        u.name = text(*feature, i_name);
        u.province = text(*feature, i_prov);
        u.city = text(*feature, i_city);
        u.county = text(*feature, i_area);
        u.county_code = i_county >= 0 ? text(*feature, i_county) : u.code.substr(2, 6);
        u.category = i_category >= 0 ? feature->GetFieldAsInteger(i_category) : u.code[8] - '0';
        u.area_km2 = i_mj >= 0 ? feature->GetFieldAsDouble(i_mj) : 0.0;
        u.factors = text(*feature, i_yslx);
        u.remark = text(*feature, i_remark);
        const char* access_fields[] = {"KJBJYS", "PWWPFGK", "HJFXFK", "ZYKFXLYQ"};
        for (int k = 0; k < 4; ++k) u.access_texts[k] = text(*feature, index(access_fields[k]));
        OGRGeometry* g = feature->GetGeometryRef();
        if (!g || g->IsEmpty())
            throw InputError(Where{ref.path, where.layer, feature->GetFID(), {}}, "the unit has no geometry");
        u.wkb.resize(g->WkbSize());
        g->exportToWkb(wkbNDR, u.wkb.data(), wkbVariantIso);
        std::map<std::string, std::string> attributes;
        for (const char* name : {"HJZHGKDYMC", "PROV", "CITY", "AREA", "XZQDM", "ZHGKDYFL", "YSLX", "KJBJYS", "PWWPFGK",
                                 "HJFXFK", "ZYKFXLYQ", "REMARK"})
            if (index(name) >= 0) attributes[name] = text(*feature, index(name));
        map.attributes.push_back(std::move(attributes));
        map.fids.push_back(feature->GetFID());
        const std::pair<std::string, int> key{u.code.substr(2, 6), u.code[8] - '0'};
        map.max_serial[key] = std::max(map.max_serial[key], std::stoi(u.code.substr(9)));
        map.units.push_back(std::move(u));
    }
    return map;
}

}  // namespace zone
