#include "train/ae_trainer.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "data/batcher.hpp"
#include "nn/clustering.hpp"
#include "nn/loss.hpp"
#include "nn/params.hpp"
#include "optim/optimizer_json.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_store.hpp"
#include "runs/run_text.hpp"
#include "train/disnet_trainer.hpp"
#include "train/network_optimizer.hpp"
#include "train/presets.hpp"
#include "train/run_ending.hpp"

namespace aelab::train {

// [SECTION] Config

void validate(const AeTrainConfig& c) {
  models::validate(c.model);
  if (c.loss != "l1" && c.loss != "mse")
    throw InputError("unknown loss '" + c.loss + "' (use l1 or mse)");
  if (c.batch < 1 || c.batch > 65536)
    throw InputError("batch size must be between 1 and 65536, got " + std::to_string(c.batch));
  const int min_epochs = c.init_run > 0 && c.cluster_epochs > 0 ? 0 : 1;
  if (c.epochs < min_epochs || c.epochs > 100000)
    throw InputError("epochs must be between " + std::to_string(min_epochs) + " and 100000, got " +
                     std::to_string(c.epochs));
  if (c.init_run < 0)
    throw InputError("the run to start from must be an id > 0 (0: none), got " +
                     std::to_string(c.init_run));
  if (c.threads < 0 || c.threads > 1024)
    throw InputError("threads must be >= 0 (0 = all cores), got " + std::to_string(c.threads));
  if (c.limit < 0) throw InputError("limit must be >= 0");
  validate_checkpoint_seconds(c.checkpoint_seconds);
  data::validate(c.augment);
  optim::validate(c.optimizer);
  if (c.adversarial != "none" && c.adversarial != "frozen" && c.adversarial != "learning")
    throw InputError("unknown adversarial mode '" + c.adversarial +
                     "' (use none, frozen or learning)");
  if (!(c.lambda >= 0) || !std::isfinite(c.lambda))
    throw InputError("lambda must be >= 0 (the weight of the dis_net term), got " +
                     std::to_string(c.lambda));
  if (c.disnet_run < 0)
    throw InputError("dis_net run id must be > 0 (0: the latest), got " +
                     std::to_string(c.disnet_run));
  if (c.deblur || is_adversarial(c)) data::validate(c.blur);
  if (c.cluster_epochs < 0 || c.cluster_epochs > 100000)
    throw InputError("cluster epochs must be between 0 and 100000, got " +
                     std::to_string(c.cluster_epochs));
  if (c.cluster_epochs > 0) {
    if (c.clusters < 2 || c.clusters > 1000)
      throw InputError("clusters must be between 2 and 1000, got " + std::to_string(c.clusters));
    if (!(c.cluster_weight > 0) || !std::isfinite(c.cluster_weight))
      throw InputError("cluster weight must be > 0 (the weight of the KL term), got " +
                       std::to_string(c.cluster_weight));
  }
}

AeTrainConfig clustering_recipe() {
  return apply_preset(preset(kClusteringPreset));
}

nlohmann::json to_json(const AeTrainConfig& c) {
  return {{"model", models::to_json(c.model)},
          {"loss", c.loss},
          {"optimizer", optim::to_json(c.optimizer)},
          {"batch", c.batch},
          {"epochs", c.epochs},
          {"seed", c.seed},
          {"threads", c.threads},
          {"dataset", c.dataset},
          {"limit", c.limit},
          {"augment", {{"shift", c.augment.shift}, {"rotate", c.augment.rotate}}},
          {"name", c.name},
          {"adversarial", c.adversarial},
          {"lambda", c.lambda},
          {"disnet_run", c.disnet_run},
          {"deblur", c.deblur},
          {"blur", {{"sigma", c.blur.sigma}, {"kernel", c.blur.kernel}}},
          {"cluster_epochs", c.cluster_epochs},
          {"clusters", c.clusters},
          {"cluster_weight", c.cluster_weight},
          {"init_run", c.init_run},
          {"checkpoint_seconds", c.checkpoint_seconds},
          {"data_source", to_json(c.source)}};
}

AeTrainConfig ae_config_from_json(const nlohmann::json& j) {
  AeTrainConfig c;
  try {
    c.model = models::autoencoder_spec_from_json(j.at("model"));
    c.loss = json_value(j, "loss", c.loss, "training config");
    if (j.contains("optimizer")) c.optimizer = optim::optimizer_config_from_json(j.at("optimizer"));
    c.batch = json_value(j, "batch", c.batch, "training config");
    c.epochs = json_value(j, "epochs", c.epochs, "training config");
    c.seed = json_value(j, "seed", c.seed, "training config");
    c.threads = json_value(j, "threads", c.threads, "training config");
    c.dataset = json_value(j, "dataset", c.dataset, "training config");
    c.limit = json_value(j, "limit", c.limit, "training config");
    if (j.contains("augment")) {
      c.augment.shift =
          json_value(j.at("augment"), "shift", c.augment.shift, "training config: augment");
      c.augment.rotate =
          json_value(j.at("augment"), "rotate", c.augment.rotate, "training config: augment");
    }
    c.name = json_value(j, "name", c.name, "training config");
    c.adversarial = json_value(j, "adversarial", c.adversarial, "training config");
    c.lambda = json_value(j, "lambda", c.lambda, "training config");
    c.disnet_run = json_value(j, "disnet_run", c.disnet_run, "training config");
    c.deblur = json_value(j, "deblur", c.deblur, "training config");
    if (j.contains("blur")) {
      c.blur.sigma = json_value(j.at("blur"), "sigma", c.blur.sigma, "training config: blur");
      c.blur.kernel = json_value(j.at("blur"), "kernel", c.blur.kernel, "training config: blur");
    }
    c.cluster_epochs = json_value(j, "cluster_epochs", c.cluster_epochs, "training config");
    c.clusters = json_value(j, "clusters", c.clusters, "training config");
    c.cluster_weight = json_value(j, "cluster_weight", c.cluster_weight, "training config");
    c.init_run = json_value(j, "init_run", c.init_run, "training config");
    c.checkpoint_seconds =
        json_value(j, "checkpoint_seconds", c.checkpoint_seconds, "training config");
    c.source = data_source_from_json(j.value("data_source", nlohmann::json::object()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("bad training config: ") + e.what());
  }
  validate(c);
  return c;
}

std::string default_run_name(const AeTrainConfig& c) {
  std::string name = c.model.preset + "-L" + std::to_string(c.model.latent) + "-" + c.loss;
  if (is_adversarial(c)) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "-%s%g", c.adversarial.c_str(), c.lambda);
    name += buf;
  }
  if (c.deblur) name += "-deblur";
  if (c.augment.active()) name += "-aug";
  if (c.cluster_epochs > 0) name += "-idec" + std::to_string(c.cluster_epochs);
  return name + "-s" + std::to_string(c.seed);
}

