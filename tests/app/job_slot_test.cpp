// JobSlot: the hand-off of a worker's result to the UI thread (no display needed). Run under
// ThreadSanitizer by `bash scripts/test.sh --tsan`.
#include "app/job_slot.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/job_list.hpp"
#include "core/error.hpp"

using namespace aelab;
using namespace aelab::app;
using namespace std::chrono_literals;

namespace {

// The UI loop: poll once per "frame" until a result or an error arrives, or time runs out.
template <class R>
bool poll_until_arrived(JobSlot<R>& slot, JobList& jobs, std::chrono::milliseconds timeout = 5s) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    (void)jobs.update();
    if (slot.poll()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

}  // namespace

TEST_CASE("job slot: the result arrives on the polling thread with its inputs") {
  JobList jobs;
  JobSlot<std::vector<int>> slot;
  slot.start(jobs, "squares", "n 100", [](train::JobContext& ctx) {
    std::vector<int> v;
    for (int i = 0; i < 100; ++i) {
      ctx.checkpoint();
      ctx.report_progress(i / 100.0, "square " + std::to_string(i));
      v.push_back(i * i);
    }
    return v;
  });
  CHECK(slot.running());
  REQUIRE(poll_until_arrived(slot, jobs));
  CHECK_FALSE(slot.running());
  REQUIRE(slot.result() != nullptr);
  REQUIRE(slot.result()->size() == 100);
  CHECK((*slot.result())[99] == 9801);
  CHECK(slot.inputs() == "n 100");
  CHECK_FALSE(slot.stale("n 100"));
  CHECK(slot.stale("n 200"));
}

TEST_CASE("job slot: starting again cancels the old work, whose result never arrives") {
  JobList jobs;
  JobSlot<int> slot;
  std::atomic<bool> first_started{false};
  slot.start(jobs, "slow", "first", [&](train::JobContext& ctx) {
    first_started = true;
    for (;;) {  // until cancelled
      ctx.checkpoint();
      std::this_thread::sleep_for(100us);
    }
    return 1;
  });
  while (!first_started) std::this_thread::sleep_for(100us);
  const auto first_job = slot.job();
  slot.start(jobs, "fast", "second", [](train::JobContext&) { return 2; });
  REQUIRE(poll_until_arrived(slot, jobs));
  REQUIRE(slot.result() != nullptr);
  CHECK(*slot.result() == 2);
  CHECK(slot.inputs() == "second");
  // The first job ends as cancelled (it is joined when its last owner lets go).
  const auto until = std::chrono::steady_clock::now() + 5s;
  while (!train::is_terminal(first_job->state()) && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(1ms);
  CHECK(first_job->state() == train::JobState::cancelled);
}

TEST_CASE("job slot: a failure clears the result and says why, a cancel keeps it") {
  JobList jobs;
  JobSlot<int> slot;
  slot.start(jobs, "ok", "a", [](train::JobContext&) { return 7; });
  REQUIRE(poll_until_arrived(slot, jobs));
  REQUIRE(slot.result() != nullptr);

  slot.start(jobs, "bad", "b",
             [](train::JobContext&) -> int { throw InputError("no such run 12"); });
  REQUIRE(poll_until_arrived(slot, jobs));
  CHECK(slot.result() == nullptr);
  CHECK(slot.error().find("no such run 12") != std::string::npos);
  CHECK(slot.error_inputs() == "b");

  slot.start(jobs, "ok again", "c", [](train::JobContext&) { return 8; });
  REQUIRE(poll_until_arrived(slot, jobs));
  REQUIRE(slot.result() != nullptr);
  slot.start(jobs, "cancelled", "d", [](train::JobContext& ctx) {
    for (;;) {
      ctx.checkpoint();
      std::this_thread::sleep_for(100us);
    }
    return 9;
  });
  slot.cancel();
  CHECK_FALSE(slot.running());
  REQUIRE(slot.result() != nullptr);
  CHECK(*slot.result() == 8);
  CHECK(slot.inputs() == "c");
}

TEST_CASE("job slot: many restarts in a row hand over only the last result") {
  JobList jobs;
  JobSlot<std::string> slot;
  for (int i = 0; i < 40; ++i) {
    slot.start(jobs, "job " + std::to_string(i), std::to_string(i), [i](train::JobContext& ctx) {
      std::string s;
      for (int k = 0; k < 50; ++k) {
        ctx.checkpoint();
        ctx.report_progress(k / 50.0, "k " + std::to_string(k));
        s += static_cast<char>('a' + (i + k) % 26);
      }
      return s;
    });
    (void)jobs.update();  // the status bar reads every job while they run
    (void)slot.progress();
    (void)slot.status();
  }
  REQUIRE(poll_until_arrived(slot, jobs));
  REQUIRE(slot.result() != nullptr);
  CHECK(slot.inputs() == "39");
  std::string want;
  for (int k = 0; k < 50; ++k) want += static_cast<char>('a' + (39 + k) % 26);
  CHECK(*slot.result() == want);
}

TEST_CASE("job list: a job that has said nothing yet reads 'starting', never 'done'") {
  JobList jobs;
  JobSlot<int> slot;
  std::atomic<bool> go{false};
  slot.start(jobs, "quiet", "", [&](train::JobContext& ctx) {
    while (!go) std::this_thread::sleep_for(1ms);
    ctx.report_progress(0.5, "half way");
    return 1;
  });
  const auto& before = jobs.update();
  REQUIRE(before.size() == 1);
  CHECK(before[0].view.running);
  CHECK(before[0].view.line == "starting");
  go = true;
  REQUIRE(poll_until_arrived(slot, jobs));
  CHECK(jobs.update()[0].view.line == "done");
}

TEST_CASE("job list: a job that fails without a message reads 'failed', never an empty line") {
  JobList jobs;
  JobSlot<int> slot;
  slot.start(jobs, "mute", "", [](train::JobContext&) -> int { throw std::runtime_error(""); });
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (jobs.update()[0].view.running && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  const auto& after = jobs.update();
  REQUIRE(after.size() == 1);
  CHECK(after[0].view.failed);
  CHECK(after[0].view.line == "failed");
}
