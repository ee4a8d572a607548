#include "data/blur.hpp"

#include <cmath>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace aelab::data {

void validate(const BlurSpec& spec) {
  if (!(spec.sigma > 0.0) || !std::isfinite(spec.sigma))
    throw InputError("blur sigma must be a positive number, got " + std::to_string(spec.sigma));
  if (spec.kernel < 1 || spec.kernel > 27)
    throw InputError("blur kernel size must be between 1 and 27 (the image is 28x28), got " +
                     std::to_string(spec.kernel));
  if (spec.kernel % 2 == 0)
    throw InputError("blur kernel size must be odd so the kernel has a centre, got " +
                     std::to_string(spec.kernel));
}

std::vector<float> gaussian_kernel_1d(const BlurSpec& spec) {
  validate(spec);
  const int r = spec.kernel / 2;
  std::vector<double> k(static_cast<size_t>(spec.kernel));
  double sum = 0.0;
  for (int i = -r; i <= r; ++i) {
    k[static_cast<size_t>(i + r)] = std::exp(-(i * i) / (2.0 * spec.sigma * spec.sigma));
    sum += k[static_cast<size_t>(i + r)];
  }
  std::vector<float> out(k.size());
  for (size_t i = 0; i < k.size(); ++i) out[i] = static_cast<float>(k[i] / sum);
  return out;
}

Tensor gaussian_kernel_2d(const BlurSpec& spec) {
  const std::vector<float> k = gaussian_kernel_1d(spec);
  const int64_t n = spec.kernel;
  Tensor t({n, n});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      t[i * n + j] = k[static_cast<size_t>(i)] * k[static_cast<size_t>(j)];
  return t;
}

void gaussian_blur(const Tensor& images, const BlurSpec& spec, Tensor& out) {
  if (images.rank() != 4)
    throw ShapeError("gaussian_blur: expected images (N, C, H, W), got " +
                     shape_str(images.shape()));
  const std::vector<float> k = gaussian_kernel_1d(spec);
  const int64_t planes = images.dim(0) * images.dim(1);
  const int64_t h = images.dim(2), w = images.dim(3);
  const int64_t r = spec.kernel / 2;
  if (&out != &images) out.resize(images.shape());
  const float* src = images.data();
  float* dst = out.data();

  // Each plane is read whole into `rows` (the row pass) before its output is written, which is
  // what lets out alias images.
#pragma omp parallel
  {
    std::vector<float> rows(static_cast<size_t>(h * w));
#pragma omp for schedule(static)
    for (int64_t p = 0; p < planes; ++p) {
      const float* in = src + p * h * w;
      float* o = dst + p * h * w;
      // rows: (H, W) = in convolved along x, zeros outside the image.
      for (int64_t y = 0; y < h; ++y)
        for (int64_t x = 0; x < w; ++x) {
          float acc = 0.0f;
          const int64_t lo = std::max<int64_t>(0, x - r), hi = std::min<int64_t>(w - 1, x + r);
          for (int64_t xx = lo; xx <= hi; ++xx)
            acc += k[static_cast<size_t>(xx - x + r)] * in[y * w + xx];
          rows[static_cast<size_t>(y * w + x)] = acc;
        }
      // o: (H, W) = rows convolved along y.
      for (int64_t y = 0; y < h; ++y) {
        const int64_t lo = std::max<int64_t>(0, y - r), hi = std::min<int64_t>(h - 1, y + r);
        for (int64_t x = 0; x < w; ++x) {
          float acc = 0.0f;
          for (int64_t yy = lo; yy <= hi; ++yy)
            acc += k[static_cast<size_t>(yy - y + r)] * rows[static_cast<size_t>(yy * w + x)];
          o[y * w + x] = acc;
        }
      }
    }
  }
}

Tensor gaussian_blur(const Tensor& images, const BlurSpec& spec) {
  Tensor out;
  gaussian_blur(images, spec, out);
  return out;
}

}  // namespace aelab::data