nlohmann::json AeResult::to_json() const {
  nlohmann::json j = {{"run_id", run_id},
                      {"epochs_done", epochs_done},
                      {"steps", steps},
                      {"test_l1", test_l1},
                      {"test_mse", test_mse},
                      {"train_loss", train_loss},
                      {"train_seconds", train_seconds},
                      {"samples_per_s", samples_per_s},
                      {"collapsed", collapsed},
                      {"recon_variation", recon_variation}};
  if (test_clear_score >= 0) {
    j["disnet_run"] = disnet_run;
    j["lambda"] = lambda;
    j["test_clear_score"] = test_clear_score;
  }
  if (test_cluster_accuracy >= 0) {
    j["test_cluster_accuracy"] = test_cluster_accuracy;
    j["cluster_changes"] = cluster_changes;
  }
  return j;
}

// [SECTION] Evaluation

namespace {

constexpr int64_t kEvalBatch = 500;

// Mean over pixels of the standard deviation across images (how much images differ).
double mean_pixel_std(const Tensor& images) {
  const int64_t m = images.dim(0), d = images.numel() / std::max<int64_t>(m, 1);
  if (m < 2) return 0.0;
  std::vector<double> sum(d, 0.0), sq(d, 0.0);
  for (int64_t i = 0; i < m; ++i) {
    const float* r = images.data() + i * d;
    for (int64_t j = 0; j < d; ++j) {
      sum[j] += r[j];
      sq[j] += double(r[j]) * r[j];
    }
  }
  double total = 0;
  for (int64_t j = 0; j < d; ++j) {
    double mean = sum[j] / m;
    total += std::sqrt(std::max(0.0, sq[j] / m - mean * mean));
  }
  return total / d;
}

template <class F>
void for_each_batch(const Tensor& images, F&& f) {
  Tensor batch;
  for (int64_t b = 0; b < images.dim(0); b += kEvalBatch) {
    int64_t e = std::min(images.dim(0), b + kEvalBatch);
    batch = slice_rows(images, b, e);
    f(b, e, batch);
  }
}

}  // namespace

Tensor reconstruct_all(models::Autoencoder& ae, const Tensor& images) {
  Tensor out(images.shape());
  const int64_t d = images.numel() / std::max<int64_t>(images.dim(0), 1);
  for_each_batch(images, [&](int64_t b, int64_t, const Tensor& batch) {
    const Tensor& y = ae.forward(batch);
    std::copy_n(y.data(), y.numel(), out.data() + b * d);
  });
  return out;
}

Tensor encode_all(models::Autoencoder& ae, const Tensor& images) {
  Tensor out({images.dim(0), ae.spec().latent});
  for_each_batch(images, [&](int64_t b, int64_t, const Tensor& batch) {
    const Tensor& z = ae.encode(batch);
    std::copy_n(z.data(), z.numel(), out.data() + b * ae.spec().latent);
  });
  return out;
}

