#pragma once
// The latent explorer: the test-set codes of one run as a scatter (one colour per digit,
// a legend that hides digits, pan and zoom), 2-D codes as they are and wider ones through PCA
// (instant) or t-SNE (a Job). Hover shows the digit and its reconstruction; a click decodes that
// latent point (for wider codes the PCA point lifted back, and beside it the nearest real code's
// decoding). For 2-D runs a manifold grid over the visible region; interpolation between two
// picked digits; a reconstruction grid of the selected runs. While the run trains, the codes
// follow the latest weight snapshot: a small Job re-encodes the test set at most every 0.7 s (never
// two at once) and the UI thread swaps the result in; the view refits each time unless the user
// has panned or zoomed, so the whole cloud stays in sight as it spreads.
//
// Decoding runs on the UI thread through a model owned by the panel (DESIGN.md "Threads").
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/pca.hpp"
#include "app/panel.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/scatter.hpp"
#include "data/dataset.hpp"
#include "models/autoencoder.hpp"
#include "train/ae_trainer.hpp"

namespace aelab::app {

struct LiveRun;

// [SECTION] Loading a run (worker threads; shared with the k-means view)

// One autoencoder run as the explorer shows it.
struct RunCodes {
  int64_t run_id = 0;
  std::string name;
  train::AeTrainConfig config;
  std::shared_ptr<const data::Dataset> dataset;  // test_images / test_labels
  Tensor codes;                                  // (M, L) of the test split
  std::vector<Tensor> weights;                   // Autoencoder::params() order
  bool live = false;                             // from a snapshot of a run still training
  uint64_t snapshot = 0;                         // live: the snapshot version encoded
  double encode_ms = 0;                          // live: the worker's time to encode the test set
  Tensor xy;                                     // (M, 2): the codes themselves or their PCA
  analysis::Pca pca;                             // when L > 2
};

// An autoencoder run's test codes and final weights through train::load_run_codes (InputError as
// there), its dataset from the session's cache; `model` (optional) receives the loaded decoder.
// Opens its own store connection.
[[nodiscard]] RunCodes load_run_codes(DatasetCache& datasets, const std::filesystem::path& runs_db,
                                      const std::filesystem::path& data_dir, int64_t run_id,
                                      std::unique_ptr<models::Autoencoder>* model = nullptr);
// The codes of a training run from a weight snapshot: (re-)encodes the test set.
void encode_from_snapshot(RunCodes& run, std::vector<Tensor> weights);
// xy and pca from codes: 2-D as they are, wider through the first two principal components.
void project_codes(RunCodes& run);

// [SECTION] The panel

class LatentExplorer : public Panel {
 public:
  explicit LatentExplorer(AppContext& ctx);
  ~LatentExplorer() override;
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  struct Work;  // what the loading / encoding / t-SNE jobs hand back

  void refresh_run_list();
  void open_run(int64_t run_id);
  void poll_jobs();
  void follow_live();
  // Swaps in codes from a job; `model` (built on the worker) replaces the decoder on a run change.
  void adopt(std::shared_ptr<RunCodes> run, std::unique_ptr<models::Autoencoder> model);
  void upload_points();
  void start_tsne();
  void decode_at(double x, double y, int nearest);
  void write_decoded_png(const std::vector<float>& img28);
  void update_manifold(bool force);
  void update_interpolation();
  void update_recon_grid();
  void draw_toolbar();
  void draw_side(float w, float h);
  void log_codes(double adopt_ms);                                               // --codes-log
  [[nodiscard]] std::vector<float> decode(std::span<const float> z, int count);  // (count, 784)

  AppContext& ctx_;
  std::vector<std::pair<int64_t, std::string>> runs_;  // ae runs in the store: id, label
  std::chrono::steady_clock::time_point runs_listed_{};
  uint64_t runs_seen_ = ~0ull, explore_seen_ = 0;
  int64_t run_id_ = 0;  // selected
  std::string status_;  // "loading run 3..." or an error
  bool status_error_ = false;

  std::shared_ptr<RunCodes> run_;               // shown (the UI thread only reads it)
  std::unique_ptr<models::Autoencoder> model_;  // the UI thread's decoder (and encoder for hover)
  std::shared_ptr<LiveRun> live_;               // the training job it follows, if any
  uint64_t snapshot_seen_ = 0;
  std::chrono::steady_clock::time_point last_encode_{};
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  int live_updates_ = 0;  // live codes swapped in for the run shown

  std::shared_ptr<Work> load_work_, encode_work_, tsne_work_, recon_work_, manifold_work_;
  int method_ = 0;  // 0 PCA, 1 t-SNE (wider codes)
  float perplexity_ = 30;
  Tensor tsne_xy_;  // (M, 2) for run_ (empty until computed)
  int64_t tsne_run_ = 0;

  Scatter scatter_;
  bool shown_digit_[10] = {true, true, true, true, true, true, true, true, true, true};
  std::vector<int> shown_index_;  // scatter point -> test index
  bool points_dirty_ = false, keep_view_ = false;

  int hover_index_ = -1;
  ImageGrid hover_grid_;  // original | reconstruction
  ImageGrid decoded_;     // the clicked point decoded (and the nearest code's decoding)
  bool has_decoded_ = false;
  double decode_ms_ = 0;
  int clicked_nearest_ = -1;
  double clicked_x_ = 0, clicked_y_ = 0;
  int decode_count_ = 0;

  int pick_a_ = -1, pick_b_ = -1;  // test indices for the interpolation
  int interp_steps_ = 10;
  ImageGrid interp_grid_;

  bool manifold_ = true;
  int manifold_n_ = 12;
  ImageGrid manifold_grid_;
  Scatter::ViewRect manifold_view_{};
  uint64_t codes_serial_ = 0, manifold_serial_ = 0;  // adopt() counts; the grid's decoder's count
  std::chrono::steady_clock::time_point manifold_at_{};

  std::vector<int64_t> recon_indices_;  // the test digits in the grid
  ImageGrid recon_grid_;
  std::vector<std::string> recon_rows_;
  bool recon_dirty_ = true;
  bool wrote_rect_ = false;
  int shown_frames_ = 0;
};

}  // namespace aelab::app
