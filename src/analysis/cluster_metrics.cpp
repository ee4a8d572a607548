#include "analysis/cluster_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "analysis/hungarian.hpp"
#include "core/error.hpp"

namespace aelab::analysis {

namespace {

std::vector<int> widen(std::span<const uint8_t> labels) {
  return std::vector<int>(labels.begin(), labels.end());
}

void check_labels(std::span<const int> truth, std::span<const int> clusters) {
  if (truth.size() != clusters.size())
    throw InputError("cluster metrics: " + std::to_string(truth.size()) + " true labels but " +
                     std::to_string(clusters.size()) + " cluster labels");
  if (truth.empty()) throw InputError("cluster metrics: no labels given");
  for (size_t i = 0; i < truth.size(); ++i)
    if (truth[i] < 0 || clusters[i] < 0)
      throw InputError("cluster metrics: negative label at index " + std::to_string(i));
}

// Entropy (nats) of a distribution given by counts summing to n.
double entropy(const std::vector<int64_t>& counts, double n) {
  double h = 0.0;
  for (int64_t c : counts)
    if (c > 0) h -= (double(c) / n) * std::log(double(c) / n);
  return h;
}

int nonzero(const std::vector<int64_t>& counts) {
  return int(std::count_if(counts.begin(), counts.end(), [](int64_t c) { return c > 0; }));
}

std::vector<int64_t> row_sums(const ConfusionMatrix& cm) {
  std::vector<int64_t> s(cm.rows, 0);
  for (int r = 0; r < cm.rows; ++r)
    for (int c = 0; c < cm.cols; ++c) s[r] += cm.at(r, c);
  return s;
}

std::vector<int64_t> col_sums(const ConfusionMatrix& cm) {
  std::vector<int64_t> s(cm.cols, 0);
  for (int r = 0; r < cm.rows; ++r)
    for (int c = 0; c < cm.cols; ++c) s[c] += cm.at(r, c);
  return s;
}

double nmi_of(const ConfusionMatrix& cm) {
  const double n = double(cm.total());
  const auto a = row_sums(cm), b = col_sums(cm);
  // sklearn: one class and one cluster (nothing split) is a perfect match.
  if (nonzero(a) == 1 && nonzero(b) == 1) return 1.0;
  double mi = 0.0;
  for (int r = 0; r < cm.rows; ++r)
    for (int c = 0; c < cm.cols; ++c) {
      const double nij = double(cm.at(r, c));
      if (nij > 0) mi += (nij / n) * std::log(nij * n / (double(a[r]) * double(b[c])));
    }
  mi = std::max(mi, 0.0);
  if (mi == 0.0) return 0.0;
  const double norm = 0.5 * (entropy(a, n) + entropy(b, n));
  return std::min(mi / norm, 1.0);
}

double ari_of(const ConfusionMatrix& cm) {
  // Pair confusion (sklearn.metrics.cluster.pair_confusion_matrix), in long double: the pair
  // counts of 70,000 samples overflow int64 products.
  using ld = long double;
  const ld n = ld(cm.total());
  ld sum_sq = 0;
  for (int64_t c : cm.counts) sum_sq += ld(c) * ld(c);
  ld sum_a2 = 0, sum_b2 = 0;
  for (int64_t s : row_sums(cm)) sum_a2 += ld(s) * ld(s);
  for (int64_t s : col_sums(cm)) sum_b2 += ld(s) * ld(s);
  const ld tp = sum_sq - n;
  const ld fp = sum_b2 - sum_sq;  // same cluster, different class
  const ld fn = sum_a2 - sum_sq;  // same class, different cluster
  const ld tn = n * n - fp - fn - sum_sq;
  if (fn == 0 && fp == 0) return 1.0;
  return double(2.0L * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)));
}

}  // namespace

int64_t ConfusionMatrix::total() const {
  return std::accumulate(counts.begin(), counts.end(), int64_t{0});
}

