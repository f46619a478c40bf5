// Fuzz target: the coordinate parser of zone-check project and zone-serve —
// longitude/latitude in decimal degrees and the DMS spellings, Gauss-Krüger
// with or without zone prefix, and WKT / GeoJSON footprints. The first byte
// chooses the parser; the rest is the text. Any text must give a coordinate
// (finite, on the globe) or an InputError saying what is wrong.
#include "fuzz_support.hpp"

#include "zone/rules/access_list.hpp"
#include "zone/core/error.hpp"
#include "zone/rules/project.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace {

const zone::ProjectChecker& checker() {
    static const std::unique_ptr<zone::ProjectChecker> c = [] {
        return std::make_unique<zone::ProjectChecker>(zone::load_access_list(zone::fuzz::testdata("shandong/access-list.toml")),
                                                      zone::read_unit_map(zone::fuzz::tiny_unit_map()), nullptr, 1);
    }();
    return *c;
}

void check_footprint(const zone::Footprint& f) {
    if (f.wkb.empty()) std::abort();
    try {
        (void)checker().check(f, {});
    } catch (const zone::InputError&) {
        // Outside the map, most likely: a clear answer.
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const unsigned mode = data[0] % 6;
    const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
    try {
        switch (mode) {
            case 0: {
                const auto [lon, lat] = zone::parse_lonlat(text);
                if (!std::isfinite(lon) || !std::isfinite(lat) || std::fabs(lon) > 180 || std::fabs(lat) > 90)
                    std::abort();
                check_footprint(checker().footprint_from_lonlat(lon, lat));
                break;
            }
            case 1:
            case 2:
            case 3: {
                // Without a zone, with a 3-degree zone number, with a central meridian.
                std::optional<int> zone_number, meridian;
                if (mode == 2) zone_number = 39;
                if (mode == 3) meridian = 117;
                const zone::GaussKruger gk = zone::parse_gauss_kruger(text, zone_number, meridian);
                if (!std::isfinite(gk.easting) || !std::isfinite(gk.northing)) std::abort();
                check_footprint(checker().footprint_from_gauss_kruger(gk));
                break;
            }
            case 4: check_footprint(checker().footprint_from_wkt(text)); break;
            default: check_footprint(checker().footprint_from_geojson(text)); break;
        }
    } catch (const zone::InputError&) {
    }
    return 0;
}
