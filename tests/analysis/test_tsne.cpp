#include <omp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "analysis/tsne.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

using namespace aelab;
using namespace aelab::analysis;

namespace {

Tensor blobs(int n, int d, int centers, double separation, uint64_t seed,
             std::vector<int>& labels) {
  Rng rng(seed);
  std::vector<float> c(size_t(centers) * d);
  for (float& v : c) v = float(separation * rng.normal());
  Tensor x({n, d});
  labels.resize(n);
  for (int i = 0; i < n; ++i) {
    labels[i] = int(rng.below(centers));
    for (int t = 0; t < d; ++t)
      x.data()[size_t(i) * d + t] = c[size_t(labels[i]) * d + t] + float(rng.normal());
  }
  return x;
}

}  // namespace

TEST_CASE("Binary search hits the perplexity on every row", "[analysis][tsne]") {
  Rng rng(2);
  const int n = 50, k = 40;
  std::vector<double> dist2(n * k);
  for (double& v : dist2) v = rng.uniform(0.0, 400.0);  // wide range: exp() would underflow
  for (double perp : {2.0, 10.0, 30.0}) {
    std::vector<double> cond;
    tsne_conditional(dist2, n, k, perp, cond);
    for (int i = 0; i < n; ++i) {
      double sum = 0.0, h = 0.0;
      for (int j = 0; j < k; ++j) {
        const double p = cond[i * k + j];
        sum += p;
        if (p > 0) h -= p * std::log(p);
      }
      REQUIRE(sum == Approx(1.0).margin(1e-12));
      REQUIRE(std::exp(h) == Approx(perp).epsilon(1e-4));
    }
  }
}

TEST_CASE("Affinities are symmetric, non-negative and sum to 1", "[analysis][tsne]") {
  std::vector<int> labels;
  const Tensor x = blobs(300, 5, 3, 4.0, 1, labels);
  const SparseAffinities p = tsne_affinities(x, 10.0);
  REQUIRE(p.row_ptr.size() == 301);
  double total = 0.0;
  auto find = [&](int i, int j) {
    for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e)
      if (p.col[e] == j) return p.val[e];
    return -1.0f;
  };
  for (int i = 0; i < 300; ++i) {
    REQUIRE(p.row_ptr[i + 1] - p.row_ptr[i] >= 31);  // 3 * perplexity + 1 neighbours at least
    for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e) {
      REQUIRE(p.col[e] != i);
      REQUIRE(p.val[e] > 0.0);
      if (e > p.row_ptr[i]) REQUIRE(p.col[e] > p.col[e - 1]);
      REQUIRE(find(p.col[e], i) == Approx(p.val[e]).epsilon(1e-12));
      total += p.val[e];
    }
  }
  REQUIRE(total == Approx(1.0).margin(1e-9));
}

namespace {

// Runs a test body with the best attraction kernel of this CPU and with the plain loop.
struct EachAttractionKernel {
  explicit EachAttractionKernel(bool plain) { detail::set_tsne_plain_kernels(plain); }
  ~EachAttractionKernel() { detail::set_tsne_plain_kernels(false); }
};

}  // namespace

TEST_CASE("Barnes-Hut gradient matches the exact gradient", "[analysis][tsne]") {
  const bool plain = GENERATE(false, true);
  if (!plain && !detail::tsne_vector_kernels()) WARN("no vector kernel on this CPU");
  const EachAttractionKernel kernel(plain);
  std::vector<int> labels;
  const Tensor x = blobs(400, 6, 4, 3.0, 3, labels);
  const SparseAffinities p = tsne_affinities(x, 15.0);
  Rng rng(4);
  std::vector<double> y(800);
  for (double& v : y) v = 5.0 * rng.normal();
  std::vector<double> exact(800), bh0(800), bh(800);
  const double z_exact = tsne_gradient_exact(p, y, 12.0, exact);
  // theta 0: nothing summarised. What is left is float arithmetic (the map and the interaction
  // lists) and P in half precision (2^-11 of each value at most).
  const double z0 = tsne_gradient_bh(p, y, 12.0, 0.0, bh0);
  REQUIRE(z0 == Approx(z_exact).epsilon(1e-6));
  double err0 = 0.0, worst = 0.0, norm = 0.0;
  for (int i = 0; i < 800; ++i) {
    err0 += (bh0[i] - exact[i]) * (bh0[i] - exact[i]);
    norm += exact[i] * exact[i];
    worst = std::max(worst, std::fabs(bh0[i] - exact[i]));
  }
  const double rms = std::sqrt(norm / 800);
  REQUIRE(std::sqrt(err0 / norm) < 5e-4);
  REQUIRE(worst < 2e-3 * rms);

  const double z = tsne_gradient_bh(p, y, 12.0, 0.5, bh);
  REQUIRE(z == Approx(z_exact).epsilon(0.01));
  double err = 0.0;
  for (int i = 0; i < 800; ++i) err += (bh[i] - exact[i]) * (bh[i] - exact[i]);
  REQUIRE(std::sqrt(err / norm) < 0.02);
}

