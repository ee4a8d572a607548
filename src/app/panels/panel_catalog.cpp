// The panels of the lab, in View-menu order. Adding one: its file pair in panels/ and one line
// here.
#include "app/panel.hpp"
#include "app/panels/blur_disnet.hpp"
#include "app/panels/compare_view.hpp"
#include "app/panels/kmeans_view.hpp"
#include "app/panels/latent_explorer.hpp"
#include "app/panels/optimiser_playground.hpp"
#include "app/panels/runs_browser.hpp"
#include "app/panels/study_report.hpp"
#include "app/panels/training.hpp"
#include "app/panels/widget_gallery.hpp"

namespace aelab::app {

const std::vector<PanelInfo>& panel_catalog() {
  static const std::vector<PanelInfo> panels = {
      {"playground", "Optimiser playground",
       [](AppContext& ctx) { return std::make_unique<OptimiserPlayground>(ctx); }},
      {"training", "Training",
       [](AppContext& ctx) { return std::make_unique<TrainingPanel>(ctx); }},
      {"latent_explorer", "Latent explorer",
       [](AppContext& ctx) { return std::make_unique<LatentExplorer>(ctx); }},
      {"kmeans", "k-means", [](AppContext& ctx) { return std::make_unique<KMeansView>(ctx); }},
      {"blur_disnet", "Blur & dis_net",
       [](AppContext& ctx) { return std::make_unique<BlurDisNetPanel>(ctx); }},
      {"runs", "Runs", [](AppContext& ctx) { return std::make_unique<RunsBrowser>(ctx); }},
      {"compare", "Compare", [](AppContext& ctx) { return std::make_unique<CompareView>(ctx); }},
      {"report", "Report", [](AppContext& ctx) { return std::make_unique<StudyReportPanel>(ctx); }},
      {"widgets", "Widget gallery",
       [](AppContext& ctx) { return std::make_unique<WidgetGallery>(ctx); }},
  };
  return panels;
}

}  // namespace aelab::app
