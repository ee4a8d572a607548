// Run kinds, unique and renameable names, the schema 1 -> 2 migration, epoch records with their
// checkpoint, the one-line summary and the "what can this run feed" predicates.
#include <sqlite3.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <thread>

#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "runs/run_text.hpp"
#include "runs/runs_test_util.hpp"

using namespace aelab;
using namespace aelab::runs;
namespace fs = std::filesystem;

namespace {

using test::TempDir;

// SQL on a second, raw connection: what an older aelab or a hand edit could do to the file.
int raw_exec_rc(const fs::path& db, const std::string& sql, std::string* msg = nullptr) {
  sqlite3* h = nullptr;
  if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) return -1;
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  if (msg) *msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  return rc;
}

void raw_exec(const fs::path& db, const std::string& sql) {
  std::string msg;
  int rc = raw_exec_rc(db, sql, &msg);
  INFO(msg);
  REQUIRE(rc == SQLITE_OK);
}

nlohmann::json ae_config(int latent = 16, double lr = 1e-3, int epochs = 50) {
  return {{"model", {{"preset", "mlp"}, {"latent", latent}}},
          {"loss", "l1"},
          {"optimizer", {{"name", "adam"}, {"lr", lr}}},
          {"epochs", epochs},
          {"cluster_epochs", 0},
          {"seed", 0},
          {"adversarial", "none"},
          {"lambda", 0.05}};
}

NamedTensors one_tensor(float v) {
  return {{"0", Tensor({3}, v)}};
}

}  // namespace

TEST_CASE("run kinds read back from their text and refuse unknown text", "[runs]") {
  for (RunKind k : kAllRunKinds) CHECK(parse_run_kind(to_string(k)) == k);
  CHECK(to_string(RunKind::adv_ae) == "adv_ae");
  CHECK_THROWS_AS(parse_run_kind("autoencoder"), InputError);
  CHECK_THROWS_WITH(parse_run_kind("x"), Catch::Contains("classifier"));
  CHECK(is_autoencoder(RunKind::adv_ae));
  CHECK(!is_autoencoder(RunKind::disnet));
}

TEST_CASE("the store makes run names unique", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t a = store.create_run(RunKind::ae, "mlp-L16-l1-s0", {});
  int64_t b = store.create_run(RunKind::ae, "mlp-L16-l1-s0", {});
  int64_t c = store.create_run(RunKind::disnet, "mlp-L16-l1-s0", {});
  CHECK(store.get_summary(a).name == "mlp-L16-l1-s0");
  CHECK(store.get_summary(b).name == "mlp-L16-l1-s0-2");
  CHECK(store.get_summary(c).name == "mlp-L16-l1-s0-3");
  // A freed name is taken again; a name that only looks like a suffixed one is its own base.
  // (A running run cannot be deleted: it is finished first.)
  store.finish_run(a, RunStatus::finished, "", {});
  store.delete_run(a);
  CHECK(store.get_summary(store.create_run(RunKind::ae, "mlp-L16-l1-s0", {})).name ==
        "mlp-L16-l1-s0");
  CHECK(store.get_summary(store.create_run(RunKind::ae, "mlp-L16-l1-s0-2", {})).name ==
        "mlp-L16-l1-s0-2-2");
}

TEST_CASE("runs created at once from two connections never share a name", "[runs]") {
  TempDir dir;
  auto path = dir.path / "runs.sqlite";
  { auto s = RunStore::open(path); }
  constexpr int kPerThread = 25;
  std::vector<int64_t> ids[2];
  std::thread t[2];
  for (int k = 0; k < 2; ++k)
    t[k] = std::thread([&, k] {
      auto store = RunStore::open(path);
      for (int i = 0; i < kPerThread; ++i)
        ids[k].push_back(store.create_run(RunKind::ae, "same", {}));
    });
  for (auto& th : t) th.join();
  auto store = RunStore::open(path);
  std::set<std::string> names;
  for (const auto& r : store.list_runs()) names.insert(r.name);
  CHECK(names.size() == 2 * kPerThread);
  CHECK(names.count("same") == 1);
  CHECK(names.count("same-" + std::to_string(2 * kPerThread)) == 1);
}

