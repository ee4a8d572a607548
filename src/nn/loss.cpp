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

namespace {

constexpr int64_t kParallelMin = 65536;  // below this a loss loop is not worth a thread team

// Mean of f(p[i], t[i]) over n elements, accumulated in double. `simd` lets the compiler keep one
// partial sum per vector lane (a reassociation plain `for` may not do): with f inlined this is
// one vector pass; before, f went in as a function pointer and the loop ran a call per element.
template <class F>
double mean_elementwise(const float* p, const float* t, int64_t n, F f) {
  double sum = 0.0;
#pragma omp parallel for simd reduction(+ : sum) if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) sum += f(static_cast<double>(p[i]), static_cast<double>(t[i]));
  return sum / static_cast<double>(n);
}

// g[i] = f(p[i], t[i]) over n elements. f must be branch-free to vectorise.
template <class F>
void map_elementwise(const float* p, const float* t, float* g, int64_t n, F f) {
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) g[i] = f(p[i], t[i]);
}

// A lambda, not a function: a function pointer as F stays an indirect call in the loop.
constexpr auto abs_diff = [](double p, double t) { return std::fabs(p - t); };

}  // namespace

// [SECTION] L1

float L1Loss::forward(const Tensor& pred, const Tensor& target) {
  remember(pred, target);
  value_ = mean_elementwise(pred.data(), target.data(), pred.numel(), abs_diff);
  return static_cast<float>(value_);
}

const Tensor& L1Loss::backward() {
  check_ready();
  const int64_t n = pred_->numel();
  grad_.resize(pred_->shape());
  const float inv = static_cast<float>(1.0 / static_cast<double>(n));
  // sign(p - t) / n with a select, not branches: the signs of a reconstruction's errors are
  // random, and the branchy form ran at a mispredict per element (7 ns, a tenth of a training
  // step); copysign under a select is the form GCC vectorises (two compares subtracted is not).
  const float* __restrict p = pred_->data();
  const float* __restrict t = target_->data();
  float* __restrict g = grad_.data();
#pragma omp parallel for simd if (n > kParallelMin)
  for (int64_t i = 0; i < n; ++i) {
    const float d = p[i] - t[i];
    g[i] = d != 0.0f ? std::copysign(inv, d) : 0.0f;
  }
  return grad_;
}

// [SECTION] MSE

float MSELoss::forward(const Tensor& pred, const Tensor& target) {
  remember(pred, target);
  value_ = mean_elementwise(pred.data(), target.data(), pred.numel(),
                            [](double p, double t) { return (p - t) * (p - t); });
  return static_cast<float>(value_);
}

const Tensor& MSELoss::backward() {
  check_ready();
  const int64_t n = pred_->numel();
  grad_.resize(pred_->shape());
  const float scale = static_cast<float>(2.0 / static_cast<double>(n));
  map_elementwise(pred_->data(), target_->data(), grad_.data(), n,
                  [scale](float p, float t) { return scale * (p - t); });
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
  value_ = mean_elementwise(z, t, n, [](double zi, double ti) {
    return std::max(zi, 0.0) - zi * ti + std::log1p(std::exp(-std::fabs(zi)));
  });
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
#pragma omp parallel for if (n > kParallelMin)
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
  return static_cast<float>(mean_elementwise(a.data(), b.data(), a.numel(), abs_diff));
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
    throw ShapeError(describe() + ": labels " + shape_str(target.shape()) +
                     " do not match logits " + shape_str(logits.shape()) + " (want (N) or (N, 1))");
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
    for (int64_t j = 0; j < k; ++j)
      p[i * k + j] = static_cast<float>(std::exp(double(zi[j]) - lse));
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
