// Loading an autoencoder run (train/run_model.hpp), its codes as CSV, and dis_net scoring
// (train/disnet_scoring.hpp), on runs trained here on synthetic strokes.
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/disnet_scoring.hpp"
#include "train/disnet_trainer.hpp"
#include "train/run_model.hpp"
#include "train_test_util.hpp"

using namespace aelab;
using test::run_job;

namespace {

train::AeTrainConfig small_ae(const data::Dataset& ds) {
  train::AeTrainConfig c;
  c.model = {"mlp", 2};
  c.loss = "mse";
  c.epochs = 2;
  c.batch = 32;
  c.threads = 1;
  c.optimizer.lr = 3e-3;
  c.dataset = ds.name;
  return c;
}

// One store for the file: a dis_net, an (a) run, a (b) run, a run without weights and one with
// weights but no stored codes.
struct Lab {
  test::TempDb db{"run-model"};
  data::Dataset ds = test::stroke_dataset(320, 40);
  train::DisNetResult dis;
  int64_t ae = 0, adv = 0, no_weights = 0, no_codes = 0;
  Lab() {
    set_num_threads(1);
    train::DisNetConfig dc;
    dc.epochs = 1;
    dc.batch = 32;
    dc.threads = 1;
    dc.dataset = ds.name;
    dis = run_job<train::DisNetResult>(
        [&](train::JobContext& ctx) { return train::train_disnet(dc, ds, db.path, ctx); });
    const train::AeTrainConfig c = small_ae(ds);
    ae = run_job<train::AeResult>([&](train::JobContext& ctx) {
           return train::train_autoencoder(c, ds, db.path, ctx);
         }).run_id;
    train::AeTrainConfig b = c;
    b.epochs = 1;
    b.adversarial = "frozen";
    adv = run_job<train::AeResult>([&](train::JobContext& ctx) {
            return train::train_autoencoder(b, ds, db.path, ctx);
          }).run_id;
    runs::RunStore store = runs::RunStore::open(db.path);
    no_weights = store.create_run(runs::RunKind::ae, "cancelled-early", train::to_json(c));
    store.finish_run(no_weights, runs::RunStatus::cancelled, "cancelled", {});
    no_codes = store.create_run(runs::RunKind::ae, "weights-only", train::to_json(c));
    store.save_checkpoint(no_codes, "final", store.load_checkpoint(ae, "final"));
    store.finish_run(no_codes, runs::RunStatus::finished, "", {});
  }
  [[nodiscard]] train::DatasetSource datasets() const { return train::datasets_fixed(ds); }
};
Lab& lab() {
  static Lab l;
  return l;
}

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream ss(s);
  while (std::getline(ss, cell, sep)) out.push_back(cell);
  return out;
}

}  // namespace

// [SECTION] Loading

TEST_CASE("run model: ae and adv_ae runs load with their codes, weights and model", "[train]") {
  Lab& l = lab();
  runs::RunStore store = runs::RunStore::open(l.db.path);
  for (int64_t id : {l.ae, l.adv}) {
    INFO("run " << id);
    train::RunModel r = train::load_run_codes(store, id, l.datasets());
    CHECK(r.summary.id == id);
    CHECK(r.summary.kind == (id == l.ae ? runs::RunKind::ae : runs::RunKind::adv_ae));
    CHECK(r.config.model.latent == 2);
    REQUIRE(r.model);
    REQUIRE(r.dataset.get() == &l.ds);
    CHECK_FALSE(r.codes_reencoded);
    REQUIRE(r.test_codes.shape() == Shape{40, 2});
    CHECK(r.weights.size() == r.model->params().size());
    // The stored codes are what the loaded model makes of the test digits.
    const Tensor again = train::encode_all(*r.model, l.ds.test_images);
    for (int64_t i = 0; i < again.numel(); ++i) CHECK(again[i] == Approx(r.test_codes[i]));
  }
}

