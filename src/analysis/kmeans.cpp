// k-means: validation, k-means++ seeding, the Lloyd engine (GEMM distances, per-thread partial
// sums reduced in thread order so a thread count gives one answer), restarts.
//
// [SECTION] Validation and helpers
// [SECTION] k-means++ seeding
// [SECTION] Lloyd engine
// [SECTION] Reference loop
// [SECTION] Restarts
#include "analysis/kmeans.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <utility>

#include "analysis/sq_distances.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/simd_clones.hpp"

#if AELAB_SIMD_CLONES
#include <immintrin.h>
#endif

namespace aelab::analysis {

// [SECTION] Validation and helpers

namespace {

void check_data(const Tensor& x, const char* who) {
  if (x.rank() != 2)
    throw InputError(std::string(who) + ": data must be a (N, D) matrix, got shape " +
                     shape_str(x.shape()));
  if (x.dim(0) == 0) throw InputError(std::string(who) + ": data has no rows");
  if (x.dim(1) == 0) throw InputError(std::string(who) + ": data has 0 features (D = 0)");
  const float* p = x.data();
  for (int64_t i = 0; i < x.numel(); ++i)
    if (!std::isfinite(p[i]))
      throw InputError(std::string(who) + ": data holds a NaN or infinite value (row " +
                       std::to_string(i / x.dim(1)) + ")");
}

void check_k(int k, int64_t n, const char* who) {
  if (k < 1 || k > n)
    throw InputError(std::string(who) + ": k = " + std::to_string(k) + " must be in [1, " +
                     std::to_string(n) + "] (number of rows)");
}

void check_init(const Tensor& x, const Tensor& init) {
  if (init.rank() != 2 || init.dim(1) != x.dim(1) || init.dim(0) < 1)
    throw InputError("k-means: initial centroids have shape " + shape_str(init.shape()) +
                     ", expected (k, " + std::to_string(x.dim(1)) + ")");
  check_k(int(init.dim(0)), x.dim(0), "k-means");
}

double row_sq_dist(const float* a, const float* b, int64_t d) {
  double s = 0.0;
#pragma omp simd reduction(+ : s)
  for (int64_t t = 0; t < d; ++t) {
    const double diff = double(a[t]) - double(b[t]);
    s += diff * diff;
  }
  return s;
}

double inertia_raw(const float* x, int64_t n, int64_t d, const float* c, const int* labels) {
  std::vector<double> per_row(n);
#pragma omp parallel for schedule(static) if (n * d >= kParallelMinWork)
  for (int64_t i = 0; i < n; ++i) per_row[i] = row_sq_dist(x + i * d, c + labels[i] * d, d);
  return std::accumulate(per_row.begin(), per_row.end(), 0.0);  // fixed order: deterministic
}

// Per-feature sums of x (or of x - shift, squared), in double: 64 fixed slices of the rows summed
// side by side, then in slice order, so the answer does not depend on the thread count.
std::vector<double> column_sums(const float* x, int64_t n, int64_t d, const double* shift) {
  constexpr int64_t kSlices = 64;
  std::vector<double> part(size_t(kSlices * d), 0.0);
#pragma omp parallel for schedule(static) if (n * d >= kParallelMinWork)
  for (int64_t p = 0; p < kSlices; ++p) {
    double* acc = part.data() + p * d;
    for (int64_t i = n * p / kSlices; i < n * (p + 1) / kSlices; ++i) {
      const float* row = x + i * d;
      if (shift) {
#pragma omp simd
        for (int64_t t = 0; t < d; ++t) {
          const double v = double(row[t]) - shift[t];
          acc[t] += v * v;
        }
      } else {
#pragma omp simd
        for (int64_t t = 0; t < d; ++t) acc[t] += row[t];
      }
    }
  }
  std::vector<double> sum(size_t(d), 0.0);
  for (int64_t p = 0; p < kSlices; ++p)
    for (int64_t t = 0; t < d; ++t) sum[size_t(t)] += part[size_t(p * d + t)];
  return sum;
}

// Mean over features of the per-feature variance: scikit-learn's scale for `tol`.
double mean_feature_variance(const float* x, int64_t n, int64_t d) {
  std::vector<double> mean = column_sums(x, n, d, nullptr);
  for (double& m : mean) m /= double(n);
  const std::vector<double> m2 = column_sums(x, n, d, mean.data());
  return std::accumulate(m2.begin(), m2.end(), 0.0) / double(n) / double(d);
}

// [SECTION] k-means++ seeding

// Greedy k-means++: each new centre is the best of 2 + ln(k) candidates drawn with probability
// proportional to the squared distance to the nearest centre so far (scikit-learn's variant).
// Every restart seeds at once, each from its own generator (the draws of one restart do not depend
// on the others): one GEMM over the data per step serves the candidates of all of them.
std::vector<std::vector<float>> seed_plus_plus(const float* x, const float* x_sq, int64_t n,
                                               int64_t d, int k, std::vector<Rng>& rngs,
                                               SqDistances& dist) {
  const int trials = 2 + int(std::log(double(k)));
  const int64_t nr = int64_t(rngs.size()), width = nr * trials;
  std::vector<std::vector<float>> centers(size_t(nr), std::vector<float>(size_t(k) * size_t(d)));
  std::vector<std::vector<float>> closest(static_cast<size_t>(nr),
                                          std::vector<float>(static_cast<size_t>(n)));
  std::vector<float> dists(static_cast<size_t>(n * std::max<int64_t>(width, nr))),
      cand(static_cast<size_t>(width * d)), cand_sq(static_cast<size_t>(width));
  std::vector<double> pot(static_cast<size_t>(nr), 0.0);

  {  // The first centre of each restart: a uniform row.
    std::vector<float> first(size_t(nr * d)), first_sq(static_cast<size_t>(nr));
    for (int64_t r = 0; r < nr; ++r) {
      const int64_t id = rngs[size_t(r)].below(n);
      std::copy_n(x + id * d, d, centers[size_t(r)].data());
      std::copy_n(x + id * d, d, first.data() + r * d);
      first_sq[size_t(r)] = x_sq[id];
    }
    dist.distances(first.data(), first_sq.data(), nr, x, x_sq, n, d, dists.data());
    for (int64_t r = 0; r < nr; ++r)
      for (int64_t i = 0; i < n; ++i) {
        closest[size_t(r)][i] = dists[r * n + i];
        pot[size_t(r)] += dists[r * n + i];
      }
  }
  std::vector<int64_t> ids(static_cast<size_t>(width));
  // The restarts' draws and sums are independent (each its own generator and buffers): one
  // thread a restart.
  const bool parallel = n * nr >= kParallelMinWork / 4;
  for (int c = 1; c < k; ++c) {
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t r = 0; r < nr; ++r) {
      thread_local std::vector<double> cumsum;
      cumsum.resize(size_t(n));
      double run = 0.0;
      const std::vector<float>& cl = closest[size_t(r)];
      for (int64_t i = 0; i < n; ++i) cumsum[i] = (run += cl[i]);
      for (int t = 0; t < trials; ++t) {
        const double u = rngs[size_t(r)].uniform() * pot[size_t(r)];
        const int64_t id = std::lower_bound(cumsum.begin(), cumsum.end(), u) - cumsum.begin();
        const int64_t slot = r * trials + t;
        ids[size_t(slot)] = std::min(id, n - 1);
        std::copy_n(x + ids[size_t(slot)] * d, d, cand.data() + slot * d);
        cand_sq[size_t(slot)] = x_sq[ids[size_t(slot)]];
      }
    }
    // dists: (restarts * trials, n), each candidate's dot products with the rows in a row (read in
    // order below); each candidate's potential with the current closest. The squared distances
    // are formed where they are read: a pass writing and one reading them all cost 1.5 ms a step
    // at 70,000 x 256 with 30 candidates.
    dist.dot(cand.data(), width, x, n, d, dists.data());
    const auto sq_dist = [&](int64_t slot, int64_t i, float dot) {
      return sq_distance_from_dot(cand_sq[size_t(slot)], dot, x_sq[i]);
    };
#pragma omp parallel for schedule(static) if (parallel)
    for (int64_t r = 0; r < nr; ++r) {
      std::vector<float>& cl = closest[size_t(r)];
      std::vector<double> cand_pot(static_cast<size_t>(trials), 0.0);
      for (int t = 0; t < trials; ++t) {
        const int64_t slot = r * trials + t;
        const float* dt = dists.data() + slot * n;
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i) sum += std::min(sq_dist(slot, i, dt[i]), cl[i]);
        cand_pot[size_t(t)] = sum;
      }
      const int best = int(std::min_element(cand_pot.begin(), cand_pot.end()) - cand_pot.begin());
      pot[size_t(r)] = cand_pot[size_t(best)];
      const int64_t slot = r * trials + best;
      const float* db = dists.data() + slot * n;
      for (int64_t i = 0; i < n; ++i) cl[i] = std::min(sq_dist(slot, i, db[i]), cl[i]);
      std::copy_n(x + ids[size_t(r * trials + best)] * d, d,
                  centers[size_t(r)].data() + size_t(c) * d);
    }
  }
  return centers;
}

