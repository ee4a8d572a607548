#pragma once
// Parameter access for optimisers, checkpoints and the window's decoder snapshots.
#include <cstdint>
#include <vector>

#include "nn/module.hpp"

namespace aelab::nn {

// Every Param of the module, in a stable order (layer order, weight before bias).
[[nodiscard]] std::vector<Param*> collect_params(Module& m);
[[nodiscard]] int64_t count_params(Module& m);  // total number of scalars

// Copies of every Param value, in collect_params order (taken on the training thread, decoded
// from elsewhere).
[[nodiscard]] std::vector<Tensor> snapshot_values(Module& m);
// Writes values back; throws ShapeError (before touching anything) when the count or a shape
// differs.
void load_values(Module& m, const std::vector<Tensor>& values);

}  // namespace aelab::nn
