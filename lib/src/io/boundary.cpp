#include "zone/io/boundary.hpp"

#include "io/gdal_util.hpp"
#include "core/text_util.hpp"
#include "zone/build/coding.hpp"
#include "zone/core/error.hpp"
#include "zone/io/source.hpp"

#include <ogrsf_frmts.h>

#include <fmt/format.h>

#include <initializer_list>
#include <map>

namespace zone {

namespace {

std::string field_list(OGRFeatureDefn& defn) {
    std::string names;
    for (int i = 0; i < defn.GetFieldCount(); ++i) names += (i ? ", " : "") + std::string(defn.GetFieldDefn(i)->GetNameRef());
    return names;
}

// The field the user chose (which must exist), else the first of the usual
// names the layer has, else "".
std::string pick_field(OGRFeatureDefn& defn, const std::string& chosen, std::initializer_list<const char*> usual,
                       bool guess, const Where& where, const char* what) {
    if (!chosen.empty()) {
        if (defn.GetFieldIndex(chosen.c_str()) < 0) {
            Where w = where;
            w.field = chosen;
            throw InputError(w, std::string("no such field (") + what + "); the layer has: " + field_list(defn));
        }
        return chosen;
    }
    if (guess)
        for (const char* name : usual)
            if (defn.GetFieldIndex(name) >= 0) return name;
    return {};
}

}  // namespace

Boundary read_boundary(const geos::Context& ctx, const std::string& spec, const BoundaryOptions& options) {
    const SourceRef ref = parse_source(spec);
    OpenLayerOptions open;
    open.encoding = options.encoding;
    open.default_layer.clear();  // a boundary is never guessed among several layers
    VectorLayer source = open_vector_layer(ref, open);
    detail::QuietGdal quiet;
    OGRFeatureDefn& defn = *source.layer->GetLayerDefn();
    const Where where = source.where;  // a copy: `source` is closed before the geometries are read

    Boundary b;
    b.file = where.file;
    b.layer = where.layer;
    const BoundaryFields& chosen = options.fields;
    b.fields.code = pick_field(defn, chosen.code, {"XZQDM", "adcode", "PAC", "code"}, options.guess_fields, where,
                               "county code");
    if (b.fields.code.empty())
        throw InputError(where, "no county code field (XZQDM, adcode, PAC or code)" +
                                    (options.code_field_option.empty() ? std::string()
                                                                       : "; name it with " + options.code_field_option) +
                                    "; the layer has: " + field_list(defn));
    if (options.places) {
        b.fields.name = pick_field(defn, chosen.name, {"name", "XZQMC", "county"}, options.guess_fields, where, "county name");
        b.fields.city_code =
            pick_field(defn, chosen.city_code, {"city_adcode", "city_code", "CITYDM", "SJDM"}, options.guess_fields, where,
                       "city code");
        b.fields.city = pick_field(defn, chosen.city, {"city_name", "city", "SJMC"}, options.guess_fields, where,
                                  "city name");
        b.fields.circle =
            pick_field(defn, chosen.circle, {"circle", "economic_circle", "JJQ", "经济圈"}, options.guess_fields,
                       where, "economic circle");
    }
    const std::vector<std::string BoundaryFields::*> members = {&BoundaryFields::code, &BoundaryFields::name,
                                                                &BoundaryFields::city_code, &BoundaryFields::city,
                                                                &BoundaryFields::circle};
    std::vector<std::string BoundaryCounty::*> targets = {&BoundaryCounty::code, &BoundaryCounty::name,
                                                          &BoundaryCounty::city_code, &BoundaryCounty::city,
                                                          &BoundaryCounty::circle};
    // The fields read, in that order, and where each value goes.
    std::vector<std::string> fields;
    std::vector<std::string BoundaryCounty::*> into;
    for (std::size_t k = 0; k < members.size(); ++k)
        if (!(b.fields.*members[k]).empty()) {
            fields.push_back(b.fields.*members[k]);
            into.push_back(targets[k]);
        }

    if (options.geometry) {
        source = {};  // read_polygon_layer opens it again
        ReadOptions read;
        read.fields = fields;
        read.encoding = options.encoding;
        read.target_crs_wkt = options.target_crs_wkt;
        read.reproject_tolerance = options.reproject_tolerance;
        read.threads = options.threads;
        PolygonLayer layer = read_polygon_layer(ctx, ref, read);
        b.crs_wkt = layer.crs_wkt;
        b.crs_geographic = layer.crs_geographic;
        b.repaired = layer.repaired;
        b.skipped_null = layer.skipped_null;
        for (auto& f : layer.features) {
            BoundaryCounty c;
            c.fid = f.fid;
            c.geom = std::move(f.geom);
            for (std::size_t k = 0; k < into.size(); ++k) c.*into[k] = detail::trim(f.values[k]);
            b.counties.push_back(std::move(c));
        }
    } else {
        std::vector<int> index;
        for (const auto& name : fields) index.push_back(defn.GetFieldIndex(name.c_str()));
        for (auto& f : *source.layer) {
            BoundaryCounty c;
            c.fid = f->GetFID();
            for (std::size_t k = 0; k < into.size(); ++k) {
                if (!f->IsFieldSetAndNotNull(index[k])) continue;
                bool ok = true;
                const std::string v = detail::utf8_or_gbk(f->GetFieldAsString(index[k]), &ok);
                if (!ok) throw InputError(Where{where.file, where.layer, c.fid, fields[k]}, "text is not valid UTF-8 (nor GBK)");
                c.*into[k] = detail::trim(v);
            }
            b.counties.push_back(std::move(c));
        }
    }

    std::map<std::string, std::int64_t> fid_of_code;
    for (const auto& c : b.counties) {
        const Where w{where.file, where.layer, c.fid, b.fields.code};
        if (!is_county_code(c.code))
            throw InputError(w, "county code '" + c.code + "' is not six digits (GB/T 2260)");
        auto [it, inserted] = fid_of_code.emplace(c.code, c.fid);
        if (!inserted)
            throw InputError(w, fmt::format("county code {} is also the code of feature {}; a county must be one "
                                            "(multi)polygon feature: dissolve it first",
                                            c.code, it->second));
    }
    return b;
}

Boundary read_county_places(const std::string& source, const std::string& encoding) {
    const geos::Context ctx;
    BoundaryOptions options;
    options.geometry = false;
    options.encoding = encoding;
    return read_boundary(ctx, source, options);
}

}  // namespace zone
