// Unit codes and the unit-map reader (zonekit(7) UNIT LAYER, UNIT CODES):
// constructed codes with known parts, and small GeoPackages written here with
// GDAL directly, whose features GDAL also reads back for the comparison.
#include "zone/io/boundary.hpp"
#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_layer.hpp"
#include "zone/io/unit_map.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// ------------------------------------------------------------------ codes

TEST(UnitCode, TakesAGoodCodeApart) {
    const auto code = zone::UnitCode::parse("ZH37010220042");
    ASSERT_TRUE(code);
    EXPECT_EQ(code->county(), "370102");
    EXPECT_EQ(code->category(), 2);
    EXPECT_EQ(code->serial(), 42);
    EXPECT_EQ(code->format(), "ZH37010220042");
    const auto last = zone::UnitCode::parse("ZH37172839999");
    ASSERT_TRUE(last);
    EXPECT_EQ(last->county(), "371728");
    EXPECT_EQ(last->category(), 3);
    EXPECT_EQ(last->serial(), 9999);
}

TEST(UnitCode, RefusesWhatDoesNotMatchThePattern) {
    for (const char* bad : {"", "ZH", "ZH3701021001", "ZH370102100011", "zh37010210001", "ZH37O10210001",
                            "ZH37010200001", "ZH37010240001", "XH37010210001", "ZH37010210001 ", " ZH37010210001",
                            "ZH3701021000１", "ZH-37010210001"})
        EXPECT_FALSE(zone::UnitCode::parse(bad)) << "'" << bad << "'";
}

TEST(UnitCode, MadeFromItsParts) {
    EXPECT_EQ(zone::UnitCode("370102", 1, 1).format(), "ZH37010210001");
    EXPECT_EQ(zone::UnitCode("370211", 2, 42).format(), "ZH37021120042");
    EXPECT_EQ(zone::UnitCode("370102", 3, 9999).format(), "ZH37010239999");
    EXPECT_THROW(zone::UnitCode("37010", 1, 1), std::invalid_argument);
    EXPECT_THROW(zone::UnitCode("3701a2", 1, 1), std::invalid_argument);
    EXPECT_THROW(zone::UnitCode("370102", 0, 1), std::invalid_argument);
    EXPECT_THROW(zone::UnitCode("370102", 4, 1), std::invalid_argument);
    EXPECT_THROW(zone::UnitCode("370102", 1, 0), std::invalid_argument);
    EXPECT_THROW(zone::UnitCode("370102", 1, 10000), std::invalid_argument);
    // Parts in, the same parts out.
    const zone::UnitCode made("371002", 2, 305);
    EXPECT_EQ(zone::UnitCode::parse(made.format()), made);
}

TEST(UnitCode, OfAKnownCodeAndReadFromAFeature) {
    EXPECT_EQ(zone::UnitCode::of("ZH37010210007").serial(), 7);
    EXPECT_THROW(zone::UnitCode::of("ZH3701021"), std::invalid_argument);
    try {
        zone::UnitCode::read("ZH37010240001", zone::Where{"map.gpkg", "units", 12, {}});
        FAIL() << "no error";
    } catch (const zone::InputError& e) {
        EXPECT_EQ(e.where().file, "map.gpkg");
        EXPECT_EQ(e.where().layer, "units");
        EXPECT_EQ(e.where().fid, 12);
        EXPECT_EQ(e.where().field, "HJZHGKDYBM");
        EXPECT_NE(e.problem().find("ZH37010240001"), std::string::npos) << e.problem();
    }
}

TEST(UnitMapFields, TheContractTable) {
    // zonekit(7) UNIT LAYER: 14 fields, each fits a DBF name (10 characters).
    ASSERT_EQ(zone::unit_layer_fields.size(), 14u);
    EXPECT_STREQ(zone::unit_layer_fields[0].name, "HJZHGKDYBM");
    EXPECT_EQ(zone::unit_layer_fields[0].width, 13);
    for (const auto& f : zone::unit_layer_fields) EXPECT_LE(std::string(f.name).size(), 10u) << f.name;
    for (std::size_t k = 0; k < zone::kDimensionFields.size(); ++k)
        EXPECT_STREQ(zone::unit_layer_fields[9 + k].name, zone::kDimensionFields[k]);
}

