// The run store on the SQLite C API.
//
// [SECTION] SQLite helpers (statement, transaction, errors)
// [SECTION] Process liveness (for mark_stale_runs)
// [SECTION] Open and schema
// [SECTION] Runs
// [SECTION] Metrics
// [SECTION] Blobs: checkpoints and artefacts
#include "runs/run_store.hpp"

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

#include "core/error.hpp"
#include "core/paths.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_text.hpp"
#include "runs/store_wait.hpp"

namespace aelab::runs {

namespace fs = std::filesystem;

// [SECTION] SQLite helpers (statement, transaction, errors) ---------------------------------------

namespace {

// The file or its directory cannot be written: OpenMode::read tries read-only next.
class StoreNotWritable : public InputError {
 public:
  using InputError::InputError;
};
// The disk is full: delete_run makes room and tries again.
class StoreFull : public InputError {
 public:
  using InputError::InputError;
};
// Another process kept the write lock longer than the wait allows.
class StoreBusy : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The wait a busy handler has done so far, for the thread that waits (see end_wait()).
thread_local RunStore::Busy* t_waiting = nullptr;

[[noreturn]] void fail(sqlite3* db, int rc, const fs::path& path, std::string_view doing) {
  std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw InputError(path.string() + ": not a usable aelab run store (" + why + ")");
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
      throw StoreNotWritable(path.string() + ": cannot " + std::string(doing) + " (" + why + ")");
    case SQLITE_FULL:
      throw StoreFull(path.string() + ": cannot " + std::string(doing) + " (" + why +
                      "); free some space on that disk and try again");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      throw StoreBusy(path.string() + ": the run store stayed busy (another process holds its " +
                      "write lock) while trying to " + std::string(doing) + "; try again later");
    default:
      throw std::runtime_error("run store " + path.string() + ": " + std::string(doing) + ": " +
                               why);
  }
}

}  // namespace

struct RunStore::Busy {
  fs::path db;
  double limit_seconds = kStoreWriteWaitSeconds;
  std::chrono::steady_clock::time_point start;
  double noticed_at = -1;  // seconds waited at the last notice; -1: none yet
};

namespace {

// Called by SQLite while the lock it wants is taken: sleep a little (1 ms growing to 50 ms) and
// retry, telling the thread's listener about once a second, until limit_seconds have passed.
int busy_handler(void* arg, int count) {
  auto* b = static_cast<RunStore::Busy*>(arg);
  const auto now = std::chrono::steady_clock::now();
  if (count == 0) {
    b->start = now;
    b->noticed_at = -1;
  }
  const double waited = std::chrono::duration<double>(now - b->start).count();
  if (waited >= b->limit_seconds) return 0;  // give up: SQLITE_BUSY
  if (waited >= kStoreWaitNoticeSeconds && waited - b->noticed_at >= 1.0) {
    b->noticed_at = waited;
    t_waiting = b;
    notify_store_wait({b->db, waited, false});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(std::min(1 + count, 50)));
  return 1;
}

// After a statement that may have waited: the last notice, "done", when there was a wait.
void end_wait() {
  if (!t_waiting) return;
  RunStore::Busy* b = std::exchange(t_waiting, nullptr);
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - b->start).count();
  notify_store_wait({b->db, waited, true});
}

void exec(sqlite3* db, const fs::path& path, const char* sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  sqlite3_free(err);
  end_wait();
  if (rc != SQLITE_OK) fail(db, rc, path, "run SQL");
}

// A prepared statement; columns and parameters are 0- and 1-based as in SQLite.
class Stmt {
 public:
  Stmt(sqlite3* db, const fs::path& path, std::string_view sql) : db_(db), path_(path) {
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr);
    if (rc != SQLITE_OK) fail(db_, rc, path_, "prepare a query");
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  Stmt& bind_int(int i, int64_t v) { return check(sqlite3_bind_int64(s_, i, v)); }
  // SQLite stores NaN as NULL; column_double() turns NULL back into NaN.
  Stmt& bind_double(int i, double v) { return check(sqlite3_bind_double(s_, i, v)); }
  Stmt& bind_text(int i, std::string_view v) {
    return check(sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
  }
  // A null pointer would bind NULL, not an empty blob.
  Stmt& bind_blob(int i, std::span<const std::byte> v) {
    if (v.empty()) return check(sqlite3_bind_zeroblob(s_, i, 0));
    return check(sqlite3_bind_blob64(s_, i, v.data(), v.size(), SQLITE_STATIC));
  }

  // true: a row is ready; false: done.
  bool step() {
    int rc = sqlite3_step(s_);
    end_wait();
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, rc, path_, "query");
  }
  void run() {
    while (step()) {
    }
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  [[nodiscard]] int64_t column_int(int c) const { return sqlite3_column_int64(s_, c); }
  [[nodiscard]] double column_double(int c) const {
    if (sqlite3_column_type(s_, c) == SQLITE_NULL) return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(s_, c);
  }
  [[nodiscard]] std::string column_text(int c) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, c));
    return p ? std::string(p, sqlite3_column_bytes(s_, c)) : std::string();
  }
  [[nodiscard]] std::vector<std::byte> column_blob(int c) const {
    const auto* p = static_cast<const std::byte*>(sqlite3_column_blob(s_, c));
    int n = sqlite3_column_bytes(s_, c);
    return p ? std::vector<std::byte>(p, p + n) : std::vector<std::byte>();
  }

 private:
  Stmt& check(int rc) {
    if (rc != SQLITE_OK) fail(db_, rc, path_, "bind a query parameter");
    return *this;
  }
  sqlite3* db_;
  const fs::path& path_;
  sqlite3_stmt* s_ = nullptr;
};

