// zone-genfactors: shared declarations of the synthetic factor-layer generator.
//
// The generator works in two planes: lon/lat on CGCS2000 (EPSG:4490), which is
// what it writes, and an Albers equal-area projection of the same datum
// (metres), in which shapes are drawn, buffers are taken and areas measured.
#pragma once

#include "zone/core/geos.hpp"

#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <variant>
#include <vector>

class OGRCoordinateTransformation;

namespace gen {

using zone::geos::Context;
using zone::geos::GeomPtr;
using zone::geos::PreparedPtr;

constexpr double kPi = 3.14159265358979323846;
constexpr double kGridScale = 1e6;  // output coordinates lie on a 1e-6 degree grid

inline double snap(double v) { return std::round(v * kGridScale) / kGridScale; }

struct XY {
    double x = 0, y = 0;
};
using Ring = std::vector<XY>;  // open: the closing vertex is added when a polygon is built

// ---------------------------------------------------------------------------
// Randomness. std::mt19937_64 is specified exactly by the standard; the
// distributions are ours because the standard library's are not portable.
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream);

class Rng {
public:
    explicit Rng(std::uint64_t seed) : eng_(seed) {}
    double uniform() { return static_cast<double>(eng_() >> 11) * 0x1.0p-53; }  // [0, 1)
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    int integer(int lo, int hi) { return lo + static_cast<int>(uniform() * (hi - lo + 1)); }  // [lo, hi]
    bool chance(double p) { return uniform() < p; }
    double angle() { return uniform() * 2 * kPi; }
    double normal();  // Box-Muller, one value per call
    double normal(double mean, double sd) { return mean + sd * normal(); }
    double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }
    double log_uniform(double a, double b) { return a * std::exp(uniform() * std::log(b / a)); }
    template <class T>
    const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(integer(0, static_cast<int>(v.size()) - 1))]; }
    // Stochastic rounding: n with probability 1 - frac, n + 1 otherwise.
    int round_count(double x);

private:
    std::mt19937_64 eng_;
};

// ---------------------------------------------------------------------------
// Projection between lon/lat and the Albers plane.
class Proj {
public:
    Proj();
    ~Proj();
    Proj(const Proj&) = delete;
    Proj& operator=(const Proj&) = delete;

    void forward(std::vector<double>& x, std::vector<double>& y) const;  // lon/lat -> metres
    void inverse(std::vector<double>& x, std::vector<double>& y) const;  // metres -> lon/lat
    XY forward(XY p) const;
    XY inverse(XY p) const;
    GeomPtr forward(const Context& ctx, const GEOSGeometry* g) const;
    GeomPtr inverse(const Context& ctx, const GEOSGeometry* g) const;
    // Ellipsoidal-equivalent area of a valid lon/lat geometry (Albers equal-area), km².
    double area_km2(const Context& ctx, const GEOSGeometry* g) const;
    std::string description() const;

private:
    OGRCoordinateTransformation* fwd_ = nullptr;
    OGRCoordinateTransformation* inv_ = nullptr;
};

// ---------------------------------------------------------------------------
// GEOS helpers.
GeomPtr make_polygon(const Context& ctx, const Ring& shell, const std::vector<Ring>& holes = {});
GeomPtr make_line(const Context& ctx, const Ring& pts);
Ring ring_coords(const Context& ctx, const GEOSGeometry* ring);  // open ring / line vertices
// Applies fn to all coordinates (as separate x and y arrays), rebuilding the geometry.
GeomPtr transform(const Context& ctx, const GEOSGeometry* g,
                  const std::function<void(std::vector<double>&, std::vector<double>&)>& fn);
GeomPtr to_grid(const Context& ctx, const GEOSGeometry* g);  // snap-rounded, valid, polygonal
GeomPtr snap_coords(const Context& ctx, const GEOSGeometry* g);  // every coordinate to the nearest grid double
// The polygonal part of the result of a GEOS ...Prec operation, exactly on the grid.
GeomPtr grid_op(const Context& ctx, GEOSGeometry* result, const char* what);
GeomPtr make_valid_structure(const Context& ctx, const GEOSGeometry* g);
std::string invalid_reason(const Context& ctx, const GEOSGeometry* g);  // empty when valid
bool is_valid(const Context& ctx, const GEOSGeometry* g);
long vertex_count(const Context& ctx, const GEOSGeometry* g, bool* finite = nullptr, bool* on_grid = nullptr);
void for_each_polygon(const Context& ctx, const GEOSGeometry* g, const std::function<void(const GEOSGeometry*)>& fn);
const GEOSGeometry* largest_polygon(const Context& ctx, const GEOSGeometry* g);
XY interior_point(const Context& ctx, const GEOSGeometry* g);