// ------------------------------------------------------------------ maps on disk

class TempDir {
public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "zonekit-unitmap-XXXXXX").string();
        if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    fs::path path_;
};

struct Row {
    std::string code;
    std::string county;      // XZQDM
    int category = 0;        // ZHGKDYFL
    std::string wkt;         // empty: no geometry
    std::string name = "单元";
};

// A GeoPackage layer written with GDAL directly; returns nothing, throws on failure.
void write_layer(GDALDataset& ds, const std::string& layer_name, const std::vector<Row>& rows,
                 const char* code_field = "HJZHGKDYBM", const char* max_serials = nullptr) {
    OGRSpatialReference srs;
    srs.importFromEPSG(4490);
    OGRLayer* layer = ds.CreateLayer(layer_name.c_str(), &srs, wkbMultiPolygon, nullptr);
    ASSERT_NE(layer, nullptr);
    for (const auto& [name, type] : std::vector<std::pair<const char*, OGRFieldType>>{
             {code_field, OFTString}, {"HJZHGKDYMC", OFTString}, {"XZQDM", OFTString}, {"ZHGKDYFL", OFTInteger},
             {"MJ", OFTReal}}) {
        OGRFieldDefn def(name, type);
        ASSERT_EQ(layer->CreateField(&def), OGRERR_NONE);
    }
    if (max_serials) layer->SetMetadataItem("ZONEKIT_MAX_SERIALS", max_serials);
    for (const Row& r : rows) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField(code_field, r.code.c_str());
        f.SetField("HJZHGKDYMC", r.name.c_str());
        f.SetField("XZQDM", r.county.c_str());
        f.SetField("ZHGKDYFL", r.category);
        f.SetField("MJ", 1.25);
        if (!r.wkt.empty()) {
            OGRGeometry* g = nullptr;
            ASSERT_EQ(OGRGeometryFactory::createFromWkt(r.wkt.c_str(), &srs, &g), OGRERR_NONE);
            f.SetGeometryDirectly(g);
        }
        ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
    }
}

GDALDatasetUniquePtr create_gpkg(const std::string& path) {
    GDALAllRegister();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    return GDALDatasetUniquePtr(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
}

const char* square(int i) {
    static const std::vector<std::string> wkts = {
        "MULTIPOLYGON (((117 36,117.1 36,117.1 36.1,117 36.1,117 36)))",
        "MULTIPOLYGON (((117.1 36,117.2 36,117.2 36.1,117.1 36.1,117.1 36)))",
        "MULTIPOLYGON (((117.2 36,117.3 36,117.3 36.1,117.2 36.1,117.2 36)))",
        "MULTIPOLYGON (((117.3 36,117.4 36,117.4 36.1,117.3 36.1,117.3 36)))",
    };
    return wkts[i].c_str();
}

// What GDAL itself reads from a layer: fid, code and geometry WKB of each feature.
struct Read {
    std::int64_t fid;
    std::string code;
    std::vector<unsigned char> wkb;
};
std::vector<Read> read_with_gdal(const std::string& path, const std::string& layer_name) {
    GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    std::vector<Read> out;
    OGRLayer* layer = ds->GetLayerByName(layer_name.c_str());
    for (auto& f : *layer) {
        Read r{f->GetFID(), f->GetFieldAsString("HJZHGKDYBM"), {}};
        if (const OGRGeometry* g = f->GetGeometryRef()) {
            r.wkb.resize(g->WkbSize());
            g->exportToWkb(wkbNDR, r.wkb.data(), wkbVariantIso);
        }
        out.push_back(std::move(r));
    }
    return out;
}

class UnitMapReader : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = tmp_.file("map.gpkg");
        auto ds = create_gpkg(path_);
        ASSERT_TRUE(ds);
        write_layer(*ds, "units",
                    {{"ZH37010210001", "370102", 1, square(0)},
                     {"ZH3701021", "370102", 1, square(1)},        // not a code
                     {"ZH37010230004", "370102", 3, ""},           // no geometry
                     {"ZH37010330012", "370103", 3, square(3)}},
                    "HJZHGKDYBM", "370102:1:40;370103:3:7");
    }
    TempDir tmp_;
    std::string path_;
};

