// The map of the HTML report as inline SVG: units coloured by category, each
// a link to its sheet, county and city lines, city names, a legend, a scale
// bar and a north arrow.
//
// Geometry is simplified for the drawing only (GEOS TopologyPreserveSimplify,
// half a pixel at the drawing's width), never for a number. Units are
// simplified one by one, so neighbours can part or overlap by up to a pixel;
// each unit is stroked in its own colour, which closes those hairlines.
#include "report/report_detail.hpp"
#include "zone/build/coding.hpp"
#include "zone/report/report_output.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace zone {

namespace {

// Pixel coordinates in tenths, written as "12.3", "12", "-0.5".
void append_tenths(std::string& out, long v) {
    if (v < 0) {
        out += '-';
        v = -v;
    }
    out += std::to_string(v / 10);
    if (v % 10) {
        out += '.';
        out += static_cast<char>('0' + v % 10);
    }
}

// Separates two numbers of a path: a minus sign separates by itself.
void append_number(std::string& out, long v, bool first) {
    if (!first && v >= 0) out += ' ';
    append_tenths(out, v);
}

struct Frame {
    double minx, maxy, scale, pad;
    long x(double mx) const { return std::lround(((mx - minx) * scale + pad) * 10); }
    long y(double my) const { return std::lround(((maxy - my) * scale + pad) * 10); }
};

// Appends the rings of a polygonal geometry as path data: absolute move,
// relative lines in whole tenths of a pixel (no drift), closed.
void append_path(std::string& d, const geos::Context& ctx, const GEOSGeometry* g, const Frame& f) {
    std::vector<double> xy;
    auto ring = [&](const GEOSGeometry* r) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, r);
        unsigned int n = 0;
        GEOSCoordSeq_getSize_r(ctx, seq, &n);
        if (n < 4) return;
        xy.resize(2 * static_cast<std::size_t>(n));
        GEOSCoordSeq_copyToBuffer_r(ctx, seq, xy.data(), 0, 0);
        std::vector<std::pair<long, long>> pts;
        for (unsigned int i = 0; i + 1 < n; ++i) {
            const std::pair<long, long> p{f.x(xy[2 * i]), f.y(xy[2 * i + 1])};
            if (pts.empty() || p != pts.back()) pts.push_back(p);
        }
        while (pts.size() > 1 && pts.back() == pts.front()) pts.pop_back();
        if (pts.size() < 3) return;  // smaller than a tenth of a pixel
        d += 'M';
        append_number(d, pts[0].first, true);
        append_number(d, pts[0].second, false);
        d += 'l';
        for (std::size_t i = 1; i < pts.size(); ++i) {
            append_number(d, pts[i].first - pts[i - 1].first, i == 1);
            append_number(d, pts[i].second - pts[i - 1].second, false);
        }
        d += 'z';
    };
    const int parts = GEOSGetNumGeometries_r(ctx, g);
    for (int i = 0; i < parts; ++i) {
        const GEOSGeometry* p = GEOSGetGeometryN_r(ctx, g, i);
        if (GEOSGeomTypeId_r(ctx, p) != GEOS_POLYGON || GEOSisEmpty_r(ctx, p)) continue;
        ring(GEOSGetExteriorRing_r(ctx, p));
        const int holes = GEOSGetNumInteriorRings_r(ctx, p);
        for (int h = 0; h < holes; ++h) ring(GEOSGetInteriorRingN_r(ctx, p, h));
    }
}

geos::GeomPtr simplified(const geos::Context& ctx, const std::vector<unsigned char>& wkb, double tolerance) {
    geos::GeomPtr g = geos::from_wkb(ctx, wkb);
    GEOSGeometry* s = GEOSTopologyPreserveSimplify_r(ctx, g.get(), tolerance);
    return s ? geos::own(ctx, s) : std::move(g);
}

// 1, 2 or 5 × 10^k km, about `target_m` long.
double nice_length_m(double target_m) {
    const double p = std::pow(10.0, std::floor(std::log10(target_m)));
    for (double m : {5.0, 2.0, 1.0})
        if (m * p <= target_m) return m * p;
    return p;
}

std::string km_label(double m) { return fmt::format("{:g}", m / 1000); }

}  // namespace

