#include "nn/transpose.hpp"

#include <algorithm>

#ifdef __x86_64__
#include <immintrin.h>
#endif

namespace aelab::nn {

namespace {

// Cache blocks of kBlock x kBlock floats: one block of src and one of dst (16 KiB each) stay in
// L1 while the 8 x 8 tiles inside go through registers.
constexpr int64_t kBlock = 64;

// dst[j][i] = src[i][j] for i in [i0, i1), j in [j0, j1): the plain loop, for the edges and for
// CPUs without AVX2.
void transpose_plain(const float* src, int64_t rows, int64_t cols, float* dst, int64_t i0,
                     int64_t i1, int64_t j0, int64_t j1) {
  for (int64_t j = j0; j < j1; ++j)
    for (int64_t i = i0; i < i1; ++i) dst[j * rows + i] = src[i * cols + j];
}

#ifdef __x86_64__
// One 8 x 8 tile: eight rows of src (stride ss) become eight rows of dst (stride ds).
__attribute__((target("avx2"), always_inline)) inline void tile8(const float* s, int64_t ss,
                                                                 float* d, int64_t ds) {
  const __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ss),
               r2 = _mm256_loadu_ps(s + 2 * ss), r3 = _mm256_loadu_ps(s + 3 * ss),
               r4 = _mm256_loadu_ps(s + 4 * ss), r5 = _mm256_loadu_ps(s + 5 * ss),
               r6 = _mm256_loadu_ps(s + 6 * ss), r7 = _mm256_loadu_ps(s + 7 * ss);
  // Pairs of rows interleaved, then pairs of pairs: each 128-bit half holds a 4 x 4 quarter.
  const __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1),
               t2 = _mm256_unpacklo_ps(r2, r3), t3 = _mm256_unpackhi_ps(r2, r3),
               t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
               t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
  const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
               u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
               u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
               u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
  // The low halves of rows 0-3 with those of rows 4-7 give dst rows 0-3, the high halves 4-7.
  _mm256_storeu_ps(d, _mm256_permute2f128_ps(u0, u4, 0x20));
  _mm256_storeu_ps(d + ds, _mm256_permute2f128_ps(u1, u5, 0x20));
  _mm256_storeu_ps(d + 2 * ds, _mm256_permute2f128_ps(u2, u6, 0x20));
  _mm256_storeu_ps(d + 3 * ds, _mm256_permute2f128_ps(u3, u7, 0x20));
  _mm256_storeu_ps(d + 4 * ds, _mm256_permute2f128_ps(u0, u4, 0x31));
  _mm256_storeu_ps(d + 5 * ds, _mm256_permute2f128_ps(u1, u5, 0x31));
  _mm256_storeu_ps(d + 6 * ds, _mm256_permute2f128_ps(u2, u6, 0x31));
  _mm256_storeu_ps(d + 7 * ds, _mm256_permute2f128_ps(u3, u7, 0x31));
}

__attribute__((target("avx2"))) void transpose_avx2(const float* src, int64_t rows, int64_t cols,
                                                    float* dst) {
  const int64_t rows8 = rows / 8 * 8, cols8 = cols / 8 * 8;
#pragma omp parallel for if (rows * cols > (int64_t{1} << 18)) schedule(static)
  for (int64_t i0 = 0; i0 < rows8; i0 += kBlock)
    for (int64_t j0 = 0; j0 < cols8; j0 += kBlock) {
      const int64_t i1 = std::min(i0 + kBlock, rows8), j1 = std::min(j0 + kBlock, cols8);
      for (int64_t i = i0; i < i1; i += 8)
        for (int64_t j = j0; j < j1; j += 8)
          tile8(src + i * cols + j, cols, dst + j * rows + i, rows);
    }
  // The edges the 8 x 8 tiles leave: the last cols % 8 columns of every row, then the last
  // rows % 8 rows of the other columns.
  transpose_plain(src, rows, cols, dst, 0, rows, cols8, cols);
  transpose_plain(src, rows, cols, dst, rows8, rows, 0, cols8);
}
#endif

}  // namespace

void transpose(const float* src, int64_t rows, int64_t cols, float* dst) {
#ifdef __x86_64__
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) {
    transpose_avx2(src, rows, cols, dst);
    return;
  }
#endif
  for (int64_t i0 = 0; i0 < rows; i0 += kBlock)
    for (int64_t j0 = 0; j0 < cols; j0 += kBlock)
      transpose_plain(src, rows, cols, dst, i0, std::min(i0 + kBlock, rows), j0,
                      std::min(j0 + kBlock, cols));
}

}  // namespace aelab::nn
