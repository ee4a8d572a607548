#pragma once
// One optimiser interface over spans of values and gradients. The networks hand it every Param;
// the optimiser playground hands it a single one-element span (x and dL/dx). There is one Adam in
// the program.
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace aelab::optim {

struct ParamRef {
  std::span<float> value;
  std::span<float> grad;  // same length as value; read at step()
  // When set and true at step(), the gradient counts as zero whatever grad holds (a lazily zeroed
  // network gradient no backward has written since, nn::Param): step() zeroes it and clears it.
  bool* grad_stale = nullptr;
};

struct OptimizerConfig {
  std::string name = "adam";  // sgd|momentum|nesterov|adagrad|rmsprop|adam|adamw|amsgrad
  double lr = 1e-3;
  double momentum = 0.9;      // momentum, nesterov
  double beta1 = 0.9;         // adam family
  double beta2 = 0.999;       // adam family; rmsprop's decay is `rho`
  double rho = 0.9;           // rmsprop
  double eps = 1e-8;          // adam family, adagrad, rmsprop; 0 is allowed (the study uses 0)
  double weight_decay = 0.0;  // decoupled for adamw, L2 added to the gradient otherwise
};

// The same update rules over double values: the optimiser playground keeps its 1-D walker's x in
// double so that the escape height can be bisected to 1e-6 and beyond without float rounding
// (float x near 1.5 is only good to ~1e-7, and rounding accumulates over a trajectory). The rules
// are one template per optimiser instantiated for float and double: still one Adam.
struct ParamRef64 {
  std::span<double> value;
  std::span<double> grad;  // same length as value; read at step()
};

// One named number of an optimiser's state for one element, for the playground's step table.
struct StateValue {
  const char* name;  // "m", "v", "m_hat", "v_hat", "step", ...
  double value;
};

// What an optimiser has learnt besides the parameters, for training checkpoints: the step count
// and, per parameter in order, its per-element state buffers (Adam: m, v; momentum: the
// velocity; SGD: none), each as long as the parameter.
struct OptimizerState {
  long steps = 0;
  std::vector<std::vector<std::vector<float>>> buffers;  // [param][buffer][element]
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter from its current gradient.
  virtual void step() = 0;
  // State of element `index` of parameter `param` after the last step (empty before any step);
  // "step" (the element's last change) only from the playground's double-precision optimisers.
  [[nodiscard]] virtual std::vector<StateValue> probe(size_t param, size_t index) const = 0;
  // A copy of the state, and its restoration (same optimiser, same parameter sizes; InputError
  // otherwise). After import_state the next step() continues as if never interrupted.
  [[nodiscard]] virtual OptimizerState export_state() const = 0;
  virtual void import_state(const OptimizerState& state) = 0;
  // Takes effect at the next step(); the rules read the rate afresh every step.
  void set_lr(double lr) {
    if (!(lr > 0.0) || lr > 1e300) throw_bad_lr(lr);
    config_.lr = lr;
  }
  [[nodiscard]] double lr() const { return config_.lr; }
  [[nodiscard]] const OptimizerConfig& config() const { return config_; }
  [[nodiscard]] long steps() const { return steps_; }

 protected:
  Optimizer(OptimizerConfig config, std::vector<ParamRef> params)
      : config_(std::move(config)), params_(std::move(params)) {}
  [[noreturn]] static void throw_bad_lr(double lr);
  OptimizerConfig config_;
  std::vector<ParamRef> params_;  // empty for the double (ParamRef64) instantiations
  long steps_ = 0;
};

// Throws InputError on an unknown name or an impossible setting (lr <= 0 or not finite, beta,
// momentum or rho outside [0, 1), eps < 0, weight_decay < 0), ShapeError when a grad span's
// length differs from its value span's.
[[nodiscard]] std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        std::vector<ParamRef> params);
[[nodiscard]] std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        std::vector<ParamRef64> params);
// The checks make_optimizer runs, for callers that want to refuse a config before starting work.
void validate(const OptimizerConfig& config);
[[nodiscard]] const std::vector<std::string>& optimizer_names();

}  // namespace aelab::optim