TEST_CASE("rename_run refuses empty, non-UTF-8, control-character and taken names", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t a = store.create_run(RunKind::ae, "first", {});
  int64_t b = store.create_run(RunKind::ae, "second", {});
  store.rename_run(a, "L16 baseline \xc3\xa9t\xc3\xa9");  // UTF-8 "été"
  CHECK(store.get_summary(a).name == "L16 baseline \xc3\xa9t\xc3\xa9");
  store.rename_run(a, "L16 baseline \xc3\xa9t\xc3\xa9");  // its own name again: fine
  CHECK_THROWS_WITH(store.rename_run(b, "L16 baseline \xc3\xa9t\xc3\xa9"),
                    Catch::Contains("already named"));
  CHECK_THROWS_AS(store.rename_run(b, ""), InputError);
  CHECK_THROWS_WITH(store.rename_run(b, "bad \xff\xfe\xc3"), Catch::Contains("not UTF-8"));
  CHECK_THROWS_WITH(store.rename_run(b, "two\nlines"), Catch::Contains("control"));
  CHECK_THROWS_AS(store.rename_run(b, "esc \x1b[31mred"), InputError);
  CHECK_THROWS_AS(store.rename_run(b, std::string(201, 'x')), InputError);
  CHECK_THROWS_AS(store.rename_run(999, "new"), InputError);
  CHECK_THROWS_AS(store.create_run(RunKind::ae, "tab\there", {}), InputError);
  CHECK(store.get_summary(b).name == "second");  // every refusal left it alone
}

TEST_CASE("stored text is printed with control characters and bad bytes escaped", "[runs]") {
  CHECK(is_valid_utf8("plain \xc3\xa9"));
  CHECK(!is_valid_utf8("\xff\xfe\xc3"));
  CHECK(!is_valid_utf8("\xc0\xaf"));      // overlong '/'
  CHECK(!is_valid_utf8("\xed\xa0\x80"));  // a surrogate
  CHECK(printable("a\x1b[31mb\n") == "a\\x1b[31mb\\x0a");
  CHECK(printable("ok \xc3\xa9 \xff") == "ok \xc3\xa9 \\xff");
  CHECK(printable("\xc2\x9b") == "\\xc2\\x9b");  // C1 control (CSI)
  CHECK(!has_control_chars("\xc3\xa9t\xc3\xa9"));
}

TEST_CASE("a schema 1 store migrates: names made unique, checkpoints get a state", "[runs]") {
  TempDir dir;
  auto path = dir.path / "old.sqlite";
  // The version 1 schema, as an older aelab wrote it, with three runs of one name, an empty name
  // and a name a suffix would collide with.
  raw_exec(path, R"sql(
    CREATE TABLE runs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
      config_json TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL, finished_at TEXT, result_json TEXT NOT NULL DEFAULT '{}',
      owner TEXT NOT NULL DEFAULT '');
    CREATE INDEX runs_by_kind ON runs(kind, id);
    CREATE TABLE metrics(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL, epoch REAL NOT NULL, name TEXT NOT NULL, value REAL);
    CREATE INDEX metrics_by_run ON metrics(run_id, name, step);
    CREATE TABLE checkpoints(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      tag TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'tensors', blob BLOB NOT NULL,
      checksum INTEGER NOT NULL, bytes INTEGER NOT NULL, created_at TEXT NOT NULL,
      PRIMARY KEY(run_id, tag));
    CREATE TABLE artefacts(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      name TEXT NOT NULL, kind TEXT NOT NULL, blob BLOB NOT NULL, checksum INTEGER NOT NULL,
      bytes INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY(run_id, name));
    INSERT INTO runs(id, kind, name, config_json, status, created_at) VALUES
      (1, 'ae', 'mlp-L16-l1', '{}', 'finished', '2024-01-01 00:00:00'),
      (2, 'ae', 'mlp-L16-l1', '{}', 'finished', '2024-01-01 00:00:00'),
      (3, 'ae', 'mlp-L16-l1-2', '{}', 'finished', '2024-01-01 00:00:00'),
      (4, 'ae', 'mlp-L16-l1', '{}', 'finished', '2024-01-01 00:00:00'),
      (5, 'disnet', '', '{}', 'finished', '2024-01-01 00:00:00');
    PRAGMA user_version = 1;
  )sql");
  auto store = RunStore::open(path);
  CHECK(store.get_summary(1).name == "mlp-L16-l1");
  CHECK(store.get_summary(2).name == "mlp-L16-l1-3");  // -2 belongs to run 3
  CHECK(store.get_summary(3).name == "mlp-L16-l1-2");
  CHECK(store.get_summary(4).name == "mlp-L16-l1-4");
  CHECK(store.get_summary(5).name == "run-5");
  CHECK(store.get_summary(5).kind == RunKind::disnet);
  // The new checkpoint state works on the migrated file, and the unique index holds.
  store.save_checkpoint(1, kLastCheckpoint, one_tensor(1), {{"epoch", 7}});
  CHECK(store.load_checkpoint_with_state(1, kLastCheckpoint).state["epoch"] == 7);
  CHECK(raw_exec_rc(path, "UPDATE runs SET name = 'mlp-L16-l1' WHERE id = 2") == SQLITE_CONSTRAINT);
  auto again = RunStore::open(path);  // and opens again without migrating twice
  CHECK(again.list_runs().size() == 5);
}

