// zone-check map, reading: the map, its schema, its CRS and its codes.
#include "check/check_checker.hpp"

#include "io/polygon_geometry.hpp"

namespace zone::detail {

namespace {

// ---------------------------------------------------------------- CRS

enum class CrsKind { none, cgcs2000_geographic, cgcs2000_gauss_kruger, other };

bool mentions_cgcs2000(const char* text) {
    if (!text) return false;
    const std::string s = CPLString(text).toupper();
    return s.find("CHINA_2000") != std::string::npos || s.find("CHINA 2000") != std::string::npos ||
           s.find("CGCS2000") != std::string::npos || s.find("CGCS_2000") != std::string::npos;
}

CrsKind classify_crs(const OGRSpatialReference* srs) {
    if (says_no_crs(srs)) return CrsKind::none;
    const char* auth = srs->GetAuthorityName(nullptr);
    const char* code = srs->GetAuthorityCode(nullptr);
    if (auth && code && EQUAL(auth, "EPSG")) {
        const int epsg = std::atoi(code);
        if (epsg == 4490) return CrsKind::cgcs2000_geographic;
        if (epsg >= 4491 && epsg <= 4554) return CrsKind::cgcs2000_gauss_kruger;
    }
    // A Shapefile's .prj carries no EPSG code: recognise the structure.
    const bool cgcs = mentions_cgcs2000(srs->GetAttrValue("DATUM")) || mentions_cgcs2000(srs->GetAttrValue("GEOGCS"));
    if (cgcs && srs->IsGeographic()) return CrsKind::cgcs2000_geographic;
    if (cgcs && srs->IsProjected()) {
        const char* projection = srs->GetAttrValue("PROJECTION");
        const double k = srs->GetNormProjParm(SRS_PP_SCALE_FACTOR, 1.0);
        const double lat0 = srs->GetNormProjParm(SRS_PP_LATITUDE_OF_ORIGIN, 0.0);
        const double cm = srs->GetNormProjParm(SRS_PP_CENTRAL_MERIDIAN, 0.0);
        if (projection && (EQUAL(projection, SRS_PT_TRANSVERSE_MERCATOR) || EQUAL(projection, "Gauss_Kruger")) &&
            std::fabs(k - 1.0) < 1e-12 && std::fabs(lat0) < 1e-12 && std::fabs(cm / 3 - std::round(cm / 3)) < 1e-9)
            return CrsKind::cgcs2000_gauss_kruger;
    }
    return CrsKind::other;
}

}  // namespace

// ---------------------------------------------------------------- reading

void Checker::read_map() {
    report_.layer = map_.where.layer;
    const bool shapefile = map_.shapefile;
    check_schema();

    // Field positions in the contract; absent fields read as empty.
    const std::size_t i_code = unit_field_index("HJZHGKDYBM"), i_county = unit_field_index("XZQDM"),
                      i_category = unit_field_index("ZHGKDYFL");

    OGREnvelope extent;
    bool have_extent = false;
    int dimension_warnings = 0;
    std::int64_t first_dimension_fid = 0;

    report_.features = static_cast<int>(map_.features.size());
    if (map_.features.empty()) add("map.empty", Severity::error, std::nullopt, "the layer has no features");

    // Encoding first: it decides how every text value is read.
    if (const auto& first_bad = map_.first_invalid_text) {
        const std::string& declared = map_.declared_encoding;
        std::string message;
        if (!declared.empty()) {
            message = fmt::format("text is not valid in the declared encoding {} (first at feature {}, field {})",
                                  declared, first_bad->first, first_bad->second);
        } else if (map_.decodes_gbk) {
            message = fmt::format("text is not UTF-8 and the Shapefile declares no encoding (no .cpg, no code page in "
                                  "the .dbf); it reads as GBK: add a .cpg file containing GBK, or pass --encoding GBK "
                                  "(first at feature {}, field {}; checked as GBK here)",
                                  first_bad->first, first_bad->second);
        } else {
            message = fmt::format("text is not valid UTF-8{} (first at feature {}, field {})",
                                  shapefile ? ", the Shapefile declares no encoding, and it does not read as GBK either" : "",
                                  first_bad->first, first_bad->second);
        }
        add("schema.encoding", Severity::error, first_bad->first, message);
    }

    for (UnitLayerFeature& feature : map_.features) {
        MapUnit u;
        u.fid = feature.fid;
        u.code = feature.values[i_code].value_or("");
        u.county_code = feature.values[i_county].value_or("");
        if (const auto& v = feature.values[i_category])
            u.category = (*v == "1" || *v == "2" || *v == "3") ? (*v)[0] - '0' : -1;
        const std::string code_note = u.code;

        if (feature.wkb.empty()) {
            add("geometry.empty", Severity::error, u.fid, "the feature has no geometry", code_note);
            units_.push_back(std::move(u));
            continue;
        }
        OGRGeometry* stored = nullptr;
        if (OGRGeometryFactory::createFromWkb(feature.wkb.data(), nullptr, &stored, feature.wkb.size()) != OGRERR_NONE ||
            !stored) {
            add("geometry.invalid", Severity::error, u.fid, "GDAL cannot read the geometry", code_note);
            units_.push_back(std::move(u));
            continue;
        }
        const std::unique_ptr<OGRGeometry> owned(stored);
        std::vector<unsigned char>().swap(feature.wkb);  // the map's memory is the GEOS copy's alone from here
        OGRGeometry* g = stored;
        std::unique_ptr<OGRGeometry> linear;
        OGRwkbGeometryType type;
        g = detail::linear_geometry(g, linear, type);
        if (type != wkbPolygon && type != wkbMultiPolygon) {
            add("geometry.type", Severity::error, u.fid,
                std::string("geometry is ") + OGRGeometryTypeToName(g->getGeometryType()) + "; a unit must be a polygon",
                code_note);
            units_.push_back(std::move(u));
            continue;
        }
        if (g->Is3D() || g->IsMeasured()) {
            if (dimension_warnings++ == 0) first_dimension_fid = u.fid;
            g->flattenTo2D();
        }
        geos::GeomPtr geom(g->exportToGEOS(ctx_.handle()), geos::GeomDeleter{ctx_.handle()});
        if (!geom) {
            add("geometry.invalid", Severity::error, u.fid, "GEOS cannot read the geometry", code_note);
            units_.push_back(std::move(u));
            continue;
        }
        char* reason = nullptr;
        GEOSGeometry* location = nullptr;
        const char valid = GEOSisValidDetail_r(ctx_, geom.get(), 0, &reason, &location);
        std::string why = reason ? reason : "";
        GEOSFree_r(ctx_, reason);
        geos::GeomPtr where_bad(location, geos::GeomDeleter{ctx_.handle()});
        double lx = 0, ly = 0;
        if (where_bad) {
            GEOSGeomGetX_r(ctx_, where_bad.get(), &lx);
            GEOSGeomGetY_r(ctx_, where_bad.get(), &ly);
        }
        if (valid == 2) throw geos::GeosError("validity check failed: " + ctx_.last_error());
        if (!valid && why.rfind("Invalid Coordinate", 0) == 0) {
            add("geometry.invalid", Severity::error, u.fid,
                "geometry has a coordinate that is not a finite number (" + why + ")", code_note);
            units_.push_back(std::move(u));
            continue;
        }
        OGREnvelope env;
        g->getEnvelope(&env);
        const double limit = 1e9;  // far beyond any Gauss-Krüger easting with its zone prefix
        if (!(std::fabs(env.MinX) < limit && std::fabs(env.MaxX) < limit && std::fabs(env.MinY) < limit &&
              std::fabs(env.MaxY) < limit)) {
            add("geometry.invalid", Severity::error, u.fid,
                fmt::format("geometry has coordinates out of any sensible range (extent {:g} {:g}, {:g} {:g})",
                            env.MinX, env.MinY, env.MaxX, env.MaxY),
                code_note);
            units_.push_back(std::move(u));
            continue;
        }
        if (!valid) {
            add("geometry.invalid", Severity::error, u.fid, "invalid geometry: " + why, code_note);
            last().wkb = point_wkb(ctx_, lx, ly);
            geom = geos::make_valid_polygonal(ctx_, geom.get());
            if (geom && GEOSisEmpty_r(ctx_, geom.get())) geom.reset();
        } else {
            geom = geos::polygonal_part(ctx_, std::move(geom));
        }
        if (geom) {
            if (have_extent) {
                extent.Merge(env);
            } else {
                extent = env;
                have_extent = true;
            }
            geos::GeomPtr c = geos::own(ctx_, GEOSPointOnSurface_r(ctx_, geom.get()), "point on surface");
            GEOSGeomGetX_r(ctx_, c.get(), &u.cx);
            GEOSGeomGetY_r(ctx_, c.get(), &u.cy);
            u.geom = std::move(geom);
        }
        units_.push_back(std::move(u));
    }
    if (dimension_warnings)
        add("geometry.type", Severity::warning, first_dimension_fid,
            fmt::format("{} feature(s) have Z or M coordinates, which are ignored (first: feature {})",
                        dimension_warnings, first_dimension_fid));

    check_crs(map_.crs.get(), shapefile, extent);
    // Locations of the geometry findings, now that the CRS is known.
    for (auto& f : report_.findings) {
        if (f.rule != "geometry.invalid" || f.wkb.empty()) continue;
        geos::GeomPtr p = geos::from_wkb(ctx_, f.wkb);
        double x = 0, y = 0;
        GEOSGeomGetX_r(ctx_, p.get(), &x);
        GEOSGeomGetY_r(ctx_, p.get(), &y);
        f.location = area_ ? area_->lonlat(x, y) : std::array<double, 2>{x, y};
    }
    for (std::size_t i = 0; i < units_.size(); ++i)
        if (units_[i].geom) usable_.push_back(static_cast<int>(i));
}

void Checker::check_schema() {
    for (const UnitField& field : unit_layer_fields) {
        const std::optional<OGRFieldType>& stored = map_.field_types[unit_field_index(field.name)];
        if (!stored) {
            const bool error = field.always_required || options_.profile == Profile::national;
            add("schema.missing_field", error ? Severity::error : Severity::warning, std::nullopt,
                fmt::format("field {} is missing{}", field.name,
                            field.always_required ? "" : error ? " (the national profile requires every contract field)"
                                                        : " (optional in the standard profile)"));
            continue;
        }
        const OGRFieldType type = *stored;
        const bool ok = field.kind == UnitField::text      ? type == OFTString
                        : field.kind == UnitField::integer ? (type == OFTInteger || type == OFTInteger64)
                                                               : type == OFTReal;
        if (!ok)
            add("schema.field_type", Severity::error, std::nullopt,
                fmt::format("field {} is {}; it must be {}", field.name, OGRFieldDefn::GetFieldTypeName(type),
                            field.kind == UnitField::text      ? "text (String)"
                            : field.kind == UnitField::integer ? "an integer"
                                                                   : "a real number"));
    }
}

void Checker::check_crs(const OGRSpatialReference* srs, bool shapefile, const OGREnvelope& extent) {
    const CrsKind kind = classify_crs(srs);
    const bool national = options_.profile == Profile::national;
    if (kind == CrsKind::none) {
        // Compute as CGCS2000 longitude/latitude when the coordinates look like it.
        const bool lonlat = extent.MinX >= -180 && extent.MaxX <= 180 && extent.MinY >= -90 && extent.MaxY <= 90;
        add("crs.missing", Severity::error, std::nullopt,
            std::string(shapefile ? "the Shapefile has no .prj: its coordinate reference system is unknown"
                                  : "the layer has no coordinate reference system") +
                (lonlat ? "; the coordinates look like longitude/latitude, checked as CGCS2000 (EPSG:4490)"
                        : "; areas are computed as if the coordinates were metres"));
        work_crs_ = lonlat ? "EPSG:4490" : "";
        geographic_ = lonlat;
    } else {
        report_.crs_wkt = wkt_of(*srs);
        work_crs_ = report_.crs_wkt;
        geographic_ = srs->IsGeographic();
        const std::string name = srs->GetName() ? srs->GetName() : "unnamed";
        if (kind == CrsKind::other)
            add("crs.unexpected", national ? Severity::error : Severity::warning, std::nullopt,
                "the CRS is " + name + ", not CGCS2000 longitude/latitude (EPSG:4490) or a CGCS2000 Gauss-Krüger zone");
        else if (kind == CrsKind::cgcs2000_gauss_kruger && national)
            add("crs.unexpected", Severity::warning, std::nullopt,
                "the CRS is " + name + "; national filing expects CGCS2000 longitude/latitude (EPSG:4490)");
    }
    grid_ = check_grid(options_.grid, geographic_);
    if (!work_crs_.empty()) {
        // A .prj may be anything: make sure PROJ can take it to Gauss-Krüger.
        try {
            area_ = std::make_unique<AreaCalculator>(work_crs_, AreaMethod::gauss_kruger);
            area_->use_zone(gk_central_meridian(
                area_->longitude((extent.MinX + extent.MaxX) / 2, (extent.MinY + extent.MaxY) / 2)));
        } catch (const std::exception& e) {
            add("crs.unexpected", Severity::error, std::nullopt,
                std::string("PROJ cannot compute Gauss-Krüger areas from this CRS (") + e.what() +
                    "); areas are computed in the units of the coordinates");
            area_.reset();
            work_crs_.clear();
        }
    }
    report_.area_method = area_ ? area_->description() : "planar, in the units of the coordinates";
}

// ---------------------------------------------------------------- attributes

void Checker::check_codes() {
    std::map<std::string, std::int64_t> first_with_code;
    for (const auto& u : units_) {
        const std::optional<UnitCode> code = UnitCode::parse(u.code);
        if (!code) {
            add("code.format", Severity::error, u.fid,
                u.code.empty() ? "HJZHGKDYBM is empty"
                               : "HJZHGKDYBM '" + u.code + "' does not match ZH + 6-digit county + category 1-3 + "
                                                           "4-digit serial",
                u.code);
        } else {
            auto [it, inserted] = first_with_code.emplace(u.code, u.fid);
            if (!inserted) {
                add("code.duplicate", Severity::error, u.fid,
                    fmt::format("HJZHGKDYBM {} is also the code of feature {}", u.code, it->second), u.code);
                last().fid2 = it->second;
            }
        }
        if (u.category < 0) {
            add("code.category_mismatch", Severity::error, u.fid, "ZHGKDYFL is not 1, 2 or 3", u.code);
        } else if (u.category > 0 && code && code->category() != u.category) {
            add("code.category_mismatch", Severity::error, u.fid,
                fmt::format("the code's category digit is {} but ZHGKDYFL is {}", code->category(), u.category), u.code);
        }
        if (code && !u.county_code.empty() && code->county() != u.county_code)
            add("code.county_mismatch", Severity::error, u.fid,
                fmt::format("the code's county part is {} but XZQDM is {}", code->county(), u.county_code), u.code);
        else if (!u.county_code.empty() && !is_county_code(u.county_code))
            add("code.county_mismatch", Severity::error, u.fid,
                "XZQDM '" + u.county_code + "' is not a 6-digit county code", u.code);
    }
}


}  // namespace zone::detail
