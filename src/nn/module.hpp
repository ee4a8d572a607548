#pragma once
// Module: a layer as a forward/backward pair (llm.c / micrograd style).
//
// Contract:
// - forward(x) returns the output, owned by the module and valid until the next forward. The
//   module may keep a pointer to x for backward: the caller keeps x alive and unchanged until then.
// - backward(dy) takes the gradient of the loss w.r.t. the last forward's output, ACCUMULATES
//   (+=) into every Param::grad (overwrites one marked grad_stale, and clears the mark), and
//   returns dx (owned by the module). When needs_input_grad is false (the first layer of a network fed with data) dx is not computed and an empty tensor is
//   returned.
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::nn {

struct Param {
  std::string name;  // "weight", "bias"
  Tensor value;
  Tensor grad;  // same shape as value
  // Lazy zeroing, for a parameter whose layer can overwrite its gradient as cheaply as add to it
  // (Linear: its weight-gradient GEMM without the sum post-op). zero_grad() then only marks the
  // gradient stale instead of writing ~1M zeros; the layer's next backward overwrites it and
  // clears the mark. A stale gradient counts as zero wherever it is read: the optimiser zeroes it
  // first (optim::ParamRef::grad_stale) and the divergence guard skips it. Saves the zeroing pass
  // and the GEMM's read of the old gradient: ~5 % of a study-MLP step.
  bool lazy_zero = false;
  bool grad_stale = false;
};

class Module {
 public:
  virtual ~Module() = default;
  virtual const Tensor& forward(const Tensor& x) = 0;
  virtual const Tensor& backward(const Tensor& dy) = 0;
  [[nodiscard]] virtual std::vector<Param*> params() { return {}; }
  [[nodiscard]] virtual std::string describe() const = 0;  // "Linear(784 -> 512)"

  // True when the module records its own parts into an active StepProfile (Linear: each GEMM and
  // element-wise pass); a Sequential times the others as a whole, one entry per layer and pass.
  [[nodiscard]] virtual bool profiles_itself() const { return false; }

  virtual void set_training(bool on) { training_ = on; }
  [[nodiscard]] bool training() const { return training_; }
  virtual void set_needs_input_grad(bool on) { needs_input_grad_ = on; }
  [[nodiscard]] bool needs_input_grad() const { return needs_input_grad_; }
  void zero_grad() {
    for (Param* p : params()) {
      if (p->lazy_zero)
        p->grad_stale = true;
      else
        p->grad.zero();
    }
  }

 protected:
  bool training_ = true;
  bool needs_input_grad_ = true;
};

using ModulePtr = std::unique_ptr<Module>;

}  // namespace aelab::nn
