#include "fuzz_support.hpp"

#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace zone::fuzz {

namespace {

void remove_scratch();

// The folder's name outlives every static destructor: remove_scratch runs at
// exit, after them.
const std::string& scratch() {
    static const std::string* dir = [] {
        std::string t = (fs::temp_directory_path() / "zonekit-fuzz-XXXXXX").string();
        if (!mkdtemp(t.data())) throw std::runtime_error("cannot make a scratch folder in " + t);
        auto* kept = new std::string(t);
        std::atexit(remove_scratch);
        return kept;
    }();
    return *dir;
}

void remove_scratch() {
    std::error_code ec;
    fs::remove_all(scratch(), ec);
}

void write_units(const std::string& path) {
    GDALAllRegister();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    std::unique_ptr<GDALDataset> ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) throw std::runtime_error("cannot create " + path);
    OGRSpatialReference crs;
    crs.importFromEPSG(4490);
    crs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = ds->CreateLayer("units", &crs, wkbMultiPolygon, nullptr);
    const char* text_fields[] = {"HJZHGKDYBM", "HJZHGKDYMC", "PROV", "CITY", "AREA", "XZQDM", "YSLX",
                                 "KJBJYS", "PWWPFGK", "HJFXFK", "ZYKFXLYQ", "REMARK"};
    for (const char* name : text_fields) {
        OGRFieldDefn f(name, OFTString);
        layer->CreateField(&f);
    }
    OGRFieldDefn category("ZHGKDYFL", OFTInteger);
    layer->CreateField(&category);
    OGRFieldDefn area("MJ", OFTReal);
    layer->CreateField(&area);
    struct Unit {
        const char *code, *name, *county, *county_code, *wkt;
        int category;
    };
    const Unit units[] = {
        {"ZH37010210001", "历下区生态保护红线", "历下区", "370102",
         "MULTIPOLYGON(((117.0 36.6,117.05 36.6,117.05 36.7,117.0 36.7,117.0 36.6)))", 1},
        {"ZH37010220001", "历下区城镇", "历下区", "370102",
         "MULTIPOLYGON(((117.05 36.6,117.1 36.6,117.1 36.7,117.05 36.7,117.05 36.6)))", 2},
        {"ZH37010330001", "市中区一般管控单元", "市中区", "370103",
         "MULTIPOLYGON(((116.95 36.6,117.0 36.6,117.0 36.7,116.95 36.7,116.95 36.6)))", 3},
    };
    for (const Unit& u : units) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("HJZHGKDYBM", u.code);
        f.SetField("HJZHGKDYMC", u.name);
        f.SetField("PROV", "山东省");
        f.SetField("CITY", "济南市");
        f.SetField("AREA", u.county);
        f.SetField("XZQDM", u.county_code);
        f.SetField("ZHGKDYFL", u.category);
        f.SetField("MJ", 25.0);
        f.SetField("YSLX", u.category == 3 ? "" : "redline");
        OGRGeometry* g = nullptr;
        OGRGeometryFactory::createFromWkt(u.wkt, &crs, &g);
        f.SetGeometryDirectly(g);
        if (layer->CreateFeature(&f) != OGRERR_NONE) throw std::runtime_error("cannot write " + path);
    }
}

std::vector<fs::path> inputs(int argc, char** argv) {
    std::vector<fs::path> out;
    for (int i = 1; i < argc; ++i) {
        const fs::path p(argv[i]);
        if (fs::is_directory(p)) {
            std::vector<fs::path> files;
            for (const auto& e : fs::directory_iterator(p))
                if (e.is_regular_file()) files.push_back(e.path());
            std::sort(files.begin(), files.end());
            out.insert(out.end(), files.begin(), files.end());
        } else {
            out.push_back(p);
        }
    }
    return out;
}

}  // namespace

std::string scratch_folder() { return scratch(); }

std::string scratch_file(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const std::string path = scratch() + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) throw std::runtime_error("cannot write " + path);
    return path;
}

std::string tiny_unit_map() {
    static const std::string path = [] {
        const std::string p = scratch() + "/tiny-units.gpkg";
        write_units(p);
        return p;
    }();
    return path;
}

std::string testdata(const std::string& relative) { return std::string(ZONE_TESTDATA) + "/" + relative; }

int replay_main(int argc, char** argv) {
    const std::vector<fs::path> files = inputs(argc, argv);
    if (files.empty()) {
        std::fprintf(stderr, "%s: no inputs to replay\n", argc > 0 ? argv[0] : "replay");
        return 2;
    }
    for (const fs::path& file : files) {
        std::ifstream in(file, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "cannot read %s\n", file.c_str());
            return 2;
        }
        std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        LLVMFuzzerTestOneInput(data.data(), data.size());
        std::printf("ok %s\n", file.c_str());
    }
    return 0;
}

}  // namespace zone::fuzz

#ifndef ZONE_LIBFUZZER
int main(int argc, char** argv) { return zone::fuzz::replay_main(argc, argv); }
#endif
