#pragma once
// MaxPool2d on oneDNN pooling, keeping the forward's workspace (the argmax) for the backward.
#include <cstdint>
#include <memory>
#include <string>

#include "nn/module.hpp"

namespace aelab::nn {

namespace detail {
struct PoolPlan;
template <class Plan>
class PlanCache;
}  // namespace detail

class MaxPool2d : public Module {
 public:
  MaxPool2d(int64_t kernel, int64_t stride);  // no padding; the floor drops a partial window
  ~MaxPool2d() override;
  MaxPool2d(MaxPool2d&&) noexcept;
  MaxPool2d& operator=(MaxPool2d&&) noexcept;

  // x: (N, C, H, W) -> y: (N, C, (H - k) / s + 1, (W - k) / s + 1)
  const Tensor& forward(const Tensor& x) override;
  // dy -> dx: each output's gradient goes to the input that won its window
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::string describe() const override;
  [[nodiscard]] int64_t output_size(int64_t in) const {
    return in < k_ ? 0 : (in - k_) / stride_ + 1;
  }

 private:
  int64_t k_, stride_;
  std::unique_ptr<detail::PlanCache<detail::PoolPlan>> plans_;
  detail::PoolPlan* last_ = nullptr;  // the plan (and workspace) of the last forward
  Tensor y_, dx_;
};

}  // namespace aelab::nn
