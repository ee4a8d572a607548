#include "nn/clustering.hpp"

#include <cmath>
#include <stdexcept>

#include "core/error.hpp"

namespace aelab::nn {

// [SECTION] SoftAssignment

SoftAssignment::SoftAssignment(int64_t clusters, int64_t dim) : k_(clusters), d_(dim) {
  if (clusters < 1 || dim < 1)
    throw InputError("soft assignment needs at least one cluster and one dimension");
  centres_.name = "centres";
  centres_.value = Tensor({k_, d_});
  centres_.grad = Tensor({k_, d_});
}

void SoftAssignment::set_centres(const Tensor& centres) {
  if (centres.shape() != Shape{k_, d_})
    throw ShapeError("soft assignment: centres " + shape_str(centres.shape()) + ", want " +
                     shape_str(Shape{k_, d_}));
  centres_.value = centres;
}

std::string SoftAssignment::describe() const {
  return "SoftAssignment(" + std::to_string(d_) + " -> " + std::to_string(k_) + " clusters)";
}

const Tensor& SoftAssignment::forward(const Tensor& z) {
  if (z.rank() != 2 || z.dim(1) != d_)
    throw ShapeError("soft assignment: input " + shape_str(z.shape()) + ", want (N, " +
                     std::to_string(d_) + ")");
  z_ = &z;
  const int64_t n = z.dim(0);
  q_.resize({n, k_});
  w_.resize({n, k_});
  const float* mu = centres_.value.data();
  for (int64_t i = 0; i < n; ++i) {
    const float* zi = z.data() + i * d_;
    double sum = 0.0;
    for (int64_t j = 0; j < k_; ++j) {
      double dist = 0.0;
      for (int64_t c = 0; c < d_; ++c) {
        double diff = double(zi[c]) - mu[j * d_ + c];
        dist += diff * diff;
      }
      double w = 1.0 / (1.0 + dist);
      w_[i * k_ + j] = static_cast<float>(w);
      sum += w;
    }
    for (int64_t j = 0; j < k_; ++j) q_[i * k_ + j] = static_cast<float>(w_[i * k_ + j] / sum);
  }
  return q_;
}

// With S_i = sum_k w_ik: dw_ik = (dq_ik - sum_j dq_ij q_ij) / S_i, dd_ik = -w_ik^2 dw_ik for the
// squared distance d_ik, and d_ik = |z_i - mu_k|^2 gives dz_i += 2 dd_ik (z_i - mu_k),
// dmu_k -= 2 dd_ik (z_i - mu_k). Note 1 / S_i = q_ik / w_ik.
const Tensor& SoftAssignment::backward(const Tensor& dq) {
  if (!z_) throw std::logic_error("SoftAssignment: backward before forward");
  if (dq.shape() != q_.shape())
    throw ShapeError("soft assignment: gradient " + shape_str(dq.shape()) + ", want " +
                     shape_str(q_.shape()));
  const Tensor& z = *z_;
  const int64_t n = z.dim(0);
  if (needs_input_grad()) dz_.resize(z.shape());
  const float* mu = centres_.value.data();
  float* dmu = centres_.grad.data();
  for (int64_t i = 0; i < n; ++i) {
    const float* zi = z.data() + i * d_;
    const float* qi = q_.data() + i * k_;
    const float* wi = w_.data() + i * k_;
    const float* dqi = dq.data() + i * k_;
    double dot = 0.0;
    for (int64_t j = 0; j < k_; ++j) dot += double(dqi[j]) * qi[j];
    const double inv_sum = double(qi[0]) / wi[0];
    float* dzi = needs_input_grad() ? dz_.data() + i * d_ : nullptr;
    if (dzi) std::fill(dzi, dzi + d_, 0.0f);
    for (int64_t j = 0; j < k_; ++j) {
      const double dw = (dqi[j] - dot) * inv_sum;
      const double dd = -double(wi[j]) * wi[j] * dw;
      for (int64_t c = 0; c < d_; ++c) {
        const double g = 2.0 * dd * (double(zi[c]) - mu[j * d_ + c]);
        if (dzi) dzi[c] += static_cast<float>(g);
        dmu[j * d_ + c] -= static_cast<float>(g);
      }
    }
  }
  if (!needs_input_grad()) dz_ = Tensor();
  return dz_;
}

// [SECTION] KL divergence

float KLDivLoss::forward(const Tensor& q, const Tensor& p) {
  remember(q, p);
  if (q.rank() != 2) throw ShapeError("KLDivLoss: want (N, K), got " + shape_str(q.shape()));
  double sum = 0.0;
  for (int64_t i = 0; i < q.numel(); ++i) {
    const double pi = p[i], qi = q[i];
    if (!(pi >= 0) || !std::isfinite(pi))
      throw InputError("KLDivLoss: target must be finite and non-negative");
    if (pi == 0) continue;
    if (!(qi > 0)) throw InputError("KLDivLoss: prediction is not positive where the target is");
    sum += pi * std::log(pi / qi);
  }
  value_ = sum / double(q.dim(0));
  return static_cast<float>(value_);
}

const Tensor& KLDivLoss::backward() {
  check_ready();
  const Tensor& q = *pred_;
  const Tensor& p = *target_;
  grad_.resize(q.shape());
  const double inv_n = 1.0 / double(q.dim(0));
  for (int64_t i = 0; i < q.numel(); ++i)
    grad_[i] = p[i] == 0 ? 0.0f : static_cast<float>(-double(p[i]) / q[i] * inv_n);
  return grad_;
}

// [SECTION] Targets

Tensor target_distribution(const Tensor& q) {
  if (q.rank() != 2)
    throw ShapeError("target distribution: want (N, K), got " + shape_str(q.shape()));
  const int64_t n = q.dim(0), k = q.dim(1);
  std::vector<double> f(k, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) f[j] += q[i * k + j];
  Tensor p({n, k});
  std::vector<double> row(k);
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int64_t j = 0; j < k; ++j) {
      row[j] = f[j] > 0 ? double(q[i * k + j]) * q[i * k + j] / f[j] : 0.0;
      sum += row[j];
    }
    for (int64_t j = 0; j < k; ++j)
      p[i * k + j] = sum > 0 ? static_cast<float>(row[j] / sum) : 0.0f;
  }
  return p;
}

std::vector<int> hard_assignments(const Tensor& q) {
  if (q.rank() != 2) throw ShapeError("hard assignments: want (N, K), got " + shape_str(q.shape()));
  const int64_t n = q.dim(0), k = q.dim(1);
  std::vector<int> labels(n, 0);
  for (int64_t i = 0; i < n; ++i) {
    const float* r = q.data() + i * k;
    labels[i] = static_cast<int>(std::max_element(r, r + k) - r);
  }
  return labels;
}

}  // namespace aelab::nn