TEST_CASE("record_epoch writes metrics, checkpoint and message together", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t id = store.create_run(RunKind::ae, "x", ae_config());
  CHECK(store.get_summary(id).last_checkpoint_epoch == -1);
  std::vector<MetricPoint> points{{10, 1.0, "test_l1", 0.2}, {10, 1.0, "train_loss", 0.3}};
  NamedTensors ckpt = one_tensor(2.5f);
  EpochRecord rec;
  rec.points = points;
  rec.message = "epoch 1/50";
  rec.result = {{"epochs_done", 1}, {"test_l1", 0.2}};
  rec.checkpoint_tag = kLastCheckpoint;
  rec.checkpoint = &ckpt;
  rec.checkpoint_state = {{"epoch", 1}, {"rng", "state"}};
  store.record_epoch(id, rec);
  RunSummary s = store.get_summary(id);
  CHECK(s.message == "epoch 1/50");
  CHECK(s.epochs_done == 1);
  CHECK(s.last_checkpoint_epoch == 1);
  CHECK(store.metric_series(id, "test_l1").values == std::vector<double>{0.2});
  Checkpoint c = store.load_checkpoint_with_state(id, kLastCheckpoint);
  CHECK(c.tensors.at(0).value[2] == 2.5f);
  CHECK(c.state["rng"] == "state");
  // A failing epoch record (a nameless metric) leaves the previous epoch whole.
  std::vector<MetricPoint> bad{{20, 2.0, "test_l1", 0.1}, {20, 2.0, "", 0.0}};
  NamedTensors ckpt2 = one_tensor(9.0f);
  rec.points = bad;
  rec.message = "epoch 2/50";
  rec.checkpoint = &ckpt2;
  rec.checkpoint_state = {{"epoch", 2}};
  CHECK_THROWS_AS(store.record_epoch(id, rec), InputError);
  CHECK(store.get_summary(id).message == "epoch 1/50");
  CHECK(store.get_summary(id).last_checkpoint_epoch == 1);
  CHECK(store.load_checkpoint(id, kLastCheckpoint).at(0).value[0] == 2.5f);
  CHECK(store.metric_series(id, "test_l1").size() == 1);
  store.delete_checkpoint(id, kLastCheckpoint);
  CHECK(!store.has_checkpoint(id, kLastCheckpoint));
  store.delete_checkpoint(id, kLastCheckpoint);  // absent: no-op
}

