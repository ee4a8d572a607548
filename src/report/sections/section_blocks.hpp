#pragma once
// Blocks more than one report section shows, written once.
#include <string>

#include "analysis/cluster_metrics.hpp"
#include "report/study.hpp"

namespace aelab::report {

// k-means' Hungarian-matched confusion matrix as a paragraph with accuracy, NMI and ARI, a table
// and a heatmap figure `file` (e.g. "q2a-kmeans-16.png"); `what` names the codes ("L = 16 (seed
// 0)", "the 16-D test codes").
void kmeans_block(SectionResult& out, const analysis::ClusterScores& scores,
                  const std::string& file, const std::string& what, const std::string& codes,
                  const std::string& dataset);

}  // namespace aelab::report
