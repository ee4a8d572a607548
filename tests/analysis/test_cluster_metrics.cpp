#include <algorithm>
#include <catch2/catch.hpp>
#include <numeric>
#include <vector>

#include "analysis/cluster_metrics.hpp"
#include "analysis/hungarian.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"

using namespace aelab;
using namespace aelab::analysis;
using V = std::vector<int>;

namespace {

// Exhaustive minimum over injective maps rows -> columns (rows <= cols).
double brute_force_min(const std::vector<double>& cost, int rows, int cols) {
  std::vector<int> perm(cols);
  std::iota(perm.begin(), perm.end(), 0);
  double best = 1e300;
  do {
    double s = 0.0;
    for (int i = 0; i < rows; ++i) s += cost[size_t(i) * cols + perm[i]];
    best = std::min(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

bool is_one_to_one(const std::vector<int>& a, int cols) {
  std::vector<int> seen(cols, 0);
  for (int c : a)
    if (c >= 0 && seen[c]++) return false;
  return true;
}

}  // namespace

TEST_CASE("Hungarian solves a hand-worked 3x3 case", "[analysis][hungarian]") {
  // Only (0->1, 1->0, 2->2) costs 5; every other permutation costs 6 or more.
  const std::vector<double> cost = {4, 1, 3, 2, 0, 5, 3, 2, 2};
  const auto a = hungarian_min_cost(cost, 3, 3);
  REQUIRE(a == V{1, 0, 2});
  REQUIRE(assignment_cost(cost, 3, 3, a) == 5.0);
}

TEST_CASE("Hungarian matches brute force on random 6x6 matrices", "[analysis][hungarian]") {
  Rng rng(7);
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<double> cost(36);
    for (double& c : cost) c = trial % 2 ? double(rng.below(5)) : rng.uniform(-3, 10);  // ties too
    const auto a = hungarian_min_cost(cost, 6, 6);
    REQUIRE(is_one_to_one(a, 6));
    REQUIRE(std::count(a.begin(), a.end(), -1) == 0);
    REQUIRE(assignment_cost(cost, 6, 6, a) == Approx(brute_force_min(cost, 6, 6)).margin(1e-12));
  }
}

TEST_CASE("Hungarian handles rectangular matrices both ways", "[analysis][hungarian]") {
  Rng rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<double> wide(4 * 7);  // 4 rows, 7 columns: every row assigned
    for (double& c : wide) c = rng.uniform(0, 9);
    const auto a = hungarian_min_cost(wide, 4, 7);
    REQUIRE(is_one_to_one(a, 7));
    REQUIRE(std::count(a.begin(), a.end(), -1) == 0);
    REQUIRE(assignment_cost(wide, 4, 7, a) == Approx(brute_force_min(wide, 4, 7)));

    std::vector<double> tall(7 * 4);  // transpose: 3 rows stay unassigned, same optimum
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 7; ++j) tall[size_t(j) * 4 + i] = wide[size_t(i) * 7 + j];
    const auto b = hungarian_min_cost(tall, 7, 4);
    REQUIRE(std::count(b.begin(), b.end(), -1) == 3);
    REQUIRE(is_one_to_one(b, 4));
    REQUIRE(assignment_cost(tall, 7, 4, b) == Approx(assignment_cost(wide, 4, 7, a)));
  }
}

TEST_CASE("Hungarian refuses malformed cost matrices", "[analysis][hungarian]") {
  REQUIRE_THROWS_AS(hungarian_min_cost(std::vector<double>{1, 2, 3}, 2, 2), InputError);
  REQUIRE_THROWS_AS(hungarian_min_cost(std::vector<double>{1, NAN, 3, 4}, 2, 2), InputError);
  REQUIRE(hungarian_min_cost({}, 0, 0).empty());
}

TEST_CASE("Confusion matrix counts true digit x cluster", "[analysis][metrics]") {
  const V truth = {0, 0, 1, 1, 1, 2};
  const V clus = {1, 1, 0, 0, 2, 2};
  const auto cm = confusion_matrix(truth, clus);
  REQUIRE(cm.rows == 3);
  REQUIRE(cm.cols == 3);
  REQUIRE(cm.counts == std::vector<int64_t>{0, 2, 0, 2, 0, 1, 0, 0, 1});
  REQUIRE(cm.total() == 6);
  REQUIRE_THROWS_AS(confusion_matrix(truth, V{1, 1}), InputError);
  REQUIRE_THROWS_AS(confusion_matrix(V{0, -1}, V{0, 0}), InputError);
  REQUIRE_THROWS_AS(confusion_matrix(truth, clus, 2, 3), InputError);  // label 2 >= 2 classes
}

