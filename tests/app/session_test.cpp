// Session: the run list the panels read, and how a run training in this window shows in it
// between two reads of the store (no display needed).
#include "app/session.hpp"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "runs/metric_names.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "train/job.hpp"

namespace fs = std::filesystem;
using namespace aelab;
using namespace std::chrono_literals;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("aelab_session_test_" + std::to_string(::getpid()));
  TempDir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

// Polls the session like the UI loop until `pred` holds (or 5 s pass).
template <class Pred>
bool poll_until(app::Session& s, Pred pred) {
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    s.poll();
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}
}  // namespace

TEST_CASE("a run training in the window shows its own epoch count between reads of the store") {
  TempDir dir;
  const fs::path db = dir.path / "runs.sqlite";
  int64_t id = 0;
  {
    auto store = runs::RunStore::open(db);
    id = store.create_run(runs::RunKind::ae, "live", {{"epochs", 8}});
    store.update_run(id, "epoch 0/8", {{"epochs_done", 0}, {"test_l1", 0.0}});  // placeholders
  }
  app::Session session;
  session.set_runs_db(db);
  REQUIRE(poll_until(session, [&] { return session.runs_listed(); }));
  REQUIRE(session.runs().size() == 1);
  CHECK(session.runs()[0].status == runs::RunStatus::running);
  CHECK(session.runs()[0].epochs_done == 0);  // the store has no epoch yet, and never will here

  // The job reports its run and three epochs' losses, then waits (as a training does) until told.
  std::atomic<bool> release{false};
  auto run = std::make_shared<app::LiveRun>();
  run->job = std::make_shared<train::Job>("train live", [&](train::JobContext& ctx) {
    ctx.publish_info({{"run_id", id}, {"epochs", 8}});
    for (int e = 1; e <= 3; ++e) {
      ctx.publish_metric({e * 10L, double(e), runs::metric::train_loss, 0.1});
      ctx.publish_metric({e * 10L, double(e), runs::metric::test_l1, 0.2 - 0.01 * e});
    }
    ctx.publish_metric({31, 3.2, runs::metric::train_l1, 0.1});  // a step's figure: not an epoch
    while (!release) ctx.checkpoint(), std::this_thread::sleep_for(1ms);
  });
  session.live.push_back(run);
  CHECK(poll_until(session, [&] { return session.runs()[0].epochs_done == 3; }));
  CHECK(run->epochs_done == 3);
  // ... with its result of epoch 3, not the list's placeholder ("test_l1 0.0000" beside 3/8 ep)
  CHECK(session.runs()[0].result["test_l1"].get<double>() == Approx(0.17));
  CHECK_THAT(runs::summary_line(session.runs()[0]),
             Catch::Contains("3/8 ep") && Catch::Contains("test_l1 0.1700"));
  // A fresh read of the store (which says 0) does not take the count back while the job runs.
  const uint64_t listed = session.runs_version();
  session.store_changed();
  REQUIRE(poll_until(session, [&] { return session.runs_version() > listed; }));
  CHECK(session.runs()[0].epochs_done == 3);
  release = true;
  run->job->wait();
}
