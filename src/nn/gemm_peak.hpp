#pragma once
// The yardstick for the layer benchmarks: what a bare oneDNN f32 matmul reaches on this machine.
#include <cstdint>

namespace aelab::nn {

// Best GFLOP/s (2 m n k / time) of a plain (m, k) x (k, n) oneDNN matmul over `reps` timed runs,
// after two warm-up runs, on the calling thread's oneDNN threads.
[[nodiscard]] double measure_gemm_peak_gflops(int64_t m, int64_t n, int64_t k, int reps);

}  // namespace aelab::nn
