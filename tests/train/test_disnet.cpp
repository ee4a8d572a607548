// dis_net, the judge and the adversarial autoencoder: learning on synthetic stroke "digits",
// the end-to-end gradient through dis_net into a conv decoder, config validation.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "data/blur.hpp"
#include "models/autoencoder.hpp"
#include "models/dis_net.hpp"
#include "nn/gradcheck.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/train_test_util.hpp"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

using test::run_job;
using test::stroke_dataset;
using test::TempDb;


train::DisNetConfig small_disnet_config() {
  train::DisNetConfig c;
  c.epochs = 1;
  c.batch = 32;
  c.threads = 1;
  return c;
}

}  // namespace

TEST_CASE("dis_net learns to tell blurred strokes from sharp ones", "[train][disnet]") {
  TempDb db;
  data::Dataset ds = stroke_dataset(600, 100);
  train::DisNetConfig c = small_disnet_config();
  auto r = run_job<train::DisNetResult>(
      [&](train::JobContext& ctx) { return train::train_disnet(c, ds, db.path, ctx); });
  CHECK(r.epochs_done == 1);
  CHECK(r.steps == 600 / 16 + 1);  // 16 digits (twice) per step, the last batch shorter
  CHECK(r.test_accuracy > 0.9);
  CHECK(r.clear_score_mean > r.blurred_score_mean + 0.5);

  runs::RunStore store = runs::RunStore::open(db.path);
  runs::RunRecord rec = store.get_run(r.run_id);
  CHECK(rec.summary.kind == runs::RunKind::disnet);
  CHECK(rec.summary.status == runs::RunStatus::finished);
  CHECK(rec.metrics.at("test_accuracy").values.back() == Approx(r.test_accuracy));

  // The stored weights reproduce the scores.
  train::LoadedDisNet loaded = train::load_disnet(db.path);  // latest finished
  CHECK(loaded.run_id == r.run_id);
  CHECK(loaded.config.blur.sigma == 1.5);
  Tensor sc = train::disnet_scores(loaded.net, ds.test_images);
  REQUIRE(sc.numel() == 100);
  double mean = 0;
  for (int64_t i = 0; i < sc.numel(); ++i) mean += sc[i] / 100.0;
  CHECK(mean == Approx(r.clear_score_mean).epsilon(1e-4));
}

TEST_CASE("dis_net configs and missing runs are refused", "[train][disnet]") {
  TempDb db;
  train::DisNetConfig c = small_disnet_config();
  c.blur.sigma = 0;
  CHECK_THROWS_AS(train::validate(c), InputError);
  c = small_disnet_config();
  c.blur.kernel = 6;
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.blur.kernel = 29;
  CHECK_THROWS_AS(train::validate(c), InputError);
  c = small_disnet_config();
  c.batch = 1;
  CHECK_THROWS_AS(train::validate(c), InputError);
  CHECK_THROWS_AS(train::load_disnet(db.path), InputError);      // none trained yet
  CHECK_THROWS_AS(train::load_disnet(db.path, 42), InputError);  // no such run
  // A round trip through the recorded JSON.
  c = small_disnet_config();
  c.blur = {2.0, 9};
  train::DisNetConfig back = train::disnet_config_from_json(train::to_json(c));
  CHECK(back.blur.sigma == 2.0);
  CHECK(back.blur.kernel == 9);
}

TEST_CASE("the judge classifies clear digits", "[train][classifier]") {
  TempDb db;
  data::Dataset ds = stroke_dataset(500, 100, 9);
  train::ClassifierConfig c;
  c.epochs = 2;
  c.batch = 32;
  c.threads = 1;
  auto r = run_job<train::ClassifierResult>(
      [&](train::JobContext& ctx) { return train::train_classifier(c, ds, db.path, ctx); });
  CHECK(r.test_accuracy > 0.9);
  train::LoadedClassifier judge = train::load_classifier(db.path);
  std::vector<uint8_t> pred = train::classify(judge.net, ds.test_images);
  CHECK(train::accuracy(pred, ds.test_labels) == Approx(r.test_accuracy));
  CHECK(runs::RunStore::open(db.path).get_run(r.run_id).summary.kind == runs::RunKind::classifier);
  // A classifier is not a dis_net.
  CHECK_THROWS_AS(train::load_disnet(db.path, r.run_id), InputError);
}

