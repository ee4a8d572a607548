#pragma once
// Squared Euclidean distances between two sets of rows through one oneDNN f32 matmul:
//   ||a_i - b_j||^2 = ||a_i||^2 - 2 a_i . b_j + ||b_j||^2
// k-means, k-means++ and the t-SNE neighbour search all reduce to this. Primitives are built
// once per (M, K, D) shape and kept (oneDNN: not shared across threads, so one object per user).
#include <algorithm>
#include <cstdint>
#include <dnnl.hpp>
#include <span>
#include <vector>

namespace aelab::analysis {

// Loops over fewer values than this run on one thread: forking costs more than the work (and far
// more on a loaded machine, where OpenMP barriers wait on descheduled threads).
inline constexpr int64_t kParallelMinWork = int64_t(1) << 18;

// ||a||^2 - 2 a.b + ||b||^2 from the dot product, clamped at 0 (rounding): distances() forms
// every entry so, and callers that keep the dot products form them where they read them.
[[nodiscard]] inline float sq_distance_from_dot(float a_sq, float dot, float b_sq) {
  return std::max(a_sq - 2.0f * dot + b_sq, 0.0f);
}

class SqDistances {
 public:
  // a: (m, d), b: (k, d) row-major -> out: (m, k) dot products a . b^T.
  void dot(const float* a, int64_t m, const float* b, int64_t k, int64_t d, float* out);
  // a_sq/b_sq: squared row norms -> out: (m, k) squared distances, clamped at 0 (rounding).
  void distances(const float* a, const float* a_sq, int64_t m, const float* b, const float* b_sq,
                 int64_t k, int64_t d, float* out);

 private:
  struct Prim {
    int64_t m, k, d;
    dnnl::memory::desc a_md, b_md, c_md;
    dnnl::matmul matmul;
  };
  Prim& prim_for(int64_t m, int64_t k, int64_t d);
  std::vector<Prim> cache_;
};

// Squared norms of the rows of a (m, d), accumulated in double.
[[nodiscard]] std::vector<float> row_sq_norms(const float* a, int64_t m, int64_t d);

// The plain loop the GEMM path is tested against: out (m, k) in double.
[[nodiscard]] std::vector<double> sq_distances_reference(const float* a, int64_t m, const float* b,
                                                         int64_t k, int64_t d);

}  // namespace aelab::analysis
