#pragma once
// The run store (DESIGN.md "The run store"): one SQLite database holding every training run, its
// config, status, metric points, checkpoints (checksummed weight blobs) and small artefacts.
//
// Thread rules. A RunStore is one SQLite connection and is used by one thread at a time: the UI
// thread and a training worker each open their own RunStore on the same file. The database is in
// WAL mode, so readers never block the writer and see only committed transactions; writers take
// the write lock up front (BEGIN IMMEDIATE) and, when another process holds it, wait and retry for
// up to kStoreWriteWaitSeconds, telling the thread's StoreWaitListener (runs/store_wait.hpp). Every
// write is one transaction: a crash or a kill mid-write leaves the previous state, never half a
// batch of metrics or half a checkpoint.
//
// Readers (`runs list`, `runs show`, the window's lists) open with OpenMode::read: read-write when
// they can (so stale runs get marked), else read-only, so a store in a read-only directory or on a
// read-only mount still lists and shows its runs.
//
// Schema version lives in PRAGMA user_version. open() creates or migrates older files and refuses
// a file written by a newer aelab (or any other SQLite database) with a message saying so.
// Version 2: run names are unique (a unique index; older duplicates got "-2", "-3" suffixes) and a
// checkpoint carries a JSON state beside its tensors (what a resume needs besides weights).
// Version 3: a note per run (runs.note, '' when none) and tags (table run_tags, one row per tag).
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runs/run_kind.hpp"
#include "runs/tensor_blob.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace aelab::runs {

inline constexpr int kSchemaVersion = 3;

// write: create, migrate and write (the default). read: only reads will be made; opens read-only
// when the file or its directory cannot be written (then stale runs are not marked and an older
// schema is read as it is), and never waits long for the write lock.
enum class OpenMode { write, read };

// 'interrupted': left 'running' by a process that is gone (see mark_stale_runs()).
enum class RunStatus { running, finished, cancelled, diverged, failed, interrupted };
[[nodiscard]] std::string_view to_string(RunStatus s);
[[nodiscard]] RunStatus parse_run_status(std::string_view s);  // InputError on unknown text

struct MetricPoint {
  long step = 0;
  double epoch = 0.0;
  std::string name;    // runs::metric::train_l1, test_l1, lr (runs/metric_names.hpp)
  double value = 0.0;  // NaN is stored (as NULL) and read back as NaN
};

// One metric over a run, as parallel arrays (what a line plot wants), ordered by step.
struct MetricSeries {
  std::vector<long> steps;
  std::vector<double> epochs;
  std::vector<double> values;
  [[nodiscard]] size_t size() const { return steps.size(); }
};

// The checkpoint tags the trainers write.
inline constexpr const char* kFinalCheckpoint = "final";  // the weights of a finished run
// Written at the end of every epoch (weights, optimiser state, and its state JSON: epoch, RNG...);
// a cancelled or interrupted run resumes from it. Removed when the run finishes.
inline constexpr const char* kLastCheckpoint = "last";
inline constexpr const char* kTestCodesArtefact = "test_codes";

struct RunSummary {
  int64_t id = 0;
  RunKind kind = RunKind::ae;
  std::string name;  // unique in the store
  RunStatus status = RunStatus::running;
  std::string message;
  std::string created_at;          // UTC, "2024-05-01 12:34:56"
  std::string finished_at;         // empty while running
  nlohmann::json result;           // {} until finished
  nlohmann::json config;           // as recorded by create_run
  int epochs_done = 0;             // result's epochs_done (updated every epoch), else 0
  int last_checkpoint_epoch = -1;  // the epoch of the "last" checkpoint; -1: none
  bool has_final_weights = false;  // a "final" checkpoint
  bool has_test_codes = false;     // a "test_codes" artefact
  std::vector<std::string> tags;   // sorted, no duplicates (validate_tag)
  std::string note;                // free text, may hold newlines; empty: none (validate_note)
};

struct RunRecord {
  RunSummary summary;
  nlohmann::json config;                        // == summary.config
  std::map<std::string, MetricSeries> metrics;  // by metric name
};

struct BlobInfo {
  std::string name;  // checkpoint tag or artefact name
  std::string kind;  // "tensors" for checkpoints; the artefact's kind
  int64_t bytes = 0;
  std::string created_at;
};

