#pragma once
// MaxPool2d on plain NCHW loops. oneDNN 2.6 has no jit pooling for plain nchw (it falls back to
// its reference `simple_nchw`, ~100x slower), and a blocked-layout pooling would need a reorder
// on each side; a direct loop is memory-bound and as fast as reading the input once. The forward
// records each window's winner (its offset in the input plane) for the backward.
#include <cstdint>
#include <string>
#include <vector>

#include "nn/module.hpp"

namespace aelab::nn {

class MaxPool2d : public Module {
 public:
  MaxPool2d(int64_t kernel, int64_t stride);  // no padding; the floor drops a partial window

  // x: (N, C, H, W) -> y: (N, C, (H - k) / s + 1, (W - k) / s + 1)
  const Tensor& forward(const Tensor& x) override;
  // dy -> dx: each output's gradient goes to the first maximum of its window (row-major order)
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] int64_t output_size(int64_t in) const {
    return in < k_ ? 0 : (in - k_) / stride_ + 1;
  }

 private:
  int64_t k_, stride_;
  Shape x_shape_;
  Tensor y_, dx_;
  std::vector<int32_t> winner_;  // per output: offset of the window's maximum in its input plane
};

}  // namespace aelab::nn