// The gradient the adversarial autoencoder trains its decoder with, d/dtheta of
// lambda * BCE(dis_net(decoder(z)), clear), checked against central differences along a random
// direction per tensor (every coordinate of the tensor moves at once). Per-coordinate checks drown
// here: one decoder weight moves the float loss by less than its rounding, and any perturbation
// crosses some of the ~30k ReLU and max-pool kinks; a directional derivative sums the whole
// tensor's gradient, far above both. The direction is mostly the analytic gradient itself (a
// random direction would see only ~1/sqrt(n) of it, again below float noise) plus a random part:
// a wrong gradient (scaled, mis-signed, or with a large error component) changes the loss along
// it by a different amount than it claims.
TEST_CASE("the dis_net term's gradient reaches a conv decoder correctly", "[train][gradcheck]") {
  set_num_threads(1);
  Rng rng(21);
  models::Autoencoder ae({"conv", 4}, rng);
  nn::Sequential dis = models::build_dis_net(rng);
  dis.set_needs_input_grad(true);
  nn::Sequential& dec = ae.decoder();
  dec.set_needs_input_grad(true);
  const double lambda = 0.7;
  Tensor z({3, 4});
  for (int64_t i = 0; i < z.numel(); ++i) z[i] = float(rng.normal());
  Tensor dx_hat;
  auto f = [&] { return train::clear_loss_and_gradient(dis, dec.forward(z), lambda, dx_hat); };

  // Analytic: the trainer's path (dis_net input gradient -> decoder backward).
  dec.zero_grad();
  const double f0 = f();
  const Tensor dz = dec.backward(dx_hat);  // (3, 4)
  REQUIRE(f0 > 0);

  auto directional = [&](Tensor& value, const Tensor& grad, const std::string& name) {
    Tensor v(value.shape());
    double rms = 0, dot = 0;
    for (int64_t i = 0; i < value.numel(); ++i) rms += double(value[i]) * value[i];
    rms = std::sqrt(rms / value.numel());
    if (rms == 0) rms = 0.05;  // biases start at zero
    double gnorm = 0;
    for (int64_t i = 0; i < grad.numel(); ++i) gnorm += double(grad[i]) * grad[i];
    gnorm = std::sqrt(gnorm);
    REQUIRE(gnorm > 0);
    // Scaled so the loss moves by ~eps * f0 / 10 along v: well above float rounding (~1e-7 f0).
    const double along = 0.1 * f0 / (gnorm * gnorm);
    for (int64_t i = 0; i < v.numel(); ++i) {
      v[i] =
          float(along * grad[i] +
                0.1 * rng.normal() * std::min(rms, along * gnorm / std::sqrt(double(v.numel()))));
      dot += double(grad[i]) * v[i];
    }
    const Tensor saved = value;
    for (double eps : {3e-4}) {
      for (int64_t i = 0; i < v.numel(); ++i) value[i] = saved[i] + float(eps) * v[i];
      const double fp = f();
      for (int64_t i = 0; i < v.numel(); ++i) value[i] = saved[i] - float(eps) * v[i];
      const double fm = f();
      value = saved;
      const double numeric = (fp - fm) / (2 * eps);
      INFO(name << " eps " << eps << ": analytic " << dot << ", numeric " << numeric);
      CHECK(std::abs(dot) > 1e-4 * f0);  // a direction the loss actually depends on
      // Seen: 0.4 to 4.5 % (curvature and crossed kinks; it shrinks with eps until rounding);
      // a wrong gradient (a missing lambda, a sign, a dropped layer) is off by far more.
      CHECK(std::abs(numeric - dot) <= 5e-2 * std::abs(dot));
    }
  };
  std::vector<nn::Param*> params = dec.params();
  REQUIRE(params.size() >= 6);  // dense + two transposed convs, weight and bias each
  for (size_t p = 0; p < params.size(); ++p) {
    const Tensor grad = params[p]->grad;
    directional(params[p]->value, grad, "decoder param " + std::to_string(p));
  }
  (void)dz;  // z's directional derivative is dominated by kinks at any usable eps: not checked

  // The term is lambda times the BCE: halving lambda halves the value and the gradient.
  Tensor dx1, dx2;
  const Tensor& x_hat = ae.decode(z);
  double v1 = train::clear_loss_and_gradient(dis, x_hat, 1.0, dx1);
  double v2 = train::clear_loss_and_gradient(dis, x_hat, 0.5, dx2);
  CHECK(v2 == Approx(v1 / 2));
  CHECK(dx2[100] == Approx(dx1[100] / 2));
}