TEST_F(UnitMapReader, StrictRefusesTheFirstBrokenFeatureNamingIt) {
    const auto direct = read_with_gdal(path_, "units");
    ASSERT_EQ(direct.size(), 4u);
    try {
        zone::read_unit_map(path_);
        FAIL() << "no error";
    } catch (const zone::InputError& e) {
        EXPECT_EQ(e.where().file, path_);
        EXPECT_EQ(e.where().layer, "units");
        EXPECT_EQ(e.where().fid, direct[1].fid);
        EXPECT_EQ(e.where().field, "HJZHGKDYBM");
        EXPECT_NE(e.problem().find("ZH3701021"), std::string::npos) << e.problem();
    }
}

// The layer as it is on disk: every feature, the broken ones too, with the
// contract fields it has and their types, as GDAL reads them.
TEST_F(UnitMapReader, TheLayerKeepsEveryFeatureAsStored) {
    const auto direct = read_with_gdal(path_, "units");
    const zone::UnitLayer layer = zone::read_unit_layer(path_, "");
    EXPECT_EQ(layer.where.layer, "units");
    EXPECT_FALSE(layer.shapefile);
    ASSERT_TRUE(layer.crs);
    EXPECT_STREQ(layer.crs->GetAuthorityCode(nullptr), "4490");
    EXPECT_EQ(layer.serial_marks, "370102:1:40;370103:3:7");
    EXPECT_FALSE(layer.first_invalid_text);
    EXPECT_EQ(layer.field_types[zone::unit_field_index("HJZHGKDYBM")], OFTString);
    EXPECT_EQ(layer.field_types[zone::unit_field_index("ZHGKDYFL")], OFTInteger);
    EXPECT_EQ(layer.field_types[zone::unit_field_index("MJ")], OFTReal);
    EXPECT_FALSE(layer.field_types[zone::unit_field_index("PROV")]);
    ASSERT_EQ(layer.features.size(), direct.size());
    for (std::size_t i = 0; i < direct.size(); ++i) {
        const zone::UnitLayerFeature& f = layer.features[i];
        EXPECT_EQ(f.fid, direct[i].fid);
        EXPECT_EQ(f.values[zone::unit_field_index("HJZHGKDYBM")], direct[i].code);
        EXPECT_EQ(f.wkb, direct[i].wkb) << "feature " << f.fid;
        EXPECT_FALSE(f.values[zone::unit_field_index("PROV")]);
    }
    EXPECT_TRUE(layer.features[2].wkb.empty()) << "the feature without geometry";
    EXPECT_EQ(layer.features[3].values[zone::unit_field_index("ZHGKDYFL")], "3");
    EXPECT_THROW(zone::unit_field_index("NO_SUCH"), std::out_of_range);
}

TEST_F(UnitMapReader, TolerantListsTheProblemsAndKeepsTheUnits) {
    const auto direct = read_with_gdal(path_, "units");
    zone::UnitMapOptions options;
    options.reading = zone::UnitMapReading::tolerant;
    const zone::UnitMap map = zone::read_unit_map(path_, options);
    EXPECT_EQ(map.layer, "units");
    ASSERT_EQ(map.problems.size(), 2u);
    EXPECT_EQ(map.problems[0].where.fid, direct[1].fid);
    EXPECT_EQ(map.problems[0].where.field, "HJZHGKDYBM");
    EXPECT_EQ(map.problems[1].where.fid, direct[2].fid);
    EXPECT_NE(map.problems[1].problem.find("geometry"), std::string::npos) << map.problems[1].problem;

    // The good features, exactly as GDAL reads them.
    ASSERT_EQ(map.units.size(), 2u);
    ASSERT_EQ(map.fids.size(), 2u);
    for (std::size_t i = 0; i < 2; ++i) {
        const Read& d = direct[i == 0 ? 0 : 3];
        EXPECT_EQ(map.fids[i], d.fid);
        EXPECT_EQ(map.units[i].code, d.code);
        EXPECT_EQ(map.units[i].wkb, d.wkb);
        ASSERT_TRUE(map.units[i].area_km2);
        EXPECT_DOUBLE_EQ(*map.units[i].area_km2, 1.25);
        EXPECT_EQ(map.attributes[i].at("HJZHGKDYMC"), "单元");
    }
    EXPECT_EQ(map.units[1].county_code, "370103");
    EXPECT_EQ(map.units[1].category, 3);
    // High-water marks: the stored ones, raised by the codes of the map.
    EXPECT_EQ(map.max_serial.at({"370102", 1}), 40);
    EXPECT_EQ(map.max_serial.at({"370103", 3}), 12);
    EXPECT_FALSE(map.max_serial.count({"370102", 3}));  // a unit left out counts for nothing
}

