// report/run_table and report/run_curves on hand-made run summaries: columns, sorting, the
// config diff, deltas, seed groups and their statistics, EMA smoothing and curve alignment.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "report/run_curves.hpp"
#include "report/run_table.hpp"

using namespace aelab;

namespace {

runs::RunSummary ae_run(int64_t id, int latent, uint64_t seed, double test_l1, double lr = 1e-3) {
  runs::RunSummary r;
  r.id = id;
  r.kind = runs::RunKind::ae;
  r.name = "mlp-L" + std::to_string(latent) + "-s" + std::to_string(seed);
  r.status = runs::RunStatus::finished;
  r.created_at = "2026-12-01 10:00:00";
  r.finished_at = "2026-12-01 10:02:05";
  r.config = {{"model", {{"preset", "mlp"}, {"latent", latent}}},
              {"loss", "l1"},
              {"optimizer", {{"name", "adam"}, {"lr", lr}}},
              {"batch", 256},
              {"epochs", 5},
              {"seed", seed},
              {"dataset", "mnist-10k"},
              {"name", r.name}};
  r.result = {{"test_l1", test_l1}, {"test_mse", test_l1 / 2}, {"samples_per_s", 1000.0}};
  r.epochs_done = 5;
  return r;
}

size_t column_index(std::string_view key) {
  const auto cols = report::run_columns();
  for (size_t i = 0; i < cols.size(); ++i)
    if (key == cols[i].key) return i;
  FAIL("no column " << key);
  return 0;
}

const report::Cell& cell(const std::vector<std::vector<report::Cell>>& rows, size_t r,
                         std::string_view key) {
  return rows[r][column_index(key)];
}

}  // namespace

TEST_CASE("run table: every column the comparer lists, blank where it does not apply", "[report]") {
  for (const char* key :
       {"kind",      "name",     "preset",      "latent",         "loss",
        "optimizer", "lr",       "batch",       "epochs",         "lambda",
        "seed",      "dataset",  "status",      "duration_s",     "samples_per_s",
        "test_l1",   "test_mse", "clear_score", "judge_accuracy", "kmeans_accuracy"})
    CHECK(report::find_column(key) != nullptr);

  runs::RunSummary a = ae_run(3, 16, 0, 0.049);
  runs::RunSummary dis;
  dis.id = 4;
  dis.kind = runs::RunKind::disnet;
  dis.name = "disnet-s1.5-k7";
  dis.status = runs::RunStatus::finished;
  dis.config = {{"lr", 1e-3}, {"batch", 128}, {"epochs", 3}, {"seed", 0}};
  dis.result = {{"test_accuracy", 0.99}, {"train_seconds", 12.5}};
  runs::RunSummary adv = ae_run(5, 16, 0, 0.047);
  adv.kind = runs::RunKind::adv_ae;
  adv.config["adversarial"] = "frozen";
  adv.config["lambda"] = 0.01;
  adv.result["test_clear_score"] = 0.98;
  adv.result["test_cluster_accuracy"] = 0.71;

  const std::vector<runs::RunSummary> list = {a, dis, adv};
  const auto rows = report::run_rows(list);
  REQUIRE(rows.size() == 3);
  CHECK(cell(rows, 0, "latent").i == 16);
  CHECK(cell(rows, 0, "optimizer").text() == "adam");
  CHECK(cell(rows, 0, "lr").d == 1e-3);
  CHECK(cell(rows, 0, "test_l1").d == 0.049);
  CHECK(cell(rows, 0, "duration_s").d == 125.0);  // created -> finished: 2 min 5 s
  CHECK(report::is_blank(cell(rows, 0, "lambda")));
  CHECK(report::is_blank(cell(rows, 0, "clear_score")));
  // dis_net: no L, no test L1; Adam with its top-level lr; its own accuracy and train time.
  CHECK(report::is_blank(cell(rows, 1, "latent")));
  CHECK(report::is_blank(cell(rows, 1, "test_l1")));
  CHECK(cell(rows, 1, "optimizer").text() == "adam");
  CHECK(cell(rows, 1, "lr").d == 1e-3);
  CHECK(cell(rows, 1, "disnet_accuracy").d == 0.99);
  CHECK(cell(rows, 1, "duration_s").d == 12.5);
  CHECK(cell(rows, 2, "lambda").d == 0.01);
  CHECK(cell(rows, 2, "adversarial").text() == "frozen");
  CHECK(cell(rows, 2, "clear_score").d == 0.98);
  CHECK(cell(rows, 2, "kmeans_accuracy").d == 0.71);

  const report::Table t = report::run_table(list);
  CHECK(t.columns.size() == report::run_columns().size());
  CHECK(t.rows.size() == 3);
}

