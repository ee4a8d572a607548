#pragma once
// Random small rotations and shifts of digit images, the augmentation of DEC-DA (Guo et al.
// 2018, "Deep embedded clustering with data augmentation"): an autoencoder that must reconstruct
// a digit in every slightly moved pose learns codes that depend on the digit's shape, not its
// exact place, and 8,000 training digits behave like many more.
#include "core/rng.hpp"
#include "core/tensor.hpp"

namespace aelab::data {

struct AugmentSpec {
  double shift = 0;   // pixels: dx, dy uniform in [-shift, shift]
  double rotate = 0;  // degrees: angle uniform in [-rotate, rotate]
  [[nodiscard]] bool active() const { return shift > 0 || rotate > 0; }
};

// InputError unless 0 <= shift <= 8 and 0 <= rotate <= 180 (finite).
void validate(const AugmentSpec& spec);

// One (H, W) image rotated by `degrees` (counter-clockwise as displayed, y pointing down) about
// its centre ((H-1)/2, (W-1)/2), then moved by (dx, dy) pixels; bilinear, 0 outside the source.
// out must not alias src.
void affine_warp(const float* src, float* out, int64_t h, int64_t w, double degrees, double dx,
                 double dy);

// Each image of batch (N, 1, H, W) warped in place with its own random angle and shift.
void random_affine(Tensor& batch, const AugmentSpec& spec, Rng& rng);

}  // namespace aelab::data
