#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "analysis/sq_distances.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

using namespace aelab;
using namespace aelab::analysis;

namespace {

// n points around `centers` Gaussian blobs in d dimensions; labels = blob index.
Tensor blobs(int n, int d, int centers, double spread, uint64_t seed, std::vector<int>& labels) {
  Rng rng(seed);
  std::vector<float> c(size_t(centers) * d);
  for (float& v : c) v = float(rng.uniform(-10, 10));
  Tensor x({n, d});
  labels.resize(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = i % centers;
    for (int t = 0; t < d; ++t)
      x.data()[size_t(i) * d + t] = c[size_t(labels[i]) * d + t] + float(spread * rng.normal());
  }
  return x;
}

}  // namespace

TEST_CASE("GEMM distances agree with the plain loop", "[analysis][kmeans]") {
  Rng rng(3);
  Tensor a({37, 19}), b({5, 19});
  for (float& v : a.span()) v = float(rng.uniform(-2, 2));
  for (float& v : b.span()) v = float(rng.uniform(-2, 2));
  const auto a_sq = row_sq_norms(a.data(), 37, 19), b_sq = row_sq_norms(b.data(), 5, 19);
  std::vector<float> fast(37 * 5);
  SqDistances dist;
  dist.distances(a.data(), a_sq.data(), 37, b.data(), b_sq.data(), 5, 19, fast.data());
  const auto ref = sq_distances_reference(a.data(), 37, b.data(), 5, 19);
  for (size_t i = 0; i < ref.size(); ++i) REQUIRE(fast[i] == Approx(ref[i]).margin(1e-4));
}

TEST_CASE("Fast Lloyd equals the reference loop from the same start", "[analysis][kmeans]") {
  std::vector<int> truth;
  const Tensor x = blobs(600, 12, 5, 2.5, 5, truth);
  const Tensor init = kmeans_plus_plus(x, 5, 9);
  const auto fast = lloyd(x, init, 100, 0.0);
  const auto ref = lloyd_reference(x, init, 100, 0.0);
  REQUIRE(fast.labels == ref.labels);
  REQUIRE(fast.iterations == ref.iterations);
  REQUIRE(fast.inertia == Approx(ref.inertia).epsilon(1e-6));
  for (int64_t i = 0; i < fast.centroids.numel(); ++i)
    REQUIRE(fast.centroids[i] == Approx(ref.centroids[i]).margin(1e-4));
}

TEST_CASE("Lloyd from several starts at once equals the reference loop from each",
          "[analysis][kmeans]") {
  std::vector<int> truth;
  const Tensor x = blobs(800, 10, 6, 3.0, 12, truth);
  std::vector<Tensor> inits;
  for (uint64_t seed : {1, 2, 3, 4, 5}) inits.push_back(kmeans_plus_plus(x, 6, seed));
  const auto many = lloyd_many(x, inits, 100, 0.0);
  REQUIRE(many.size() == inits.size());
  std::vector<int> iterations;
  for (size_t r = 0; r < inits.size(); ++r) {
    const auto ref = lloyd_reference(x, inits[r], 100, 0.0);
    INFO("start " << r);
    REQUIRE(many[r].labels == ref.labels);
    REQUIRE(many[r].iterations == ref.iterations);
    REQUIRE(many[r].inertia == Approx(ref.inertia).epsilon(1e-6));
    iterations.push_back(ref.iterations);
  }
  // The starts stop at different iterations, so some ran on after others had ended.
  REQUIRE(*std::max_element(iterations.begin(), iterations.end()) >
          *std::min_element(iterations.begin(), iterations.end()));
  // An iteration cap stops each start where one alone would stop.
  const auto capped = lloyd_many(x, inits, 2, 0.0);
  for (size_t r = 0; r < inits.size(); ++r) {
    const auto ref = lloyd_reference(x, inits[r], 2, 0.0);
    REQUIRE(capped[r].labels == ref.labels);
    REQUIRE(capped[r].iterations == ref.iterations);
  }
  REQUIRE_THROWS_AS(lloyd_many(x, std::vector<Tensor>{inits[0], kmeans_plus_plus(x, 4, 1)}, 10, 0),
                    InputError);
}

