#include "models/dis_net.hpp"

#include "nn/conv_pool.hpp"
#include "nn/linear.hpp"
#include "nn/reshape.hpp"
#include "nn/winograd_conv.hpp"

namespace aelab::models {
namespace {

nn::Sequential build_cnn(Rng& rng, int64_t outputs) {
  using nn::Activation;
  nn::Sequential net;
  // Conv2d(1, 32, 3, 1, 1) + ReLU + MaxPool2d(2, 2) in one pass: the (N,32,28,28) activation,
  // the step's largest tensor, is never written, and the backward touches one position in four.
  net.add<nn::ConvReluPool2d>(1, 32, rng);  // (N,32,14,14)
  // 85% of a training step's FLOPs in direct form. Winograd F(4x4,3x3) does 1/4 of the direct
  // multiplies per output (1/3 here, with 14 padded to 16), F(2x2,3x3) 4/9: F(4x4) measured ~4%
  // faster per training step. Same parameters and init as Conv2d(32, 64, 3, 1, 1), so
  // checkpoints do not care. The first conv stays direct: with one input channel its Winograd
  // GEMMs would be rank-1 updates.
  // The 2x2 max pool runs in the output transform (each 4x4 tile holds four whole windows): the
  // (N,64,14,14) activation is never written either.
  net.add<nn::WinogradConv2d>(32, 64, rng, Activation::relu, nn::kDefaultLeakySlope, 4,
                              true);                      // (N,64,7,7)
  net.add<nn::Flatten>();                                 // (N,3136)
  net.add<nn::Linear>(3136, 128, rng, Activation::relu);  // (N,128)
  net.add<nn::Linear>(128, outputs, rng);                 // (N,outputs)
  return net;
}

}  // namespace

nn::Sequential build_dis_net(Rng& rng) {
  return build_cnn(rng, 1);
}

nn::Sequential build_digit_classifier(Rng& rng) {
  return build_cnn(rng, 10);
}

const char* cnn_conv_algorithms() {
  return "conv1 direct, conv2 Winograd F(4x4,3x3), each fused with its ReLU and max pool";
}

double cnn_forward_flops_per_sample(int64_t outputs) {
  return 2.0 * (28 * 28 * 32 * 9 + 14 * 14 * 64 * 32 * 9 + 3136 * 128 + 128 * outputs);
}

}  // namespace aelab::models
