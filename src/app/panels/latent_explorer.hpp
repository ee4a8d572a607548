#pragma once
// The latent explorer: the codes of one run (of the test set, the training set or all) as a
// scatter (one colour per digit,
// a legend that hides digits, pan and zoom), 2-D codes as they are and wider ones through PCA
// (instant) or t-SNE (a job). Hover shows the digit and its reconstruction; a click decodes that
// latent point (for wider codes the PCA point lifted back, and beside it the nearest real code's
// decoding). For 2-D runs a manifold grid over the visible region; interpolation between two
// picked digits; a reconstruction grid of the runs ticked in the Runs panel. While the run trains,
// the codes follow the latest weight snapshot: a small job re-encodes the test set at most every
// 0.7 s (never two at once) and the UI thread swaps the result in; the view refits each time
// unless the user has panned or zoomed, so the whole cloud stays in sight as it spreads.
//
// Every result names what it came from: the scatter's caption says run and projection (a t-SNE
// result its perplexity, marked stale when the perplexity or the codes changed, cleared when the
// run changes), the decoded point says its point and run. All work runs through JobSlots; the
// layout is side by side in a wide pane and stacked (side panel under the scatter) in a narrow one.
//
// Decoding single points runs on the UI thread through a model owned by the panel (DESIGN.md
// "Threads").
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "analysis/pca.hpp"
#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/number_field.hpp"
#include "app/widgets/scatter.hpp"
#include "data/dataset.hpp"
#include "models/autoencoder.hpp"
#include "train/ae_trainer.hpp"

namespace aelab::app {

struct LiveRun;

// [SECTION] Loading a run (worker threads; shared with the k-means view)

// Which codes the explorer shows: the test split (the default), the training split, or all of them
// (test first, then train: 70,000 for Fashion-MNIST or official MNIST).
enum class CodesOf { test, train, all };
[[nodiscard]] const char* codes_of_name(CodesOf c);  // "test", "train", "all"

// One autoencoder run as the explorer shows it.
struct RunCodes {
  int64_t run_id = 0;
  std::string name;
  train::AeTrainConfig config;
  std::shared_ptr<const data::Dataset> dataset;  // the images and labels the codes are of
  CodesOf codes_of = CodesOf::test;
  Tensor codes;                 // (M, L) of codes_of
  std::vector<uint8_t> labels;  // (M): each code's label
  std::vector<Tensor> weights;  // Autoencoder::params() order
  bool live = false;            // from a snapshot of a run still training
  uint64_t snapshot = 0;        // live: the snapshot version encoded
  double encode_ms = 0;         // live: the worker's time to encode the test set
  Tensor xy;                    // (M, 2): the codes themselves or their PCA
  analysis::Pca pca;            // when L > 2

  // Code i's image (784 pixels) and its name ("test #12", "train #5").
  [[nodiscard]] std::span<const float> image(int64_t i) const;
  [[nodiscard]] std::string point_name(int64_t i) const;
};

// An autoencoder run's test codes and final weights through train::load_run_codes (InputError as
// there), its dataset from the session's cache; `model` (optional) receives the loaded decoder.
// Opens its own store connection.
[[nodiscard]] RunCodes load_run_codes(DatasetCache& datasets, const std::filesystem::path& runs_db,
                                      const std::filesystem::path& data_dir, int64_t run_id,
                                      std::unique_ptr<models::Autoencoder>* model = nullptr,
                                      CodesOf codes_of = CodesOf::test);
// The codes of a training run from a weight snapshot: (re-)encodes run.codes_of.
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

  // What the scatter shows.
  enum class Shown { nothing, codes, pca, tsne };

 private:
  // What the load and live-encode jobs hand back.
  struct Loaded {
    std::shared_ptr<RunCodes> run;
    std::shared_ptr<models::Autoencoder> model;  // the UI's decoder, built on the worker
  };
  struct TsneResult {
    int64_t run_id = 0;
    uint64_t codes_serial = 0;  // adopt() count of the codes it was computed from
    double perplexity = 0;
    Tensor xy;  // (M, 2)
  };
  struct GridResult {  // manifold and reconstruction grids: decodings in rows
    int64_t run_id = 0;
    int columns = 0;
    std::vector<float> pixels;         // (rows * columns, 784)
    std::vector<std::string> rows;     // reconstructions: one label per row
    std::vector<std::string> skipped;  // reconstructions: compared runs without weights, why
    Scatter::ViewRect view{};          // manifold: the region decoded
  };