TEST_CASE("Barnes-Hut attraction matches the double sum for near and far pairs",
          "[analysis][tsne]") {
  const bool plain = GENERATE(false, true);
  const EachAttractionKernel kernel(plain);
  // 70,000 points with partners anywhere in the numbering: many pairs are more than 32,767
  // positions apart (stored with 32-bit columns), the rest as 16-bit offsets with half values.
  const int n = 70000;
  Rng rng(8);
  std::vector<std::vector<std::pair<int, double>>> rows(n);
  for (int i = 0; i < n; ++i)
    for (int c = 0; c < 6; ++c) {
      const int j = c < 3 ? int(rng.below(n)) : std::clamp(i + int(rng.below(201)) - 100, 0, n - 1);
      if (j == i) continue;
      const double v = std::exp(-8.0 * rng.uniform());  // values over three decades
      rows[i].push_back({j, v});
      rows[j].push_back({i, v});
    }
  SparseAffinities p;
  p.n = n;
  p.row_ptr.push_back(0);
  double total = 0.0;
  int64_t far = 0;
  for (int i = 0; i < n; ++i) {
    std::sort(rows[i].begin(), rows[i].end());
    for (size_t e = 0; e < rows[i].size(); ++e) {  // merge repeated partners
      if (e > 0 && rows[i][e].first == rows[i][e - 1].first) {
        p.val.back() += float(rows[i][e].second);
        continue;
      }
      p.col.push_back(rows[i][e].first);
      p.val.push_back(float(rows[i][e].second));
      far += std::abs(rows[i][e].first - i) > 32767;
    }
    p.row_ptr.push_back(int64_t(p.col.size()));
  }
  for (float v : p.val) total += v;
  for (float& v : p.val) v = float(v / total);
  REQUIRE(far > int64_t(p.col.size()) / 10);

  std::vector<double> y(2 * size_t(n));
  for (double& v : y) v = 20.0 * rng.normal();
  // The repulsion is the same for both exaggerations (same map, same tree), so the difference
  // of the two gradients is 4 * 11 * the attraction alone.
  std::vector<double> g12(y.size()), g1(y.size());
  (void)tsne_gradient_bh(p, y, 12.0, 0.5, g12);
  (void)tsne_gradient_bh(p, y, 1.0, 0.5, g1);
  int64_t bad = 0;
  for (int i = 0; i < n; ++i) {
    double fx = 0, fy = 0, ax = 0, ay = 0;  // the force and the sum of its terms' sizes
    for (int64_t e = p.row_ptr[i]; e < p.row_ptr[i + 1]; ++e) {
      const int j = p.col[e];
      const double dx = y[2 * i] - y[2 * j], dy = y[2 * i + 1] - y[2 * j + 1];
      const double w = double(p.val[e]) / (1.0 + dx * dx + dy * dy);
      fx += w * dx;
      fy += w * dy;
      ax += std::fabs(w * dx);
      ay += std::fabs(w * dy);
    }
    const double gx = (g12[2 * i] - g1[2 * i]) / 44.0, gy = (g12[2 * i + 1] - g1[2 * i + 1]) / 44.0;
    bad += std::fabs(gx - fx) > 1e-3 * ax + 1e-30;
    bad += std::fabs(gy - fy) > 1e-3 * ay + 1e-30;
  }
  REQUIRE(bad == 0);
}

