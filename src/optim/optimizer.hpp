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
  std::span<const float> grad;  // same length as value; read at step()
};

struct OptimizerConfig {
  std::string name = "adam";  // sgd|momentum|nesterov|adagrad|rmsprop|adam|adamw|amsgrad
  double lr = 1e-3;
  double momentum = 0.9;  // momentum, nesterov
  double beta1 = 0.9;     // adam family
  double beta2 = 0.999;   // adam family; rmsprop's decay is `rho`
  double rho = 0.9;       // rmsprop
  double eps = 1e-8;      // adam family, adagrad, rmsprop; 0 is allowed (the study uses 0)
  double weight_decay = 0.0;  // decoupled for adamw, L2 added to the gradient otherwise
};

// One named number of an optimiser's state for one element, for the playground's step table.
struct StateValue {
  const char* name;  // "m", "v", "m_hat", "v_hat", "step", ...
  double value;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter from its current gradient.
  virtual void step() = 0;
  // State of element `index` of parameter `param` after the last step (empty before any step).
  [[nodiscard]] virtual std::vector<StateValue> probe(size_t param, size_t index) const = 0;
  void set_lr(double lr) { config_.lr = lr; }
  [[nodiscard]] double lr() const { return config_.lr; }
  [[nodiscard]] const OptimizerConfig& config() const { return config_; }
  [[nodiscard]] long steps() const { return steps_; }

 protected:
  Optimizer(OptimizerConfig config, std::vector<ParamRef> params)
      : config_(std::move(config)), params_(std::move(params)) {}
  OptimizerConfig config_;
  std::vector<ParamRef> params_;
  long steps_ = 0;
};

// Throws InputError on an unknown name or an impossible setting (lr <= 0, beta outside [0, 1), eps < 0).
[[nodiscard]] std::unique_ptr<Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        std::vector<ParamRef> params);
[[nodiscard]] const std::vector<std::string>& optimizer_names();

}  // namespace aelab::optim
