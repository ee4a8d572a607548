#pragma once
// (a) against (b): autoencoder runs side by side on the test split, in numbers (test L1,
// dis_net's mean "clear" score, sharpness ratio, judge accuracy) and in pictures (the same test
// digits through every run). The window's comparison section and `aelab compare` both call
// compare_runs, so they show the same numbers.
#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "data/dataset.hpp"
#include "report/table_export.hpp"
#include "train/job.hpp"

namespace aelab::report {

struct ComparisonRow {
  int64_t run_id = 0;       // 0: the originals (the reference row)
  std::string name;         // run name, or "original"
  std::string kind;         // "original", "ae", "adv_ae"
  std::string adversarial;  // none | frozen | learning ("" for the originals)
  std::string preset;       // mlp | deep | conv ("" for the originals)
  int64_t latent = 0;
  bool deblur = false;         // fed blurred test digits, scored against the clear ones
  double test_l1 = 0;          // mean |x_hat - x| per pixel over the test split
  double clear_score = 0;      // mean sigmoid(dis_net logit) of the reconstructions
  double sharpness_ratio = 1;  // analysis::sharpness_ratio(recon, originals)
  double judge_accuracy = 0;   // the judge's accuracy on the reconstructions
};

struct Comparison {
  std::string dataset;
  int64_t test_count = 0;
  int64_t disnet_run = 0;  // the runs actually used (resolved from 0 = latest)
  int64_t judge_run = 0;
  std::vector<ComparisonRow> rows;     // rows[0] the originals, then the runs in the order asked
  std::vector<int64_t> strip_indices;  // test indices of the strip's digits (one per class)
  // strip: (rows.size(), strip_indices.size(), 28, 28): strip[r][d] is digit d as row r shows
  // it (r = 0 the original).
  Tensor strip;
};

// Up to `count` test indices, cycling through the classes 0..9 (first occurrence of each, then
// the second, ...), so a strip of 10 shows one digit per class.
[[nodiscard]] std::vector<int64_t> pick_strip(std::span<const uint8_t> labels, int count);

// Loads each autoencoder run (kind "ae" or "adv_ae"; any other kind is an InputError naming the
// run) from runs_db with its final weights, reconstructs ds's test split (blurred inputs for
// deblurring runs, with the run's blur) and measures it. disnet_run / judge_run 0: the latest
// finished dis_net / classifier run; when there is none, the InputError names the command that
// trains one. A run trained on another dataset than ds is refused. ctx (optional): progress and
// cancel when run inside a Job.
[[nodiscard]] Comparison compare_runs(const std::filesystem::path& runs_db,
                                      std::span<const int64_t> run_ids, const data::Dataset& ds,
                                      int64_t disnet_run = 0, int64_t judge_run = 0,
                                      int strip_digits = 10, train::JobContext* ctx = nullptr);

[[nodiscard]] nlohmann::json to_json(const Comparison& c);

// The strip tiled into one grayscale image (H, W) in [0, 1]: one column per row of the
// comparison (original, run, run, ...), one row per digit, `gap` pixels of mid-grey between.
[[nodiscard]] Tensor strip_image(const Comparison& c, int gap = 2);

// "mlp L16 (a)", "conv L2 (b) frozen deblur"; "-" for the originals.
[[nodiscard]] std::string model_label(const ComparisonRow& r);

// The comparison as a Table for CSV / Markdown (`aelab compare --csv/--markdown`, the window's
// export): one row per comparison row with columns run, name, model, test_l1, clear_score,
// sharpness_ratio, judge_accuracy (a fraction), then what every row was measured with: dataset,
// test_count, disnet_run, judge_run.
[[nodiscard]] Table comparison_table(const Comparison& c);

// The aligned text table `aelab compare` prints (one line per row, a header, no trailing newline).
[[nodiscard]] std::string format_table(const Comparison& c);

}  // namespace aelab::report
