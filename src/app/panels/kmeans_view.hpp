#pragma once
// The k-means view: k-means (k-means++ seeding, restarts) on the test-set codes of any
// autoencoder run, or on raw pixels as the baseline, as a Job; the confusion matrix of digits
// against Hungarian-matched clusters with matched accuracy, NMI, ARI and inertia; clicking a
// cell highlights its points in the two scatters (coloured by digit, and by matched cluster)
// and shows their thumbnails. The numbers are those of `aelab kmeans`.
// The shown result names its input (run summary line or "mnist-10k pixels"), k, restarts, max
// iter, tol and seed, and is marked stale when any of them changes; a failed run clears it.
// For window tests, with --codes-log the panel appends a JSON state line whenever what it shows
// changes: {"panel":"kmeans","result":inputs or "","stale":bool,"error":"...","running":bool}.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/heatmap.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/number_field.hpp"
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
  struct Result {       // filled by the job, read by the UI once the job is finished
    int64_t run = 0;    // the run whose codes were clustered, 0 for pixels
    std::string what;   // "mnist-10k pixels" (the run's summary line is looked up when drawn)
    std::string shape;  // "test split, 2004 x 16"
    std::shared_ptr<const data::Dataset> dataset;
    Tensor xy;  // (M, 2) for the scatters
    analysis::KMeansResult km;
    analysis::ClusterScores scores;
    double seconds = 0;
  };

  void start();
  void adopt();
  void select_cell(int digit, int column);
  void draw_controls();
  void draw_results();
  void draw_confusion(float w, float h);
  void draw_scatters(float w, float h);
  void draw_exports();
  void log_state(bool stale);
  // What a run would be computed from now ("run #12  k 10  10 restarts ...").
  [[nodiscard]] std::string current_inputs() const;
  [[nodiscard]] std::string export_base() const;

  AppContext& ctx_;
  int64_t source_run_ = 0;  // 0: raw pixels
  std::string pixels_dataset_ = data::kDefaultDataset;
  IntField k_, restarts_, max_iter_, seed_;
  DoubleField tol_;
  JobSlot<Result> km_;

  const Result* shown_ = nullptr;  // the result the widgets below hold
  Heatmap confusion_;
  Scatter by_digit_, by_cluster_;
  ImVec2 scatter_min_[2], scatter_max_[2];  // last drawn rects, for the PNG exports
  int sel_digit_ = -1, sel_column_ = -1;
  std::vector<int> selected_;  // test indices in the selected cell
  ImageGrid thumbs_;
  std::string state_logged_;
};

}  // namespace aelab::app
