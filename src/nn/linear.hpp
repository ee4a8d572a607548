#pragma once
// Linear: y = f(x W^T + b) on oneDNN matmul, with the activation f fused as a post-op.
#include <cstdint>
#include <memory>
#include <string>

#include "core/rng.hpp"
#include "nn/activation.hpp"
#include "nn/module.hpp"

namespace aelab::nn {

namespace detail {
struct LinearPlan;
template <class Plan>
class PlanCache;

// Whether backward data reads W through a transposed copy when in % 256 == 0: `automatic` picks
// by the CPU (linear.cpp says why); tests force each path so both are covered on any machine.
// Read when a Linear builds the plan of a batch size.
enum class TransposedCopy { automatic, always, never };
void set_transposed_copy(TransposedCopy mode);
}  // namespace detail

class Linear : public Module {
 public:
  // Weight (out, in), bias (out), both uniform in +-1/sqrt(in) (detail::init_params).
  // leaky_slope is only read for Activation::leaky_relu.
  Linear(int64_t in, int64_t out, Rng& rng, Activation fused = Activation::none,
         float leaky_slope = kDefaultLeakySlope);
  ~Linear() override;
  Linear(Linear&&) noexcept;
  Linear& operator=(Linear&&) noexcept;

  // x: (N, in) -> y: (N, out)
  const Tensor& forward(const Tensor& x) override;
  // dy: (N, out) -> dx: (N, in); weight.grad += dz^T x, bias.grad += sum_n dz
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::vector<Param*> params() override { return {&weight_, &bias_}; }
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] bool profiles_itself() const override { return true; }

  [[nodiscard]] int64_t in_features() const { return in_; }
  [[nodiscard]] int64_t out_features() const { return out_; }
  [[nodiscard]] Activation activation() const { return act_; }
  [[nodiscard]] Param& weight() { return weight_; }
  [[nodiscard]] Param& bias() { return bias_; }
  [[nodiscard]] size_t cached_plans() const;

 private:
  detail::LinearPlan& plan_for(int64_t n);

  int64_t in_, out_;
  Activation act_;
  float slope_;
  Param weight_, bias_;
  std::unique_ptr<detail::PlanCache<detail::LinearPlan>> plans_;
  const Tensor* x_ = nullptr;  // last forward's input (caller keeps it alive until backward)
  Tensor y_, dz_, dx_;
  Tensor wt_;  // W transposed, for backward data when that is faster (see linear.cpp)
};

}  // namespace aelab::nn
