// aelab runs list / rename and aelab train resume through the built binary, on a private store
// and the default data dir's mnist-10k (64 samples a split): unique names, one-line summaries,
// refusals with exit code 2 and one line.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/cli_test_util.hpp"

namespace fs = std::filesystem;

namespace {

using aelab::test::lines;
using aelab::test::Out;
using aelab::test::slurp;

struct Store : aelab::test::CliStore {
  Store() : CliStore("runs") {}
};

}  // namespace

TEST_CASE("aelab runs list, rename and train resume") {
  Store s;
  for (int i = 0; i < 2; ++i) {
    Out t = s.aelab("train ae --epochs 1 --limit 64 --latent 4 --threads 1");
    INFO(t.err);
    REQUIRE(t.code == 0);
  }
  Out l = s.aelab("runs list");
  REQUIRE(l.code == 0);
  CHECK_THAT(l.out, Catch::Contains("#2 mlp-L4-l1-s0-2  ae mlp L4 l1  1 ep  lr 1e-3  seed 0"));
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
}