TEST_CASE("k-NN label accuracy on a hand-made map", "[analysis][tsne]") {
  // Two groups on a line and one stray "1" inside the 0s.
  Tensor y({7, 2}, std::vector<float>{0, 0, 1, 0, 2, 0, 3, 0, 100, 0, 101, 0, 102, 0});
  const std::vector<int> labels = {0, 0, 1, 0, 1, 1, 1};
  // k = 1: point 2 (label 1) sees 1 or 3 (both 0) -> wrong; points 1 and 3 see point 2 first?
  // Distances from 1: to 0 and 2 equal (1) -> nearest by index is 0 -> right. From 3: point 2 at
  // distance 1 -> label 1 -> wrong. So 5 of 7 right.
  REQUIRE(knn_label_accuracy(y, labels, 1) == Approx(5.0 / 7.0));
  // k = 3: the far group votes 1 everywhere; point 2 sees 1, 3, 0 -> 0 (wrong); others right.
  REQUIRE(knn_label_accuracy(y, labels, 3) == Approx(6.0 / 7.0));
  REQUIRE_THROWS_AS(knn_label_accuracy(y, labels, 7), InputError);
  REQUIRE_THROWS_AS(knn_label_accuracy(y, std::vector<int>{0, 1}, 1), InputError);
  REQUIRE_THROWS_AS(knn_label_accuracy(Tensor({7, 3}), labels, 1), InputError);
}

TEST_CASE("t-SNE keeps well-separated blobs apart, deterministically", "[analysis][tsne]") {
  std::vector<int> labels;
  const Tensor x = blobs(1000, 16, 10, 4.0, 7, labels);
  TsneConfig cfg;
  cfg.iterations = 300;
  cfg.exaggeration_iters = 100;
  double last = -1.0;
  std::vector<double> reports;
  const TsneResult r = tsne(x, cfg, nullptr, [&](double f) {
    REQUIRE(f >= last);
    last = f;
    reports.push_back(f);
  });
  // From 0 before the neighbour search to 1 only once the map is made (never 1 while the final
  // gradient and KL are still to come).
  REQUIRE(reports.front() == 0.0);
  REQUIRE(last == 1.0);
  REQUIRE(std::count(reports.begin(), reports.end(), 1.0) == 1);
  REQUIRE(reports[reports.size() - 2] < 1.0);
  // The status line the window shows beside the bar, from the same fractions.
  CHECK(tsne_stage(reports.front(), cfg.iterations) == "neighbours and affinities");
  CHECK(tsne_stage(reports[1], cfg.iterations) == "iteration 0 of 300");
  CHECK(tsne_stage(reports[reports.size() - 3], cfg.iterations) == "iteration 290 of 300");
  CHECK(tsne_stage(reports[reports.size() - 2], cfg.iterations) == "final KL");  // all 300 done
  CHECK(tsne_stage(reports.back(), cfg.iterations) == "done");
  CHECK(tsne_stage(0.15 + 0.83 * 0.5, cfg.iterations) == "iteration 150 of 300");
  CHECK(tsne_stage(0.99, cfg.iterations) == "final KL");
  CHECK(tsne_stage(std::nan(""), cfg.iterations) == "neighbours and affinities");
  REQUIRE(r.y.shape() == Shape{1000, 2});
  REQUIRE(r.iterations == 300);
  REQUIRE(r.kl > 0.0);
  REQUIRE(r.kl < 3.0);
  REQUIRE(knn_label_accuracy(r.y, labels, 10) >= 0.95);
  const TsneResult again = tsne(x, cfg);
  for (int64_t i = 0; i < r.y.numel(); ++i) REQUIRE(again.y[i] == r.y[i]);
}

TEST_CASE("t-SNE stops when cancelled and refuses bad input", "[analysis][tsne]") {
  std::vector<int> labels;
  const Tensor x = blobs(100, 4, 2, 4.0, 9, labels);
  std::atomic<bool> cancel{true};
  const TsneResult r = tsne(x, TsneConfig{}, &cancel);
  REQUIRE(r.cancelled);
  REQUIRE(r.iterations == 0);

  TsneConfig cfg;
  cfg.perplexity = 99;  // >= N - 1
  REQUIRE_THROWS_AS(tsne(x, cfg), InputError);
  cfg.perplexity = 0;
  REQUIRE_THROWS_AS(tsne(x, cfg), InputError);
  REQUIRE_THROWS_AS(tsne(Tensor({3, 4}), TsneConfig{}), InputError);
  Tensor bad = x;
  bad[5] = NAN;
  REQUIRE_THROWS_AS(tsne(bad, TsneConfig{}), InputError);
}

TEST_CASE("t-SNE on identical points stays finite", "[analysis][tsne]") {
  const Tensor x({40, 3}, 1.0f);
  TsneConfig cfg;
  cfg.perplexity = 5;
  cfg.iterations = 30;
  cfg.exaggeration_iters = 10;
  const TsneResult r = tsne(x, cfg);
  for (float v : r.y.span()) REQUIRE(std::isfinite(v));
}