TEST_CASE("run model: a run without stored codes is re-encoded from its weights", "[train]") {
  Lab& l = lab();
  runs::RunStore store = runs::RunStore::open(l.db.path);
  train::RunModel stored = train::load_run_codes(store, l.ae, l.datasets());
  train::RunModel r = train::load_run_codes(store, l.no_codes, l.datasets());
  CHECK(r.codes_reencoded);
  REQUIRE(r.test_codes.shape() == stored.test_codes.shape());
  for (int64_t i = 0; i < r.test_codes.numel(); ++i)
    CHECK(r.test_codes[i] == Approx(stored.test_codes[i]));
}

TEST_CASE("run model: other kinds, unknown ids and runs without weights are refused", "[train]") {
  Lab& l = lab();
  runs::RunStore store = runs::RunStore::open(l.db.path);
  const std::string dis = refusal([&] { (void)train::load_run_model(store, l.dis.run_id); });
  CHECK(dis.find("run " + std::to_string(l.dis.run_id)) != std::string::npos);
  CHECK(dis.find("'disnet'") != std::string::npos);
  CHECK(dis.find("not an autoencoder") != std::string::npos);
  CHECK(refusal([&] { (void)train::load_run_model(store, 9999); }).find("no run with id 9999") !=
        std::string::npos);
  CHECK(refusal([&] { (void)train::load_run_model(store, 0); }).find("must be > 0") !=
        std::string::npos);
  const std::string none = refusal([&] { (void)train::load_run_model(store, l.no_weights); });
  CHECK(none.find("has no final weights") != std::string::npos);
  CHECK(none.find("cancelled") != std::string::npos);
  CHECK_THROWS_AS(train::check_autoencoder_run(store, l.no_weights), InputError);
  CHECK(train::check_autoencoder_run(store, l.adv).summary.kind == runs::RunKind::adv_ae);
  // A run of another dataset than the one at hand.
  data::Dataset other = l.ds;
  other.name = "fashion";
  CHECK_THROWS_AS(train::load_run_codes(store, l.ae, train::datasets_fixed(other)), InputError);
}

// [SECTION] Codes as CSV

TEST_CASE("codes CSV: header index,split,label,z0.. and one row per code", "[train]") {
  Lab& l = lab();
  runs::RunStore store = runs::RunStore::open(l.db.path);
  train::RunModel r = train::load_run_codes(store, l.ae, l.datasets());
  for (train::Split sp : {train::Split::test, train::Split::train}) {
    const train::SplitCodes codes = train::split_codes(r, sp);
    const int64_t m = sp == train::Split::test ? 40 : 320;
    REQUIRE(codes.codes.shape() == Shape{m, 2});
    const std::vector<std::string> lines = split(train::codes_csv(codes), '\n');
    REQUIRE(lines.size() == size_t(m) + 1);
    CHECK(lines[0] == "index,split,label,z0,z1");
    const auto& labels = sp == train::Split::test ? l.ds.test_labels : l.ds.train_labels;
    for (int64_t i = 0; i < m; ++i) {
      const std::vector<std::string> cells = split(lines[i + 1], ',');
      REQUIRE(cells.size() == 5);
      CHECK(std::stol(cells[0]) == i);
      CHECK(cells[1] == train::split_name(sp));
      CHECK(std::stoi(cells[2]) == labels[i]);
      CHECK(std::stof(cells[3]) == codes.codes[2 * i]);  // 9 digits: the float exactly
      CHECK(std::stof(cells[4]) == codes.codes[2 * i + 1]);
    }
  }
  CHECK(train::parse_split("train") == train::Split::train);
  CHECK_THROWS_AS(train::parse_split("validation"), InputError);

  // The file holds the same text; an unwritable path is refused with its name.
  const train::SplitCodes codes = train::split_codes(r, train::Split::test);
  const std::filesystem::path out = l.db.path.string() + ".codes.csv";
  train::write_codes_csv(out, codes);
  std::ifstream f(out);
  std::stringstream text;
  text << f.rdbuf();
  CHECK(text.str() == train::codes_csv(codes));
  std::filesystem::remove(out);
  CHECK(refusal([&] {
          train::write_codes_csv("/proc/aelab-no/codes.csv", codes);
        }).find("/proc/aelab-no/codes.csv") != std::string::npos);
  train::SplitCodes short_labels = codes;
  short_labels.labels = short_labels.labels.subspan(1);
  CHECK_THROWS_AS(train::codes_csv(short_labels), InputError);
}

