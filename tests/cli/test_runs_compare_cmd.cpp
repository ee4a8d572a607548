// aelab runs compare / runs export and aelab compare on plain autoencoder runs, through the built
// binary on a private store with tiny mnist-10k runs (64 samples a split): the table's numbers
// against the store's, files written, and every refusal as exit code 2 with one line.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/cli_test_util.hpp"
#include "runs/run_store.hpp"

namespace fs = std::filesystem;
using namespace aelab;

namespace {

using aelab::test::lines;
using aelab::test::Out;
using aelab::test::slurp;
using aelab::test::Store;

// Runs 1 and 2: L4 seeds 0 and 1; run 3: L2 seed 0; run 4: a dis_net; run 5: no metric points.
Store& lab() {
  static Store s;
  static bool made = false;
  if (!made) {
    made = true;
    for (const char* args : {"--latent 4 --seed 0", "--latent 4 --seed 1", "--latent 2 --seed 0"}) {
      Out t = s.aelab(std::string("train ae --epochs 2 --limit 64 --threads 1 ") + args);
      INFO(t.err);
      REQUIRE(t.code == 0);
    }
    Out d = s.aelab("train disnet --epochs 1 --limit 64 --threads 1");
    INFO(d.err);
    REQUIRE(d.code == 0);
    runs::RunStore store = runs::RunStore::open(s.db());
    (void)store.create_run(runs::RunKind::ae, "empty", {{"seed", 0}});
  }
  return s;
}

double result_of(const Store& s, int64_t id, const char* key) {
  return runs::RunStore::open(s.db()).get_summary(id).result.at(key).get<double>();
}

}  // namespace

TEST_CASE("aelab runs compare: deltas to the baseline, only the differing settings") {
  Store& s = lab();
  Out o = s.aelab("runs compare 1 3 --baseline 1 --json");
  INFO(o.err);
  REQUIRE(o.code == 0);
  const nlohmann::json j = nlohmann::json::parse(o.out);
  CHECK(j["baseline"] == 1);
  std::vector<std::string> keys;
  for (const auto& st : j["settings"]) keys.push_back(st["key"]);
  CHECK(keys == std::vector<std::string>{"model.latent"});
  bool seen = false;
  for (const auto& m : j["measures"])
    if (m["key"] == "test_l1") {
      seen = true;
      const double a = result_of(s, 1, "test_l1"), b = result_of(s, 3, "test_l1");
      CHECK(m["values"][0].get<double>() == Approx(a));
      CHECK(m["deltas"][1].get<double>() == Approx(b - a));
      CHECK(m["deltas"][0].get<double>() == 0.0);
    }
  CHECK(seen);

  Out text = s.aelab("runs compare 1 3 --baseline 1");
  REQUIRE(text.code == 0);
  CHECK_THAT(text.out, Catch::Contains("#1 (baseline)"));
  CHECK_THAT(text.out, Catch::Contains("model.latent"));
  CHECK_THAT(text.out, Catch::Contains("test_l1"));

  Out csv = s.aelab("runs compare 1 3 --baseline 1 --csv --metric test_l1");
  REQUIRE(csv.code == 0);
  CHECK_THAT(csv.out, Catch::StartsWith("id,name,kind,model.latent,test_l1,delta_test_l1\r\n"));
  CHECK(lines(csv.out) == 3);
  Out md = s.aelab("runs compare 1 3 --md");
  REQUIRE(md.code == 0);
  CHECK_THAT(md.out, Catch::StartsWith("| id | name |"));
}

TEST_CASE("aelab runs compare --group-seeds: mean, sd and n over the seeds") {
  Store& s = lab();
  Out o = s.aelab("runs compare 1 2 3 --group-seeds --csv --metric test_l1");
  INFO(o.err);
  REQUIRE(o.code == 0);
  // Runs 1 and 2 differ only in seed: one group of two; run 3 alone.
  CHECK_THAT(o.out, Catch::Contains("\r\n1 2,2,\"seeds 0, 1\","));
  CHECK_THAT(o.out, Catch::Contains("\r\n3,1,seed 0,"));
  const double a = result_of(s, 1, "test_l1"), b = result_of(s, 2, "test_l1");
  Out j = s.aelab("runs compare 1 2 3 --group-seeds --json --metric test_l1");
  const nlohmann::json g = nlohmann::json::parse(j.out)["measures"][0]["groups"][0];
  CHECK(g["n"] == 2);
  CHECK(g["mean"].get<double>() == Approx((a + b) / 2));
  CHECK(g["sd"].get<double>() == Approx(std::abs(a - b) / std::sqrt(2.0)));
}

TEST_CASE("aelab runs compare --png and --images write figures") {
  Store& s = lab();
  const fs::path png = s.dir / "curves.png", img = s.dir / "digits.png";
  Out o = s.aelab("runs compare 1 2 3 --group-seeds --png '" + png.string() +
                  "' --smooth 0.5 --x wall_time --images '" + img.string() +
                  "' --pick worst --baseline 3 --digits 6 --threads 1");
  INFO(o.err);
  REQUIRE(o.code == 0);
  REQUIRE(fs::exists(png));
  REQUIRE(fs::exists(img));
  CHECK(slurp(png).substr(1, 3) == "PNG");
  // 6 digits in rows, 4 columns (original + 3 runs), 2 px gaps, scale 2: read the PNG header.
  const std::string h = slurp(img);
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(h[at])) << 24) | (uint32_t(uint8_t(h[at + 1])) << 16) |
           (uint32_t(uint8_t(h[at + 2])) << 8) | uint32_t(uint8_t(h[at + 3]));
  };
  CHECK(be32(16) == 2 * (4 * 28 + 3 * 2));
  CHECK(be32(20) == 2 * (6 * 28 + 5 * 2));
}