struct Artefact {
  std::string name;
  std::string kind;  // "tensors", "png", "json", "text", ...
  std::vector<std::byte> data;
};

// The store the CLI and the window use: --runs-db if given, else <--data-dir>/runs.sqlite if a data
// dir was given, else default_runs_db() ($AELAB_RUNS_DB or $XDG_DATA_HOME/aelab/runs.sqlite).
[[nodiscard]] std::filesystem::path resolve_runs_db(const std::string& runs_db_flag,
                                                    const std::string& data_dir_flag);

// The one number that sums a run up in a list: the first of test_l1, test_accuracy, accuracy,
// matched_accuracy, final_loss, loss present in `result`, else its (alphabetically) first numeric
// member.
[[nodiscard]] std::optional<std::pair<std::string, double>> headline_result(
    const nlohmann::json& result);

// What create_run and rename_run accept as a name: 1..200 bytes of valid UTF-8 without control
// characters. InputError saying why otherwise.
void validate_run_name(std::string_view name);
// A tag is one word: 1..64 bytes of valid UTF-8 without control characters, spaces or commas.
void validate_tag(std::string_view tag);
// A note: at most 4000 bytes of valid UTF-8; newlines and tabs are allowed, other control
// characters (escapes) are not. Empty clears the note.
void validate_note(std::string_view note);

// A checkpoint's tensors and the JSON state stored beside them ({} when none was given).
struct Checkpoint {
  NamedTensors tensors;
  nlohmann::json state;
};

// Everything a trainer records at the end of an epoch, written in one transaction: a kill leaves
// either the whole epoch (metrics, checkpoint, message) or none of it.
struct EpochRecord {
  std::span<const MetricPoint> points;
  std::string message;         // e.g. "epoch 3/10"
  nlohmann::json result;       // the result so far
  std::string checkpoint_tag;  // empty: no checkpoint
  const NamedTensors* checkpoint = nullptr;
  nlohmann::json checkpoint_state;
};

class RunStore {
 public:
  // Opens (creating it and its parent directories if needed) the store at `db`. InputError when
  // the file is not a SQLite database, is another program's database, or has a newer schema.
  static RunStore open(const std::filesystem::path& db, OpenMode mode = OpenMode::write);

  RunStore(RunStore&& other) noexcept;
  RunStore& operator=(RunStore&& other) noexcept;
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;
  ~RunStore();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  // Opened read-only (OpenMode::read on a store that cannot be written): every write throws
  // InputError saying so.
  [[nodiscard]] bool read_only() const { return read_only_; }
  struct Busy;  // the busy handler's state, inside run_store.cpp (a stable address for SQLite)

  // [SECTION] Runs
  // Records a new 'running' run owned by this process. The name (validate_run_name) is made
  // unique under the write lock: `name`, else `name-2`, `name-3`, ... (read it back with
  // get_run(id).summary.name). Two processes creating runs at once never get the same name.
  int64_t create_run(RunKind kind, const std::string& name, const nlohmann::json& config);
  // InputError for an unknown run, a name validate_run_name refuses, or one another run has.
  void rename_run(int64_t run_id, const std::string& name);
  // A cancelled, interrupted or failed run becomes 'running' again, owned by this process (a
  // resume). InputError when the run is unknown or has another status; atomic, so two resumes of
  // one run cannot both start.
  void reopen_run(int64_t run_id, const std::string& message);
  void finish_run(int64_t run_id, RunStatus status, const std::string& message,
                  const nlohmann::json& result);
  // Keeps the run 'running' but records a message (e.g. "epoch 3/10") and partial result.
  void update_run(int64_t run_id, const std::string& message, const nlohmann::json& result);
  // With its metrics, checkpoints, artefacts and tags. InputError for an unknown run and for a
  // running one whose process is alive (cancel it first). On a full disk it frees the space the
  // store keeps in reserve (<db>.reserve) to make room, or says how to free some.
  void delete_run(int64_t run_id);
  // Tags and the note (read back in RunSummary::tags and ::note). InputError for an unknown run
  // or a tag / note the validators refuse; each call is one transaction.
  void set_tags(int64_t run_id, const std::vector<std::string>& tags);  // replaces all of them
  void add_tag(int64_t run_id, const std::string& tag);                 // no-op when present
  bool remove_tag(int64_t run_id, const std::string& tag);  // false when the run had no such tag
  void set_note(int64_t run_id, const std::string& note);   // "" clears it
  [[nodiscard]] std::vector<RunSummary> list_runs() const;  // newest first
  [[nodiscard]] RunRecord get_run(int64_t run_id) const;    // InputError if there is none
  [[nodiscard]] bool has_run(int64_t run_id) const;
  [[nodiscard]] RunSummary get_summary(int64_t run_id) const;  // InputError if there is none
  [[nodiscard]] std::optional<RunSummary> latest_run_of_kind(RunKind kind,
                                                             bool finished_only = false) const;
  // Runs marked 'running' whose process no longer exists become 'interrupted', with the message
  // "interrupted at epoch E (...)" naming the epoch of their last checkpoint. Called by open();
  // returns how many were marked.
  int mark_stale_runs();
  // The end of an epoch in one transaction (see EpochRecord).
  void record_epoch(int64_t run_id, const EpochRecord& record);