// [SECTION] Lloyd engine

// Rows q in [b0, b1) of a block whose dot product with centre c sits at
// dots[q * row_step + c * col_step] (csq: the centres' squared norms); row q is row rows[q] of x
// (rows == nullptr: row q itself). The nearest centre goes into labels. With `need`, only the rows
// q with need[q] are assigned (the others' bounds proved their centre unchanged). With `owner`
// (which centre's sum holds row i, -1: none), each row that changes centre is moved from the old
// sum to the new one in `delta` (k x d) and `delta_counts`: after the first iterations few rows
// move, so the M-step's sums cost little. With `upper`/`lower`, the row's distance to its centre
// and to the second nearest are stored as bounds, widened by the rounding of the GEMM form (gamma:
// see LloydEngine::assign). The loop k-means spends its time in: compiled for AVX-512 and AVX2
// beside the baseline (the binary runs anywhere; the best clone is picked at load).
AELAB_CLONES_AVX512 void assign_rows(const float* x, int64_t d, const int64_t* rows,
                                     const char* need, int64_t b0, int64_t b1, const float* dots,
                                     int64_t row_step, int64_t col_step, const float* csq, int k,
                                     const float* x_sq, double gamma, int* labels, int* owner,
                                     double* upper, double* lower, double* delta,
                                     int64_t* delta_counts, int64_t* changed) {
  float c_max = csq[0];
  for (int c = 1; c < k; ++c) c_max = std::max(c_max, csq[c]);
  for (int64_t q = b0; q < b1; ++q) {
    if (need && !need[q]) continue;
    const int64_t i = rows ? rows[q] : q;
    const float* dot = dots + q * row_step;
    int best = 0;
    float best_v = csq[0] - 2.0f * dot[0], second_v = std::numeric_limits<float>::infinity();
    for (int c = 1; c < k; ++c) {  // without branches: which centre wins is data, not a pattern
      const float v = csq[c] - 2.0f * dot[c * col_step];
      second_v = std::min(second_v, std::max(best_v, v));
      best = v < best_v ? c : best;
      best_v = std::min(best_v, v);
    }
    if (changed) *changed += labels[i] != best;
    labels[i] = best;
    if (upper) {
      const double e = gamma * (double(x_sq[i]) + double(c_max));
      upper[i] = std::sqrt(std::max(double(x_sq[i]) + double(best_v), 0.0) + e);
      lower[i] = k > 1 ? std::sqrt(std::max(double(x_sq[i]) + double(second_v) - e, 0.0))
                       : std::numeric_limits<double>::infinity();
    }
    if (!owner || owner[i] == best) continue;
    const float* xi = x + i * d;
    if (const int from = owner[i]; from >= 0) {
      --delta_counts[from];
      double* s = delta + int64_t(from) * d;
#pragma omp simd
      for (int64_t j = 0; j < d; ++j) s[j] -= xi[j];
    }
    ++delta_counts[best];
    double* s = delta + int64_t(best) * d;
#pragma omp simd
    for (int64_t j = 0; j < d; ++j) s[j] += xi[j];
    owner[i] = best;
  }
}

