#pragma once
// PCA of latent codes: covariance through one oneDNN matmul, then a symmetric eigen-decomposition
// (Householder tridiagonalisation + implicit-shift QL, our own code; D up to a few hundred).
// The window projects codes onto the first components and lifts a clicked 2-D point back.
#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::analysis {

struct Pca {
  std::vector<float> mean;                       // (D)
  Tensor components;                             // (c, D), orthonormal rows, largest variance first
  std::vector<double> explained_variance;        // (c) eigenvalues of the covariance (N - 1)
  std::vector<double> explained_variance_ratio;  // (c) share of the total variance

  [[nodiscard]] int dims() const { return int(mean.size()); }
  [[nodiscard]] int n_components() const { return components.empty() ? 0 : int(components.dim(0)); }
  // x: (N, D) -> (N, c)
  [[nodiscard]] Tensor project(const Tensor& x) const;
  // p: (c') with c' <= c -> (D): mean + components[:c']^T p
  [[nodiscard]] std::vector<float> lift(std::span<const float> point) const;
};

// x: (N, D), N >= 2, 1 <= components <= D. Each component's largest-magnitude entry is positive.
[[nodiscard]] Pca fit_pca(const Tensor& x, int components);
[[nodiscard]] Pca fit_pca(std::span<const float> x, int64_t n, int64_t d, int components);

// Eigen-decomposition of a symmetric (n, n) matrix (row-major, double): eigenvalues descending,
// eigenvectors as rows of `vectors` (n, n). Exposed for tests.
struct SymmetricEigen {
  std::vector<double> values;
  std::vector<double> vectors;
};
[[nodiscard]] SymmetricEigen symmetric_eigen(std::vector<double> a, int n);
// Only the `count` largest: eigenvalues by QL without vectors (O(n^2) after the O(n^3)
// tridiagonalisation), eigenvectors by inverse iteration on the tridiagonal form. What PCA uses.
[[nodiscard]] SymmetricEigen symmetric_eigen_top(std::vector<double> a, int n, int count);

}  // namespace aelab::analysis