std::string format_map_svg(const Report& r, double width_px) {
    const ReportMap& map = r.map;
    if (map.empty()) return {};
    const double pad = 8;
    const double extent_w = std::max(map.maxx - map.minx, 1.0), extent_h = std::max(map.maxy - map.miny, 1.0);
    const double scale = (width_px - 2 * pad) / extent_w;  // px per metre
    const double map_h = extent_h * scale + 2 * pad;
    const double legend_h = 46;
    const double height = std::ceil(map_h + legend_h);
    const Frame frame{map.minx, map.maxy, scale, pad};
    const double tolerance = 0.5 / scale;  // metres: half a pixel
    geos::Context ctx;

    std::string out = fmt::format(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"map\" viewBox=\"0 0 {:.0f} {:.0f}\" role=\"img\" "
        "aria-label=\"{}\">\n",
        width_px, height, detail::report_text::xml_escape(r.title + " 管控单元分布图"));
    out += "<title>" + detail::report_text::xml_escape(r.title) + " 管控单元分布图</title>\n";

    // Units, grouped by category; each links to its sheet.
    for (int k = 1; k <= 3; ++k) {
        out += fmt::format("<g class=\"c{0}\" fill=\"{1}\" stroke=\"{1}\">\n", k, category_colour(k));
        for (std::size_t i = 0; i < r.units.size(); ++i) {
            const ReportUnit& u = r.units[i];
            if (u.category != k) continue;
            std::string d;
            geos::GeomPtr g = simplified(ctx, map.units[i], tolerance);
            append_path(d, ctx, g.get(), frame);
            if (d.empty()) continue;  // under a tenth of a pixel: in the index, not on the map
            out += "<a href=\"#" + detail::report_text::xml_escape(u.code) + "\"><path d=\"" + d + "\"><title>" +
                   detail::report_text::xml_escape(u.code + " " + u.name) + "</title></path></a>\n";
        }
        out += "</g>\n";
    }
    auto lines = [&](const std::vector<ReportMap::Outline>& outlines, const char* cls) {
        std::string d;
        for (const auto& o : outlines) {
            geos::GeomPtr g = simplified(ctx, o.wkb, tolerance);
            append_path(d, ctx, g.get(), frame);
        }
        if (!d.empty()) out += fmt::format("<path class=\"{}\" d=\"{}\"/>\n", cls, d);
    };
    lines(map.counties, "county");
    lines(map.cities, "city");
    // The land an adjustment changed (zone-report --diff), outlined over the units.
    const bool changed = r.changes && !r.changes->changed_land_wkb.empty();
    if (changed) {
        std::string d;
        geos::GeomPtr g = simplified(ctx, r.changes->changed_land_wkb, tolerance);
        append_path(d, ctx, g.get(), frame);
        if (!d.empty())
            out += "<path class=\"changed\" fill=\"#2b3bd6\" fill-opacity=\"0.55\" stroke=\"#2b3bd6\" "
                   "stroke-width=\"2\" d=\"" + d + "\"><title>调整地块</title></path>\n";
    }
    // City names (county names too when there is no city level: a county map).
    const auto& labelled = map.cities.empty() ? map.counties : map.cities;
    if (labelled.size() <= 60) {
        out += "<g class=\"lbl\">";
        for (const auto& o : labelled)
            out += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>", (o.label_x - map.minx) * scale + pad,
                               (map.maxy - o.label_y) * scale + pad, detail::report_text::xml_escape(o.name));
        out += "</g>\n";
    }

    // North arrow, top right.
    const double nx = width_px - pad - 14;
    out += fmt::format("<g class=\"north\"><path d=\"M{0:.1f} {1:.1f}l7 20-7-5-7 5z\"/><text x=\"{0:.1f}\" "
                       "y=\"{2:.1f}\">N</text></g>\n",
                       nx, pad + 16, pad + 12);

    // Legend and scale bar under the map.
    const double ly = map_h + 8;
    out += "<g class=\"legend\">";
    double x = pad;
    for (int k = 1; k <= 3; ++k) {
        const std::string label = fmt::format("{} {}", category_unit_name(k), detail::report_text::count_text(r.total.units[k]));
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"18\" height=\"12\" fill=\"{}\"/>"
                           "<text x=\"{:.1f}\" y=\"{:.1f}\">{}</text>",
                           x, ly, category_colour(k), x + 24, ly + 11, detail::report_text::xml_escape(label));
        x += 24 + 13.5 * 10 + 10;
    }
    out += fmt::format("<path class=\"county\" d=\"M{0:.1f} {1:.1f}h22\"/><text x=\"{2:.1f}\" y=\"{3:.1f}\">县界</text>"
                       "<path class=\"city\" d=\"M{4:.1f} {1:.1f}h22\"/><text x=\"{5:.1f}\" y=\"{3:.1f}\">市界</text>",
                       pad, ly + 28, pad + 28, ly + 32, pad + 80, pad + 108);
    if (changed)
        out += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"18\" height=\"10\" fill=\"#2b3bd6\" "
                           "fill-opacity=\"0.55\" stroke=\"#2b3bd6\"/><text x=\"{:.1f}\" y=\"{:.1f}\">调整地块</text>",
                           pad + 160, ly + 23, pad + 184, ly + 32);
    out += "</g>\n";
    const double bar_m = nice_length_m(150 / scale);
    const double bar_px = bar_m * scale;
    const double bx = width_px - pad - bar_px - 30, by = ly + 16;
    out += fmt::format(
        "<g class=\"scale\"><rect x=\"{0:.1f}\" y=\"{1:.1f}\" width=\"{2:.1f}\" height=\"5\" fill=\"#fff\" "
        "stroke=\"#333\"/><rect x=\"{0:.1f}\" y=\"{1:.1f}\" width=\"{3:.1f}\" height=\"5\" fill=\"#333\"/>"
        "<text x=\"{0:.1f}\" y=\"{4:.1f}\">0</text><text x=\"{5:.1f}\" y=\"{4:.1f}\">{6}</text>"
        "<text x=\"{7:.1f}\" y=\"{4:.1f}\">{8} km</text></g>\n",
        bx, by, bar_px, bar_px / 2, by - 4, bx + bar_px / 2, km_label(bar_m / 2), bx + bar_px, km_label(bar_m));
    out += "</svg>\n";
    return out;
}

}  // namespace zone