// ---------------------------------------------------------------------------
// Shapes, drawn in metres around the origin.
struct StarSpec {
    double area_m2 = 1e6;
    int vertices = 100;
    double roughness = 0.3;   // amplitude of the low harmonics of log-radius
    double jitter = 0.02;     // per-vertex relative radius noise
    double elongation = 1.0;  // ratio of the long to the short axis (area kept)
    double azimuth = 0;       // direction of the long axis, radians
};
// A noisy radial outline: star-shaped around the origin, hence always simple.
Ring star(Rng& rng, const StarSpec& spec);
// A rotated rectangle w x h whose edges carry small perpendicular jags; corners
// are at indices corners[0..3] (bottom-left, bottom-right, top-right, top-left).
Ring jagged_rect(Rng& rng, double w, double h, double azimuth, int vertices, double jag, int corners[4]);
// A lobe from the origin: apex, then points at angles from a0 to a1.
Ring lobe(Rng& rng, double a0, double a1, int n, double radius, double roughness);
Ring translate(Ring r, XY d, double factor = 1.0);
double ring_area(const Ring& r);  // signed, shoelace

// ---------------------------------------------------------------------------
// The base geography.
struct Town {
    std::string code, name;
};

struct County {
    std::string adcode, name, city_adcode, city_name, circle, short_name;
    GeomPtr geom;
    PreparedPtr prep;
    double xmin = 0, ymin = 0, xmax = 0, ymax = 0;  // lon/lat envelope
    XY seat;                                        // lon/lat
    std::vector<Town> towns;
    double area_km2 = 0;
    mutable GeomPtr core;  // shrunk by 5e-6 degree, made when first needed
    mutable PreparedPtr core_prep;
};

struct River {
    int cls = 0;
    std::string class_name, name;
    GeomPtr line;    // lon/lat
    GeomPtr line_m;  // metres
    double km_in_province = 0;
};

struct Lake {
    GeomPtr geom;  // lon/lat
    double area_km2 = 0;
};

class World {
public:
    Context ctx;
    Proj proj;
    std::vector<County> counties;
    GeomPtr province;
    PreparedPtr province_prep;
    double province_km2 = 0;
    std::vector<River> rivers;  // only those that reach the province
    std::vector<Lake> lakes;
    std::vector<std::string> notes;  // oddities found in the inputs

    int county_at(XY lonlat) const;  // index or -1
    const County* county_by_code(const std::string& adcode) const;
    bool on_land(XY lonlat) const;
    // A ring in metres to a lon/lat geometry on the grid, clipped to the
    // province; null when nothing is left on land.
    GeomPtr from_metres(const Ring& ring_m) const;
    GeomPtr from_metres(const GEOSGeometry* g_m) const;
    // Grid-snaps a lon/lat ring without any repair (for deliberate defects).
    GeomPtr raw_from_metres(const Ring& ring_m) const;
    GeomPtr clip_to_province(GeomPtr g) const;  // g valid and on the grid
    bool inside_province(const GEOSGeometry* g) const;
};

// ---------------------------------------------------------------------------
// Features and layers.
using Value = std::variant<std::string, long long, double>;

struct FieldDef {
    std::string name;
    enum Kind { Str, Int, Real } kind = Str;
    int width = 0;  // for the Shapefile
    int precision = 0;
};

struct Feature {
    GeomPtr geom;
    std::vector<std::pair<std::string, Value>> attrs;
    std::string defect;  // empty for a clean feature
    XY anchor;           // lon/lat point that names the county
    void set(const std::string& key, Value v);
    const Value* get(const std::string& key) const;
};

struct Layer {
    std::string name, title, prefix, description;
    std::vector<FieldDef> fields;  // between the common `id`, `name` and the trailing county/area fields
    std::vector<Feature> features;
    std::string next_id() const;
    Feature& add(GeomPtr g, const std::string& name, XY anchor);
};

struct Generated {
    std::vector<Layer> layers;  // factors.gpkg, in order
    Layer reserves;             // reserves.shp
    std::vector<Layer> planning;  // planning.gpkg: ubound, farmland (for zone-check --expect)
    std::vector<std::string> log;
};

Generated generate(World& world, std::uint64_t seed, double scale);

}  // namespace gen
