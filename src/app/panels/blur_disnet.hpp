#pragma once
// Blur & dis_net (the study's part b): Gaussian blur settings with a live preview of
// clear against blurred digits; training dis_net (live loss and accuracy); a histogram of its
// "clear" score on clear, blurred and reconstructed test digits; training the adversarial
// autoencoder (frozen or learning dis_net, lambda editable mid-run); and (a) against (b): the
// same test digits through two or more runs, with the numbers of `aelab compare`.
// All work runs in train::Jobs; the UI thread only copies what they publish.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "app/panel.hpp"
#include "app/widgets/image_grid.hpp"
#include "data/blur.hpp"
#include "data/dataset.hpp"
#include "report/compare.hpp"
#include "train/ae_trainer.hpp"
#include "train/disnet_scoring.hpp"
#include "train/disnet_trainer.hpp"
#include "train/job.hpp"

namespace aelab::app {

class BlurDisNetPanel : public Panel {
 public:
  explicit BlurDisNetPanel(AppContext& ctx);
  ~BlurDisNetPanel() override;
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  // A job with its live metric copy (what line_plot draws) and an error line.
  struct Live {
    std::shared_ptr<train::Job> job;
    std::vector<runs::MetricPoint> points;
    size_t seen = 0;
  };
  using Scores = train::DisNetScores;  // filled by a job

  void poll_jobs();
  void refresh_runs();
  void update_preview();
  void draw_blur();
  void draw_disnet();
  void draw_histogram();
  void draw_adversarial();
  void draw_compare();
  void start_disnet();
  void start_scores();
  void start_adversarial();
  void start_compare();

  AppContext& ctx_;
  std::string dataset_name_ = data::kDefaultDataset;
  int threads_ = 0;

  // Dataset, loaded in a job.
  std::shared_ptr<train::Job> load_job_;
  std::shared_ptr<std::shared_ptr<const data::Dataset>> loaded_;
  std::shared_ptr<const data::Dataset> ds_;
  std::string ds_error_;

  // Blur and its preview.
  data::BlurSpec blur_{1.5, 7};
  std::string blur_error_;
  bool preview_dirty_ = true;
  ImageGrid clear_grid_, blurred_grid_;

  // dis_net training.
  train::DisNetConfig dis_cfg_;
  Live dis_;
  std::string dis_error_;

  // Histogram.
  int64_t hist_run_ = 0;  // 0: clear and blurred only
  std::shared_ptr<train::Job> scores_job_;
  std::shared_ptr<Scores> scores_pending_, scores_;
  std::string scores_error_;

  // Adversarial autoencoder (b).
  train::AeTrainConfig adv_cfg_;
  Live adv_;
  std::string adv_error_;
  double live_lambda_ = 0;

  // Runs for the pickers (finished ae / adv_ae).
  struct RunItem {
    int64_t id;
    std::string label;
    bool ticked;
  };
  std::vector<RunItem> runs_;
  uint64_t runs_seen_ = ~0ull;

  // Comparison.
  std::shared_ptr<train::Job> cmp_job_;
  std::shared_ptr<report::Comparison> cmp_pending_, cmp_;
  std::string cmp_error_;
  ImageGrid cmp_grid_;
};

}  // namespace aelab::app
