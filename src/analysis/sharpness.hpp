#pragma once
// Sharpness of digits (DESIGN.md, "Numbers that define right"): the variance of an image's 3x3
// Laplacian [0 1 0; 1 -4 1; 0 1 0] over the valid region ((H-2) x (W-2), no padding). Blurry
// reconstructions have little Laplacian energy, so recon/original below 1 means "blurrier".
#include <span>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::analysis {

// One image, row-major (h, w), h and w >= 3. Population variance (divides by the pixel count).
[[nodiscard]] double laplacian_variance(std::span<const float> image, int h, int w);

// A batch: (N, 1, H, W), (N, H, W), or (N, P) with P a perfect square (28 x 28 for 784).
[[nodiscard]] std::vector<double> laplacian_variances(const Tensor& images);
[[nodiscard]] double mean_laplacian_variance(const Tensor& images);

// Mean over images of var(lap(recon_i)) / var(lap(original_i)); originals with zero Laplacian
// variance (blank images) are skipped. Shapes must match; throws InputError when every original
// is blank.
[[nodiscard]] double sharpness_ratio(const Tensor& recon, const Tensor& original);

}  // namespace aelab::analysis
