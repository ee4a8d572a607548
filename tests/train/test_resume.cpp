// Epoch checkpoints, stop reasons and resume: a run stopped after k epochs and resumed ends with
// the same weights and numbers as one that ran straight through (same seed, same threads).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "core/error.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "train/ae_trainer.hpp"
#include "train/train_test_util.hpp"

using namespace aelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using test::TempDb;
using test::tiny_dataset;

train::AeTrainConfig tiny_config(int epochs) {
  train::AeTrainConfig c;
  c.model = {"mlp", 4};
  c.epochs = epochs;
  c.batch = 32;
  c.threads = 1;
  c.optimizer.lr = 3e-3;
  return c;
}

template <class F>
train::AeResult in_job(F&& work) {
  train::AeResult result;
  train::Job job("test", [&](train::JobContext& ctx) { result = work(ctx); });
  job.wait();
  if (job.error()) std::rethrow_exception(job.error());
  return result;
}

train::AeResult train_straight(const train::AeTrainConfig& c, const data::Dataset& ds,
                               const fs::path& db) {
  return in_job([&](train::JobContext& ctx) { return train_autoencoder(c, ds, db, ctx); });
}

train::AeResult resume(int64_t id, const data::Dataset& ds, const fs::path& db) {
  return in_job([&](train::JobContext& ctx) { return resume_autoencoder(id, ds, db, ctx); });
}

// Starts a training and stops it (with `reason`) once at least `after` epochs are stored; returns
// the run id. The stop lands somewhere in a later epoch: where exactly does not matter, since a
// resume starts from the last epoch checkpoint.
int64_t train_and_stop(const train::AeTrainConfig& c, const data::Dataset& ds, const fs::path& db,
                       int after, train::StopReason reason) {
  train::Job job("stop me", [&](train::JobContext& ctx) { train_autoencoder(c, ds, db, ctx); });
  auto epochs_stored = [&] {
    nlohmann::json info = job.info().get();  // null until the trainer's first publish
    return info.is_object() ? info.value("epoch", 0) : 0;
  };
  while (epochs_stored() < after && !train::is_terminal(job.state()))
    std::this_thread::sleep_for(200us);
  job.cancel(reason);
  job.wait();
  REQUIRE(job.state() == train::JobState::cancelled);  // it was stopped, it did not finish
  REQUIRE(job.stop_reason() == reason);
  return job.info().get().at("run_id").get<int64_t>();
}

void require_same_weights(const runs::NamedTensors& a, const runs::NamedTensors& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].value.shape() == b[i].value.shape());
    int64_t differ = 0;
    for (int64_t k = 0; k < a[i].value.numel(); ++k) differ += a[i].value[k] != b[i].value[k];
    INFO("tensor " << i);
    REQUIRE(differ == 0);
  }
}

void require_same_run(runs::RunStore& store, const train::AeResult& straight,
                      const train::AeResult& resumed) {
  REQUIRE(resumed.epochs_done == straight.epochs_done);
  REQUIRE(resumed.steps == straight.steps);
  REQUIRE(resumed.test_l1 == straight.test_l1);
  REQUIRE(resumed.train_loss == straight.train_loss);
  require_same_weights(store.load_checkpoint(straight.run_id, runs::kFinalCheckpoint),
                       store.load_checkpoint(resumed.run_id, runs::kFinalCheckpoint));
  // The stored curve is whole: one point per epoch, the same values as the straight run's.
  auto a = store.metric_series(straight.run_id, runs::metric::test_l1);
  auto b = store.metric_series(resumed.run_id, runs::metric::test_l1);
  REQUIRE(a.values == b.values);
  REQUIRE(a.steps == b.steps);
}

}  // namespace

TEST_CASE("a cancelled run resumes to the same weights and numbers as a straight one",
          "[train][resume]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(128, 32);
  const train::AeTrainConfig c = tiny_config(40);
  train::AeResult straight = train_straight(c, ds, db.path);

  int64_t id = train_and_stop(c, ds, db.path, 2, train::StopReason::user);
  runs::RunStore store = runs::RunStore::open(db.path);
  runs::RunSummary s = store.get_summary(id);
  REQUIRE(s.status == runs::RunStatus::cancelled);
  REQUIRE(s.last_checkpoint_epoch >= 2);
  REQUIRE(s.last_checkpoint_epoch < c.epochs);
  REQUIRE(s.message == "cancelled at epoch " + std::to_string(s.last_checkpoint_epoch));
  REQUIRE(runs::is_resumable(s));
  REQUIRE(!s.has_final_weights);

  train::AeResult resumed = resume(id, ds, db.path);
  REQUIRE(resumed.run_id == id);
  require_same_run(store, straight, resumed);
  s = store.get_summary(id);
  REQUIRE(s.status == runs::RunStatus::finished);
  REQUIRE(s.has_final_weights);
  REQUIRE(s.has_test_codes);
  REQUIRE(!store.has_checkpoint(id, runs::kLastCheckpoint));  // a finished run keeps "final" only
  REQUIRE(!store.has_checkpoint(straight.run_id, runs::kLastCheckpoint));
}

