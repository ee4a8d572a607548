#pragma once
// dis_net's "clear" score (sigmoid of its logit, in [0, 1]) on the test split: clear digits,
// the same digits blurred, and (optionally) an autoencoder run's reconstructions of them. The
// Blur & dis_net panel's histogram and `aelab score` both call score_test_digits.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "data/blur.hpp"
#include "runs/run_store.hpp"
#include "train/job.hpp"
#include "train/run_model.hpp"

namespace aelab::train {

struct ScoreRequest {
  int64_t disnet_run = 0;  // 0: the latest finished dis_net run
  int64_t ae_run = 0;      // 0: clear and blurred digits only
  // The blur of the blurred set; default: the one the dis_net run was trained against.
  std::optional<data::BlurSpec> blur;
};

struct DisNetScores {
  int64_t disnet_run = 0, ae_run = 0;  // the runs used (ae_run 0: none)
  std::string ae_name;
  std::string dataset;
  data::BlurSpec blur;
  // Per test digit, in test order (recon empty without an ae run).
  std::vector<float> clear, blurred, recon;
  double clear_mean = 0, blurred_mean = 0;
  double recon_mean = -1;  // < 0: no ae run
  // Clear against blurred at the 0.5 threshold: clear digits scored clear, blurred ones scored
  // blurred, and both together (over 2M digits).
  double clear_accuracy = 0, blurred_accuracy = 0, accuracy = 0;
  double recon_clear_fraction = -1;  // reconstructions scored clear; < 0: no ae run
};

// Checks both runs before anything heavy (InputError: no finished dis_net run, an ae_run that is
// not an autoencoder with final weights, or one trained on another dataset than the dis_net),
// then scores the full test split of the dis_net run's dataset from `datasets` (limit 0). A
// deblurring run is fed blurred digits. ctx (optional): progress and cancel inside a Job.
[[nodiscard]] DisNetScores score_test_digits(const runs::RunStore& store,
                                             const ScoreRequest& request,
                                             const DatasetSource& datasets,
                                             JobContext* ctx = nullptr);

// Summaries (and the per-digit scores when per_digit).
[[nodiscard]] nlohmann::json to_json(const DisNetScores& scores, bool per_digit = false);
// The small table `aelab score` prints (no trailing newline).
[[nodiscard]] std::string format_scores(const DisNetScores& scores);

}  // namespace aelab::train
