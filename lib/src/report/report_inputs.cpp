// Reading zone-report's inputs besides the unit map: the boundary, the factor
// layers of a scheme and an indicator table.
#include "zone/report/report_inputs.hpp"

#include "core/text_util.hpp"
#include "io/gdal_util.hpp"
#include "zone/build/scheme.hpp"

#include <cpl_string.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <initializer_list>

namespace zone {

IndicatorTable read_indicator_table(const std::string& source) {
    OpenLayerOptions open;
    open.default_layer = "indicators";
    open.stdin_prefix = "CSV:";  // "-": a CSV on standard input, as zone-monitor -o - writes it
    const VectorLayer opened = open_vector_layer(parse_source(source), open);
    detail::QuietGdal quiet;
    GDALDataset* ds = opened.dataset.get();
    OGRLayer* layer = opened.layer;

    IndicatorTable t;
    t.source = source;
    t.where = opened.where;
    t.csv = ds->GetDriver() && EQUAL(ds->GetDriver()->GetDescription(), "CSV");

    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::string fields;
    for (int i = 0; i < defn->GetFieldCount(); ++i) fields += (i ? ", " : "") + std::string(defn->GetFieldDefn(i)->GetNameRef());
    auto field = [&](std::initializer_list<const char*> candidates, const char* role) {
        for (const char* name : candidates) {
            const int i = defn->GetFieldIndex(name);
            if (i >= 0) return i;
        }
        Where w = t.where;
        w.field = *candidates.begin();
        throw InputError(w, std::string("no ") + role + " field (" + *candidates.begin() +
                                "); an indicator table has the fields code, indicator, baseline, current and "
                                "higher_is_better; this one has: " + fields);
    };
    const int i_code = field({"code", "unit", "unit_code", "HJZHGKDYBM"}, "unit code");
    const int i_indicator = field({"indicator", "name"}, "indicator");
    const int i_baseline = field({"baseline"}, "baseline");
    const int i_current = field({"current"}, "current");
    const int i_higher = field({"higher_is_better"}, "higher_is_better");
    // Optional columns, as zone-monitor writes them.
    const int i_threshold = defn->GetFieldIndex("threshold");
    const int i_valid = defn->GetFieldIndex("valid_share");
    const int i_assessable = defn->GetFieldIndex("assessable");
    auto name = [&](int i) { return i >= 0 ? std::string(defn->GetFieldDefn(i)->GetNameRef()) : std::string(); };
    t.code_field = name(i_code);
    t.indicator_field = name(i_indicator);
    t.baseline_field = name(i_baseline);
    t.current_field = name(i_current);
    t.higher_field = name(i_higher);
    t.threshold_field = name(i_threshold);
    t.valid_share_field = name(i_valid);
    t.assessable_field = name(i_assessable);

    layer->ResetReading();
    for (auto& f : *layer) {
        auto text = [&](int i) {
            return i >= 0 && f->IsFieldSetAndNotNull(i) ? detail::trim(f->GetFieldAsString(i)) : std::string();
        };
        IndicatorTable::Row r{f->GetFID(), text(i_code),      text(i_indicator), text(i_baseline), text(i_current),
                              text(i_higher), text(i_threshold), text(i_valid),     text(i_assessable)};
        if (r.code.empty() && r.indicator.empty() && r.baseline.empty() && r.current.empty()) continue;
        t.rows.push_back(std::move(r));
    }
    if (t.rows.empty()) throw InputError(t.where, "the table has no indicator rows");
    return t;
}

namespace {

ReportFactors read_factors(const geos::Context& ctx, const std::string& scheme_path, const std::string& crs_wkt,
                           int threads) {
    const Scheme scheme = load_scheme(scheme_path);
    ReportFactors out;
    out.scheme = scheme_path;
    for (const FactorSpec& f : scheme.factors) {
        FactorLayer l;
        l.id = f.id;
        l.label = f.label;
        try {
            ReadOptions read;
            read.where = f.where;
            read.encoding = f.encoding;
            read.target_crs_wkt = crs_wkt;
            read.allow_empty = true;
            read.threads = threads;
            l.layer = read_polygon_layer(ctx, parse_source(f.source), read);
        } catch (const InputError& e) {
            // A missing layer costs its shares, not the report.
            l.why_not = e.what();
        }
        out.layers.push_back(std::move(l));
    }
    return out;
}

}  // namespace

ReportInputs read_report_inputs(const geos::Context& ctx, const UnitMap& map, const ReportSources& sources) {
    ReportInputs in;
    if (!sources.boundary.empty()) {
        BoundaryOptions read;
        read.fields = sources.boundary_fields;
        read.encoding = sources.encoding;
        read.target_crs_wkt = map.crs_wkt;
        read.code_field_option = "--boundary-fields code=FIELD";
        read.threads = sources.threads;
        in.boundary = read_boundary(ctx, sources.boundary, read);
    }
    if (!sources.scheme.empty()) in.factors = read_factors(ctx, sources.scheme, map.crs_wkt, sources.threads);
    if (!sources.indicators.empty()) in.indicators = read_indicator_table(sources.indicators);
    return in;
}

}  // namespace zone
