#pragma once
// The Runs panel: every run in the store (the session's list read off the UI thread) with every
// column of report::run_columns() (sort by any header, hide columns from the header's context
// menu), a text filter and kind / status filters; rename in place, tick runs and press Compare to
// see them side by side in the Compare panel (their curves also appear below the table, their
// reconstructions in the explorer), open one in the latent explorer, resume one that stopped
// early, edit its tags and note, delete with a confirmation and an undo window (the delete happens
// after 8 s, or at exit). Store writes and curve reads run as jobs; the table exports CSV, the
// curves CSV and PNG.
//
// A new column: one entry in report/run_table.cpp's kRunColumns; this panel shows it.
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
  // Replaces the run's tags (words separated by spaces or commas) and note.
  void start_tags(int64_t id, const std::string& tags, const std::string& note);
  // Continues a stopped run from its last epoch checkpoint (train::resume_autoencoder) as a
  // training job of the session: the Training panel shows it and the explorer follows it.
  [[nodiscard]] static bool resume_available() { return true; }
  void resume_run(int64_t id);
  void load_curves();
  // The cells and widths of the current run list (again when a new list arrives), and the shown
  // rows: filtered and sorted (again when the list, the filter or the sort changes).
  void refresh_rows();
  void refresh_order();
  void draw_filters();
  void draw_table();
  void draw_name_cell(const runs::RunSummary& r, bool pending);
  void draw_actions(const runs::RunSummary& r, bool pending);
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
  // Tags and note editing (a popup).
  int64_t tags_id_ = 0;
  char tags_buf_[512] = {};
  char note_buf_[4096] = {};
  int64_t rename_error_id_ = 0;  // the run the last rename failure belongs to
  PlotView curves_view_;
  // The table.
  uint64_t rows_version_ = ~0ull;
  size_t rows_fingerprint_ = 0;                  // of the list the cells were made from
  uint64_t rows_content_ = 0;                    // grows when the cells are made again
  std::vector<std::vector<report::Cell>> rows_;  // per run of session.runs(), per column
  std::vector<std::vector<std::string>> text_;   // the same as shown
  std::vector<float> widths_;                    // per column: the widest text
  std::vector<size_t> order_;                    // indices into session.runs() shown, in order
  std::string order_key_;
  char filter_buf_[128] = {};
  std::string filter_;
  int kind_filter_ = 0;    // 0: any, else kAllRunKinds[k - 1]
  int status_filter_ = 0;  // 0: any, else RunStatus(k - 1)
  int sort_column_ = -1;   // index into report::run_columns(), -1: the store's order
  bool sort_descending_ = false;
};

}  // namespace aelab::app