// BEGIN IMMEDIATE takes the write lock at once, so two writers queue on the busy timeout instead of
// deadlocking on a read-to-write upgrade. Without commit(), the destructor rolls back.
class Transaction {
 public:
  Transaction(sqlite3* db, const fs::path& path, bool write) : db_(db), path_(path) {
    exec(db_, path_, write ? "BEGIN IMMEDIATE" : "BEGIN");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  void commit() {
    exec(db_, path_, "COMMIT");
    done_ = true;
  }

 private:
  sqlite3* db_;
  const fs::path& path_;
  bool done_ = false;
};

std::string dump(const nlohmann::json& j) {
  // replace: a config string with broken UTF-8 must not make the run unrecordable.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A hand-edited row must not make the whole list unreadable: bad JSON reads as null.
nlohmann::json parse_lenient(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_discarded() ? nlohmann::json() : j;
}

constexpr const char* kNow = "strftime('%Y-%m-%d %H:%M:%S','now')";

// The table's checksum of a blob encode_tensors just made, without hashing megabytes again: the
// blob ends with the FNV-1a of everything before it, so hashing on from that value over those last
// 8 bytes gives the FNV-1a of the whole blob.
uint64_t encoded_checksum(std::span<const std::byte> blob) {
  auto tail = blob.last(8);
  uint64_t prefix_hash = 0;
  std::memcpy(&prefix_hash, tail.data(), 8);
  return fnv1a64(tail, prefix_hash);
}

// [SECTION] Process liveness (for mark_stale_runs) ------------------------------------------------

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot): with the pid it tells a
// process apart from a later one that reused the pid. Empty when unreadable.
std::string proc_start_time(long pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!f || !std::getline(f, line)) return {};
  auto paren = line.rfind(')');  // the command name may itself hold spaces and parentheses
  if (paren == std::string::npos) return {};
  std::istringstream rest(line.substr(paren + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 22) return field;
  }
  return {};
}

// "pid:starttime", recorded with each run this process creates.
std::string this_process_token() {
  long pid = static_cast<long>(::getpid());
  return std::to_string(pid) + ":" + proc_start_time(pid);
}

bool process_alive(const std::string& token) {
  auto colon = token.find(':');
  long pid = 0;
  try {
    pid = std::stol(token.substr(0, colon));
  } catch (const std::exception&) {
    return false;  // no owner recorded: nobody can still be writing it
  }
  if (pid <= 0) return false;
  std::string start = colon == std::string::npos ? "" : token.substr(colon + 1);
  if (!start.empty() && !proc_start_time(static_cast<long>(::getpid())).empty()) {
    return proc_start_time(pid) == start;  // /proc works: exact answer, immune to pid reuse
  }
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// The flags and the last checkpoint's epoch are index lookups on the blob tables' primary keys.
constexpr const char* kSummaryColumnsV2 =
    "id, kind, name, status, message, created_at, COALESCE(finished_at, ''), result_json, "
    "config_json, "
    "EXISTS(SELECT 1 FROM checkpoints c WHERE c.run_id = runs.id AND c.tag = 'final'), "
    "EXISTS(SELECT 1 FROM artefacts a WHERE a.run_id = runs.id AND a.name = 'test_codes'), "
    "COALESCE((SELECT CASE WHEN json_valid(c.state_json) THEN json_extract(c.state_json, "
    "'$.epoch') END FROM checkpoints c WHERE c.run_id = runs.id AND c.tag = 'last'), -1), ";
// Schema 3 adds the note and the tags; a schema 2 file opened read-only (it cannot be migrated)
// reads as having none.
std::string select_summaries(int schema) {
  return std::string("SELECT ") + kSummaryColumnsV2 +
         (schema >= 3
              ? "note, (SELECT group_concat(t.tag, char(31)) FROM run_tags t WHERE t.run_id = "
                "runs.id)"
              : "'', NULL") +
         " FROM runs ";
}

// Tags never hold control characters (validate_tag), so the unit separator splits them.
std::vector<std::string> split_tags(const std::string& joined) {
  std::vector<std::string> tags;
  for (size_t start = 0; start < joined.size();) {
    size_t end = joined.find('\x1f', start);
    if (end == std::string::npos) end = joined.size();
    if (end > start) tags.push_back(joined.substr(start, end - start));
    start = end + 1;
  }
  std::sort(tags.begin(), tags.end());
  tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
  return tags;
}

RunSummary read_summary(const Stmt& s) {
  RunSummary r;
  r.id = s.column_int(0);
  r.kind = parse_run_kind(s.column_text(1));
  r.name = s.column_text(2);
  r.status = parse_run_status(s.column_text(3));
  r.message = s.column_text(4);
  r.created_at = s.column_text(5);
  r.finished_at = s.column_text(6);
  r.result = parse_lenient(s.column_text(7));
  r.config = parse_lenient(s.column_text(8));
  if (auto it = r.result.find("epochs_done"); r.result.is_object() && it != r.result.end() &&
                                              it->is_number_integer() && it->get<int64_t>() >= 0 &&
                                              it->get<int64_t>() <= 1000000)
    r.epochs_done = static_cast<int>(it->get<int64_t>());
  r.has_final_weights = s.column_int(9) != 0;
  r.has_test_codes = s.column_int(10) != 0;
  const int64_t last = s.column_int(11);
  r.last_checkpoint_epoch = last >= 0 && last <= 1000000 ? static_cast<int>(last) : -1;
  r.note = s.column_text(12);
  r.tags = split_tags(s.column_text(13));
  return r;
}

}  // namespace

std::string_view to_string(RunStatus s) {
  switch (s) {
    case RunStatus::running:
      return "running";
    case RunStatus::finished:
      return "finished";
    case RunStatus::cancelled:
      return "cancelled";
    case RunStatus::diverged:
      return "diverged";
    case RunStatus::failed:
      return "failed";
    case RunStatus::interrupted:
      return "interrupted";
  }
  return "failed";
}

