#pragma once
// dis_net training (the study's part b): a CNN that tells Gaussian-blurred digits from clear
// ones, trained on balanced batches (each batch the same digits twice: clear, label 1, and
// blurred, label 0) with BCE-with-logits. Also the helpers every user of a trained CNN shares
// (batched inference, loading a run's weights), used by the adversarial autoencoder, the
// classifier judge and the comparison.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/blur.hpp"
#include "data/dataset.hpp"
#include "nn/sequential.hpp"
#include "runs/run_store.hpp"
#include "train/data_source.hpp"
#include "train/job.hpp"
#include "train/run_checkpoint.hpp"

namespace aelab::train {

struct DisNetConfig {
  data::BlurSpec blur{1.5, 7};
  int epochs = 3;
  int64_t batch = 128;  // images per step: batch / 2 clear and the same digits blurred
  double lr = 1e-3;     // Adam
  uint64_t seed = 0;
  int threads = 0;  // 0: every core
  std::string dataset = data::kDefaultDataset;
  int64_t limit = 0;  // > 0: at most this many samples per split
  std::string name;   // default: "disnet-s1.5-k7"
  // A checkpoint within an epoch at most this often (train/run_checkpoint.hpp); 0: every step.
  double checkpoint_seconds = kCheckpointSeconds;
  // Where the data was read from (set by whoever loads the dataset; recorded as "data_source").
  DataSource source;
};

// Throws InputError naming the first impossible setting (blur, batch < 2, epochs, lr <= 0, ...).
void validate(const DisNetConfig& config);
[[nodiscard]] nlohmann::json to_json(const DisNetConfig& config);
[[nodiscard]] DisNetConfig disnet_config_from_json(const nlohmann::json& j);
[[nodiscard]] std::string default_run_name(const DisNetConfig& config);

struct DisNetResult {
  int64_t run_id = 0;
  int epochs_done = 0;
  long steps = 0;
  double train_loss = 0;          // mean BCE over the last epoch
  double test_accuracy = 0;       // over the clear and the blurred test images (2M of them)
  double clear_accuracy = 0;      // clear test images scored clear
  double blurred_accuracy = 0;    // blurred test images scored blurred
  double clear_score_mean = 0;    // mean sigmoid(logit) on clear test images
  double blurred_score_mean = 0;  // ... on blurred ones
  double train_seconds = 0;
  double samples_per_s = 0;  // training images (clear + blurred) per second
  [[nodiscard]] nlohmann::json to_json() const;
};

// Trains inside a Job and records run kind "disnet" at runs_db: config, metrics per epoch
// (train_loss, test_accuracy, clear/blurred score means) with the checkpoint "last" in the same
// transaction (and every config.checkpoint_seconds within an epoch), final weights ("final").
// Publishes train_loss_step / train_acc_step every few steps for live plots. Cancel, divergence
// and failures are recorded like the autoencoder trainer's.
DisNetResult train_disnet(const DisNetConfig& config, const data::Dataset& dataset,
                          const std::filesystem::path& runs_db, JobContext& ctx);
// Continues a stopped dis_net run from its "last" checkpoint to the numbers of a straight run;
// refused (InputError) as check_resumable_run and load_resume_checkpoint say.
DisNetResult resume_disnet(int64_t run_id, const data::Dataset& dataset,
                           const std::filesystem::path& runs_db, JobContext& ctx);

// [SECTION] Shared CNN helpers (inference only, batched)

// images: (M, 1, 28, 28) -> the net's outputs stacked: (M, K).
[[nodiscard]] Tensor forward_all(nn::Sequential& net, const Tensor& images);
// dis_net's "clear" score sigmoid(logit) per image: (M, 1, 28, 28) -> (M).
[[nodiscard]] Tensor disnet_scores(nn::Sequential& net, const Tensor& images);
// Copies checkpoint tensors into the net's parameters (InputError on a count or shape mismatch).
void set_weights(nn::Sequential& net, const runs::NamedTensors& weights);

struct LoadedDisNet {
  int64_t run_id = 0;
  DisNetConfig config;
  nn::Sequential net;
};
// The run `run_id` (0: the latest finished "disnet" run) with its final weights. InputError when
// there is none, it is not a dis_net run, or it has no final weights.
[[nodiscard]] LoadedDisNet load_disnet(const std::filesystem::path& runs_db, int64_t run_id = 0);
// A finished run of `kind` (disnet, classifier): `run_id` checked, or the latest one when 0.
// InputError otherwise, naming `what` and the command that trains one (`how`).
[[nodiscard]] int64_t resolve_finished_run(const runs::RunStore& store, int64_t run_id,
                                           runs::RunKind kind, const std::string& what,
                                           const std::string& how);
// Just the id load_disnet would use (cheap; for refusing early).
[[nodiscard]] int64_t resolve_disnet_run(const runs::RunStore& store, int64_t run_id);

}  // namespace aelab::train
