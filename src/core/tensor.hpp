#pragma once
// Tensor: a float32, 64-byte aligned, contiguous buffer with a shape of rank 0..4 (NCHW for
// images). Copying copies the data; moving is cheap. Element-wise math goes through xtensor views
// (`view()`), dense and conv math through oneDNN (nn/).
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <vector>
#include <xtensor/xadapt.hpp>

namespace aelab {

using Shape = std::vector<int64_t>;  // same type as dnnl::memory::dims

[[nodiscard]] int64_t shape_numel(const Shape& shape);
[[nodiscard]] std::string shape_str(const Shape& shape);  // "(256, 784)"

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape);  // zero-filled
  Tensor(Shape shape, float fill);
  Tensor(Shape shape, std::span<const float> values);

  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&&) noexcept = default;
  Tensor& operator=(Tensor&&) noexcept = default;

  [[nodiscard]] const Shape& shape() const { return shape_; }
  [[nodiscard]] int rank() const { return static_cast<int>(shape_.size()); }
  [[nodiscard]] int64_t dim(int i) const;  // negative i counts from the end
  [[nodiscard]] int64_t numel() const { return numel_; }
  [[nodiscard]] bool empty() const { return numel_ == 0; }

  [[nodiscard]] float* data() { return data_.get(); }
  [[nodiscard]] const float* data() const { return data_.get(); }
  [[nodiscard]] std::span<float> span() { return {data_.get(), static_cast<size_t>(numel_)}; }
  [[nodiscard]] std::span<const float> span() const {
    return {data_.get(), static_cast<size_t>(numel_)};
  }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }

  // Row i of the first dimension as a span (a sample of a batch).
  [[nodiscard]] std::span<float> row(int64_t i);
  [[nodiscard]] std::span<const float> row(int64_t i) const;

  // Same data, new shape with the same element count (-1 in one place is inferred).
  void reshape(Shape shape);
  [[nodiscard]] Tensor reshaped(Shape shape) const;
  // Re-allocates only when the element count grows; contents are unspecified afterwards.
  void resize(Shape shape);
  void fill(float value);
  void zero() { fill(0.0f); }

  // xtensor view over the buffer, e.g. `auto y = t.view(); y = xt::maximum(y, 0.f);`
  [[nodiscard]] auto view() {
    return xt::adapt(data_.get(), static_cast<size_t>(numel_), xt::no_ownership(),
                     std::vector<size_t>(shape_.begin(), shape_.end()));
  }
  [[nodiscard]] auto view() const {
    return xt::adapt(static_cast<const float*>(data_.get()), static_cast<size_t>(numel_),
                     xt::no_ownership(), std::vector<size_t>(shape_.begin(), shape_.end()));
  }
  // Flat 1-D view (cheaper shape handling for pure element-wise work).
  [[nodiscard]] auto flat() {
    return xt::adapt(data_.get(), static_cast<size_t>(numel_), xt::no_ownership(),
                     std::array<size_t, 1>{static_cast<size_t>(numel_)});
  }
  [[nodiscard]] auto flat() const {
    return xt::adapt(static_cast<const float*>(data_.get()), static_cast<size_t>(numel_),
                     xt::no_ownership(), std::array<size_t, 1>{static_cast<size_t>(numel_)});
  }

 private:
  struct AlignedFree {
    void operator()(float* p) const;
  };
  void allocate(int64_t n);

  Shape shape_;
  int64_t numel_ = 0;
  int64_t capacity_ = 0;
  std::unique_ptr<float[], AlignedFree> data_;
};

// Rows [begin, end) of the first dimension, copied (a mini-batch out of a dataset).
[[nodiscard]] Tensor slice_rows(const Tensor& t, int64_t begin, int64_t end);
// Rows picked by index, copied: out[i] = t[indices[i]].
[[nodiscard]] Tensor gather_rows(const Tensor& t, std::span<const int64_t> indices);
void gather_rows_into(const Tensor& t, std::span<const int64_t> indices, Tensor& out);

}  // namespace aelab
