#include "app/widgets/point_index.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace aelab::app {

void PointIndex::build(std::span<const float> xy) {
  xy_.assign(xy.begin(), xy.end());
  const size_t n = xy_.size() / 2;
  float x0 = std::numeric_limits<float>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (size_t i = 0; i < n; ++i) {
    float x = xy_[2 * i], y = xy_[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  if (!std::isfinite(x0)) {
    nx_ = ny_ = 0;
    cell_start_.clear();
    items_.clear();
    return;
  }
  int side = std::max(1, static_cast<int>(std::sqrt(static_cast<double>(n) / 4.0)));
  nx_ = ny_ = side;
  x0_ = x0, y0_ = y0;
  cw_ = std::max((x1 - x0) / nx_, 1e-12f) * 1.0001f;
  ch_ = std::max((y1 - y0) / ny_, 1e-12f) * 1.0001f;
  std::vector<uint32_t> cell_of(n, UINT32_MAX);
  cell_start_.assign(static_cast<size_t>(nx_) * ny_ + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    float x = xy_[2 * i], y = xy_[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    int cx = std::min(nx_ - 1, static_cast<int>((x - x0_) / cw_));
    int cy = std::min(ny_ - 1, static_cast<int>((y - y0_) / ch_));
    cell_of[i] = static_cast<uint32_t>(cy * nx_ + cx);
    ++cell_start_[cell_of[i] + 1];
  }
  for (size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  items_.assign(cell_start_.back(), 0);
  std::vector<uint32_t> fill(cell_start_.begin(), cell_start_.end() - 1);
  for (size_t i = 0; i < n; ++i)
    if (cell_of[i] != UINT32_MAX) items_[fill[cell_of[i]]++] = static_cast<uint32_t>(i);
}

int PointIndex::nearest(float x, float y, float radius, float sx, float sy) const {
  if (nx_ == 0 || !(sx > 0) || !(sy > 0)) return -1;
  const float rx = radius * sx, ry = radius * sy;  // search box in data units
  // Clamp in float before the cast: a query far outside the box must not overflow an int.
  auto cell = [](float v, int n) {
    return static_cast<int>(std::clamp(std::floor(v), -1.0f, static_cast<float>(n)));
  };
  int cx0 = std::max(0, cell((x - rx - x0_) / cw_, nx_));
  int cx1 = std::min(nx_ - 1, cell((x + rx - x0_) / cw_, nx_));
  int cy0 = std::max(0, cell((y - ry - y0_) / ch_, ny_));
  int cy1 = std::min(ny_ - 1, cell((y + ry - y0_) / ch_, ny_));
  int best = -1;
  float best_d = radius * radius;
  for (int cy = cy0; cy <= cy1; ++cy)
    for (int cx = cx0; cx <= cx1; ++cx) {
      size_t c = static_cast<size_t>(cy) * nx_ + cx;
      for (uint32_t k = cell_start_[c]; k < cell_start_[c + 1]; ++k) {
        uint32_t i = items_[k];
        float dx = (xy_[2 * i] - x) / sx, dy = (xy_[2 * i + 1] - y) / sy;
        float d = dx * dx + dy * dy;
        if (d <= best_d) {
          best_d = d;
          best = static_cast<int>(i);
        }
      }
    }
  return best;
}

}  // namespace aelab::app