TEST_CASE("k-means restarts do not depend on the restarts run beside them", "[analysis][kmeans]") {
  std::vector<int> truth;
  const Tensor x = blobs(900, 8, 7, 4.0, 31, truth);
  KMeansConfig three, six;
  three.k = six.k = 7;
  three.restarts = 3;
  six.restarts = 6;
  three.seed = six.seed = 5;
  const auto a = kmeans(x, three), b = kmeans(x, six);
  REQUIRE(a.restart_inertia.size() == 3);
  REQUIRE(b.restart_inertia.size() == 6);
  for (size_t r = 0; r < 3; ++r) REQUIRE(a.restart_inertia[r] == Approx(b.restart_inertia[r]));
  REQUIRE(b.inertia <= a.inertia * (1 + 1e-9));
}

TEST_CASE("Empty clusters are re-seeded with the farthest point", "[analysis][kmeans]") {
  // Four points on a line; one starting centroid is far away and gets nothing.
  Tensor x({4, 1}, std::vector<float>{0, 1, 10, 11});
  Tensor init({2, 1}, std::vector<float>{5, 1000});
  const auto fast = lloyd(x, init, 50, 0.0);
  const auto ref = lloyd_reference(x, init, 50, 0.0);
  REQUIRE(fast.labels == ref.labels);
  REQUIRE(fast.inertia == Approx(1.0));  // {0,1} and {10,11}
  REQUIRE(ref.inertia == Approx(1.0));
  REQUIRE(fast.labels[0] == fast.labels[1]);
  REQUIRE(fast.labels[2] == fast.labels[3]);
  REQUIRE(fast.labels[0] != fast.labels[2]);
}

TEST_CASE("k-means finds well-separated blobs and is deterministic", "[analysis][kmeans]") {
  std::vector<int> truth;
  const Tensor x = blobs(1000, 16, 10, 1.0, 21, truth);
  KMeansConfig cfg;
  cfg.seed = 4;
  int calls = 0;
  double last = 0.0;
  const auto r = kmeans(x, cfg, nullptr, [&](double f) {
    ++calls;
    REQUIRE(f > last);
    last = f;
  });
  REQUIRE(calls == cfg.restarts);
  REQUIRE(last == Approx(1.0));
  REQUIRE(r.restart_inertia.size() == size_t(cfg.restarts));
  REQUIRE(matched_accuracy(truth, r.labels) == 1.0);
  REQUIRE(r.centroids.shape() == Shape{10, 16});
  REQUIRE(r.inertia == Approx(inertia(x, r.centroids, r.labels)));
  REQUIRE(r.inertia ==
          Approx(*std::min_element(r.restart_inertia.begin(), r.restart_inertia.end())));
  // Expected inertia of the true partition: ~ N * D * spread^2.
  REQUIRE(r.inertia < 1.1 * 1000 * 16);

  const auto again = kmeans(x, cfg);
  REQUIRE(again.labels == r.labels);
  REQUIRE(again.inertia == r.inertia);
  REQUIRE(again.restart_inertia == r.restart_inertia);
}

