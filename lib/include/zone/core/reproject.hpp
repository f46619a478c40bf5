// Moving geometries from one CRS to another without multiplying their vertices.
//
// An edge is straight in the CRS it was drawn in and, in general, curved in
// another. Cutting every edge at a fixed step before transforming follows the
// curve but multiplies the vertices (tenfold and more for real layers) even
// where the transformation is a no-op or affine. A Reprojection instead:
//   - does nothing when the two CRSs are the same, or when PROJ's operation
//     between them leaves coordinates unchanged (WGS 84 and CGCS2000
//     longitude/latitude, through a null transformation): bit for bit;
//   - transforms the vertices only when the operation is affine (axis order,
//     units): straight edges stay straight;
//   - otherwise cuts an edge at its midpoint (taken in the source CRS) only
//     where the transformed midpoint departs from the chord between the
//     transformed endpoints by more than the tolerance, recursively, so a
//     long edge gets as many vertices as its curve needs and a short one none.
#pragma once

#include <memory>

class OGRSpatialReference;
class OGRCoordinateTransformation;
class OGRGeometry;

namespace zone {

// Half the default precision grid of the overlay (1e-9 for degrees, 1e-4 for
// metres): a departure from the exact curve smaller than that is smaller than
// what snapping to the grid moves a vertex by.
double default_reproject_tolerance(bool target_geographic);

// Most halvings of one edge: 2^16 pieces at most, even where PROJ's
// operation is not smooth (a discontinuity never meets the tolerance).
constexpr int kReprojectMaxDepth = 16;

class Reprojection {
public:
    enum class Kind {
        identity,  // same CRS, or an operation that leaves the coordinates unchanged
        affine,    // vertices are transformed, edges stay straight
        general,   // edges are cut where their image curves away from the chord
    };

    // Both CRSs are taken in GIS axis order (x = easting or longitude).
    // `tolerance` is in the target CRS's units; 0 takes
    // default_reproject_tolerance(). Throws std::runtime_error when PROJ has
    // no operation between the two CRSs.
    Reprojection(const OGRSpatialReference& from, const OGRSpatialReference& to, double tolerance = 0);
    ~Reprojection();
    Reprojection(const Reprojection&) = delete;
    Reprojection& operator=(const Reprojection&) = delete;

    Kind kind() const { return kind_; }
    bool is_identity() const { return kind_ == Kind::identity; }
    double tolerance() const { return tolerance_; }

    // Transforms `g` in place (points, line strings, polygons and collections
    // of them; linearise curves first; Z and M are dropped unless the kind is
    // identity, which leaves the coordinates untouched) and gives it the
    // target CRS. False when PROJ cannot transform one of its points; `g` is
    // then left in an unspecified state. Not thread-safe: one per thread.
    bool apply(OGRGeometry& g);

private:
    Kind kind_ = Kind::general;
    double tolerance_ = 0;
    OGRSpatialReference* target_ = nullptr;  // reference-counted: geometries hold it
    std::unique_ptr<OGRCoordinateTransformation> transform_;

    bool apply_to_curve(OGRGeometry& curve);
};

}  // namespace zone
