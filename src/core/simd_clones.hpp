#pragma once

// Function multiversioning for the few hot loops of the library, which itself is built for
// baseline x86-64 so the binary runs anywhere. A function marked AELAB_CLONES_AVX512 (or
// AELAB_CLONES_AVX2) is compiled once per listed target and the best clone is picked at load.
//
// The clones are the x86-64 levels: v3 is AVX2 with FMA (as every AVX2 processor has), v4 adds
// AVX-512 (F, BW, CD, DQ, VL). "avx2" or "avx512f" alone leaves out FMA: a multiply-add then costs
// two instructions, and rounds twice, so the AVX-512 clone of a sum disagreed in the last bits with
// the AVX2 + FMA code beside it (the k-means pair kernel's test failed on an AVX-512 machine).
//
// Only GCC on x86-64 gets the clones: clang 14 cannot multiversion templates (the fuzz build, with
// clang, failed to resolve a cloned template's calls), and ASan's interceptors and ifuncs do not
// mix. Without clones the code is the same, built for the baseline.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_ADDRESS__)
#define AELAB_SIMD_CLONES 1
#define AELAB_CLONES_AVX512 \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#define AELAB_CLONES_AVX2 __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define AELAB_SIMD_CLONES 0
#define AELAB_CLONES_AVX512
#define AELAB_CLONES_AVX2
#endif

#include <cstring>

namespace aelab {

// Eight floats as one value of the compiler's vector extension: each clone of a function using it
// turns it into its own instructions (one AVX register, two SSE ones).
using Float8 = float __attribute__((vector_size(32)));

// (Always inlined into the clones, so GCC's note that a vector value changes the baseline's ABI
// does not apply: no Float8 crosses a call.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"
[[gnu::always_inline]] inline Float8 load8(const float* p) {
  Float8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void store8(float* p, Float8 v) {
  std::memcpy(p, &v, sizeof v);
}
#pragma GCC diagnostic pop

}  // namespace aelab