  void open_run(int64_t run_id);
  void set_codes_of(CodesOf c);  // reloads (or re-encodes) the run's codes
  void reset_results();          // everything computed for the shown run
  void poll_jobs();
  void follow_live();
  // Swaps in codes from a job; `model` replaces the decoder on a run change.
  void adopt(std::shared_ptr<RunCodes> run, std::shared_ptr<models::Autoencoder> model);
  void upload_points();
  [[nodiscard]] Shown wanted_projection() const;
  [[nodiscard]] const Tensor* shown_xy() const;
  void start_tsne();
  [[nodiscard]] std::string tsne_inputs() const;
  void decode_at(double x, double y, int nearest);
  void write_decoded_png(const std::vector<float>& img28);
  void update_manifold();
  void update_interpolation();
  void update_recon_grid();
  [[nodiscard]] std::string recon_inputs() const;
  [[nodiscard]] std::string run_label(int64_t run_id) const;  // the run's summary line
  void export_codes(bool train_split);
  // The shown run's dataset name, for its label names ("" with no run: labels as numbers).
  [[nodiscard]] const std::string& dataset_name() const;
  void draw_toolbar();
  void draw_caption();
  void draw_scatter(ImVec2 size);
  void draw_side(ImVec2 size);
  [[nodiscard]] std::vector<const char*> side_tabs() const;  // the side column's tabs, in order
  void draw_decode_tab();
  void draw_manifold_tab();
  void draw_interpolation_tab();
  void draw_recon_tab();
  void log_codes(const char* event, double adopt_ms);                            // --codes-log
  [[nodiscard]] std::vector<float> decode(std::span<const float> z, int count);  // (count, 784)

  AppContext& ctx_;
  JobList quiet_jobs_;  // small frequent jobs (live encodes, grids) kept off the status bar
  uint64_t explore_seen_ = 0;
  int64_t run_id_ = 0;  // selected
  std::string decoder_error_;
  int64_t logged_run_ = 0;

  std::shared_ptr<RunCodes> run_;               // shown (the UI thread only reads it)
  std::shared_ptr<models::Autoencoder> model_;  // the UI thread's decoder (and encoder for hover)
  std::shared_ptr<LiveRun> live_;               // the training job it follows, if any
  uint64_t snapshot_seen_ = 0;
  std::chrono::steady_clock::time_point last_encode_{};
  std::chrono::steady_clock::time_point created_ = std::chrono::steady_clock::now();
  int live_updates_ = 0;       // live codes swapped in for the run shown
  uint64_t codes_serial_ = 0;  // adopt() count

  JobSlot<Loaded> load_, encode_;
  JobSlot<TsneResult> tsne_;
  JobSlot<GridResult> manifold_, recon_;
  JobSlot<std::filesystem::path> export_;

  int method_ = 0;  // the radio: 0 PCA, 1 t-SNE (codes wider than 2)
  CodesOf codes_of_ = CodesOf::test;
  DoubleField perplexity_{30, DoubleRule::in(2, 100), "%.4g"};
  IntField manifold_n_{12, IntRule::integer_in(2, 32)};
  IntField interp_steps_{10, IntRule::integer_in(2, 32)};

  Scatter scatter_;
  ScreenRect scatter_rect_;
  bool shown_digit_[10] = {true, true, true, true, true, true, true, true, true, true};
  std::vector<int> shown_index_;  // scatter point -> code index
  Shown shown_ = Shown::nothing;
  std::string shown_tsne_;  // inputs of the t-SNE result shown
  bool points_dirty_ = false, keep_view_ = false;

  int hover_index_ = -1;
  ImageGrid hover_grid_;  // original | reconstruction

  // The clicked point decoded (and the nearest code's decoding), for the run and projection
  // it was clicked in.
  ImageGrid decoded_;
  bool has_decoded_ = false;
  Shown decoded_in_ = Shown::nothing;
  double decode_ms_ = 0;
  int clicked_nearest_ = -1;
  double clicked_x_ = 0, clicked_y_ = 0;

  int pick_a_ = -1, pick_b_ = -1;  // code indices for the interpolation
  ImageGrid interp_grid_;
  std::string interp_for_;

  bool manifold_follow_ = true;
  ImageGrid manifold_grid_;
  std::chrono::steady_clock::time_point manifold_at_{};

  std::vector<int64_t> recon_indices_;  // the test digits in the grid
  std::vector<ImageGrid> recon_grids_;  // one per row: originals, this run, compared runs
  ScreenRect recon_rect_;
  std::chrono::steady_clock::time_point recon_at_{};

  bool wrote_rect_ = false;
  int shown_frames_ = 0;
};

}  // namespace aelab::app
