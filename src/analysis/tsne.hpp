#pragma once
// t-SNE for the latent-space map: exact-perplexity affinities on the 3 * perplexity nearest
// neighbours (a vantage-point tree for many low-dimensional points, brute force through GEMM
// distances otherwise), symmetrised sparse P, and a Barnes-Hut
// (quadtree) gradient for the 2-D map. Optimisation follows scikit-learn: early exaggeration 12
// for 250 iterations with momentum 0.5, then momentum 0.8, per-coordinate gains, learning rate
// "auto" = max(N / 12 / 4, 50). Same seed and thread count -> same map.
#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace aelab::analysis {

enum class TsneInit { Pca, Random };

struct TsneConfig {
  double perplexity = 30.0;
  int iterations = 1000;  // total, exaggeration phase included
  int exaggeration_iters = 250;
  double early_exaggeration = 12.0;
  double learning_rate = 0.0;     // <= 0: auto
  double theta = 0.5;             // Barnes-Hut opening angle; 0 = exact repulsion (slow)
  TsneInit init = TsneInit::Pca;  // PCA scaled to std 1e-4 (sklearn's default) or N(0, 1e-4)
  uint64_t seed = 0;
};

struct TsneResult {
  Tensor y;            // (N, 2)
  double kl = 0.0;     // KL(P || Q) of the final map
  int iterations = 0;  // done (fewer when cancelled)
  bool cancelled = false;
};

// x: (N, D) -> (N, 2). Throws InputError on N < 4, non-finite data, perplexity outside
// (0, N - 1) or a nonsensical config. progress gets the finished fraction in [0, 1].
[[nodiscard]] TsneResult tsne(const Tensor& x, const TsneConfig& config,
                              std::atomic<bool>* cancel = nullptr,
                              std::function<void(double)> progress = {});
// What a progress fraction of tsne() means, for a status line: "neighbours and affinities"
// before the iterations, "iteration i of N" during them, "final KL" after, "done" at 1.
[[nodiscard]] std::string tsne_stage(double fraction, int iterations);
// Same on a row-major (n, d) buffer (copied).
[[nodiscard]] TsneResult tsne(std::span<const float> x, int64_t n, int64_t d,
                              const TsneConfig& config, std::atomic<bool>* cancel = nullptr,
                              std::function<void(double)> progress = {});

// Leave-one-out majority vote of the k nearest neighbours in the map (ties: the label of the
// nearest neighbour among the tied ones; equal distances: the lower index). How well the map keeps
// digits apart. Neighbours through a uniform grid: O(N k) for 70,000 points.
[[nodiscard]] double knn_label_accuracy(const Tensor& y2d, std::span<const int> labels, int k = 10);
[[nodiscard]] double knn_label_accuracy(const Tensor& y2d, std::span<const uint8_t> labels,
                                        int k = 10);

// [SECTION] Pieces exposed for tests

// Symmetric sparse P in CSR form; the entries sum to 1. Computed in double, kept in float: the
// optimiser streams P every iteration (8.4 M entries at 70,000 points), and a relative rounding
// of 6e-8 is far below the Barnes-Hut error (about 1e-2) and the perplexity search's tolerance.
struct SparseAffinities {
  int64_t n = 0;
  std::vector<int64_t> row_ptr;  // (n + 1)
  std::vector<int> col;
  std::vector<float> val;
};

// Conditional p_{j|i} over the k nearest neighbours of each row, sigma per row by binary search
// so the entropy is log(perplexity). neighbours/cond: (n, k). Squared distances in dist2.
// The k nearest neighbours of every row of x (self excluded), by exact squared distance in double
// (dist2), ties by index; idx and dist2 are (n, k). Both give the same answer; tsne() picks the
// tree for N >= 4096 and D <= 64.
void tsne_neighbours_brute(const Tensor& x, int k, std::vector<int>& idx,
                           std::vector<double>& dist2);
void tsne_neighbours_tree(const Tensor& x, int k, std::vector<int>& idx,
                          std::vector<double>& dist2);

void tsne_conditional(std::span<const double> dist2, int64_t n, int k, double perplexity,
                      std::vector<double>& cond);
[[nodiscard]] SparseAffinities tsne_affinities(const Tensor& x, double perplexity);

// KL gradient of the 2-D map y (n * 2) for affinities P (times exaggeration), exact O(n^2)
// reference and Barnes-Hut. Returns Z = sum of the unnormalised q over all pairs.
double tsne_gradient_exact(const SparseAffinities& p, std::span<const double> y,
                           double exaggeration, std::span<double> grad);
double tsne_gradient_bh(const SparseAffinities& p, std::span<const double> y, double exaggeration,
                        double theta, std::span<double> grad);

namespace detail {
// Whether the attraction runs a vector kernel on this CPU (AVX2 + FMA + F16C).
[[nodiscard]] bool tsne_vector_kernels();
// For tests: the plain attraction loop (true) or the best this CPU runs (false).
void set_tsne_plain_kernels(bool plain);
}  // namespace detail

}  // namespace aelab::analysis
