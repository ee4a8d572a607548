#pragma once
// Autoencoder training (the study's part a, and with a discriminator term part b): the config a
// run is made from, the training loop that runs inside a Job, and the evaluation helpers the
// window and the report share (test L1, codes, reconstructions).
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "data/augment.hpp"
#include "data/blur.hpp"
#include "data/dataset.hpp"
#include "models/autoencoder.hpp"
#include "optim/optimizer.hpp"
#include "train/data_source.hpp"
#include "train/job.hpp"
#include "train/run_checkpoint.hpp"

namespace aelab::train {

struct AeTrainConfig {
  models::AutoencoderSpec model;
  std::string loss = "l1";           // l1 | mse
  optim::OptimizerConfig optimizer;  // adam, lr 1e-3
  int64_t batch = 256;
  int epochs = 50;
  uint64_t seed = 0;
  int threads = 0;  // 0: every core
  std::string dataset = data::kDefaultDataset;
  int64_t limit = 0;  // > 0: at most this many samples per split (quick runs, tests)
  // Random rotations / shifts of each training batch (input and target alike; data/augment.hpp).
  data::AugmentSpec augment;
  std::string name;  // shown in the run list; empty: default_run_name (the store makes it unique)

  // Part (b). With adversarial "frozen" or "learning" the loss is
  //   L1(x_hat, x) + lambda * BCE(dis_net(x_hat), clear = 1),
  // its second term reaching the decoder through dis_net's input gradient; the run's kind is
  // "adv_ae". frozen: dis_net's weights stay as trained. learning: after each autoencoder step
  // dis_net takes one Adam step (same lr) on clear digits (1) against the reconstructions (0)
  // and blurred digits (0), so the autoencoder cannot exploit a fixed judge.
  std::string adversarial = "none";  // none | frozen | learning
  double lambda = 0.05;              // >= 0; editable mid-run (Job::request_param("lambda", x))
  int64_t disnet_run = 0;            // the dis_net run to start from; 0: latest finished one
  // deblur: blurred input, clear target (any mode). The blur also makes learning mode's
  // blurred negatives.
  bool deblur = false;
  data::BlurSpec blur{1.5, 7};

  // Cluster refinement (IDEC, Guo et al. 2017): after the `epochs` of reconstruction training,
  // `cluster_epochs` more in which the loss is reconstruction + cluster_weight * KL(P || Q) of
  // the codes' soft assignment Q to `clusters` learnt centres (initialised by k-means on the
  // training codes) against the sharpened target P, recomputed once an epoch (nn/clustering.hpp).
  // The codes gather into clusters while the decoder keeps them faithful to the digits.
  int cluster_epochs = 0;
  int clusters = 10;
  double cluster_weight = 0.1;

  // > 0: start from that finished autoencoder run's final weights (same preset and latent size)
  // instead of a fresh initialisation; with cluster refinement, epochs may then be 0 (refine an
  // existing run's codes).
  int64_t init_run = 0;