// (Float8 and load8, from core/simd_clones.hpp, are always inlined into the clones, so GCC's note
// that a vector value changes the baseline's ABI does not apply: no Float8 crosses a call.)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

// x . c for R rows x and the G centres from `centres` on (rows of d floats) into out[r][c0 + g]:
// R * G sums of eight lanes side by side, so that many chains of multiply-adds overlap instead of
// one chain waiting on its own latency; each eight floats of a row are loaded once for all G
// centres, each eight of a centre once for all R rows. Every dot product is summed in the same
// order whatever R, G and c0 are (lanes, then the lanes as a fixed tree, then the tail): the
// row-by-row path gives one answer however its rows are paired.
template <int R, int G>
[[gnu::always_inline]] inline void dots_group(const float* const* x, const float* centres,
                                              int64_t d, float* const* out, int c0) {
  Float8 acc[R][G];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) acc[r][g] = Float8{};  // (= {} became a rep stos, 18 % of the loop)
  int64_t t = 0;
  for (; t + 8 <= d; t += 8) {
    Float8 xv[R];
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) xv[r] = load8(x[r] + t);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const Float8 cv = load8(centres + g * d + t);
#pragma GCC unroll 16
      for (int r = 0; r < R; ++r) acc[r][g] += xv[r] * cv;
    }
  }
  // The eight lanes folded as a tree, (l0 + l4 + l2 + l6) + (l1 + l5 + l3 + l7), in vector
  // halves: a lane-by-lane sum compiled to eight dependent scalar adds per dot product, spilled to
  // the stack, 8 % of the row-by-row pass's time (measured on the 70,000 codes).
  using Float4 = float __attribute__((vector_size(16)));
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      const Float8 v = acc[r][g];
      const Float4 q = __builtin_shufflevector(v, v, 0, 1, 2, 3) +
                       __builtin_shufflevector(v, v, 4, 5, 6, 7);
      float sum = (q[0] + q[2]) + (q[1] + q[3]);
      for (int64_t p = t; p < d; ++p) sum += x[r][p] * centres[g * d + p];
      out[r][c0 + g] = sum;
    }
}

// dots_group<R, g> for a g known only at run time (1 <= g <= sizeof...(G)).
template <int R, int... G>
[[gnu::always_inline]] inline void dots_group_of(int g, std::integer_sequence<int, G...>,
                                                 const float* const* x, const float* centres,
                                                 int64_t d, float* const* out, int c0) {
  (void)((g == G + 1 && (dots_group<R, G + 1>(x, centres, d, out, c0), true)) || ...);
}

// x . c for R rows x[r] and k centres (k, d) into out[r]: the GEMM's dot products, up to ten sums
// a pass over the rows (ten sums, the rows and a centre fill at most 13 of the 16 vector
// registers of AVX2): ten centres for one row, five for two.
// How many of the `left` centres the next group takes, at most `most`: all that are left when
// they fit, halves below twice that (7 as 4 + 3, not 5 + 2), else `most`.
constexpr int centre_group(int left, int most) {
  return left <= most ? left : left < 2 * most ? (left + 1) / 2 : most;
}

template <int R>
[[gnu::always_inline]] inline void rows_dots(const float* const* x, const float* centres, int k,
                                             int64_t d, float* const* out) {
  constexpr int kMax = 10 / R;
  for (int c = 0; c < k;) {
    const int g = centre_group(k - c, kMax);
    dots_group_of<R>(g, std::make_integer_sequence<int, kMax>{}, x, centres + int64_t(c) * d, d,
                     out, c);
    c += g;
  }
}

AELAB_CLONES_AVX512 void row_dots(const float* x, const float* centres, int k, int64_t d,
                                  float* out) {
  rows_dots<1>(&x, centres, k, d, &out);
}

// Two rows at once: each centre's floats, read from the cache, serve both rows.
AELAB_CLONES_AVX512 void row_pair_dots(const float* x0, const float* x1, const float* centres,
                                       int k, int64_t d, float* out0, float* out1) {
  const float* x[2] = {x0, x1};
  float* out[2] = {out0, out1};
  rows_dots<2>(x, centres, k, d, out);
}

#pragma GCC diagnostic pop

#if AELAB_SIMD_CLONES
// row_pair_dots for AVX2 with FMA: the same sums in the same order (so a row gets the same dot
// products alone or paired), each eight floats of a centre loaded once into a register for both
// rows. From the generic code GCC folds that load into both multiply-adds, twelve loads for ten
// multiply-adds, and the loop ran at the loads' pace: 80-101 ns a (row, restart) against 61-65
// here (k 10, d 256, data in cache; measured alone). The empty asm keeps the load a register.
template <int G>
[[gnu::target("avx2,fma"), gnu::always_inline]] inline void pair_group_avx2(
    const float* const* x, const float* centres, int64_t d, float* const* out, int c0) {
  __m256 acc[2][G];
#pragma GCC unroll 16
  for (int g = 0; g < G; ++g) acc[0][g] = _mm256_setzero_ps(), acc[1][g] = _mm256_setzero_ps();
  int64_t t = 0;
  for (; t + 8 <= d; t += 8) {
    const __m256 x0 = _mm256_loadu_ps(x[0] + t), x1 = _mm256_loadu_ps(x[1] + t);
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {
      __m256 cv = _mm256_loadu_ps(centres + g * d + t);
      asm("" : "+x"(cv));
      acc[0][g] = _mm256_fmadd_ps(x0, cv, acc[0][g]);
      acc[1][g] = _mm256_fmadd_ps(x1, cv, acc[1][g]);
    }
  }
#pragma GCC unroll 16
  for (int r = 0; r < 2; ++r)
#pragma GCC unroll 16
    for (int g = 0; g < G; ++g) {  // dots_group's tree, then its tail
      const __m128 q = _mm_add_ps(_mm256_castps256_ps128(acc[r][g]),
                                  _mm256_extractf128_ps(acc[r][g], 1));
      float sum = (q[0] + q[2]) + (q[1] + q[3]);
      for (int64_t p = t; p < d; ++p) sum += x[r][p] * centres[g * d + p];
      out[r][c0 + g] = sum;
    }
}