RunStatus parse_run_status(std::string_view s) {
  for (auto st : {RunStatus::running, RunStatus::finished, RunStatus::cancelled,
                  RunStatus::diverged, RunStatus::failed, RunStatus::interrupted}) {
    if (to_string(st) == s) return st;
  }
  throw InputError("unknown run status '" + std::string(s) + "'");
}

fs::path resolve_runs_db(const std::string& runs_db_flag, const std::string& data_dir_flag) {
  if (!runs_db_flag.empty()) return runs_db_flag;
  if (!data_dir_flag.empty()) return fs::path(data_dir_flag) / "runs.sqlite";
  return default_runs_db();
}

void validate_run_name(std::string_view name) {
  if (name.empty()) throw InputError("a run name cannot be empty");
  if (name.size() > 200)
    throw InputError("a run name can have at most 200 bytes, this one has " +
                     std::to_string(name.size()));
  if (!is_valid_utf8(name)) throw InputError("run name '" + printable(name) + "' is not UTF-8");
  if (has_control_chars(name))
    throw InputError("run name '" + printable(name) +
                     "' holds control characters (newlines, tabs, escapes)");
}

void validate_tag(std::string_view tag) {
  if (tag.empty()) throw InputError("a tag cannot be empty");
  if (tag.size() > 64)
    throw InputError("a tag can have at most 64 bytes, '" + printable(tag.substr(0, 64)) +
                     "...' has " + std::to_string(tag.size()));
  if (!is_valid_utf8(tag)) throw InputError("tag '" + printable(tag) + "' is not UTF-8");
  if (has_control_chars(tag))
    throw InputError("tag '" + printable(tag) +
                     "' holds control characters (newlines, tabs, escapes)");
  if (tag.find_first_of(" ,") != std::string_view::npos)
    throw InputError("tag '" + printable(tag) + "' holds a space or a comma; a tag is one word");
}

void validate_note(std::string_view note) {
  if (note.size() > 4000)
    throw InputError("a note can have at most 4000 bytes, this one has " +
                     std::to_string(note.size()));
  if (!is_valid_utf8(note)) throw InputError("the note is not UTF-8");
  std::string rest;  // the note without its newlines and tabs
  for (char c : note)
    if (c != '\n' && c != '\t') rest += c;
  if (has_control_chars(rest))
    throw InputError("the note holds control characters (escapes); only newlines and tabs may");
}

std::optional<std::pair<std::string, double>> headline_result(const nlohmann::json& result) {
  if (!result.is_object()) return std::nullopt;
  auto number = [&](const char* key) -> std::optional<std::pair<std::string, double>> {
    auto it = result.find(key);
    if (it == result.end() || !it->is_number()) return std::nullopt;
    return std::pair{std::string(key), it->get<double>()};
  };
  for (const char* key : metric::epoch_results)
    if (auto h = number(key)) return h;
  for (const char* key : {"accuracy", "matched_accuracy", "final_loss", "loss"})
    if (auto h = number(key)) return h;
  for (auto it = result.begin(); it != result.end(); ++it) {
    if (it->is_number()) return std::pair{it.key(), it->get<double>()};
  }
  return std::nullopt;
}

// [SECTION] Open and schema -----------------------------------------------------------------------

RunStore::RunStore(sqlite3* db, fs::path path) : db_(db), path_(std::move(path)) {}

RunStore::RunStore(RunStore&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)),
      path_(std::move(other.path_)),
      busy_(std::move(other.busy_)),
      read_only_(other.read_only_),
      schema_(other.schema_) {}

RunStore& RunStore::operator=(RunStore&& other) noexcept {
  if (this != &other) {
    if (db_) sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    busy_ = std::move(other.busy_);
    read_only_ = other.read_only_;
    schema_ = other.schema_;
  }
  return *this;
}

RunStore::~RunStore() {
  if (db_) sqlite3_close_v2(db_);
}

namespace {

// The space a full disk can borrow back: delete_run removes this file when SQLite reports the disk
// full, so a run can still be deleted (and its space reused); open() puts it back when there is
// room again.
constexpr std::uintmax_t kReserveBytes = 4u << 20;

fs::path reserve_path(const fs::path& db) {
  return fs::path(db.string() + ".reserve");
}

void ensure_reserve(const fs::path& db) {
  std::error_code ec;
  const fs::path r = reserve_path(db);
  if (fs::exists(r, ec) && fs::file_size(r, ec) == kReserveBytes) return;
  const fs::path tmp = fs::path(r.string() + ".tmp-" + std::to_string(::getpid()));
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    const std::vector<char> zeros(64 << 10, 0);
    for (std::uintmax_t n = 0; f && n < kReserveBytes; n += zeros.size())
      f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    f.flush();
    if (!f) {
      f.close();
      fs::remove(tmp, ec);  // no room now: try again at the next open
      return;
    }
  }
  fs::rename(tmp, r, ec);
  if (ec) fs::remove(tmp, ec);
}

bool release_reserve(const fs::path& db) {
  std::error_code ec;
  return fs::remove(reserve_path(db), ec);
}

