// report::compare_runs against the trainers' own evaluation: tiny runs (autoencoders, dis_net,
// judge) trained here on synthetic stroke "digits" into a temporary run store.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "analysis/sharpness.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "data/blur.hpp"
#include "report/compare.hpp"
#include "report/run_views.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/run_model.hpp"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

// Two or three 2-px strokes; class = which of ten 7x7 tiles holds an extra solid block.
data::Dataset stroke_dataset(int64_t n_train, int64_t n_test) {
  data::Dataset ds;
  ds.name = "strokes";
  Rng rng(5);
  auto make = [&](int64_t n, Tensor& x, std::vector<uint8_t>& y) {
    x = Tensor({n, 1, 28, 28});
    for (int64_t i = 0; i < n; ++i) {
      float* img = x.data() + i * 784;
      for (int s = 0, strokes = 2 + int(rng.below(2)); s < strokes; ++s) {
        double x0 = rng.uniform(4, 24), y0 = rng.uniform(4, 24), x1 = rng.uniform(4, 24),
               y1 = rng.uniform(4, 24);
        double dx = x1 - x0, dy = y1 - y0, len2 = std::max(dx * dx + dy * dy, 1e-9);
        for (int r = 0; r < 28; ++r)
          for (int c = 0; c < 28; ++c) {
            double t = std::clamp(((c - x0) * dx + (r - y0) * dy) / len2, 0.0, 1.0);
            double ex = c - (x0 + t * dx), ey = r - (y0 + t * dy);
            if (ex * ex + ey * ey <= 1.0) img[r * 28 + c] = 1.0f;
          }
      }
      // Test labels run 3, 4, ..., so the strip's "first of each class" is not simply 0..9.
      uint8_t label = static_cast<uint8_t>((i + 3) % 10);
      int tr = 7 * (label / 4), tc = 7 * (label % 4);
      for (int r = tr + 1; r < tr + 6; ++r)
        for (int c = tc + 1; c < tc + 6; ++c) img[r * 28 + c] = 1.0f;
      y.push_back(label);
    }
  };
  make(n_train, ds.train_images, ds.train_labels);
  make(n_test, ds.test_images, ds.test_labels);
  return ds;
}

struct TempDb {
  fs::path path;
  explicit TempDb(const std::string& tag) {
    path = fs::temp_directory_path() /
           ("aelab-compare-test-" + tag + "-" + std::to_string(::getpid()) + ".sqlite");
    fs::remove(path);
  }
  ~TempDb() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  }
};

template <class R, class F>
R run_job(F&& f) {
  R result;
  train::Job job("test", [&](train::JobContext& ctx) { result = f(ctx); });
  job.wait();
  if (job.error()) std::rethrow_exception(job.error());
  return result;
}

int64_t train_ae(const data::Dataset& ds, const fs::path& db, bool deblur) {
  train::AeTrainConfig c;
  c.model = {"mlp", 8};
  // MSE: a few L1 epochs on so few digits end in the near-constant output (L1's median trap),
  // whose reconstructions would not depend on the input at all.
  c.loss = "mse";
  c.epochs = 8;
  c.batch = 16;
  c.threads = 1;
  c.optimizer.lr = 3e-3;
  c.dataset = ds.name;
  c.deblur = deblur;
  c.blur = {1.5, 7};
  return run_job<train::AeResult>(
             [&](train::JobContext& ctx) { return train::train_autoencoder(c, ds, db, ctx); })
      .run_id;
}

int64_t train_dis(const data::Dataset& ds, const fs::path& db) {
  train::DisNetConfig c;
  c.epochs = 1;
  c.batch = 32;
  c.threads = 1;
  return run_job<train::DisNetResult>(
             [&](train::JobContext& ctx) { return train::train_disnet(c, ds, db, ctx); })
      .run_id;
}

int64_t train_judge(const data::Dataset& ds, const fs::path& db) {
  train::ClassifierConfig c;
  c.epochs = 1;
  c.batch = 32;
  c.threads = 1;
  c.shift = 0;
  return run_job<train::ClassifierResult>(
             [&](train::JobContext& ctx) { return train::train_classifier(c, ds, db, ctx); })
      .run_id;
}

// One store for the whole file: an AE, a deblurring AE, a dis_net, a judge (a few seconds).
struct Lab {
  TempDb db{"lab"};
  data::Dataset ds = stroke_dataset(320, 40);
  int64_t ae = 0, deblur_ae = 0, dis = 0, judge = 0;
  Lab() {
    set_num_threads(1);
    dis = train_dis(ds, db.path);
    judge = train_judge(ds, db.path);
    ae = train_ae(ds, db.path, false);
    deblur_ae = train_ae(ds, db.path, true);
  }
};
Lab& lab() {
  static Lab l;
  return l;
}

