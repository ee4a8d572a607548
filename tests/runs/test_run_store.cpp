// The run store against a real SQLite file in a temporary directory.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "runs/runs_test_util.hpp"

using namespace aelab;
using namespace aelab::runs;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

// A second, raw connection: what another process (or a disk fault) could do to the file.
struct RawDb {
  sqlite3* db = nullptr;
  explicit RawDb(const fs::path& p) {
    REQUIRE(sqlite3_open(p.c_str(), &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
  }
  ~RawDb() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    std::string msg = err ? err : "";
    sqlite3_free(err);
    INFO(msg);
    REQUIRE(rc == SQLITE_OK);
  }
  int64_t count(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
  }
  // Flips one bit of a stored blob in place, as a bad sector would.
  void flip_blob_byte(const std::string& table, const std::string& key_col, const std::string& key,
                      size_t offset) {
    sqlite3_stmt* s = nullptr;
    std::string q = "SELECT blob FROM " + table + " WHERE " + key_col + " = ?";
    REQUIRE(sqlite3_prepare_v2(db, q.c_str(), -1, &s, nullptr) == SQLITE_OK);
    sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(s) == SQLITE_ROW);
    const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(s, 0));
    std::vector<unsigned char> blob(p, p + sqlite3_column_bytes(s, 0));
    sqlite3_finalize(s);
    REQUIRE(offset < blob.size());
    blob[offset] ^= 0x01;
    std::string u = "UPDATE " + table + " SET blob = ? WHERE " + key_col + " = ?";
    REQUIRE(sqlite3_prepare_v2(db, u.c_str(), -1, &s, nullptr) == SQLITE_OK);
    sqlite3_bind_blob(s, 1, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, key.c_str(), -1, SQLITE_TRANSIENT);
    REQUIRE(sqlite3_step(s) == SQLITE_DONE);
    sqlite3_finalize(s);
  }
};

NamedTensors weights() {
  NamedTensors w;
  std::vector<float> v(784 * 16);
  for (size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.01f * i);
  w.push_back({"enc.weight", Tensor({16, 784}, v)});
  w.push_back({"enc.bias", Tensor({16}, 0.25f)});
  return w;
}

std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace

