// Fuzz target: the tables people hand in — zone-report --indicators (the
// indicator table of the follow-up evaluation) and --access-texts (the
// official texts of every unit's list). Bit 0 of the first byte chooses the
// table, bit 1 the format (CSV, or XLSX — a zip); the rest are its bytes.
// Any bytes must give a table or an InputError naming table, row and column.
#include "fuzz_support.hpp"

#include "report/report_detail.hpp"  // assess_effectiveness: what build_report does with --indicators
#include "zone/rules/access_list.hpp"
#include "zone/core/error.hpp"

#include <cpl_vsi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

std::vector<zone::ReportUnit> units() {
    std::vector<zone::ReportUnit> u(3);
    const char* codes[] = {"ZH37010210001", "ZH37010220001", "ZH37010330001"};
    for (int i = 0; i < 3; ++i) {
        u[i].fid = i + 1;
        u[i].code = codes[i];
        u[i].category = i + 1;
        u[i].county_code = i < 2 ? "370102" : "370103";
        u[i].area_m2 = 25e6;
    }
    return u;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static const std::vector<zone::ReportUnit> report_units = units();
    const bool indicators = data[0] & 1;
    const bool xlsx = data[0] & 2;
    const std::string path = std::string("/vsimem/fuzz-table") + (xlsx ? ".xlsx" : ".csv");
    // VSIFileFromMemBuffer does not copy: keep our own buffer alive.
    std::vector<std::uint8_t> copy(data + 1, data + size);
    VSIFCloseL(VSIFileFromMemBuffer(path.c_str(), copy.data(), copy.size(), FALSE));
    try {
        if (indicators) {
            const zone::Effectiveness e = zone::detail::assess_effectiveness(zone::read_indicator_table(path), report_units);
            (void)e;
        } else {
            const zone::AccessTexts t = zone::load_access_texts(path);
            std::vector<zone::Unit> none;
            (void)zone::apply_access_texts(none, t);
        }
    } catch (const zone::InputError&) {
    }
    VSIUnlink(path.c_str());
    return 0;
}
