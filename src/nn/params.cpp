#include "nn/params.hpp"

#include <cstring>

#include "core/error.hpp"

namespace aelab::nn {

std::vector<Param*> collect_params(Module& m) {
  return m.params();
}

int64_t count_params(Module& m) {
  int64_t n = 0;
  for (const Param* p : m.params()) n += p->value.numel();
  return n;
}

std::vector<Tensor> snapshot_values(Module& m) {
  std::vector<Tensor> out;
  for (const Param* p : m.params()) out.push_back(p->value);
  return out;
}

void load_values(Module& m, const std::vector<Tensor>& values) {
  std::vector<Param*> ps = m.params();
  if (ps.size() != values.size())
    throw ShapeError("loading weights into " + m.describe() + ": it has " +
                     std::to_string(ps.size()) + " parameter tensors, the snapshot " +
                     std::to_string(values.size()));
  for (size_t i = 0; i < ps.size(); ++i)
    if (ps[i]->value.shape() != values[i].shape())
      throw ShapeError("loading weights: parameter " + std::to_string(i) + " (" + ps[i]->name +
                       ") has shape " + shape_str(ps[i]->value.shape()) + ", the snapshot " +
                       shape_str(values[i].shape()));
  // Same shapes: copy into the existing buffers so nothing holding a pointer goes stale.
  for (size_t i = 0; i < ps.size(); ++i)
    if (values[i].numel())
      std::memcpy(ps[i]->value.data(), values[i].data(), values[i].numel() * sizeof(float));
}

}  // namespace aelab::nn