TEST_CASE("run store round-trips runs, metrics, checkpoints and artefacts", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "sub" / "runs.sqlite");  // parent dirs are created
  nlohmann::json config = {{"latent", 16}, {"lr", 1e-3}, {"optimizer", "adam"}};
  int64_t a = store.create_run(RunKind::ae, "ae-16", config);
  int64_t b = store.create_run(RunKind::disnet, "dis", {{"epochs", 2}});
  CHECK(b > a);

  std::vector<MetricPoint> pts = {
      {1, 0.5, "train_l1", 0.30}, {2, 1.0, "train_l1", 0.20}, {2, 1.0, "test_l1", 0.25}};
  store.add_metrics(a, pts);
  store.add_metric(a, 3, 1.5, "train_l1", std::nan(""));
  store.add_metric(a, 4, 2.0, "train_l1", INFINITY);
  store.finish_run(a, RunStatus::finished, "done", {{"test_l1", 0.123}});

  auto rec = store.get_run(a);
  CHECK(rec.summary.id == a);
  CHECK(rec.summary.kind == RunKind::ae);
  CHECK(rec.summary.name == "ae-16");
  CHECK(rec.summary.status == RunStatus::finished);
  CHECK(rec.summary.message == "done");
  CHECK(rec.summary.created_at.size() == 19);  // "YYYY-MM-DD HH:MM:SS"
  CHECK(!rec.summary.finished_at.empty());
  CHECK(rec.summary.result["test_l1"].get<double>() == 0.123);
  CHECK(rec.config == config);
  REQUIRE(rec.metrics.size() == 2);
  const auto& tr = rec.metrics.at("train_l1");
  CHECK(tr.steps == std::vector<long>{1, 2, 3, 4});
  CHECK(tr.epochs == std::vector<double>{0.5, 1.0, 1.5, 2.0});
  CHECK(tr.values[0] == 0.30);
  CHECK(tr.values[1] == 0.20);
  CHECK(std::isnan(tr.values[2]));  // a diverged loss is kept, as NaN
  CHECK(std::isinf(tr.values[3]));
  CHECK(rec.metrics.at("test_l1").values == std::vector<double>{0.25});
  CHECK(store.metric_series(a, "test_l1").steps == std::vector<long>{2});
  CHECK(store.metric_series(a, "nope").size() == 0);
  CHECK(store.metric_names(a) == std::vector<std::string>{"test_l1", "train_l1"});

  auto runs = store.list_runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].id == b);  // newest first
  CHECK(runs[0].status == RunStatus::running);
  CHECK(runs[0].finished_at.empty());
  CHECK(store.latest_run_of_kind(RunKind::ae)->id == a);
  CHECK(store.latest_run_of_kind(RunKind::disnet)->id == b);
  CHECK(!store.latest_run_of_kind(RunKind::disnet, true).has_value());
  CHECK(!store.latest_run_of_kind(RunKind::classifier).has_value());

  auto w = weights();
  store.save_checkpoint(a, "final", w);
  store.save_checkpoint(a, "epoch_1", {{"x", Tensor({1}, 9.0f)}});
  store.save_checkpoint(a, "epoch_1", {{"x", Tensor({1}, 10.0f)}});  // same tag replaces
  auto back = store.load_checkpoint(a, "final");
  REQUIRE(back.size() == 2);
  CHECK(back[0].name == "enc.weight");
  CHECK(back[0].value.shape() == Shape{16, 784});
  CHECK(std::memcmp(back[0].value.data(), w[0].value.data(), 16 * 784 * 4) == 0);
  CHECK(back[1].value[15] == 0.25f);
  CHECK(store.load_checkpoint(a, "epoch_1")[0].value[0] == 10.0f);
  auto ckpts = store.list_checkpoints(a);
  REQUIRE(ckpts.size() == 2);
  CHECK(ckpts[0].name == "final");
  CHECK(ckpts[0].bytes == static_cast<int64_t>(encode_tensors(w).size()));
  CHECK_THROWS_AS(store.load_checkpoint(a, "missing"), InputError);
  CHECK_THROWS_AS(store.load_checkpoint(b, "final"), InputError);

  const std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\0\x01\x02", 3);
  store.save_artefact(a, "recon.png", "png", bytes_of(png));
  store.save_text_artefact(a, "notes", "text", "hello");
  store.save_artefact(a, "empty", "bin", {});
  store.save_tensor_artefact(a, "codes", {{"codes", Tensor({3, 2}, 0.5f)}});
  auto art = store.load_artefact(a, "recon.png");
  CHECK(art.kind == "png");
  REQUIRE(art.data.size() == png.size());
  CHECK(std::memcmp(art.data.data(), png.data(), png.size()) == 0);
  CHECK(store.load_artefact(a, "empty").data.empty());
  auto notes = store.load_artefact(a, "notes");
  CHECK(std::string(reinterpret_cast<const char*>(notes.data.data()), notes.data.size()) ==
        "hello");
  CHECK(store.load_tensor_artefact(a, "codes")[0].value.shape() == Shape{3, 2});
  CHECK_THROWS_WITH(store.load_tensor_artefact(a, "recon.png"), Catch::Contains("not tensors"));
  CHECK(store.list_artefacts(a).size() == 4);

  // Deleting a run takes everything it owns with it, and nothing else.
  store.add_metric(b, 1, 0.1, "loss", 1.0);
  store.delete_run(a);
  CHECK(!store.has_run(a));
  CHECK(store.has_run(b));
  CHECK_THROWS_AS(store.get_run(a), InputError);
  CHECK_THROWS_AS(store.delete_run(a), InputError);
  RawDb raw(store.path());
  CHECK(raw.count("SELECT count(*) FROM metrics WHERE run_id = " + std::to_string(a)) == 0);
  CHECK(raw.count("SELECT count(*) FROM checkpoints") == 0);
  CHECK(raw.count("SELECT count(*) FROM artefacts") == 0);
  CHECK(raw.count("SELECT count(*) FROM metrics") == 1);
}

TEST_CASE("run store refuses bad calls with InputError", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  CHECK_THROWS_AS(store.create_run(RunKind::ae, "", {}), InputError);
  CHECK_THROWS_AS(store.add_metric(42, 1, 0, "loss", 1), InputError);
  CHECK_THROWS_AS(store.finish_run(42, RunStatus::finished, "", {}), InputError);
  int64_t id = store.create_run(RunKind::ae, "x", {});
  CHECK_THROWS_AS(store.finish_run(id, RunStatus::running, "", {}), InputError);
  CHECK_THROWS_AS(store.save_checkpoint(42, "final", {}), InputError);
  CHECK_THROWS_AS(store.save_artefact(id, "a", "", {}), InputError);
  CHECK_THROWS_AS(parse_run_status("exploded"), InputError);
  CHECK(parse_run_status("diverged") == RunStatus::diverged);
}

