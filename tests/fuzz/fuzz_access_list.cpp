// Fuzz target: the access-list loader (DESIGN 2.7), conditions included.
// Whatever the file holds, the result is a list whose every condition
// evaluates, or an InputError "FILE:LINE:COLUMN: …".
#include "fuzz_support.hpp"

#include "zone/rules/access_list.hpp"
#include "zone/core/error.hpp"

#include <cstdint>
#include <stdexcept>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = zone::fuzz::scratch_file("list.toml", data, size);
    try {
        const zone::AccessList list = zone::load_access_list(path);
        const zone::Attributes project = {{"industry", zone::AttrValue::of("C2614")},
                                          {"nature", zone::AttrValue::of("新建")},
                                          {"vocs_t", zone::AttrValue::of(20)}};
        for (const zone::Rule& rule : list.rules) {
            (void)rule.dimension_name();
            if (!rule.when) continue;
            try {
                (void)rule.when->evaluate(project);
            } catch (const std::invalid_argument&) {
            }
        }
    } catch (const zone::InputError&) {
    }
    return 0;
}
