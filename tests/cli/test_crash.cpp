// Crash test: `aelab train ae` (a subprocess on mnist-10k, 64 samples a split, a checkpoint every
// step) killed with SIGKILL at random points, half of them for certain inside a checkpoint's
// transaction (AELAB_TEST_CHECKPOINT_PAUSE_MS). After every kill: PRAGMA integrity_check is ok,
// every run finished earlier is byte for byte what it was, the killed run is "interrupted at
// epoch E" and `aelab train resume` finishes it with the final weights of a run that was never
// killed. AELAB_CRASH_KILLS sets the number of kills (scripts/crash_test.sh: 50); the figures are
// printed on stdout.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir = fs::temp_directory_path() / ("aelab_crash_" + std::to_string(::getpid()));
  TempDir() { fs::create_directories(dir); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

// A child aelab with stdout to /dev/null and stderr to a pipe we read.
struct Child {
  pid_t pid = -1;
  int err = -1;
  std::string err_text;
  // Reads stderr until `text` has appeared `times` times; false at EOF (the child ended).
  bool wait_for(const std::string& text, int times) {
    auto count = [&] {
      int n = 0;
      for (size_t at = err_text.find(text); at != std::string::npos;
           at = err_text.find(text, at + 1))
        ++n;
      return n;
    };
    char buf[4096];
    while (count() < times) {
      const ssize_t got = ::read(err, buf, sizeof buf);
      if (got <= 0) return false;
      err_text.append(buf, size_t(got));
    }
    return true;
  }
  // Waits for the end; the exit code, or 128 + signal.
  int finish() {
    char buf[4096];
    for (ssize_t got; (got = ::read(err, buf, sizeof buf)) > 0;) err_text.append(buf, size_t(got));
    ::close(err);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  }
};

Child spawn(const std::vector<std::string>& args, long pause_ms) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::vector<std::string> all{AELAB_BINARY};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(fds[1], 2);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::close(fds[0]);
    ::close(fds[1]);
    if (pause_ms > 0)
      ::setenv("AELAB_TEST_CHECKPOINT_PAUSE_MS", std::to_string(pause_ms).c_str(), 1);
    else
      ::unsetenv("AELAB_TEST_CHECKPOINT_PAUSE_MS");
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  return {pid, fds[0], {}};
}

int run(const std::vector<std::string>& args, std::string* err = nullptr) {
  Child c = spawn(args, 0);
  const int code = c.finish();
  if (err) *err = c.err_text;
  return code;
}

// Everything stored about one run, as one byte string: its row, metrics, checkpoints, artefacts.
std::string run_bytes(sqlite3* db, long long id) {
  std::string out;
  const std::string sid = std::to_string(id);
  for (const std::string& sql :
       {"SELECT kind, name, config_json, status, message, created_at, finished_at, result_json "
        "FROM runs WHERE id = " +
            sid,
        "SELECT step, epoch, name, quote(value) FROM metrics WHERE run_id = " + sid +
            " ORDER BY rowid",
        "SELECT tag, kind, hex(blob), checksum FROM checkpoints WHERE run_id = " + sid +
            " ORDER BY tag",
        "SELECT name, kind, hex(blob), checksum FROM artefacts WHERE run_id = " + sid +
            " ORDER BY name"}) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        out += t ? reinterpret_cast<const char*>(t) : "<null>";
        out += '\x1f';
      }
    sqlite3_finalize(st);
    out += '\x1e';
  }
  return out;
}

std::vector<std::vector<std::string>> query(sqlite3* db, const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  return rows;
}

