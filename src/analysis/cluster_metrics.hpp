#pragma once
// How well clusters agree with the true digits: confusion matrix (true digit x cluster), the
// Hungarian-matched accuracy (best one-to-one map of clusters to digits), NMI with arithmetic
// normalisation and the adjusted Rand index (both as scikit-learn defines them).
// Labels are non-negative integers; the uint8_t overloads take MNIST label bytes as they are.
#include <cstdint>
#include <span>
#include <vector>

namespace aelab::analysis {

struct ConfusionMatrix {
  int rows = 0;                 // true classes
  int cols = 0;                 // clusters
  std::vector<int64_t> counts;  // (rows, cols) row-major
  [[nodiscard]] int64_t at(int r, int c) const { return counts[size_t(r) * cols + c]; }
  [[nodiscard]] int64_t total() const;
};

// n_classes / n_clusters <= 0 mean "1 + the largest label seen". Labels must be in range.
[[nodiscard]] ConfusionMatrix confusion_matrix(std::span<const int> truth,
                                               std::span<const int> clusters, int n_classes = 0,
                                               int n_clusters = 0);

struct ClusterMatch {
  std::vector<int> class_of_cluster;  // per cluster: its digit, or -1 when k > classes
  std::vector<int> column_order;      // cluster shown in each column of the permuted matrix
  ConfusionMatrix permuted;           // columns reordered: matched cluster of class c in column c,
                                      // then unmatched clusters in ascending order
  int64_t matched = 0;                // samples on the matched diagonal
  double accuracy = 0.0;              // matched / total
};

// Best one-to-one map of clusters (columns) to classes (rows), maximising matched samples.
[[nodiscard]] ClusterMatch match_clusters(const ConfusionMatrix& cm);

[[nodiscard]] double matched_accuracy(std::span<const int> truth, std::span<const int> clusters);
[[nodiscard]] double matched_accuracy(std::span<const uint8_t> truth,
                                      std::span<const int> clusters);

// Normalised mutual information, arithmetic mean of the entropies (sklearn's default).
[[nodiscard]] double normalized_mutual_info(std::span<const int> truth,
                                            std::span<const int> clusters);
[[nodiscard]] double normalized_mutual_info(std::span<const uint8_t> truth,
                                            std::span<const int> clusters);

// Adjusted Rand index (sklearn's pair-confusion form; 1 for identical partitions up to names).
[[nodiscard]] double adjusted_rand_index(std::span<const int> truth, std::span<const int> clusters);
[[nodiscard]] double adjusted_rand_index(std::span<const uint8_t> truth,
                                         std::span<const int> clusters);

// All of the above in one pass, what the report and the window show.
struct ClusterScores {
  ConfusionMatrix confusion;
  ClusterMatch match;
  double nmi = 0.0;
  double ari = 0.0;
};
[[nodiscard]] ClusterScores score_clusters(std::span<const int> truth,
                                           std::span<const int> clusters);
[[nodiscard]] ClusterScores score_clusters(std::span<const uint8_t> truth,
                                           std::span<const int> clusters);

}  // namespace aelab::analysis