TEST_CASE("a run stopped in its first epoch resumes from its start checkpoint",
          "[train][resume]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(4096, 32);
  const train::AeTrainConfig c = tiny_config(3);
  train::AeResult straight = train_straight(c, ds, db.path);

  // Paused at once, the trainer stops at its first batch: after the start checkpoint, before any
  // epoch's end.
  train::Job job("stop early", [&](train::JobContext& ctx) { train_autoencoder(c, ds, db.path, ctx); });
  job.pause();
  while (!job.info().get().is_object() && !train::is_terminal(job.state()))
    std::this_thread::sleep_for(200us);
  job.cancel(train::StopReason::user);
  job.wait();
  REQUIRE(job.state() == train::JobState::cancelled);
  const int64_t id = job.info().get().at("run_id").get<int64_t>();
  runs::RunStore store = runs::RunStore::open(db.path);
  runs::RunSummary s = store.get_summary(id);
  REQUIRE(s.status == runs::RunStatus::cancelled);
  REQUIRE(s.last_checkpoint_epoch == 0);
  REQUIRE(runs::is_resumable(s));
  train::AeResult resumed = resume(id, ds, db.path);
  require_same_run(store, straight, resumed);
}

TEST_CASE("a run killed before its start checkpoint starts again from the beginning when resumed",
          "[train][resume]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(64, 16);
  const train::AeTrainConfig c = tiny_config(2);
  const train::AeResult straight = train_straight(c, ds, db.path);
  runs::RunStore store = runs::RunStore::open(db.path);
  // What a kill between create_run and the start checkpoint leaves: a run with its config only.
  const int64_t early = store.create_run(runs::RunKind::ae, "early", train::to_json(c));
  store.finish_run(early, runs::RunStatus::interrupted, "interrupted before its first epoch ended",
                   {});
  runs::RunSummary s = store.get_summary(early);
  REQUIRE(s.last_checkpoint_epoch == -1);
  REQUIRE(runs::is_resumable(s));
  const train::AeResult resumed = resume(early, ds, db.path);
  CHECK(resumed.run_id == early);
  CHECK(store.get_summary(early).status == runs::RunStatus::finished);
  require_same_run(store, straight, resumed);
}

TEST_CASE("augmented cluster refinement resumes mid-refinement to the same numbers",
          "[train][resume][clustering]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(128, 32);
  train::AeTrainConfig c = tiny_config(2);
  c.augment = {2.0, 10.0};
  c.cluster_epochs = 30;
  c.clusters = 2;
  train::AeResult straight = train_straight(c, ds, db.path);
  int64_t id = train_and_stop(c, ds, db.path, 4, train::StopReason::user);
  runs::RunStore store = runs::RunStore::open(db.path);
  REQUIRE(store.get_summary(id).last_checkpoint_epoch > c.epochs);  // inside the refinement
  train::AeResult resumed = resume(id, ds, db.path);
  require_same_run(store, straight, resumed);
  REQUIRE(resumed.test_cluster_accuracy == straight.test_cluster_accuracy);
  REQUIRE(resumed.cluster_changes == straight.cluster_changes);
}

TEST_CASE("a quit keeps the run as interrupted at its last epoch, and it resumes",
          "[train][resume]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(128, 32);
  const train::AeTrainConfig c = tiny_config(30);
  int64_t id = train_and_stop(c, ds, db.path, 1, train::StopReason::quit);
  runs::RunStore store = runs::RunStore::open(db.path);
  runs::RunSummary s = store.get_summary(id);
  REQUIRE(s.status == runs::RunStatus::interrupted);
  REQUIRE(s.message == "interrupted at epoch " + std::to_string(s.last_checkpoint_epoch));
  REQUIRE(runs::status_text(s) == s.message);  // not "interrupted: interrupted at ..."
  REQUIRE(runs::is_resumable(s));
  train::AeResult resumed = resume(id, ds, db.path);
  REQUIRE(resumed.epochs_done == c.epochs);
  REQUIRE(store.get_summary(id).status == runs::RunStatus::finished);
}

