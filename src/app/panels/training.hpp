#pragma once
// Training from the window: an autoencoder config form, Start / Pause / Resume / Cancel
// and a learning-rate change mid-run, live train and test loss curves with smoothing, and the
// study's three runs (mlp, L1, L = 2, 16, 256) as a queue. Every run goes through
// train::train_autoencoder into the run store, exactly as `aelab train ae` does.
//
// LabSession is what the lab's panels share inside one window: the training jobs started here
// (the latent explorer follows their weight snapshots), the run picked in the Runs panel, and a
// cache of loaded datasets (jobs of several panels need the same test split).
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/panel.hpp"
#include "data/dataset.hpp"
#include "train/ae_trainer.hpp"

namespace aelab::app {

// "preset=mlp,latent=2,epochs=3" (the window's --train): keys preset, latent, loss, optimizer
// (or optimiser), lr, batch, epochs, seed, dataset, limit, threads, name over the defaults of
// AeTrainConfig; InputError for an unknown key, a bad number or an impossible config.
[[nodiscard]] train::AeTrainConfig parse_training_spec(const std::string& spec);

// Gives the calling worker thread a lower scheduling priority (nice +10 over the process), so the
// UI thread and the GL rasteriser's threads win a contended core; the OpenMP threads the worker
// starts afterwards inherit it. The window's training and encoding jobs call it first thing.
void lower_worker_priority();

struct LiveRun {
  std::shared_ptr<train::Job> job;
  train::AeTrainConfig config;
  bool explore = false;  // once the run id is known, the latent explorer switches to this run
  int64_t run_id = 0;    // known once the trainer has created the run (from the job's info)
  // UI-thread copies of what the job published.
  std::vector<runs::MetricPoint> points;
  size_t seen = 0;
  uint64_t info_version = 0;
  nlohmann::json info;
};

class LabSession {
 public:
  // The session of this window (one window per process).
  static LabSession& get();

  // UI thread: copy what the training jobs published (run ids, metric points).
  void poll();
  std::vector<std::shared_ptr<LiveRun>> live;  // newest last
  // The training job of `run_id` started in this window while it is not terminal, else null.
  [[nodiscard]] std::shared_ptr<LiveRun> live_run(int64_t run_id) const;

  // "Open in explorer" from the Runs panel: the explorer switches when the serial changes.
  int64_t explore_run = 0;
  uint64_t explore_serial = 0;
  std::vector<int64_t> compare_runs;  // runs ticked in the Runs panel (reconstruction grid)
  uint64_t runs_changed = 0;          // bumped when a run is created or deleted

  // Any thread. Loads once per (name, limit) and keeps it; InputError as load_dataset.
  std::shared_ptr<const data::Dataset> dataset(const std::string& name,
                                               const std::filesystem::path& data_dir,
                                               int64_t limit);

 private:
  std::mutex datasets_mutex_;
  std::map<std::string, std::shared_ptr<const data::Dataset>> datasets_;
};

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
  int selected_ = -1;                       // index into LabSession::live
  float smoothing_ = 0.6f;                  // EMA weight of the previous value in the curves
  float lr_edit_ = 1e-3f;
  bool watch_ = true;  // new runs open in the latent explorer
};

}  // namespace aelab::app
