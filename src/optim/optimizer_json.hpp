#pragma once
// OptimizerConfig <-> JSON: the one spelling of an optimiser's settings in run configs, presets
// and `aelab bump --json`. Adding a setting to OptimizerConfig: add its key to both functions
// (optimizer_json.cpp keeps them next to each other) and to kOptimizerKeys.
#include <nlohmann/json.hpp>

#include "optim/optimizer.hpp"

namespace aelab::optim {

// {"name", "lr", "momentum", "beta1", "beta2", "rho", "eps", "weight_decay"}: every setting.
[[nodiscard]] nlohmann::json to_json(const OptimizerConfig& config);

// The inverse. Missing keys keep OptimizerConfig's defaults; an object that is not one, an
// unknown key, a value of the wrong type, an unknown name or a value validate() refuses is an
// InputError naming the key.
[[nodiscard]] OptimizerConfig optimizer_config_from_json(const nlohmann::json& j);

}  // namespace aelab::optim
