#pragma once
// Plain-loop reference implementations of every oneDNN-backed layer (double accumulation,
// straight from the definitions). Slow and obvious on purpose: the tests compare the fast layers
// against these.
#include <cstdint>

#include "core/tensor.hpp"
#include "nn/activation.hpp"

namespace aelab::nn::reference {

struct Grads {
  Tensor dx, dw, db;
};

// y = f(z) and dz = dy * f'(z), from the pre-activation z (the layers work from the output).
[[nodiscard]] Tensor activate(const Tensor& z, Activation a, float slope);
[[nodiscard]] Tensor activation_grad(const Tensor& z, const Tensor& dy, Activation a, float slope);

// x: (N, in), w: (out, in), b: (out) -> y: (N, out)
[[nodiscard]] Tensor linear_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                    Activation a = Activation::none, float slope = 0.0f);
[[nodiscard]] Grads linear_backward(const Tensor& x, const Tensor& w, const Tensor& b,
                                    const Tensor& dy, Activation a = Activation::none,
                                    float slope = 0.0f);

// x: (N, C, H, W), w: (O, C, k, k), b: (O) -> y: (N, O, OH, OW)
// y[n,o,oh,ow] = b[o] + sum_{c,kh,kw} x[n, c, oh*s - p + kh, ow*s - p + kw] w[o,c,kh,kw]
[[nodiscard]] Tensor conv2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                    int64_t stride, int64_t pad, Activation a = Activation::none,
                                    float slope = 0.0f);
[[nodiscard]] Grads conv2d_backward(const Tensor& x, const Tensor& w, const Tensor& b,
                                    const Tensor& dy, int64_t stride, int64_t pad,
                                    Activation a = Activation::none, float slope = 0.0f);

// x: (N, C, H, W), w: (O, C, k, k), b: (O) -> y: (N, O, (H-1)s - 2p + k + op, ...)
// y[n, o, ih*s - p + kh, iw*s - p + kw] += x[n,c,ih,iw] w[o,c,kh,kw], plus b[o]
[[nodiscard]] Tensor conv_transpose2d_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                              int64_t stride, int64_t pad, int64_t output_pad,
                                              Activation a = Activation::none, float slope = 0.0f);
[[nodiscard]] Grads conv_transpose2d_backward(const Tensor& x, const Tensor& w, const Tensor& b,
                                              const Tensor& dy, int64_t stride, int64_t pad,
                                              int64_t output_pad, Activation a = Activation::none,
                                              float slope = 0.0f);

// x: (N, C, H, W) -> y: (N, C, (H-k)/s + 1, (W-k)/s + 1); the backward routes each output's
// gradient to the first maximum of its window.
[[nodiscard]] Tensor maxpool2d_forward(const Tensor& x, int64_t kernel, int64_t stride);
[[nodiscard]] Tensor maxpool2d_backward(const Tensor& x, const Tensor& dy, int64_t kernel,
                                        int64_t stride);

}  // namespace aelab::nn::reference
