#pragma once
// Blur & dis_net (the study's part b) end to end: Gaussian blur settings with a preview of clear
// against blurred digits; training dis_net and the judge classifier; a histogram of dis_net's
// "clear" score on clear, blurred and reconstructed test digits; training the adversarial
// autoencoder (b) from an (a) run together with its fair reference, the same run trained the same
// epochs with L1 only; and (a), reference and (b) side by side with the numbers of
// `aelab compare`, using the dis_net and judge runs chosen here.
// All work runs in JobSlots; the run lists come from the session (read off the UI thread).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/number_field.hpp"
#include "app/widgets/run_picker.hpp"
#include "data/dataset.hpp"
#include "report/compare.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_scoring.hpp"
#include "train/disnet_trainer.hpp"

namespace aelab::app {

class BlurDisNetPanel : public Panel {
 public:
  explicit BlurDisNetPanel(AppContext& ctx);
  ~BlurDisNetPanel() override;
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  // A training job with the UI thread's copy of the metric points it published (for plots).
  template <class Result>
  struct Training {
    JobSlot<Result> slot;
    std::vector<runs::MetricPoint> points;
    size_t seen = 0;
    void copy_points() {
      if (slot.job()) slot.job()->metrics().copy_since(seen, points);
    }
  };

  void poll_jobs();
  void preselect_runs();
  // The panel's dataset: its test split loads in data_, the run pickers offer its runs only, and
  // the trainers started here train on it. Switching keeps each dataset's picks for its return.
  void start_loading();
  void set_dataset(const std::string& name);
  [[nodiscard]] bool of_dataset(const runs::RunSummary& r) const;
  // `kind` (runs::is_finished_disnet, ...) and of the panel's dataset: what a picker offers.
  [[nodiscard]] RunFilter usable(bool (*kind)(const runs::RunSummary&)) const;
  void update_preview();
  void draw_settings();
  void draw_blur();
  // The epochs / batch / lr fields of a trainer and its button; true when the button was clicked.
  bool draw_training_row(const char* id, const char* key, IntField& epochs, IntField& batch,
                         DoubleField& lr, bool running, bool others_valid, const char* button);
  void draw_disnet();
  void draw_judge();
  void draw_histogram();
  void draw_adversarial();
  void draw_compare();
  void draw_compare_result();
  template <class Config, class Result, class TrainFn>
  void start_training(Training<Result>& t, Config cfg, const std::string& name,
                      const std::string& inputs, TrainFn train_fn);
  void start_disnet();
  void start_judge();
  void start_scores();
  void start_adversarial(bool with_reference);
  void start_compare();

  // What the results are computed from, as their JobSlot inputs (stale when these change).
  [[nodiscard]] std::string scores_key() const;
  [[nodiscard]] std::string compare_key() const;
  [[nodiscard]] data::BlurSpec blur() const;
  // The (b) config from the fields, the chosen (a) run and dis_net; error names what is missing.
  [[nodiscard]] train::AeTrainConfig adversarial_config(std::string& error) const;

  AppContext& ctx_;
  train::AeTrainConfig b_defaults_;  // train::kAdversarialPreset
  std::string dataset_name_ = data::kDefaultDataset;
  // What the dataset's samples are called in the panel's text: "digits" | "images".
  [[nodiscard]] const char* images() const { return data::label_names(dataset_name_).images; }

  // Settings shared by the training jobs.
  IntField limit_{0, IntRule::at_least(0)};  // samples per split; 0: all
  IntField threads_{0, IntRule::integer_in(0, 256)};

  // Dataset (the test split for the preview), loaded in a job.
  JobSlot<std::shared_ptr<const data::Dataset>> data_;

  // Blur and its preview.
  DoubleField sigma_;
  IntField kernel_;
  data::BlurSpec preview_blur_{0, 0};  // what the preview shows
  ImageGrid preview_grid_;

  // dis_net training, and the dis_net every (b) run, score and comparison here uses.
  IntField dis_epochs_, dis_batch_;
  DoubleField dis_lr_;
  Training<train::DisNetResult> dis_;
  int64_t disnet_run_ = 0;

  // The judge classifier (compare's digit reader).
  IntField judge_epochs_, judge_batch_;
  DoubleField judge_lr_;
  Training<train::ClassifierResult> judge_;
  int64_t judge_run_ = 0;

  // Histogram.
  int64_t hist_run_ = 0;  // 0: clear and blurred only
  JobSlot<train::DisNetScores> scores_;
  PlotView hist_view_;

  // Adversarial autoencoder (b) and its L1-only reference, both from the (a) run a_run_.
  std::string adv_mode_ = "frozen";
  std::string adv_preset_ = "mlp";  // used when starting from fresh weights
  bool deblur_ = false;
  int64_t a_run_ = 0;         // 0: fresh weights (no reference then)
  bool a_run_saved_ = false;  // the settings chose a_run_ (even "fresh weights")
  IntField adv_epochs_, adv_batch_, latent_;
  DoubleField adv_lr_, lambda_;
  Training<train::AeResult> adv_, ref_;
  int64_t pair_a_ = 0;  // the (a) run of the (b) + reference pair in flight (0: none)

  // (a) against (b).
  std::vector<int64_t> ticked_;
  JobSlot<report::Comparison> cmp_;
  ImageGrid cmp_grid_;

  // The runs chosen while another dataset was shown, by dataset.
  struct Picks {
    int64_t disnet = 0, judge = 0, a = 0, hist = 0;
    std::vector<int64_t> ticked;
  };
  std::map<std::string, Picks> picks_;

  bool preselected_ = false;
  bool launch_started_ = false;  // `--run ID`: scores and comparison started once
};

}  // namespace aelab::app
