// Fuzz target: zone-build's scheme loader. Any bytes as a scheme file must
// give a Scheme or an InputError naming the file, never a crash.
#include "fuzz_support.hpp"

#include "zone/core/error.hpp"
#include "zone/build/scheme.hpp"

#include <cstdint>
#include <exception>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string path = zone::fuzz::scratch_file("scheme.toml", data, size);
    try {
        (void)zone::load_scheme(path);
    } catch (const zone::InputError&) {
        // A clear message, exit code 2: fine.
    }
    return 0;
}
