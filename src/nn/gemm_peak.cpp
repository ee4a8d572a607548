#include "nn/gemm_peak.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/dnnl_util.hpp"

namespace aelab::nn {

double measure_gemm_peak_gflops(int64_t m, int64_t n, int64_t k, int reps) {
  if (m <= 0 || n <= 0 || k <= 0 || reps <= 0)
    throw InputError("measure_gemm_peak_gflops: sizes and reps must be positive");
  using detail::plain_md;
  using detail::Tag;
  Tensor a({m, k}), b({k, n}), c({m, n});
  Rng rng(1);
  for (float& v : a.span()) v = static_cast<float>(rng.uniform(-1, 1));
  for (float& v : b.span()) v = static_cast<float>(rng.uniform(-1, 1));
  double best = std::numeric_limits<double>::infinity();
  try {
    auto a_md = plain_md({m, k}, Tag::ab), b_md = plain_md({k, n}, Tag::ab),
         c_md = plain_md({m, n}, Tag::ab);
    dnnl::matmul mm(dnnl::matmul::primitive_desc({a_md, b_md, c_md}, cpu_engine()));
    detail::Args args{{DNNL_ARG_SRC, dnnl::memory(a_md, cpu_engine(), a.data())},
                      {DNNL_ARG_WEIGHTS, dnnl::memory(b_md, cpu_engine(), b.data())},
                      {DNNL_ARG_DST, dnnl::memory(c_md, cpu_engine(), c.data())}};
    auto& s = cpu_stream();
    for (int i = 0; i < 2; ++i) mm.execute(s, args);
    s.wait();
    for (int i = 0; i < reps; ++i) {
      auto t0 = std::chrono::steady_clock::now();
      mm.execute(s, args);
      s.wait();
      double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::min(best, dt);
    }
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "measuring the GEMM peak");
  }
  return 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k) / best /
         1e9;
}

}  // namespace aelab::nn
