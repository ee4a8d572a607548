#pragma once
// Flatten and Reshape: the same numbers under a new per-sample shape. The output is a copy (a
// Tensor owns its buffer), one memcpy of the batch.
#include <string>

#include "nn/module.hpp"

namespace aelab::nn {

// x: (N, C, H, W) (or any rank >= 2) -> y: (N, C*H*W)
class Flatten : public Module {
 public:
  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::string describe() const override { return "Flatten"; }

 private:
  Shape x_shape_;
  Tensor y_, dx_;
};

// x: (N, ...) -> y: (N, per_sample...), e.g. Reshape({1, 28, 28}) turns (N, 784) into images.
class Reshape : public Module {
 public:
  explicit Reshape(Shape per_sample);  // throws InputError on a non-positive dimension
  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::string describe() const override;

 private:
  Shape per_sample_;
  int64_t per_sample_numel_;
  Shape x_shape_;
  Tensor y_, dx_;
};

}  // namespace aelab::nn