// "file:" URI of a path for SQLite (immutable=1 needs one): % ? # escaped.
std::string file_uri(const fs::path& p) {
  std::string out = "file:";
  for (char c : fs::absolute(p).string()) {
    if (c == '%' || c == '?' || c == '#') {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

RunStore RunStore::open(const fs::path& db, OpenMode mode) {
  if (db.empty()) throw InputError("run store path is empty");
  const bool exists = fs::exists(db);
  if (mode == OpenMode::write || !exists) {
    if (db.has_parent_path()) {
      std::error_code ec;
      fs::create_directories(db.parent_path(), ec);
      if (ec)
        throw InputError(db.parent_path().string() + ": cannot create the run store's directory (" +
                         ec.message() + ")");
    }
    if (fs::is_directory(db)) throw InputError(db.string() + ": is a directory, not a run store");
    try {
      RunStore store =
          open_connection(db.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, mode);
      ensure_reserve(db);
      return store;
    } catch (const StoreFull&) {
      // A full disk: the reserve gives the store room to open (and delete_run room to work).
      if (!release_reserve(db)) throw;
      return open_connection(db.string(), SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, mode);
    }
  }
  if (fs::is_directory(db)) throw InputError(db.string() + ": is a directory, not a run store");
  // A reader: read-write when it can (stale runs get marked), else read-only; a WAL file in a
  // directory it cannot write (no -shm to share) is read as immutable, a snapshot of the file.
  try {
    return open_connection(db.string(), SQLITE_OPEN_READWRITE, mode);
  } catch (const StoreNotWritable&) {
  }
  try {
    return open_connection(db.string(), SQLITE_OPEN_READONLY, mode);
  } catch (const StoreNotWritable&) {
  }
  return open_connection(file_uri(db) + "?immutable=1", SQLITE_OPEN_READONLY | SQLITE_OPEN_URI,
                         mode);
}

RunStore RunStore::open_connection(const fs::path& db, int flags, OpenMode mode) {
  sqlite3* handle = nullptr;
  int rc = sqlite3_open_v2(db.c_str(), &handle, flags, nullptr);
  // Named by the file, not the URI; closes the handle on every path out, even when open failed.
  const std::string name = db.string();
  RunStore store(handle, name.rfind("file:", 0) == 0 ? name.substr(5, name.find('?') - 5) : name);
  if (rc != SQLITE_OK) fail(handle, rc, store.path_, "open the run store");
  sqlite3_extended_result_codes(handle, 1);
  store.busy_ = std::make_unique<Busy>();
  store.busy_->db = store.path_;
  store.busy_->limit_seconds =
      mode == OpenMode::write ? kStoreWriteWaitSeconds : kStoreReadWaitSeconds;
  sqlite3_busy_handler(handle, busy_handler, store.busy_.get());
  store.read_only_ = sqlite3_db_readonly(handle, "main") == 1;
  const fs::path& path = store.path_;
  if (store.read_only_) {
    if (mode == OpenMode::write)
      throw StoreNotWritable(path.string() + ": cannot write the run store (read-only)");
    // The first statement reads the file header: a non-database fails here with SQLITE_NOTADB.
    exec(handle, path, "PRAGMA query_only=1");
    store.migrate();  // reads the version only
    return store;
  }
  // The first statement reads the file header: a non-database fails here with SQLITE_NOTADB.
  // A new file gets 64 KiB pages: an epoch checkpoint (weights and Adam moments, ~10 MB for the
  // MLP) is then ~160 page writes instead of ~2500; an existing file keeps its page size.
  exec(handle, path, "PRAGMA page_size=65536");
  exec(handle, path, "PRAGMA journal_mode=WAL");
  // In WAL mode NORMAL loses nothing on a process crash (only, at worst, the last commits on a
  // power cut) and saves an fsync per metric batch.
  exec(handle, path, "PRAGMA synchronous=NORMAL");
  exec(handle, path, "PRAGMA foreign_keys=ON");
  store.migrate();
  // Marking stale runs is a courtesy: a busy or full store still opens (a reader does not wait
  // for it long).
  if (mode == OpenMode::read) store.busy_->limit_seconds = 2;
  try {
    store.mark_stale_runs();
  } catch (const StoreBusy&) {
  } catch (const StoreFull&) {
  }
  store.busy_->limit_seconds =
      mode == OpenMode::write ? kStoreWriteWaitSeconds : kStoreReadWaitSeconds;
  return store;
}

namespace {
int user_version(sqlite3* db, const fs::path& path) {
  Stmt v(db, path, "PRAGMA user_version");
  v.step();
  int version = static_cast<int>(v.column_int(0));
  if (version > kSchemaVersion)
    throw InputError(path.string() + ": run store has schema version " + std::to_string(version) +
                     ", newer than this aelab understands (" + std::to_string(kSchemaVersion) +
                     "); use a newer aelab or another --runs-db");
  return version;
}
}  // namespace

void RunStore::migrate() {
  // The common case, an up-to-date store, needs no write lock (the UI may open while a worker
  // writes).
  const int found = user_version(db_, path_);
  if (found == kSchemaVersion) return;
  if (read_only_) {
    // Read as it is: schema 2 without tags and notes, an empty file as an empty store.
    if (found == 0 || found == 2) {
      schema_ = found;
      return;
    }
    throw InputError(path_.string() + ": run store has schema version " + std::to_string(found) +
                     " and is read-only here; open it once where it can be written to upgrade it");
  }
  // Check again under the write lock, so two processes opening a fresh file do not both create it.
  Transaction tx(db_, path_, true);
  int version = user_version(db_, path_);
  if (version == kSchemaVersion) return;
  if (version == 0) {
    Stmt tables(db_, path_, "SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'");
    tables.step();
    if (tables.column_int(0) != 0)
      throw InputError(path_.string() +
                       ": is a SQLite database but not an aelab run store (it has other tables)");
    exec(db_, path_, R"sql(
      CREATE TABLE runs(
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        config_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK(status IN
          ('running','finished','cancelled','diverged','failed','interrupted')),
        message TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        finished_at TEXT,
        result_json TEXT NOT NULL DEFAULT '{}',
        owner TEXT NOT NULL DEFAULT '');
      CREATE INDEX runs_by_kind ON runs(kind, id);
      CREATE TABLE metrics(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        step INTEGER NOT NULL,
        epoch REAL NOT NULL,
        name TEXT NOT NULL,
        value REAL);
      CREATE INDEX metrics_by_run ON metrics(run_id, name, step);
      CREATE TABLE checkpoints(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        kind TEXT NOT NULL DEFAULT 'tensors',
        blob BLOB NOT NULL,
        checksum INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY(run_id, tag));
      CREATE TABLE artefacts(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        blob BLOB NOT NULL,
        checksum INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY(run_id, name));
    )sql");
    version = 1;
  }
  if (version == 1) {
    exec(db_, path_, "ALTER TABLE checkpoints ADD COLUMN state_json TEXT NOT NULL DEFAULT '{}'");
    // Names become unique: the first run (by id) keeps a shared name, later ones get "-2", "-3",
    // ... (never a name another run already has); an empty name becomes "run-ID".
    std::vector<std::pair<int64_t, std::string>> rows;
    std::set<std::string> original;
    {
      Stmt s(db_, path_, "SELECT id, name FROM runs ORDER BY id");
      while (s.step()) {
        rows.emplace_back(s.column_int(0), s.column_text(1));
        original.insert(rows.back().second);
      }
    }
    std::set<std::string> taken;
    Stmt u(db_, path_, "UPDATE runs SET name = ? WHERE id = ?");
    for (const auto& [id, name] : rows) {
      if (!name.empty() && taken.insert(name).second) continue;
      const std::string base = name.empty() ? "run-" + std::to_string(id) : name;
      std::string fresh = base;
      for (int k = 2; taken.count(fresh) || original.count(fresh); ++k)
        fresh = base + "-" + std::to_string(k);
      taken.insert(fresh);
      u.reset();
      u.bind_text(1, fresh).bind_int(2, id);
      u.run();
    }
    exec(db_, path_, "CREATE UNIQUE INDEX runs_by_name ON runs(name)");
    version = 2;
  }
  if (version == 2) {
    exec(db_, path_, R"sql(
      ALTER TABLE runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
      CREATE TABLE run_tags(
        run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
        tag TEXT NOT NULL,
        PRIMARY KEY(run_id, tag)) WITHOUT ROWID;
      CREATE INDEX run_tags_by_tag ON run_tags(tag, run_id);
    )sql");
    version = 3;
  }
  // Later versions add steps here: `if (version == 3) { ALTER TABLE ...; version = 4; }`.
  exec(db_, path_, ("PRAGMA user_version=" + std::to_string(version)).c_str());
  tx.commit();
}

// [SECTION] Runs ----------------------------------------------------------------------------------

void RunStore::require_run(int64_t run_id) const {
  if (!has_run(run_id))
    throw InputError("no run with id " + std::to_string(run_id) + " in " + path_.string());
}

bool RunStore::has_run(int64_t run_id) const {
  Stmt s(db_, path_, "SELECT 1 FROM runs WHERE id = ?");
  s.bind_int(1, run_id);
  return s.step();
}

std::string RunStore::unique_name(const std::string& wanted, int64_t except_id) const {
  Stmt s(db_, path_, "SELECT 1 FROM runs WHERE name = ? AND id != ?");
  std::string name = wanted;
  for (int k = 2;; ++k) {
    s.reset();
    s.bind_text(1, name).bind_int(2, except_id);
    if (!s.step()) return name;
    name = wanted + "-" + std::to_string(k);
  }
}

int64_t RunStore::create_run(RunKind kind, const std::string& name, const nlohmann::json& config) {
  validate_run_name(name);
  // The write lock is held from the search for a free name to the insert: no other writer can
  // take the same name in between (and the unique index would refuse it if one did).
  Transaction tx(db_, path_, true);
  const std::string unique = unique_name(name, 0);
  Stmt s(db_, path_,
         std::string("INSERT INTO runs(kind, name, config_json, status, created_at, owner) "
                     "VALUES(?, ?, ?, 'running', ") +
             kNow + ", ?)");
  s.bind_text(1, to_string(kind)).bind_text(2, unique).bind_text(3, dump(config));
  s.bind_text(4, this_process_token());
  s.run();
  int64_t id = sqlite3_last_insert_rowid(db_);
  tx.commit();
  return id;
}

void RunStore::rename_run(int64_t run_id, const std::string& name) {
  validate_run_name(name);
  Transaction tx(db_, path_, true);
  require_run(run_id);
  if (unique_name(name, run_id) != name)
    throw InputError("another run is already named '" + printable(name) + "'");
  Stmt s(db_, path_, "UPDATE runs SET name = ? WHERE id = ?");
  s.bind_text(1, name).bind_int(2, run_id);
  s.run();
  tx.commit();
}

void RunStore::reopen_run(int64_t run_id, const std::string& message) {
  Transaction tx(db_, path_, true);
  RunSummary s = get_summary(run_id);
  if (s.status != RunStatus::cancelled && s.status != RunStatus::interrupted &&
      s.status != RunStatus::failed)
    throw InputError("run " + std::to_string(run_id) + " is " + std::string(to_string(s.status)) +
                     "; only a cancelled, interrupted or failed run can be resumed");
  Stmt u(db_, path_,
         "UPDATE runs SET status = 'running', message = ?, finished_at = NULL, owner = ? "
         "WHERE id = ?");
  u.bind_text(1, message).bind_text(2, this_process_token()).bind_int(3, run_id);
  u.run();
  tx.commit();
}

void RunStore::finish_run(int64_t run_id, RunStatus status, const std::string& message,
                          const nlohmann::json& result) {
  if (status == RunStatus::running)
    throw InputError("finish_run needs a final status, not 'running'");
  Transaction tx(db_, path_, true);
  require_run(run_id);
  Stmt s(db_, path_,
         std::string("UPDATE runs SET status = ?, message = ?, result_json = ?, finished_at = ") +
             kNow + " WHERE id = ?");
  s.bind_text(1, to_string(status)).bind_text(2, message).bind_text(3, dump(result));
  s.bind_int(4, run_id);
  s.run();
  tx.commit();
}

void RunStore::update_run(int64_t run_id, const std::string& message,
                          const nlohmann::json& result) {
  Transaction tx(db_, path_, true);
  require_run(run_id);
  Stmt s(db_, path_, "UPDATE runs SET message = ?, result_json = ? WHERE id = ?");
  s.bind_text(1, message).bind_text(2, dump(result)).bind_int(3, run_id);
  s.run();
  tx.commit();
}

void RunStore::delete_run(int64_t run_id) {
  for (int attempt = 0;; ++attempt) {
    try {
      Transaction tx(db_, path_, true);
      Stmt q(db_, path_, "SELECT status, owner FROM runs WHERE id = ?");
      q.bind_int(1, run_id);
      if (!q.step())
        throw InputError("no run with id " + std::to_string(run_id) + " in " + path_.string());
      const std::string owner = q.column_text(1);
      if (q.column_text(0) == "running" && process_alive(owner))
        throw InputError("run " + std::to_string(run_id) + " is running (process " +
                         owner.substr(0, owner.find(':')) +
                         "); cancel it, or let it end, before deleting it");
      Stmt s(db_, path_, "DELETE FROM runs WHERE id = ?");  // ON DELETE CASCADE takes the rest
      s.bind_int(1, run_id);
      s.run();
      tx.commit();
      return;
    } catch (const StoreFull&) {
      // A full disk: give back the reserve, fold the write-ahead log into the file (truncating
      // it) and try once more; the freed pages are then reused by the next runs.
      if (attempt > 0)
        throw InputError(path_.string() + ": the disk is full and deleting run " +
                         std::to_string(run_id) +
                         " needs a few MB to write its journal; free some space on that disk "
                         "(outside aelab) and run the delete again");
      release_reserve(path_);
      sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    }
  }
}

void RunStore::set_tags(int64_t run_id, const std::vector<std::string>& tags) {
  for (const auto& t : tags) validate_tag(t);
  Transaction tx(db_, path_, true);
  require_run(run_id);
  Stmt d(db_, path_, "DELETE FROM run_tags WHERE run_id = ?");
  d.bind_int(1, run_id);
  d.run();
  Stmt ins(db_, path_, "INSERT OR IGNORE INTO run_tags(run_id, tag) VALUES(?, ?)");
  for (const auto& t : tags) {
    ins.reset();
    ins.bind_int(1, run_id).bind_text(2, t);
    ins.run();
  }
  tx.commit();
}

void RunStore::add_tag(int64_t run_id, const std::string& tag) {
  validate_tag(tag);
  Transaction tx(db_, path_, true);
  require_run(run_id);
  Stmt ins(db_, path_, "INSERT OR IGNORE INTO run_tags(run_id, tag) VALUES(?, ?)");
  ins.bind_int(1, run_id).bind_text(2, tag);
  ins.run();
  tx.commit();
}

bool RunStore::remove_tag(int64_t run_id, const std::string& tag) {
  Transaction tx(db_, path_, true);
  require_run(run_id);
  Stmt d(db_, path_, "DELETE FROM run_tags WHERE run_id = ? AND tag = ?");
  d.bind_int(1, run_id).bind_text(2, tag);
  d.run();
  const bool removed = sqlite3_changes(db_) > 0;
  tx.commit();
  return removed;
}

void RunStore::set_note(int64_t run_id, const std::string& note) {
  validate_note(note);
  Transaction tx(db_, path_, true);
  require_run(run_id);
  Stmt u(db_, path_, "UPDATE runs SET note = ? WHERE id = ?");
  u.bind_text(1, note).bind_int(2, run_id);
  u.run();
  tx.commit();
}

std::vector<RunSummary> RunStore::list_runs() const {
  if (schema_ == 0) return {};  // an empty file opened read-only
  Stmt s(db_, path_, select_summaries(schema_) + "ORDER BY id DESC");
  std::vector<RunSummary> out;
  while (s.step()) {
    try {
      out.push_back(read_summary(s));
    } catch (const InputError&) {
      // A row with a kind or status this aelab does not know (hand-edited, or a newer trainer's)
      // is left out rather than hiding every other run.
    }
  }
  return out;
}

RunSummary RunStore::get_summary(int64_t run_id) const {
  if (schema_ == 0)
    throw InputError("no run with id " + std::to_string(run_id) + " in " + path_.string());
  Stmt s(db_, path_, select_summaries(schema_) + "WHERE id = ?");
  s.bind_int(1, run_id);
  if (!s.step())
    throw InputError("no run with id " + std::to_string(run_id) + " in " + path_.string());
  return read_summary(s);
}

RunRecord RunStore::get_run(int64_t run_id) const {
  Transaction tx(db_, path_, false);  // one snapshot for the run row and its metrics
  RunRecord rec;
  rec.summary = get_summary(run_id);
  rec.config = rec.summary.config;
  Stmt m(db_, path_,
         "SELECT name, step, epoch, value FROM metrics WHERE run_id = ? "
         "ORDER BY name, step, rowid");
  m.bind_int(1, run_id);
  while (m.step()) {
    auto& series = rec.metrics[m.column_text(0)];
    series.steps.push_back(static_cast<long>(m.column_int(1)));
    series.epochs.push_back(m.column_double(2));
    series.values.push_back(m.column_double(3));
  }
  tx.commit();
  return rec;
}

std::optional<RunSummary> RunStore::latest_run_of_kind(RunKind kind, bool finished_only) const {
  Stmt s(db_, path_,
         select_summaries(schema_) + "WHERE kind = ? " +
             (finished_only ? "AND status = 'finished' " : "") + "ORDER BY id DESC LIMIT 1");
  s.bind_text(1, to_string(kind));
  if (!s.step()) return std::nullopt;
  return read_summary(s);
}

int RunStore::mark_stale_runs() {
  // Look first without the write lock: usually nothing is stale and nothing needs writing.
  struct Dead {
    int64_t id;
    std::string owner;
    int64_t epoch;  // of the last checkpoint, -1: none
  };
  std::vector<Dead> dead;
  {
    Stmt s(db_, path_,
           "SELECT id, owner, COALESCE((SELECT CASE WHEN json_valid(c.state_json) THEN "
           "json_extract(c.state_json, '$.epoch') END FROM checkpoints c WHERE c.run_id = "
           "runs.id AND c.tag = 'last'), -1) FROM runs WHERE status = 'running'");
    while (s.step()) {
      std::string owner = s.column_text(1);
      if (!process_alive(owner)) dead.push_back({s.column_int(0), owner, s.column_int(2)});
    }
  }
  if (dead.empty()) return 0;
  Transaction tx(db_, path_, true);
  int marked = 0;
  // `status = 'running'` again: another process may have finished the run since we looked.
  Stmt u(db_, path_,
         std::string("UPDATE runs SET status = 'interrupted', message = ?, finished_at = ") + kNow +
             " WHERE id = ? AND status = 'running'");
  for (const auto& d : dead) {
    const std::string why = "(its process " + d.owner.substr(0, d.owner.find(':')) + " ended)";
    u.reset();
    u.bind_text(1, d.epoch >= 0 ? "interrupted at epoch " + std::to_string(d.epoch) + " " + why
                                : "interrupted before its first epoch ended " + why);
    u.bind_int(2, d.id);
    u.run();
    marked += sqlite3_changes(db_);
  }
  tx.commit();
  return marked;
}

// [SECTION] Metrics -------------------------------------------------------------------------------

void RunStore::add_metric(int64_t run_id, long step, double epoch, const std::string& name,
                          double value) {
  MetricPoint p{step, epoch, name, value};
  add_metrics(run_id, std::span<const MetricPoint>(&p, 1));
}

void RunStore::add_metrics(int64_t run_id, std::span<const MetricPoint> points) {
  Transaction tx(db_, path_, true);
  require_run(run_id);
  insert_metrics(run_id, points);
  tx.commit();
}

namespace {

// For the crash test (tests/cli/test_crash.cpp): AELAB_TEST_CHECKPOINT_PAUSE_MS=N makes every
// checkpoint write say so on stderr and wait N ms inside its transaction, so a kill can land
// there for certain.
void pause_inside_checkpoint_write() {
  static const long ms = [] {
    const char* v = std::getenv("AELAB_TEST_CHECKPOINT_PAUSE_MS");
    return v ? std::strtol(v, nullptr, 10) : 0L;
  }();
  if (ms <= 0) return;
  std::fputs("aelab-test: inside a checkpoint write\n", stderr);
  std::fflush(stderr);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace

void RunStore::record_epoch(int64_t run_id, const EpochRecord& r) {
  std::vector<std::byte> blob;
  if (r.checkpoint) blob = encode_tensors(*r.checkpoint);  // before the lock: it takes a while
  Transaction tx(db_, path_, true);
  require_run(run_id);
  insert_metrics(run_id, r.points);
  if (r.checkpoint) {
    if (r.checkpoint_tag.empty()) throw InputError("an epoch checkpoint needs a tag");
    put_blob("checkpoints", run_id, r.checkpoint_tag, "tensors", blob, dump(r.checkpoint_state),
             encoded_checksum(blob));
    pause_inside_checkpoint_write();
  }
  Stmt s(db_, path_, "UPDATE runs SET message = ?, result_json = ? WHERE id = ?");
  s.bind_text(1, r.message).bind_text(2, dump(r.result)).bind_int(3, run_id);
  s.run();
  tx.commit();
}

void RunStore::insert_metrics(int64_t run_id, std::span<const MetricPoint> points) {
  Stmt s(db_, path_, "INSERT INTO metrics(run_id, step, epoch, name, value) VALUES(?, ?, ?, ?, ?)");
  for (const auto& p : points) {
    if (p.name.empty()) throw InputError("a metric point needs a name");
    s.reset();
    s.bind_int(1, run_id).bind_int(2, p.step).bind_double(3, p.epoch).bind_text(4, p.name);
    s.bind_double(5, p.value);
    s.run();
  }
}

MetricSeries RunStore::metric_series(int64_t run_id, const std::string& name) const {
  Stmt s(db_, path_,
         "SELECT step, epoch, value FROM metrics WHERE run_id = ? AND name = ? "
         "ORDER BY step, rowid");
  s.bind_int(1, run_id).bind_text(2, name);
  MetricSeries out;
  while (s.step()) {
    out.steps.push_back(static_cast<long>(s.column_int(0)));
    out.epochs.push_back(s.column_double(1));
    out.values.push_back(s.column_double(2));
  }
  return out;
}

std::vector<std::string> RunStore::metric_names(int64_t run_id) const {
  Stmt s(db_, path_, "SELECT DISTINCT name FROM metrics WHERE run_id = ? ORDER BY name");
  s.bind_int(1, run_id);
  std::vector<std::string> out;
  while (s.step()) out.push_back(s.column_text(0));
  return out;
}

// [SECTION] Blobs: checkpoints and artefacts ------------------------------------------------------

// Both tables keep a FNV-1a-64 of the stored bytes, checked on every load, so corruption of any
// blob (a PNG as much as a weight list) is caught, not only of the self-checking tensor format.

void RunStore::save_blob(const char* table, int64_t run_id, const std::string& name,
                         const std::string& kind, std::span<const std::byte> data) {
  Transaction tx(db_, path_, true);
  require_run(run_id);
  put_blob(table, run_id, name, kind, data, "{}");
  tx.commit();
}

void RunStore::put_blob(const char* table, int64_t run_id, const std::string& name,
                        const std::string& kind, std::span<const std::byte> data,
                        const std::string& state_json, std::optional<uint64_t> checksum) {
  if (name.empty()) throw InputError(std::string("a ") + table + " entry needs a name");
  const bool is_ckpt = std::string_view(table) == "checkpoints";
  Stmt s(db_, path_,
         std::string("INSERT OR REPLACE INTO ") + table + "(run_id, " + (is_ckpt ? "tag" : "name") +
             ", kind, blob, checksum, bytes, created_at" + (is_ckpt ? ", state_json" : "") +
             ") VALUES(?, ?, ?, ?, ?, ?, " + kNow + (is_ckpt ? ", ?" : "") + ")");
  s.bind_int(1, run_id).bind_text(2, name).bind_text(3, kind).bind_blob(4, data);
  s.bind_int(5, std::bit_cast<int64_t>(checksum ? *checksum : fnv1a64(data)));
  s.bind_int(6, static_cast<int64_t>(data.size()));
  if (is_ckpt) s.bind_text(7, state_json);
  s.run();
}

Artefact RunStore::load_blob(const char* table, int64_t run_id, const std::string& name) const {
  const bool is_ckpt = std::string_view(table) == "checkpoints";
  const std::string what = std::string(is_ckpt ? "checkpoint '" : "artefact '") + name +
                           "' of run " + std::to_string(run_id) + " in " + path_.string();
  Stmt s(db_, path_,
         std::string("SELECT kind, blob, checksum, bytes FROM ") + table +
             " WHERE run_id = ? AND " + (is_ckpt ? "tag" : "name") + " = ?");
  s.bind_int(1, run_id).bind_text(2, name);
  if (!s.step()) throw InputError("no " + what);
  Artefact a{name, s.column_text(0), s.column_blob(1)};
  if (static_cast<int64_t>(a.data.size()) != s.column_int(3))
    throw InputError(what + ": corrupt (size " + std::to_string(a.data.size()) + " bytes, " +
                     std::to_string(s.column_int(3)) + " recorded)");
  if (std::bit_cast<int64_t>(fnv1a64(a.data)) != s.column_int(2))
    throw InputError(what + ": corrupt (checksum mismatch)");
  return a;
}

void RunStore::save_checkpoint(int64_t run_id, const std::string& tag, const NamedTensors& tensors,
                               const nlohmann::json& state) {
  auto blob = encode_tensors(tensors);
  Transaction tx(db_, path_, true);
  require_run(run_id);
  put_blob("checkpoints", run_id, tag, "tensors", blob, dump(state), encoded_checksum(blob));
  tx.commit();
}

NamedTensors RunStore::load_checkpoint(int64_t run_id, const std::string& tag) const {
  auto a = load_blob("checkpoints", run_id, tag);
  return decode_tensors(a.data, "checkpoint '" + tag + "' of run " + std::to_string(run_id));
}

Checkpoint RunStore::load_checkpoint_with_state(int64_t run_id, const std::string& tag) const {
  Transaction tx(db_, path_, false);  // the tensors and their state from one snapshot
  Checkpoint c;
  c.tensors = load_checkpoint(run_id, tag);
  Stmt s(db_, path_, "SELECT state_json FROM checkpoints WHERE run_id = ? AND tag = ?");
  s.bind_int(1, run_id).bind_text(2, tag);
  c.state = s.step() ? parse_lenient(s.column_text(0)) : nlohmann::json();
  if (!c.state.is_object()) c.state = nlohmann::json::object();
  tx.commit();
  return c;
}

bool RunStore::has_checkpoint(int64_t run_id, const std::string& tag) const {
  Stmt s(db_, path_, "SELECT 1 FROM checkpoints WHERE run_id = ? AND tag = ?");
  s.bind_int(1, run_id).bind_text(2, tag);
  return s.step();
}

void RunStore::delete_checkpoint(int64_t run_id, const std::string& tag) {
  Transaction tx(db_, path_, true);
  Stmt s(db_, path_, "DELETE FROM checkpoints WHERE run_id = ? AND tag = ?");
  s.bind_int(1, run_id).bind_text(2, tag);
  s.run();
  tx.commit();
}

void RunStore::save_artefact(int64_t run_id, const std::string& name, const std::string& kind,
                             std::span<const std::byte> data) {
  if (kind.empty()) throw InputError("artefact '" + name + "' needs a kind (png, json, ...)");
  save_blob("artefacts", run_id, name, kind, data);
}

void RunStore::save_text_artefact(int64_t run_id, const std::string& name, const std::string& kind,
                                  std::string_view text) {
  save_artefact(run_id, name, kind, std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void RunStore::save_tensor_artefact(int64_t run_id, const std::string& name,
                                    const NamedTensors& tensors) {
  save_artefact(run_id, name, "tensors", encode_tensors(tensors));
}

Artefact RunStore::load_artefact(int64_t run_id, const std::string& name) const {
  return load_blob("artefacts", run_id, name);
}

NamedTensors RunStore::load_tensor_artefact(int64_t run_id, const std::string& name) const {
  auto a = load_blob("artefacts", run_id, name);
  const std::string what = "artefact '" + name + "' of run " + std::to_string(run_id);
  if (a.kind != "tensors") throw InputError(what + " holds '" + a.kind + "', not tensors");
  return decode_tensors(a.data, what);
}

std::vector<BlobInfo> RunStore::list_checkpoints(int64_t run_id) const {
  Stmt s(db_, path_,
         "SELECT tag, kind, bytes, created_at FROM checkpoints WHERE run_id = ? ORDER BY rowid");
  s.bind_int(1, run_id);
  std::vector<BlobInfo> out;
  while (s.step())
    out.push_back({s.column_text(0), s.column_text(1), s.column_int(2), s.column_text(3)});
  return out;
}

std::vector<BlobInfo> RunStore::list_artefacts(int64_t run_id) const {
  Stmt s(db_, path_,
         "SELECT name, kind, bytes, created_at FROM artefacts WHERE run_id = ? ORDER BY name");
  s.bind_int(1, run_id);
  std::vector<BlobInfo> out;
  while (s.step())
    out.push_back({s.column_text(0), s.column_text(1), s.column_int(2), s.column_text(3)});
  return out;
}

}  // namespace aelab::runs
