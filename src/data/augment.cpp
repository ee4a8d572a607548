#include "data/augment.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace aelab::data {

void validate(const AugmentSpec& s) {
  if (!(s.shift >= 0 && s.shift <= 8))
    throw InputError("augmentation shift must be between 0 and 8 pixels, got " +
                     std::to_string(s.shift));
  if (!(s.rotate >= 0 && s.rotate <= 180))
    throw InputError("augmentation rotation must be between 0 and 180 degrees, got " +
                     std::to_string(s.rotate));
}

// Inverse mapping: output pixel p takes the source at R^-1 (p - c - t) + c, sampled bilinearly.
void affine_warp(const float* src, float* out, int64_t h, int64_t w, double degrees, double dx,
                 double dy) {
  const double a = degrees * 3.14159265358979323846 / 180.0;
  const double ca = std::cos(a), sa = std::sin(a);
  const double cy = (h - 1) / 2.0, cx = (w - 1) / 2.0;
  auto at = [&](int64_t y, int64_t x) -> double {
    return (y >= 0 && y < h && x >= 0 && x < w) ? src[y * w + x] : 0.0;
  };
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const double px = x - cx - dx, py = y - cy - dy;
      // Counter-clockwise on screen with y down: the inverse turns the other way.
      const double sx = ca * px - sa * py + cx, sy = sa * px + ca * py + cy;
      const double fx = std::floor(sx), fy = std::floor(sy);
      const double tx = sx - fx, ty = sy - fy;
      const auto x0 = static_cast<int64_t>(fx), y0 = static_cast<int64_t>(fy);
      const double v = (1 - ty) * ((1 - tx) * at(y0, x0) + tx * at(y0, x0 + 1)) +
                       ty * ((1 - tx) * at(y0 + 1, x0) + tx * at(y0 + 1, x0 + 1));
      out[y * w + x] = static_cast<float>(v);
    }
}

void random_affine(Tensor& batch, const AugmentSpec& spec, Rng& rng) {
  if (!spec.active()) return;
  if (batch.rank() != 4 || batch.dim(1) != 1)
    throw ShapeError("random_affine wants (N, 1, H, W), got " + shape_str(batch.shape()));
  const int64_t n = batch.dim(0), h = batch.dim(2), w = batch.dim(3);
  std::vector<float> src(static_cast<size_t>(h * w));
  for (int64_t i = 0; i < n; ++i) {
    float* img = batch.data() + i * h * w;
    const double deg = rng.uniform(-spec.rotate, spec.rotate);
    const double dx = rng.uniform(-spec.shift, spec.shift),
                 dy = rng.uniform(-spec.shift, spec.shift);
    std::copy(img, img + h * w, src.begin());
    affine_warp(src.data(), img, h, w, deg, dx, dy);
  }
}

}  // namespace aelab::data
