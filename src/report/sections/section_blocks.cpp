#include "report/sections/section_blocks.hpp"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "data/dataset.hpp"
#include "report/compare.hpp"
#include "report/figure.hpp"

namespace aelab::report {

void kmeans_block(SectionResult& out, const analysis::ClusterScores& cs, const std::string& file,
                  const std::string& what, const std::string& codes, const std::string& dataset) {
  const data::LabelNames& labels = data::label_names(dataset);
  const std::string noun = labels.noun;
  const analysis::ConfusionMatrix& cm = cs.match.permuted;
  std::vector<double> v(cm.counts.size());
  double cell_max = 1;
  for (size_t i = 0; i < v.size(); ++i) cell_max = std::max(cell_max, double(cm.counts[i]));
  for (size_t i = 0; i < v.size(); ++i) v[i] = cm.counts[i] / cell_max;
  char buf[128];
  std::snprintf(buf, sizeof buf, "accuracy %.3f, NMI %.3f, ARI %.3f", cs.match.accuracy, cs.nmi,
                cs.ari);
  std::vector<std::string> rows, cols;
  for (int d = 0; d < cm.rows; ++d) rows.push_back(data::label_title(dataset, d));
  for (int c = 0; c < cm.cols; ++c)
    cols.push_back("cluster " + std::to_string(cs.match.column_order.at(c)));
  out.paragraph(what + ": " + buf + ". Rows the true " + labels.plural +
                ", columns clusters in their matched order (the diagonal is the match).");
  out.table(confusion_table(cm, rows, cols, noun));
  out.figure({file,
              "Confusion matrix of k-means (k = 10) on " + codes + ", Hungarian-matched: rows " +
                  labels.plural +
                  " 0..9 from the top, columns the matched clusters; brighter is more images. " +
                  buf + ".",
              heatmap(v, cm.rows, cm.cols, 24, 0, 1)});
}

}  // namespace aelab::report
