#include <omp.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/pca.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

using namespace aelab;
using namespace aelab::analysis;

TEST_CASE("Symmetric eigen: a 2x2 by hand and random matrices by definition", "[analysis][pca]") {
  const auto e2 = symmetric_eigen({2, 1, 1, 2}, 2);  // eigenvalues 3 and 1
  REQUIRE(e2.values[0] == Approx(3.0));
  REQUIRE(e2.values[1] == Approx(1.0));
  REQUIRE(std::fabs(e2.vectors[0]) == Approx(std::sqrt(0.5)));
  REQUIRE(e2.vectors[0] * e2.vectors[1] > 0);  // (1, 1) direction

  Rng rng(5);
  for (int n : {1, 3, 17, 40}) {
    std::vector<double> a(size_t(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = rng.uniform(-1, 1);
    const auto e = symmetric_eigen(a, n);
    double trace = 0.0, sum = 0.0;
    for (int i = 0; i < n; ++i) trace += a[i * n + i];
    for (int k = 0; k < n; ++k) {
      sum += e.values[k];
      if (k > 0) REQUIRE(e.values[k] <= e.values[k - 1]);
      const double* v = &e.vectors[size_t(k) * n];
      for (int i = 0; i < n; ++i) {  // A v = lambda v
        double av = 0.0;
        for (int j = 0; j < n; ++j) av += a[i * n + j] * v[j];
        REQUIRE(av == Approx(e.values[k] * v[i]).margin(1e-10));
      }
      for (int l = 0; l < n; ++l) {  // orthonormal
        double dot = 0.0;
        for (int i = 0; i < n; ++i) dot += v[i] * e.vectors[size_t(l) * n + i];
        REQUIRE(dot == Approx(k == l ? 1.0 : 0.0).margin(1e-10));
      }
    }
    REQUIRE(sum == Approx(trace).margin(1e-10));
  }
}

TEST_CASE("Top eigenpairs by inverse iteration match the full decomposition", "[analysis][pca]") {
  Rng rng(8);
  for (int n : {2, 5, 30, 64}) {
    std::vector<double> a(size_t(n) * n);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j <= i; ++j) a[i * n + j] = a[j * n + i] = rng.uniform(-1, 1);
    const auto full = symmetric_eigen(a, n);
    const int count = std::min(n, 4);
    const auto top = symmetric_eigen_top(a, n, count);
    for (int k = 0; k < count; ++k) {
      REQUIRE(top.values[k] == Approx(full.values[k]).margin(1e-10));
      double dot = 0.0;
      for (int i = 0; i < n; ++i)
        dot += top.vectors[size_t(k) * n + i] * full.vectors[size_t(k) * n + i];
      REQUIRE(std::fabs(dot) == Approx(1.0).margin(1e-8));
    }
  }
  // A repeated eigenvalue (identity plus a rank-one bump): the vectors stay orthonormal and are
  // eigenvectors, whichever basis of the repeated space they pick.
  const int n = 12;
  std::vector<double> a(size_t(n) * n, 0.0);
  for (int i = 0; i < n; ++i) a[i * n + i] = 1.0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) a[i * n + j] += 0.5 * (i % 3 == 0) * (j % 3 == 0);
  const auto top = symmetric_eigen_top(a, n, 4);
  REQUIRE(top.values[0] == Approx(1.0 + 0.5 * 4));
  for (int k = 1; k < 4; ++k) REQUIRE(top.values[k] == Approx(1.0));
  for (int k = 0; k < 4; ++k) {
    const double* v = &top.vectors[size_t(k) * n];
    for (int i = 0; i < n; ++i) {
      double av = 0.0;
      for (int j = 0; j < n; ++j) av += a[i * n + j] * v[j];
      REQUIRE(av == Approx(top.values[k] * v[i]).margin(1e-9));
    }
    for (int l = 0; l < 4; ++l) {
      double dot = 0.0;
      for (int i = 0; i < n; ++i) dot += v[i] * top.vectors[size_t(l) * n + i];
      REQUIRE(dot == Approx(k == l ? 1.0 : 0.0).margin(1e-9));
    }
  }
}