  // [SECTION] Metrics
  void add_metric(int64_t run_id, long step, double epoch, const std::string& name, double value);
  void add_metrics(int64_t run_id, std::span<const MetricPoint> points);  // one transaction
  [[nodiscard]] MetricSeries metric_series(int64_t run_id, const std::string& name) const;
  [[nodiscard]] std::vector<std::string> metric_names(int64_t run_id) const;

  // [SECTION] Checkpoints: named tensors under a tag ("final", "epoch_5"); saving a tag again
  // replaces it. load_checkpoint verifies the checksum: InputError on corruption or absence.
  void save_checkpoint(int64_t run_id, const std::string& tag, const NamedTensors& tensors,
                       const nlohmann::json& state = nlohmann::json::object());
  [[nodiscard]] NamedTensors load_checkpoint(int64_t run_id, const std::string& tag) const;
  // The tensors with their state JSON.
  [[nodiscard]] Checkpoint load_checkpoint_with_state(int64_t run_id, const std::string& tag) const;
  [[nodiscard]] bool has_checkpoint(int64_t run_id, const std::string& tag) const;
  void delete_checkpoint(int64_t run_id, const std::string& tag);  // no-op when absent
  [[nodiscard]] std::vector<BlobInfo> list_checkpoints(int64_t run_id) const;

  // [SECTION] Artefacts: small named blobs with a kind (test-set codes, PNG figures, JSON).
  void save_artefact(int64_t run_id, const std::string& name, const std::string& kind,
                     std::span<const std::byte> data);
  void save_text_artefact(int64_t run_id, const std::string& name, const std::string& kind,
                          std::string_view text);
  void save_tensor_artefact(int64_t run_id, const std::string& name, const NamedTensors& tensors);
  [[nodiscard]] Artefact load_artefact(int64_t run_id, const std::string& name) const;
  [[nodiscard]] NamedTensors load_tensor_artefact(int64_t run_id, const std::string& name) const;
  [[nodiscard]] std::vector<BlobInfo> list_artefacts(int64_t run_id) const;

  // Raw connection, for tests and one-off queries (comparisons across runs). Same thread rules.
  [[nodiscard]] sqlite3* handle() const { return db_; }

 private:
  RunStore(sqlite3* db, std::filesystem::path path);
  static RunStore open_connection(const std::filesystem::path& db, int flags, OpenMode mode);
  void migrate();
  void require_run(int64_t run_id) const;
  // The parts of the writes above, for use inside a transaction the caller holds.
  [[nodiscard]] std::string unique_name(const std::string& wanted, int64_t except_id) const;
  void insert_metrics(int64_t run_id, std::span<const MetricPoint> points);
  void put_blob(const char* table, int64_t run_id, const std::string& name, const std::string& kind,
                std::span<const std::byte> data, const std::string& state_json,
                std::optional<uint64_t> checksum = std::nullopt);
  void save_blob(const char* table, int64_t run_id, const std::string& name,
                 const std::string& kind, std::span<const std::byte> data);
  [[nodiscard]] Artefact load_blob(const char* table, int64_t run_id,
                                   const std::string& name) const;

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::unique_ptr<Busy> busy_;
  bool read_only_ = false;
  int schema_ = kSchemaVersion;  // of the file (older only when read-only)
};

}  // namespace aelab::runs
