#pragma once
// ConvReluPool2d: Conv2d(in, out, 3, 1, 1) + ReLU + MaxPool2d(2, 2) as one layer (NCHW), the
// first stage of dis_net and of the digit classifier. Same parameters, init and results as the
// three layers in a row (weight (out, in, 3, 3), bias (out); a checkpoint does not care), but the
// full-resolution activation, (N, out, H, W) - 12.8 MB for dis_net's conv1 at batch 128, four
// times the pooled output - is never written: each pooled output's four convolution values are
// computed in registers, the first maximum (row-major, strict >, as MaxPool2d) is kept with its
// position, and the ReLU is applied to the winner only (max and ReLU commute). The backward then
// needs only the winners: the weight gradient sums over one position in four, and dx scatters
// from those positions alone.
//
// The loops vectorise over blocks of L pooled columns (16 with AVX-512, 8 with AVX2, 4 without):
// each padded input row is split into its even and odd columns once per image, so the four window
// positions of 16 adjacent windows are plain unaligned loads at offsets j and j + 1 of those two
// halves (no shuffles). Threads take contiguous runs of images; the weight gradient is summed per
// thread and then in thread order, so results repeat for a given thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "nn/module.hpp"

namespace aelab::nn {

namespace detail {
// The lanes per block the kernels run with (16, 8 or 4).
[[nodiscard]] int conv_pool_lanes();
// For tests: run the kernels of `lanes` (4, 8 or 16; 0: the widest again) when this CPU has
// them; false otherwise. A layer picks its kernels in each forward.
bool set_conv_pool_lanes(int lanes);
}  // namespace detail

class ConvReluPool2d : public Module {
 public:
  ConvReluPool2d(int64_t in_ch, int64_t out_ch, Rng& rng);

  // x: (N, in_ch, H, W), H and W >= 2 -> y: (N, out_ch, H / 2, W / 2)
  const Tensor& forward(const Tensor& x) override;
  // dy: (N, out_ch, H / 2, W / 2) -> dx: (N, in_ch, H, W); weight.grad and bias.grad accumulate
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::vector<Param*> params() override { return {&weight_, &bias_}; }
  [[nodiscard]] std::string describe() const override;

  [[nodiscard]] Param& weight() { return weight_; }
  [[nodiscard]] Param& bias() { return bias_; }

  // The per-image geometry (public for the .cpp's kernels).
  struct Geometry {
    int64_t c = 0, o = 0, h = 0, w = 0, oh = 0, ow = 0;
    int lanes = 0;       // L, the kernels' vector width in floats
    int64_t blocks = 0;  // L-column blocks per pooled row
    int64_t row = 0;     // floats per split row (even or odd half), >= L blocks + 1
    [[nodiscard]] int64_t split_size() const { return c * (h + 2) * 2 * row; }
    [[nodiscard]] int64_t winner_row() const { return lanes * blocks; }
  };

 private:
  int64_t in_ch_, out_ch_;
  Param weight_, bias_;
  Geometry g_;
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
  // Per pooled output, padded to whole blocks: the window position of the maximum (0..3,
  // row-major) when it is > 0, else -1 (no gradient: the ReLU's output is 0 there).
  std::vector<int32_t> winner_;
  // Per thread: the split input (and split dx) of one image, the weight-gradient sums.
  struct ThreadScratch {
    std::vector<float> split, dsplit, dw, db;
  };
  std::vector<ThreadScratch> threads_;
};

}  // namespace aelab::nn
