#include <catch2/catch.hpp>
#include <filesystem>

#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/train_test_util.hpp"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

using test::TempDb;
using test::tiny_dataset;

train::AeTrainConfig tiny_config() {
  train::AeTrainConfig c;
  c.model = {"mlp", 2};
  c.epochs = 3;
  c.batch = 32;
  c.threads = 1;
  c.optimizer.lr = 3e-3;
  return c;
}

train::AeResult run(const train::AeTrainConfig& c, const data::Dataset& ds, const fs::path& db) {
  train::AeResult result;
  train::Job job("test",
                 [&](train::JobContext& ctx) { result = train_autoencoder(c, ds, db, ctx); });
  job.wait();
  if (job.error()) std::rethrow_exception(job.error());
  return result;
}

}  // namespace

TEST_CASE("training records the run, its metrics, weights and codes", "[train]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(256, 64);
  train::AeResult r = run(tiny_config(), ds, db.path);
  REQUIRE(r.epochs_done == 3);
  REQUIRE(r.steps == 3 * 8);
  // Learning happened: an untrained sigmoid net outputs ~0.5 everywhere, L1 ~0.4 on this data.
  REQUIRE(r.test_l1 < 0.2);
  runs::RunStore store = runs::RunStore::open(db.path);
  runs::RunRecord rec = store.get_run(r.run_id);
  REQUIRE(rec.summary.status == runs::RunStatus::finished);
  REQUIRE(rec.metrics.at("test_l1").size() == 3);
  REQUIRE(rec.metrics.at("test_l1").values.back() == Approx(r.test_l1));
  runs::NamedTensors codes = store.load_tensor_artefact(r.run_id, "test_codes");
  REQUIRE(codes.at(0).value.shape() == Shape{64, 2});
  // The stored weights rebuild the same model: same test L1.
  auto ae = train::load_autoencoder(rec.config, store.load_checkpoint(r.run_id, "final"));
  REQUIRE(train::evaluate_reconstruction(*ae, ds.test_images).l1 ==
          Approx(r.test_l1).epsilon(1e-6));
}

TEST_CASE("same config, seed and threads give the same numbers", "[train]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(128, 32);
  train::AeTrainConfig c = tiny_config();
  c.epochs = 2;
  train::AeResult a = run(c, ds, db.path);
  train::AeResult b = run(c, ds, db.path);
  REQUIRE(a.test_l1 == b.test_l1);
  REQUIRE(a.train_loss == b.train_loss);
  c.seed = 1;
  train::AeResult other = run(c, ds, db.path);
  REQUIRE(other.test_l1 != a.test_l1);
}

TEST_CASE("a non-finite loss ends the run as diverged with its step", "[train]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(64, 16);
  ds.train_images[5] = std::numeric_limits<float>::quiet_NaN();
  train::AeTrainConfig c = tiny_config();
  c.batch = 64;
  REQUIRE_THROWS_AS(run(c, ds, db.path), DivergedError);
  runs::RunStore store = runs::RunStore::open(db.path);
  auto runs = store.list_runs();
  REQUIRE(runs.at(0).status == runs::RunStatus::diverged);
  REQUIRE(runs.at(0).message.find("diverged at step 0") != std::string::npos);
}