TEST_CASE("k-means with k = N puts every point alone", "[analysis][kmeans]") {
  Tensor x({5, 2}, std::vector<float>{0, 0, 1, 0, 0, 1, 5, 5, -3, 2});
  KMeansConfig cfg;
  cfg.k = 5;
  cfg.restarts = 2;
  const auto r = kmeans(x, cfg);
  REQUIRE(r.inertia == Approx(0.0).margin(1e-9));
  std::vector<int> sorted = r.labels;
  std::sort(sorted.begin(), sorted.end());
  REQUIRE(sorted == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("k-means stops when cancelled", "[analysis][kmeans]") {
  std::vector<int> truth;
  const Tensor x = blobs(300, 4, 3, 1.0, 2, truth);
  std::atomic<bool> cancel{true};
  const auto r = kmeans(x, KMeansConfig{3, 5, 100, 1e-4, 0}, &cancel);
  REQUIRE(r.cancelled);
  REQUIRE(r.labels.empty());
}

TEST_CASE("k-means refuses bad input", "[analysis][kmeans]") {
  Tensor x({4, 2}, 1.0f);
  KMeansConfig cfg;
  cfg.k = 0;
  REQUIRE_THROWS_AS(kmeans(x, cfg), InputError);
  cfg.k = 5;  // more clusters than rows
  REQUIRE_THROWS_AS(kmeans(x, cfg), InputError);
  cfg.k = 2;
  REQUIRE_THROWS_AS(kmeans(Tensor({4, 0}), cfg), InputError);
  REQUIRE_THROWS_AS(kmeans(Tensor({8}), cfg), InputError);
  x[3] = NAN;
  REQUIRE_THROWS_AS(kmeans(x, cfg), InputError);
  x[3] = INFINITY;
  REQUIRE_THROWS_AS(kmeans(x, cfg), InputError);
  cfg.restarts = 0;
  REQUIRE_THROWS_AS(kmeans(Tensor({4, 2}, 1.0f), cfg), InputError);
}

TEST_CASE("k-means on identical points does not crash", "[analysis][kmeans]") {
  const Tensor x({20, 3}, 2.5f);
  KMeansConfig cfg;
  cfg.k = 4;
  cfg.restarts = 2;
  const auto r = kmeans(x, cfg);
  REQUIRE(r.labels.size() == 20);
  REQUIRE(r.inertia == Approx(0.0).margin(1e-9));
  for (float c : r.centroids.span()) REQUIRE(c == Approx(2.5f));
}

TEST_CASE("k-means on a raw buffer equals the Tensor call", "[analysis][kmeans]") {
  std::vector<int> truth;
  const Tensor x = blobs(200, 3, 4, 1.0, 8, truth);
  const std::vector<float> buf(x.span().begin(), x.span().end());
  const KMeansConfig cfg{4, 3, 100, 1e-4, 2};
  REQUIRE(kmeans(buf, 200, 3, cfg).labels == kmeans(x, cfg).labels);
  REQUIRE_THROWS_AS(kmeans(buf, 201, 3, cfg), InputError);
}

TEST_CASE("Lloyd's skipped rows (Hamerly bounds) change nothing: overlapping blobs, many moves",
          "[analysis][kmeans]") {
  // Blobs that overlap (spread 12 against centres within +-10) in 64-D: many rows sit near the
  // border of two clusters for many iterations, the case where a bound too loose or a margin too
  // thin for the GEMM's rounding would keep a row at a centre no longer its nearest.
  std::vector<int> truth;
  const Tensor x = blobs(4000, 64, 12, 12.0, 21, truth);
  std::vector<Tensor> inits;
  for (uint64_t seed : {7, 8, 9}) inits.push_back(kmeans_plus_plus(x, 12, seed));
  const auto many = lloyd_many(x, inits, 300, 0.0);
  for (size_t r = 0; r < inits.size(); ++r) {
    const auto ref = lloyd_reference(x, inits[r], 300, 0.0);
    INFO("start " << r << ", " << ref.iterations << " iterations");
    REQUIRE(ref.iterations > 10);  // long enough for the bounds to skip most rows
    REQUIRE(many[r].labels == ref.labels);
    REQUIRE(many[r].iterations == ref.iterations);
    REQUIRE(many[r].inertia == Approx(ref.inertia).epsilon(1e-6));
  }
}

TEST_CASE("Lloyd equals the reference loop for any k (the row-by-row dot products in groups)",
          "[analysis][kmeans]") {
  // The row-by-row path takes up to ten centres a pass for one row and five for two rows at once
  // (splitting the rest in halves below twice that): each k here takes a different split in
  // both, and d = 37 leaves a tail after the eight-float steps. Overlapping blobs keep rows near
  // borders, so that path runs for long, with rows alone and in pairs.
  std::vector<int> truth;
  const Tensor x = blobs(3000, 37, 20, 9.0, 44, truth);
  for (int k : {1, 3, 10, 13, 17, 20}) {
    const Tensor init = kmeans_plus_plus(x, k, uint64_t(k));
    const auto fast = lloyd(x, init, 200, 0.0);
    const auto ref = lloyd_reference(x, init, 200, 0.0);
    INFO("k = " << k << ", " << ref.iterations << " iterations");
    REQUIRE(fast.labels == ref.labels);
    REQUIRE(fast.iterations == ref.iterations);
    REQUIRE(fast.inertia == Approx(ref.inertia).epsilon(1e-6));
  }
}

TEST_CASE("A row equally near two centres goes to the lower-numbered one, as in the reference",
          "[analysis][kmeans]") {
  // Small integers everywhere: every squared distance is exact in float however it is computed
  // (the GEMM's |x|^2 - 2 x.c + |c|^2 or a direct sum), so a row halfway between two centres ties
  // exactly. The reference loop (and scikit-learn's argmin) give it to the lower index; a search
  // that kept the last of equals would give it to the higher. One iteration: the labels are the
  // assignment to these centres.
  constexpr int d = 4, k = 5;
  std::vector<float> pts;
  for (int a = -2; a <= 2; ++a)
    for (int b = -2; b <= 2; ++b)
      for (int c = -1; c <= 1; ++c)
        for (int e = -1; e <= 1; ++e)
          pts.insert(pts.end(), {float(a), float(b), float(c), float(e)});
  const int64_t n = int64_t(pts.size()) / d;
  const Tensor x({n, d}, pts);
  // Not in any scan order: the origin last, so its ties with the others go to them.
  const Tensor init(
      {k, d}, std::vector<float>{0, -2, 0, 0, 2, 0, 0, 0, -2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0});
  std::vector<int> expected(static_cast<size_t>(n));
  int ties = 0;
  for (int64_t i = 0; i < n; ++i) {
    float best = 1e30f;
    int count = 0;
    for (int c = 0; c < k; ++c) {
      float s = 0;
      for (int t = 0; t < d; ++t) {
        const float v = pts[size_t(i * d + t)] - init[c * d + t];
        s += v * v;
      }
      if (s < best)
        best = s, expected[size_t(i)] = c, count = 1;
      else if (s == best)
        ++count;
    }
    ties += count > 1;
  }
  REQUIRE(ties >= 40);  // the case is there
  const auto fast = lloyd(x, init, 1, 0.0);
  const auto ref = lloyd_reference(x, init, 1, 0.0);
  CHECK(ref.labels == expected);
  CHECK(fast.labels == expected);
}

TEST_CASE("The row-by-row dot products: one row alone or paired gets the same values, as a plain "
          "loop within rounding",
          "[analysis][kmeans]") {
  // The pair kernel (AVX2's where the CPU has it) must sum in the single-row kernel's order:
  // the path pairs whichever rows a block holds, so a difference would make labels depend on
  // the neighbours. Each k takes different groups of centres; d = 5 and 37 leave tails.
  INFO("vector pair kernel: " << analysis::detail::kmeans_vector_pair_kernel());
  Rng rng(91);
  for (int64_t d : {5, 8, 37, 256}) {
    for (int k : {1, 3, 5, 7, 10, 13, 20}) {
      std::vector<float> x0(static_cast<size_t>(d)), x1(static_cast<size_t>(d)),
          c(static_cast<size_t>(k * d));
      for (float& v : x0) v = float(rng.normal() * 3.0);
      for (float& v : x1) v = float(rng.normal() * 3.0 + 1.0);
      for (float& v : c) v = float(rng.normal() * 2.0);
      std::vector<float> p0(static_cast<size_t>(k)), p1(static_cast<size_t>(k)),
          s0(static_cast<size_t>(k)), s1(static_cast<size_t>(k));
      analysis::detail::kmeans_pair_dots(x0.data(), x1.data(), c.data(), k, d, p0.data(),
                                         p1.data());
      analysis::detail::kmeans_row_dots(x0.data(), c.data(), k, d, s0.data());
      analysis::detail::kmeans_row_dots(x1.data(), c.data(), k, d, s1.data());
      INFO("d = " << d << ", k = " << k);
      CHECK(p0 == s0);  // bit for bit
      CHECK(p1 == s1);
      for (int j = 0; j < k; ++j) {
        double ref0 = 0.0, ref1 = 0.0, abs0 = 0.0, abs1 = 0.0;
        for (int64_t t = 0; t < d; ++t) {
          const double cv = c[size_t(j * d + t)];
          ref0 += double(x0[size_t(t)]) * cv, abs0 += std::fabs(double(x0[size_t(t)]) * cv);
          ref1 += double(x1[size_t(t)]) * cv, abs1 += std::fabs(double(x1[size_t(t)]) * cv);
        }
        // A d-term float sum: within d units of rounding of the sum of magnitudes.
        CHECK(std::fabs(p0[size_t(j)] - ref0) <= double(d) * 0x1.0p-23 * abs0);
        CHECK(std::fabs(p1[size_t(j)] - ref1) <= double(d) * 0x1.0p-23 * abs1);
      }
    }
  }
}
