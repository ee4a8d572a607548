#pragma once
// dis_net (the study's part b): a small CNN that scores an image as clear (logit > 0) or blurred.
//   x: (N,1,28,28) -> conv 1->32 3x3 pad 1, ReLU -> maxpool 2 -> (N,32,14,14)
//                  -> conv 32->64 3x3 pad 1, ReLU -> maxpool 2 -> (N,64,7,7)
//                  -> flatten -> dense 3136->128, ReLU -> dense 128->1 (logit)
// The judge: the same trunk with 10 outputs, a digit classifier trained on clear digits, applied
// to reconstructions so that "sharper" is never bought with "wrong digit".
#include "core/rng.hpp"
#include "nn/sequential.hpp"

namespace aelab::models {

[[nodiscard]] nn::Sequential build_dis_net(Rng& rng);
[[nodiscard]] nn::Sequential build_digit_classifier(Rng& rng);
// How the two convolutions are computed (for the bench's report).
[[nodiscard]] const char* cnn_conv_algorithms();
// FLOPs of one sample's forward pass through either (the last layer's width aside), counted as
// for the direct convolution.
[[nodiscard]] double cnn_forward_flops_per_sample(int64_t outputs);

}  // namespace aelab::models
