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
#include <limits>
#include <numeric>
#include <string>

#include "analysis/sq_distances.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

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

// Mean over features of the per-feature variance: scikit-learn's scale for `tol`.
double mean_feature_variance(const float* x, int64_t n, int64_t d) {
  std::vector<double> mean(d, 0.0), m2(d, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) mean[t] += x[i * d + t];
  for (double& m : mean) m /= double(n);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) {
      const double diff = x[i * d + t] - mean[t];
      m2[t] += diff * diff;
    }
  return std::accumulate(m2.begin(), m2.end(), 0.0) / double(n) / double(d);
}

// [SECTION] k-means++ seeding

// Greedy k-means++: each new centre is the best of 2 + ln(k) candidates drawn with probability
// proportional to the squared distance to the nearest centre so far (scikit-learn's variant).
std::vector<float> seed_plus_plus(const float* x, const float* x_sq, int64_t n, int64_t d, int k,
                                  Rng& rng, SqDistances& dist) {
  const int trials = 2 + int(std::log(double(k)));
  std::vector<float> centers(size_t(k) * d);
  std::vector<float> closest(n), cand_dist(size_t(n) * trials), cand(size_t(trials) * d),
      cand_sq(trials);
  std::vector<double> cumsum(n);

  const int64_t first = rng.below(n);
  std::copy_n(x + first * d, d, centers.data());
  dist.distances(x, x_sq, n, centers.data(), x_sq + first, 1, d, closest.data());
  double pot = 0.0;
  for (float v : closest) pot += v;

  std::vector<int64_t> ids(trials);
  std::vector<double> cand_pot(trials);
  for (int c = 1; c < k; ++c) {
    double run = 0.0;
    for (int64_t i = 0; i < n; ++i) cumsum[i] = (run += closest[i]);
    for (int t = 0; t < trials; ++t) {
      const double r = rng.uniform() * pot;
      const int64_t id = std::lower_bound(cumsum.begin(), cumsum.end(), r) - cumsum.begin();
      ids[t] = std::min(id, n - 1);
      std::copy_n(x + ids[t] * d, d, cand.data() + t * d);
      cand_sq[t] = x_sq[ids[t]];
    }
    // cand_dist: (n, trials), then min with the current closest distances.
    dist.distances(x, x_sq, n, cand.data(), cand_sq.data(), trials, d, cand_dist.data());
    std::fill(cand_pot.begin(), cand_pot.end(), 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int t = 0; t < trials; ++t) {
        float& v = cand_dist[i * trials + t];
        v = std::min(v, closest[i]);
        cand_pot[t] += v;
      }
    const int best = int(std::min_element(cand_pot.begin(), cand_pot.end()) - cand_pot.begin());
    pot = cand_pot[best];
    for (int64_t i = 0; i < n; ++i) closest[i] = cand_dist[i * trials + best];
    std::copy_n(x + ids[best] * d, d, centers.data() + size_t(c) * d);
  }
  return centers;
}

// [SECTION] Lloyd engine

class LloydEngine {
 public:
  LloydEngine(const float* x, int64_t n, int64_t d)
      : x_(x), n_(n), d_(d), x_sq_(row_sq_norms(x, n, d)) {}

  [[nodiscard]] const std::vector<float>& x_sq() const { return x_sq_; }
  SqDistances& dist() { return dist_; }

  // One restart from `centers` (k, d), updated in place. Returns the iteration count, or -1 when
  // cancelled.
  int run(std::vector<float>& centers, int k, int max_iter, double tol, std::vector<int>& labels,
          std::atomic<bool>* cancel) {
    labels.assign(n_, -1);
    std::vector<int> labels_old(n_, -1);
    std::vector<float> next(centers.size());
    bool strict = false;
    int it = 0;
    while (it < max_iter) {
      if (cancel && cancel->load()) return -1;
      ++it;
      assign(centers.data(), k, labels, true);
      relocate_empty(centers.data(), k, labels);
      double shift = 0.0;
      for (int c = 0; c < k; ++c) {
        float* nc = next.data() + size_t(c) * d_;
        const float* oc = centers.data() + size_t(c) * d_;
        if (counts_[c] == 0) {
          std::copy_n(oc, d_, nc);  // only in degenerate data (all points identical)
          continue;
        }
        for (int64_t t = 0; t < d_; ++t) nc[t] = float(sums_[c * d_ + t] / double(counts_[c]));
        shift += row_sq_dist(nc, oc, d_);
      }
      centers.swap(next);
      if (labels == labels_old) {
        strict = true;
        break;
      }
      if (shift <= tol) break;
      labels_old = labels;
    }
    if (!strict) assign(centers.data(), k, labels, false);  // labels of the final centres
    return it;
  }

