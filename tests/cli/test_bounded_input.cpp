// zone-check map on input built to exhaust it: GeoJSON nested 100,000 deep,
// a GeoJSON with a 200 MB value, a layer of a million empty features. Each
// gives a clear error or a result, within a memory limit (ulimit -v) and a
// time limit that only catches a hang. (The million-vertex polygon is in
// test_check_hostile.cpp.) Inputs are generated here, not committed.
#include "support.hpp"

#include <gtest/gtest.h>

#include <fstream>

namespace {

using namespace zt;

// zone-check with at most 4 GB of address space and 300 s.
RunResult check_bounded(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/bash", "-c", "ulimit -v 4000000; exec \"$@\"", "bash", zone_check_exe(), "map"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_with_timeout(argv, 300);
}

void expect_clear_error(const RunResult& r, const std::string& file) {
    EXPECT_FALSE(r.timed_out) << r.describe();
    EXPECT_FALSE(r.signaled) << r.describe();
    EXPECT_EQ(r.status, 2) << r.describe();
    EXPECT_TRUE(contains(r.err, "zone-check: error: " + file)) << r.describe();
    EXPECT_TRUE(r.out.empty()) << r.describe();
}

class BoundedInput : public ::testing::Test {
protected:
    TempDir tmp_{"zonecli-bounded"};
};

TEST_F(BoundedInput, GeoJsonNested100000Deep) {
    const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
    const std::string polygon = R"({"type":"Polygon","coordinates":[[[117,36],[117.1,36],[117.1,36.1],[117,36]]]})";
    // In a property, and as the coordinates.
    const std::string in_property = tmp_.file("deep-property.geojson"), in_geometry = tmp_.file("deep-geometry.geojson");
    write_file(in_property, R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{"REMARK":)" +
                                deep + R"(},"geometry":)" + polygon + "}]}");
    write_file(in_geometry, R"({"type":"FeatureCollection","features":[{"type":"Feature","properties":{},)"
                            R"("geometry":{"type":"Polygon","coordinates":)" + deep + "}}]}");
    for (const auto& file : {in_property, in_geometry}) expect_clear_error(check_bounded({file, "--format", "json"}), file);
}

TEST_F(BoundedInput, GeoJsonWithA200MegabyteValue) {
    const std::string file = tmp_.file("huge.geojson");
    {
        std::ofstream out(file, std::ios::binary);
        out << R"({"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::4490"}},)"
            << R"("features":[{"type":"Feature","properties":{"HJZHGKDYBM":"ZH37010210001","ZHGKDYFL":1,"REMARK":")";
        const std::string chunk(1 << 20, 'x');
        for (int i = 0; i < 200; ++i) out << chunk;
        out << R"("},"geometry":{"type":"Polygon","coordinates":[[[117,36],[117.1,36],[117.1,36.1],[117,36]]]}}]})";
    }
    const RunResult r = check_bounded({file, "--format", "json"});
    // GDAL refuses a token this large: a clear error (a result would do too).
    EXPECT_FALSE(r.timed_out || r.signaled) << r.describe();
    if (r.status == 2) {
        expect_clear_error(r, file);
    } else {
        EXPECT_TRUE(r.status == 0 || r.status == 1) << r.describe();
        EXPECT_TRUE(parse_check_json(r.out).parse_error.empty()) << r.describe();
    }
}

TEST_F(BoundedInput, AMillionEmptyFeatures) {
    constexpr int n = 1'000'000;
    const std::string file = tmp_.file("empty.gpkg");
    {
        gdal_init();
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
        DatasetPtr ds(driver->Create(file.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        ASSERT_TRUE(ds);
        OGRSpatialReference crs;
        crs.importFromEPSG(4490);
        OGRLayer* layer = ds->CreateLayer("units", &crs, wkbMultiPolygon, nullptr);
        OGRFieldDefn code("HJZHGKDYBM", OFTString), category("ZHGKDYFL", OFTInteger), county("XZQDM", OFTString);
        layer->CreateField(&code);
        layer->CreateField(&category);
        layer->CreateField(&county);
        ASSERT_EQ(ds->StartTransaction(), OGRERR_NONE);
        for (int i = 0; i < n; ++i) {
            OGRFeature f(layer->GetLayerDefn());
            f.SetField("ZHGKDYFL", 3);
            f.SetField("XZQDM", "370102");
            ASSERT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
        }
        ASSERT_EQ(ds->CommitTransaction(), OGRERR_NONE);
    }
    const std::string report = tmp_.file("report.txt");
    const RunResult r = check_bounded({file, "-o", report});
    ASSERT_FALSE(r.timed_out || r.signaled) << r.describe();
    // A result: one geometry.empty per feature, counted as GDAL counts them.
    ASSERT_EQ(r.status, 1) << r.describe();
    const std::string text = read_file(report);
    EXPECT_TRUE(contains(text, "1000000 features")) << text.substr(0, 500);
    EXPECT_TRUE(contains(text, "geometry.empty (1000000 errors)")) << text.substr(0, 500);
    std::printf("note: zone-check on a layer of 1,000,000 empty features took %.1f s\n", r.seconds);
}

}  // namespace
