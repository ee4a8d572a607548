#pragma once
// Runs side by side as pictures: the same test digits through every run (chosen four ways, each
// with its L1 and, given a dis_net run, its clear score) and the runs' latent maps next to each
// other (2-D codes, or PCA of wider codes), Procrustes-aligned to the first run so the views do
// not flip or turn between runs. The Compare panel shows them, `aelab runs compare --images`
// writes the grid, the study report may reuse every function here.
//
//   RunViews v = load_run_views(db, ids, ds, {.pick = ImagePick::most_disagreement});
//   Tensor grid = views_image(v);   // columns: original, run, run ...; one row per digit
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/tensor.hpp"
#include "data/dataset.hpp"
#include "train/job.hpp"
#include "train/run_model.hpp"

namespace aelab::report {

// [SECTION] Procrustes alignment of 2-D maps

// p -> scale * R p + t, R orthogonal (a rotation, or a reflection when `reflected`).
struct Similarity2 {
  double r00 = 1, r01 = 0, r10 = 0, r11 = 1;
  double scale = 1, tx = 0, ty = 0;
  bool reflected = false;
};
// The similarity that maps `moving` onto `reference` with the least squared error (both (N, 2)
// interleaved, point i of one matching point i of the other). ShapeError when the sizes differ;
// fewer than 2 points or a moving map of one point repeated gives the identity.
[[nodiscard]] Similarity2 procrustes_2d(std::span<const float> reference,
                                        std::span<const float> moving);
void apply(const Similarity2& t, std::span<float> xy);
// Root mean squared distance between matching points.
[[nodiscard]] double rms_distance(std::span<const float> a, std::span<const float> b);

// How wider codes become a 2-D map.
enum class MapMethod { pca, tsne };
[[nodiscard]] std::string_view to_string(MapMethod m);            // "pca", "tsne"
[[nodiscard]] MapMethod parse_map_method(std::string_view text);  // InputError otherwise

// One run's map of the test codes: (M, 2) interleaved.
struct LatentMap {
  std::string method;  // "codes" (L = 2), "pca" (the first two components) or "tsne"
  std::vector<float> xy;
  Similarity2 aligned;  // what was applied to match the first map
};
// codes[r]: (M, L_r), the same M test digits in every run. Each map is the codes when L = 2,
// else the first two PCA components or a t-SNE map (perplexity 30, seed 0, so the same codes give
// the same map); every map after the first is Procrustes-aligned to the first. ctx (optional):
// progress from `from` to `to` and cancel (JobCancelled) inside a Job.
[[nodiscard]] std::vector<LatentMap> latent_maps(std::span<const Tensor> codes,
                                                 MapMethod method = MapMethod::pca,
                                                 train::JobContext* ctx = nullptr, double from = 0,
                                                 double to = 1);
// The maps as CSV: run,index,label,x,y (one row per run and test digit).
[[nodiscard]] std::string latent_maps_csv(std::span<const int64_t> run_ids,
                                          std::span<const LatentMap> maps,
                                          std::span<const uint8_t> labels);
// Test digits inside the rectangle [x0, x1] x [y0, y1] of a map (corners in any order): what a
// brush in one view lights up in all (they share the indices).
[[nodiscard]] std::vector<int64_t> points_in_rect(const LatentMap& map, double x0, double y0,
                                                  double x1, double y1);

// [SECTION] Which test digits to show

enum class ImagePick { first_of_each_digit, random, most_disagreement, worst_of_baseline };
[[nodiscard]] std::string_view to_string(ImagePick p);  // "first", "random", "disagree", "worst"
[[nodiscard]] ImagePick parse_image_pick(std::string_view text);  // InputError otherwise

// recon, originals: (M, 1, 28, 28) (or any (M, ...) of equal shape) -> M mean |x_hat - x|.
[[nodiscard]] std::vector<double> per_image_l1(const Tensor& recon, const Tensor& originals);
// For each of the M digits, how much the runs' reconstructions disagree: the mean over pixels of
// the mean absolute deviation of the runs' pixel from their mean. 0 for fewer than two runs.
[[nodiscard]] std::vector<double> disagreement(std::span<const Tensor> recons);
// `count` test indices (fewer when there are not so many digits):
//   first_of_each_digit: the first 0, the first 1, ..., then the second of each, ...;
//   random: distinct indices drawn with `seed`, in increasing order;
//   most_disagreement: the largest `scores` first (ties: lower index); pass disagreement();
//   worst_of_baseline: the same with the baseline run's per_image_l1 as `scores`.
// InputError when scores are needed and do not have one entry per label.
[[nodiscard]] std::vector<int64_t> pick_images(ImagePick pick, std::span<const uint8_t> labels,
                                               int count, uint64_t seed,
                                               std::span<const double> scores = {});

// [SECTION] The runs' pictures

struct ViewSpec {
  ImagePick pick = ImagePick::first_of_each_digit;
  int count = 10;
  uint64_t seed = 0;
  int64_t baseline = 0;            // worst_of_baseline: whose L1 (0: the first run)
  int64_t disnet_run = 0;          // > 0: also each image's dis_net clear score
  bool latent = true;              // also the latent maps
  MapMethod map = MapMethod::pca;  // of codes wider than 2
};

struct RunViews {
  std::vector<int64_t> run_ids;
  std::vector<std::string> names;
  std::vector<int64_t> picked;             // test indices shown, in row order
  std::vector<uint8_t> picked_labels;      // their labels (digits, or Fashion-MNIST classes)
  std::string dataset;                     // whose test split (data::label_name names labels)
  Tensor originals;                        // (count, 28, 28)
  std::vector<Tensor> images;              // per run: (count, 28, 28)
  std::vector<std::vector<double>> l1;     // [run][row]
  std::vector<std::vector<double>> clear;  // [run][row]; empty without a dis_net run
  std::vector<double> test_l1;             // per run over the whole test split
  std::vector<LatentMap> maps;             // per run (spec.latent)
  std::vector<uint8_t> labels;             // the test split's labels (colours of the maps)
};

// Loads each run (train::load_run_codes: autoencoders with final weights; one InputError line
// otherwise, also when the runs were trained on different test sets: another dataset or limit),
// reconstructs the test split, picks the digits and, with spec.latent, makes the maps. ctx
// (optional): progress and cancel inside a Job.
[[nodiscard]] RunViews load_run_views(const std::filesystem::path& runs_db,
                                      std::span<const int64_t> run_ids,
                                      const train::DatasetSource& datasets, const ViewSpec& spec,
                                      train::JobContext* ctx = nullptr);
// The grid as one grayscale image (H, W) in [0, 1]: columns original, run, run ...; rows the
// picked digits; `gap` pixels of mid-grey between.
[[nodiscard]] Tensor views_image(const RunViews& v, int gap = 2);

}  // namespace aelab::report
