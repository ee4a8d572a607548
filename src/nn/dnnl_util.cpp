#include "nn/dnnl_util.hpp"

#include <cmath>

#include "core/error.hpp"

namespace aelab::nn::detail {

dnnl::primitive_attr activation_attr(Activation a, float slope) {
  dnnl::primitive_attr attr;
  dnnl::post_ops ops;
  switch (a) {
    case Activation::none:
      return attr;
    case Activation::relu:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      break;
    case Activation::leaky_relu:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, slope, 0.0f);
      break;
    case Activation::sigmoid:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_logistic, 0.0f, 0.0f);
      break;
    case Activation::tanh:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_tanh, 0.0f, 0.0f);
      break;
  }
  attr.set_post_ops(ops);
  return attr;
}

void add_into(float* dst, const float* src, int64_t n) {
#pragma omp parallel for simd if (n > 65536)
  for (int64_t i = 0; i < n; ++i) dst[i] += src[i];
}

void init_params(Tensor& w, Tensor& bias, int64_t fan_in, Rng& rng) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  for (float& v : w.span()) v = static_cast<float>(rng.uniform(-bound, bound));
  for (float& v : bias.span()) v = static_cast<float>(rng.uniform(-bound, bound));
}

void check_leaky_slope(Activation a, float slope, const std::string& layer) {
  if (a == Activation::leaky_relu && !(slope >= 0.0f && slope < 1.0f))
    throw InputError(layer + ": leaky ReLU slope must be in [0, 1), got " + std::to_string(slope));
}

}  // namespace aelab::nn::detail