TEST_F(UnitMapReader, TheUnitLayerAmongSeveralAndTheOnlyOneBesideStyles) {
    const std::string several = tmp_.file("several.gpkg");
    {
        auto ds = create_gpkg(several);
        write_layer(*ds, "redline", {{"ZH37010210001", "370102", 1, square(0)}});
        write_layer(*ds, "units", {{"ZH37010220002", "370102", 2, square(1)}});
    }
    EXPECT_EQ(zone::read_unit_map(several).units.at(0).code, "ZH37010220002");
    EXPECT_EQ(zone::read_unit_map(several + "|layername=redline").units.at(0).code, "ZH37010210001");

    const std::string other = tmp_.file("other.gpkg");
    {
        auto ds = create_gpkg(other);
        write_layer(*ds, "a", {{"ZH37010210001", "370102", 1, square(0)}});
        write_layer(*ds, "b", {{"ZH37010210002", "370102", 1, square(1)}});
    }
    try {
        zone::read_unit_map(other);
        FAIL() << "no error";
    } catch (const zone::InputError& e) {
        EXPECT_NE(e.problem().find("name one"), std::string::npos) << e.problem();
    }

    // QGIS's style table does not count as a layer.
    const std::string styled = tmp_.file("styled.gpkg");
    {
        auto ds = create_gpkg(styled);
        write_layer(*ds, "shandong", {{"ZH37010210001", "370102", 1, square(0)}});
        OGRLayer* styles = ds->CreateLayer("layer_styles", nullptr, wkbNone, nullptr);
        ASSERT_NE(styles, nullptr);
        OGRFieldDefn def("styleQML", OFTString);
        styles->CreateField(&def);
    }
    const zone::UnitMap map = zone::read_unit_map(styled);
    EXPECT_EQ(map.layer, "shandong");
    EXPECT_EQ(map.units.size(), 1u);
}

TEST_F(UnitMapReader, NoCodeFieldIsRefusedInEitherReading) {
    const std::string nocode = tmp_.file("nocode.gpkg");
    {
        auto ds = create_gpkg(nocode);
        write_layer(*ds, "units", {{"ZH37010210001", "370102", 1, square(0)}}, "BM");
    }
    for (auto reading : {zone::UnitMapReading::strict, zone::UnitMapReading::tolerant}) {
        zone::UnitMapOptions options;
        options.reading = reading;
        try {
            zone::read_unit_map(nocode, options);
            FAIL() << "no error";
        } catch (const zone::InputError& e) {
            EXPECT_EQ(e.where().field, "HJZHGKDYBM");
            EXPECT_EQ(e.where().layer, "units");
        }
    }
}

// ------------------------------------------------------------------ boundaries

// The engines that count by category take a map only when every unit's
// ZHGKDYFL is 1, 2 or 3: the first other one is named (zone-diff and
// zone-build --previous read such a map all the same).
TEST(UnitMapCategories, TheFirstUnitOfNoCategoryIsNamed) {
    TempDir tmp;
    const std::string path = tmp.file("categories.gpkg");
    {
        auto ds = create_gpkg(path);
        ASSERT_TRUE(ds);
        write_layer(*ds, "units",
                    {{"ZH37010210001", "370102", 1, square(0)},
                     {"ZH37010230002", "370102", 4, square(1)},
                     {"ZH37010230003", "370102", 0, square(2)}});
    }
    const auto direct = read_with_gdal(path, "units");
    const zone::UnitMap map = zone::read_unit_map(path);
    ASSERT_EQ(map.units.size(), 3u);
    try {
        zone::require_categories(map);
        FAIL() << "no error";
    } catch (const zone::InputError& e) {
        EXPECT_EQ(e.where().file, path);
        EXPECT_EQ(e.where().fid, direct[1].fid);
        EXPECT_EQ(e.where().field, "ZHGKDYFL");
        EXPECT_NE(e.problem().find("'4'"), std::string::npos) << e.problem();
        EXPECT_NE(e.problem().find("ZH37010230002"), std::string::npos) << e.problem();
    }
    zone::UnitMap good = map;
    good.units.resize(1);
    good.fids.resize(1);
    EXPECT_NO_THROW(zone::require_categories(good));
    good.fields.erase(std::find(good.fields.begin(), good.fields.end(), "ZHGKDYFL"));
    try {
        zone::require_categories(good);
        FAIL() << "no error without the field";
    } catch (const zone::InputError& e) {
        EXPECT_EQ(e.where().field, "ZHGKDYFL");
        EXPECT_FALSE(e.where().fid);
    }
}