template <int... G>
[[gnu::target("avx2,fma"), gnu::always_inline]] inline void pair_group_avx2_of(
    int g, std::integer_sequence<int, G...>, const float* const* x, const float* centres,
    int64_t d, float* const* out, int c0) {
  (void)((g == G + 1 && (pair_group_avx2<G + 1>(x, centres, d, out, c0), true)) || ...);
}

[[gnu::target("avx2,fma")]] void row_pair_dots_avx2(const float* x0, const float* x1,
                                                    const float* centres, int k, int64_t d,
                                                    float* out0, float* out1) {
  const float* x[2] = {x0, x1};
  float* out[2] = {out0, out1};
  constexpr int kMax = 5;  // rows_dots<2>'s groups
  for (int c = 0; c < k;) {
    const int g = centre_group(k - c, kMax);
    pair_group_avx2_of(g, std::make_integer_sequence<int, kMax>{}, x, centres + int64_t(c) * d,
                       d, out, c);
    c += g;
  }
}
#endif

using PairDots = void (*)(const float*, const float*, const float*, int, int64_t, float*, float*);

// The pair kernel for this processor. Only with the clones: the single-row kernel it must agree
// with multiplies and adds in one step (FMA) only in its AVX2 and AVX-512 clones.
PairDots pair_dots() {
#if AELAB_SIMD_CLONES
  static const PairDots best = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                   ? row_pair_dots_avx2
                                   : row_pair_dots;
  return best;
#else
  return row_pair_dots;
#endif
}

class LloydEngine {
 public:
  LloydEngine(const float* x, int64_t n, int64_t d)
      : x_(x), n_(n), d_(d), x_sq_(row_sq_norms(x, n, d)) {}

  [[nodiscard]] const std::vector<float>& x_sq() const { return x_sq_; }
  SqDistances& dist() { return dist_; }

  // Lloyd from each of `centers` ((k, d) each, updated in place), all at once: an iteration is
  // one GEMM against the centres of every restart still running and one pass over the rows that
  // assigns and sums for all of them. Each restart stops by its own rules, as it would alone.
  // Returns the iteration count of each, -1 for those still running when *cancel turned true.
  // `ended(r)` is called once as restart r stops iterating (not for the cancelled ones).
  std::vector<int> run(std::vector<std::vector<float>>& centers, int k, int max_iter, double tol,
                       std::vector<std::vector<int>>& labels, std::atomic<bool>* cancel,
                       const std::function<void(size_t)>& ended = {}) {
    const size_t nr = centers.size();
    labels.assign(nr, std::vector<int>(n_, -1));
    // Each restart's cluster sums and counts, kept up to date by the rows that move.
    owner_.assign(nr, std::vector<int>(n_, -1));
    sums_.assign(nr, std::vector<double>(size_t(k) * d_, 0.0));
    counts_.assign(nr, std::vector<int64_t>(size_t(k), 0));
    // Hamerly's bounds per restart and row: above the distance to its centre, below the
    // distance to any other. No bounds yet: every row is assigned in the first iteration.
    upper_.assign(nr, std::vector<double>(n_, std::numeric_limits<double>::infinity()));
    lower_.assign(nr, std::vector<double>(n_, 0.0));
    loosen_.assign(nr, Loosen{std::vector<double>(size_t(k), 0.0), 0, 0.0});
    changed_.assign(nr, 0);
    std::vector<double> moved(static_cast<size_t>(k));
    std::vector<int> it(nr, 0);
    std::vector<char> running(nr, 1), strict(nr, 0);
    std::vector<float> next(size_t(k) * d_);
    std::vector<size_t> act;
    for (;;) {
      act.clear();
      for (size_t r = 0; r < nr; ++r)
        if (running[r]) act.push_back(r);
      if (act.empty()) break;
      if (cancel && cancel->load()) {  // the finished restarts keep their results
        for (size_t r : act) it[r] = -1, running[r] = 0, strict[r] = 1;
        break;
      }
      assign(centers, act, k, labels, true);
      for (size_t a = 0; a < act.size(); ++a) {
        const size_t r = act[a];
        ++it[r];
        double* sums = sums_[r].data();
        int64_t* counts = counts_[r].data();
        relocate_empty(centers[r].data(), k, labels[r], owner_[r], upper_[r], sums, counts);
        double shift = 0.0;
        for (int c = 0; c < k; ++c) {
          float* nc = next.data() + size_t(c) * d_;
          const float* oc = centers[r].data() + size_t(c) * d_;
          moved[size_t(c)] = 0.0;
          if (counts[c] == 0) {
            std::copy_n(oc, d_, nc);  // only in degenerate data (all points identical)
            continue;
          }
          for (int64_t t = 0; t < d_; ++t)
            nc[t] = float(sums[size_t(c) * d_ + t] / double(counts[c]));
          const double sq = row_sq_dist(nc, oc, d_);
          shift += sq;
          moved[size_t(c)] = std::sqrt(sq) * (1.0 + 1e-9);
        }
        std::copy(next.begin(), next.end(), centers[r].begin());
        loosen_bounds(r, moved);
        if (changed_[r] == 0) {  // no label changed: the centres are the means of their rows
          strict[r] = 1;
          running[r] = 0;
        } else if (shift <= tol || it[r] >= max_iter) {
          running[r] = 0;
        }
        if (!running[r] && ended) ended(r);
      }
    }
    // Restarts that stopped on the shift or the iteration cap: the labels of their final centres.
    act.clear();
    for (size_t r = 0; r < nr; ++r)
      if (!strict[r]) act.push_back(r);
    if (!act.empty()) assign(centers, act, k, labels, false);
    return it;
  }

