#pragma once
// A float matrix transposed into another buffer: Linear's backward data reads W through such a
// copy on AVX2 machines (linear.cpp says why). oneDNN's reorder does the same at ~10 GB/s on a
// 784 x 512 weight (0.33 ms, 2 % of a one-thread study-MLP step); 8 x 8 register blocks inside
// 64 x 64 cache blocks do it in ~0.08 ms.
#include <cstdint>

namespace aelab::nn {

// src (rows, cols) row-major -> dst (cols, rows) row-major; the buffers must not overlap.
void transpose(const float* src, int64_t rows, int64_t cols, float* dst);

}  // namespace aelab::nn