double mean_of(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += t[i];
  return s / double(t.numel());
}

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

}  // namespace

TEST_CASE("compare: the originals' row and a run's row match the trainers' own measures",
          "[report]") {
  Lab& l = lab();
  const int64_t ids[] = {l.ae};
  report::Comparison c = report::compare_runs(l.db.path, ids, l.ds);
  REQUIRE(c.rows.size() == 2);
  CHECK(c.disnet_run == l.dis);
  CHECK(c.judge_run == l.judge);
  CHECK(c.test_count == 40);

  const report::ComparisonRow& o = c.rows[0];
  CHECK(o.run_id == 0);
  CHECK(o.kind == "original");
  CHECK(o.test_l1 == 0.0);
  CHECK(o.sharpness_ratio == 1.0);
  train::LoadedClassifier judge = train::load_classifier(l.db.path, l.judge);
  const double judge_on_clear =
      train::accuracy(train::classify(judge.net, l.ds.test_images), l.ds.test_labels);
  CHECK(o.judge_accuracy == Approx(judge_on_clear).epsilon(1e-12));
  train::LoadedDisNet dis = train::load_disnet(l.db.path, l.dis);
  CHECK(o.clear_score == Approx(mean_of(train::disnet_scores(dis.net, l.ds.test_images))));

  runs::RunStore store = runs::RunStore::open(l.db.path);
  auto ae =
      train::load_autoencoder(store.get_run(l.ae).config, store.load_checkpoint(l.ae, "final"));
  const report::ComparisonRow& r = c.rows[1];
  CHECK(r.run_id == l.ae);
  CHECK(r.kind == "ae");
  CHECK(r.latent == 8);
  CHECK(r.test_l1 ==
        Approx(train::evaluate_reconstruction(*ae, l.ds.test_images).l1).epsilon(1e-9));
  const Tensor recon = train::reconstruct_all(*ae, l.ds.test_images);
  CHECK(r.sharpness_ratio == Approx(analysis::sharpness_ratio(recon, l.ds.test_images)));
  CHECK(r.clear_score == Approx(mean_of(train::disnet_scores(dis.net, recon))));
  CHECK(r.judge_accuracy ==
        Approx(train::accuracy(train::classify(judge.net, recon), l.ds.test_labels)));

  // Strip: test labels are 3,4,...,9,0,1,2,...; the first of class k is index (k + 7) % 10.
  REQUIRE(c.strip_indices.size() == 10);
  for (int k = 0; k < 10; ++k) CHECK(c.strip_indices[k] == (k + 7) % 10);
  REQUIRE(c.strip.shape() == Shape{2, 10, 28, 28});
  for (int k = 0; k < 10; ++k)
    for (int p = 0; p < 784; p += 37) {
      CHECK(c.strip[k * 784 + p] == l.ds.test_images[c.strip_indices[k] * 784 + p]);
      CHECK(c.strip[(10 + k) * 784 + p] == recon[c.strip_indices[k] * 784 + p]);
    }

  nlohmann::json j = report::to_json(c);
  REQUIRE(j.at("rows").size() == 2);
  CHECK(j["rows"][1]["test_l1"].get<double>() == r.test_l1);
  CHECK(j["rows"][1]["run_id"].get<int64_t>() == l.ae);
  CHECK(j["judge_run"].get<int64_t>() == l.judge);
}

TEST_CASE("compare: a deblurring run is fed blurred digits and scored against clear ones",
          "[report]") {
  Lab& l = lab();
  const int64_t ids[] = {l.ae, l.deblur_ae};
  report::Comparison c = report::compare_runs(l.db.path, ids, l.ds, l.dis, l.judge, 3);
  REQUIRE(c.rows.size() == 3);
  CHECK(c.rows[2].deblur);
  CHECK(c.strip.shape() == Shape{3, 3, 28, 28});
  runs::RunStore store = runs::RunStore::open(l.db.path);
  auto ae = train::load_autoencoder(store.get_run(l.deblur_ae).config,
                                    store.load_checkpoint(l.deblur_ae, "final"));
  const Tensor blurred = data::gaussian_blur(l.ds.test_images, {1.5, 7});
  const Tensor recon = train::reconstruct_all(*ae, blurred);
  double l1 = 0;
  for (int64_t i = 0; i < recon.numel(); ++i)
    l1 += std::abs(double(recon[i]) - l.ds.test_images[i]);
  l1 /= double(recon.numel());
  CHECK(c.rows[2].test_l1 == Approx(l1).epsilon(1e-9));
  REQUIRE(train::evaluate_reconstruction(*ae, blurred).variation > 0.1);  // not collapsed
  // Not what the clear input would give (the check above could not tell the two apart otherwise).
  CHECK(std::abs(train::evaluate_reconstruction(*ae, l.ds.test_images).l1 - l1) > 1e-4);
}