ReconstructionError evaluate_reconstruction(models::Autoencoder& ae, const Tensor& images) {
  Tensor recon = reconstruct_all(ae, images);
  ReconstructionError err;
  double l1 = 0, mse = 0;
  for (int64_t i = 0; i < images.numel(); ++i) {
    double diff = double(recon[i]) - images[i];
    l1 += std::abs(diff);
    mse += diff * diff;
  }
  err.l1 = l1 / std::max<int64_t>(images.numel(), 1);
  err.mse = mse / std::max<int64_t>(images.numel(), 1);
  double orig = mean_pixel_std(images);
  err.variation = orig > 0 ? mean_pixel_std(recon) / orig : 0.0;
  return err;
}

std::unique_ptr<models::Autoencoder> load_autoencoder(const nlohmann::json& config,
                                                      const runs::NamedTensors& weights) {
  AeTrainConfig c = ae_config_from_json(config);
  Rng rng(c.seed);
  auto ae = std::make_unique<models::Autoencoder>(c.model, rng);
  std::vector<nn::Param*> params = ae->params();
  if (params.size() != weights.size())
    throw InputError("checkpoint has " + std::to_string(weights.size()) + " tensors, the model " +
                     std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]->value.shape() != weights[i].value.shape())
      throw InputError("checkpoint tensor " + std::to_string(i) + " has shape " +
                       shape_str(weights[i].value.shape()) + ", the model wants " +
                       shape_str(params[i]->value.shape()));
  }
  for (size_t i = 0; i < params.size(); ++i) params[i]->value = weights[i].value;
  return ae;
}

// [SECTION] Training

namespace {

// Below this fraction of the originals' variation the reconstructions count as collapsed.
constexpr double kCollapseVariation = 0.15;
// Weight snapshots for the window at most this often (a copy of every parameter).
constexpr double kSnapshotSeconds = 0.5;

}  // namespace

double clear_loss_and_gradient(nn::Sequential& dis_net, const Tensor& x_hat, double lambda,
                               Tensor& dx_hat) {
  const Tensor& logits = dis_net.forward(x_hat);  // (N, 1)
  Tensor clear(logits.shape(), 1.0f);
  nn::BCEWithLogitsLoss bce;
  bce.forward(logits, clear);
  const Tensor& dx = dis_net.backward(bce.backward());  // (N, 1, 28, 28)
  if (dx.shape() != x_hat.shape())
    throw std::logic_error("dis_net returned no input gradient: set_needs_input_grad(true)");
  dx_hat.resize(x_hat.shape());
  const float l = static_cast<float>(lambda);
  for (int64_t i = 0; i < dx.numel(); ++i) dx_hat[i] = l * dx[i];
  return lambda * bce.last_value();
}

namespace {

// Mean clear score of dis_net on reconstructions.
double mean_clear_score(nn::Sequential& dis_net, const Tensor& recon) {
  Tensor s = disnet_scores(dis_net, recon);
  double sum = 0;
  for (int64_t i = 0; i < s.numel(); ++i) sum += s[i];
  return s.numel() ? sum / double(s.numel()) : 0.0;
}

// The test error of an autoencoder fed `input` and judged against `target` (they differ when
// deblurring).
ReconstructionError evaluate_against(models::Autoencoder& ae, const Tensor& input,
                                     const Tensor& target, Tensor& recon) {
  recon = reconstruct_all(ae, input);
  ReconstructionError err;
  double l1 = 0, mse = 0;
  for (int64_t i = 0; i < target.numel(); ++i) {
    double diff = double(recon[i]) - target[i];
    l1 += std::abs(diff);
    mse += diff * diff;
  }
  const double n = double(std::max<int64_t>(target.numel(), 1));
  err.l1 = l1 / n;
  err.mse = mse / n;
  double orig = mean_pixel_std(target);
  err.variation = orig > 0 ? mean_pixel_std(recon) / orig : 0.0;
  return err;
}

// One learning-mode dis_net step: clear digits (1, weight 1/2) against the reconstructions (0,
// 1/4) and blurred digits (0, 1/4). Three forwards of the same batch size, so the conv primitives
// built for that shape are reused.
void disnet_learning_step(nn::Sequential& dis_net, optim::Optimizer& opt, const Tensor& clear,
                          const Tensor& x_hat, const Tensor& blurred) {
  dis_net.zero_grad();
  nn::BCEWithLogitsLoss bce;
  Tensor target, grad;
  auto part = [&](const Tensor& x, float label, float weight) {
    const Tensor& logits = dis_net.forward(x);
    target.resize(logits.shape());
    target.fill(label);
    bce.forward(logits, target);
    grad = bce.backward();
    for (int64_t i = 0; i < grad.numel(); ++i) grad[i] *= weight;
    dis_net.backward(grad);
  };
  part(clear, 1.0f, 0.5f);
  part(x_hat, 0.0f, 0.25f);
  part(blurred, 0.0f, 0.25f);
  opt.step();
}

// [SECTION] Cluster refinement

// The clustering head's state between epochs: the centres (a Param of `head`), the target P for
// every training code, and the hard assignments the last target was made from.
struct ClusterRefinement {
  nn::SoftAssignment head;
  nn::KLDivLoss kl;
  Tensor target;              // (N_train, K)
  std::vector<int> assigned;  // (N_train)
  Tensor p_batch, dq, dz;
};

// DEC's start: k-means (10 restarts) on the codes of the whole training set.
std::unique_ptr<ClusterRefinement> start_refinement(const Tensor& codes, const AeTrainConfig& c) {
  analysis::KMeansConfig kc;
  kc.k = c.clusters;
  kc.seed = c.seed;
  analysis::KMeansResult km = analysis::kmeans(codes, kc);
  auto r = std::make_unique<ClusterRefinement>(
      ClusterRefinement{nn::SoftAssignment(c.clusters, c.model.latent), {}, {}, {}, {}, {}, {}});
  r->head.set_centres(km.centroids);
  r->assigned = km.labels;
  return r;
}

// Recomputes P over the training codes; returns the fraction of codes whose cluster changed.
double refresh_target(ClusterRefinement& r, const Tensor& codes) {
  Tensor q = r.head.forward(codes);
  r.target = nn::target_distribution(q);
  std::vector<int> now = nn::hard_assignments(q);
  int64_t changed = 0;
  for (size_t i = 0; i < now.size(); ++i) changed += now[i] != r.assigned[i];
  const double fraction = now.empty() ? 0.0 : double(changed) / double(now.size());
  r.assigned = std::move(now);
  return fraction;
}

// Matched accuracy of the head's clusters on the test codes.
double cluster_accuracy(ClusterRefinement& r, models::Autoencoder& ae, const Tensor& input,
                        std::span<const uint8_t> labels) {
  Tensor codes = encode_all(ae, input);
  return analysis::matched_accuracy(labels, nn::hard_assignments(r.head.forward(codes)));
}

}  // namespace

