#pragma once
// The Compare panel: the runs chosen in the Runs panel side by side (report/run_table,
// run_curves, run_views). Four tabs:
//   Table   one row per run (or seed group: mean +- sd (n)), the settings that differ (or all),
//           every measure with its delta to a pinned baseline; sort by any column; CSV/JSON/MD;
//   Curves  any metric on x = epoch | step | wall time, log y, EMA smoothing over the faint raw
//           curve, seed groups as a mean line with a min-max band, the hover lists every run's
//           value at the cursor; CSV/PNG;
//   Images  the same test digits through every run (first of each digit, random, most
//           disagreement, the baseline's worst) with each image's L1; click one to see that
//           digit large in every run; PNG;
//   Latent  every run's test codes (2-D, or PCA of wider ones), Procrustes-aligned to the first;
//           a rectangle dragged with the right mouse button in one lights the same digits in all.
// Store reads and model work run in JobSlots; results name the runs they were computed for and
// turn stale when the selection changes.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/scatter.hpp"
#include "report/run_curves.hpp"
#include "report/run_table.hpp"
#include "report/run_views.hpp"

namespace aelab::app {

class CompareView : public Panel {
 public:
  explicit CompareView(AppContext& ctx);
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  // Every stored series of the compared runs (the metric choice offers their union).
  struct Curves {
    std::vector<int64_t> ids;
    std::vector<std::map<std::string, runs::MetricSeries>> series;  // per run, by metric
  };

  void draw_table(const report::RunComparison& c);
  void draw_curves(const report::RunComparison& c);
  void draw_images(const report::RunComparison& c);
  void draw_latent(const report::RunComparison& c);
  void start_views();
  [[nodiscard]] std::string views_key() const;
  [[nodiscard]] std::string ids_key() const;

  AppContext& ctx_;
  std::vector<int64_t> ids_;  // the runs compared (the Runs panel's selection)
  // Table
  int64_t baseline_ = 0;
  bool group_seeds_ = false;
  bool all_settings_ = false;
  int sort_column_ = -1;
  bool sort_descending_ = false;
  // Curves
  std::string metric_ = "test_l1";
  int x_axis_ = 0;  // report::XAxis
  float smooth_ = 0.6f;
  PlotView plot_view_;
  JobSlot<Curves> curves_;
  // Images and latent maps
  int pick_ = 0;  // report::ImagePick
  int digits_ = 10;
  int seed_ = 0;
  int map_ = 0;  // report::MapMethod of codes wider than 2
  int64_t disnet_run_ = 0;  // > 0: the dis_net run scoring the digits shown
  ScreenRect maps_rect_;  // where the latent maps were drawn (their PNG export)
  JobSlot<report::RunViews> views_;
  std::chrono::steady_clock::time_point views_started_;
  ImageGrid grid_, large_;
  int large_row_ = -1;  // the digit shown large (row of the grid), -1: none
  std::vector<std::unique_ptr<Scatter>> scatters_;
  // The results the grid's atlas and the scatters were filled from.
  std::shared_ptr<const report::RunViews> gridded_, scattered_;
  std::vector<int64_t> brushed_;  // test digits inside the brush
  int brush_map_ = -1;
  ImVec2 brush_from_{0, 0};
  bool brushing_ = false;
};

}  // namespace aelab::app