TEST(BoundaryReader, GuessesTheFieldsAndRefusesADuplicateCounty) {
    TempDir tmp;
    const std::string path = tmp.file("counties.gpkg");
    {
        auto ds = create_gpkg(path);
        OGRSpatialReference srs;
        srs.importFromEPSG(4490);
        OGRLayer* layer = ds->CreateLayer("counties", &srs, wkbMultiPolygon, nullptr);
        for (const char* name : {"adcode", "name", "city_name", "circle"}) {
            OGRFieldDefn def(name, OFTString);
            layer->CreateField(&def);
        }
        const char* rows[][4] = {{"370102", "历下区", "济南市", "省会经济圈"}, {"370202", "市南区", "青岛市", "胶东经济圈"}};
        for (int i = 0; i < 2; ++i) {
            OGRFeature f(layer->GetLayerDefn());
            for (int k = 0; k < 4; ++k) f.SetField(k, rows[i][k]);
            OGRGeometry* g = nullptr;
            OGRGeometryFactory::createFromWkt(square(i), &srs, &g);
            f.SetGeometryDirectly(g);
            ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
        }
    }
    zone::geos::Context ctx;
    const zone::Boundary b = zone::read_boundary(ctx, path);
    EXPECT_EQ(b.fields.code, "adcode");
    EXPECT_EQ(b.fields.name, "name");
    EXPECT_EQ(b.fields.city, "city_name");
    EXPECT_EQ(b.fields.circle, "circle");
    EXPECT_TRUE(b.fields.city_code.empty());
    ASSERT_EQ(b.counties.size(), 2u);
    EXPECT_EQ(b.counties[1].code, "370202");
    EXPECT_EQ(b.counties[1].city, "青岛市");
    EXPECT_EQ(b.counties[1].circle, "胶东经济圈");
    ASSERT_TRUE(b.counties[0].geom);
    double area = 0;
    GEOSArea_r(ctx, b.counties[0].geom.get(), &area);
    EXPECT_NEAR(area, 0.01, 1e-12);

    // Without geometries: the same places.
    zone::BoundaryOptions places;
    places.geometry = false;
    const zone::Boundary p = zone::read_boundary(ctx, path, places);
    ASSERT_EQ(p.counties.size(), 2u);
    EXPECT_EQ(p.counties[0].name, "历下区");
    EXPECT_FALSE(p.counties[0].geom);

    // Only the fields named, none guessed (zone-build's scheme names them).
    zone::BoundaryOptions named;
    named.fields.code = "adcode";
    named.guess_fields = false;
    named.geometry = false;
    const zone::Boundary n = zone::read_boundary(ctx, path, named);
    EXPECT_EQ(n.fields.code, "adcode");
    EXPECT_TRUE(n.fields.name.empty());
    EXPECT_TRUE(n.fields.city.empty());
    EXPECT_TRUE(n.counties[0].city.empty());

    // A county twice.
    {
        GDALDatasetUniquePtr ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
        OGRLayer* layer = ds->GetLayer(0);
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("adcode", "370102");
        OGRGeometry* g = nullptr;
        OGRGeometryFactory::createFromWkt(square(2), nullptr, &g);
        f.SetGeometryDirectly(g);
        ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
    }
    try {
        zone::read_boundary(ctx, path);
        FAIL() << "no error";
    } catch (const zone::InputError& e) {
        EXPECT_EQ(e.where().file, path);
        EXPECT_EQ(e.where().layer, "counties");
        EXPECT_EQ(e.where().field, "adcode");
        EXPECT_EQ(e.where().fid, 3);
        EXPECT_NE(e.problem().find("370102"), std::string::npos) << e.problem();
    }

}

}  // namespace