TEST_CASE("reopening the store keeps everything", "[runs]") {
  TempDir dir;
  auto path = dir.path / "runs.sqlite";
  int64_t id;
  {
    auto store = RunStore::open(path);
    id = store.create_run(RunKind::classifier, "judge", {{"seed", 7}});
    store.add_metric(id, 10, 1.0, "accuracy", 0.97);
    store.save_checkpoint(id, "final", weights());
    store.finish_run(id, RunStatus::diverged, "diverged at step 10: loss is nan", {});
  }
  auto store = RunStore::open(path);
  auto rec = store.get_run(id);
  CHECK(rec.summary.status == RunStatus::diverged);
  CHECK(rec.summary.message == "diverged at step 10: loss is nan");
  CHECK(rec.config["seed"] == 7);
  CHECK(rec.metrics.at("accuracy").values == std::vector<double>{0.97});
  CHECK(store.load_checkpoint(id, "final")[0].value.shape() == Shape{16, 784});
  RawDb raw(path);
  CHECK(raw.count("PRAGMA user_version") == kSchemaVersion);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(raw.db, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "wal");
  sqlite3_finalize(s);
}

TEST_CASE("a corrupted blob is detected by its checksum", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t id = store.create_run(RunKind::ae, "x", {});
  store.save_checkpoint(id, "final", weights());
  store.save_artefact(id, "fig.png", "png", bytes_of("\x89PNG not really an image"));
  {
    RawDb raw(store.path());
    raw.flip_blob_byte("checkpoints", "tag", "final", 1000);  // inside the weight data
    raw.flip_blob_byte("artefacts", "name", "fig.png", 3);
  }
  CHECK_THROWS_WITH(store.load_checkpoint(id, "final"),
                    Catch::Contains("checkpoint 'final'") && Catch::Contains("checksum mismatch"));
  CHECK_THROWS_WITH(store.load_artefact(id, "fig.png"), Catch::Contains("checksum mismatch"));
  CHECK_THROWS_AS(store.load_checkpoint(id, "final"), InputError);
  // A truncated blob (a different size from the recorded one) too.
  RawDb raw(store.path());
  raw.exec("UPDATE checkpoints SET blob = substr(blob, 1, 100)");
  CHECK_THROWS_WITH(store.load_checkpoint(id, "final"), Catch::Contains("corrupt"));
}

TEST_CASE("files that are not an aelab run store are refused by name", "[runs]") {
  TempDir dir;
  auto text = dir.path / "notes.txt";
  {
    std::ofstream f(text);
    for (int i = 0; i < 100; ++i) f << "this is not a database, it is a text file\n";
  }
  CHECK_THROWS_AS(RunStore::open(text), InputError);
  CHECK_THROWS_WITH(RunStore::open(text), Catch::Contains(text.string()));

  auto other = dir.path / "other.sqlite";
  { RawDb(other).exec("CREATE TABLE photos(id INTEGER PRIMARY KEY)"); }
  CHECK_THROWS_WITH(RunStore::open(other), Catch::Contains("not an aelab run store"));

  auto future = dir.path / "future.sqlite";
  { auto s = RunStore::open(future); }
  { RawDb(future).exec("PRAGMA user_version = 99"); }
  CHECK_THROWS_WITH(RunStore::open(future),
                    Catch::Contains("schema version 99") && Catch::Contains("newer"));

  CHECK_THROWS_AS(RunStore::open(dir.path), InputError);  // a directory
}

TEST_CASE("a failing batch leaves nothing behind", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t id = store.create_run(RunKind::ae, "x", {});
  store.add_metric(id, 0, 0, "loss", 1.0);
  std::vector<MetricPoint> batch;
  for (int i = 1; i <= 50; ++i) batch.push_back({i, 0.1 * i, "loss", 1.0 / i});
  batch.push_back({51, 5.1, "", 0.0});  // invalid: the 51st insert throws
  CHECK_THROWS_AS(store.add_metrics(id, batch), InputError);
  CHECK(store.metric_series(id, "loss").size() == 1);  // only the earlier, committed point
  // The store is still usable after the rollback.
  batch.pop_back();
  store.add_metrics(id, batch);
  CHECK(store.metric_series(id, "loss").size() == 51);
}

