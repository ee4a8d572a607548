#pragma once
// What the panels of one window share (DESIGN.md "The window is a workbench"): the training runs
// started in this window (the latent explorer follows their weight snapshots), the runs a panel
// asked another to show, the runs ticked for comparison, a counter that tells list views the
// store changed, and a cache of loaded datasets. The host owns one Session and lends it to every
// panel through AppContext::session(); nothing here is a static.
//
// Thread rules: everything but the dataset cache is UI-thread only. Jobs that need a dataset
// capture the cache's shared_ptr (datasets()), never the Session.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/job.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

// Gives the calling worker thread a lower scheduling priority (nice +10 over the process), so the
// UI thread and the GL rasteriser's threads win a contended core; the OpenMP threads the worker
// starts afterwards inherit it. The window's training and encoding jobs call it first thing.
void lower_worker_priority();

// Loaded datasets, shared by the jobs of every panel (several need the same test split).
class DatasetCache {
 public:
  // Any thread. Loads once per (dir, name, limit) and keeps it; InputError as load_dataset.
  std::shared_ptr<const data::Dataset> get(const std::string& name,
                                           const std::filesystem::path& data_dir, int64_t limit);
  // A stored run's dataset, from the source it recorded (train::load_requested_dataset).
  std::shared_ptr<const data::Dataset> get(const train::DatasetRequest& request,
                                           const std::filesystem::path& data_dir);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const data::Dataset>> sets_;
};

// A training run started in this window.
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
  // The run's name as the store made it unique (from the job's info), once the run exists.
  [[nodiscard]] std::string run_name() const {
    auto it = info.find("run_name");
    return it != info.end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  int epochs_done = 0;  // the epochs whose train_loss the job published
  nlohmann::json epoch_results = nlohmann::json::object();  // runs::metric::epoch_results' latest
  uint64_t patched_runs_version = 0;  // the run list Session::poll last patched with the above
};

class Session {
 public:
  Session() : datasets_(std::make_shared<DatasetCache>()) {}

  // UI thread, once per frame (the host calls it): copies what the training jobs published.
  void poll();

  std::vector<std::shared_ptr<LiveRun>> live;  // newest last
  // The training job of `run_id` started in this window while it is not terminal, else null.
  [[nodiscard]] std::shared_ptr<LiveRun> live_run(int64_t run_id) const;

  // "Explore" from another panel: the explorer switches when the serial changes.
  void explore(int64_t run_id) {
    explore_run = run_id;
    ++explore_serial;
  }
  int64_t explore_run = 0;
  uint64_t explore_serial = 0;
  std::vector<int64_t> compare_runs;  // runs ticked in the Runs panel
  uint64_t runs_changed = 0;          // bumped when a run is created, renamed or deleted
  void store_changed() { ++runs_changed; }

  [[nodiscard]] const std::shared_ptr<DatasetCache>& datasets() const { return datasets_; }

  // The store's runs (RunStore::list_runs, newest first), read on a worker thread so the UI never
  // waits on SQLite: again after store_changed(), and every 2 s while a run is running or another
  // process may be writing. runs_version() grows when a new list arrives; runs_error() says why
  // the last read failed ("" when it worked).
  void set_runs_db(std::filesystem::path db) { runs_db_ = std::move(db); }
  [[nodiscard]] const std::vector<runs::RunSummary>& runs() const { return runs_; }
  [[nodiscard]] uint64_t runs_version() const { return runs_version_; }
  [[nodiscard]] const std::string& runs_error() const { return runs_error_; }
  [[nodiscard]] bool runs_listed() const { return runs_version_ > 0; }

 private:
  void poll_run_list();

  std::shared_ptr<DatasetCache> datasets_;
  std::filesystem::path runs_db_;
  std::vector<runs::RunSummary> runs_;
  uint64_t runs_version_ = 0;
  std::string runs_error_;
  struct Listing;
  std::shared_ptr<Listing> listing_;
  uint64_t listed_changes_ = ~0ull;
  double listed_at_ = -1e9;
};

}  // namespace aelab::app
