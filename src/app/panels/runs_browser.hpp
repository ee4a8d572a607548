#pragma once
// The Runs panel: every run in the store (newest first), tick runs to compare their metric curves
// side by side (and their reconstructions in the explorer), open one in the latent explorer,
// delete with a confirmation and an undo window (the delete happens after 8 s, or at exit).
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/panel.hpp"
#include "runs/run_store.hpp"

namespace aelab::app {

class RunsBrowser : public Panel {
 public:
  explicit RunsBrowser(AppContext& ctx);
  ~RunsBrowser() override;
  void draw() override;

 private:
  void refresh();
  void commit_deletes(bool all);
  void load_series(int64_t id);

  AppContext& ctx_;
  std::vector<runs::RunSummary> runs_;
  std::chrono::steady_clock::time_point listed_{};
  uint64_t runs_seen_ = ~0ull;
  std::set<int64_t> ticked_;
  std::map<int64_t, std::chrono::steady_clock::time_point> pending_delete_;  // id -> when asked
  int64_t confirm_id_ = 0;
  std::string metric_ = "test_l1";
  std::map<int64_t, runs::MetricSeries> series_;  // of the ticked runs, for metric_
  std::string error_;
};

}  // namespace aelab::app