TEST_CASE("Matched accuracy maps clusters one-to-one onto digits", "[analysis][metrics]") {
  // Renamed perfect clustering.
  REQUIRE(matched_accuracy(V{0, 0, 1, 1, 2, 2}, V{2, 2, 0, 0, 1, 1}) == 1.0);
  // Two clusters both mostly digit 0: only one may take it. Best: c0->0 (3), c1->1 (1), c2->2 (2).
  const V truth = {0, 0, 0, 0, 1, 1, 2, 2};
  const V clus = {0, 0, 0, 1, 1, 2, 2, 2};
  const auto m = match_clusters(confusion_matrix(truth, clus));
  REQUIRE(m.class_of_cluster == V{0, 1, 2});
  REQUIRE(m.matched == 6);
  REQUIRE(m.accuracy == Approx(0.75));

  const std::vector<uint8_t> bytes(truth.begin(), truth.end());
  REQUIRE(matched_accuracy(bytes, clus) == Approx(0.75));
}

TEST_CASE("More clusters than digits: leftovers go to the right", "[analysis][metrics]") {
  // 2 classes, 3 clusters. Cluster 2 holds most of class 0, cluster 0 most of class 1.
  const V truth = {0, 0, 0, 0, 1, 1, 1};
  const V clus = {2, 2, 2, 1, 0, 0, 1};
  const auto s = score_clusters(truth, clus);
  REQUIRE(s.match.class_of_cluster == V{1, -1, 0});
  REQUIRE(s.match.column_order == V{2, 0, 1});
  // Permuted: columns (cluster 2, cluster 0, cluster 1).
  REQUIRE(s.match.permuted.counts == std::vector<int64_t>{3, 0, 1, 0, 2, 1});
  REQUIRE(s.match.accuracy == Approx(5.0 / 7.0));
}

TEST_CASE("ARI matches scikit-learn's documented values", "[analysis][metrics]") {
  REQUIRE(adjusted_rand_index(V{0, 0, 1, 1}, V{0, 0, 1, 1}) == 1.0);
  REQUIRE(adjusted_rand_index(V{0, 0, 1, 1}, V{1, 1, 0, 0}) == 1.0);
  // Hand-worked: pair counts tp = 2, fp = 2, fn = 0, tn = 8 -> 2*16 / (16 + 40) = 4/7.
  REQUIRE(adjusted_rand_index(V{0, 0, 1, 2}, V{0, 0, 1, 1}) == Approx(4.0 / 7.0));
  REQUIRE(adjusted_rand_index(V{0, 0, 1, 1}, V{0, 0, 1, 2}) == Approx(4.0 / 7.0));
  REQUIRE(adjusted_rand_index(V{0, 0, 0, 0}, V{0, 1, 2, 3}) == Approx(0.0).margin(1e-15));
  REQUIRE(adjusted_rand_index(V{0, 0, 1, 1}, V{0, 1, 0, 1}) == Approx(-0.5));
}

TEST_CASE("NMI (arithmetic) matches hand-computed values", "[analysis][metrics]") {
  REQUIRE(normalized_mutual_info(V{0, 0, 1, 1}, V{0, 0, 1, 1}) == Approx(1.0));
  REQUIRE(normalized_mutual_info(V{0, 0, 1, 1}, V{1, 1, 0, 0}) == Approx(1.0));
  REQUIRE(normalized_mutual_info(V{0, 0, 0, 0}, V{0, 1, 2, 3}) == 0.0);
  REQUIRE(normalized_mutual_info(V{3, 3, 3}, V{5, 5, 5}) == 1.0);  // nothing split: sklearn's 1
  // MI = ln 2, H(truth) = ln 2, H(pred) = 1.5 ln 2 -> ln2 / (1.25 ln 2) = 0.8.
  REQUIRE(normalized_mutual_info(V{0, 0, 1, 1}, V{0, 0, 1, 2}) == Approx(0.8));
  const std::vector<uint8_t> t = {0, 0, 1, 1};
  REQUIRE(normalized_mutual_info(t, V{0, 0, 1, 2}) == Approx(0.8));
}
