#pragma once
// Runs side by side as numbers: the run table (one row per run, every column a person sorts or
// filters by), the config diff (only the settings that differ), deltas to one baseline run and
// seed groups (runs whose configs differ only in seed: mean, sd, n, min, max per measure). The
// Runs and Compare panels, `aelab runs compare` and `aelab runs export` all read these, so they
// show the same numbers. Everything here works on RunSummary values (RunStore::list_runs()); no
// function opens the store.
//
// Adding a column: one entry in kRunColumns (run_table.cpp): its key (CSV/JSON header, --metric,
// sort), its header in the window, its group, which way is better (measures only) and the function
// that reads it from a RunSummary. The window, the CLI and the exports pick it up from there.
//
//   const auto rows = report::run_table(store.list_runs());            // every column
//   report::RunComparison c = report::compare_summaries(selected, {.baseline = 12});
//   report::write_table("cmp.csv", report::comparison_table(c), report::TableFormat::csv);
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "report/table_export.hpp"
#include "runs/run_store.hpp"

namespace aelab::report {

// [SECTION] Columns

enum class ColumnGroup {
  identity,  // id, kind, name, status, tags, note: who the run is
  setting,   // preset, L, loss, optimiser, lr, ...: what it was asked to do
  measure,   // test L1, clear score, duration ...: what came out (numbers; deltas, group stats)
};

// Which way a measure improves: deltas are coloured by it, "best" picks by it.
enum class Better { none, lower, higher };

struct RunColumn {
  const char* key;     // "test_l1": CSV/JSON header, `--metric`, sort key
  const char* header;  // "test L1": the window's header
  ColumnGroup group;
  Better better;
  Cell (*read)(const runs::RunSummary& run);  // Cell("") when it does not apply to the run
};

// Every column, in display order.
[[nodiscard]] std::span<const RunColumn> run_columns();
// The column with this key, or null.
[[nodiscard]] const RunColumn* find_column(std::string_view key);

// A blank cell: the column does not apply to the run (a dis_net run has no L).
[[nodiscard]] inline bool is_blank(const Cell& c) {
  return c.kind == Cell::Kind::text && c.s.empty();
}
// The cell as a number (NaN for text cells and blanks).
[[nodiscard]] double number(const Cell& c);
// Orders two cells of one column: numbers by value, text by bytes, blanks last either way.
[[nodiscard]] bool cell_less(const Cell& a, const Cell& b, bool descending = false);

// [SECTION] The run table

// One row per run, one cell per column of run_columns().
[[nodiscard]] std::vector<std::vector<Cell>> run_rows(std::span<const runs::RunSummary> runs);
// The same as a Table (the Runs panel's CSV, `aelab runs export`).
[[nodiscard]] Table run_table(std::span<const runs::RunSummary> runs);
// Row indices of `rows` sorted by column `column` (stable: ties keep their order).
[[nodiscard]] std::vector<size_t> sort_rows(const std::vector<std::vector<Cell>>& rows,
                                            size_t column, bool descending);
// True when the run matches a filter: `text` (case-insensitive, any of name, kind, preset, loss,
// status, tags and note; empty matches everything) and the kind/status sets (empty: any).
struct RunFilter {
  std::string text = {};
  std::vector<runs::RunKind> kinds = {};
  std::vector<runs::RunStatus> statuses = {};
};
[[nodiscard]] bool matches(const runs::RunSummary& run, const RunFilter& filter);

// [SECTION] Config diff

// A run's config flattened to dotted keys ("model.latent", "optimizer.lr"), values as compact
// JSON text (strings without quotes). The run's own name is not a setting and is left out.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> flatten_config(
    const nlohmann::json& config);

struct ConfigDiffRow {
  std::string key;
  std::vector<std::optional<std::string>> values;  // one per config; nullopt: the key is absent
  bool differs = false;
};
// The union of the configs' keys (sorted), each with every config's value. all = false: only
// the keys whose values differ (absent counts as a value).
[[nodiscard]] std::vector<ConfigDiffRow> config_diff(std::span<const nlohmann::json> configs,
                                                     bool all = false);

// [SECTION] Statistics, deltas and seed groups

struct Stats {
  int n = 0;  // finite values counted
  double mean = std::numeric_limits<double>::quiet_NaN();
  double sd = std::numeric_limits<double>::quiet_NaN();  // sample sd (n - 1); 0 for n = 1
  double min = std::numeric_limits<double>::quiet_NaN();
  double max = std::numeric_limits<double>::quiet_NaN();
};
// Over the finite values (NaN and inf are skipped).
[[nodiscard]] Stats stats_of(std::span<const double> values);

// value - baseline; NaN when either is not finite.
[[nodiscard]] inline double delta(double value, double baseline) {
  return std::isfinite(value) && std::isfinite(baseline) ? value - baseline
                                                         : std::numeric_limits<double>::quiet_NaN();
}
// The delta is an improvement (by the column's Better); false for Better::none or NaN.
[[nodiscard]] bool improves(const RunColumn& column, double delta);

// Runs whose configs are equal but for "seed" (and the name): one group per distinct rest of the
// config, in the order of their first run; members in input order. A run alone is a group of one.
struct SeedGroup {
  std::vector<size_t> members;  // indices into the configs given
  std::string label;            // "seeds 0, 1, 2" (or "seed 0")
};
[[nodiscard]] std::vector<SeedGroup> seed_groups(std::span<const nlohmann::json> configs);

// [SECTION] A comparison of selected runs

struct CompareSpec {
  int64_t baseline = 0;      // 0: none; else must be one of the runs
  bool group_seeds = false;  // rows are seed groups (mean, sd, n, min, max)
  bool all_settings = false;
  std::string metric = {};  // "": every measure that some run has; else only this one
};

struct RunComparison {
  std::vector<runs::RunSummary> runs;   // in the order given
  int baseline = -1;                    // index into runs, -1: none
  std::vector<ConfigDiffRow> settings;  // config_diff of the runs
  std::vector<const RunColumn*> measures;
  std::vector<std::vector<double>> values;      // [measure][run], NaN: blank
  std::vector<std::vector<double>> deltas;      // [measure][run] to the baseline, NaN: none
  std::vector<SeedGroup> groups;                // seed_groups of the runs (always computed)
  std::vector<std::vector<Stats>> group_stats;  // [measure][group]
  bool grouped = false;                         // CompareSpec::group_seeds
};

// InputError (one line) when there are no runs, a run id repeats, the runs are of different
// families (autoencoders against dis_net or classifier runs), the baseline is not one of them, or
// `metric` is not a measure some run has.
[[nodiscard]] RunComparison compare_summaries(std::span<const runs::RunSummary> runs,
                                              const CompareSpec& spec);

// The comparison as one table: ungrouped, one row per run with id, name, kind, the settings that
// differ, each measure and (with a baseline) its delta_<measure>; grouped, one row per group with
// runs, n, the settings and <measure>_mean/_sd/_n/_min/_max.
[[nodiscard]] Table comparison_table(const RunComparison& c);
// "0.0490 +- 0.0012 (3)": a group's cell as the window and the text table show it.
[[nodiscard]] std::string mean_sd_text(const Stats& s);
// The aligned text `aelab runs compare` prints: settings, then measures (and deltas or groups).
[[nodiscard]] std::string format_comparison(const RunComparison& c);
[[nodiscard]] nlohmann::json to_json(const RunComparison& c);

}  // namespace aelab::report
