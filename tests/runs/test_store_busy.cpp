// A busy store: a writer waits (and says so) while another connection holds the write lock for
// longer than the old 5 s timeout; readers are not held up; a running run cannot be deleted;
// status texts never repeat their status word.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "runs/runs_test_util.hpp"
#include "runs/store_wait.hpp"

using namespace aelab;
using namespace aelab::runs;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Another connection (what another aelab would be) holding the write lock for `hold_seconds`.
struct LockHolder {
  sqlite3* db = nullptr;
  std::thread thread;
  LockHolder(const fs::path& path, double hold_seconds) {
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE runs SET message = 'held' WHERE id = 1", nullptr, nullptr,
                         nullptr) == SQLITE_OK);
    thread = std::thread([this, hold_seconds] {
      std::this_thread::sleep_for(std::chrono::duration<double>(hold_seconds));
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    });
  }
  ~LockHolder() {
    thread.join();
    sqlite3_close(db);
  }
};

}  // namespace

TEST_CASE("a writer waits for a write lock held longer than 5 s, and says it waits", "[runs]") {
  test::TempDir dir;
  const auto path = dir.path / "runs.sqlite";
  auto store = RunStore::open(path);
  const int64_t id = store.create_run(RunKind::ae, "a", {});
  std::vector<StoreWait> heard;
  StoreWaitScope scope([&](const StoreWait& w) { heard.push_back(w); });

  const auto t0 = Clock::now();
  LockHolder holder(path, 7.0);
  // A reader meanwhile is not held up (WAL): it sees the last committed state.
  {
    auto reader = RunStore::open(path, OpenMode::read);
    const auto r0 = Clock::now();
    auto all = reader.list_runs();
    CHECK(seconds_since(r0) < 2.0);
    REQUIRE(all.size() == 1);
    CHECK(all[0].message.empty());
  }
  store.add_metric(id, 1, 1.0, "test_l1", 0.5);  // waits for the holder's commit
  const double waited = seconds_since(t0);
  CHECK(waited > 6.0);
  CHECK(store.metric_series(id, "test_l1").values == std::vector<double>{0.5});
  CHECK(store.get_summary(id).message == "held");  // the other writer's commit is kept

  REQUIRE(heard.size() >= 4);
  for (size_t i = 0; i + 1 < heard.size(); ++i) {
    CHECK(!heard[i].done);
    CHECK(heard[i].db == path);
    CHECK(heard[i].seconds >= 1.0);
    CHECK(heard[i + 1].seconds >= heard[i].seconds);
  }
  CHECK(heard.back().done);
  CHECK(heard.back().seconds > 5.0);
  CHECK_THAT(store_wait_text(heard.front()), Catch::StartsWith("waiting for the run store (1 s"));
}

TEST_CASE("without a listener of its own a thread uses the default one", "[runs]") {
  test::TempDir dir;
  const auto path = dir.path / "runs.sqlite";
  auto store = RunStore::open(path);
  store.create_run(RunKind::ae, "a", {});
  int heard_default = 0, heard_scope = 0;
  set_default_store_wait_listener([&](const StoreWait&) { ++heard_default; });
  {
    LockHolder holder(path, 2.5);
    store.set_note(1, "first");
  }
  CHECK(heard_default >= 2);  // at least one notice and the "done"
  {
    StoreWaitScope scope([&](const StoreWait&) { ++heard_scope; });
    const int before = heard_default;
    LockHolder holder(path, 2.5);
    store.set_note(1, "second");
    CHECK(heard_default == before);
  }
  CHECK(heard_scope >= 2);
  set_default_store_wait_listener(nullptr);
  CHECK(store.get_summary(1).note == "second");
}

TEST_CASE("a running run cannot be deleted but a finished or orphaned one can", "[runs]") {
  test::TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  const int64_t live = store.create_run(RunKind::ae, "live", {});  // owned by this process
  CHECK_THROWS_WITH(store.delete_run(live),
                    Catch::Contains("is running") && Catch::Contains("cancel it"));
  CHECK(store.has_run(live));
  store.finish_run(live, RunStatus::cancelled, "cancelled at epoch 0", {});
  store.delete_run(live);
  CHECK(!store.has_run(live));
  // 'running' but owned by a process that is gone: deleting it kills nothing.
  const int64_t orphan = store.create_run(RunKind::ae, "orphan", {});
  sqlite3_exec(store.handle(), "UPDATE runs SET owner = '999999999:1'", nullptr, nullptr, nullptr);
  store.delete_run(orphan);
  CHECK(!store.has_run(orphan));
  CHECK_THROWS_WITH(store.delete_run(orphan), Catch::Contains("no run with id"));
}

TEST_CASE("status texts never repeat the status word", "[runs]") {
  RunSummary r;
  r.status = RunStatus::interrupted;
  for (const char* message :
       {"interrupted at epoch 3 (its process 12 ended)",
        "interrupted: interrupted at epoch 3 (its process 12 ended)",
        "interrupted: interrupted: interrupted at epoch 3 (its process 12 ended)"}) {
    r.message = message;
    CHECK(status_text(r) == "interrupted at epoch 3 (its process 12 ended)");
  }
  r.status = RunStatus::failed;
  r.message = "failed: failed: disk full";
  CHECK(status_text(r) == "failed: disk full");
  r.message = "disk full";
  CHECK(status_text(r) == "failed: disk full");
  r.status = RunStatus::cancelled;
  r.message = "";
  CHECK(status_text(r) == "cancelled");
}
