#include "nn/loss.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/error.hpp"

namespace aelab::nn {

void Loss::remember(const Tensor& pred, const Tensor& target) {
  if (pred.shape() != target.shape())
    throw ShapeError(describe() + ": prediction " + shape_str(pred.shape()) + " and target " +
                     shape_str(target.shape()) + " differ in shape");
  if (pred.numel() == 0) throw ShapeError(describe() + ": empty prediction");
  pred_ = &pred;
  target_ = &target;
}

void Loss::check_ready() const {
  if (!pred_) throw std::logic_error(describe() + ": backward before forward");
}

// [SECTION] L1

float L1Loss::forward(const Tensor& pred, const Tensor& target) {
  remember(pred, target);
  const float* p = pred.data();
  const float* t = target.data();
  const int64_t n = pred.numel();
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) sum += std::fabs(static_cast<double>(p[i]) - t[i]);
  value_ = sum / static_cast<double>(n);
  return static_cast<float>(value_);
}

const Tensor& L1Loss::backward() {
  check_ready();
  const int64_t n = pred_->numel();
  grad_.resize(pred_->shape());
  const float* p = pred_->data();
  const float* t = target_->data();
  float* g = grad_.data();
  const float inv = static_cast<float>(1.0 / static_cast<double>(n));
#pragma omp parallel for simd if (n > 65536)
  for (int64_t i = 0; i < n; ++i) g[i] = p[i] > t[i] ? inv : (p[i] < t[i] ? -inv : 0.0f);
  return grad_;
}

// [SECTION] MSE

float MSELoss::forward(const Tensor& pred, const Tensor& target) {
  remember(pred, target);
  const float* p = pred.data();
  const float* t = target.data();
  const int64_t n = pred.numel();
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    double d = static_cast<double>(p[i]) - t[i];
    sum += d * d;
  }
  value_ = sum / static_cast<double>(n);
  return static_cast<float>(value_);
}

const Tensor& MSELoss::backward() {
  check_ready();
  const int64_t n = pred_->numel();
  grad_.resize(pred_->shape());
  const float* p = pred_->data();
  const float* t = target_->data();
  float* g = grad_.data();
  const float scale = static_cast<float>(2.0 / static_cast<double>(n));
#pragma omp parallel for simd if (n > 65536)
  for (int64_t i = 0; i < n; ++i) g[i] = scale * (p[i] - t[i]);
  return grad_;
}

// [SECTION] BCE with logits

float BCEWithLogitsLoss::forward(const Tensor& logits, const Tensor& target) {
  remember(logits, target);
  const float* z = logits.data();
  const float* t = target.data();
  const int64_t n = logits.numel();
  for (int64_t i = 0; i < n; ++i)
    if (!(t[i] >= 0.0f && t[i] <= 1.0f))
      throw InputError(describe() + ": target " + std::to_string(t[i]) + " at index " +
                       std::to_string(i) + " is outside [0, 1]");
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    double zi = z[i];
    sum += std::max(zi, 0.0) - zi * t[i] + std::log1p(std::exp(-std::fabs(zi)));
  }
  value_ = sum / static_cast<double>(n);
  return static_cast<float>(value_);
}

const Tensor& BCEWithLogitsLoss::backward() {
  check_ready();
  const int64_t n = pred_->numel();
  grad_.resize(pred_->shape());
  const float* z = pred_->data();
  const float* t = target_->data();
  float* g = grad_.data();
  const double inv = 1.0 / static_cast<double>(n);
#pragma omp parallel for if (n > 65536)
  for (int64_t i = 0; i < n; ++i) {
    // sigmoid written so that exp never overflows
    double e = std::exp(-std::fabs(static_cast<double>(z[i])));
    double s = z[i] >= 0.0f ? 1.0 / (1.0 + e) : e / (1.0 + e);
    g[i] = static_cast<float>((s - t[i]) * inv);
  }
  return grad_;
}

float l1_per_pixel(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw ShapeError("l1_per_pixel: " + shape_str(a.shape()) + " and " + shape_str(b.shape()) +
                     " differ in shape");
  if (a.numel() == 0) throw ShapeError("l1_per_pixel: empty images");
  const float* p = a.data();
  const float* q = b.data();
  const int64_t n = a.numel();
  double sum = 0.0;
#pragma omp parallel for reduction(+ : sum) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) sum += std::fabs(static_cast<double>(p[i]) - q[i]);
  return static_cast<float>(sum / static_cast<double>(n));
}

}  // namespace aelab::nn

// [SECTION] Cross-entropy (softmax + NLL over class labels)

namespace aelab::nn {

float CrossEntropyLoss::forward(const Tensor& logits, const Tensor& target) {
  if (logits.rank() != 2 || logits.dim(0) == 0 || logits.dim(1) < 2)
    throw ShapeError(describe() + ": logits must be (N, K) with N >= 1 and K >= 2, got " +
                     shape_str(logits.shape()));
  const int64_t n = logits.dim(0), k = logits.dim(1);
  if (target.numel() != n || !(target.rank() == 1 || (target.rank() == 2 && target.dim(1) == 1)))
    throw ShapeError(describe() + ": labels " + shape_str(target.shape()) + " do not match logits " +
                     shape_str(logits.shape()) + " (want (N) or (N, 1))");
  const float* t = target.data();
  for (int64_t i = 0; i < n; ++i)
    if (!(t[i] >= 0.0f && t[i] < float(k) && t[i] == std::floor(t[i])))
      throw InputError(describe() + ": label " + std::to_string(t[i]) + " at index " +
                       std::to_string(i) + " is not a class in 0.." + std::to_string(k - 1));
  pred_ = &logits;
  target_ = &target;
  probs_.resize(logits.shape());
  const float* z = logits.data();
  float* p = probs_.data();
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float* zi = z + i * k;
    double m = zi[0];
    for (int64_t j = 1; j < k; ++j) m = std::max(m, double(zi[j]));
    double s = 0.0;
    for (int64_t j = 0; j < k; ++j) s += std::exp(double(zi[j]) - m);
    const double lse = m + std::log(s);
    for (int64_t j = 0; j < k; ++j) p[i * k + j] = static_cast<float>(std::exp(double(zi[j]) - lse));
    sum += lse - zi[static_cast<int64_t>(t[i])];
  }
  value_ = sum / static_cast<double>(n);
  return static_cast<float>(value_);
}

const Tensor& CrossEntropyLoss::backward() {
  check_ready();
  const int64_t n = pred_->dim(0), k = pred_->dim(1);
  grad_ = probs_;
  const float* t = target_->data();
  const float inv = static_cast<float>(1.0 / static_cast<double>(n));
  float* g = grad_.data();
  for (int64_t i = 0; i < n; ++i) g[i * k + static_cast<int64_t>(t[i])] -= 1.0f;
  for (int64_t i = 0; i < n * k; ++i) g[i] *= inv;
  return grad_;
}

Tensor CrossEntropyLoss::label_tensor(std::span<const uint8_t> labels) {
  Tensor t({static_cast<int64_t>(labels.size())});
  for (size_t i = 0; i < labels.size(); ++i) t[static_cast<int64_t>(i)] = labels[i];
  return t;
}

}  // namespace aelab::nn
