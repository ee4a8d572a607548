#pragma once
// Nearest-point lookup for the scatter's hover: a uniform grid over the points' bounding box,
// about 4 points per cell, so a query looks at a handful of cells instead of 70,000 points.
#include <cstdint>
#include <span>
#include <vector>

namespace aelab::app {

class PointIndex {
 public:
  // xy: (N, 2) interleaved. Non-finite points are never returned.
  void build(std::span<const float> xy);
  // The index of the point nearest (x, y) with |dx|/sx, |dy|/sy both measured in "radius units":
  // points farther than `radius` (after scaling by sx, sy) are ignored. -1 if none.
  // sx, sy: data units per pixel along x and y, so radius is in pixels.
  [[nodiscard]] int nearest(float x, float y, float radius, float sx, float sy) const;
  [[nodiscard]] size_t size() const { return xy_.size() / 2; }

 private:
  std::vector<float> xy_;
  std::vector<uint32_t> cell_start_,
      items_;  // CSR: points of cell c are items_[start[c]..start[c+1])
  float x0_ = 0, y0_ = 0, cw_ = 1, ch_ = 1;
  int nx_ = 0, ny_ = 0;
};

}  // namespace aelab::app