  // A checkpoint within an epoch at most this often (train/run_checkpoint.hpp); 0: every step.
  double checkpoint_seconds = kCheckpointSeconds;
  // Where the data was read from (set by whoever loads the dataset; recorded as "data_source").
  DataSource source;
};

// The recipe whose 16-D test codes k-means sorts into digits (matched accuracy 0.87-0.89 on
// mnist-10k; README): the deep preset, MSE, 150 epochs on randomly shifted (<= 3 px) and rotated
// (<= 15 degrees) digits, then 30 epochs of cluster refinement with KL weight 1, still augmented.
// The numbers live in assets/presets/clustering.json (kClusteringPreset).
[[nodiscard]] AeTrainConfig clustering_recipe();

// Throws InputError naming the first impossible setting.
void validate(const AeTrainConfig& config);
[[nodiscard]] nlohmann::json to_json(const AeTrainConfig& config);
[[nodiscard]] AeTrainConfig ae_config_from_json(const nlohmann::json& j);
// "mlp-L16-l1-s0", "conv-L16-l1-frozen0.05-s3" (the seed last)
[[nodiscard]] std::string default_run_name(const AeTrainConfig& config);
[[nodiscard]] inline bool is_adversarial(const AeTrainConfig& c) {
  return c.adversarial != "none";
}

struct AeResult {
  int64_t run_id = 0;
  std::string name;  // as stored (unique in the store; not in to_json)
  int epochs_done = 0;
  long steps = 0;
  double test_l1 = 0;  // mean |x_hat - x| per pixel on the test split
  double test_mse = 0;
  double train_loss = 0;  // mean over the last epoch
  double train_seconds = 0;
  double samples_per_s = 0;
  // Reconstructions that vary across images far less than the originals do: the L1 trap of a
  // near-constant output (the per-pixel median of MNIST is 0).
  bool collapsed = false;
  double recon_variation = 0;  // mean per-pixel std of reconstructions / that of the originals
  // Adversarial runs only: the dis_net run used, the final lambda, and the mean clear score
  // (sigmoid of dis_net's logit; in learning mode the still-learning dis_net's) of the test
  // reconstructions.
  int64_t disnet_run = 0;
  double lambda = 0;
  double test_clear_score = -1;  // < 0: not measured (adversarial "none")
  // Cluster refinement only: matched accuracy of the learnt clusters (argmax of Q) on the test
  // codes, and the fraction of training codes that changed cluster in the last epoch.
  double test_cluster_accuracy = -1;  // < 0: no refinement
  double cluster_changes = 0;
  [[nodiscard]] nlohmann::json to_json() const;
};

// Trains inside a Job (adversarial runs: see AeTrainConfig; an unknown or missing dis_net run is
// an InputError before any run is recorded): records the run in the store at runs_db (config,
// status, final weights, test-set codes, and at the end of every epoch, in one transaction, that
// epoch's metrics and the checkpoint "last": weights, optimiser moments, RNG streams), publishes
// metrics and weight snapshots to the UI, follows pause/resume/cancel and lr requests. A
// non-finite loss ends the run as diverged (the store says so, and a DivergedError carries the
// step out); Job::cancel(StopReason::user) ends it as cancelled, StopReason::quit as interrupted
// ("interrupted at epoch E"); both keep "last", so resume_autoencoder can continue them.
AeResult train_autoencoder(const AeTrainConfig& config, const data::Dataset& dataset,
                           const std::filesystem::path& runs_db, JobContext& ctx);

// The recorded config of a run resume_autoencoder can continue, or an InputError of one line:
// unknown run, not an autoencoder, finished, still running, diverged, no epoch checkpoint. The
// caller loads the dataset the config names, then calls resume_autoencoder.
[[nodiscard]] AeTrainConfig check_resumable(const runs::RunStore& store, int64_t run_id);

// Continues a cancelled, interrupted or failed autoencoder run from its last epoch checkpoint, in
// place (same run id; the status is 'running' again), to the same final weights and numbers as
// an uninterrupted run with the same seed and thread count. Refused (InputError) as
// check_resumable says, and when the checkpoint holds non-finite weights or `dataset` is not the
// one the run trained on (sample counts). A run killed before its start checkpoint committed has
// none: it starts again from the beginning (its seed, its --init-run weights).
AeResult resume_autoencoder(int64_t run_id, const data::Dataset& dataset,
                            const std::filesystem::path& runs_db, JobContext& ctx);

// [SECTION] Evaluation (batched, inference only)
// images: (M, 1, 28, 28). Mean absolute error per pixel and mean squared error.
struct ReconstructionError {
  double l1 = 0;
  double mse = 0;
  double variation = 0;  // see AeResult::recon_variation
};
[[nodiscard]] ReconstructionError evaluate_reconstruction(models::Autoencoder& ae,
                                                          const Tensor& images);
// (M, 1, 28, 28) -> (M, L)
[[nodiscard]] Tensor encode_all(models::Autoencoder& ae, const Tensor& images);
// (M, 1, 28, 28) -> (M, 1, 28, 28)
[[nodiscard]] Tensor reconstruct_all(models::Autoencoder& ae, const Tensor& images);

// Part (b)'s generator term for one batch: lambda * BCE(dis_net(x_hat), clear = 1), returned, and
// its gradient w.r.t. x_hat written to dx_hat (overwritten; same shape as x_hat). dis_net must
// have set_needs_input_grad(true); its parameter gradients accumulate and are the caller's to
// ignore (frozen) or zero.
double clear_loss_and_gradient(nn::Sequential& dis_net, const Tensor& x_hat, double lambda,
                               Tensor& dx_hat);

// A model rebuilt from a finished run's config and final weights (InputError if it has none).
[[nodiscard]] std::unique_ptr<models::Autoencoder> load_autoencoder(
    const nlohmann::json& config, const runs::NamedTensors& weights);

}  // namespace aelab::train