TEST_CASE("a cancelled training is recorded as cancelled", "[train]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(256, 16);
  train::AeTrainConfig c = tiny_config();
  c.epochs = 100000;
  train::Job job("cancel me",
                 [&](train::JobContext& ctx) { train_autoencoder(c, ds, db.path, ctx); });
  while (job.progress() == 0.0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  job.cancel();
  job.wait();
  REQUIRE(job.state() == train::JobState::cancelled);
  runs::RunStore store = runs::RunStore::open(db.path);
  REQUIRE(store.list_runs().at(0).status == runs::RunStatus::cancelled);
}

TEST_CASE("impossible settings are refused before training", "[train]") {
  train::AeTrainConfig c = tiny_config();
  c.batch = 0;
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c = tiny_config();
  c.loss = "huber";
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c = tiny_config();
  c.optimizer.lr = -1;
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  REQUIRE(train::ae_config_from_json(train::to_json(tiny_config())).model.latent == 2);
}

TEST_CASE("reconstructions that ignore the input count as collapsed", "[train]") {
  data::Dataset ds = tiny_dataset(8, 64);
  Rng rng(2);
  models::Autoencoder ae({"mlp", 2}, rng);
  // Zero the decoder's last weight: every image decodes to sigmoid(bias), one constant picture.
  std::vector<nn::Param*> params = ae.params();
  params[params.size() - 2]->value.zero();
  train::ReconstructionError constant = train::evaluate_reconstruction(ae, ds.test_images);
  REQUIRE(constant.variation == Approx(0.0).margin(1e-6));
  // A fresh, untrained decoder still follows its input somewhat; the originals vary fully.
  models::Autoencoder fresh({"mlp", 2}, rng);
  REQUIRE(train::evaluate_reconstruction(fresh, ds.test_images).variation > 0.0);
}

TEST_CASE("cluster refinement records its clusters and keeps the codes faithful",
          "[train][clustering]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(256, 64);
  train::AeTrainConfig c = tiny_config();
  c.cluster_epochs = 2;
  c.clusters = 2;
  c.augment = {1.0, 5.0};
  train::AeResult r = run(c, ds, db.path);
  REQUIRE(r.epochs_done == 5);
  REQUIRE(r.steps == 5 * 8);
  REQUIRE(r.test_l1 < 0.2);  // the decoder still reconstructs
  // Two well-separated kinds of image: the learnt clusters are the two kinds.
  REQUIRE(r.test_cluster_accuracy > 0.95);
  runs::RunStore store = runs::RunStore::open(db.path);
  runs::RunRecord rec = store.get_run(r.run_id);
  REQUIRE(rec.metrics.at("test_cluster_acc").size() == 2);
  REQUIRE(rec.metrics.at("train_kl").size() == 2);
  REQUIRE(rec.metrics.at("test_l1").size() == 5);
  REQUIRE(store.load_tensor_artefact(r.run_id, "cluster_centres").at(0).value.shape() ==
          Shape{2, 2});
  REQUIRE(store.load_tensor_artefact(r.run_id, "test_codes").at(0).value.shape() == Shape{64, 2});
  REQUIRE(rec.summary.name == "mlp-L2-l1-aug-idec2-s0");
}

TEST_CASE("impossible cluster refinement settings are refused", "[train][clustering]") {
  train::AeTrainConfig c = tiny_config();
  c.cluster_epochs = -1;
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c = tiny_config();
  c.cluster_epochs = 3;
  c.clusters = 1;
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c.clusters = 10;
  c.cluster_weight = 0;
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c.cluster_weight = std::nan("");
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c.cluster_weight = 0.1;
  c.augment = {2.0, -1.0};
  REQUIRE_THROWS_AS(train::validate(c), InputError);
  c.augment = {2.0, 10.0};
  train::AeTrainConfig back = train::ae_config_from_json(train::to_json(c));
  REQUIRE(back.cluster_epochs == 3);
  REQUIRE(back.clusters == 10);
  REQUIRE(back.cluster_weight == 0.1);
  REQUIRE(back.augment.rotate == 10.0);
}

TEST_CASE("a run can start from another run's weights and refine its clusters",
          "[train][clustering]") {
  TempDb db;
  data::Dataset ds = tiny_dataset(256, 64);
  train::AeResult first = run(tiny_config(), ds, db.path);
  train::AeTrainConfig c = tiny_config();
  c.init_run = first.run_id;
  c.epochs = 0;
  c.cluster_epochs = 1;
  c.clusters = 2;
  train::AeResult refined = run(c, ds, db.path);
  REQUIRE(refined.epochs_done == 1);
  // One refinement epoch from trained weights, not from scratch: the reconstructions stay good.
  REQUIRE(refined.test_l1 < 0.2);
  REQUIRE(refined.test_cluster_accuracy > 0.95);

  c.init_run = 999;
  REQUIRE_THROWS_AS(run(c, ds, db.path), InputError);
  c.init_run = first.run_id;
  c.model.latent = 3;
  REQUIRE_THROWS_AS(run(c, ds, db.path), InputError);
  c = tiny_config();
  c.epochs = 0;  // nothing to start from: no epochs is no training
  REQUIRE_THROWS_AS(train::validate(c), InputError);
}

TEST_CASE("the clustering recipe is a valid deep L16 run with augmentation and refinement",
          "[train][clustering]") {
  train::AeTrainConfig c = train::clustering_recipe();
  REQUIRE_NOTHROW(train::validate(c));
  REQUIRE(c.model.preset == "deep");
  REQUIRE(c.model.latent == 16);
  REQUIRE(c.augment.active());
  REQUIRE(c.cluster_epochs > 0);
  REQUIRE(train::default_run_name(c) == "deep-L16-mse-aug-idec30-s0");
}
