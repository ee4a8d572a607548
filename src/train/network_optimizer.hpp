#pragma once
// The bridge between a network's Params and the one optimiser interface: every trainer (and the
// benchmark) steps its network through this.
#include <memory>
#include <vector>

#include "nn/module.hpp"
#include "optim/optimizer.hpp"

namespace aelab::train {

[[nodiscard]] inline std::vector<optim::ParamRef> param_refs(
    const std::vector<nn::Param*>& params) {
  std::vector<optim::ParamRef> refs;
  refs.reserve(params.size());
  for (nn::Param* p : params) refs.push_back({p->value.span(), p->grad.span(), &p->grad_stale});
  return refs;
}

[[nodiscard]] inline std::unique_ptr<optim::Optimizer> make_network_optimizer(
    const optim::OptimizerConfig& config, const std::vector<nn::Param*>& params) {
  return optim::make_optimizer(config, param_refs(params));
}

// Copies of the parameter values, in order (weight snapshots for the window, checkpoints).
[[nodiscard]] inline std::vector<Tensor> values_of(const std::vector<nn::Param*>& params) {
  std::vector<Tensor> v;
  v.reserve(params.size());
  for (nn::Param* p : params) v.push_back(p->value);
  return v;
}

}  // namespace aelab::train
