// Fuzz target: the condition language of access-list rules (DESIGN 2.7). Rule
// text comes from whoever writes the list, so any bytes must parse or give a
// ConditionError, and whatever parses must evaluate (or reject an attribute
// of the wrong kind) on any project, three-valued logic holding.
#include "fuzz_support.hpp"

#include "zone/rules/condition.hpp"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<zone::Attributes> projects() {
    using zone::AttrValue;
    std::vector<zone::Attributes> p(4);
    p[1] = {{"industry", AttrValue::of("C2614")}, {"nature", AttrValue::of("新建")}, {"vocs_t", AttrValue::of(12.5)}};
    p[2] = {{"industry", AttrValue::of("B0610")}, {"nature", AttrValue::of("技术改造")},
            {"vocs_t", AttrValue::of("many")}, {"water_m3", AttrValue::of(-1e300)}};
    p[3] = {{"industry", AttrValue::of("C")}, {"integrated", AttrValue::of(1)}, {"x", AttrValue::of("")}};
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::vector<zone::Attributes> attribute_sets = projects();
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const zone::Condition c = zone::Condition::parse(text);
        (void)c.attributes();
        for (const auto& attrs : attribute_sets) {
            try {
                const auto r = c.evaluate(attrs);
                // Something missing exactly when the outcome is unknown.
                if ((r.truth == zone::Truth::unknown) == r.missing.empty()) std::abort();
            } catch (const std::invalid_argument&) {
                // A project attribute of the wrong kind: reported, fine.
            }
        }
    } catch (const zone::ConditionError& e) {
        if (e.offset() > size) std::abort();  // the offset points into the text
    }
    return 0;
}
