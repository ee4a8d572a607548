#pragma once
// The k-means view: k-means (k-means++ seeding, restarts) on the test-set codes of any
// autoencoder run, or on raw pixels as the baseline, as a Job; the confusion matrix of digits
// against Hungarian-matched clusters with matched accuracy, NMI, ARI and inertia; clicking a
// cell highlights its points in the two scatters (coloured by digit, and by matched cluster)
// and shows their thumbnails. The numbers are those of `aelab kmeans`.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "app/panel.hpp"
#include "app/widgets/heatmap.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/scatter.hpp"
#include "data/dataset.hpp"

namespace aelab::app {

class KMeansView : public Panel {
 public:
  explicit KMeansView(AppContext& ctx);
  ~KMeansView() override;
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  struct Result {  // filled by the job, read by the UI once the job is finished
    std::string what;
    std::shared_ptr<const data::Dataset> dataset;
    Tensor xy;  // (M, 2) for the scatters
    analysis::KMeansResult km;
    analysis::ClusterScores scores;
    double seconds = 0;
  };
  struct Work;

  void refresh_runs();
  void start();
  void adopt(std::shared_ptr<Result> r);
  void select_cell(int digit, int column);
  void draw_controls();
  void draw_results();

  AppContext& ctx_;
  std::vector<std::pair<int64_t, std::string>> runs_;
  uint64_t runs_seen_ = ~0ull;
  int64_t source_run_ = 0;  // 0: raw pixels
  std::string pixels_dataset_ = data::kDefaultDataset;
  analysis::KMeansConfig config_;
  std::shared_ptr<Work> work_;
  std::string error_;

  std::shared_ptr<Result> result_;
  Heatmap confusion_;
  Scatter by_digit_, by_cluster_;
  int sel_digit_ = -1, sel_column_ = -1;
  std::vector<int> selected_;  // test indices in the selected cell
  ImageGrid thumbs_;
};

}  // namespace aelab::app