  // After restart r's centres moved by `moved` (per centre): each row's distance to its centre
  // grows by at most its centre's move, to any other shrinks by at most the largest other move.
  // Kept here and applied to the bounds by the next assign's pass over them (one pass, not two).
  struct Loosen {
    std::vector<double> moved;  // per centre
    int far = 0;                // the centre that moved most
    double second = 0.0;        // the largest move of the others
  };
  void loosen_bounds(size_t r, const std::vector<double>& moved) {
    Loosen& m = loosen_[r];
    m.moved = moved;
    m.far = 0;
    for (int c = 1; c < int(moved.size()); ++c)
      if (moved[size_t(c)] > moved[size_t(m.far)]) m.far = c;
    m.second = 0.0;
    for (int c = 0; c < int(moved.size()); ++c)
      if (c != m.far) m.second = std::max(m.second, moved[size_t(c)]);
  }

  // E-step for the restarts `act`: nearest centre per row and restart through one GEMM against
  // all their centres. With sums (the Lloyd iterations), only the rows whose bounds do not prove
  // their centre unchanged in some restart go through the GEMM (gathered; after the first
  // iterations a small part), each restart's sums_ and counts_ follow the rows that moved
  // (per-thread partial changes, added in thread order: one answer per thread count), and the
  // bounds of the rows assigned are set again. Without sums: every row, no bounds.
  void assign(const std::vector<std::vector<float>>& centers, const std::vector<size_t>& act, int k,
              std::vector<std::vector<int>>& labels, bool with_sums) {
    const int64_t na = int64_t(act.size()), width = na * k;
    all_centers_.resize(size_t(width) * d_);
    for (int64_t a = 0; a < na; ++a)
      std::copy(centers[act[size_t(a)]].begin(), centers[act[size_t(a)]].end(),
                all_centers_.begin() + a * k * d_);
    c_sq_ = row_sq_norms(all_centers_.data(), width, d_);

    // The (row, restart) pairs to assign: those whose bounds cannot settle. When few, their dot
    // products are computed one row at a time (the row read once for every restart needing it)
    // instead of the GEMM over all rows and restarts.
    const char* need = nullptr;
    bool direct = false;
    if (with_sums) {
      for (size_t r : act) changed_[r] = 0;
      need_.resize(size_t(na * n_));
      int64_t total = 0;
      // The bounds first take the centres' last moves (see loosen_bounds), in the same pass.
#pragma omp parallel reduction(+ : total) if (n_ * na >= kParallelMinWork / 16)
      {
        const int t = omp_get_thread_num(), used = omp_get_num_threads();
        const int64_t i0 = n_ * t / used, i1 = n_ * (t + 1) / used;
        for (int64_t a = 0; a < na; ++a) {  // restart by restart: four streams at a time
          const size_t r = act[size_t(a)];
          const Loosen& m = loosen_[r];
          const double far_move = m.moved[size_t(m.far)];
          double* up = upper_[r].data();
          double* lo = lower_[r].data();
          const int* lab = labels[r].data();
          char* nd = need_.data() + a * n_;
          for (int64_t i = i0; i < i1; ++i) {
            if (const int l = lab[i]; l >= 0) {
              up[i] += m.moved[size_t(l)];
              lo[i] -= l == m.far ? m.second : far_move;
            }
            nd[i] = char(up[i] >= lo[i]);
            total += nd[i];
          }
        }
      }
      if (total == 0) return;  // no row can change centre in any restart
      need = need_.data();
      // Row by row costs about twice the GEMM's time a pair (the rows come scattered from
      // memory): it wins below half the pairs (measured: 3, 4, 5, 6 tenths on 10,000 and
      // 70,000 x 256 codes, k 10).
      direct = total * 2 < n_ * na;
    }
    if (!direct) {
      dots_.resize(size_t(n_) * width);
      // (width, n): in this order oneDNN's kernel runs 100 x 70,000 x 256 in 23-26 ms, the other
      // way round in 30-33 (k-means' 10 restarts of 10 centres on the 70,000 codes).
      dist_.dot(all_centers_.data(), width, x_, n_, d_, dots_.data());
    }
    const int nt = omp_get_max_threads();
    const size_t per_thread = size_t(width) * d_;
    if (with_sums) {
      part_sums_.assign(size_t(nt) * per_thread, 0.0);
      part_counts_.assign(size_t(nt) * width, 0);
      part_changed_.assign(size_t(nt) * na, 0);
    }
    std::vector<int*> out(static_cast<size_t>(na)), own(static_cast<size_t>(na), nullptr);
    std::vector<double*> up(static_cast<size_t>(na), nullptr), lo(static_cast<size_t>(na), nullptr);
    for (int64_t a = 0; a < na; ++a) {
      out[size_t(a)] = labels[act[size_t(a)]].data();
      if (with_sums) {
        own[size_t(a)] = owner_[act[size_t(a)]].data();
        up[size_t(a)] = upper_[act[size_t(a)]].data();
        lo[size_t(a)] = lower_[act[size_t(a)]].data();
      }
    }
    // The GEMM form c^2 - 2 x.c in float is off by at most about d * 2^-24 * (|x|^2 + |c|^2)
    // (a d-term dot product, then two roundings); gamma doubles that. Bounds widened by it never
    // skip a row that the GEMM over all rows would move (tests against the plain double loop).
    const double gamma = double(d_ + 4) * std::ldexp(1.0, -23);
#pragma omp parallel num_threads(nt) if (n_ * d_ * na >= kParallelMinWork)
    {
      const int t = omp_get_thread_num(), used = omp_get_num_threads();
      const int64_t lo_row = n_ * t / used, hi_row = n_ * (t + 1) / used;
      double* sums = with_sums ? part_sums_.data() + size_t(t) * per_thread : nullptr;
      int64_t* changes = with_sums ? part_changed_.data() + size_t(t) * na : nullptr;
      int64_t* counts = with_sums ? part_counts_.data() + size_t(t) * width : nullptr;
      const auto rows_of = [&](int64_t a, const int64_t* rows, const char* nd, int64_t b0,
                               int64_t b1, const float* dots, int64_t row_step, int64_t col_step) {
        assign_rows(x_, d_, rows, nd, b0, b1, dots, row_step, col_step, c_sq_.data() + a * k, k,
                    x_sq_.data(), gamma, out[size_t(a)], own[size_t(a)], up[size_t(a)],
                    lo[size_t(a)], sums ? sums + a * k * d_ : nullptr,
                    sums ? counts + a * k : nullptr, sums ? changes + a : nullptr);
      };
      if (direct) {
        // The rows some restart needs, in blocks of 32 passed restart by restart, two rows at a
        // time: one restart's centres stay in the first-level cache while its rows of the block
        // go through them (row by row, every restart's centres came from the second level for
        // each row: 10 KB a pair at k 10, d 256). The rows are scattered over the data, so the
        // hardware's prefetcher would not see them coming: the next block's rows are prefetched
        // a few lines after each kernel call, spread over the block's work (all at once, the
        // prefetches queue behind each other; measured: 8-10 % slower than spread).
        std::vector<int64_t> rows;
        for (int64_t i = lo_row; i < hi_row; ++i)
          for (int64_t a = 0; a < na; ++a)
            if (need[a * n_ + i]) {
              rows.push_back(i);
              break;
            }
        constexpr size_t kBlock = 32;
        const int64_t lines_per_row = (d_ * int64_t(sizeof(float)) + 63) / 64;
        // Prefetch cursor: the next line of the rows to come.
        size_t pf_row = 0;
        int64_t pf_line = 0;
        const auto fetch = [&](int64_t lines) {
          for (; lines > 0 && pf_row < rows.size(); --lines) {
            __builtin_prefetch(reinterpret_cast<const char*>(x_ + rows[pf_row] * d_) +
                               pf_line * 64);
            if (++pf_line == lines_per_row) pf_line = 0, ++pf_row;
          }
        };
        const PairDots pair = pair_dots();
        std::vector<float> dot(static_cast<size_t>(2 * k));
        std::vector<int64_t> pick;
        fetch(int64_t(kBlock) * lines_per_row);
        for (size_t j0 = 0; j0 < rows.size(); j0 += kBlock) {
          const size_t j1 = std::min(rows.size(), j0 + kBlock);
          int64_t pairs = 0;
          for (int64_t a = 0; a < na; ++a)
            for (size_t j = j0; j < j1; ++j) pairs += need[a * n_ + rows[j]];
          const int64_t calls = (pairs + 1) / 2 + na;
          const int64_t step = (int64_t(kBlock) * lines_per_row + calls - 1) / calls;
          for (int64_t a = 0; a < na; ++a) {
            pick.clear();
            for (size_t j = j0; j < j1; ++j)
              if (need[a * n_ + rows[j]]) pick.push_back(rows[j]);
            const float* centres = all_centers_.data() + a * k * d_;
            size_t p = 0;
            for (; p + 2 <= pick.size(); p += 2) {
              fetch(step);
              pair(x_ + pick[p] * d_, x_ + pick[p + 1] * d_, centres, k, d_, dot.data(),
                   dot.data() + k);
              rows_of(a, pick.data() + p, nullptr, 0, 2, dot.data(), k, 1);
            }
            if (p < pick.size()) {
              fetch(step);
              row_dots(x_ + pick[p] * d_, centres, k, d_, dot.data());
              rows_of(a, pick.data() + p, nullptr, 0, 1, dot.data(), k, 1);
            }
          }
          while (pf_row < std::min(rows.size(), j1 + kBlock)) fetch(1);  // the whole next block
        }
      } else {
        // Blocks of rows small enough to stay in cache while each restart passes over them.
        const int64_t block = std::max<int64_t>(8, (int64_t(1) << 16) / (d_ * 4));
        for (int64_t b0 = lo_row; b0 < hi_row; b0 += block) {
          const int64_t b1 = std::min(hi_row, b0 + block);
          for (int64_t a = 0; a < na; ++a)
            rows_of(a, nullptr, need ? need + a * n_ : nullptr, b0, b1, dots_.data() + a * k * n_,
                    1, n_);
        }
      }
    }
    if (!with_sums) return;
    for (int t = 0; t < nt; ++t)
      for (int64_t a = 0; a < na; ++a) {
        const double* s = part_sums_.data() + size_t(t) * per_thread + size_t(a * k) * d_;
        const int64_t* c = part_counts_.data() + size_t(t) * width + a * k;
        std::vector<double>& into = sums_[act[size_t(a)]];
        std::vector<int64_t>& cnt = counts_[act[size_t(a)]];
        for (size_t j = 0; j < size_t(k) * d_; ++j) into[j] += s[j];
        for (int q = 0; q < k; ++q) cnt[size_t(q)] += c[q];
        changed_[act[size_t(a)]] += part_changed_[size_t(t) * na + a];
      }
  }

