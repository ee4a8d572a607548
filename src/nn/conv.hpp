#pragma once
// Conv2d and ConvTranspose2d (NCHW) on oneDNN convolution / deconvolution primitives, with bias
// and an optional fused activation. The primitives pick their own (blocked) layouts so oneDNN runs
// its direct jit kernels; tensors and Params stay plain NCHW / OIHW, reordered at the layer's edge.
// Weights are (out_ch, in_ch, k, k) for both: for the transposed convolution that is oneDNN's
// logical layout, y[n, o, ih*s - p + kh, iw*s - p + kw] += x[n, i, ih, iw] * w[o, i, kh, kw] (see
// reference.hpp for both definitions as loops).
#include <cstdint>
#include <memory>
#include <string>

#include "core/rng.hpp"
#include "nn/activation.hpp"
#include "nn/module.hpp"

namespace aelab::nn {

namespace detail {
struct ConvPlan;
template <class Plan>
class PlanCache;
}  // namespace detail

// The part the two layers share: parameters, the plan cache and the forward/backward driver.
class ConvolutionBase : public Module {
 public:
  ~ConvolutionBase() override;
  ConvolutionBase(ConvolutionBase&&) noexcept;
  ConvolutionBase& operator=(ConvolutionBase&&) noexcept;

  // x: (N, in_ch, H, W) -> y: (N, out_ch, OH, OW)
  const Tensor& forward(const Tensor& x) override;
  // dy: (N, out_ch, OH, OW) -> dx: (N, in_ch, H, W); weight.grad and bias.grad accumulate
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::vector<Param*> params() override { return {&weight_, &bias_}; }

  [[nodiscard]] int64_t in_channels() const { return in_ch_; }
  [[nodiscard]] int64_t out_channels() const { return out_ch_; }
  [[nodiscard]] int64_t kernel() const { return k_; }
  [[nodiscard]] int64_t stride() const { return stride_; }
  [[nodiscard]] int64_t padding() const { return pad_; }
  [[nodiscard]] Activation activation() const { return act_; }
  [[nodiscard]] Param& weight() { return weight_; }
  [[nodiscard]] Param& bias() { return bias_; }
  // Output height (or width) for an input height (or width); <= 0 when the input is too small.
  [[nodiscard]] virtual int64_t output_size(int64_t in) const = 0;

 protected:
  ConvolutionBase(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, int64_t pad,
                  Activation fused, float slope, const std::string& name);
  // Builds the three primitives for input shape x: (N, in_ch, H, W).
  [[nodiscard]] virtual detail::ConvPlan build_plan(const Shape& x_shape) const = 0;
  // The cached plan for x_shape, built on first use.
  detail::ConvPlan& plan_for(const Shape& x_shape);

  int64_t in_ch_, out_ch_, k_, stride_, pad_;
  Activation act_;
  float slope_;
  Param weight_, bias_;

 private:
  std::unique_ptr<detail::PlanCache<detail::ConvPlan>> plans_;
  const Tensor* x_ = nullptr;
  Tensor y_, dz_, dx_;
  Tensor dw_, db_;  // oneDNN writes gradients; these are added into the Params (+= contract)
};

class Conv2d : public ConvolutionBase {
 public:
  Conv2d(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, int64_t pad, Rng& rng,
         Activation fused = Activation::none, float leaky_slope = kDefaultLeakySlope);
  [[nodiscard]] std::string describe() const override;
  // OH = (H + 2 pad - k) / stride + 1
  [[nodiscard]] int64_t output_size(int64_t in) const override;

 protected:
  [[nodiscard]] detail::ConvPlan build_plan(const Shape& x_shape) const override;
};

class ConvTranspose2d : public ConvolutionBase {
 public:
  // output_pad < stride, and output_pad <= pad (oneDNN pads the far side with pad - output_pad).
  ConvTranspose2d(int64_t in_ch, int64_t out_ch, int64_t kernel, int64_t stride, int64_t pad,
                  int64_t output_pad, Rng& rng, Activation fused = Activation::none,
                  float leaky_slope = kDefaultLeakySlope);
  [[nodiscard]] std::string describe() const override;
  // OH = (H - 1) stride - 2 pad + k + output_pad
  [[nodiscard]] int64_t output_size(int64_t in) const override;
  [[nodiscard]] int64_t output_padding() const { return out_pad_; }

 protected:
  [[nodiscard]] detail::ConvPlan build_plan(const Shape& x_shape) const override;

 private:
  int64_t out_pad_;
};

}  // namespace aelab::nn