  // E-step: nearest centre per row through the GEMM; with sums, the per-cluster sums and counts
  // of the M-step (per-thread partials, reduced in thread order).
  void assign(const float* centers, int k, std::vector<int>& labels, bool with_sums) {
    dots_.resize(size_t(n_) * k);
    c_sq_ = row_sq_norms(centers, k, d_);
    dist_.dot(x_, n_, centers, k, d_, dots_.data());
    const int nt = omp_get_max_threads();
    if (with_sums) {
      part_sums_.assign(size_t(nt) * k * d_, 0.0);
      part_counts_.assign(size_t(nt) * k, 0);
    }
#pragma omp parallel num_threads(nt) if (n_ * d_ >= kParallelMinWork)
    {
      const int t = omp_get_thread_num(), used = omp_get_num_threads();
      const int64_t lo = n_ * t / used, hi = n_ * (t + 1) / used;
      double* sums = with_sums ? part_sums_.data() + size_t(t) * k * d_ : nullptr;
      int64_t* counts = with_sums ? part_counts_.data() + size_t(t) * k : nullptr;
      for (int64_t i = lo; i < hi; ++i) {
        const float* dot = dots_.data() + i * k;
        int best = 0;
        float best_v = c_sq_[0] - 2.0f * dot[0];
        for (int c = 1; c < k; ++c) {
          const float v = c_sq_[c] - 2.0f * dot[c];
          if (v < best_v) {
            best_v = v;
            best = c;
          }
        }
        labels[i] = best;
        if (sums) {
          ++counts[best];
          double* s = sums + size_t(best) * d_;
          const float* xi = x_ + i * d_;
#pragma omp simd
          for (int64_t j = 0; j < d_; ++j) s[j] += xi[j];
        }
      }
    }
    if (!with_sums) return;
    sums_.assign(size_t(k) * d_, 0.0);
    counts_.assign(k, 0);
    for (int t = 0; t < nt; ++t) {
      const double* s = part_sums_.data() + size_t(t) * k * d_;
      for (int64_t j = 0; j < k * d_; ++j) sums_[j] += s[j];
      for (int c = 0; c < k; ++c) counts_[c] += part_counts_[size_t(t) * k + c];
    }
  }

  // scikit-learn's rule: each empty cluster takes the point farthest from its current centre.
  void relocate_empty(const float* centers, int k, std::vector<int>& labels) {
    std::vector<int> empty;
    for (int c = 0; c < k; ++c)
      if (counts_[c] == 0) empty.push_back(c);
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
        sums_[size_t(from) * d_ + j] -= xi[j];
        sums_[size_t(to) * d_ + j] = xi[j];
      }
      --counts_[from];
      counts_[to] = 1;
    }
  }

 private:
  const float* x_;
  int64_t n_, d_;
  std::vector<float> x_sq_, c_sq_, dots_;
  std::vector<double> sums_, part_sums_;
  std::vector<int64_t> counts_, part_counts_;
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
  Rng rng(seed);
  SqDistances dist;
  const std::vector<float> x_sq = row_sq_norms(x.data(), n, d);
  return Tensor({k, d}, seed_plus_plus(x.data(), x_sq.data(), n, d, k, rng, dist));
}

KMeansResult lloyd(const Tensor& x, const Tensor& init, int max_iter, double tol) {
  check_data(x, "k-means");
  check_init(x, init);
  const int k = int(init.dim(0));
  LloydEngine engine(x.data(), x.dim(0), x.dim(1));
  std::vector<float> centers(init.span().begin(), init.span().end());
  std::vector<int> labels;
  const int it = engine.run(centers, k, std::max(max_iter, 1), tol, labels, nullptr);
  return make_result(x, std::move(centers), k, std::move(labels), it);
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
    std::vector<double> acc(d, 0.0);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t t = 0; t < d; ++t) acc[t] += x.data()[i * d + t];
    for (int64_t t = 0; t < d; ++t) mean[t] = float(acc[t] / double(n));
  }
  Tensor xc({n, d});
#pragma omp parallel for schedule(static) if (n * d >= kParallelMinWork)
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < d; ++t) xc.data()[i * d + t] = x.data()[i * d + t] - mean[t];

  const double tol = config.tol * mean_feature_variance(xc.data(), n, d);
  LloydEngine engine(xc.data(), n, d);
  Rng master(config.seed);

  KMeansResult best;
  best.inertia = std::numeric_limits<double>::infinity();
  std::vector<float> best_centers;
  std::vector<int> labels;
  for (int r = 0; r < config.restarts; ++r) {
    Rng rng = master.split();
    std::vector<float> centers =
        seed_plus_plus(xc.data(), engine.x_sq().data(), n, d, k, rng, engine.dist());
    const int it = engine.run(centers, k, config.max_iter, tol, labels, cancel);
    if (it < 0) {
      best.cancelled = true;
      break;
    }
    const double in = inertia_raw(xc.data(), n, d, centers.data(), labels.data());
    best.restart_inertia.push_back(in);
    if (in < best.inertia) {  // first restart wins ties
      best.inertia = in;
      best.iterations = it;
      best.labels = labels;
      best_centers = centers;
    }
    if (progress) progress(double(r + 1) / config.restarts);
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
