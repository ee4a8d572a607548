#pragma once
// Sequential: layers applied in order; backward walks them in reverse.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/module.hpp"

namespace aelab::nn {

class Sequential : public Module {
 public:
  Sequential() = default;

  // Appends a layer built in place and returns it, e.g. `net.add<Linear>(784, 512, rng)`.
  template <class T, class... Args>
  T& add(Args&&... args) {
    auto layer = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *layer;
    add(std::move(layer));
    return ref;
  }
  void add(ModulePtr layer);

  const Tensor& forward(const Tensor& x) override;
  const Tensor& backward(const Tensor& dy) override;
  [[nodiscard]] std::vector<Param*> params() override;  // layer order, each layer's own order
  [[nodiscard]] std::string describe() const override;  // one line per layer
  [[nodiscard]] bool profiles_itself() const override { return true; }  // per layer

  void set_training(bool on) override;
  // Off: the layers up to and including the first one with parameters skip their input
  // gradients; every later layer must pass its gradient on.
  void set_needs_input_grad(bool on) override;

  [[nodiscard]] size_t size() const { return layers_.size(); }
  [[nodiscard]] Module& layer(size_t i);
  [[nodiscard]] const Module& layer(size_t i) const;

 private:
  void propagate_input_grads();

  std::vector<ModulePtr> layers_;
  size_t backward_from_ = 0;  // the first layer backward runs (see propagate_input_grads)
  Tensor passthrough_;  // the output of an empty Sequential
};

}  // namespace aelab::nn
