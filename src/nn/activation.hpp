#pragma once
// Activations: the enum that layers take to fuse one into their oneDNN primitive, the element-wise
// maths shared by the fused path and the standalone layers, and the standalone layers themselves
// (plain loops: one pass over memory, as fast as a oneDNN eltwise and no primitive to build).
#include <cstdint>
#include <string>

#include "nn/module.hpp"

namespace aelab::nn {

enum class Activation { none, relu, leaky_relu, sigmoid, tanh };

inline constexpr float kDefaultLeakySlope = 0.01f;

[[nodiscard]] const char* activation_name(Activation a);  // "relu", ...

// y = f(z), element-wise; z and y may alias.
void activation_forward(Activation a, float slope, const float* z, float* y, int64_t n);
// dz = dy * f'(z), written from the OUTPUT y = f(z): every activation here has a derivative that
// is a function of its output (relu: y > 0, sigmoid: y(1-y), tanh: 1-y^2), so the fused layers
// keep no pre-activation copy. Leaky ReLU needs slope >= 0 for that (checked by the layers).
// dz may alias dy. The derivative at the kink (z == 0) is taken as the left one (0 / slope).
void activation_backward_from_output(Activation a, float slope, const float* y, const float* dy,
                                     float* dz, int64_t n);

// [SECTION] Standalone activation layers
// x: any shape -> y: same shape.
class ElementwiseActivation : public Module {
 public:
  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] Activation activation() const { return kind_; }

 protected:
  ElementwiseActivation(Activation kind, float slope) : kind_(kind), slope_(slope) {}

 private:
  Activation kind_;
  float slope_;
  Tensor y_;
  Tensor dx_;
};

class ReLU : public ElementwiseActivation {
 public:
  ReLU() : ElementwiseActivation(Activation::relu, 0.0f) {}
};

class LeakyReLU : public ElementwiseActivation {
 public:
  explicit LeakyReLU(float slope = kDefaultLeakySlope);  // throws InputError unless 0 <= slope < 1
};

class Sigmoid : public ElementwiseActivation {
 public:
  Sigmoid() : ElementwiseActivation(Activation::sigmoid, 0.0f) {}
};

class Tanh : public ElementwiseActivation {
 public:
  Tanh() : ElementwiseActivation(Activation::tanh, 0.0f) {}
};

}  // namespace aelab::nn