ConfusionMatrix confusion_matrix(std::span<const int> truth, std::span<const int> clusters,
                                 int n_classes, int n_clusters) {
  check_labels(truth, clusters);
  const int max_t = *std::max_element(truth.begin(), truth.end());
  const int max_c = *std::max_element(clusters.begin(), clusters.end());
  ConfusionMatrix cm;
  cm.rows = n_classes > 0 ? n_classes : max_t + 1;
  cm.cols = n_clusters > 0 ? n_clusters : max_c + 1;
  if (max_t >= cm.rows)
    throw InputError("confusion matrix: true label " + std::to_string(max_t) + " but only " +
                     std::to_string(cm.rows) + " classes");
  if (max_c >= cm.cols)
    throw InputError("confusion matrix: cluster label " + std::to_string(max_c) + " but only " +
                     std::to_string(cm.cols) + " clusters");
  cm.counts.assign(size_t(cm.rows) * cm.cols, 0);
  for (size_t i = 0; i < truth.size(); ++i) ++cm.counts[size_t(truth[i]) * cm.cols + clusters[i]];
  return cm;
}

ClusterMatch match_clusters(const ConfusionMatrix& cm) {
  // Hungarian on the transposed counts: rows are clusters, so k > classes leaves clusters out.
  std::vector<double> score(size_t(cm.cols) * cm.rows);
  for (int r = 0; r < cm.rows; ++r)
    for (int c = 0; c < cm.cols; ++c) score[size_t(c) * cm.rows + r] = double(cm.at(r, c));
  ClusterMatch m;
  m.class_of_cluster = hungarian_max_score(score, cm.cols, cm.rows);

  std::vector<int> cluster_of_class(cm.rows, -1);
  for (int c = 0; c < cm.cols; ++c)
    if (m.class_of_cluster[c] >= 0) cluster_of_class[m.class_of_cluster[c]] = c;
  // Column order: the matched cluster of each class in class order, then leftover clusters.
  for (int r = 0; r < cm.rows; ++r)
    if (cluster_of_class[r] >= 0) m.column_order.push_back(cluster_of_class[r]);
  for (int c = 0; c < cm.cols; ++c)
    if (m.class_of_cluster[c] < 0) m.column_order.push_back(c);

  m.permuted.rows = cm.rows;
  m.permuted.cols = cm.cols;
  m.permuted.counts.resize(cm.counts.size());
  for (int r = 0; r < cm.rows; ++r)
    for (int j = 0; j < cm.cols; ++j)
      m.permuted.counts[size_t(r) * cm.cols + j] = cm.at(r, m.column_order[j]);

  for (int c = 0; c < cm.cols; ++c)
    if (m.class_of_cluster[c] >= 0) m.matched += cm.at(m.class_of_cluster[c], c);
  const int64_t total = cm.total();
  m.accuracy = total > 0 ? double(m.matched) / double(total) : 0.0;
  return m;
}

double matched_accuracy(std::span<const int> truth, std::span<const int> clusters) {
  return match_clusters(confusion_matrix(truth, clusters)).accuracy;
}
double matched_accuracy(std::span<const uint8_t> truth, std::span<const int> clusters) {
  return matched_accuracy(widen(truth), clusters);
}

double normalized_mutual_info(std::span<const int> truth, std::span<const int> clusters) {
  return nmi_of(confusion_matrix(truth, clusters));
}
double normalized_mutual_info(std::span<const uint8_t> truth, std::span<const int> clusters) {
  return normalized_mutual_info(widen(truth), clusters);
}

double adjusted_rand_index(std::span<const int> truth, std::span<const int> clusters) {
  return ari_of(confusion_matrix(truth, clusters));
}
double adjusted_rand_index(std::span<const uint8_t> truth, std::span<const int> clusters) {
  return adjusted_rand_index(widen(truth), clusters);
}

ClusterScores score_clusters(std::span<const int> truth, std::span<const int> clusters) {
  ClusterScores s;
  s.confusion = confusion_matrix(truth, clusters);
  s.match = match_clusters(s.confusion);
  s.nmi = nmi_of(s.confusion);
  s.ari = ari_of(s.confusion);
  return s;
}
ClusterScores score_clusters(std::span<const uint8_t> truth, std::span<const int> clusters) {
  return score_clusters(widen(truth), clusters);
}

}  // namespace aelab::analysis
