// The run store through the binary when things around it go wrong: another process holding the
// write lock past the old 5 s timeout, a store in a directory the user cannot write, a full disk.
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "cli/cli_test_util.hpp"
#include "core/tensor.hpp"
#include "runs/run_store.hpp"

using aelab::test::lines;
using aelab::test::Out;
using aelab::test::Store;
namespace fs = std::filesystem;
namespace runs = aelab::runs;

namespace {

// A child process that takes the store's write lock, holds it `seconds`, then commits.
pid_t hold_write_lock(const fs::path& db, int seconds, const fs::path& ready) {
  pid_t pid = fork();
  if (pid == 0) {
    sqlite3* h = nullptr;
    if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) _exit(3);
    if (sqlite3_exec(h, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) _exit(4);
    std::ofstream(ready) << "locked\n";
    sleep(static_cast<unsigned>(seconds));
    sqlite3_exec(h, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    _exit(0);
  }
  for (int i = 0; i < 500 && !fs::exists(ready); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return pid;
}

void make_runs(const fs::path& db, int n, size_t floats_each) {
  auto store = runs::RunStore::open(db);
  for (int i = 0; i < n; ++i) {
    int64_t id = store.create_run(runs::RunKind::ae, "run", {{"seed", i}});
    if (floats_each)
      store.save_checkpoint(id, runs::kFinalCheckpoint,
                            {{"w", aelab::Tensor({static_cast<int64_t>(floats_each)}, 0.25f)}});
    store.finish_run(id, runs::RunStatus::finished, "", {{"test_l1", 0.1 * i}});
  }
}

}  // namespace

TEST_CASE("another process holding the write lock for 7 s: writers wait, readers do not") {
  Store s;
  make_runs(s.db(), 1, 0);
  const pid_t holder = hold_write_lock(s.db(), 7, s.dir / "ready");
  REQUIRE(fs::exists(s.dir / "ready"));
  const auto t0 = std::chrono::steady_clock::now();
  Out l = s.aelab("runs list");
  const double list_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  INFO(l.err);
  CHECK(l.code == 0);
  CHECK(list_seconds < 3.0);
  CHECK_THAT(l.out, Catch::Contains("#1 run"));
  Out t = s.aelab("runs tag 1 waited");  // the old store gave up after 5 s with exit 1
  INFO(t.err);
  CHECK(t.code == 0);
  CHECK(t.out == "run 1 tags: waited\n");
  int status = 0;
  waitpid(holder, &status, 0);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  // A training that meets the lock (at its start, in create_run) waits too, and is not killed.
  fs::remove(s.dir / "ready");
  const pid_t again = hold_write_lock(s.db(), 7, s.dir / "ready");
  Out tr = s.aelab("train ae --epochs 1 --limit 64 --latent 2 --threads 1");
  INFO(tr.err);
  CHECK(tr.code == 0);
  waitpid(again, &status, 0);
  Out l2 = s.aelab("runs list");
  CHECK_THAT(l2.out, Catch::Contains("#2 mlp-L2-l1-s0  ae mlp L2 l1 mnist-10k  1 ep"));
  CHECK_THAT(l2.out, Catch::Contains("finished"));
}

TEST_CASE("a store in a read-only directory still lists and shows its runs") {
  Store s;
  make_runs(s.db(), 2, 16);
  // As root, permission bits do not stop writes: run the reader as nobody instead.
  const bool root = ::geteuid() == 0;
  std::string as_reader;
  if (root) {
    as_reader = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
    if (std::system("command -v setpriv >/dev/null") != 0) {
      WARN("setpriv not found: the read-only directory test is skipped");
      return;
    }
  } else {
    fs::permissions(s.db(), fs::perms::owner_write, fs::perm_options::remove);
    fs::permissions(s.dir, fs::perms::owner_write, fs::perm_options::remove);
  }
  // Output goes to a file the reader can write (/tmp), not to the read-only store directory.
  const fs::path out = fs::temp_directory_path() / ("aelab_ro_" + std::to_string(::getpid()));
  auto run_as_reader = [&](const std::string& args) {
    std::string cmd = as_reader + "'" + AELAB_BINARY + "' --runs-db '" + s.db().string() + "' " +
                      args + " >'" + out.string() + ".out' 2>'" + out.string() + ".err'";
    int rc = std::system(cmd.c_str());
    Out o{WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, aelab::test::slurp(out.string() + ".out"),
          aelab::test::slurp(out.string() + ".err")};
    fs::remove(out.string() + ".out");
    fs::remove(out.string() + ".err");
    return o;
  };
  Out l = run_as_reader("runs list");
  INFO(l.err);
  CHECK(l.code == 0);
  CHECK(lines(l.out) == 2);
  CHECK_THAT(l.out, Catch::Contains("#2 run-2"));
  Out j = run_as_reader("runs show 1 --json");
  CHECK(j.code == 0);
  CHECK_THAT(j.out, Catch::Contains("\"checkpoints\""));
  Out w = run_as_reader("runs tag 1 x");  // a write is refused in one line
  INFO(w.err);
  CHECK(w.code == 2);
  CHECK(lines(w.err) == 1);
  if (!root) fs::permissions(s.dir, fs::perms::owner_all, fs::perm_options::add);
  CHECK(!fs::exists(s.db().string() + "-shm"));  // the reader left nothing behind
}

TEST_CASE("on a full disk runs delete still works (or says how to free space)") {
  Store s;
  const fs::path mnt = s.dir / "small";
  fs::create_directories(mnt);
  if (::geteuid() != 0 || ::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=12m") != 0) {
    WARN("cannot mount a tmpfs here: the full-disk test is skipped");
    return;
  }
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const fs::path db = mnt / "runs.sqlite";
  make_runs(db, 3, 256 * 1024);  // 1 MiB of weights each
  // Fill what is left of the disk.
  {
    std::ofstream fill(mnt / "filler", std::ios::binary);
    const std::string block(64 * 1024, 'x');
    while (fill.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  Out full = s.run("--runs-db '" + db.string() + "' runs tag 1 more");
  INFO(full.err);
  Out d = s.run("--runs-db '" + db.string() + "' runs delete 1");
  INFO(d.err);
  CHECK(d.code == 0);
  CHECK_THAT(d.out, Catch::Contains("deleted run 1"));
  Out l = s.run("--runs-db '" + db.string() + "' runs list");
  CHECK(l.code == 0);
  CHECK(lines(l.out) == 2);
  // A second delete on the still-full disk (the reserve is spent): it works, or it says what to do.
  Out d2 = s.run("--runs-db '" + db.string() + "' runs delete 2");
  INFO(d2.err);
  if (d2.code != 0) {
    CHECK(d2.code == 2);
    CHECK(lines(d2.err) == 1);
    CHECK_THAT(d2.err, Catch::Contains("free some space"));
  }
  // Once there is room again, the store is usable and keeps its reserve.
  fs::remove(mnt / "filler");
  Out t = s.run("--runs-db '" + db.string() + "' runs tag 3 after");
  INFO(t.err);
  CHECK(t.code == 0);
  CHECK(fs::exists(db.string() + ".reserve"));
}
