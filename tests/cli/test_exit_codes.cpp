// The exit-code contract (DESIGN.md "Errors") over a table of bad command lines run through the
// built binary: each is refused with exit 2 and exactly one line on stderr, "aelab: ...", naming
// the problem; nothing on stdout. --help and --version still exit 0.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_test_util.hpp"
#include "core/tensor.hpp"
#include "runs/run_store.hpp"

using aelab::test::lines;
using aelab::test::Out;
using aelab::test::Store;

namespace {

struct BadLine {
  std::string args;  // after --runs-db <private store>
  std::string says;  // a part of the one line
};

}  // namespace

TEST_CASE("bad command lines exit 2 with one line on stderr") {
  Store s;
  { std::ofstream(s.dir / "notes.txt") << "not a database\n"; }
  const std::vector<BadLine> table = {
      // CLI11 parse errors (exit 104..114 with two lines before).
      {"train ae --epochs abc", "--epochs"},
      {"train ae --latent 2.5", "--latent"},
      {"train ae --no-such-flag", "--no-such-flag"},
      {"train ae --epochs", "--epochs"},
      {"train ae --epochs 1 2", "2"},
      {"train disnet --batch x", "--batch"},
      {"train classifier --lr fast", "--lr"},
      {"runs show", "ID"},
      {"runs show abc", "ID"},
      {"runs rename 1", "NAME"},
      {"runs tag 1", "TAG"},
      {"runs note", "ID"},
      {"runs", "subcommand"},
      {"train", "subcommand"},
      {"frobnicate", "frobnicate"},
      {"--no-such-global runs list", "--no-such-global"},
      // Input the library refuses.
      {"runs show 99", "no run with id 99"},
      {"runs delete 99", "no run with id 99"},
      {"runs rename 99 x", "no run with id 99"},
      {"train resume 99", "99"},
      {"train ae --epochs 0", "epochs"},
      {"train ae --latent -3", "latent"},
  };
  for (const auto& bad : table) {
    Out r = s.aelab(bad.args);
    INFO("aelab " << bad.args << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.rfind("aelab: ", 0) == 0);
    CHECK_THAT(r.err, Catch::Contains(bad.says));
  }
  // A parse error says where the flags are listed.
  CHECK_THAT(s.aelab("train ae --epochs abc").err, Catch::Contains("aelab train ae --help"));

  // Stores that cannot be used: a text file, a directory, a place that cannot be created.
  const std::vector<std::pair<std::string, std::string>> stores = {
      {(s.dir / "notes.txt").string(), "not a usable aelab run store"},
      {s.dir.string(), "is a directory"},
      {"/proc/aelab/runs.sqlite", "/proc/aelab: cannot create"}};
  for (const auto& [db, says] : stores) {
    Out r = s.run("--runs-db '" + db + "' runs list");
    INFO(db << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(says));
  }

  // Help and version are not errors.
  Out h = s.aelab("train ae --help");
  CHECK(h.code == 0);
  CHECK_THAT(h.out, Catch::Contains("--latent"));
  CHECK(h.err.empty());
  Out v = s.run("--version");
  CHECK(v.code == 0);
  CHECK_THAT(v.out, Catch::Contains("aelab"));
}

TEST_CASE("stored numbers out of range and negative seeds are refused with one line") {
  Store s;
  const nlohmann::json base = {{"model", {{"preset", "mlp"}, {"latent", 2}}},
                               {"loss", "l1"},
                               {"epochs", 2},
                               {"batch", 64},
                               {"seed", 0}};
  struct Bad {
    const char* path;
    nlohmann::json value;
    const char* says;
  };
  const std::vector<Bad> bad = {{"/model/latent", 1e300, "latent"},
                                {"/batch", 7.7e103, "batch"},
                                {"/epochs", -1e19, "epochs"},
                                {"/seed", -1, "seed"},
                                {"/model/latent", 2.5, "latent"}};
  {
    auto store = aelab::runs::RunStore::open(s.db());
    for (const auto& b : bad) {
      nlohmann::json config = base;
      config[nlohmann::json::json_pointer(b.path)] = b.value;
      int64_t id = store.create_run(aelab::runs::RunKind::ae, "bad", config);
      store.save_checkpoint(id, aelab::runs::kLastCheckpoint, {{"w.0", aelab::Tensor({2}, 0.5f)}},
                            {{"epoch", 1}});
      store.finish_run(id, aelab::runs::RunStatus::cancelled, "cancelled at epoch 1", {});
    }
  }
  for (size_t i = 0; i < bad.size(); ++i) {
    Out r = s.aelab("train resume " + std::to_string(i + 1));
    INFO(bad[i].path << " = " << bad[i].value.dump() << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(bad[i].says));
  }
  for (const char* cmd : {"train ae --seed -1", "train disnet --seed -1",
                          "train classifier --seed -5", "train ae --seed 1e3"}) {
    Out r = s.aelab(cmd);
    INFO(cmd << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("--seed"));
  }
}