TEST_CASE("PCA recovers the axes of a rotated anisotropic Gaussian", "[analysis][pca]") {
  // Orthonormal axes of R^3 (a rotation), standard deviations 5, 2, 0.5 along them.
  const double s2 = std::sqrt(0.5), s3 = std::sqrt(1.0 / 3.0), s6 = std::sqrt(1.0 / 6.0);
  const double axes[3][3] = {{s3, s3, s3}, {s2, -s2, 0}, {s6, s6, -2 * s6}};
  const double sd[3] = {5, 2, 0.5};
  const int n = 20000;
  Rng rng(13);
  Tensor x({n, 3});
  for (int i = 0; i < n; ++i) {
    const double z[3] = {sd[0] * rng.normal(), sd[1] * rng.normal(), sd[2] * rng.normal()};
    for (int t = 0; t < 3; ++t)
      x.data()[i * 3 + t] =
          float(1.0 + t + z[0] * axes[0][t] + z[1] * axes[1][t] + z[2] * axes[2][t]);
  }
  const Pca pca = fit_pca(x, 3);
  for (int c = 0; c < 3; ++c) {
    double dot = 0.0;
    for (int t = 0; t < 3; ++t) dot += pca.components.data()[c * 3 + t] * axes[c][t];
    REQUIRE(std::fabs(dot) == Approx(1.0).margin(2e-3));
    REQUIRE(pca.explained_variance[c] == Approx(sd[c] * sd[c]).epsilon(0.04));
  }
  REQUIRE(pca.mean[0] == Approx(1.0).margin(0.1));
  REQUIRE(pca.mean[2] == Approx(3.0).margin(0.1));
  REQUIRE(pca.explained_variance_ratio[0] == Approx(25.0 / 29.25).epsilon(0.02));
  // Sign convention: the largest-magnitude entry of each component is positive.
  for (int c = 0; c < 3; ++c) {
    int arg = 0;
    for (int t = 1; t < 3; ++t)
      if (std::fabs(pca.components.data()[c * 3 + t]) >
          std::fabs(pca.components.data()[c * 3 + arg]))
        arg = t;
    REQUIRE(pca.components.data()[c * 3 + arg] > 0);
  }
}

TEST_CASE("PCA project and lift round-trip data in a 2-D subspace", "[analysis][pca]") {
  const int n = 500, d = 10;
  Rng rng(17);
  std::vector<double> m(d), u(d), w(d);
  for (int t = 0; t < d; ++t) {
    m[t] = rng.uniform(-3, 3);
    u[t] = rng.normal();
    w[t] = rng.normal();
  }
  Tensor x({n, d});
  for (int i = 0; i < n; ++i) {
    const double a = 4 * rng.normal(), b = rng.normal();
    for (int t = 0; t < d; ++t) x.data()[i * d + t] = float(m[t] + a * u[t] + b * w[t]);
  }
  const Pca pca = fit_pca(x, 2);
  REQUIRE(pca.explained_variance_ratio[0] + pca.explained_variance_ratio[1] ==
          Approx(1.0).margin(1e-5));
  const Tensor y = pca.project(x);
  REQUIRE(y.shape() == Shape{n, 2});
  for (int i = 0; i < n; i += 37) {
    const auto back = pca.lift(y.row(i));
    for (int t = 0; t < d; ++t) REQUIRE(back[t] == Approx(x.data()[i * d + t]).margin(2e-3));
  }
  // The mean lifts from the origin.
  const auto origin = pca.lift(std::vector<float>{0, 0});
  for (int t = 0; t < d; ++t) REQUIRE(origin[t] == pca.mean[t]);
}

TEST_CASE("PCA of constant data gives zero variance, finite unit components", "[analysis][pca]") {
  const Pca pca = fit_pca(Tensor({10, 4}, 3.0f), 2);
  for (int c = 0; c < 2; ++c) {
    REQUIRE(pca.explained_variance[c] == 0.0);
    double norm = 0.0;
    for (int t = 0; t < 4; ++t) norm += std::pow(pca.components.data()[c * 4 + t], 2);
    REQUIRE(norm == Approx(1.0));
  }
}

TEST_CASE("PCA refuses bad input", "[analysis][pca]") {
  REQUIRE_THROWS_AS(fit_pca(Tensor({1, 3}), 1), InputError);
  REQUIRE_THROWS_AS(fit_pca(Tensor({5, 3}), 4), InputError);
  REQUIRE_THROWS_AS(fit_pca(Tensor({5, 3}), 0), InputError);
  Tensor x({4, 2}, 1.0f);
  x[1] = NAN;
  REQUIRE_THROWS_AS(fit_pca(x, 1), InputError);
  const Pca pca = fit_pca(Tensor({4, 2}, std::vector<float>{0, 0, 1, 1, 2, 2, 3, 3}), 1);
  REQUIRE_THROWS_AS(pca.project(Tensor({3, 5})), InputError);
  REQUIRE_THROWS_AS(pca.lift(std::vector<float>{1, 2}), InputError);
}

TEST_CASE("PCA gives the same components for 1 and 2 threads", "[analysis][pca]") {
  // 20,000 rows: the covariance GEMM's inner dimension is long enough for oneDNN to split it
  // over threads, which changed its rounding (and so every t-SNE map started from it).
  Rng rng(17);
  Tensor x({20000, 24});
  for (float& v : x.span()) v = float(rng.normal());
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const Pca one = fit_pca(x, 3);
  omp_set_num_threads(2);
  const Pca two = fit_pca(x, 3);
  omp_set_num_threads(before);
  CHECK(omp_get_max_threads() == before);  // the fit restores the caller's thread count
  for (int64_t i = 0; i < one.components.numel(); ++i)
    REQUIRE(one.components.data()[i] == two.components.data()[i]);
  REQUIRE(one.explained_variance == two.explained_variance);
}
