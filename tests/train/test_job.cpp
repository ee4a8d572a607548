// Job: the state machine, pause/resume/cancel, requests, failure, publishing, and clean teardown.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "core/error.hpp"
#include "train/job.hpp"

using namespace aelab;
using namespace aelab::train;
using namespace std::chrono_literals;

namespace {

// Polls `pred` until it holds or `timeout` passes; returns whether it held.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds timeout = 3000ms) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return pred();
}

// Work that runs until cancelled, one checkpoint per ~0.2 ms.
void endless(JobContext& ctx) {
  for (long i = 0;; ++i) {
    ctx.checkpoint();
    ctx.report_progress(0.5, "step " + std::to_string(i));
    std::this_thread::sleep_for(200us);
  }
}

}  // namespace

TEST_CASE("a job runs to the end and its progress reaches 1", "[job]") {
  constexpr int kSteps = 200;
  std::atomic<int> done_steps{0};
  Job job("count", [&](JobContext& ctx) {
    for (int i = 1; i <= kSteps; ++i) {
      ctx.checkpoint();
      ctx.report_progress(double(i) / kSteps,
                          "step " + std::to_string(i) + "/" + std::to_string(kSteps));
      done_steps = i;
    }
  });
  job.wait();
  CHECK(job.state() == JobState::finished);
  CHECK(job.progress() == 1.0);
  CHECK(job.status_line() == "step 200/200");
  CHECK(done_steps == kSteps);
  CHECK(job.checkpoint_count() == kSteps);
  CHECK(job.error_message().empty());
  CHECK(!job.error());
  CHECK(job.elapsed_seconds() >= 0.0);
  CHECK(job.wait_for(0ms));
}

TEST_CASE("pause really stops the work and resume continues it", "[job]") {
  constexpr int kSteps = 400;
  Job job("pausable", [&](JobContext& ctx) {
    for (int i = 1; i <= kSteps; ++i) {
      ctx.checkpoint();
      ctx.report_progress(double(i) / kSteps);
      std::this_thread::sleep_for(200us);
    }
  });
  REQUIRE(eventually([&] { return job.checkpoint_count() > 20; }));
  job.pause();
  CHECK(job.pause_requested());
  REQUIRE(eventually([&] { return job.state() == JobState::paused; }));
  const long at_pause = job.checkpoint_count();
  const double progress_at_pause = job.progress();
  CHECK(progress_at_pause == double(at_pause - 1) / kSteps);  // blocked inside checkpoint at_pause
  CHECK(!job.wait_for(100ms));                                // paused is not terminal...
  CHECK(job.checkpoint_count() == at_pause);  // ...and nothing moved in those 100 ms
  CHECK(job.progress() == progress_at_pause);
  CHECK(job.state() == JobState::paused);

  job.resume();
  CHECK(eventually([&] { return job.checkpoint_count() > at_pause + 10; }));
  job.wait();
  CHECK(job.state() == JobState::finished);
  CHECK(job.checkpoint_count() == kSteps);
}

TEST_CASE("cancel ends a running or paused job quickly", "[job]") {
  SECTION("running") {
    Job job("endless", endless);
    REQUIRE(eventually([&] { return job.checkpoint_count() > 10; }));
    auto t0 = std::chrono::steady_clock::now();
    job.cancel();
    REQUIRE(job.wait_for(2000ms));
    CHECK(std::chrono::steady_clock::now() - t0 < 200ms);
    CHECK(job.state() == JobState::cancelled);
    CHECK(job.status_line() == "cancelled");
    CHECK(job.error_message().empty());
  }
  SECTION("paused") {
    Job job("endless", endless);
    job.pause();
    REQUIRE(eventually([&] { return job.state() == JobState::paused; }));
    job.cancel();
    REQUIRE(job.wait_for(2000ms));
    CHECK(job.state() == JobState::cancelled);
  }
  SECTION("never started") {
    bool ran = false;
    Job job(
        "deferred", [&](JobContext&) { ran = true; }, false);
    CHECK(job.state() == JobState::queued);
    job.cancel();
    CHECK(job.state() == JobState::cancelled);
    job.start();  // too late: nothing runs
    CHECK(job.wait_for(100ms));
    CHECK(!ran);
  }
}

