#pragma once
// Helpers shared by the nn tests.
#include <algorithm>
#include <cmath>

#include "core/rng.hpp"
#include "core/tensor.hpp"
#include "nn/reference.hpp"

namespace aelab::nn::test {

// Uniform in [lo, hi], magnitude at least `gap` (keeps inputs away from ReLU kinks).
inline Tensor random_tensor(Shape shape, Rng& rng, double lo = -1.0, double hi = 1.0,
                            double gap = 0.0) {
  Tensor t(std::move(shape));
  for (float& v : t.span()) {
    double x = rng.uniform(lo, hi);
    if (std::fabs(x) < gap) x = x < 0 ? x - gap : x + gap;
    v = static_cast<float>(x);
  }
  return t;
}

// max |a - b| relative to the largest |b| (the scale of the expected tensor).
inline double scaled_max_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  double diff = 0.0, scale = 1e-30;
  for (int64_t i = 0; i < a.numel(); ++i) {
    diff = std::max(diff, std::fabs(static_cast<double>(a[i]) - b[i]));
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  return diff / scale;
}

// Conv2d(3x3, stride 1, pad 1) + ReLU + MaxPool2d(2, 2) by the reference loops: the output for x
// and the gradients for dy (the fused layers' yardstick).
struct ConvReluPoolExpected {
  Tensor y, dx, dw, db;
};
inline ConvReluPoolExpected conv_relu_pool_reference(const Tensor& x, const Tensor& w,
                                                     const Tensor& b, const Tensor& dy) {
  ConvReluPoolExpected e;
  const Tensor act = reference::conv2d_forward(x, w, b, 1, 1, Activation::relu);
  e.y = reference::maxpool2d_forward(act, 2, 2);
  reference::Grads g = reference::conv2d_backward(
      x, w, b, reference::maxpool2d_backward(act, dy, 2, 2), 1, 1, Activation::relu);
  e.dx = std::move(g.dx), e.dw = std::move(g.dw), e.db = std::move(g.db);
  return e;
}

}  // namespace aelab::nn::test
