// Tags and a note per run: the store API, what it refuses, the schema 2 -> 3 migration, and the
// text and JSON they are shown as (never failing on an old row's broken bytes).
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

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

void raw_exec(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  INFO(msg);
  REQUIRE(rc == SQLITE_OK);
}

int64_t raw_count(const fs::path& db, const std::string& sql) {
  sqlite3* h = nullptr;
  REQUIRE(sqlite3_open(db.c_str(), &h) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(h, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  int64_t n = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(h);
  return n;
}

using Tags = std::vector<std::string>;

}  // namespace

TEST_CASE("tags: add, remove and replace them (sorted, unique, per run)", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t a = store.create_run(RunKind::ae, "a", {});
  int64_t b = store.create_run(RunKind::ae, "b", {});
  CHECK(store.get_summary(a).tags.empty());
  store.add_tag(a, "baseline");
  store.add_tag(a, "L2");
  store.add_tag(a, "baseline");  // again: no-op
  store.add_tag(a, "\xc3\xa9t\xc3\xa9");
  CHECK(store.get_summary(a).tags == Tags{"L2", "baseline", "\xc3\xa9t\xc3\xa9"});
  CHECK(store.get_summary(b).tags.empty());
  CHECK(store.remove_tag(a, "L2"));
  CHECK(!store.remove_tag(a, "L2"));
  CHECK(store.get_summary(a).tags == Tags{"baseline", "\xc3\xa9t\xc3\xa9"});
  store.set_tags(b, {"z", "y", "z"});
  CHECK(store.get_summary(b).tags == Tags{"y", "z"});
  store.set_tags(b, {});
  CHECK(store.get_summary(b).tags.empty());
  // list_runs and latest_run_of_kind carry them too.
  auto all = store.list_runs();
  REQUIRE(all.size() == 2);
  CHECK(all[1].id == a);
  CHECK(all[1].tags == Tags{"baseline", "\xc3\xa9t\xc3\xa9"});
  CHECK(store.latest_run_of_kind(RunKind::ae)->tags.empty());  // b
  // Deleting the (finished) run takes its tags.
  store.finish_run(a, RunStatus::finished, "", {});
  store.delete_run(a);
  CHECK(raw_count(store.path(), "SELECT count(*) FROM run_tags") == 0);
}

TEST_CASE("tags and notes that are not UTF-8 or hold control characters are refused", "[runs]") {
  TempDir dir;
  auto store = RunStore::open(dir.path / "runs.sqlite");
  int64_t a = store.create_run(RunKind::ae, "a", {});
  store.add_tag(a, "keep");
  store.set_note(a, "kept");
  CHECK_THROWS_WITH(store.add_tag(a, "bad\xff\xfe\xc3"), Catch::Contains("not UTF-8"));
  CHECK_THROWS_WITH(store.add_tag(a, "esc\x1b[31m"), Catch::Contains("control characters"));
  CHECK_THROWS_WITH(store.add_tag(a, "two words"), Catch::Contains("one word"));
  CHECK_THROWS_WITH(store.add_tag(a, "a,b"), Catch::Contains("one word"));
  CHECK_THROWS_AS(store.add_tag(a, ""), InputError);
  CHECK_THROWS_AS(store.add_tag(a, std::string(65, 't')), InputError);
  store.add_tag(a, std::string(64, 't'));                                // the limit itself is fine
  CHECK_THROWS_AS(store.set_tags(a, {"fine", "not fine"}), InputError);  // nothing written
  CHECK_THROWS_AS(store.add_tag(999, "x"), InputError);
  CHECK_THROWS_WITH(store.set_note(a, "\xc3("), Catch::Contains("not UTF-8"));
  CHECK_THROWS_WITH(store.set_note(a, "red \x1b[31m"), Catch::Contains("control characters"));
  CHECK_THROWS_WITH(store.set_note(a, "csi \xc2\x9b"), Catch::Contains("control characters"));
  CHECK_THROWS_AS(store.set_note(a, std::string(4001, 'n')), InputError);
  CHECK_THROWS_AS(store.set_note(999, "x"), InputError);
  const auto s = store.get_summary(a);
  CHECK(s.tags == Tags{"keep", std::string(64, 't')});
  CHECK(s.note == "kept");
  // Newlines and tabs are allowed in a note; "" clears it.
  store.set_note(a, "line one\n\tline two");
  CHECK(store.get_summary(a).note == "line one\n\tline two");
  store.set_note(a, "");
  CHECK(store.get_summary(a).note.empty());
}

TEST_CASE("a schema 2 store migrates to 3: every run gets no tags and an empty note", "[runs]") {
  TempDir dir;
  auto path = dir.path / "v2.sqlite";
  // The version 2 schema as the previous aelab wrote it, with a finished run that has a checkpoint
  // and metrics, and a run an older aelab named with broken bytes.
  raw_exec(path, R"sql(
    CREATE TABLE runs(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
      config_json TEXT NOT NULL, status TEXT NOT NULL CHECK(status IN
        ('running','finished','cancelled','diverged','failed','interrupted')),
      message TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, finished_at TEXT,
      result_json TEXT NOT NULL DEFAULT '{}', owner TEXT NOT NULL DEFAULT '');
    CREATE INDEX runs_by_kind ON runs(kind, id);
    CREATE TABLE metrics(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      step INTEGER NOT NULL, epoch REAL NOT NULL, name TEXT NOT NULL, value REAL);
    CREATE INDEX metrics_by_run ON metrics(run_id, name, step);
    CREATE TABLE checkpoints(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      tag TEXT NOT NULL, kind TEXT NOT NULL DEFAULT 'tensors', blob BLOB NOT NULL,
      checksum INTEGER NOT NULL, bytes INTEGER NOT NULL, created_at TEXT NOT NULL,
      state_json TEXT NOT NULL DEFAULT '{}', PRIMARY KEY(run_id, tag));
    CREATE TABLE artefacts(run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
      name TEXT NOT NULL, kind TEXT NOT NULL, blob BLOB NOT NULL, checksum INTEGER NOT NULL,
      bytes INTEGER NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY(run_id, name));
    CREATE UNIQUE INDEX runs_by_name ON runs(name);
    INSERT INTO runs(id, kind, name, config_json, status, created_at, result_json) VALUES
      (1, 'ae', 'mlp-L2-l1-s0', '{"model":{"latent":2}}', 'finished', '2025-01-01 00:00:00',
       '{"test_l1":0.125}'),
      (2, 'ae', CAST(X'6261642dfffec3' AS TEXT), '{}', 'failed', '2025-01-02 00:00:00', '{}');
    INSERT INTO metrics VALUES (1, 10, 1.0, 'test_l1', 0.125);
    INSERT INTO checkpoints VALUES (1, 'last', 'tensors', X'00', 0, 1, '2025-01-01 00:00:00',
      '{"epoch":4}');
    PRAGMA user_version = 2;
  )sql");
  {
    auto store = RunStore::open(path);
    CHECK(raw_count(path, "PRAGMA user_version") == 3);
    auto all = store.list_runs();
    REQUIRE(all.size() == 2);
    for (const auto& r : all) {
      CHECK(r.tags.empty());
      CHECK(r.note.empty());
    }
    // What version 2 held is still there.
    auto one = store.get_run(1);
    CHECK(one.summary.name == "mlp-L2-l1-s0");
    CHECK(one.summary.result["test_l1"] == 0.125);
    CHECK(one.summary.last_checkpoint_epoch == 4);
    CHECK(one.metrics.at("test_l1").values == std::vector<double>{0.125});
    CHECK(store.get_summary(2).name == "bad-\xff\xfe\xc3");
    // The new columns work on the migrated file.
    store.add_tag(1, "baseline");
    store.set_note(2, "named by an old aelab");
  }
  // Opening again migrates nothing twice and keeps the new data.
  auto store = RunStore::open(path);
  CHECK(store.get_summary(1).tags == Tags{"baseline"});
  CHECK(store.get_summary(2).note == "named by an old aelab");
  CHECK_THROWS_WITH(store.rename_run(2, "mlp-L2-l1-s0"), Catch::Contains("already named"));
}

TEST_CASE("tags and notes in the summary line and JSON, where broken stored bytes never fail", "[runs]") {
  RunSummary r;
  r.id = 7;
  r.kind = RunKind::classifier;
  r.name = "judge";
  r.status = RunStatus::finished;
  r.tags = {"L2", "baseline"};
  r.note = "first line\nsecond";
  CHECK(summary_line(r) == "#7 judge  classifier  finished  [L2, baseline]");
  CHECK(tags_text(r) == "L2, baseline");
  CHECK(note_preview(r) == "first line...");
  CHECK(note_preview(r, 5) == "first...");
  r.note = "\xc3\xa9t\xc3\xa9";
  CHECK(note_preview(r, 3) == "\xc3\xa9t\xc3\xa9");  // three code points, nothing cut
  CHECK(note_preview(r, 2) == "\xc3\xa9t...");

  // As an older aelab or a hand edit could have left them: escapes and broken bytes.
  r.name = "bad\xff\xfe\xc3";
  r.tags = {"esc\x1b[31m"};
  r.note = "a\xff\x1b[2Jb";
  CHECK(summary_line(r) == "#7 bad\\xff\\xfe\\xc3  classifier  finished  [esc\\x1b[31m]");
  CHECK(note_preview(r) == "a\\xff\\x1b[2Jb");
  const nlohmann::json j = summary_fields(r);
  const std::string text = j.dump();  // the strict handler: throws on any invalid UTF-8
  CHECK(j["note"] == "a\xef\xbf\xbd\x1b[2Jb");
  CHECK_THAT(text, Catch::Contains("\\u001b[2Jb"));  // JSON escapes the ESC itself
  CHECK(j["tags"] == nlohmann::json::array({"esc\\x1b[31m"}));
  CHECK(j["name"] == "bad\\xff\\xfe\\xc3");
  CHECK(valid_utf8("ok \xc3\xa9 \xe2\x82") == "ok \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd");
}