TEST_CASE("a run whose process died resumes from its last epoch", "[train][resume]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(64, 16);
  const train::AeTrainConfig c = tiny_config(20);
  train::AeResult straight = train_straight(c, ds, db.path);
  int64_t id = train_and_stop(c, ds, db.path, 3, train::StopReason::user);
  {
    // What a kill -9 leaves: still 'running', owned by a process that is gone.
    runs::RunStore store = runs::RunStore::open(db.path);
    store.reopen_run(id, "epoch 3/20");
    const std::string sql =
        "UPDATE runs SET owner = '2147483646:1' WHERE id = " + std::to_string(id);
    REQUIRE(sqlite3_exec(store.handle(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  runs::RunStore store = runs::RunStore::open(db.path);  // open() marks it
  runs::RunSummary s = store.get_summary(id);
  REQUIRE(s.status == runs::RunStatus::interrupted);
  REQUIRE_THAT(s.message, Catch::StartsWith("interrupted at epoch " +
                                            std::to_string(s.last_checkpoint_epoch)));
  require_same_run(store, straight, resume(id, ds, db.path));
}

TEST_CASE("resume refuses finished, unknown, diverged, running and broken runs in one line",
          "[train][resume]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(64, 16);
  const train::AeTrainConfig c = tiny_config(30);
  train::AeResult done = train_straight(tiny_config(1), ds, db.path);
  runs::RunStore store = runs::RunStore::open(db.path);
  auto refused = [&](int64_t id, const std::string& why, const data::Dataset& d) {
    try {
      (void)resume(id, d, db.path);
      FAIL("resume of run " << id << " was not refused");
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains(why));
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  };
  refused(done.run_id, "finished", ds);
  CHECK_THROWS_WITH(train::check_resumable(store, done.run_id), Catch::Contains("finished"));
  refused(9999, "no run with id 9999", ds);

  int64_t id = train_and_stop(c, ds, db.path, 1, train::StopReason::user);
  const runs::RunSummary before = store.get_summary(id);
  // Another dataset than the one it trained on.
  refused(id, "not the ones it trained on", tiny_dataset(32, 16));
  // Non-finite weights in its checkpoint.
  runs::Checkpoint ckpt = store.load_checkpoint_with_state(id, runs::kLastCheckpoint);
  runs::Checkpoint broken = ckpt;
  broken.tensors.at(0).value[3] = std::numeric_limits<float>::infinity();
  store.save_checkpoint(id, runs::kLastCheckpoint, broken.tensors, broken.state);
  refused(id, "non-finite", ds);
  store.save_checkpoint(id, runs::kLastCheckpoint, ckpt.tensors, ckpt.state);
  // Refusals leave it as it was (cancelled, resumable).
  CHECK(store.get_summary(id).status == before.status);
  // Running (another resume of it is under way) and diverged runs.
  store.reopen_run(id, "resumed elsewhere");
  refused(id, "still running", ds);
  store.finish_run(id, runs::RunStatus::diverged, "diverged at step 40: loss is nan", {});
  refused(id, "diverged", ds);
  // A resumable run of another kind is not the autoencoder trainer's to continue.
  int64_t dis = store.create_run(runs::RunKind::disnet, "dis", {});
  store.save_checkpoint(dis, runs::kLastCheckpoint, ckpt.tensors, ckpt.state);
  store.finish_run(dis, runs::RunStatus::cancelled, "", {});
  refused(dis, "not an autoencoder", ds);
}

TEST_CASE("default names carry the seed and the store keeps them apart", "[train]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(32, 16);
  train::AeTrainConfig c = tiny_config(1);
  c.seed = 7;
  CHECK(train::default_run_name(c) == "mlp-L4-l1-s7");
  train::AeResult a = train_straight(c, ds, db.path);
  train::AeResult b = train_straight(c, ds, db.path);
  CHECK(a.name == "mlp-L4-l1-s7");
  CHECK(b.name == "mlp-L4-l1-s7-2");
  runs::RunStore store = runs::RunStore::open(db.path);
  CHECK(store.get_summary(b.run_id).name == b.name);
}

TEST_CASE("a job named after its run takes the name the store made unique", "[train][job]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(32, 16);
  train::AeTrainConfig c = tiny_config(1);
  c.seed = 7;
  (void)train_straight(c, ds, db.path);  // takes "mlp-L4-l1-s7"
  const auto job_named = [&](const std::string& label) {
    train::Job job(label,
                   [&](train::JobContext& ctx) { (void)train_autoencoder(c, ds, db.path, ctx); });
    job.wait();
    REQUIRE(job.state() == train::JobState::finished);
    return job.name();
  };
  CHECK(job_named("train mlp-L4-l1-s7") == "train mlp-L4-l1-s7-2");
  CHECK(job_named("train (b) mlp-L4-l1-s7") == "train (b) mlp-L4-l1-s7-3");
  // Only a whole last word is the run's name: other labels stay as they were.
  CHECK(job_named("train xmlp-L4-l1-s7") == "train xmlp-L4-l1-s7");
  CHECK(job_named("train dis_net blur 1.0") == "train dis_net blur 1.0");
}

TEST_CASE("a training job's info carries its run's name as the store made it", "[train][job]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(32, 16);
  train::AeTrainConfig c = tiny_config(1);
  c.seed = 8;
  (void)train_straight(c, ds, db.path);  // takes "mlp-L4-l1-s8"
  // A label that does not end in the run's name: the window reads the name from the info.
  train::Job job("train (b) " + train::default_run_name(c),
                 [&](train::JobContext& ctx) { (void)train_autoencoder(c, ds, db.path, ctx); });
  job.wait();
  REQUIRE(job.state() == train::JobState::finished);
  const nlohmann::json info = job.info().get();
  REQUIRE(info.contains("run_name"));
  CHECK(info["run_name"] == "mlp-L4-l1-s8-2");
  CHECK(info["run_name"] == runs::RunStore::open(db.path).get_summary(info["run_id"]).name);
}