TEST_CASE("run table: sorting by numbers or text, blanks last both ways, stable", "[report]") {
  std::vector<runs::RunSummary> list = {ae_run(1, 2, 0, 0.10), ae_run(2, 16, 0, 0.05),
                                        ae_run(3, 256, 0, 0.05), ae_run(4, 16, 1, 0.07)};
  list[2].result.erase("test_l1");  // blank
  list[3].result["test_l1"] = 0.05;
  const auto rows = report::run_rows(list);
  const size_t l1 = column_index("test_l1");
  CHECK(report::sort_rows(rows, l1, false) == std::vector<size_t>{1, 3, 0, 2});
  CHECK(report::sort_rows(rows, l1, true) == std::vector<size_t>{0, 1, 3, 2});
  // Numbers compare as numbers (2 < 16 < 256), not as text ("16" < "2").
  CHECK(report::sort_rows(rows, column_index("latent"), false) == std::vector<size_t>{0, 1, 3, 2});
  CHECK(report::sort_rows(rows, column_index("name"), true).front() == 2);  // "mlp-L256-s0"
}

TEST_CASE("run table: the filter matches text in any case and kinds and statuses", "[report]") {
  runs::RunSummary a = ae_run(1, 2, 0, 0.1);
  runs::RunSummary b = ae_run(2, 16, 0, 0.05);
  b.status = runs::RunStatus::diverged;
  CHECK(report::matches(a, {}));
  CHECK(report::matches(a, {.text = "L2"}));
  CHECK_FALSE(report::matches(b, {.text = "L2"}));
  CHECK(report::matches(b, {.text = "DIVERGED"}));
  CHECK(report::matches(a, {.kinds = {runs::RunKind::ae}}));
  CHECK_FALSE(report::matches(a, {.kinds = {runs::RunKind::disnet}}));
  CHECK_FALSE(report::matches(a, {.statuses = {runs::RunStatus::diverged}}));
  CHECK(report::matches(b, {.statuses = {runs::RunStatus::diverged}}));
  // Tags and the note are searched too.
  a.tags = {"baseline", "study"};
  a.note = "first try\nwith the new init";
  CHECK(report::matches(a, {.text = "Baseline"}));
  CHECK(report::matches(a, {.text = "new init"}));
  CHECK_FALSE(report::matches(b, {.text = "baseline"}));
  const std::vector<runs::RunSummary> one = {a};
  const auto rows = report::run_rows(one);
  CHECK(cell(rows, 0, "tags").text() == "baseline, study");
  CHECK(cell(rows, 0, "note").text().rfind("first try", 0) == 0);
}

TEST_CASE("config diff: only the keys that differ (absent counts), all on request", "[report]") {
  nlohmann::json a = {{"model", {{"preset", "mlp"}, {"latent", 2}}},
                      {"seed", 0},
                      {"optimizer", {{"lr", 0.001}}},
                      {"name", "x"}};
  nlohmann::json b = a;
  b["model"]["latent"] = 16;
  b["name"] = "y";  // not a setting
  nlohmann::json c = a;
  c["augment"] = {{"shift", 3}};
  const std::vector<nlohmann::json> cfgs = {a, b, c};
  const auto diff = report::config_diff(cfgs);
  REQUIRE(diff.size() == 2);
  CHECK(diff[0].key == "augment.shift");
  CHECK_FALSE(diff[0].values[0].has_value());
  CHECK(diff[0].values[2] == "3");
  CHECK(diff[1].key == "model.latent");
  CHECK(diff[1].values[0] == "2");
  CHECK(diff[1].values[1] == "16");
  const auto all = report::config_diff(cfgs, true);
  CHECK(all.size() == 5);  // augment.shift, model.latent, model.preset, optimizer.lr, seed
  for (const auto& row : all)
    if (row.key == "model.preset") {
      CHECK_FALSE(row.differs);
      CHECK(row.values[1] == "mlp");  // strings without quotes
    }
  CHECK(report::config_diff(std::vector<nlohmann::json>{a, a}).empty());
}

TEST_CASE("statistics: mean, sample sd, min, max over finite values", "[report]") {
  const double v[] = {1.0, 2.0, 4.0, NAN, INFINITY};
  const report::Stats s = report::stats_of(v);
  CHECK(s.n == 3);
  CHECK(s.mean == Approx(7.0 / 3));
  // deviations -4/3, -1/3, 5/3: squares 16/9 + 1/9 + 25/9 = 42/9, / (n - 1) = 7/3
  CHECK(s.sd == Approx(std::sqrt(7.0 / 3)));
  CHECK(s.min == 1.0);
  CHECK(s.max == 4.0);
  const double one[] = {5.0};
  CHECK(report::stats_of(one).sd == 0.0);
  CHECK(report::stats_of(std::span<const double>{}).n == 0);
}