TEST_CASE("aelab runs compare --latent and --latent-csv write the aligned maps of the runs") {
  Store& s = lab();
  const fs::path png = s.dir / "maps.png", csv = s.dir / "maps.csv";
  Out o = s.aelab("runs compare 1 3 --latent '" + png.string() + "' --latent-csv '" + csv.string() +
                  "' --map tsne --threads 1");
  INFO(o.err);
  REQUIRE(o.code == 0);
  CHECK_THAT(o.out, Catch::Contains("latent maps"));
  const std::string h = slurp(png);
  REQUIRE(h.size() > 24);
  CHECK(h.substr(1, 3) == "PNG");
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(h[at])) << 24) | (uint32_t(uint8_t(h[at + 1])) << 16) |
           (uint32_t(uint8_t(h[at + 2])) << 8) | uint32_t(uint8_t(h[at + 3]));
  };
  CHECK(be32(16) == 2 * 360 + 8);  // two maps of 360 px, 8 px apart
  CHECK(be32(20) == 360);
  // One row per run and test digit: run 1's L4 codes by t-SNE, run 3's 2-D codes as they are.
  const std::string text = slurp(csv);
  CHECK_THAT(text, Catch::StartsWith("run,index,label,method,x,y\n"));
  CHECK(lines(text) == 1 + 2 * 64);
  CHECK_THAT(text, Catch::Contains("\n1,0,"));
  CHECK_THAT(text, Catch::Contains(",tsne,"));
  CHECK_THAT(text, Catch::Contains("\n3,63,"));
  CHECK_THAT(text, Catch::Contains(",codes,"));
  Out bad = s.aelab("runs compare 1 3 --latent x.png --map umap");
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("pca or tsne"));
}

TEST_CASE("aelab runs compare refuses bad input with one line and exit code 2") {
  Store& s = lab();
  struct Case {
    const char* args;
    const char* says;
  };
  for (const Case& c :
       {Case{"runs compare 1 99", "there is no run 99"},
        Case{"runs compare 1 4", "different kinds"},
        Case{"runs compare 1 3 --baseline 2", "baseline run 2 is not one of"},
        Case{"runs compare 1 5", "no metric points"},
        Case{"runs compare 1 3 --metric nope", "'nope'"}, Case{"runs compare 1 1", "given twice"},
        Case{"runs compare 1 3 --json --csv", "one of --json"},
        Case{"runs compare 1 3 --png x.png --x time", "unknown x axis"},
        Case{"runs compare 1 3 --images x.png --pick best", "unknown image"},
        Case{"runs export 1 --format xml", "csv or json"},
        Case{"runs export 77", "there is no run 77"}}) {
    Out o = s.aelab(c.args);
    INFO(c.args << "\n" << o.err);
    CHECK(o.code == 2);
    CHECK(lines(o.err) == 1);
    CHECK_THAT(o.err, Catch::Contains(c.says));
  }
}

TEST_CASE("aelab runs export: every run's row, config, result and metric points") {
  Store& s = lab();
  Out o = s.aelab("runs export --out '" + (s.dir / "ex").string() + "'");
  INFO(o.err);
  REQUIRE(o.code == 0);
  const std::string runs_csv = slurp(s.dir / "ex" / "runs.csv");
  const std::string metrics_csv = slurp(s.dir / "ex" / "metrics.csv");
  CHECK(lines(runs_csv) == 6);  // header + 5 runs
  CHECK_THAT(runs_csv, Catch::Contains("config"));
  runs::RunStore store = runs::RunStore::open(s.db());
  size_t points = 0;
  for (const auto& r : store.list_runs())
    for (const auto& m : store.metric_names(r.id)) points += store.metric_series(r.id, m).size();
  CHECK(lines(metrics_csv) == points + 1);

  Out j = s.aelab("runs export 1 3 --format json --out '" + (s.dir / "exj").string() + "'");
  REQUIRE(j.code == 0);
  const nlohmann::json all = nlohmann::json::parse(slurp(s.dir / "exj" / "runs.json"));
  REQUIRE(all.size() == 2);
  CHECK(all[0]["id"] == 1);
  CHECK(all[1]["config"]["model"]["latent"] == 2);
  const auto l1 = store.metric_series(3, "test_l1");
  REQUIRE(all[1]["metrics"]["test_l1"]["values"].size() == l1.size());
  CHECK(all[1]["metrics"]["test_l1"]["values"].back().get<double>() == l1.values.back());
}

TEST_CASE("aelab compare works on plain autoencoder runs without a judge") {
  Store& s = lab();
  // Run 4 is a dis_net: its column is filled; there is no judge: that column stays blank.
  Out o = s.aelab("compare 1 3 --threads 1 --json");
  INFO(o.err);
  REQUIRE(o.code == 0);
  const nlohmann::json j = nlohmann::json::parse(o.out);
  CHECK(j["judge_run"] == 0);
  CHECK(j["disnet_run"] == 4);
  CHECK(j["rows"][1]["judge_accuracy"].is_null());
  CHECK(j["rows"][1]["clear_score"].is_number());
  Out t = s.aelab("compare 1 3 --threads 1");
  REQUIRE(t.code == 0);
  CHECK_THAT(t.out, Catch::Contains("judge none (aelab train classifier)"));
}
