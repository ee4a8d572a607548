#include "nn/reshape.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace aelab::nn {

namespace {

void copy_as(const Tensor& src, Shape shape, Tensor& dst) {
  dst.resize(std::move(shape));
  if (src.numel()) std::memcpy(dst.data(), src.data(), src.numel() * sizeof(float));
}

void check_grad(const Module& m, const Tensor& dy, const Tensor& y) {
  if (dy.shape() != y.shape())
    throw ShapeError(m.describe() + ": gradient of shape " + shape_str(dy.shape()) +
                     " for an output of shape " + shape_str(y.shape()));
}

}  // namespace

const Tensor& Flatten::forward(const Tensor& x) {
  if (x.rank() < 2)
    throw ShapeError("Flatten: expected a batch (N, ...), got " + shape_str(x.shape()));
  x_shape_ = x.shape();
  copy_as(x, {x.dim(0), x.numel() / std::max<int64_t>(x.dim(0), 1)}, y_);
  if (x.dim(0) == 0) y_.resize({0, x.numel()});
  return y_;
}

const Tensor& Flatten::backward(const Tensor& dy) {
  check_grad(*this, dy, y_);
  if (!needs_input_grad()) {
    dx_ = Tensor();
    return dx_;
  }
  copy_as(dy, x_shape_, dx_);
  return dx_;
}

Reshape::Reshape(Shape per_sample) : per_sample_(std::move(per_sample)), per_sample_numel_(1) {
  if (per_sample_.empty() || per_sample_.size() > 3)
    throw InputError("Reshape: per-sample shape must have 1 to 3 dimensions, got " +
                     shape_str(per_sample_));
  for (int64_t d : per_sample_) {
    if (d <= 0) throw InputError("Reshape: non-positive dimension in " + shape_str(per_sample_));
    per_sample_numel_ *= d;
  }
}

std::string Reshape::describe() const {
  return "Reshape" + shape_str(per_sample_);
}

const Tensor& Reshape::forward(const Tensor& x) {
  if (x.rank() < 1 || x.numel() != x.dim(0) * per_sample_numel_)
    throw ShapeError(describe() + ": input " + shape_str(x.shape()) + " does not have " +
                     std::to_string(per_sample_numel_) + " values per sample");
  x_shape_ = x.shape();
  Shape s{x.dim(0)};
  s.insert(s.end(), per_sample_.begin(), per_sample_.end());
  copy_as(x, std::move(s), y_);
  return y_;
}

const Tensor& Reshape::backward(const Tensor& dy) {
  check_grad(*this, dy, y_);
  if (!needs_input_grad()) {
    dx_ = Tensor();
    return dx_;
  }
  copy_as(dy, x_shape_, dx_);
  return dx_;
}

}  // namespace aelab::nn
