#pragma once
// Training from the window: an autoencoder config form (typed number fields with messages; Start
// stays disabled while any is refused), the presets of assets/presets (the study's three runs as
// a queue, the clustering recipe), Start / Pause / Resume / Cancel and a learning-rate change
// mid-run, and live train and test loss curves with lr-change markers, CSV and PNG export. Every
// run goes through train::train_autoencoder into the run store, exactly as `aelab train ae` does.
//
// A new setting: add a field to Fields, draw it in draw_form(), copy it in to_fields() /
// from_fields() and list it in Fields::valid().
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <string>

#include "app/panel.hpp"
#include "app/session.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/number_field.hpp"
#include "data/dataset.hpp"
#include "train/ae_trainer.hpp"

namespace aelab::app {

// "preset=mlp,latent=2,epochs=3" (the window's --train): keys preset, latent, loss, optimizer
// (or optimiser), lr, batch, epochs, seed, dataset, limit, threads, name over the defaults of
// AeTrainConfig; InputError for an unknown key, a bad number or an impossible config.
[[nodiscard]] train::AeTrainConfig parse_training_spec(const std::string& spec);

class TrainingPanel : public Panel {
 public:
  explicit TrainingPanel(AppContext& ctx);
  ~TrainingPanel() override;
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  // The form's number fields, with the bounds train::validate enforces.
  struct Fields {
    IntField latent{2, IntRule::in(1, 4096)};
    DoubleField lr{1e-3, DoubleRule::positive(), "%.3g"};
    IntField batch{256, IntRule::in(1, 65536)};
    IntField epochs{20, IntRule::in(1, 100000)};
    IntField seed{0, IntRule::at_least(0)};
    IntField threads{0, IntRule::in(0, 1024)};
    DoubleField shift{0, DoubleRule::in(0, 8), "%.3g"};
    DoubleField rotate{0, DoubleRule::in(0, 180), "%.3g"};
    IntField cluster_epochs{0, IntRule::in(0, 100000)};
    IntField clusters{10, IntRule::in(2, 1000)};
    DoubleField cluster_weight{0.1, DoubleRule::positive(), "%.3g"};
    [[nodiscard]] bool valid() const {
      return all_valid(latent, lr, batch, epochs, seed, threads, shift, rotate, cluster_epochs,
                       clusters, cluster_weight);
    }
  };

  void start(const train::AeTrainConfig& config, bool explore);
  void start_next_queued();
  void to_fields();    // edit_ -> fields_ (after a preset or a load)
  void from_fields();  // fields_ -> edit_ (after an edit)
  void draw_form();
  void draw_run_list();
  void draw_run(LiveRun& run, float curves_min_h);

  AppContext& ctx_;
  train::AeTrainConfig edit_;
  Fields fields_;
  std::string error_;                       // why the last Start or preset was refused
  std::deque<train::AeTrainConfig> queue_;  // study runs waiting for the running one
  int selected_ = -1;                       // index into Session::live
  float smoothing_ = 0.6f;                  // EMA weight of the previous value in the curves
  DoubleField lr_edit_{1e-3, DoubleRule::positive(), "%.3g"};  // of the selected run
  const LiveRun* lr_edit_run_ = nullptr;                       // the run lr_edit_ was filled from
  PlotView curves_view_;
  bool watch_ = true;                    // new runs open in the latent explorer
  std::set<int64_t> shown_in_explorer_;  // watched runs the explorer was raised for
  float form_h_ = 0;  // the form and run list's height last frame (a narrow pane's split)
};

}  // namespace aelab::app
