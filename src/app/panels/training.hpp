#pragma once
// Training from the window: an autoencoder config form, Start / Pause / Resume / Cancel
// and a learning-rate change mid-run, live train and test loss curves with smoothing, and the
// study's three runs (mlp, L1, L = 2, 16, 256) as a queue. Every run goes through
// train::train_autoencoder into the run store, exactly as `aelab train ae` does.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/panel.hpp"
#include "app/session.hpp"
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
  void start(const train::AeTrainConfig& config, bool explore);
  void start_next_queued();
  void draw_form();
  void draw_run(LiveRun& run);

  AppContext& ctx_;
  train::AeTrainConfig edit_;
  std::string error_;
  std::deque<train::AeTrainConfig> queue_;  // study runs waiting for the running one
  int selected_ = -1;                       // index into Session::live
  float smoothing_ = 0.6f;                  // EMA weight of the previous value in the curves
  float lr_edit_ = 1e-3f;
  bool watch_ = true;  // new runs open in the latent explorer
};

}  // namespace aelab::app
