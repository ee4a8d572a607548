// aelab train ae: train an autoencoder headless, the same code path as the window's trainer.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_registry.hpp"
#include "cli/job_runner.hpp"
#include "data/dataset.hpp"
#include "train/ae_trainer.hpp"

namespace aelab::cli {
namespace {

struct TrainAeOptions {
  train::AeTrainConfig config;
  std::string source_dir;
  bool json = false;
};

void run_train_ae(const TrainAeOptions& o) {
  train::validate(o.config);  // refuse bad settings before loading anything
  data::Dataset ds = data::load_dataset(o.config.dataset, data_dir(), o.source_dir, o.config.limit);
  train::AeResult result;
  train::Job job("train " + train::default_run_name(o.config), [&](train::JobContext& ctx) {
    result = train::train_autoencoder(o.config, ds, runs_db(), ctx);
  });
  run_job_in_terminal(job, o.json);
  if (o.json) {
    std::printf("%s\n", result.to_json().dump().c_str());
    return;
  }
  std::printf("run %lld  %s  test L1 %.5f per pixel  (MSE %.5f)\n",
              static_cast<long long>(result.run_id), train::default_run_name(o.config).c_str(),
              result.test_l1, result.test_mse);
  std::printf("%d epochs in %.1f s, %.0f samples/s\n", result.epochs_done, result.train_seconds,
              result.samples_per_s);
  if (result.collapsed)
    std::printf("warning: reconstructions collapsed to a near-constant image (variation %.3f of "
                "the originals')\n",
                result.recon_variation);
}

}  // namespace

AELAB_REGISTER_COMMANDS(20) {
  auto* train = app.add_subcommand("train", "Train a model (autoencoder, dis_net, ...)");
  train->require_subcommand(1);

  auto o = std::make_shared<TrainAeOptions>();
  auto& c = o->config;
  auto* ae = train->add_subcommand("ae", "Train an autoencoder");
  ae->add_option("--preset", c.model.preset, "mlp | deep | conv")->capture_default_str();
  ae->add_option("--latent", c.model.latent, "Latent size L")->capture_default_str();
  ae->add_option("--epochs", c.epochs)->capture_default_str();
  ae->add_option("--loss", c.loss, "l1 | mse")->capture_default_str();
  ae->add_option("--lr", c.optimizer.lr, "Learning rate")->capture_default_str();
  ae->add_option("--batch", c.batch)->capture_default_str();
  ae->add_option("--optimizer", c.optimizer.name,
                 "sgd|momentum|nesterov|adagrad|rmsprop|adam|adamw|amsgrad")
      ->capture_default_str();
  ae->add_option("--seed", c.seed)->capture_default_str();
  ae->add_option("--threads", c.threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  ae->add_option("--dataset", c.dataset, "mnist-10k | fashion | mnist")->capture_default_str();
  ae->add_option("--data", o->source_dir, "Directory with the four IDX files (for --dataset mnist)");
  ae->add_option("--limit", c.limit, "Use at most this many samples per split (0 = all)");
  ae->add_option("--name", c.name, "Run name");
  ae->add_flag("--json", o->json, "Print one JSON object with the result on the last line");
  ae->callback([o] { run_train_ae(*o); });
}

}  // namespace aelab::cli