  // scikit-learn's rule: each empty cluster takes the point farthest from its current centre.
  void relocate_empty(const float* centers, int k, std::vector<int>& labels,
                      std::vector<int>& owner, std::vector<double>& upper, double* sums,
                      int64_t* counts) {
    std::vector<int> empty;
    for (int c = 0; c < k; ++c)
      if (counts[c] == 0) empty.push_back(c);
    if (empty.empty()) return;
    std::vector<double> far(n_);
    for (int64_t i = 0; i < n_; ++i)
      far[i] = row_sq_dist(x_ + i * d_, centers + size_t(labels[i]) * d_, d_);
    std::vector<int64_t> order(n_);
    std::iota(order.begin(), order.end(), 0);
    const size_t m = std::min(empty.size(), size_t(n_));
    std::partial_sort(order.begin(), order.begin() + m, order.end(), [&](int64_t a, int64_t b) {
      return far[a] > far[b] || (far[a] == far[b] && a < b);
    });
    for (size_t e = 0; e < m; ++e) {
      const int64_t i = order[e];
      const int from = labels[i], to = empty[e];
      const float* xi = x_ + i * d_;
      for (int64_t j = 0; j < d_; ++j) {
        sums[size_t(from) * d_ + j] -= xi[j];
        sums[size_t(to) * d_ + j] = xi[j];
      }
      --counts[from];
      counts[to] = 1;
      owner[size_t(i)] = to;  // its sum now holds the row (its label follows next iteration)
      upper[size_t(i)] = std::numeric_limits<double>::infinity();  // so it is assigned again
    }
  }