struct Db {
  sqlite3* db = nullptr;
  explicit Db(const fs::path& p) {
    REQUIRE(sqlite3_open_v2(p.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
  }
  ~Db() { sqlite3_close(db); }
};

}  // namespace

TEST_CASE("crash: SIGKILL during training, in and out of checkpoint writes, loses nothing") {
  const char* kills_env = std::getenv("AELAB_CRASH_KILLS");
  const int kills_wanted = kills_env ? std::atoi(kills_env) : 6;
  const char* seed_env = std::getenv("AELAB_CRASH_SEED");
  const unsigned seed = seed_env ? unsigned(std::atoi(seed_env)) : 13u;
  TempDir tmp;
  const std::string db = (tmp.dir / "runs.sqlite").string();
  auto train_args = [&](const std::string& name) {
    return std::vector<std::string>{"--runs-db",
                                    db,
                                    "train",
                                    "ae",
                                    "--epochs",
                                    "3",
                                    "--limit",
                                    "64",
                                    "--latent",
                                    "4",
                                    "--batch",
                                    "16",
                                    "--threads",
                                    "1",
                                    "--name",
                                    name,
                                    "--checkpoint-seconds",
                                    "0"};
  };
  // The reference: never killed. Every resumed run must end with its weights.
  std::string err;
  REQUIRE(run(train_args("reference"), &err) == 0);
  INFO(err);
  std::map<long long, std::string> finished;  // id -> its bytes
  std::string reference_weights;
  {
    Db d(db);
    const auto rows = query(d.db, "SELECT id FROM runs");
    REQUIRE(rows.size() == 1);
    finished[std::stoll(rows[0][0])] = run_bytes(d.db, std::stoll(rows[0][0]));
    reference_weights =
        query(d.db, "SELECT hex(blob) FROM checkpoints WHERE tag = 'final'").at(0).at(0);
  }

  std::mt19937 rng(seed);
  int kills = 0, integrity_errors = 0, damaged = 0, resumed = 0, before_run = 0,
      before_checkpoint = 0, in_write = 0, other = 0, finished_first = 0;
  for (int i = 0; kills < kills_wanted && i < 4 * kills_wanted; ++i) {
    const std::string name = "crash-" + std::to_string(i);
    const bool inside_write = i % 2 == 1;
    Child c = spawn(train_args(name), inside_write ? 120 : 0);
    if (inside_write) {
      // The k-th checkpoint write (12 steps: 12 mid-epoch and 3 epoch checkpoints).
      const int k = 1 + int(rng() % 8);
      if (!c.wait_for("inside a checkpoint write", k)) {
        c.finish();
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 100));  // < the pause
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 1500));
    }
    ::kill(c.pid, SIGKILL);
    if (c.finish() != 128 + SIGKILL) continue;  // it had finished already: not a kill
    ++kills;
    in_write += inside_write;

    // open() marks the dead process's run interrupted (a read-write open, as every aelab does).
    REQUIRE(run({"--runs-db", db, "runs", "list"}) == 0);
    Db d(db);
    const auto check = query(d.db, "PRAGMA integrity_check");
    if (check.size() != 1 || check[0][0] != "ok") ++integrity_errors;
    for (const auto& [id, bytes] : finished)
      if (run_bytes(d.db, id) != bytes) ++damaged;
    const auto killed =
        query(d.db, "SELECT id, status, message FROM runs WHERE name = '" + name + "'");
    if (killed.empty()) {  // killed while starting, before it recorded its run: nothing to lose
      ++before_run;
      continue;
    }
    const long long id = std::stoll(killed[0][0]);
    INFO(name << ": " << killed[0][1] << " / " << killed[0][2]);
    if (killed[0][1] == "finished") {  // the kill landed after its last write, before its exit
      const auto w = query(d.db, "SELECT hex(blob) FROM checkpoints WHERE tag = 'final' AND "
                                 "run_id = " + std::to_string(id));
      CHECK((w.size() == 1 && w[0][0] == reference_weights));
      ++finished_first;
      finished[id] = run_bytes(d.db, id);
      continue;
    }
    CHECK(killed[0][1] == "interrupted");
    // Killed before its start checkpoint committed: resumed, it starts again from the beginning.
    const bool no_checkpoint =
        query(d.db, "SELECT 1 FROM checkpoints WHERE run_id = " + std::to_string(id)).empty();
    if (no_checkpoint)
      CHECK_THAT(killed[0][2], Catch::StartsWith("interrupted before its first epoch ended"));
    else
      CHECK_THAT(killed[0][2], Catch::StartsWith("interrupted at epoch "));
    if (run({"--runs-db", db, "train", "resume", std::to_string(id)}, &err) != 0) {
      FAIL_CHECK("resume of " << name << " failed: " << err);
      ++other;
      continue;
    }
    const auto w = query(d.db,
                         "SELECT hex(blob) FROM checkpoints WHERE tag = 'final' AND "
                         "run_id = " +
                             std::to_string(id));
    if (w.size() == 1 && w[0][0] == reference_weights) {
      ++resumed;
      before_checkpoint += no_checkpoint;
    } else {
      FAIL_CHECK(name << " resumed to other weights than the reference run's");
      ++other;
    }
    finished[id] = run_bytes(d.db, id);
  }
  std::printf(
      "crash test: %d kills (%d inside a checkpoint write), %d integrity errors, %d damaged "
      "runs, %d resumed to the reference weights (%d of them killed before their first "
      "checkpoint, so started again), %d killed while starting (before recording a run), %d "
      "finished before the kill landed, %d resumes failed\n",
      kills, in_write, integrity_errors, damaged, resumed, before_checkpoint, before_run,
      finished_first, other);
  // Every kill accounted for.
  CHECK(resumed + before_run + finished_first + other == kills);
  CHECK(kills == kills_wanted);
  CHECK(integrity_errors == 0);
  CHECK(damaged == 0);
  CHECK(other == 0);
  CHECK(resumed > 0);
}
