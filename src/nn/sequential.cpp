#include "nn/sequential.hpp"

#include <stdexcept>

#include "core/error.hpp"
#include "nn/step_profile.hpp"

namespace aelab::nn {

void Sequential::add(ModulePtr layer) {
  if (!layer) throw std::invalid_argument("Sequential::add: null layer");
  layer->set_training(training());
  layers_.push_back(std::move(layer));
  propagate_input_grads();
}

// A layer needs its input gradient when something before it does: the caller (needs_input_grad)
// or a layer with parameters. So the layers in front of the first parameterised one (a Flatten
// before the first Linear) skip theirs along with it: the first Linear of an autoencoder would
// otherwise compute dx = dz W for 784 inputs, a tenth of a training step, for nothing.
// Layers before backward_from_ have neither parameters nor a gradient anyone needs: backward
// stops short of them.
void Sequential::propagate_input_grads() {
  bool needed = needs_input_grad();
  backward_from_ = needed ? 0 : layers_.size();
  for (size_t i = 0; i < layers_.size(); ++i) {
    layers_[i]->set_needs_input_grad(needed);
    if (!needed && !layers_[i]->params().empty()) {
      backward_from_ = i;
      needed = true;
    }
  }
}

const Tensor& Sequential::forward(const Tensor& x) {
  if (layers_.empty()) {
    passthrough_ = x;
    return passthrough_;
  }
  const Tensor* h = &x;
  const bool profiling = active_profile() != nullptr;
  for (auto& layer : layers_) {
    if (profiling && !layer->profiles_itself()) {
      ProfileScope scope([&] { return layer->describe() + ": forward"; });
      h = &layer->forward(*h);
    } else {
      h = &layer->forward(*h);
    }
  }
  return *h;
}

const Tensor& Sequential::backward(const Tensor& dy) {
  if (layers_.empty()) {
    passthrough_ = needs_input_grad() ? dy : Tensor();
    return passthrough_;
  }
  const Tensor* g = &dy;
  const bool profiling = active_profile() != nullptr;
  for (size_t i = layers_.size(); i-- > backward_from_;) {
    Module& layer = *layers_[i];
    if (profiling && !layer.profiles_itself()) {
      ProfileScope scope([&] { return layer.describe() + ": backward"; });
      g = &layer.backward(*g);
    } else {
      g = &layer.backward(*g);
    }
  }
  if (backward_from_ > 0) {
    passthrough_ = Tensor();
    return passthrough_;
  }
  return *g;
}

std::vector<Param*> Sequential::params() {
  std::vector<Param*> all;
  for (auto& layer : layers_) {
    auto ps = layer->params();
    all.insert(all.end(), ps.begin(), ps.end());
  }
  return all;
}

std::string Sequential::describe() const {
  std::string s = "Sequential(" + std::to_string(layers_.size()) + " layers)";
  for (size_t i = 0; i < layers_.size(); ++i)
    s += "\n  [" + std::to_string(i) + "] " + layers_[i]->describe();
  return s;
}

void Sequential::set_training(bool on) {
  Module::set_training(on);
  for (auto& layer : layers_) layer->set_training(on);
}

void Sequential::set_needs_input_grad(bool on) {
  Module::set_needs_input_grad(on);
  propagate_input_grads();
}

Module& Sequential::layer(size_t i) {
  if (i >= layers_.size())
    throw std::out_of_range("Sequential::layer(" + std::to_string(i) + ") of " +
                            std::to_string(layers_.size()));
  return *layers_[i];
}

const Module& Sequential::layer(size_t i) const {
  return const_cast<Sequential*>(this)->layer(i);
}

}  // namespace aelab::nn
