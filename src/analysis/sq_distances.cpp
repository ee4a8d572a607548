#include "analysis/sq_distances.hpp"

#include <algorithm>

#include "core/dnnl_context.hpp"

namespace aelab::analysis {

SqDistances::Prim& SqDistances::prim_for(int64_t m, int64_t k, int64_t d) {
  for (Prim& p : cache_)
    if (p.m == m && p.k == k && p.d == d) return p;
  using dt = dnnl::memory::data_type;
  using tag = dnnl::memory::format_tag;
  try {
    Prim p{m, k, d, {}, {}, {}, {}};
    p.a_md = dnnl::memory::desc({m, d}, dt::f32, tag::ab);
    p.b_md = dnnl::memory::desc({d, k}, dt::f32, tag::ba);  // b stored (k, d): b^T without a copy
    p.c_md = dnnl::memory::desc({m, k}, dt::f32, tag::ab);
    dnnl::matmul::desc desc(p.a_md, p.b_md, p.c_md);
    dnnl::matmul::primitive_desc pd(desc, cpu_engine());
    p.matmul = dnnl::matmul(pd);
    // A handful of shapes per use (k-means: k and the ++ candidates; t-SNE: two block sizes).
    if (cache_.size() >= 8) cache_.erase(cache_.begin());
    cache_.push_back(std::move(p));
    return cache_.back();
  } catch (const dnnl::error& e) {
    rethrow_dnnl(e, "building the distance matmul (" + std::to_string(m) + "x" + std::to_string(d) +
                        " by " + std::to_string(d) + "x" + std::to_string(k) + ")");
  }
}

void SqDistances::dot(const float* a, int64_t m, const float* b, int64_t k, int64_t d, float* out) {
  Prim& p = prim_for(m, k, d);
  auto& eng = cpu_engine();
  dnnl::memory a_mem(p.a_md, eng, const_cast<float*>(a));
  dnnl::memory b_mem(p.b_md, eng, const_cast<float*>(b));
  dnnl::memory c_mem(p.c_md, eng, out);
  auto& stream = cpu_stream();
  p.matmul.execute(stream,
                   {{DNNL_ARG_SRC, a_mem}, {DNNL_ARG_WEIGHTS, b_mem}, {DNNL_ARG_DST, c_mem}});
  stream.wait();
}

void SqDistances::distances(const float* a, const float* a_sq, int64_t m, const float* b,
                            const float* b_sq, int64_t k, int64_t d, float* out) {
  dot(a, m, b, k, d, out);
#pragma omp parallel for schedule(static) if (m * k >= kParallelMinWork)
  for (int64_t i = 0; i < m; ++i) {
    float* row = out + i * k;
    for (int64_t j = 0; j < k; ++j) row[j] = sq_distance_from_dot(a_sq[i], row[j], b_sq[j]);
  }
}

std::vector<float> row_sq_norms(const float* a, int64_t m, int64_t d) {
  std::vector<float> sq(m);
#pragma omp parallel for schedule(static) if (m * d >= kParallelMinWork)
  for (int64_t i = 0; i < m; ++i) {
    double s = 0.0;
    const float* r = a + i * d;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < d; ++j) s += double(r[j]) * r[j];
    sq[i] = float(s);
  }
  return sq;
}

std::vector<double> sq_distances_reference(const float* a, int64_t m, const float* b, int64_t k,
                                           int64_t d) {
  std::vector<double> out(m * k);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double s = 0.0;
      for (int64_t t = 0; t < d; ++t) {
        const double diff = double(a[i * d + t]) - double(b[j * d + t]);
        s += diff * diff;
      }
      out[i * k + j] = s;
    }
  return out;
}

}  // namespace aelab::analysis