 private:
  const float* x_;
  int64_t n_, d_;
  std::vector<float> x_sq_, c_sq_, dots_, all_centers_;
  std::vector<double> part_sums_;
  std::vector<int64_t> part_counts_, part_changed_;
  std::vector<int64_t> changed_;  // per restart: rows whose label the last assign changed
  std::vector<std::vector<int>> owner_;
  std::vector<std::vector<double>> sums_;
  std::vector<std::vector<int64_t>> counts_;
  std::vector<std::vector<double>> upper_, lower_;  // Hamerly's bounds (restart, row)
  std::vector<Loosen> loosen_;                      // per restart, for the next assign
  std::vector<char> need_;                          // (restart, row) pairs to assign
  SqDistances dist_;
};

// [SECTION] Reference loop

// Plain Lloyd with the same stopping rules, distances in double without the GEMM.
int lloyd_plain(const float* x, int64_t n, int64_t d, std::vector<float>& centers, int k,
                int max_iter, double tol, std::vector<int>& labels) {
  auto assign = [&] {
    for (int64_t i = 0; i < n; ++i) {
      double best = std::numeric_limits<double>::infinity();
      for (int c = 0; c < k; ++c) {
        const double v = row_sq_dist(x + i * d, centers.data() + size_t(c) * d, d);
        if (v < best) {
          best = v;
          labels[i] = c;
        }
      }
    }
  };
  labels.assign(n, -1);
  std::vector<int> labels_old(n, -1);
  bool strict = false;
  int it = 0;
  while (it < max_iter) {
    ++it;
    assign();
    std::vector<double> sums(size_t(k) * d, 0.0);
    std::vector<int64_t> counts(k, 0);
    for (int64_t i = 0; i < n; ++i) {
      ++counts[labels[i]];
      for (int64_t t = 0; t < d; ++t) sums[size_t(labels[i]) * d + t] += x[i * d + t];
    }
    std::vector<char> taken(n, 0);
    for (int c = 0; c < k; ++c) {  // empty clusters: farthest point not yet taken, as the fast path
      if (counts[c] != 0) continue;
      int64_t far_i = 0;
      double far_v = -1.0;
      for (int64_t i = 0; i < n; ++i) {
        if (taken[i]) continue;
        const double v = row_sq_dist(x + i * d, centers.data() + size_t(labels[i]) * d, d);
        if (v > far_v) {
          far_v = v;
          far_i = i;
        }
      }
      taken[far_i] = 1;
      --counts[labels[far_i]];
      for (int64_t t = 0; t < d; ++t) {
        sums[size_t(labels[far_i]) * d + t] -= x[far_i * d + t];
        sums[size_t(c) * d + t] = x[far_i * d + t];
      }
      counts[c] = 1;
    }
    double shift = 0.0;
    for (int c = 0; c < k; ++c) {
      if (counts[c] == 0) continue;
      for (int64_t t = 0; t < d; ++t) {
        const float nv = float(sums[size_t(c) * d + t] / double(counts[c]));
        const double diff = double(nv) - centers[size_t(c) * d + t];
        shift += diff * diff;
        centers[size_t(c) * d + t] = nv;
      }
    }
    if (labels == labels_old) {
      strict = true;
      break;
    }
    if (shift <= tol) break;
    labels_old = labels;
  }
  if (!strict) assign();
  return it;
}

KMeansResult make_result(const Tensor& x, std::vector<float> centers, int k,
                         std::vector<int> labels, int iterations) {
  KMeansResult r;
  r.centroids = Tensor({k, x.dim(1)}, centers);
  r.inertia = inertia_raw(x.data(), x.dim(0), x.dim(1), centers.data(), labels.data());
  r.labels = std::move(labels);
  r.iterations = iterations;
  r.restart_inertia = {r.inertia};
  return r;
}

}  // namespace

namespace detail {

void kmeans_row_dots(const float* x, const float* centres, int k, int64_t d, float* out) {
  row_dots(x, centres, k, d, out);
}

void kmeans_pair_dots(const float* x0, const float* x1, const float* centres, int k, int64_t d,
                      float* out0, float* out1) {
  pair_dots()(x0, x1, centres, k, d, out0, out1);
}

bool kmeans_vector_pair_kernel() { return pair_dots() != &row_pair_dots; }

}  // namespace detail

double inertia(const Tensor& x, const Tensor& centroids, const std::vector<int>& labels) {
  check_data(x, "inertia");
  if (int64_t(labels.size()) != x.dim(0))
    throw InputError("inertia: " + std::to_string(labels.size()) + " labels for " +
                     std::to_string(x.dim(0)) + " rows");
  for (int l : labels)
    if (l < 0 || l >= centroids.dim(0)) throw InputError("inertia: label out of range");
  return inertia_raw(x.data(), x.dim(0), x.dim(1), centroids.data(), labels.data());
}