// [SECTION] Checkpoints
// The "last" checkpoint (train/run_checkpoint.hpp) holds, besides the loop's place, RNG streams
// and batcher: "w.<i>" the weights, "m.*" the optimiser, "lambda", "refining" and with it
// "centres", "assigned" (and mid-epoch "target", P of the epoch), in learning mode "dis.w.*" and
// "dis.m.*", and "result", the result so far.

namespace {

void restore_result(AeResult& r, const nlohmann::json& j) {
  if (!j.is_object()) return;
  r.epochs_done = json_value(j, "epochs_done", r.epochs_done, "checkpoint state: result");
  r.steps = json_value(j, "steps", r.steps, "checkpoint state: result");
  r.test_l1 = json_value(j, "test_l1", r.test_l1, "checkpoint state: result");
  r.test_mse = json_value(j, "test_mse", r.test_mse, "checkpoint state: result");
  r.train_loss = json_value(j, "train_loss", r.train_loss, "checkpoint state: result");
  r.recon_variation =
      json_value(j, "recon_variation", r.recon_variation, "checkpoint state: result");
  r.lambda = json_value(j, "lambda", r.lambda, "checkpoint state: result");
  r.test_clear_score =
      json_value(j, "test_clear_score", r.test_clear_score, "checkpoint state: result");
  r.test_cluster_accuracy =
      json_value(j, "test_cluster_accuracy", r.test_cluster_accuracy, "checkpoint state: result");
  r.cluster_changes =
      json_value(j, "cluster_changes", r.cluster_changes, "checkpoint state: result");
}

// Where a run (re)starts: nothing (a new run) or its last epoch checkpoint.
struct StartPoint {
  const runs::NamedTensors* init_weights = nullptr;  // --init-run
  const runs::Checkpoint* resume = nullptr;
};

AeResult run_autoencoder(const AeTrainConfig& config, const data::Dataset& ds,
                         runs::RunStore& store, AeResult result, LoadedDisNet& dis,
                         const StartPoint& start, JobContext& ctx) {
  using Clock = std::chrono::steady_clock;
  const bool adversarial = is_adversarial(config);
  const bool learning = config.adversarial == "learning";
  const int all_epochs = config.epochs + config.cluster_epochs;
  nlohmann::json info = {
      {"run_id", result.run_id}, {"run_name", result.name}, {"epochs", all_epochs}};
  if (adversarial) info["disnet_run"] = dis.run_id;
  ctx.publish_info(info);

  try {
    Rng rng(config.seed);
    models::Autoencoder ae(config.model, rng);
    std::vector<nn::Param*> params = ae.params();
    if (start.init_weights) {
      if (start.init_weights->size() != params.size())
        throw InputError("run " + std::to_string(config.init_run) + "'s checkpoint does not fit");
      for (size_t i = 0; i < params.size(); ++i) params[i]->value = (*start.init_weights)[i].value;
    }
    auto opt = optim::make_optimizer(config.optimizer, param_refs(params));
    std::unique_ptr<nn::Loss> loss;
    if (config.loss == "l1")
      loss = std::make_unique<nn::L1Loss>();
    else
      loss = std::make_unique<nn::MSELoss>();
    std::unique_ptr<optim::Optimizer> dis_opt;
    if (learning) {
      optim::OptimizerConfig oc;
      oc.lr = config.optimizer.lr;
      dis_opt = optim::make_optimizer(oc, param_refs(dis.net.params()));
    }
    double lambda = config.lambda;

    const Tensor& train_x = ds.train_images;
    // Blurred copies, made once: the input when deblurring, the negatives in learning mode.
    Tensor train_blurred, test_blurred;
    if (config.deblur || learning) train_blurred = data::gaussian_blur(train_x, config.blur);
    if (config.deblur) test_blurred = data::gaussian_blur(ds.test_images, config.blur);
    const Tensor& test_input = config.deblur ? test_blurred : ds.test_images;

    data::Batcher batcher(train_x.dim(0), config.batch, rng);
    Rng aug_rng(config.seed + 0x9e3779b97f4a7c15ULL);  // its own stream: same batches either way
    const long total_steps = batcher.batches_per_epoch() * all_epochs;
    const Tensor& train_input = config.deblur ? train_blurred : train_x;
    std::unique_ptr<ClusterRefinement> refine;
    Tensor batch, blurred_batch, dx_total, recon;
    std::span<const int64_t> idx;
    long step = 0;
    double train_seconds = 0;
    int first_epoch = 0;

    nlohmann::json resumed_sums;  // a resume from mid-epoch: that epoch's running sums
    bool resume_mid_epoch = false;
    std::vector<nn::Param*> stepped = params;  // what opt steps (and the guard watches)
    if (start.resume) {
      const CheckpointReader ckpt(*start.resume, result.run_id);
      const LoopPosition at = ckpt.position();
      first_epoch = at.epoch;
      step = at.step;
      train_seconds = at.train_seconds;
      lambda = ckpt.value<double>("lambda");
      ckpt.load_rng("rng", rng);
      ckpt.load_rng("aug_rng", aug_rng);
      ckpt.load_params("w.", params);
      if (ckpt.value<bool>("refining")) {
        refine = std::make_unique<ClusterRefinement>(ClusterRefinement{
            nn::SoftAssignment(config.clusters, config.model.latent), {}, {}, {}, {}, {}, {}});
        refine->head.set_centres(ckpt.get("centres"));
        const Tensor& a = ckpt.get("assigned");
        if (a.numel() != train_x.dim(0))
          throw InputError("run " + std::to_string(result.run_id) +
                           ": its cluster assignments do not fit the dataset");
        refine->assigned.assign(a.data(), a.data() + a.numel());
        if (ckpt.has("target")) refine->target = ckpt.get("target");
        stepped.push_back(refine->head.params()[0]);
        opt = optim::make_optimizer(config.optimizer, param_refs(stepped));
      }
      ckpt.load_optimizer("m.", *opt);
      if (learning) {
        ckpt.load_params("dis.w.", dis.net.params());
        ckpt.load_optimizer("dis.m.", *dis_opt);
      }
      restore_result(result, ckpt.state().value("result", nlohmann::json::object()));
      result.cluster_changes =
          json_value(ckpt.state(), "cluster_changes", result.cluster_changes, "checkpoint state");
      if (ckpt.mid_epoch()) {
        resumed_sums = ckpt.load_batcher(batcher);
        resume_mid_epoch = true;
        if (refine && refine->target.numel() == 0)
          throw InputError("run " + std::to_string(result.run_id) +
                           ": its mid-epoch checkpoint has no cluster target");
      }
      if (first_epoch > all_epochs)
        throw InputError("run " + std::to_string(result.run_id) + "'s checkpoint is at epoch " +
                         std::to_string(first_epoch) + " of " + std::to_string(all_epochs));
      ctx.publish_snapshot(values_of(params));
    }
    const DivergenceGuard guard;
    CheckpointTimer timer(config.checkpoint_seconds);
    // The "last" checkpoint: at an epoch's end (with its metric points), or mid-epoch (with the
    // batcher and the epoch's sums) every config.checkpoint_seconds. Never a non-finite one.
    auto write_checkpoint = [&](int epochs_done, double seconds,
                                std::span<const runs::MetricPoint> points,
                                const nlohmann::json* epoch_sums) {
      guard.check_params(stepped, step, /*force=*/true);
      if (learning) guard.check_params(dis.net.params(), step, true);
      CheckpointWriter w({epochs_done, step, seconds}, ds);
      w.put_params("w.", params);
      w.put_optimizer("m.", *opt);
      w.put_rng("rng", rng);
      w.put_rng("aug_rng", aug_rng);
      w.state["lambda"] = lambda;
      w.state["refining"] = refine != nullptr;
      w.state["cluster_changes"] = result.cluster_changes;  // not in the result before an epoch
      w.state["result"] = result.to_json();
      if (refine) {
        w.put("centres", refine->head.centres());
        Tensor a({static_cast<int64_t>(refine->assigned.size())});
        for (size_t i = 0; i < refine->assigned.size(); ++i)
          a[static_cast<int64_t>(i)] = float(refine->assigned[i]);
        w.put("assigned", std::move(a));
        if (epoch_sums) w.put("target", refine->target);
      }
      if (learning) {
        w.put_params("dis.w.", dis.net.params());
        w.put_optimizer("dis.m.", *dis_opt);
      }
      if (epoch_sums) w.put_batcher(batcher, *epoch_sums);
      w.record(store, result.run_id, points,
               progress_message(epochs_done, all_epochs, epoch_sums != nullptr, step),
               result.to_json());
      timer.restart();
    };
    auto last_snapshot = Clock::now();

    // A checkpoint of the start (the initial weights and generators): a run killed before its
    // first epoch ends resumes from here to the numbers of a run never killed.
    if (!start.resume) write_checkpoint(0, 0.0, {}, nullptr);
    for (int epoch = first_epoch; epoch < all_epochs; ++epoch) {
      auto epoch_start = Clock::now();
      // A resume from mid-epoch continues that epoch: its start (P, the order) is restored.
      const bool continuing = resume_mid_epoch && epoch == first_epoch;
      if (epoch >= config.epochs && !continuing) {         // cluster refinement
        const Tensor codes = encode_all(ae, train_input);  // once an epoch, for k-means and P
        if (!refine) {
          ctx.report_progress(double(step) / total_steps, "k-means on the training codes");
          refine = start_refinement(codes, config);
          stepped.push_back(refine->head.params()[0]);
          const double lr = opt->lr();
          opt = optim::make_optimizer(config.optimizer, param_refs(stepped));  // fresh moments
          opt->set_lr(lr);
        }
        result.cluster_changes = refresh_target(*refine, codes);
      }
      double loss_sum = 0, rec_sum = 0, adv_sum = 0, kl_sum = 0;
      int64_t seen = 0;
      if (continuing) {
        constexpr const char* kSums = "the mid-epoch checkpoint's sums";
        loss_sum = json_value(resumed_sums, "loss", 0.0, kSums);
        rec_sum = json_value(resumed_sums, "rec", 0.0, kSums);
        adv_sum = json_value(resumed_sums, "adv", 0.0, kSums);
        kl_sum = json_value(resumed_sums, "kl", 0.0, kSums);
        seen = json_value(resumed_sums, "seen", int64_t{0}, kSums);
      }
      while (batcher.next(idx)) {
        ctx.checkpoint();
        if (auto lr = ctx.take_lr_request()) {
          opt->set_lr(*lr);
          ctx.publish_metric({step, double(epoch), runs::metric::lr, *lr});
        }
        if (auto lam = ctx.take_param_request(runs::metric::lambda)) {
          if (*lam >= 0 && std::isfinite(*lam)) lambda = *lam;  // a bad value is ignored
          ctx.publish_metric({step, double(epoch), runs::metric::lambda, lambda});
        }
        gather_rows_into(train_x, idx, batch);
        if (config.augment.active()) {
          data::random_affine(batch, config.augment, aug_rng);
          if (train_blurred.numel() > 0) data::gaussian_blur(batch, config.blur, blurred_batch);
        } else if (train_blurred.numel() > 0) {
          gather_rows_into(train_blurred, idx, blurred_batch);
        }
        ae.zero_grad();
        const Tensor& z = ae.encode(config.deblur ? blurred_batch : batch);
        const Tensor& x_hat = ae.decode(z);
        float l = loss->forward(x_hat, batch);
        double total = l, adv = 0;
        const Tensor* grad = &loss->backward();
        if (adversarial) {
          adv = clear_loss_and_gradient(dis.net, x_hat, lambda, dx_total);  // lambda * BCE
          for (int64_t i = 0; i < dx_total.numel(); ++i) dx_total[i] += (*grad)[i];
          grad = &dx_total;
          total += adv;
        }
        double kl = 0;
        if (refine) {
          gather_rows_into(refine->target, idx, refine->p_batch);
          kl = config.cluster_weight * refine->kl.forward(refine->head.forward(z), refine->p_batch);
          total += kl;
        }
        guard.check_loss(total, step);
        if (refine) {
          // The KL term reaches the encoder through the codes, beside the decoder's gradient.
          refine->head.zero_grad();
          refine->dq = refine->kl.backward();
          const float w = static_cast<float>(config.cluster_weight);
          for (float& v : refine->dq.span()) v *= w;
          const Tensor& dz_kl = refine->head.backward(refine->dq);
          refine->dz = ae.decoder().backward(*grad);
          for (int64_t i = 0; i < dz_kl.numel(); ++i) refine->dz[i] += dz_kl[i];
          ae.encoder().backward(refine->dz);
        } else {
          ae.backward(*grad);
        }
        opt->step();
        if (learning) {
          disnet_learning_step(dis.net, *dis_opt, batch, x_hat, blurred_batch);
          guard.check_params(dis.net.params(), step);
        }
        guard.check_params(stepped, step);
        loss_sum += total * idx.size();
        rec_sum += double(l) * idx.size();
        adv_sum += adv * idx.size();
        kl_sum += kl * idx.size();
        seen += static_cast<int64_t>(idx.size());
        ++step;
        if (step % 10 == 0)
          ctx.publish_metric(
              {step, epoch + double(seen) / train_x.dim(0), runs::metric::train_loss_step, total});
        ctx.report_progress(double(step) / total_steps, "epoch " + std::to_string(epoch + 1) + "/" +
                                                            std::to_string(all_epochs) + ", loss " +
                                                            std::to_string(total));
        if (std::chrono::duration<double>(Clock::now() - last_snapshot).count() >
            kSnapshotSeconds) {
          ctx.publish_snapshot(values_of(params));
          last_snapshot = Clock::now();
        }
        if (timer.due()) {
          const nlohmann::json sums = {{"loss", loss_sum},
                                       {"rec", rec_sum},
                                       {"adv", adv_sum},
                                       {"kl", kl_sum},
                                       {"seen", seen}};
          write_checkpoint(epoch, train_seconds + seconds_since(epoch_start), {}, &sums);
        }
      }
      train_seconds += seconds_since(epoch_start);

      ReconstructionError test = evaluate_against(ae, test_input, ds.test_images, recon);
      result.epochs_done = epoch + 1;
      result.steps = step;
      result.train_loss = loss_sum / std::max<int64_t>(seen, 1);
      result.test_l1 = test.l1;
      result.test_mse = test.mse;
      result.recon_variation = test.variation;
      const double ep = epoch + 1;
      namespace m = runs::metric;
      std::vector<runs::MetricPoint> points{{step, ep, m::train_loss, result.train_loss},
                                            {step, ep, m::test_l1, test.l1},
                                            {step, ep, m::test_mse, test.mse},
                                            {step, ep, m::lr, opt->lr()},
                                            {step, ep, m::seconds, train_seconds}};
      if (adversarial) {
        result.test_clear_score = mean_clear_score(dis.net, recon);
        result.lambda = lambda;
        points.push_back({step, ep, m::train_l1, rec_sum / std::max<int64_t>(seen, 1)});
        points.push_back({step, ep, m::train_adv, adv_sum / std::max<int64_t>(seen, 1)});
        points.push_back({step, ep, m::test_clear_score, result.test_clear_score});
        points.push_back({step, ep, m::lambda, lambda});
        info["test_clear_score"] = result.test_clear_score;
        info["lambda"] = lambda;
      }
      if (refine) {
        result.test_cluster_accuracy = cluster_accuracy(*refine, ae, test_input, ds.test_labels);
        points.push_back({step, ep, m::train_kl, kl_sum / std::max<int64_t>(seen, 1)});
        points.push_back({step, ep, m::test_cluster_acc, result.test_cluster_accuracy});
        points.push_back({step, ep, m::cluster_changes, result.cluster_changes});
        info["test_cluster_acc"] = result.test_cluster_accuracy;
      }

      // The epoch checkpoint, in the same transaction as the epoch's metrics.
      write_checkpoint(epoch + 1, train_seconds, points, nullptr);

      ctx.publish_metrics(points);
      ctx.publish_snapshot(values_of(params));
      last_snapshot = Clock::now();
      info["epoch"] = epoch + 1;
      info["test_l1"] = test.l1;
      ctx.publish_info(info);
    }

    result.train_seconds = train_seconds;
    result.samples_per_s =
        train_seconds > 0 ? double(train_x.dim(0)) * result.epochs_done / train_seconds : 0.0;
    result.collapsed = result.recon_variation < kCollapseVariation;

    guard.check_params(stepped, step, /*force=*/true);  // final weights are finite, or none
    store.save_checkpoint(result.run_id, runs::kFinalCheckpoint,
                          runs::name_in_order(values_of(params)));
    if (learning)
      store.save_checkpoint(result.run_id, "disnet_final",
                            runs::name_in_order(values_of(dis.net.params())));
    Tensor codes = encode_all(ae, test_input);
    store.save_tensor_artefact(result.run_id, runs::kTestCodesArtefact, {{"codes", codes}});
    if (refine)
      store.save_tensor_artefact(result.run_id, "cluster_centres",
                                 {{"centres", refine->head.centres()}});
    store.finish_run(result.run_id, runs::RunStatus::finished,
                     result.collapsed ? "reconstructions collapsed to a near-constant image" : "",
                     result.to_json());
    // A finished run is not resumed: its epoch checkpoint (weights and moments) only took space.
    store.delete_checkpoint(result.run_id, runs::kLastCheckpoint);
    ctx.report_progress(1.0, result.name + ": test L1 " + std::to_string(result.test_l1));
    return result;
  } catch (...) {
    record_run_ending(store, result.run_id, result.to_json());
    throw;
  }
}

// The weights a run with --init-run starts from (empty without one), refused (InputError) when
// that run is not an autoencoder of this shape or its final weights are not finite.
runs::NamedTensors load_init_weights(const runs::RunStore& store, const AeTrainConfig& config) {
  if (config.init_run <= 0) return {};
  runs::RunRecord from = store.get_run(config.init_run);
  if (!runs::is_autoencoder(from.summary.kind))
    throw InputError("run " + std::to_string(config.init_run) + " is a " +
                     std::string(runs::to_string(from.summary.kind)) + " run, not an autoencoder");
  const models::AutoencoderSpec spec = ae_config_from_json(from.config).model;
  if (spec.preset != config.model.preset || spec.latent != config.model.latent)
    throw InputError("run " + std::to_string(config.init_run) + " is a " + spec.preset + " L" +
                     std::to_string(spec.latent) + " autoencoder, this run wants " +
                     config.model.preset + " L" + std::to_string(config.model.latent));
  runs::NamedTensors init_weights = store.load_checkpoint(config.init_run, runs::kFinalCheckpoint);
  if (!all_finite(init_weights))
    throw InputError("run " + std::to_string(config.init_run) +
                     "'s final weights are not finite; it cannot be a starting point");
  return init_weights;
}

}  // namespace

