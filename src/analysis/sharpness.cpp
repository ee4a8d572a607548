#include "analysis/sharpness.hpp"

#include <cmath>
#include <string>

#include "core/error.hpp"

namespace aelab::analysis {

namespace {

struct ImageDims {
  int64_t n;
  int h, w;
};

ImageDims image_dims(const Tensor& images) {
  ImageDims d{0, 0, 0};
  if (images.rank() == 4 && images.dim(1) == 1) {
    d = {images.dim(0), int(images.dim(2)), int(images.dim(3))};
  } else if (images.rank() == 3) {
    d = {images.dim(0), int(images.dim(1)), int(images.dim(2))};
  } else if (images.rank() == 2) {
    const int side = int(std::lround(std::sqrt(double(images.dim(1)))));
    if (int64_t(side) * side != images.dim(1))
      throw InputError("sharpness: (N, P) images need P to be a square, got P = " +
                       std::to_string(images.dim(1)));
    d = {images.dim(0), side, side};
  } else {
    throw InputError("sharpness: expected images as (N, 1, H, W), (N, H, W) or (N, H*W), got " +
                     shape_str(images.shape()));
  }
  if (d.h < 3 || d.w < 3)
    throw InputError("sharpness: images must be at least 3x3 for a 3x3 Laplacian, got " +
                     std::to_string(d.h) + "x" + std::to_string(d.w));
  return d;
}

}  // namespace

double laplacian_variance(std::span<const float> image, int h, int w) {
  if (h < 3 || w < 3)
    throw InputError("sharpness: images must be at least 3x3, got " + std::to_string(h) + "x" +
                     std::to_string(w));
  if (image.size() != size_t(h) * w)
    throw InputError("sharpness: image has " + std::to_string(image.size()) + " pixels, expected " +
                     std::to_string(h) + "x" + std::to_string(w));
  double sum = 0.0, sum_sq = 0.0;
  for (int r = 1; r + 1 < h; ++r)
    for (int c = 1; c + 1 < w; ++c) {
      const float* p = image.data() + size_t(r) * w + c;
      const double lap = double(p[-w]) + p[w] + p[-1] + p[1] - 4.0 * p[0];
      sum += lap;
      sum_sq += lap * lap;
    }
  const double count = double(h - 2) * double(w - 2);
  const double mean = sum / count;
  return std::max(sum_sq / count - mean * mean, 0.0);
}

std::vector<double> laplacian_variances(const Tensor& images) {
  const ImageDims d = image_dims(images);
  std::vector<double> out(d.n);
  const size_t px = size_t(d.h) * d.w;
  for (int64_t i = 0; i < d.n; ++i)
    out[i] = laplacian_variance(images.span().subspan(i * px, px), d.h, d.w);
  return out;
}

double mean_laplacian_variance(const Tensor& images) {
  const auto v = laplacian_variances(images);
  if (v.empty()) throw InputError("sharpness: no images given");
  double s = 0.0;
  for (double x : v) s += x;
  return s / double(v.size());
}

double sharpness_ratio(const Tensor& recon, const Tensor& original) {
  if (recon.shape() != original.shape())
    throw InputError("sharpness ratio: reconstructions " + shape_str(recon.shape()) +
                     " and originals " + shape_str(original.shape()) + " differ in shape");
  const auto vr = laplacian_variances(recon), vo = laplacian_variances(original);
  double s = 0.0;
  int64_t used = 0;
  for (size_t i = 0; i < vo.size(); ++i) {
    if (vo[i] <= 0.0) continue;
    s += vr[i] / vo[i];
    ++used;
  }
  if (used == 0)
    throw InputError("sharpness ratio: every original image is flat (zero Laplacian variance)");
  return s / double(used);
}

}  // namespace aelab::analysis
