// Fuzz target: whatever bytes a submission holds, zone-check must give
// findings or a clear error, never crash or hang. The bytes are served to
// GDAL as a file in memory (GeoJSON by default; a leading "SHP\n" makes the
// rest a zipped Shapefile), then the whole map check runs on it.
//
// Built two ways (tests/fuzz/CMakeLists.txt): with clang and
// -DZONE_BUILD_FUZZ=ON as a libFuzzer target (scripts/fuzz-all), and always
// as a plain program that replays tests/fuzz/corpus/check_map under ctest.
#include "fuzz_support.hpp"

#include "zone/check/check.hpp"
#include "zone/check/check_references.hpp"
#include "zone/core/error.hpp"

#include <cpl_vsi.h>

#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const char shp_magic[] = "SHP\n";
    const bool zipped = size >= 4 && std::memcmp(data, shp_magic, 4) == 0;
    const std::string path = zipped ? "/vsimem/fuzz.zip" : "/vsimem/fuzz.geojson";
    const std::uint8_t* bytes = zipped ? data + 4 : data;
    const std::size_t n = zipped ? size - 4 : size;
    // VSIFileFromMemBuffer does not copy: keep our own buffer alive.
    std::vector<std::uint8_t> copy(bytes, bytes + n);
    VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), copy.data(), copy.size(), FALSE));
    zone::CheckOptions options;
    options.threads = 1;
    try {
        (void)zone::check_unit_map(zone::read_unit_layer(zipped ? "/vsizip/" + path : path, ""), {}, options);
    } catch (const zone::InputError&) {
        // A clear "cannot do the job": fine.
    } catch (const std::exception&) {
        // Any other failure the tool reports with exit 2 (zone::cli::guarded_main):
        // not a crash. Findings are what we would rather give, though.
    }
    VSIUnlink(path.c_str());
    return 0;
}
