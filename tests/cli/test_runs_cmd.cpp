// aelab runs list / rename and aelab train resume through the built binary, on a private store
// and the default data dir's mnist-10k (64 samples a split): unique names, one-line summaries,
// refusals with exit code 2 and one line.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test_util.hpp"
#include "runs/run_store.hpp"

namespace fs = std::filesystem;

using aelab::test::lines;
using aelab::test::Out;
using aelab::test::Store;

TEST_CASE("aelab runs list, rename and train resume") {
  Store s;
  for (int i = 0; i < 2; ++i) {
    Out t = s.aelab("train ae --epochs 1 --limit 64 --latent 4 --threads 1");
    INFO(t.err);
    REQUIRE(t.code == 0);
  }
  Out l = s.aelab("runs list");
  REQUIRE(l.code == 0);
  CHECK_THAT(l.out, Catch::Contains("#2 mlp-L4-l1-s0-2  ae mlp L4 l1 mnist-10k  1 ep  lr 1e-3  seed 0"));
  CHECK_THAT(l.out, Catch::Contains("#1 mlp-L4-l1-s0  ae mlp L4 l1"));
  CHECK(lines(l.out) == 2);

  CHECK(s.aelab("runs rename 1 baseline").code == 0);
  CHECK_THAT(s.aelab("runs list").out, Catch::Contains("#1 baseline  ae"));
  Out r = s.aelab("runs rename 2 baseline");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("already named 'baseline'"));
  CHECK(lines(r.err) == 1);
  r = s.aelab("runs rename 2 \"$(printf 'two\\nlines')\"");  // sh is dash: no $'...'
  CHECK_THAT(r.err, Catch::Contains("control characters"));
  CHECK(r.code == 2);
  CHECK(lines(r.err) == 1);
  CHECK(s.aelab("runs rename 2 ''").code == 2);
  CHECK(s.aelab("runs rename 9 x").code == 2);

  Out j = s.aelab("runs list --json");
  REQUIRE(j.code == 0);
  auto runs = nlohmann::json::parse(j.out);
  REQUIRE(runs.size() == 2);
  CHECK(runs[1]["name"] == "baseline");
  CHECK(runs[1]["latent"] == 4);
  CHECK(runs[1]["epochs_total"] == 1);
  CHECK(runs[1]["resumable"] == false);
  CHECK(runs[1]["headline"]["name"] == "test_l1");

  r = s.aelab("train resume 1");
  CHECK(r.code == 2);
  CHECK_THAT(r.err, Catch::Contains("is finished"));
  CHECK(lines(r.err) == 1);
  r = s.aelab("train resume 77");
  CHECK(r.code == 2);
  CHECK(lines(r.err) == 1);

  // A name an older aelab stored with broken bytes and an escape: kmeans --json still prints one
  // valid document, and its text output does not pass the escape to the terminal.
  {
    auto store = aelab::runs::RunStore::open(s.db());
    REQUIRE(sqlite3_exec(store.handle(),
                         "UPDATE runs SET name = CAST(X'ff1b5b33316d6f6c64' AS TEXT) WHERE id = 1",
                         nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  Out k = s.aelab("kmeans --run 1 --k 3 --restarts 1 --json");
  INFO(k.err);
  REQUIRE(k.code == 0);
  CHECK(nlohmann::json::parse(k.out)["input"].get<std::string>().find("\\x1b[31mold") !=
        std::string::npos);
  k = s.aelab("kmeans --run 1 --k 3 --restarts 1");
  CHECK(k.code == 0);
  CHECK(k.out.find('\x1b') == std::string::npos);
}

TEST_CASE("aelab runs tag and note, shown in runs list and show, text and JSON") {
  Store s;
  {
    auto store = aelab::runs::RunStore::open(s.db());
    int64_t id = store.create_run(aelab::runs::RunKind::classifier, "judge", {{"seed", 3}});
    store.finish_run(id, aelab::runs::RunStatus::finished, "", {{"accuracy", 0.5}});
  }
  Out t = s.aelab("runs tag 1 baseline L2");
  INFO(t.err);
  REQUIRE(t.code == 0);
  CHECK(t.out == "run 1 tags: L2, baseline\n");
  t = s.aelab("runs tag 1 L2 --remove");
  CHECK(t.code == 0);
  CHECK(t.out == "run 1 tags: baseline\n");
  Out n = s.aelab("runs note 1 \"$(printf 'best so far\\n\\033[31msee below')\"");
  INFO(n.err);
  CHECK(n.code == 2);  // the escape is refused
  CHECK_THAT(n.err, Catch::Contains("control characters"));
  CHECK(lines(n.err) == 1);
  n = s.aelab("runs note 1 \"$(printf 'best so far\\nsee below')\"");
  CHECK(n.code == 0);
  CHECK(n.out == "run 1: note set\n");

  Out l = s.aelab("runs list");
  REQUIRE(l.code == 0);
  CHECK(l.out ==
        "#1 judge  classifier  seed 3  finished  accuracy 0.5000  [baseline]  note: best so "
        "far...\n");
  Out sh = s.aelab("runs show 1");
  REQUIRE(sh.code == 0);
  CHECK_THAT(sh.out, Catch::Contains("\ntags     baseline\n"));
  CHECK_THAT(sh.out, Catch::Contains("\nnote     best so far\\x0asee below\n"));
  Out j = s.aelab("runs list --json");
  REQUIRE(j.code == 0);
  auto runs = nlohmann::json::parse(j.out);
  CHECK(runs[0]["tags"] == nlohmann::json::array({"baseline"}));
  CHECK(runs[0]["note"] == "best so far\nsee below");
  j = s.aelab("runs show 1 --json");
  REQUIRE(j.code == 0);
  CHECK(nlohmann::json::parse(j.out)["note"] == "best so far\nsee below");

  // Refusals: one line, exit 2, nothing written.
  for (const char* bad :
       {"runs tag 1 'two words'", "runs tag 1 \"$(printf 'bad\\377')\"",
        "runs tag 1 ok \"$(printf 'esc\\033[2J')\"", "runs tag 9 x", "runs tag 1 nosuch --remove",
        "runs note 1 \"$(printf '\\303(')\"", "runs note 9 x"}) {
    Out r = s.aelab(bad);
    INFO(bad << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
  }
  CHECK(s.aelab("runs list").out.find("[baseline]  note: best so far") != std::string::npos);
  n = s.aelab("runs note 1 ''");
  CHECK(n.code == 0);
  CHECK(n.out == "run 1: note cleared\n");
}

TEST_CASE("runs list and show --json do not fail on a run an older aelab named with bad bytes") {
  Store s;
  {
    auto store = aelab::runs::RunStore::open(s.db());
    int64_t id = store.create_run(aelab::runs::RunKind::ae, "x", {});
    store.finish_run(id, aelab::runs::RunStatus::finished, "", {});
    sqlite3_exec(store.handle(),
                 "UPDATE runs SET name = CAST(X'ff1b5b33316dfec3' AS TEXT), "
                 "note = CAST(X'6e6f7465ff0a' AS TEXT), message = CAST(X'c328' AS TEXT)",
                 nullptr, nullptr, nullptr);
  }
  Out l = s.aelab("runs list --json");
  INFO(l.err);
  REQUIRE(l.code == 0);
  auto runs = nlohmann::json::parse(l.out);
  CHECK(runs[0]["name"] == "\\xff\\x1b[31m\\xfe\\xc3");
  CHECK(runs[0]["note"] == "note\xef\xbf\xbd\n");
  Out sh = s.aelab("runs show 1 --json");
  REQUIRE(sh.code == 0);
  CHECK(nlohmann::json::parse(sh.out)["name"] == "\\xff\\x1b[31m\\xfe\\xc3");
  Out t = s.aelab("runs list");
  REQUIRE(t.code == 0);
  CHECK(t.out.find('\x1b') == std::string::npos);
  CHECK_THAT(t.out, Catch::Contains("note: note\\xff..."));
}
