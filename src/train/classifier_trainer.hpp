#pragma once
// The judge: a small digit classifier (models::build_digit_classifier, dis_net's trunk with 10
// logits) trained with softmax cross-entropy on clear training digits. Applied to
// reconstructions, it tells whether a sharper autoencoder still draws the right digit.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "nn/sequential.hpp"
#include "train/data_source.hpp"
#include "train/job.hpp"
#include "train/run_checkpoint.hpp"

namespace aelab::train {

// The defaults reach >= 98 % on clear mnist-10k test digits (98.50 % at seed 0, 1 thread; 97.3 %
// with lr 1e-3 for 12 epochs). 7,996 training digits are few for a CNN: random shifts of up to
// one pixel and a cosine-decayed lr keep it from overfitting.
struct ClassifierConfig {
  int epochs = 15;
  int64_t batch = 128;
  double lr = 3e-3;                    // Adam, the peak of the schedule
  std::string lr_schedule = "cosine";  // constant | cosine (to lr/20 at the last step)
  int shift = 1;                       // random translation of each training digit, 0..shift px
  uint64_t seed = 0;
  int threads = 0;
  std::string dataset = data::kDefaultDataset;
  int64_t limit = 0;
  std::string name;  // default "judge-s<seed>"
  // A checkpoint within an epoch at most this often (train/run_checkpoint.hpp); 0: every step.
  double checkpoint_seconds = kCheckpointSeconds;
  // Where the data was read from (set by whoever loads the dataset; recorded as "data_source").
  DataSource source;
};

void validate(const ClassifierConfig& config);
[[nodiscard]] nlohmann::json to_json(const ClassifierConfig& config);
[[nodiscard]] ClassifierConfig classifier_config_from_json(const nlohmann::json& j);

struct ClassifierResult {
  int64_t run_id = 0;
  int epochs_done = 0;
  long steps = 0;
  double train_loss = 0;
  double test_accuracy = 0;  // on clear test digits
  double train_seconds = 0;
  double samples_per_s = 0;
  [[nodiscard]] nlohmann::json to_json() const;
};

// Trains inside a Job; records run kind "classifier" (metrics train_loss, test_accuracy per
// epoch with the checkpoint "last" in the same transaction, and every config.checkpoint_seconds
// within an epoch; final weights).
ClassifierResult train_classifier(const ClassifierConfig& config, const data::Dataset& dataset,
                                  const std::filesystem::path& runs_db, JobContext& ctx);
// Continues a stopped classifier run from its "last" checkpoint to the numbers of a straight
// run; refused (InputError) as check_resumable_run and load_resume_checkpoint say.
ClassifierResult resume_classifier(int64_t run_id, const data::Dataset& dataset,
                                   const std::filesystem::path& runs_db, JobContext& ctx);

// images: (M, 1, 28, 28) -> the arg-max class of each.
[[nodiscard]] std::vector<uint8_t> classify(nn::Sequential& net, const Tensor& images);
// Fraction of predictions equal to labels (sizes must match).
[[nodiscard]] double accuracy(std::span<const uint8_t> predicted, std::span<const uint8_t> labels);

struct LoadedClassifier {
  int64_t run_id = 0;
  nn::Sequential net;
};
// run_id 0: the latest finished "classifier" run. InputError when there is none.
[[nodiscard]] LoadedClassifier load_classifier(const std::filesystem::path& runs_db,
                                               int64_t run_id = 0);

}  // namespace aelab::train
