// PCA: covariance, symmetric eigen-decomposition, projection and lifting.
//
// [SECTION] Symmetric eigen-decomposition
// [SECTION] PCA
#include "analysis/pca.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "analysis/sq_distances.hpp"
#include "core/error.hpp"

namespace aelab::analysis {

// [SECTION] Symmetric eigen-decomposition

namespace {

// Householder reduction A = Q T Q^T. Returns diagonal d, sub-diagonal e (e[i] = T[i+1][i],
// e[n-1] = 0) and Q^T in `qt` (rows contiguous, so the QL rotations below touch rows).
void tridiagonalize(std::vector<double>& a, int n, std::vector<double>& d, std::vector<double>& e,
                    std::vector<double>& qt) {
  qt.assign(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) qt[size_t(i) * n + i] = 1.0;
  d.assign(n, 0.0);
  e.assign(n, 0.0);
  std::vector<double> v(n), p(n), u(n);
  auto A = [&](int i, int j) -> double& { return a[size_t(i) * n + j]; };
  for (int k = 0; k + 2 < n; ++k) {
    const int m = n - k - 1;  // length of the column below the diagonal
    double tail = 0.0;
    for (int i = 1; i < m; ++i) tail += A(k + 1 + i, k) * A(k + 1 + i, k);
    const double x0 = A(k + 1, k);
    if (tail == 0.0) {  // already tridiagonal in this column
      e[k] = x0;
      continue;
    }
    const double norm = std::sqrt(x0 * x0 + tail);
    const double alpha = x0 > 0 ? -norm : norm;
    for (int i = 0; i < m; ++i) v[i] = A(k + 1 + i, k);
    v[0] -= alpha;
    const double vtv = v[0] * v[0] + tail;
    const double tau = 2.0 / vtv;
    // A22 <- H A22 H with H = I - tau v v^T:  p = tau A22 v, w = p - (tau/2)(v.p) v,
    // A22 -= v w^T + w v^T.
    for (int i = 0; i < m; ++i) {
      const double* row = &A(k + 1 + i, k + 1);
      double s = 0.0;
      for (int j = 0; j < m; ++j) s += row[j] * v[j];
      p[i] = tau * s;
    }
    double vp = 0.0;
    for (int i = 0; i < m; ++i) vp += v[i] * p[i];
    const double kk = 0.5 * tau * vp;
    for (int i = 0; i < m; ++i) p[i] -= kk * v[i];  // p is now w
    for (int i = 0; i < m; ++i) {
      double* row = &A(k + 1 + i, k + 1);
      const double vi = v[i], wi = p[i];
#pragma omp simd
      for (int j = 0; j < m; ++j) row[j] -= vi * p[j] + wi * v[j];
    }
    e[k] = alpha;
    // Q^T <- H Q^T on rows k+1.. : u = tau v^T Q^T[k+1:, :], Q^T[k+1+i, :] -= v_i u.
    std::fill(u.begin(), u.end(), 0.0);
    for (int i = 0; i < m; ++i) {
      const double* row = &qt[size_t(k + 1 + i) * n];
      const double vi = tau * v[i];
#pragma omp simd
      for (int j = 0; j < n; ++j) u[j] += vi * row[j];
    }
    for (int i = 0; i < m; ++i) {
      double* row = &qt[size_t(k + 1 + i) * n];
      const double vi = v[i];
#pragma omp simd
      for (int j = 0; j < n; ++j) row[j] -= vi * u[j];
    }
  }
  for (int i = 0; i < n; ++i) d[i] = A(i, i);
  if (n >= 2) e[n - 2] = A(n - 1, n - 2);
}

// Implicit-shift QL on the tridiagonal (d, e); rotations accumulate into the rows of zt, which
// start as Q^T and end as the eigenvectors (one per row).
void tridiagonal_ql(std::vector<double>& d, std::vector<double>& e, std::vector<double>& zt,
                    int n) {
  for (int l = 0; l < n; ++l) {
    int iter = 0;
    int m;
    do {
      for (m = l; m < n - 1; ++m) {
        const double dd = std::fabs(d[m]) + std::fabs(d[m + 1]);
        if (std::fabs(e[m]) <= 1e-15 * dd) break;
      }
      if (m == l) break;
      if (++iter > 100) throw std::runtime_error("PCA: eigen-decomposition did not converge");
      double g = (d[l + 1] - d[l]) / (2.0 * e[l]);
      double r = std::hypot(g, 1.0);
      g = d[m] - d[l] + e[l] / (g + std::copysign(r, g));
      double s = 1.0, c = 1.0, p = 0.0;
      int i;
      for (i = m - 1; i >= l; --i) {
        double f = s * e[i];
        const double b = c * e[i];
        r = std::hypot(f, g);
        e[i + 1] = r;
        if (r == 0.0) {  // underflow: deflate and restart this l
          d[i + 1] -= p;
          e[m] = 0.0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2.0 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        double* zi = &zt[size_t(i) * n];
        double* zi1 = &zt[size_t(i + 1) * n];
#pragma omp simd
        for (int k = 0; k < n; ++k) {
          f = zi1[k];
          zi1[k] = s * zi[k] + c * f;
          zi[k] = c * zi[k] - s * f;
        }
      }
      if (r == 0.0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0.0;
    } while (m != l);
  }
}

}  // namespace

SymmetricEigen symmetric_eigen(std::vector<double> a, int n) {
  if (n < 1 || a.size() != size_t(n) * n)
    throw InputError("symmetric_eigen: expected a square matrix of " + std::to_string(n) + "x" +
                     std::to_string(n));
  std::vector<double> d, e, zt;
  tridiagonalize(a, n, d, e, zt);
  tridiagonal_ql(d, e, zt, n);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int x, int y) { return d[x] > d[y]; });
  SymmetricEigen out;
  out.values.resize(n);
  out.vectors.resize(size_t(n) * n);
  for (int i = 0; i < n; ++i) {
    out.values[i] = d[order[i]];
    std::copy_n(&zt[size_t(order[i]) * n], n, &out.vectors[size_t(i) * n]);
  }
  return out;
}

// [SECTION] PCA

Pca fit_pca(const Tensor& x, int components) {
  if (x.rank() != 2)
    throw InputError("PCA: data must be a (N, D) matrix, got shape " + shape_str(x.shape()));
  const int64_t n = x.dim(0), d = x.dim(1);
  if (n < 2) throw InputError("PCA: needs at least 2 rows, got " + std::to_string(n));
  if (d < 1) throw InputError("PCA: data has 0 features");
  if (components < 1 || components > d)
    throw InputError("PCA: components = " + std::to_string(components) + " must be in [1, " +
                     std::to_string(d) + "]");
  for (float v : x.span())
    if (!std::isfinite(v)) throw InputError("PCA: data holds a NaN or infinite value");

  Pca pca;
  std::vector<double> mean(d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) mean[t] += x.data()[i * d + t];
  for (double& m : mean) m /= double(n);
  pca.mean.assign(mean.begin(), mean.end());

  // Centred data, transposed (D, N), so the covariance is one matmul xt . xt^T.
  std::vector<float> xt(size_t(d) * n);
#pragma omp parallel for schedule(static)
  for (int64_t t = 0; t < d; ++t)
    for (int64_t i = 0; i < n; ++i) xt[size_t(t) * n + i] = float(x.data()[i * d + t] - mean[t]);
  std::vector<float> cov_f(size_t(d) * d);
  SqDistances gemm;
  gemm.dot(xt.data(), d, xt.data(), d, n, cov_f.data());
  std::vector<double> cov(size_t(d) * d);
  for (int64_t i = 0; i < d; ++i)  // symmetrise away float rounding
    for (int64_t j = 0; j < d; ++j)
      cov[i * d + j] = 0.5 * (double(cov_f[i * d + j]) + cov_f[j * d + i]) / double(n - 1);
  double total = 0.0;
  for (int64_t i = 0; i < d; ++i) total += cov[i * d + i];

  const SymmetricEigen eig = symmetric_eigen(std::move(cov), int(d));
  pca.components = Tensor({components, d});
  for (int c = 0; c < components; ++c) {
    const double* v = &eig.vectors[size_t(c) * d];
    int64_t arg = 0;
    for (int64_t t = 1; t < d; ++t)
      if (std::fabs(v[t]) > std::fabs(v[arg])) arg = t;
    const double sign = v[arg] < 0 ? -1.0 : 1.0;
    for (int64_t t = 0; t < d; ++t) pca.components.data()[c * d + t] = float(sign * v[t]);
    const double ev = std::max(eig.values[c], 0.0);
    pca.explained_variance.push_back(ev);
    pca.explained_variance_ratio.push_back(total > 0 ? ev / total : 0.0);
  }
  return pca;
}

Tensor Pca::project(const Tensor& x) const {
  const int64_t d = dims(), c = n_components();
  if (x.rank() != 2 || x.dim(1) != d)
    throw InputError("PCA project: expected (N, " + std::to_string(d) + ") data, got " +
                     shape_str(x.shape()));
  const int64_t n = x.dim(0);
  Tensor y({n, c});
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k) {
      const float* comp = components.data() + k * d;
      double s = 0.0;
      for (int64_t t = 0; t < d; ++t) s += double(x.data()[i * d + t] - mean[t]) * comp[t];
      y.data()[i * c + k] = float(s);
    }
  return y;
}

std::vector<float> Pca::lift(std::span<const float> point) const {
  const int64_t d = dims(), c = n_components();
  if (point.empty() || int64_t(point.size()) > c)
    throw InputError("PCA lift: point has " + std::to_string(point.size()) +
                     " coordinates, the PCA has " + std::to_string(c) + " components");
  std::vector<float> out(mean);
  for (size_t k = 0; k < point.size(); ++k) {
    const float* comp = components.data() + k * d;
    for (int64_t t = 0; t < d; ++t) out[t] += point[k] * comp[t];
  }
  return out;
}

}  // namespace aelab::analysis
