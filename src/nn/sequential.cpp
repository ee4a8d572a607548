#include "nn/sequential.hpp"

#include <stdexcept>

#include "core/error.hpp"

namespace aelab::nn {

void Sequential::add(ModulePtr layer) {
  if (!layer) throw std::invalid_argument("Sequential::add: null layer");
  layer->set_training(training());
  layer->set_needs_input_grad(layers_.empty() ? needs_input_grad() : true);
  layers_.push_back(std::move(layer));
}

const Tensor& Sequential::forward(const Tensor& x) {
  if (layers_.empty()) {
    passthrough_ = x;
    return passthrough_;
  }
  const Tensor* h = &x;
  for (auto& layer : layers_) h = &layer->forward(*h);
  return *h;
}

const Tensor& Sequential::backward(const Tensor& dy) {
  if (layers_.empty()) {
    passthrough_ = needs_input_grad() ? dy : Tensor();
    return passthrough_;
  }
  const Tensor* g = &dy;
  for (size_t i = layers_.size(); i-- > 0;) g = &layers_[i]->backward(*g);
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
  if (!layers_.empty()) layers_.front()->set_needs_input_grad(on);
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