AeResult train_autoencoder(const AeTrainConfig& config, const data::Dataset& ds,
                           const std::filesystem::path& runs_db, JobContext& ctx) {
  validate(config);
  require_both_splits(ds);
  set_num_threads(config.threads);

  runs::RunStore store = runs::RunStore::open(runs_db);
  const bool adversarial = is_adversarial(config);
  // Refused before a run is recorded: an adversarial run without its dis_net.
  // ... and one that should start from a run that cannot give its weights.
  const runs::NamedTensors init_weights = load_init_weights(store, config);
  LoadedDisNet dis;
  if (adversarial) {
    dis = load_disnet(runs_db, config.disnet_run);
    dis.net.set_needs_input_grad(true);  // its input gradient is what trains the decoder
  }
  nlohmann::json recorded = to_json(config);
  if (adversarial) recorded["disnet_run"] = dis.run_id;  // the run actually used
  AeResult result;
  result.run_id =
      store.create_run(adversarial ? runs::RunKind::adv_ae : runs::RunKind::ae,
                       config.name.empty() ? default_run_name(config) : config.name, recorded);
  result.name = store.get_summary(result.run_id).name;  // made unique by the store
  ctx.name_run(config.name.empty() ? default_run_name(config) : config.name, result.name);
  result.disnet_run = dis.run_id;
  StartPoint start;
  if (config.init_run > 0) start.init_weights = &init_weights;
  return run_autoencoder(config, ds, store, std::move(result), dis, start, ctx);
}

