#include "core/tensor.hpp"

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>

#include "core/error.hpp"

namespace aelab {

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError("negative dimension in shape " + shape_str(shape));
    n *= d;
  }
  return n;
}

std::string shape_str(const Shape& shape) {
  std::ostringstream os;
  os << '(';
  for (size_t i = 0; i < shape.size(); ++i) os << (i ? ", " : "") << shape[i];
  os << ')';
  return os.str();
}

void Tensor::AlignedFree::operator()(float* p) const {
  std::free(p);
}

void Tensor::allocate(int64_t n) {
  if (n <= capacity_) return;
  // 64-byte alignment for AVX-512 loads; aligned_alloc wants a multiple of the alignment.
  size_t bytes = ((static_cast<size_t>(n) * sizeof(float) + 63) / 64) * 64;
  auto* p = static_cast<float*>(std::aligned_alloc(64, bytes));
  if (!p) throw std::bad_alloc();
  data_.reset(p);
  capacity_ = n;
}

Tensor::Tensor(Shape shape) : Tensor(std::move(shape), 0.0f) {}

Tensor::Tensor(Shape shape, float fill_value) : shape_(std::move(shape)) {
  if (shape_.size() > 4) throw ShapeError("tensor rank above 4: " + shape_str(shape_));
  numel_ = shape_numel(shape_);
  allocate(numel_);
  fill(fill_value);
}

Tensor::Tensor(Shape shape, std::span<const float> values) : shape_(std::move(shape)) {
  if (shape_.size() > 4) throw ShapeError("tensor rank above 4: " + shape_str(shape_));
  numel_ = shape_numel(shape_);
  if (static_cast<int64_t>(values.size()) != numel_)
    throw ShapeError("tensor of shape " + shape_str(shape_) + " given " +
                     std::to_string(values.size()) + " values");
  allocate(numel_);
  if (numel_) std::memcpy(data_.get(), values.data(), numel_ * sizeof(float));
}

Tensor::Tensor(const Tensor& other) : shape_(other.shape_), numel_(other.numel_) {
  allocate(numel_);
  if (numel_) std::memcpy(data_.get(), other.data_.get(), numel_ * sizeof(float));
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  allocate(other.numel_);
  shape_ = other.shape_;
  numel_ = other.numel_;
  if (numel_) std::memcpy(data_.get(), other.data_.get(), numel_ * sizeof(float));
  return *this;
}

int64_t Tensor::dim(int i) const {
  int r = rank();
  if (i < 0) i += r;
  assert(i >= 0 && i < r);
  return shape_[i];
}

std::span<float> Tensor::row(int64_t i) {
  assert(rank() >= 1 && i >= 0 && i < shape_[0]);
  int64_t w = numel_ / shape_[0];
  return {data_.get() + i * w, static_cast<size_t>(w)};
}

std::span<const float> Tensor::row(int64_t i) const {
  assert(rank() >= 1 && i >= 0 && i < shape_[0]);
  int64_t w = numel_ / shape_[0];
  return {data_.get() + i * w, static_cast<size_t>(w)};
}

void Tensor::reshape(Shape shape) {
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw ShapeError("reshape with two -1 dimensions");
      infer = static_cast<int>(i);
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0 && known > 0) shape[infer] = numel_ / known;
  if (shape_numel(shape) != numel_ || shape.size() > 4)
    throw ShapeError("cannot reshape " + shape_str(shape_) + " to " + shape_str(shape));
  shape_ = std::move(shape);
}

Tensor Tensor::reshaped(Shape shape) const {
  Tensor t(*this);
  t.reshape(std::move(shape));
  return t;
}

void Tensor::resize(Shape shape) {
  if (shape.size() > 4) throw ShapeError("tensor rank above 4: " + shape_str(shape));
  int64_t n = shape_numel(shape);
  allocate(n);
  shape_ = std::move(shape);
  numel_ = n;
}

void Tensor::fill(float value) {
  // Large fills (a training step zeroes ~1M gradient entries) are split over the threads: one core
  // does not saturate the memory bus with stores. Small ones stay on the calling thread.
  constexpr int64_t kParallelMin = int64_t(1) << 17;
  float* d = data_.get();
  const int64_t n = numel_;
#pragma omp parallel for schedule(static) if (n >= kParallelMin)
  for (int64_t b = 0; b < n; b += 4096) std::fill_n(d + b, std::min<int64_t>(4096, n - b), value);
}

Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end) {
  if (t.rank() < 1 || begin < 0 || end > t.dim(0) || begin > end)
    throw ShapeError("row slice [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") out of " + shape_str(t.shape()));
  Shape s = t.shape();
  s[0] = end - begin;
  int64_t w = t.dim(0) ? t.numel() / t.dim(0) : 0;
  return Tensor(s, std::span<const float>(t.data() + begin * w, (end - begin) * w));
}

void gather_rows_into(const Tensor& t, std::span<const int64_t> indices, Tensor& out) {
  Shape s = t.shape();
  s[0] = static_cast<int64_t>(indices.size());
  out.resize(s);
  int64_t w = t.dim(0) ? t.numel() / t.dim(0) : 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    assert(indices[i] >= 0 && indices[i] < t.dim(0));
    std::memcpy(out.data() + i * w, t.data() + indices[i] * w, w * sizeof(float));
  }
}

Tensor gather_rows(const Tensor& t, std::span<const int64_t> indices) {
  Tensor out;
  gather_rows_into(t, indices, out);
  return out;
}

}  // namespace aelab