Tensor kmeans_plus_plus(const Tensor& x, int k, uint64_t seed) {
  check_data(x, "k-means++");
  check_k(k, x.dim(0), "k-means++");
  const int64_t n = x.dim(0), d = x.dim(1);
  std::vector<Rng> rng{Rng(seed)};
  SqDistances dist;
  const std::vector<float> x_sq = row_sq_norms(x.data(), n, d);
  return Tensor({k, d}, seed_plus_plus(x.data(), x_sq.data(), n, d, k, rng, dist).front());
}

std::vector<KMeansResult> lloyd_many(const Tensor& x, std::span<const Tensor> inits, int max_iter,
                                     double tol) {
  check_data(x, "k-means");
  if (inits.empty()) throw InputError("k-means: no initial centroids");
  const int k = int(inits.front().dim(0));
  std::vector<std::vector<float>> centers;
  for (const Tensor& init : inits) {
    check_init(x, init);
    if (init.dim(0) != k) throw InputError("k-means: every start needs the same k");
    centers.emplace_back(init.span().begin(), init.span().end());
  }
  LloydEngine engine(x.data(), x.dim(0), x.dim(1));
  std::vector<std::vector<int>> labels;
  const std::vector<int> it = engine.run(centers, k, std::max(max_iter, 1), tol, labels, nullptr);
  std::vector<KMeansResult> out;
  for (size_t r = 0; r < centers.size(); ++r)
    out.push_back(make_result(x, std::move(centers[r]), k, std::move(labels[r]), it[r]));
  return out;
}

KMeansResult lloyd(const Tensor& x, const Tensor& init, int max_iter, double tol) {
  return std::move(lloyd_many(x, {&init, 1}, max_iter, tol).front());
}

KMeansResult lloyd_reference(const Tensor& x, const Tensor& init, int max_iter, double tol) {
  check_data(x, "k-means");
  check_init(x, init);
  const int k = int(init.dim(0));
  std::vector<float> centers(init.span().begin(), init.span().end());
  std::vector<int> labels;
  const int it =
      lloyd_plain(x.data(), x.dim(0), x.dim(1), centers, k, std::max(max_iter, 1), tol, labels);
  return make_result(x, std::move(centers), k, std::move(labels), it);
}

// [SECTION] Restarts

KMeansResult kmeans(const Tensor& x, const KMeansConfig& config, std::atomic<bool>* cancel,
                    std::function<void(double)> progress) {
  check_data(x, "k-means");
  check_k(config.k, x.dim(0), "k-means");
  if (config.restarts < 1) throw InputError("k-means: restarts must be at least 1");
  if (config.max_iter < 1) throw InputError("k-means: max_iter must be at least 1");
  if (!(config.tol >= 0.0)) throw InputError("k-means: tol must be >= 0");
  const int64_t n = x.dim(0), d = x.dim(1);
  const int k = config.k;

  // Centre the data (as scikit-learn does): the GEMM form ||x||^2 - 2 x.c + ||c||^2 loses
  // precision in float when the data sits far from the origin.
  std::vector<float> mean(d, 0.0f);
  {
    const std::vector<double> sum = column_sums(x.data(), n, d, nullptr);
    for (int64_t t = 0; t < d; ++t) mean[t] = float(sum[size_t(t)] / double(n));
  }
  // (Not a Tensor, whose zero fill runs on one thread: centring 70,000 x 256 took 36 ms with it,
  // 29-35 without; the rest is the first touch of the new pages, on both threads.)
  const std::unique_ptr<float[]> centred(new float[size_t(n * d)]);
  float* xc = centred.get();
#pragma omp parallel for schedule(static) if (n * d >= kParallelMinWork)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) xc[i * d + t] = x.data()[i * d + t] - mean[t];

  const double tol = config.tol * mean_feature_variance(xc, n, d);
  LloydEngine engine(xc, n, d);
  // Every restart at once (seeding, then Lloyd): one pass over the data serves all of them, and
  // each restart's result is what it would be alone (its own generator, its own stopping rule).
  Rng master(config.seed);
  std::vector<Rng> rngs;
  for (int r = 0; r < config.restarts; ++r) rngs.push_back(master.split());
  std::vector<std::vector<float>> centers =
      seed_plus_plus(xc, engine.x_sq().data(), n, d, k, rngs, engine.dist());
  std::vector<std::vector<int>> labels;
  int ended = 0;
  const std::vector<int> its =
      engine.run(centers, k, config.max_iter, tol, labels, cancel, [&](size_t) {
        if (progress) progress(double(++ended) / config.restarts);
      });

  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  std::vector<float> best_centers;
  for (size_t r = 0; r < its.size(); ++r) {
    if (its[r] < 0) {
      best.cancelled = true;
      continue;
    }
    const double in = inertia_raw(xc, n, d, centers[r].data(), labels[r].data());
    best.restart_inertia.push_back(in);
    if (in < best.inertia) {  // first restart wins ties
      best.inertia = in;
      best.iterations = its[r];
      best.labels = labels[r];
      best_centers = centers[r];
    }
  }
  if (best_centers.empty()) {  // cancelled before any restart finished
    best.inertia = 0.0;
    return best;
  }
  for (int c = 0; c < k; ++c)
    for (int64_t t = 0; t < d; ++t) best_centers[size_t(c) * d + t] += mean[t];
  best.centroids = Tensor({k, d}, best_centers);
  return best;
}

KMeansResult kmeans(std::span<const float> x, int64_t n, int64_t d, const KMeansConfig& config,
                    std::atomic<bool>* cancel, std::function<void(double)> progress) {
  if (n < 0 || d < 0 || int64_t(x.size()) != n * d)
    throw InputError("k-means: buffer of " + std::to_string(x.size()) + " values is not " +
                     std::to_string(n) + " x " + std::to_string(d));
  return kmeans(Tensor({n, d}, x), config, cancel, std::move(progress));
}

}  // namespace aelab::analysis
