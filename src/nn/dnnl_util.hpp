#pragma once
// Internal glue shared by the oneDNN-backed layers (not part of the nn API).
#include <dnnl.hpp>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/dnnl_context.hpp"
#include "core/rng.hpp"
#include "core/tensor.hpp"
#include "nn/activation.hpp"

namespace aelab::nn::detail {

using Tag = dnnl::memory::format_tag;
using Args = std::unordered_map<int, dnnl::memory>;

[[nodiscard]] inline dnnl::memory::desc plain_md(const Shape& dims, Tag tag) {
  return {dims, dnnl::memory::data_type::f32, tag};
}
[[nodiscard]] inline dnnl::memory::desc strided_md(const Shape& dims, const Shape& strides) {
  return {dims, dnnl::memory::data_type::f32, strides};
}
// A memory object with no buffer: the layer binds its tensors' data right before each execute,
// so a tensor that reallocated (a larger batch, a moved Param) is never read through a stale
// pointer.
[[nodiscard]] inline dnnl::memory unbound(const dnnl::memory::desc& md) {
  return dnnl::memory(md, cpu_engine(), DNNL_MEMORY_NONE);
}
inline void bind(const dnnl::memory& m, const float* p) {
  m.set_data_handle(const_cast<float*>(p));
}

// A fused eltwise post-op for the activation (empty attr for none).
[[nodiscard]] dnnl::primitive_attr activation_attr(Activation a, float slope);

// dst += src
void add_into(float* dst, const float* src, int64_t n);

// Weight and bias init: uniform in +-1/sqrt(fan_in), PyTorch's default for Linear and Conv.
// He-uniform weights with zero biases (what this was first) left the study MLP at test L1 0.064
// after 50 epochs against 0.049 with this init (same seed, same everything else): with L1 and a
// sigmoid output, the random biases keep units alive through the early plateau.
void init_params(Tensor& w, Tensor& bias, int64_t fan_in, Rng& rng);

void check_leaky_slope(Activation a, float slope, const std::string& layer);

// Primitives built once per input shape and reused. A handful of shapes occur in practice (the
// training batch, the last partial batch, an evaluation batch, one sample); the cap only guards
// against a caller cycling through many.
template <class Plan>
class PlanCache {
 public:
  template <class Build>
  Plan& get(const Shape& key, Build&& build) {
    for (auto& entry : entries_)
      if (entry.first == key) return *entry.second;
    if (entries_.size() >= kMaxPlans) entries_.erase(entries_.begin());
    entries_.emplace_back(key, std::make_unique<Plan>(build()));
    return *entries_.back().second;
  }
  [[nodiscard]] size_t size() const { return entries_.size(); }

 private:
  static constexpr size_t kMaxPlans = 8;
  std::vector<std::pair<Shape, std::unique_ptr<Plan>>> entries_;
};

}  // namespace aelab::nn::detail
