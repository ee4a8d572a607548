#pragma once
// WinogradConv2d: a 3x3, stride 1, pad 1 convolution (NCHW) computed with Winograd's minimal
// filtering F(2x2, 3x3) in all three passes. Same parameters as Conv2d(in, out, 3, 1, 1): weight
// (out, in, 3, 3), bias (out), same init, so the two are interchangeable in a checkpoint.
//
// Per 4x4 input tile d (stride 2, overlapping by 2) and filter g:
//   forward            Y  = A^T [ (G g G^T) . (B^T d B) ] A       (2x2 outputs per tile)
//   backward           dM = A dY A^T,  dU = sum_tiles V^T dM,  dg = G^T dU G,
//                      dV = dM U^T,    dd = B dV B^T (scatter-added: the tiles overlap)
// where . is element-wise over the 16 Winograd points xi. At each point the sum over channels is
// a GEMM over all tiles of the batch, (T x in) . (in x out); the 16 of them run as one batched
// oneDNN matmul per pass. The tile transforms are plain loops over channel-innermost (NHWC-like)
// buffers, so they vectorise over channels; the batch runs in chunks of a few images that stay in
// cache. Multiplies: 16/36 of the direct convolution's.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "nn/activation.hpp"
#include "nn/module.hpp"

namespace aelab::nn {

namespace detail {
struct WinogradPlan;
template <class Plan>
class PlanCache;
}  // namespace detail

class WinogradConv2d : public Module {
 public:
  // output_tile: m of F(m x m, 3x3), 2 or 4. F(4x4) does 4/9 of F(2x2)'s multiplies per output but
  // rounds more (its transforms have entries up to 8 and 1/24) and pads H, W up to multiples of 4.
  // max_pool: a 2x2 stride-2 max pool (MaxPool2d(2, 2)) after the ReLU, in the output transform:
  // the full-resolution output is never written. It needs fused == relu.
  WinogradConv2d(int64_t in_ch, int64_t out_ch, Rng& rng, Activation fused = Activation::none,
                 float leaky_slope = kDefaultLeakySlope, int output_tile = 2,
                 bool max_pool = false);
  ~WinogradConv2d() override;
  WinogradConv2d(WinogradConv2d&&) noexcept;
  WinogradConv2d& operator=(WinogradConv2d&&) noexcept;

  // x: (N, in_ch, H, W) -> y: (N, out_ch, H, W), or (N, out_ch, H / 2, W / 2) with the pool
  const Tensor& forward(const Tensor& x) override;
  // dy: (N, out_ch, ...) as y -> dx: (N, in_ch, H, W); weight.grad and bias.grad accumulate
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::vector<Param*> params() override { return {&weight_, &bias_}; }
  [[nodiscard]] std::string describe() const override;

  [[nodiscard]] int64_t in_channels() const { return in_ch_; }
  [[nodiscard]] int64_t out_channels() const { return out_ch_; }
  [[nodiscard]] static constexpr int64_t kernel() { return 3; }
  [[nodiscard]] static constexpr int64_t stride() { return 1; }
  [[nodiscard]] static constexpr int64_t padding() { return 1; }
  [[nodiscard]] Activation activation() const { return act_; }
  [[nodiscard]] int output_tile() const { return tile_; }
  [[nodiscard]] bool max_pool() const { return pool_; }
  [[nodiscard]] Param& weight() { return weight_; }
  [[nodiscard]] Param& bias() { return bias_; }

 private:
  detail::WinogradPlan& plan_for(const Shape& x_shape);

  int64_t in_ch_, out_ch_;
  int tile_;
  Activation act_;
  float slope_;
  bool pool_;
  Param weight_, bias_;
  std::unique_ptr<detail::PlanCache<detail::WinogradPlan>> plans_;
  const Tensor* x_ = nullptr;
  Tensor y_, dz_, dx_;
  // u_: (16, in, out) transformed weights; du_ its gradient (see winograd_conv.cpp).
  Tensor u_, du_;
  // With the pool: per pooled cell of the tiles (N, ph, pw, out), the position of its first
  // maximum (0..3) or -1 (see winograd_conv.cpp).
  std::vector<int32_t> winner_;
};

}  // namespace aelab::nn