TEST_CASE("a deferred job starts on start()", "[job]") {
  std::atomic<bool> ran{false};
  Job job(
      "deferred", [&](JobContext&) { ran = true; }, false);
  std::this_thread::sleep_for(20ms);
  CHECK(job.state() == JobState::queued);
  CHECK(!ran);
  job.start();
  job.wait();
  CHECK(ran);
  CHECK(job.state() == JobState::finished);
}

TEST_CASE("an exception ends the job as failed with its message", "[job]") {
  Job job("diverging", [](JobContext& ctx) {
    for (long step = 0; step < 100; ++step) {
      ctx.checkpoint();
      if (step == 17) throw DivergedError("diverged at step 17: loss is nan", step);
    }
  });
  job.wait();
  CHECK(job.state() == JobState::failed);
  CHECK(job.error_message() == "diverged at step 17: loss is nan");
  CHECK(job.status_line() == "failed: diverged at step 17: loss is nan");
  CHECK(job.checkpoint_count() == 18);
  REQUIRE(job.error());
  try {
    std::rethrow_exception(job.error());
  } catch (const DivergedError& e) {
    CHECK(e.step() == 17);
  }

  Job odd("odd", [](JobContext&) { throw 42; });
  odd.wait();
  CHECK(odd.state() == JobState::failed);
  CHECK_THAT(odd.error_message(), Catch::Contains("unknown error"));
}

TEST_CASE("lr and parameter requests are delivered once, latest value wins", "[job]") {
  std::mutex m;
  std::vector<double> lrs, lambdas;
  Job job("trainer", [&](JobContext& ctx) {
    for (;;) {
      ctx.checkpoint();
      auto lr = ctx.take_lr_request();
      auto lambda = ctx.take_param_request("lambda");
      std::lock_guard lock(m);
      if (lr) lrs.push_back(*lr);
      if (lambda) lambdas.push_back(*lambda);
    }
  });
  // Queue while paused, so all requests are pending together when the work takes them.
  job.pause();
  REQUIRE(eventually([&] { return job.state() == JobState::paused; }));
  job.set_lr(0.1);
  job.set_lr(0.05);
  job.request_param("lambda", 0.5);
  job.resume();
  const long c = job.checkpoint_count();
  REQUIRE(eventually([&] { return job.checkpoint_count() > c + 50; }));
  job.set_lr(1e-4);
  REQUIRE(eventually([&] {
    std::lock_guard lock(m);
    return lrs.size() == 2;
  }));
  job.cancel();
  job.wait();
  CHECK(lrs == std::vector<double>{0.05, 1e-4});
  CHECK(lambdas == std::vector<double>{0.5});
}

TEST_CASE("Published copies only when the version changed", "[job]") {
  Published<std::vector<int>> p;
  std::vector<int> out{-1};
  uint64_t seen = 0;
  CHECK(p.version() == 0);
  CHECK(!p.copy_if_newer(out, seen));
  CHECK(out == std::vector<int>{-1});  // untouched

  p.publish({1, 2, 3});
  CHECK(p.version() == 1);
  CHECK(p.copy_if_newer(out, seen));
  CHECK(out == std::vector<int>{1, 2, 3});
  CHECK(seen == 1);
  CHECK(!p.copy_if_newer(out, seen));

  p.publish({4});
  p.update([](std::vector<int>& v) { v.push_back(5); });
  CHECK(p.version() == 3);
  CHECK(p.copy_if_newer(out, seen));
  CHECK(out == std::vector<int>{4, 5});  // only the latest value, not the history
  CHECK(seen == 3);
  CHECK(p.get() == std::vector<int>{4, 5});
}

