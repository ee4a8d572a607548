// aelab train ae | resume | disnet | classifier: headless training, the same code paths as the
// window.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_registry.hpp"
#include "cli/job_runner.hpp"
#include "data/dataset.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/presets.hpp"
#include "train/resume.hpp"
#include "train/run_checkpoint.hpp"

namespace aelab::cli {
namespace {

struct TrainAeOptions {
  train::AeTrainConfig config;
  std::string source_dir;
  bool json = false;
};

void print_ae_result(const train::AeTrainConfig& config, const train::AeResult& result, bool json) {
  if (json) {
    print_json(result.to_json());
    return;
  }
  std::printf("run %lld  %s  test L1 %.5f per pixel  (MSE %.5f)\n",
              static_cast<long long>(result.run_id), result.name.c_str(), result.test_l1,
              result.test_mse);
  std::printf("%d epochs in %.1f s, %.0f samples/s\n", result.epochs_done, result.train_seconds,
              result.samples_per_s);
  if (result.test_cluster_accuracy >= 0)
    std::printf(
        "cluster refinement: matched accuracy of its clusters on the test codes %.4f, "
        "%.2f %% of training codes changed cluster in the last epoch\n",
        result.test_cluster_accuracy, 100.0 * result.cluster_changes);
  if (result.test_clear_score >= 0)
    std::printf(
        "adversarial %s, lambda %g, dis_net run %lld: mean clear score of test "
        "reconstructions %.4f\n",
        config.adversarial.c_str(), result.lambda, static_cast<long long>(result.disnet_run),
        result.test_clear_score);
  if (result.collapsed)
    std::printf(
        "warning: reconstructions collapsed to a near-constant image (variation %.3f of "
        "the originals')\n",
        result.recon_variation);
}

void print_disnet_result(const train::DisNetResult& result, const std::string& name, bool json) {
  if (json) {
    print_json(result.to_json());
    return;
  }
  std::printf("run %lld  %s  test accuracy %.2f %% (clear %.2f %%, blurred %.2f %%)\n",
              static_cast<long long>(result.run_id), name.c_str(), 100 * result.test_accuracy,
              100 * result.clear_accuracy, 100 * result.blurred_accuracy);
  std::printf("mean clear score: %.4f on clear test digits, %.4f on blurred ones\n",
              result.clear_score_mean, result.blurred_score_mean);
  std::printf("%d epochs in %.1f s, %.0f images/s (clear + blurred)\n", result.epochs_done,
              result.train_seconds, result.samples_per_s);
}

void print_classifier_result(const train::ClassifierResult& result, bool json) {
  if (json) {
    print_json(result.to_json());
    return;
  }
  std::printf("run %lld  classifier (judge)  test accuracy %.2f %% on clear test digits\n",
              static_cast<long long>(result.run_id), 100 * result.test_accuracy);
  std::printf("%d epochs in %.1f s, %.0f samples/s\n", result.epochs_done, result.train_seconds,
              result.samples_per_s);
}

// The dataset a training names, loaded, with where it came from recorded in `source`. Both
// splits must hold images (InputError otherwise, before any run is recorded).
data::Dataset load_training_data(const std::string& name, const std::string& source_dir,
                                 int64_t limit, train::DataSource& source) {
  data::Dataset ds = data::load_dataset(name, data_dir(), source_dir, limit);
  train::require_both_splits(ds);
  source = train::describe_data_source(name, data_dir(), source_dir);
  return ds;
}

void run_train_ae(const TrainAeOptions& o) {
  train::AeTrainConfig config = o.config;
  train::validate(config);            // refuse bad settings before loading anything
  if (train::is_adversarial(config))  // and a missing dis_net (InputError with the command)
    (void)train::resolve_disnet_run(runs::RunStore::open(runs_db()), config.disnet_run);
  data::Dataset ds = load_training_data(config.dataset, o.source_dir, config.limit, config.source);
  train::AeResult result;
  train::Job job("train " + train::default_run_name(config), [&](train::JobContext& ctx) {
    result = train::train_autoencoder(config, ds, runs_db(), ctx);
  });
  run_job_in_terminal(job, o.json);
  print_ae_result(config, result, o.json);
}

struct ResumeOptions {
  int64_t run_id = 0;
  std::string source_dir;
  bool json = false;
};

void run_train_resume(const ResumeOptions& o) {
  // Refused in one line before the dataset is loaded: unknown, finished, running, diverged runs.
  const train::ResumeTarget t = train::check_resume(runs::RunStore::open(runs_db()), o.run_id);
  // From where the run recorded reading it, unless --data names where the files are now.
  data::Dataset ds = o.source_dir.empty()
                         ? train::load_requested_dataset(t.data, data_dir())
                         : data::load_dataset(t.data.name, data_dir(), o.source_dir, t.data.limit);
  train::ResumedRun r;
  train::Job job("resume run " + std::to_string(o.run_id), [&](train::JobContext& ctx) {
    r = train::resume_run(o.run_id, ds, runs_db(), ctx);
  });
  run_job_in_terminal(job, o.json);
  if (r.kind == runs::RunKind::disnet)
    print_disnet_result(r.disnet, t.summary.name, o.json);
  else if (r.kind == runs::RunKind::classifier)
    print_classifier_result(r.classifier, o.json);
  else
    print_ae_result(train::ae_config_from_json(t.summary.config), r.ae, o.json);
}

struct TrainDisNetOptions {
  train::DisNetConfig config;
  std::string source_dir;
  bool json = false;
};

void run_train_disnet(const TrainDisNetOptions& o) {
  train::DisNetConfig config = o.config;
  train::validate(config);
  data::Dataset ds = load_training_data(config.dataset, o.source_dir, config.limit, config.source);
  train::DisNetResult result;
  train::Job job("train " + train::default_run_name(config), [&](train::JobContext& ctx) {
    result = train::train_disnet(config, ds, runs_db(), ctx);
  });
  run_job_in_terminal(job, o.json);
  print_disnet_result(result, train::default_run_name(config), o.json);
}

struct TrainClassifierOptions {
  train::ClassifierConfig config;
  std::string source_dir;
  bool json = false;
};

void run_train_classifier(const TrainClassifierOptions& o) {
  train::ClassifierConfig config = o.config;
  train::validate(config);
  data::Dataset ds = load_training_data(config.dataset, o.source_dir, config.limit, config.source);
  train::ClassifierResult result;
  train::Job job("train classifier", [&](train::JobContext& ctx) {
    result = train::train_classifier(config, ds, runs_db(), ctx);
  });
  run_job_in_terminal(job, o.json);
  print_classifier_result(result, o.json);
}

}  // namespace

AELAB_REGISTER_COMMANDS(20) {
  auto* train = app.add_subcommand("train", "Train a model (autoencoder, dis_net, ...)");
  train->require_subcommand(1);

  auto o = std::make_shared<TrainAeOptions>();
  auto& c = o->config;
  auto* ae = train->add_subcommand("ae", "Train an autoencoder");
  // Defined first: CLI11 applies options in the order they are defined, so the file sets the
  // base and every flag given beside it overrides its value.
  ae->add_option_function<std::string>(
        "--preset-file",
        [o](const std::string& path) {
          o->config = train::apply_preset(train::read_preset_file(path), o->config);
        },
        "JSON preset (see aelab presets list): its config over the defaults; flags override it")
      ->type_name("FILE");
  ae->add_option("--preset", c.model.preset, "mlp | deep | conv")->capture_default_str();
  ae->add_option("--latent", c.model.latent, "Latent size L")->capture_default_str();
  ae->add_option("--epochs", c.epochs)->capture_default_str();
  ae->add_option("--loss", c.loss, "l1 | mse")->capture_default_str();
  ae->add_option("--lr", c.optimizer.lr, "Learning rate")->capture_default_str();
  ae->add_option("--batch", c.batch)->capture_default_str();
  ae->add_option("--optimizer", c.optimizer.name,
                 "sgd|momentum|nesterov|adagrad|rmsprop|adam|adamw|amsgrad")
      ->capture_default_str();
  ae->add_option("--seed", c.seed)->check(whole_number_at_least_0())->capture_default_str();
  ae->add_option("--threads", c.threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  ae->add_option("--dataset", c.dataset, "mnist-10k | fashion | mnist")->capture_default_str();
  ae->add_option("--data", o->source_dir,
                 "Directory with the four IDX files (for --dataset mnist)");
  ae->add_option("--limit", c.limit, "Use at most this many samples per split (0 = all)");
  ae->add_option("--name", c.name, "Run name");
  ae->add_option(
        "--adversarial", c.adversarial,
        "Part (b): none | frozen (pre-trained dis_net) | learning (dis_net keeps learning)")
      ->capture_default_str();
  ae->add_option("--lambda", c.lambda, "Weight of the dis_net term, >= 0")->capture_default_str();
  ae->add_option("--disnet", c.disnet_run, "dis_net run id (default: the latest finished one)");
  ae->add_flag("--deblur", c.deblur, "Blurred input, clear target");
  ae->add_option("--sigma", c.blur.sigma, "Blur sigma for --deblur and learning mode's negatives")
      ->capture_default_str();
  ae->add_option("--kernel", c.blur.kernel, "Blur kernel size (odd, 1..27)")->capture_default_str();
  ae->add_option("--augment-shift", c.augment.shift,
                 "Random shift of each training image, up to this many pixels")
      ->capture_default_str();
  ae->add_option("--augment-rotate", c.augment.rotate,
                 "Random rotation of each training image, up to this many degrees")
      ->capture_default_str();
  ae->add_option("--init-run", c.init_run,
                 "Start from this autoencoder run's final weights (same preset and latent)");
  ae->add_option("--cluster-epochs", c.cluster_epochs,
                 "Epochs of cluster refinement (IDEC) after the reconstruction epochs (0 = none)")
      ->capture_default_str();
  ae->add_option("--clusters", c.clusters, "Clusters of the refinement")->capture_default_str();
  ae->add_option("--cluster-weight", c.cluster_weight, "Weight of the refinement's KL term, > 0")
      ->capture_default_str();
  ae->add_option("--checkpoint-seconds", c.checkpoint_seconds,
                 "Store a checkpoint within an epoch at most this often (0 = after every step)")
      ->capture_default_str();
  ae->add_flag("--json", o->json, "Print one JSON object with the result on the last line");
  ae->callback([o] { run_train_ae(*o); });

  auto r = std::make_shared<ResumeOptions>();
  auto* resume = train->add_subcommand(
      "resume",
      "Continue a cancelled or interrupted run (ae, adv_ae, disnet, classifier) from its last "
      "checkpoint");
  resume->add_option("ID", r->run_id, "Run id (see `aelab runs list`)")->required();
  resume->add_option("--data", r->source_dir,
                     "Where the run's IDX files are now (default: the directory it recorded)");
  resume->add_flag("--json", r->json, "Print one JSON object with the result on the last line");
  resume->callback([r] { run_train_resume(*r); });

  auto d = std::make_shared<TrainDisNetOptions>();
  auto& dc = d->config;
  auto* dis = train->add_subcommand("disnet", "Train dis_net (clear vs Gaussian-blurred digits)");
  dis->add_option("--sigma", dc.blur.sigma, "Gaussian blur sigma (> 0)")->capture_default_str();
  dis->add_option("--kernel", dc.blur.kernel, "Blur kernel size (odd, 1..27)")
      ->capture_default_str();
  dis->add_option("--epochs", dc.epochs)->capture_default_str();
  dis->add_option("--batch", dc.batch, "Images per step, half clear and half blurred")
      ->capture_default_str();
  dis->add_option("--lr", dc.lr, "Adam learning rate")->capture_default_str();
  dis->add_option("--seed", dc.seed)->check(whole_number_at_least_0())->capture_default_str();
  dis->add_option("--threads", dc.threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  dis->add_option("--dataset", dc.dataset, "mnist-10k | fashion | mnist")->capture_default_str();
  dis->add_option("--data", d->source_dir,
                  "Directory with the four IDX files (for --dataset mnist)");
  dis->add_option("--limit", dc.limit, "Use at most this many samples per split (0 = all)");
  dis->add_option("--name", dc.name, "Run name");
  dis->add_option("--checkpoint-seconds", dc.checkpoint_seconds,
                  "Store a checkpoint within an epoch at most this often (0 = after every step)")
      ->capture_default_str();
  dis->add_flag("--json", d->json, "Print one JSON object with the result on the last line");
  dis->callback([d] { run_train_disnet(*d); });

  auto k = std::make_shared<TrainClassifierOptions>();
  auto& kc = k->config;
  auto* cls = train->add_subcommand(
      "classifier", "Train the digit classifier used as the judge in `aelab compare`");
  cls->add_option("--epochs", kc.epochs)->capture_default_str();
  cls->add_option("--batch", kc.batch)->capture_default_str();
  cls->add_option("--lr", kc.lr, "Adam learning rate")->capture_default_str();
  cls->add_option("--seed", kc.seed)->check(whole_number_at_least_0())->capture_default_str();
  cls->add_option("--threads", kc.threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  cls->add_option("--dataset", kc.dataset, "mnist-10k | fashion | mnist")->capture_default_str();
  cls->add_option("--data", k->source_dir,
                  "Directory with the four IDX files (for --dataset mnist)");
  cls->add_option("--limit", kc.limit, "Use at most this many samples per split (0 = all)");
  cls->add_option("--name", kc.name, "Run name");
  cls->add_option("--checkpoint-seconds", kc.checkpoint_seconds,
                  "Store a checkpoint within an epoch at most this often (0 = after every step)")
      ->capture_default_str();
  cls->add_flag("--json", k->json, "Print one JSON object with the result on the last line");
  cls->callback([k] { run_train_classifier(*k); });
}

}  // namespace aelab::cli
