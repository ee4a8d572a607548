// Every trained kind resumes: a dis_net, a classifier and an autoencoder run stopped at an epoch's
// end or in the middle of an epoch (a checkpoint after every step) and resumed through
// train::resume_run end with the same weights and numbers as a run that went straight through.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "runs/metric_names.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/resume.hpp"
#include "train/train_test_util.hpp"

using namespace aelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

using test::run_job;
using test::stroke_dataset;
using test::TempDb;

using Work = std::function<void(train::JobContext&)>;

// Runs `work` and stops it (user cancel) once the job's progress passes `fraction`; returns the
// run id. A pause first, so that the checkpoint the test reads is the last one written.
int64_t train_and_stop(const Work& work, double fraction) {
  train::Job job("stop me", work);
  while (job.progress() < fraction && !train::is_terminal(job.state()))
    std::this_thread::sleep_for(100us);
  job.cancel();
  job.wait();
  REQUIRE(job.state() == train::JobState::cancelled);
  return job.info().get().at("run_id").get<int64_t>();
}

void require_same_tensors(const runs::NamedTensors& a, const runs::NamedTensors& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    REQUIRE(a[i].value.shape() == b[i].value.shape());
    int64_t differ = 0;
    for (int64_t k = 0; k < a[i].value.numel(); ++k) differ += a[i].value[k] != b[i].value[k];
    INFO("tensor " << i);
    REQUIRE(differ == 0);
  }
}

// Final weights, and every stored metric point, equal to the last bit.
void require_same_run(runs::RunStore& store, int64_t straight, int64_t resumed) {
  require_same_tensors(store.load_checkpoint(straight, runs::kFinalCheckpoint),
                       store.load_checkpoint(resumed, runs::kFinalCheckpoint));
  const auto names = store.metric_names(straight);
  REQUIRE(store.metric_names(resumed) == names);
  for (const std::string& m : names) {
    if (m == runs::metric::seconds) continue;  // wall time
    INFO("metric " << m);
    auto a = store.metric_series(straight, m), b = store.metric_series(resumed, m);
    REQUIRE(a.steps == b.steps);
    REQUIRE(a.values == b.values);
  }
  REQUIRE(store.get_summary(resumed).status == runs::RunStatus::finished);
  REQUIRE(!store.has_checkpoint(resumed, runs::kLastCheckpoint));
}

// Stops `work` at `fraction` of its steps, checks the kept checkpoint is where `mid_epoch` says,
// resumes through resume_run and compares with the straight run. Retries (a new run) the rare
// time the stop lands on the other side of an epoch boundary.
void stop_resume_compare(const Work& work, const data::Dataset& ds, const fs::path& db,
                         int64_t straight, double fraction, bool mid_epoch) {
  runs::RunStore store = runs::RunStore::open(db);
  for (int attempt = 0;; ++attempt) {
    REQUIRE(attempt < 5);
    const int64_t id = train_and_stop(work, fraction);
    const runs::RunSummary s = store.get_summary(id);
    REQUIRE(s.status == runs::RunStatus::cancelled);
    REQUIRE(runs::is_resumable(s));
    const nlohmann::json state = store.load_checkpoint_with_state(id, runs::kLastCheckpoint).state;
    if (state.contains("batch_position") != mid_epoch) continue;
    if (mid_epoch) REQUIRE(state.at("batch_position").get<int64_t>() > 0);
    train::ResumeTarget t = train::check_resume(store, id);
    REQUIRE(t.summary.id == id);
    train::ResumedRun r = run_job<train::ResumedRun>(
        [&](train::JobContext& ctx) { return train::resume_run(id, ds, db, ctx); });
    REQUIRE(r.kind == s.kind);
    require_same_run(store, straight, id);
    return;
  }
}

// A straight run of `train(config, ...)`, then the same config stopped at half its steps and
// resumed, once with the default checkpoint interval (it resumes from an epoch's end) and once
// with a checkpoint after every step (from mid-epoch).
template <class Result, class Config, class Train>
void resumes_like_straight(Config c, const data::Dataset& ds, Train train) {
  TempDb db;
  const Result straight =
      run_job<Result>([&](train::JobContext& ctx) { return train(c, ds, db.path, ctx); });
  const Work work = [&](train::JobContext& ctx) { (void)train(c, ds, db.path, ctx); };
  SECTION("at an epoch's end") {
    stop_resume_compare(work, ds, db.path, straight.run_id, 0.5, false);
  }
  SECTION("mid-epoch") {
    c.checkpoint_seconds = 0;
    stop_resume_compare(work, ds, db.path, straight.run_id, 0.5, true);
  }
}

}  // namespace

TEST_CASE("dis_net runs resume at an epoch's end and mid-epoch to the same numbers",
          "[train][resume][disnet]") {
  train::DisNetConfig c;
  c.epochs = 3;
  c.batch = 32;  // 16 digits clear and blurred: 6 steps an epoch
  c.threads = 1;
  resumes_like_straight<train::DisNetResult>(c, stroke_dataset(96, 32), train::train_disnet);
}

TEST_CASE("classifier runs resume at an epoch's end and mid-epoch to the same numbers",
          "[train][resume][classifier]") {
  train::ClassifierConfig c;
  c.epochs = 3;
  c.batch = 16;  // 6 steps an epoch; the cosine schedule and random shifts carry over
  c.threads = 1;
  resumes_like_straight<train::ClassifierResult>(c, stroke_dataset(96, 32),
                                                 train::train_classifier);
}

TEST_CASE("autoencoder runs resume mid-epoch to the same numbers, refinement included",
          "[train][resume]") {
  TempDb db;
  const data::Dataset ds = stroke_dataset(96, 32);
  train::AeTrainConfig c;
  c.model = {"mlp", 4};
  c.epochs = 2;
  c.batch = 16;  // 6 steps an epoch
  c.threads = 1;
  c.augment = {2.0, 10.0};
  c.checkpoint_seconds = 0;
  SECTION("reconstruction epochs") {
    const train::AeResult straight = run_job<train::AeResult>(
        [&](train::JobContext& ctx) { return train_autoencoder(c, ds, db.path, ctx); });
    const Work work = [&](train::JobContext& ctx) { train_autoencoder(c, ds, db.path, ctx); };
    stop_resume_compare(work, ds, db.path, straight.run_id, 0.6, true);
  }
  SECTION("inside cluster refinement") {
    c.cluster_epochs = 2;
    c.clusters = 3;
    const train::AeResult straight = run_job<train::AeResult>(
        [&](train::JobContext& ctx) { return train_autoencoder(c, ds, db.path, ctx); });
    const Work work = [&](train::JobContext& ctx) { train_autoencoder(c, ds, db.path, ctx); };
    stop_resume_compare(work, ds, db.path, straight.run_id, 0.6, true);
  }
}