TEST_CASE("compare: runs that are not autoencoders, unknown runs and bad settings are refused",
          "[report]") {
  Lab& l = lab();
  const int64_t dis_as_ae[] = {l.ae, l.dis};
  const std::string m = message_of([&] { (void)report::compare_runs(l.db.path, dis_as_ae, l.ds); });
  CHECK(m.find("run " + std::to_string(l.dis)) != std::string::npos);
  CHECK(m.find("'disnet'") != std::string::npos);
  CHECK(m.find("not an autoencoder") != std::string::npos);

  const int64_t missing[] = {9999};
  CHECK(message_of([&] {
          (void)report::compare_runs(l.db.path, missing, l.ds);
        }).find("no run with id 9999") != std::string::npos);
  CHECK_THROWS_AS(report::compare_runs(l.db.path, std::span<const int64_t>{}, l.ds), InputError);
  const int64_t ok[] = {l.ae};
  CHECK_THROWS_AS(report::compare_runs(l.db.path, ok, l.ds, 0, 0, -1), InputError);
  // The judge passed as dis_net and the other way round.
  CHECK_THROWS_AS(report::compare_runs(l.db.path, ok, l.ds, l.judge, 0), InputError);
  CHECK_THROWS_AS(report::compare_runs(l.db.path, ok, l.ds, 0, l.dis), InputError);
  // A run trained on another dataset.
  data::Dataset other = l.ds;
  other.name = "fashion";
  CHECK(message_of([&] {
          (void)report::compare_runs(l.db.path, ok, other);
        }).find("trained on 'strokes'") != std::string::npos);
}

TEST_CASE("compare: without a dis_net or judge run their columns are blank, not an error",
          "[report]") {
  data::Dataset ds = stroke_dataset(96, 20);
  TempDb db("missing");
  const int64_t ae = train_ae(ds, db.path, false);
  const int64_t ids[] = {ae};
  const report::Comparison c = report::compare_runs(db.path, ids, ds);
  REQUIRE(c.rows.size() == 2);
  CHECK(c.disnet_run == 0);
  CHECK(c.judge_run == 0);
  CHECK(std::isnan(c.rows[1].clear_score));
  CHECK(std::isnan(c.rows[1].judge_accuracy));
  CHECK(c.rows[1].test_l1 > 0);  // the rest is measured as before
  const report::Table t = report::comparison_table(c);
  CHECK(t.rows[1][4].text().empty());  // clear_score
  CHECK(t.rows[1][6].text().empty());  // judge_accuracy
  CHECK(report::to_json(c)["rows"][1]["clear_score"].is_null());
  const std::string text = report::format_table(c);
  CHECK(text.find("aelab train disnet") != std::string::npos);  // says how to fill them
  CHECK(text.find("aelab train classifier") != std::string::npos);
  // Once a dis_net run exists it is used; an id that is not one is still refused.
  const int64_t dis = train_dis(ds, db.path);
  const report::Comparison with = report::compare_runs(db.path, ids, ds);
  CHECK(with.disnet_run == dis);
  CHECK(std::isfinite(with.rows[1].clear_score));
  CHECK(std::isnan(with.rows[1].judge_accuracy));
  CHECK(message_of([&] {
          (void)report::compare_runs(db.path, ids, ds, 0, dis);
        }).find("not a classifier (judge) run") != std::string::npos);
}

TEST_CASE("compare: the strip image tiles originals and runs in columns with grey gaps",
          "[report]") {
  report::Comparison c;
  c.strip = Tensor({2, 3, 28, 28});
  for (int64_t col = 0; col < 2; ++col)
    for (int64_t row = 0; row < 3; ++row)
      c.strip[(col * 3 + row) * 784 + 5 * 28 + 7] = 0.1f * float(1 + col * 3 + row);
  c.strip[0] = 2.0f;  // out of range: clamped
  Tensor img = report::strip_image(c, 2);
  REQUIRE(img.shape() == Shape{3 * 28 + 2 * 2, 2 * 28 + 2});
  const int64_t w = img.dim(1);
  CHECK(img[0] == 1.0f);
  for (int64_t col = 0; col < 2; ++col)
    for (int64_t row = 0; row < 3; ++row)
      CHECK(img[(row * 30 + 5) * w + col * 30 + 7] == Approx(0.1 * (1 + col * 3 + row)));
  CHECK(img[28 * w + 3] == 0.5f);  // the gap between the first and second digit
  CHECK(img[3 * w + 28] == 0.5f);  // the gap between the columns
  CHECK(img[3 * w + 3] == 0.0f);
}