TEST_CASE("a job's snapshot and metric feed are read whole from another thread", "[job]") {
  constexpr int kVersions = 300;
  Job job("publisher", [](JobContext& ctx) {
    for (int k = 1; k <= kVersions; ++k) {
      ctx.checkpoint();
      // Every element of version k is k: a torn copy would mix values.
      ctx.publish_snapshot({Tensor({64, 64}, float(k)), Tensor({8}, float(k))});
      ctx.publish_metric({k, 0.0, "loss", 1.0 / k});
      ctx.publish_info({{"step", k}});
    }
  });
  std::vector<Tensor> w;
  uint64_t seen = 0, last_seen = 0;
  size_t metrics_seen = 0;
  std::vector<runs::MetricPoint> points;
  int copies = 0;
  bool torn = false, out_of_order = false;
  auto poll = [&] {
    if (job.snapshot().copy_if_newer(w, seen)) {
      ++copies;
      if (seen <= last_seen) out_of_order = true;
      last_seen = seen;
      float k = w.at(0)[0];
      for (float x : w[0].span()) torn |= x != k;
      for (float x : w[1].span()) torn |= x != k;
      torn |= static_cast<uint64_t>(k) != seen;  // version k holds the k-th publish
    }
    job.metrics().copy_since(metrics_seen, points);
  };
  while (!is_terminal(job.state())) poll();
  poll();
  CHECK(job.state() == JobState::finished);
  CHECK(!torn);
  CHECK(!out_of_order);
  CHECK(copies >= 1);
  CHECK(seen == kVersions);
  REQUIRE(points.size() == kVersions);
  for (int k = 1; k <= kVersions; ++k) CHECK(points[k - 1].step == k);
  CHECK(job.metrics().copy_since(metrics_seen, points) == 0);
  CHECK(job.info().get()["step"] == kVersions);
}

TEST_CASE("destroying a running or paused job cancels and joins it", "[job]") {
  for (bool paused : {false, true}) {
    auto exited = std::make_shared<std::atomic<bool>>(false);
    auto job = std::make_unique<Job>("doomed", [exited](JobContext& ctx) {
      struct OnExit {
        std::shared_ptr<std::atomic<bool>> flag;
        ~OnExit() { *flag = true; }
      } on_exit{exited};
      endless(ctx);
    });
    REQUIRE(eventually([&] { return job->checkpoint_count() > 5; }));
    if (paused) {
      job->pause();
      REQUIRE(eventually([&] { return job->state() == JobState::paused; }));
    }
    auto t0 = std::chrono::steady_clock::now();
    job.reset();
    CHECK(*exited);  // the work had ended (unwound) before the destructor returned
    CHECK(std::chrono::steady_clock::now() - t0 < 500ms);
  }
}

TEST_CASE("a stop carries its reason: user cancel or quit, the first one counts", "[job]") {
  for (StopReason reason : {StopReason::user, StopReason::quit}) {
    std::atomic<int> seen{-1};
    Job job("stop", [&](JobContext& ctx) {
      try {
        endless(ctx);
      } catch (const JobCancelled& e) {
        seen = static_cast<int>(e.reason());
        throw;
      }
    });
    REQUIRE(eventually([&] { return job.checkpoint_count() > 3; }));
    job.cancel(reason);
    job.cancel(reason == StopReason::user ? StopReason::quit : StopReason::user);  // ignored
    job.wait();
    CHECK(job.state() == JobState::cancelled);
    CHECK(job.stop_reason() == reason);
    CHECK(seen == static_cast<int>(reason));
    CHECK(job.status_line() == (reason == StopReason::quit ? "stopped" : "cancelled"));
  }
  CHECK(to_string(StopReason::quit) == "quit");
}

TEST_CASE("destroying a running job stops it as a quit", "[job]") {
  auto seen = std::make_shared<std::atomic<int>>(-1);
  auto job = std::make_unique<Job>("doomed", [seen](JobContext& ctx) {
    try {
      endless(ctx);
    } catch (const JobCancelled& e) {
      *seen = static_cast<int>(e.reason());
      throw;
    }
  });
  REQUIRE(eventually([&] { return job->checkpoint_count() > 3; }));
  job.reset();
  CHECK(*seen == static_cast<int>(StopReason::quit));
}