namespace {

// Leave-one-out k-NN vote by brute force over all pairs: the reference for the grid search.
double knn_accuracy_reference(const Tensor& y, const std::vector<int>& labels, int k) {
  const int64_t n = y.dim(0);
  int correct = 0;
  for (int64_t i = 0; i < n; ++i) {
    std::vector<std::pair<double, int>> all;
    for (int64_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double dx = double(y[2 * i]) - y[2 * j], dy = double(y[2 * i + 1]) - y[2 * j + 1];
      all.push_back({dx * dx + dy * dy, int(j)});
    }
    std::sort(all.begin(), all.end());
    std::vector<int> votes(10, 0);
    int best = 0;
    for (int c = 0; c < k; ++c) best = std::max(best, ++votes[labels[all[c].second]]);
    for (int c = 0; c < k; ++c)
      if (votes[labels[all[c].second]] == best) {
        correct += labels[all[c].second] == labels[i];
        break;
      }
  }
  return double(correct) / double(n);
}

}  // namespace

TEST_CASE("The vantage-point tree finds the same neighbours as brute force", "[analysis][tsne]") {
  std::vector<int> labels;
  // Clustered (as codes are), with exact duplicates mixed in, so ties are exercised.
  Tensor x = blobs(3000, 16, 10, 3.0, 11, labels);
  for (int i = 0; i < 40; ++i)
    for (int t = 0; t < 16; ++t) x.data()[size_t(2000 + i) * 16 + t] = x.data()[size_t(i) * 16 + t];
  std::vector<int> bi, ti;
  std::vector<double> bd, td;
  tsne_neighbours_brute(x, 31, bi, bd);
  tsne_neighbours_tree(x, 31, ti, td);
  REQUIRE(bi.size() == ti.size());
  int64_t differ = 0;
  for (size_t c = 0; c < bi.size(); ++c) {
    differ += bi[c] != ti[c];
    REQUIRE(bd[c] == td[c]);  // the same exact double distances in the same order
  }
  REQUIRE(differ == 0);
}

TEST_CASE("k-NN label accuracy through the grid equals the all-pairs vote", "[analysis][tsne]") {
  Rng rng(5);
  for (int n : {12, 500, 2500}) {
    Tensor y({n, 2});
    std::vector<int> labels(n);
    for (int i = 0; i < n; ++i) {
      labels[i] = int(rng.below(10));
      // Loose clusters, a far outlier and a run of points on integer coordinates (exact ties).
      y[2 * i] = float(labels[i] * 3 + rng.normal());
      y[2 * i + 1] = float(i % 17 == 0 ? std::round(rng.normal() * 3) : rng.normal());
    }
    y[0] = 1e4f;
    for (int k : {1, 5, 10}) {
      INFO("n = " << n << ", k = " << k);
      REQUIRE(knn_label_accuracy(y, labels, k) == knn_accuracy_reference(y, labels, k));
    }
  }
}

TEST_CASE("t-SNE on 5,000 points (tree neighbours) keeps 10 separated clusters apart",
          "[analysis][tsne]") {
  std::vector<int> labels;
  const Tensor x = blobs(5000, 16, 10, 6.0, 3, labels);
  TsneConfig cfg;
  cfg.iterations = 300;
  cfg.exaggeration_iters = 100;
  const TsneResult r = tsne(x, cfg);
  REQUIRE(r.y.shape() == Shape{5000, 2});
  REQUIRE(knn_label_accuracy(r.y, labels, 10) >= 0.99);
}

TEST_CASE("t-SNE gives the same map for 1 and 2 threads, in the input's order",
          "[analysis][tsne]") {
  // 3,000 points: above the size where the gradient runs on the threads; 250 iterations renumber
  // the points (in the map's tree order) three times, so the map must come back in input order.
  std::vector<int> labels;
  const Tensor x = blobs(3000, 8, 6, 6.0, 9, labels);
  TsneConfig cfg;
  cfg.iterations = 250;
  cfg.exaggeration_iters = 100;
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const TsneResult one = tsne(x, cfg);
  omp_set_num_threads(2);
  const TsneResult two = tsne(x, cfg);
  omp_set_num_threads(before);
  REQUIRE(one.y.shape() == two.y.shape());
  for (int64_t i = 0; i < one.y.numel(); ++i) REQUIRE(one.y.data()[i] == two.y.data()[i]);
  REQUIRE(one.kl == two.kl);
  // In input order: each point's 10 nearest in the map share its blob.
  REQUIRE(knn_label_accuracy(one.y, labels, 10) >= 0.99);
}