TEST_CASE("seed groups: configs equal but for seed share a group, in first-seen order",
          "[report]") {
  const std::vector<runs::RunSummary> list = {ae_run(1, 16, 0, 0.050), ae_run(2, 2, 0, 0.100),
                                              ae_run(3, 16, 1, 0.052), ae_run(4, 16, 2, 0.054),
                                              ae_run(5, 16, 3, 0.060, 3e-3)};
  std::vector<nlohmann::json> cfgs;
  for (const auto& r : list) cfgs.push_back(r.config);
  const auto groups = report::seed_groups(cfgs);
  REQUIRE(groups.size() == 3);
  CHECK(groups[0].members == std::vector<size_t>{0, 2, 3});
  CHECK(groups[0].label == "seeds 0, 1, 2");
  CHECK(groups[1].members == std::vector<size_t>{1});
  CHECK(groups[1].label == "seed 0");
  CHECK(groups[2].members == std::vector<size_t>{4});  // another lr: not the same group

  const report::RunComparison c = report::compare_summaries(list, {.group_seeds = true});
  size_t l1 = 99;
  for (size_t m = 0; m < c.measures.size(); ++m)
    if (std::string(c.measures[m]->key) == "test_l1") l1 = m;
  REQUIRE(l1 != 99);
  const report::Stats& g = c.group_stats[l1][0];
  CHECK(g.n == 3);
  CHECK(g.mean == Approx(0.052));
  CHECK(g.sd == Approx(0.002));
  CHECK(g.min == 0.050);
  CHECK(g.max == 0.054);
  CHECK(report::mean_sd_text(g) == "0.0520 +- 0.0020 (3)");
  const report::Table t = report::comparison_table(c);
  REQUIRE(t.rows.size() == 3);
  CHECK(t.rows[0][0].text() == "1 3 4");
  CHECK(t.rows[0][1].i == 3);
  bool found = false;
  for (size_t k = 0; k < t.columns.size(); ++k)
    if (t.columns[k] == "test_l1_sd") {
      CHECK(t.rows[0][k].d == Approx(0.002));
      found = true;
    }
  CHECK(found);
}

TEST_CASE("baseline: every measure's delta to the baseline run, improvement by direction",
          "[report]") {
  std::vector<runs::RunSummary> list = {ae_run(7, 2, 0, 0.10), ae_run(8, 16, 0, 0.05)};
  list[1].result.erase("samples_per_s");
  const report::RunComparison c = report::compare_summaries(list, {.baseline = 7});
  CHECK(c.baseline == 0);
  for (size_t m = 0; m < c.measures.size(); ++m) {
    const std::string key = c.measures[m]->key;
    CHECK(c.deltas[m][0] == Approx(0.0));
    if (key == "test_l1") {
      CHECK(c.deltas[m][1] == Approx(-0.05));
      CHECK(report::improves(*c.measures[m], c.deltas[m][1]));
    }
    if (key == "test_mse") CHECK(c.deltas[m][1] == Approx(-0.025));
    if (key == "samples_per_s") CHECK(std::isnan(c.deltas[m][1]));  // blank: no delta
  }
  // Only the settings that differ: the latent size (and the name is no setting).
  REQUIRE(c.settings.size() == 1);
  CHECK(c.settings[0].key == "model.latent");
  const report::Table t = report::comparison_table(c);
  bool has_delta = false;
  for (size_t k = 0; k < t.columns.size(); ++k)
    if (t.columns[k] == "delta_test_l1") {
      has_delta = true;
      CHECK(t.rows[1][k].d == Approx(-0.05));
    }
  CHECK(has_delta);
  const std::string text = report::format_comparison(c);
  CHECK(text.find("#7 (baseline)") != std::string::npos);
  CHECK(text.find("(-0.0500)") != std::string::npos);
  CHECK(report::to_json(c)["baseline"] == 7);
}