// [SECTION] dis_net scores

TEST_CASE("dis_net scores: in [0, 1], blurred below clear, the trainer's own numbers", "[train]") {
  Lab& l = lab();
  runs::RunStore store = runs::RunStore::open(l.db.path);
  train::ScoreRequest req;
  req.disnet_run = l.dis.run_id;
  req.ae_run = l.ae;
  const train::DisNetScores s = train::score_test_digits(store, req, l.datasets());
  CHECK(s.disnet_run == l.dis.run_id);
  CHECK(s.ae_run == l.ae);
  CHECK(s.dataset == "strokes");
  REQUIRE(s.clear.size() == 40);
  REQUIRE(s.blurred.size() == 40);
  REQUIRE(s.recon.size() == 40);
  for (const auto* v : {&s.clear, &s.blurred, &s.recon})
    for (float x : *v) {
      CHECK(x >= 0.0f);
      CHECK(x <= 1.0f);
    }
  CHECK(s.blurred_mean < s.clear_mean);
  // With the dis_net run's own blur the summaries are the ones its training measured.
  CHECK(s.clear_mean == Approx(l.dis.clear_score_mean).epsilon(1e-4));
  CHECK(s.blurred_mean == Approx(l.dis.blurred_score_mean).epsilon(1e-4));
  CHECK(s.accuracy == Approx(l.dis.test_accuracy));
  double recon_sum = 0;
  for (float x : s.recon) recon_sum += x;
  CHECK(s.recon_mean == Approx(recon_sum / 40));
  CHECK(s.recon_clear_fraction >= 0.0);
  const nlohmann::json j = train::to_json(s, true);
  CHECK(j.at("recon").size() == 40);
  CHECK(j.at("clear_mean") == s.clear_mean);

  // Without a run: no reconstructions; the latest dis_net when none is named.
  const train::DisNetScores plain = train::score_test_digits(store, {}, l.datasets());
  CHECK(plain.disnet_run == l.dis.run_id);
  CHECK(plain.recon.empty());
  CHECK(plain.recon_mean < 0);
  CHECK(train::format_scores(plain).find("clear vs blurred accuracy") != std::string::npos);
}

TEST_CASE("dis_net scores: a run that is not an autoencoder, or not a dis_net, is refused",
          "[train]") {
  Lab& l = lab();
  runs::RunStore store = runs::RunStore::open(l.db.path);
  train::ScoreRequest req;
  req.disnet_run = l.dis.run_id;
  req.ae_run = l.dis.run_id;
  CHECK(refusal([&] {
          (void)train::score_test_digits(store, req, l.datasets());
        }).find("not an autoencoder") != std::string::npos);
  req.ae_run = l.no_weights;
  CHECK_THROWS_AS(train::score_test_digits(store, req, l.datasets()), InputError);
  req.ae_run = 0;
  req.disnet_run = l.ae;
  CHECK(refusal([&] {
          (void)train::score_test_digits(store, req, l.datasets());
        }).find("not a dis_net") != std::string::npos);
  req.disnet_run = l.dis.run_id;
  req.blur = data::BlurSpec{1.0, 4};  // even kernel
  CHECK_THROWS_AS(train::score_test_digits(store, req, l.datasets()), InputError);
}
