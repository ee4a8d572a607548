#pragma once
// Losses: the MEAN over all elements, accumulated in double, and its gradient d(mean)/d(pred).
// Like a Module, a loss keeps pointers to pred and target between forward and backward; the
// caller keeps both alive and unchanged until then.
#include <cstdint>
#include <span>
#include <string>

#include "core/tensor.hpp"

namespace aelab::nn {

class Loss {
 public:
  virtual ~Loss() = default;
  // Throws ShapeError when pred and target differ in shape.
  virtual float forward(const Tensor& pred, const Tensor& target) = 0;
  // d(mean loss)/d(pred), same shape as pred, owned by the loss.
  virtual const Tensor& backward() = 0;
  [[nodiscard]] virtual std::string describe() const = 0;
  // The last forward's value before rounding to float (the gradient checker needs the digits).
  [[nodiscard]] double last_value() const { return value_; }

 protected:
  void remember(const Tensor& pred, const Tensor& target);  // checks shapes, keeps pointers
  void check_ready() const;

  const Tensor* pred_ = nullptr;
  const Tensor* target_ = nullptr;
  double value_ = 0.0;
  Tensor grad_;
};

// mean |pred - target|; subgradient 0 where they are equal.
class L1Loss : public Loss {
 public:
  float forward(const Tensor& pred, const Tensor& target) override;
  const Tensor& backward() override;
  [[nodiscard]] std::string describe() const override { return "L1Loss"; }
};

// mean (pred - target)^2
class MSELoss : public Loss {
 public:
  float forward(const Tensor& pred, const Tensor& target) override;
  const Tensor& backward() override;
  [[nodiscard]] std::string describe() const override { return "MSELoss"; }
};

// mean of -[t log s(z) + (1 - t) log(1 - s(z))] over logits z, written as
// max(z, 0) - z t + log(1 + exp(-|z|)) so no exp overflows. Targets must lie in [0, 1]
// (InputError otherwise).
class BCEWithLogitsLoss : public Loss {
 public:
  float forward(const Tensor& logits, const Tensor& target) override;
  const Tensor& backward() override;
  [[nodiscard]] std::string describe() const override { return "BCEWithLogitsLoss"; }
};

// Softmax cross-entropy over logits (N, K) with integer class labels: the mean over samples of
// -log softmax(z_n)[y_n] = logsumexp(z_n) - z_n[y_n], the max subtracted before exp so nothing
// overflows. `target` holds the labels as floats, shape (N) or (N, 1), each an integer in
// [0, K) (InputError otherwise). The gradient is (softmax(z) - onehot(y)) / N.
class CrossEntropyLoss : public Loss {
 public:
  float forward(const Tensor& logits, const Tensor& target) override;
  const Tensor& backward() override;
  [[nodiscard]] std::string describe() const override { return "CrossEntropyLoss"; }
  // Labels 0..K-1 as the float target forward() takes: (N).
  [[nodiscard]] static Tensor label_tensor(std::span<const uint8_t> labels);

 private:
  Tensor probs_;  // softmax of the last forward's logits, (N, K)
};

// The study's reconstruction metric: mean absolute error per pixel over all elements.
[[nodiscard]] float l1_per_pixel(const Tensor& a, const Tensor& b);

}  // namespace aelab::nn