TEST_CASE("compare: bad input is one clear line", "[report]") {
  auto msg = [](auto&& f) -> std::string {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "";
  };
  std::vector<runs::RunSummary> list = {ae_run(1, 2, 0, 0.1), ae_run(2, 16, 0, 0.05)};
  CHECK(msg([&] {
          (void)report::compare_summaries(list, {.baseline = 9});
        }).find("baseline run 9 is not one of") != std::string::npos);
  CHECK(msg([&] { (void)report::compare_summaries({}, {}); }).find("at least one") !=
        std::string::npos);
  CHECK(msg([&] {
          (void)report::compare_summaries(list, {.metric = "bogus"});
        }).find("unknown measure 'bogus'") != std::string::npos);
  CHECK(msg([&] {
          (void)report::compare_summaries(list, {.metric = "clear_score"});
        }).find("no run compared has a value for 'clear_score'") != std::string::npos);
  std::vector<runs::RunSummary> twice = {list[0], list[0]};
  CHECK(msg([&] { (void)report::compare_summaries(twice, {}); }).find("given twice") !=
        std::string::npos);
  runs::RunSummary dis;
  dis.id = 3;
  dis.kind = runs::RunKind::disnet;
  std::vector<runs::RunSummary> mixed = {list[0], dis};
  CHECK(msg([&] { (void)report::compare_summaries(mixed, {}); }).find("different kinds") !=
        std::string::npos);
  // (a) and (b) runs are both autoencoders: they compare.
  list[1].kind = runs::RunKind::adv_ae;
  CHECK_NOTHROW(report::compare_summaries(list, {}));
}

TEST_CASE("ema: bias-corrected smoothing against a hand-computed series", "[report]") {
  const double y[] = {1.0, 2.0, NAN, 4.0};
  const auto s = report::ema(y, 0.5);
  // s1 = 0.5, /(1 - 0.5) = 1; s2 = 0.25 + 1 = 1.25, /(1 - 0.25) = 5/3;
  // NaN: skipped; s3 = 0.625 + 2 = 2.625, /(1 - 0.125) = 3.
  REQUIRE(s.size() == 4);
  CHECK(s[0] == Approx(1.0));
  CHECK(s[1] == Approx(5.0 / 3));
  CHECK(std::isnan(s[2]));
  CHECK(s[3] == Approx(3.0));
  const auto raw = report::ema(y, 0.0);
  CHECK(raw[1] == 2.0);
  CHECK(raw[3] == 4.0);
  // A constant curve stays constant from its first point (no pull towards zero).
  const double c[] = {0.3, 0.3, 0.3};
  for (double v : report::ema(c, 0.9)) CHECK(v == Approx(0.3));
  CHECK_THROWS_AS(report::ema(y, 1.0), InputError);
  CHECK_THROWS_AS(report::ema(y, -0.1), InputError);
}

TEST_CASE("curves: alignment by epoch, step and wall time; value at x; group bands", "[report]") {
  runs::MetricSeries s;
  s.steps = {10, 20, 30};
  s.epochs = {1, 2, 3};
  s.values = {0.3, 0.2, 0.1};
  runs::MetricSeries secs;
  secs.steps = {10, 20};
  secs.epochs = {1, 2};
  secs.values = {5.0, 7.0};
  CHECK(report::align(s, report::XAxis::epoch).x == std::vector<double>{1, 2, 3});
  CHECK(report::align(s, report::XAxis::step).x == std::vector<double>{10, 20, 30});
  const report::XyCurve w = report::align(s, report::XAxis::wall_time, &secs);
  // step 10 -> 5 s, 20 -> 7 s, 30 -> past the last knot at its rate (0.2 s/step): 9 s
  REQUIRE(w.size() == 3);
  CHECK(w.x[0] == Approx(5.0));
  CHECK(w.x[1] == Approx(7.0));
  CHECK(w.x[2] == Approx(9.0));
  CHECK(report::align(s, report::XAxis::wall_time, nullptr).size() == 0);
  CHECK(report::parse_x_axis("wall_time") == report::XAxis::wall_time);
  CHECK_THROWS_AS(report::parse_x_axis("time"), InputError);

  const report::XyCurve e = report::align(s, report::XAxis::epoch);
  CHECK(*report::value_at(e, 1.5) == Approx(0.25));
  CHECK(*report::value_at(e, 3.0) == Approx(0.1));
  CHECK_FALSE(report::value_at(e, 3.5).has_value());

  report::XyCurve a{{1, 2, 3}, {1.0, 2.0, 3.0}}, b{{1, 2}, {3.0, 6.0}};
  const std::vector<report::XyCurve> members = {a, b};
  const report::BandCurve band = report::group_curve(members);
  REQUIRE(band.x == std::vector<double>{1, 2, 3});
  CHECK(band.mean[0] == Approx(2.0));
  CHECK(band.sd[0] == Approx(std::sqrt(2.0)));
  CHECK(band.min[1] == 2.0);
  CHECK(band.max[1] == 6.0);
  CHECK(band.n[2] == 1);
  CHECK(band.mean[2] == 3.0);
}
