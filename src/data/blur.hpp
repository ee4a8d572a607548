#pragma once
// Gaussian blur for study (b): blurred digits that dis_net learns to tell from clear ones.
//
// The kernel is the sampled Gaussian exp(-d^2 / (2 sigma^2)) on offsets -r..r (kernel = 2r + 1),
// normalised to sum 1. The blur is separable (rows, then columns) with zero padding: MNIST's
// background is 0, so zeros outside the image are what the digit "sees" anyway, and a digit's
// ink is never smeared from the border inwards the way clamping would.
#include "core/tensor.hpp"

namespace aelab::data {

struct BlurSpec {
  double sigma = 1.0;
  int kernel = 5;  // odd, 1..27 (no wider than a 28x28 image)
};

// InputError with a message naming the bad field unless sigma > 0 (finite), kernel odd and
// 1 <= kernel <= 27.
void validate(const BlurSpec& spec);

// The normalised 1-D kernel, length spec.kernel.
[[nodiscard]] std::vector<float> gaussian_kernel_1d(const BlurSpec& spec);
// Its outer product, (kernel, kernel), also summing to 1.
[[nodiscard]] Tensor gaussian_kernel_2d(const BlurSpec& spec);

// images: (N, C, H, W) -> out: same shape. out may be the same tensor as images.
void gaussian_blur(const Tensor& images, const BlurSpec& spec, Tensor& out);
[[nodiscard]] Tensor gaussian_blur(const Tensor& images, const BlurSpec& spec);

}  // namespace aelab::data
