#pragma once
// Finite-difference gradient checker (ggml / flashlight / tiny-dnn style). The scalar checked is
// f = sum_i y_i g_i with a fixed random upstream gradient g, so every output element matters with
// its own weight. Central differences are taken in double from float forwards, dividing by the
// perturbation actually applied after rounding. A sampled coordinate near a kink (ReLU at 0, a
// max-pool window changing its winner) is detected from one-sided slopes at two step sizes and
// skipped, not compared; the report counts the skips.
#include <cstdint>
#include <string>
#include <vector>

#include "nn/loss.hpp"
#include "nn/module.hpp"

namespace aelab::nn {

struct GradCheckOptions {
  double eps = 1e-2;  // perturbation (float forwards: smaller eps drowns in rounding)
  int samples = 24;   // coordinates checked per tensor (all of them when fewer)
  uint64_t seed = 7;  // upstream gradient and sampled coordinates
  // Kink test: the gap between one-sided slopes must halve with the step (as for any smooth f)
  // to within this fraction of the slope; otherwise the coordinate is skipped as a kink.
  double kink_tol = 2e-3;
  // Error of one coordinate: |analytic - numeric| / max(|analytic|, |numeric|, floor), where
  // floor = floor_fraction * the largest |analytic| in the tensor, so entries that are tiny next
  // to the rest of the gradient are judged on the tensor's own scale.
  double floor_fraction = 1e-2;
};

struct TensorGradError {
  std::string name;  // "dx", "0.weight", ...
  double max_rel_error = 0.0;
  int checked = 0;
  int skipped = 0;  // coordinates on a kink
};

struct GradCheckReport {
  std::vector<TensorGradError> tensors;  // dx first (if checked), then params in order
  [[nodiscard]] double max_error() const;
  [[nodiscard]] const TensorGradError& at(const std::string& name) const;  // throws if missing
  [[nodiscard]] std::string summary() const;                               // one line per tensor
};

// Checks dx (when m.needs_input_grad()) and every Param gradient of m at input x.
[[nodiscard]] GradCheckReport check_module_gradients(Module& m, const Tensor& x,
                                                     const GradCheckOptions& opt = {});
// Checks d(loss)/d(pred) at (pred, target).
[[nodiscard]] TensorGradError check_loss_gradient(Loss& loss, const Tensor& pred,
                                                  const Tensor& target,
                                                  const GradCheckOptions& opt = {});

}  // namespace aelab::nn