TEST_CASE("a stale run's message names its last checkpointed epoch", "[runs]") {
  TempDir dir;
  auto path = dir.path / "runs.sqlite";
  auto store = RunStore::open(path);
  int64_t with = store.create_run(RunKind::ae, "with", ae_config());
  int64_t without = store.create_run(RunKind::ae, "without", ae_config());
  store.save_checkpoint(with, kLastCheckpoint, one_tensor(1), {{"epoch", 3}});
  raw_exec(path, "UPDATE runs SET owner = '2147483646:1'");
  CHECK(store.mark_stale_runs() == 2);
  RunSummary w = store.get_summary(with), wo = store.get_summary(without);
  CHECK(w.status == RunStatus::interrupted);
  CHECK_THAT(w.message, Catch::StartsWith("interrupted at epoch 3"));
  CHECK_THAT(wo.message, Catch::StartsWith("interrupted before its first epoch ended"));
  // Shown once, not "interrupted: interrupted at ...".
  CHECK_THAT(status_text(w), Catch::StartsWith("interrupted at epoch 3"));
  CHECK(status_text(w).find("interrupted", 1) == std::string::npos);
  CHECK(is_resumable(w));
  CHECK(is_resumable(wo));  // without a checkpoint it starts again from the beginning
  // A finished run is not, checkpoint or not.
  store.finish_run(without, RunStatus::finished, "", {});
  CHECK(!is_resumable(store.get_summary(without)));
}

TEST_CASE("summary_line names everything that tells runs apart", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t id = store.create_run(RunKind::ae, "mlp-L16-l1-s0", ae_config(16, 1e-3, 50));
  store.save_checkpoint(id, kFinalCheckpoint, one_tensor(0));
  store.save_tensor_artefact(id, kTestCodesArtefact, {{"codes", Tensor({4, 16}, 0.f)}});
  store.finish_run(id, RunStatus::finished, "", {{"epochs_done", 50}, {"test_l1", 0.049}});
  RunSummary s = store.list_runs().at(0);
  CHECK(summary_line(s) == "#" + std::to_string(id) +
                               " mlp-L16-l1-s0  ae mlp L16 l1  50 ep  lr 1e-3  seed 0  finished  "
                               "test_l1 0.0490");
  nlohmann::json f = summary_fields(s);
  CHECK(f["latent"] == 16);
  CHECK(f["epochs_done"] == 50);
  CHECK(f["headline"]["name"] == "test_l1");
  CHECK_FALSE(f.contains("dataset"));  // recorded before configs named it

  // The dataset, when recorded, tells runs of two datasets apart.
  nlohmann::json fashion = ae_config(16, 1e-3, 50);
  fashion["dataset"] = "fashion";
  const int64_t fid = store.create_run(RunKind::ae, "mlp-L16-l1-s0-f", fashion);
  CHECK_THAT(summary_line(store.get_summary(fid)),
             Catch::Contains("  ae mlp L16 l1 fashion  0/50 ep  lr 1e-3"));
  CHECK(summary_fields(store.get_summary(fid))["dataset"] == "fashion");

  // A run stopped part way, an adversarial one, and a name with an escape sequence.
  nlohmann::json adv = ae_config(2, 3e-4, 30);
  adv["adversarial"] = "frozen";
  int64_t a = store.create_run(RunKind::adv_ae, "adv", adv);
  store.update_run(a, "epoch 12/30", {{"epochs_done", 12}, {"test_l1", 0.1}});
  store.finish_run(a, RunStatus::cancelled, "cancelled at epoch 12",
                   {{"epochs_done", 12}, {"test_l1", 0.1}});
  std::string line = summary_line(store.get_summary(a));
  CHECK_THAT(line, Catch::Contains("adv_ae mlp L2 l1 frozen lambda 0.05  12/30 ep  lr 3e-4"));
  CHECK_THAT(line, Catch::Contains("cancelled at epoch 12"));
  CHECK(line.find("cancelled: cancelled") == std::string::npos);
  raw_exec(store.path(),
           "UPDATE runs SET name = 'evil' || char(27) || '[2J' WHERE id = " + std::to_string(a));
  CHECK_THAT(summary_line(store.get_summary(a)), Catch::Contains("evil\\x1b[2J"));

  // A run still in its first epoch has placeholder results: no headline until an epoch is done.
  int64_t fresh = store.create_run(RunKind::ae, "fresh", ae_config(16, 1e-3, 5));
  store.update_run(fresh, "epoch 1/5", {{"epochs_done", 0}, {"test_l1", 0.0}});
  CHECK(summary_line(store.get_summary(fresh)).find("test_l1") == std::string::npos);
  CHECK_FALSE(summary_fields(store.get_summary(fresh)).contains("headline"));
  store.update_run(fresh, "epoch 2/5", {{"epochs_done", 1}, {"test_l1", 0.2}});
  CHECK_THAT(summary_line(store.get_summary(fresh)), Catch::Contains("test_l1 0.2000"));
}