AeTrainConfig check_resumable(const runs::RunStore& store, int64_t run_id) {
  return ae_config_from_json(
      check_resumable_run(store, run_id, runs::is_autoencoder, "an autoencoder").config);
}

AeResult resume_autoencoder(int64_t run_id, const data::Dataset& ds,
                            const std::filesystem::path& runs_db, JobContext& ctx) {
  runs::RunStore store = runs::RunStore::open(runs_db);
  const runs::RunSummary s =
      check_resumable_run(store, run_id, runs::is_autoencoder, "an autoencoder");
  const AeTrainConfig config = ae_config_from_json(s.config);
  set_num_threads(config.threads);
  // Checked before the run is reopened, so a refusal leaves it as it was. A run with no
  // checkpoint starts again from the beginning (from its --init-run weights, if it had them).
  const bool restart = s.last_checkpoint_epoch < 0;
  std::optional<runs::Checkpoint> ckpt;
  runs::NamedTensors init_weights;
  if (restart)
    init_weights = load_init_weights(store, config);
  else
    ckpt = load_resume_checkpoint(store, run_id, ds);
  LoadedDisNet dis;
  if (is_adversarial(config)) {
    dis = load_disnet(runs_db, config.disnet_run);
    dis.net.set_needs_input_grad(true);
  }
  store.reopen_run(run_id, restart ? std::string(kRestartedMessage)
                                   : "resumed at epoch " +
                                         std::to_string(ckpt->state.value("epoch", 0)));
  AeResult result;
  result.run_id = run_id;
  result.name = s.name;
  result.disnet_run = dis.run_id;
  StartPoint start;
  if (ckpt) start.resume = &*ckpt;
  if (restart && config.init_run > 0) start.init_weights = &init_weights;
  return run_autoencoder(config, ds, store, std::move(result), dis, start, ctx);
}

}  // namespace aelab::train
