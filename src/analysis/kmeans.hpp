#pragma once
// k-means on latent codes: greedy k-means++ seeding (2 + ln k candidates per step, as
// scikit-learn), Lloyd iterations with point-to-centroid distances through one oneDNN matmul,
// empty clusters re-seeded with the farthest points, several restarts keeping the lowest inertia.
// The restarts run side by side: one pass over the data per step serves all of them (the data,
// 70,000 x 256 floats, is far larger than the cache; the centroids are not).
// Same seed and thread count -> same result.
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::analysis {

struct KMeansConfig {
  int k = 10;
  int restarts = 10;
  int max_iter = 300;
  double tol = 1e-4;  // on the summed squared centroid shift, relative to the mean feature variance
  uint64_t seed = 0;
};

struct KMeansResult {
  std::vector<int> labels;              // (N) cluster per row
  Tensor centroids;                     // (k, D)
  double inertia = 0.0;                 // sum of squared distances to the assigned centroid
  int iterations = 0;                   // Lloyd iterations of the best restart
  std::vector<double> restart_inertia;  // one per finished restart
  bool cancelled = false;               // stopped by *cancel; holds the best finished restart
};

// x: (N, D) -> labels (N), centroids (k, D). Throws InputError on k outside [1, N], D = 0,
// non-finite values or a nonsensical config. progress gets the finished fraction in [0, 1].
[[nodiscard]] KMeansResult kmeans(const Tensor& x, const KMeansConfig& config,
                                  std::atomic<bool>* cancel = nullptr,
                                  std::function<void(double)> progress = {});
// Same on a row-major (n, d) buffer (copied).
[[nodiscard]] KMeansResult kmeans(std::span<const float> x, int64_t n, int64_t d,
                                  const KMeansConfig& config, std::atomic<bool>* cancel = nullptr,
                                  std::function<void(double)> progress = {});

// k-means++ seeding alone: (k, D) centroids picked among the rows of x.
[[nodiscard]] Tensor kmeans_plus_plus(const Tensor& x, int k, uint64_t seed);

// Lloyd iterations from given centroids (one restart), fast path and the plain reference loop
// the tests compare it with. `tol` is already scaled (absolute squared shift).
[[nodiscard]] KMeansResult lloyd(const Tensor& x, const Tensor& init, int max_iter, double tol);
// Lloyd from several starts at once (what kmeans() does with its restarts): each iteration is one
// GEMM against every running start's centroids and one pass over the rows for all of them; each
// start stops by its own rules and ends where lloyd() from it alone would.
[[nodiscard]] std::vector<KMeansResult> lloyd_many(const Tensor& x, std::span<const Tensor> inits,
                                                   int max_iter, double tol);
[[nodiscard]] KMeansResult lloyd_reference(const Tensor& x, const Tensor& init, int max_iter,
                                           double tol);

// Sum of squared distances of each row to its centroid, in double.
[[nodiscard]] double inertia(const Tensor& x, const Tensor& centroids,
                             const std::vector<int>& labels);

namespace detail {
// For tests: the row-by-row path's dot products x . c for every centre of `centres` (k, d), for
// one row (row_dots) and for two at once (pair_dots: the kernel this CPU runs, AVX2's where it
// has one). Each row must get the same values from both: the path pairs rows as they come.
void kmeans_row_dots(const float* x, const float* centres, int k, int64_t d, float* out);
void kmeans_pair_dots(const float* x0, const float* x1, const float* centres, int k, int64_t d,
                      float* out0, float* out1);
// Whether kmeans_pair_dots is the AVX2 + FMA kernel.
[[nodiscard]] bool kmeans_vector_pair_kernel();
}  // namespace detail

}  // namespace aelab::analysis