TEST_CASE("predicates offer each panel only the runs that can feed it", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  auto finished = [&](RunKind kind, const std::string& name, bool final_weights, bool codes) {
    int64_t id = store.create_run(kind, name, ae_config());
    if (final_weights) store.save_checkpoint(id, kFinalCheckpoint, one_tensor(0));
    if (codes) store.save_tensor_artefact(id, kTestCodesArtefact, {{"codes", Tensor({1, 2})}});
    store.finish_run(id, RunStatus::finished, "", {});
    return store.get_summary(id);
  };
  RunSummary ae = finished(RunKind::ae, "ae", true, true);
  RunSummary adv = finished(RunKind::adv_ae, "adv", true, true);
  RunSummary ae_no_codes = finished(RunKind::ae, "nocodes", true, false);
  RunSummary dis = finished(RunKind::disnet, "dis", true, false);
  RunSummary dis_no_weights = finished(RunKind::disnet, "dis0", false, false);
  RunSummary judge = finished(RunKind::classifier, "judge", true, false);
  int64_t running = store.create_run(RunKind::ae, "running", ae_config());
  store.save_checkpoint(running, kLastCheckpoint, one_tensor(0), {{"epoch", 1}});
  RunSummary run = store.get_summary(running);

  CHECK(is_autoencoder_with_codes(ae));
  CHECK(is_autoencoder_with_codes(adv));
  CHECK(!is_autoencoder_with_codes(ae_no_codes));
  CHECK(!is_autoencoder_with_codes(dis));
  CHECK(!is_autoencoder_with_codes(run));
  CHECK(is_finished_disnet(dis));
  CHECK(!is_finished_disnet(dis_no_weights));
  CHECK(!is_finished_disnet(judge));
  CHECK(is_finished_classifier(judge));
  CHECK(!is_finished_classifier(dis));
  CHECK(has_final_weights(ae_no_codes));
  CHECK(!has_final_weights(run));
  CHECK(!is_resumable(run));  // still running
  store.finish_run(running, RunStatus::cancelled, "cancelled at epoch 1", {});
  CHECK(is_resumable(store.get_summary(running)));
  CHECK(!is_resumable(ae));
  store.finish_run(running, RunStatus::diverged, "diverged at step 3: loss is nan", {});
  CHECK(!is_resumable(store.get_summary(running)));

  // Every status has its own label.
  std::set<std::string_view> labels;
  for (RunStatus st : {RunStatus::running, RunStatus::finished, RunStatus::cancelled,
                       RunStatus::interrupted, RunStatus::diverged, RunStatus::failed})
    labels.insert(status_label(st));
  CHECK(labels.size() == 6);
}

TEST_CASE("reopen_run makes a stopped run running again, once", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t id = store.create_run(RunKind::ae, "x", ae_config());
  CHECK_THROWS_WITH(store.reopen_run(id, "resumed"), Catch::Contains("is running"));
  store.finish_run(id, RunStatus::interrupted, "interrupted at epoch 2", {});
  store.reopen_run(id, "resumed at epoch 2");
  RunSummary s = store.get_summary(id);
  CHECK(s.status == RunStatus::running);
  CHECK(s.finished_at.empty());
  CHECK(store.mark_stale_runs() == 0);  // owned by this (live) process now
  CHECK_THROWS_AS(store.reopen_run(id, "again"), InputError);
  store.finish_run(id, RunStatus::finished, "", {});
  CHECK_THROWS_WITH(store.reopen_run(id, "x"), Catch::Contains("finished"));
  CHECK_THROWS_AS(store.reopen_run(12345, "x"), InputError);
}
