// What zone-report reports on besides the unit map, as data: the county
// boundaries (regions, circles and outlines), the factor layers of a zone-build
// scheme (each unit's factor composition) and an indicator table (the
// follow-up evaluation, 成效评估). read_report_inputs reads them from the
// sources the user names, into the unit map's CRS; build_report
// (zone/report/report.hpp) takes them as they are.
#pragma once

#include "zone/core/error.hpp"
#include "zone/core/geos.hpp"
#include "zone/io/boundary.hpp"
#include "zone/io/source.hpp"
#include "zone/io/unit_map.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace zone {

// A factor of a zone-build scheme and, when its layer could be read, its
// land: the share of each unit's land it covers is measured against it.
struct FactorLayer {
    std::string id, label;             // as in the scheme
    std::optional<PolygonLayer> layer;  // in the map's CRS; none when it could not be read
    std::string why_not;               // why not, in the reader's words
};

struct ReportFactors {
    std::string scheme;               // as given
    std::vector<FactorLayer> layers;  // in the scheme's order
};

// An indicator table as it is: every row's cells as text (trimmed, empty
// when null), not yet judged. Rows whose code, indicator, baseline and
// current are all empty are left out; a table with no other row is refused.
struct IndicatorTable {
    std::string source;  // as given
    Where where;         // file and layer
    bool csv = false;    // rows are also named by their line (the header is line 1)
    // The fields taken for each column, by name as the table spells them;
    // empty for an optional column the table lacks.
    std::string code_field, indicator_field, baseline_field, current_field, higher_field;
    std::string threshold_field, valid_share_field, assessable_field;
    struct Row {
        std::int64_t fid = 0;
        std::string code, indicator, baseline, current, higher_is_better;
        std::string threshold, valid_share, assessable;
    };
    std::vector<Row> rows;
};

// Reads an indicator table (CSV, XLSX, GeoPackage … through GDAL; "-" is a
// CSV on standard input, as zone-monitor -o - writes it) with the fields
// code, indicator, baseline, current, higher_is_better and the optional
// threshold, valid_share and assessable. Throws InputError naming file,
// layer and field: cannot be opened, a required field missing.
IndicatorTable read_indicator_table(const std::string& source);

// Where the inputs are, as the user names them.
struct ReportSources {
    std::string boundary;            // county boundaries (GDAL source); optional
    BoundaryFields boundary_fields;  // empty: guessed (zone/io/boundary.hpp)
    std::string scheme;              // zone-build scheme: factor labels and layers; optional
    std::string indicators;          // indicator table; optional
    std::string encoding;            // text encoding of a Shapefile boundary that declares none
    int threads = 0;                 // for checking and repairing geometries; 0: one per core
};

struct ReportInputs {
    std::optional<Boundary> boundary;           // in the map's CRS
    std::optional<ReportFactors> factors;       // from the scheme
    std::optional<IndicatorTable> indicators;
};

// Reads what `sources` names, into `ctx` and the CRS of `map`. A factor
// layer that cannot be read costs its shares (FactorLayer::why_not), not
// the report; everything else that cannot be read throws InputError naming
// file, layer, feature and field.
ReportInputs read_report_inputs(const geos::Context& ctx, const UnitMap& map, const ReportSources& sources);

}  // namespace zone
