// PCA: covariance, symmetric eigen-decomposition, projection and lifting.
//
// [SECTION] Symmetric eigen-decomposition
// [SECTION] PCA
#include "analysis/pca.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "analysis/sq_distances.hpp"
#include "core/error.hpp"

namespace aelab::analysis {

// [SECTION] Symmetric eigen-decomposition

namespace {

// Householder reduction A = Q T Q^T with Q = H_0 H_1 ... H_{n-3}. Returns diagonal d, sub-diagonal
// e (e[i] = T[i+1][i], e[n-1] = 0), the reflectors (H_k = I - tau_k v_k v_k^T on indices k+1..,
// v_k in row k of hv) and, when qt is given, Q^T (rows contiguous, so QL rotations touch rows).
void tridiagonalize(std::vector<double>& a, int n, std::vector<double>& d, std::vector<double>& e,
                    std::vector<double>& hv, std::vector<double>& htau, std::vector<double>* qt) {
  if (qt) {
    qt->assign(size_t(n) * n, 0.0);
    for (int i = 0; i < n; ++i) (*qt)[size_t(i) * n + i] = 1.0;
  }
  hv.assign(size_t(n) * n, 0.0);
  htau.assign(n, 0.0);
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
#pragma omp simd reduction(+ : s)
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
    std::copy_n(v.begin(), m, &hv[size_t(k) * n]);
    htau[k] = tau;
    if (!qt) continue;
    // Q^T <- H Q^T on rows k+1.. : u = tau v^T Q^T[k+1:, :], Q^T[k+1+i, :] -= v_i u.
    std::fill(u.begin(), u.end(), 0.0);
    for (int i = 0; i < m; ++i) {
      const double* row = &(*qt)[size_t(k + 1 + i) * n];
      const double vi = tau * v[i];
#pragma omp simd
      for (int j = 0; j < n; ++j) u[j] += vi * row[j];
    }
    for (int i = 0; i < m; ++i) {
      double* row = &(*qt)[size_t(k + 1 + i) * n];
      const double vi = v[i];
#pragma omp simd
      for (int j = 0; j < n; ++j) row[j] -= vi * u[j];
    }
  }
  for (int i = 0; i < n; ++i) d[i] = A(i, i);
  if (n >= 2) e[n - 2] = A(n - 1, n - 2);
}

// Implicit-shift QL on the tridiagonal (d, e); rotations accumulate into the rows of zt, which
// start as Q^T and end as the eigenvectors (one per row). Without zt: eigenvalues only, O(n^2).
void tridiagonal_ql(std::vector<double>& d, std::vector<double>& e, std::vector<double>* zt,
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
        if (!zt) continue;
        double* zi = &(*zt)[size_t(i) * n];
        double* zi1 = &(*zt)[size_t(i + 1) * n];
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

// Eigenvector of the tridiagonal (d, e) for eigenvalue lambda by inverse iteration: LU with partial
// pivoting of T - lambda I (U has two super-diagonals), a few solves, Gram-Schmidt against the
// vectors already found so clustered eigenvalues still give an orthonormal set.
std::vector<double> tridiagonal_eigvec(const std::vector<double>& d, const std::vector<double>& e,
                                       int n, double lambda, double tnorm,
                                       const std::vector<std::vector<double>>& previous) {
  const double tiny = (tnorm > 0.0 ? tnorm : 1.0) * 1e-14;  // zero matrix: any vector will do
  std::vector<double> u0(n), u1(n, 0.0), u2(n, 0.0), l(n, 0.0);
  std::vector<char> swapped(n, 0);
  double cur_d = d[0] - lambda, cur_s = n > 1 ? e[0] : 0.0;
  for (int i = 0; i + 1 < n; ++i) {
    const double sub = e[i], nd = d[i + 1] - lambda, ns = i + 2 < n ? e[i + 1] : 0.0;
    if (std::fabs(cur_d) >= std::fabs(sub)) {
      if (cur_d == 0.0) cur_d = tiny;
      const double m = sub / cur_d;
      u0[i] = cur_d;
      u1[i] = cur_s;
      l[i] = m;
      cur_d = nd - m * cur_s;
      cur_s = ns;
    } else {
      const double m = cur_d / sub;
      u0[i] = sub;
      u1[i] = nd;
      u2[i] = ns;
      l[i] = m;
      swapped[i] = 1;
      cur_d = cur_s - m * nd;
      cur_s = -m * ns;
    }
  }
  u0[n - 1] = cur_d == 0.0 ? tiny : cur_d;
  for (int i = 0; i < n; ++i)
    if (std::fabs(u0[i]) < tiny) u0[i] = std::copysign(tiny, u0[i]);

  std::vector<double> y(n);
  for (int i = 0; i < n; ++i) y[i] = 1.0 + 0.37 * std::sin(1.0 + 2.3 * i);  // fixed, generic start
  for (int iter = 0; iter < 4; ++iter) {
    for (int i = 0; i + 1 < n; ++i) {  // L^-1 (row swaps and eliminations)
      if (swapped[i]) std::swap(y[i], y[i + 1]);
      y[i + 1] -= l[i] * y[i];
    }
    for (int i = n - 1; i >= 0; --i) {  // U^-1
      double s = y[i];
      if (i + 1 < n) s -= u1[i] * y[i + 1];
      if (i + 2 < n) s -= u2[i] * y[i + 2];
      y[i] = s / u0[i];
    }
    for (const auto& p : previous) {
      double dot = 0.0;
      for (int i = 0; i < n; ++i) dot += p[i] * y[i];
      for (int i = 0; i < n; ++i) y[i] -= dot * p[i];
    }
    double norm = 0.0;
    for (double v : y) norm += v * v;
    norm = std::sqrt(norm);
    if (norm == 0.0) y[iter % n] = 1.0, norm = 1.0;
    for (double& v : y) v /= norm;
  }
  return y;
}

}  // namespace

SymmetricEigen symmetric_eigen_top(std::vector<double> a, int n, int count) {
  if (n < 1 || a.size() != size_t(n) * n)
    throw InputError("symmetric_eigen_top: expected a square matrix of " + std::to_string(n) + "x" +
                     std::to_string(n));
  count = std::clamp(count, 0, n);
  std::vector<double> d, e, hv, htau;
  tridiagonalize(a, n, d, e, hv, htau, nullptr);
  std::vector<double> dd = d, ee = e;
  tridiagonal_ql(dd, ee, nullptr, n);
  std::sort(dd.begin(), dd.end(), std::greater<>());
  double tnorm = 0.0;
  for (int i = 0; i < n; ++i)
    tnorm = std::max(tnorm, std::fabs(d[i]) + std::fabs(e[i]) + (i ? std::fabs(e[i - 1]) : 0.0));

  SymmetricEigen out;
  out.values.assign(dd.begin(), dd.begin() + count);
  out.vectors.resize(size_t(count) * n);
  std::vector<std::vector<double>> found;
  for (int c = 0; c < count; ++c) {
    std::vector<double> z = tridiagonal_eigvec(d, e, n, dd[c], tnorm, found);
    found.push_back(z);
    // Back to A's basis: Q z = H_0 (H_1 (... H_{n-3} z)).
    for (int k = n - 3; k >= 0; --k) {
      if (htau[k] == 0.0) continue;
      const double* v = &hv[size_t(k) * n];
      const int m = n - k - 1;
      double dot = 0.0;
      for (int i = 0; i < m; ++i) dot += v[i] * z[k + 1 + i];
      dot *= htau[k];
      for (int i = 0; i < m; ++i) z[k + 1 + i] -= dot * v[i];
    }
    std::copy(z.begin(), z.end(), &out.vectors[size_t(c) * n]);
  }
  return out;
}

SymmetricEigen symmetric_eigen(std::vector<double> a, int n) {
  if (n < 1 || a.size() != size_t(n) * n)
    throw InputError("symmetric_eigen: expected a square matrix of " + std::to_string(n) + "x" +
                     std::to_string(n));
  std::vector<double> d, e, zt, hv, htau;
  tridiagonalize(a, n, d, e, hv, htau, &zt);
  tridiagonal_ql(d, e, &zt, n);
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
  {
    // On one thread: oneDNN splits this GEMM's long inner dimension (the rows) by the thread
    // count, so its rounding, and with it a t-SNE map started from this PCA, changed with the
    // thread count (seen on an AVX2 machine). The calling thread's count only, restored after;
    // 70,000 x 256 takes about 0.1 s this way.
    struct OneThread {
      int before = omp_get_max_threads();
      OneThread() { omp_set_num_threads(1); }
      ~OneThread() { omp_set_num_threads(before); }
    } one_thread;
    SqDistances gemm;
    gemm.dot(xt.data(), d, xt.data(), d, n, cov_f.data());
  }
  std::vector<double> cov(size_t(d) * d);
  for (int64_t i = 0; i < d; ++i)  // symmetrise away float rounding
    for (int64_t j = 0; j < d; ++j)
      cov[i * d + j] = 0.5 * (double(cov_f[i * d + j]) + cov_f[j * d + i]) / double(n - 1);
  double total = 0.0;
  for (int64_t i = 0; i < d; ++i) total += cov[i * d + i];

  const SymmetricEigen eig = symmetric_eigen_top(std::move(cov), int(d), components);
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

Pca fit_pca(std::span<const float> x, int64_t n, int64_t d, int components) {
  if (n < 0 || d < 0 || int64_t(x.size()) != n * d)
    throw InputError("PCA: buffer of " + std::to_string(x.size()) + " values is not " +
                     std::to_string(n) + " x " + std::to_string(d));
  return fit_pca(Tensor({n, d}, x), components);
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
