#pragma once
// The Runs panel: every run in the store (newest first, the session's list read off the UI
// thread) with its summary fields and status colour; rename in place, tick runs to compare their
// metric curves (and their reconstructions in the explorer), open one in the latent explorer,
// resume one that stopped early, delete with a confirmation and an undo window (the delete
// happens after 8 s, or at exit). Store writes and curve reads run as jobs; the table exports CSV,
// the curves CSV and PNG.
//
// A new column: add it to kColumns in runs_browser.cpp, to the row drawing and to table().
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/line_plot.hpp"
#include "report/table_export.hpp"
#include "runs/run_store.hpp"

namespace aelab::app {

class RunsBrowser : public Panel {
 public:
  explicit RunsBrowser(AppContext& ctx);
  ~RunsBrowser() override;
  void draw() override;

 private:
  // What a store write did ("renamed run 3", "deleted runs 4, 5").
  struct StoreWrite {
    std::string what;
  };
  // The curves of the ticked runs for one metric.
  struct Curves {
    std::string metric;
    std::map<int64_t, runs::MetricSeries> series;
  };

  void commit_deletes(bool all);
  void start_rename(int64_t id, const std::string& name);
  // Continues a stopped run from its last epoch checkpoint (train::resume_autoencoder) as a
  // training job of the session: the Training panel shows it and the explorer follows it.
  [[nodiscard]] static bool resume_available() { return true; }
  void resume_run(int64_t id);
  void load_curves();
  void draw_table();
  void draw_curves();
  [[nodiscard]] report::Table table() const;

  AppContext& ctx_;
  std::set<int64_t> ticked_;
  std::map<int64_t, std::chrono::steady_clock::time_point> pending_delete_;  // id -> when asked
  int64_t confirm_id_ = 0;
  std::string metric_ = "test_l1";
  JobSlot<StoreWrite> write_;  // a rename or the due deletes
  JobSlot<Curves> curves_;
  std::string curves_key_;       // what curves_ was last started for
  uint64_t curves_version_ = 0;  // the run list version it was started at
  // Rename in place.
  int64_t rename_id_ = 0;  // the run whose name is being edited (0: none)
  char rename_buf_[256] = {};
  bool rename_focus_ = false;
  int64_t rename_error_id_ = 0;  // the run the last rename failure belongs to
  PlotView curves_view_;
};

}  // namespace aelab::app