TEST_CASE(
    "compare: the comparison as a table names every row's model and what it was measured "
    "with",
    "[report]") {
  Lab& l = lab();
  const int64_t ids[] = {l.ae};
  const report::Comparison c = report::compare_runs(l.db.path, ids, l.ds);
  const report::Table t = report::comparison_table(c);
  REQUIRE(t.rows.size() == c.rows.size());
  REQUIRE(t.columns.size() == 11);
  CHECK(t.columns[0] == "run");
  CHECK(t.columns[3] == "test_l1");
  CHECK(t.columns[9] == "disnet_run");
  CHECK(t.rows[0][0].text() == "-");
  CHECK(t.rows[0][2].text() == "-");
  CHECK(t.rows[1][0].i == l.ae);
  CHECK(t.rows[1][2].text() == report::model_label(c.rows[1]));
  CHECK(t.rows[1][2].text().find("L8 (a)") != std::string::npos);
  CHECK(t.rows[1][3].d == c.rows[1].test_l1);
  CHECK(t.rows[1][6].d == c.rows[1].judge_accuracy);
  CHECK(t.rows[1][9].i == c.disnet_run);
  CHECK(t.rows[1][10].i == c.judge_run);
  // The CSV and Markdown forms carry the same cells.
  const std::string csv = report::to_csv(t);
  CHECK(csv.rfind("run,name,model,test_l1,", 0) == 0);
  CHECK(csv.find(report::Cell(c.rows[1].test_l1).text()) != std::string::npos);
  CHECK(report::to_markdown(t).find("| judge_run |") != std::string::npos);
}

TEST_CASE("run views: the same digits through every run, with their L1, scores and maps",
          "[report]") {
  Lab& l = lab();
  const int64_t ids[] = {l.ae, l.deblur_ae};
  report::ViewSpec spec;
  spec.pick = report::ImagePick::worst_of_baseline;
  spec.count = 4;
  spec.baseline = l.ae;
  spec.disnet_run = l.dis;
  const report::RunViews v =
      report::load_run_views(l.db.path, ids, train::datasets_fixed(l.ds), spec);
  REQUIRE(v.images.size() == 2);
  REQUIRE(v.picked.size() == 4);
  // The baseline's worst digits, worst first: its L1 falls along the rows, and no other test
  // digit is worse than the last one shown.
  for (size_t k = 1; k < 4; ++k) CHECK(v.l1[0][k - 1] >= v.l1[0][k]);
  auto ae = train::load_run_model(runs::RunStore::open(l.db.path), l.ae);
  const Tensor recon = train::reconstruct_all(*ae.model, l.ds.test_images);
  const std::vector<double> all = report::per_image_l1(recon, l.ds.test_images);
  for (double x : all) CHECK(x <= v.l1[0][0] + 1e-9);
  CHECK(all[size_t(v.picked[0])] == Approx(v.l1[0][0]));
  // Each image is the run's reconstruction of that digit.
  for (int64_t p = 0; p < 784; ++p) CHECK(v.images[0][p] == recon[v.picked[0] * 784 + p]);
  CHECK(v.originals[5] == l.ds.test_images[v.picked[0] * 784 + 5]);
  REQUIRE(v.clear.size() == 2);
  for (double s : v.clear[1]) CHECK((s >= 0 && s <= 1));
  REQUIRE(v.maps.size() == 2);
  CHECK(v.maps[0].method == "pca");  // L = 8
  CHECK(v.maps[0].xy.size() == size_t(l.ds.test_images.dim(0)) * 2);
  const Tensor grid = report::views_image(v, 2);
  CHECK(grid.shape() == Shape{4 * 28 + 3 * 2, 3 * 28 + 2 * 2});

  const int64_t with_dis[] = {l.ae, l.dis};
  CHECK(message_of([&] {
          (void)report::load_run_views(l.db.path, with_dis, train::datasets_fixed(l.ds), {});
        }).find("not an autoencoder") != std::string::npos);
  spec.baseline = 12345;
  CHECK_THROWS_AS(report::load_run_views(l.db.path, ids, train::datasets_fixed(l.ds), spec),
                  InputError);
}