TEST_CASE("a writer thread and a reader thread on separate connections", "[runs]") {
  TempDir dir;
  auto path = dir.path / "runs.sqlite";
  int64_t id = RunStore::open(path).create_run(RunKind::ae, "live", {});
  constexpr int kBatches = 150, kPerBatch = 4;
  std::atomic<bool> done{false};
  std::atomic<int> reads{0};
  std::string reader_error;
  std::thread writer([&] {
    auto store = RunStore::open(path);
    for (int b = 0; b < kBatches; ++b) {
      std::vector<MetricPoint> batch;
      for (int k = 0; k < kPerBatch; ++k)
        batch.push_back({b * kPerBatch + k, b * 0.01, "loss", 1.0 / (1 + b)});
      store.add_metrics(id, batch);
      if (b % 10 == 0) store.save_checkpoint(id, "latest", {{"b", Tensor({1}, float(b))}});
    }
    store.finish_run(id, RunStatus::finished, "", {{"final_loss", 1.0 / kBatches}});
    done = true;
  });
  std::thread reader([&] {
    auto store = RunStore::open(path);
    size_t last = 0;
    while (!done) {
      auto n = store.metric_series(id, "loss").size();
      // Only whole batches are ever visible, and they never disappear.
      if (n % kPerBatch != 0 || n < last) {
        reader_error = "saw " + std::to_string(n) + " points after " + std::to_string(last);
        return;
      }
      last = n;
      (void)store.list_runs();
      ++reads;
    }
  });
  writer.join();
  reader.join();
  CHECK(reader_error.empty());
  CHECK(reads > 0);
  auto store = RunStore::open(path);
  CHECK(store.metric_series(id, "loss").size() == kBatches * kPerBatch);
  CHECK(store.get_run(id).summary.status == RunStatus::finished);
  CHECK(store.load_checkpoint(id, "latest")[0].value[0] == 140.0f);
}

TEST_CASE("runs left 'running' by a dead process are marked interrupted", "[runs]") {
  TempDir dir;
  auto path = dir.path / "runs.sqlite";
  auto store = RunStore::open(path);
  int64_t mine = store.create_run(RunKind::ae, "mine", {});
  int64_t gone = store.create_run(RunKind::ae, "gone", {});
  int64_t reused = store.create_run(RunKind::ae, "pid reused", {});
  int64_t done = store.create_run(RunKind::ae, "done", {});
  store.finish_run(done, RunStatus::finished, "", {});
  {
    RawDb raw(path);
    raw.exec("UPDATE runs SET owner = '2147483646:1' WHERE id = " + std::to_string(gone));
    // Our own pid with another start time: a process that died and whose pid we now hold.
    raw.exec("UPDATE runs SET owner = '" + std::to_string(::getpid()) +
             ":1' WHERE id = " + std::to_string(reused));
  }
  CHECK(store.mark_stale_runs() == 2);
  CHECK(store.get_run(mine).summary.status == RunStatus::running);
  CHECK(store.get_run(gone).summary.status == RunStatus::interrupted);
  CHECK_THAT(store.get_run(gone).summary.message, Catch::Contains("2147483646"));
  CHECK(store.get_run(reused).summary.status == RunStatus::interrupted);
  CHECK(store.get_run(done).summary.status == RunStatus::finished);
  CHECK(store.mark_stale_runs() == 0);
}

TEST_CASE("headline_result and resolve_runs_db", "[runs]") {
  using nlohmann::json;
  auto h = headline_result(json{{"epochs", 10}, {"test_l1", 0.07}, {"accuracy", 0.9}});
  REQUIRE(h);
  CHECK(h->first == "test_l1");
  CHECK(h->second == 0.07);
  h = headline_result(json{{"name", "x"}, {"zeta", 2}, {"beta", 1.5}});
  REQUIRE(h);
  CHECK(h->first == "beta");  // no preferred key: the alphabetically first number
  CHECK(!headline_result(json{{"name", "x"}}));
  CHECK(!headline_result(json()));
  CHECK(!headline_result(json::array({1, 2})));

  CHECK(resolve_runs_db("/a/r.sqlite", "/d") == fs::path("/a/r.sqlite"));
  CHECK(resolve_runs_db("", "/d") == fs::path("/d/runs.sqlite"));
  CHECK(resolve_runs_db("", "").filename() == "runs.sqlite");
}