TEST_CASE("adversarial autoencoder settings are validated", "[train][adversarial]") {
  TempDb db;
  train::AeTrainConfig c;
  c.model = {"mlp", 2};
  c.epochs = 1;
  c.threads = 1;
  c.adversarial = "frozen";
  CHECK_NOTHROW(train::validate(c));
  c.lambda = -0.1;
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.lambda = std::nan("");
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.lambda = 0.1;
  c.adversarial = "sometimes";
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.adversarial = "learning";
  c.blur.sigma = 0;
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.blur = {1.5, 4};
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.blur = {1.5, 29};
  CHECK_THROWS_AS(train::validate(c), InputError);
  c.blur = {1.5, 7};
  // No dis_net run in the store: refused before any run is recorded.
  data::Dataset ds = stroke_dataset(64, 16);
  CHECK_THROWS_AS(run_job<train::AeResult>([&](train::JobContext& ctx) {
                    return train::train_autoencoder(c, ds, db.path, ctx);
                  }),
                  InputError);
  CHECK(runs::RunStore::open(db.path).list_runs().empty());
  // The round trip keeps the new fields.
  c.deblur = true;
  c.disnet_run = 7;
  train::AeTrainConfig back = train::ae_config_from_json(train::to_json(c));
  CHECK(back.adversarial == "learning");
  CHECK(back.lambda == 0.1);
  CHECK(back.disnet_run == 7);
  CHECK(back.deblur);
}

TEST_CASE("adversarial training runs in both modes and records its metrics",
          "[train][adversarial]") {
  TempDb db;
  data::Dataset ds = stroke_dataset(128, 32);
  train::DisNetConfig dc = small_disnet_config();
  auto d = run_job<train::DisNetResult>(
      [&](train::JobContext& ctx) { return train::train_disnet(dc, ds, db.path, ctx); });
  for (const char* mode : {"frozen", "learning"}) {
    train::AeTrainConfig c;
    c.model = {"conv", 16};
    c.epochs = 1;
    c.batch = 64;
    c.threads = 1;
    c.adversarial = mode;
    c.lambda = 0.05;
    auto r = run_job<train::AeResult>(
        [&](train::JobContext& ctx) { return train::train_autoencoder(c, ds, db.path, ctx); });
    runs::RunStore store = runs::RunStore::open(db.path);
    runs::RunRecord rec = store.get_run(r.run_id);
    CHECK(rec.summary.kind == runs::RunKind::adv_ae);
    CHECK(rec.config.at("disnet_run") == d.run_id);
    CHECK(r.disnet_run == d.run_id);
    CHECK(r.test_clear_score >= 0.0);
    CHECK(r.test_clear_score <= 1.0);
    CHECK(rec.metrics.at("test_clear_score").size() == 1);
    CHECK(std::isfinite(r.test_l1));
    CHECK(rec.summary.result.at("lambda") == 0.05);
  }
}
