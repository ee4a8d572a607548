// Latent explorer (see latent_explorer.hpp).
//
// Index
// [SECTION] Loading a run
// [SECTION] Jobs: load, follow a training run, t-SNE, reconstruction grid
// [SECTION] Decoding on the UI thread
// [SECTION] Drawing
#include "app/panels/latent_explorer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "analysis/tsne.hpp"
#include "app/panels/training.hpp"
#include "app/png.hpp"
#include "app/widgets/colormap.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "nn/params.hpp"
#include "runs/run_store.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

using Clock = std::chrono::steady_clock;

// [SECTION] Loading a run ---------------------------------------------------------------------

void project_codes(RunCodes& run) {
  const int64_t m = run.codes.dim(0), l = run.codes.dim(1);
  if (l == 2) {
    run.xy = run.codes;
  } else if (l == 1) {  // a line: spread it along y = 0
    run.xy = Tensor({m, 2});
    for (int64_t i = 0; i < m; ++i) run.xy[2 * i] = run.codes[i];
  } else {
    run.pca = analysis::fit_pca(run.codes, 2);
    run.xy = run.pca.project(run.codes);
  }
}

RunCodes load_run_codes(DatasetCache& datasets, const std::filesystem::path& runs_db,
                        const std::filesystem::path& data_dir, int64_t run_id,
                        std::unique_ptr<models::Autoencoder>* model) {
  train::RunModel m = train::load_run_codes(
      runs::RunStore::open(runs_db), run_id,
      [&](const std::string& name, int64_t limit) { return datasets.get(name, data_dir, limit); });
  RunCodes r;
  r.run_id = run_id;
  r.name = m.summary.name;
  r.config = std::move(m.config);
  r.dataset = std::move(m.dataset);
  r.codes = std::move(m.test_codes);
  r.weights = std::move(m.weights);
  if (model) *model = std::move(m.model);
  project_codes(r);
  return r;
}

void encode_from_snapshot(RunCodes& run, std::vector<Tensor> weights) {
  auto ae = train::make_autoencoder(run.config, weights);
  run.codes = train::encode_all(*ae, run.dataset->test_images);
  run.weights = std::move(weights);
  run.live = true;
  project_codes(run);
}

// [SECTION] Jobs: load, follow a training run, t-SNE, reconstruction grid ----------------------

struct LatentExplorer::Work {
  std::shared_ptr<train::Job> job;
  std::shared_ptr<RunCodes> run;  // load / encode
  Tensor xy;                      // t-SNE
  int64_t run_id = 0;
  std::vector<float> recon;  // (rows, n, 784) of the compared runs
  std::vector<std::string> rows;
  int grid_n = 0;  // manifold: the grid's side (recon holds its n*n decodings)
  std::unique_ptr<models::Autoencoder> model;  // load / first encode: the UI's decoder, built here
};

LatentExplorer::LatentExplorer(AppContext& ctx) : ctx_(ctx) {
  set_num_threads(1);  // the UI thread decodes single vectors: no OpenMP team to wake
  if (ctx_.launch().run > 0) open_run(ctx_.launch().run);
}

LatentExplorer::~LatentExplorer() = default;  // jobs cancel and join in their destructors

void LatentExplorer::save(nlohmann::json& out) const {
  out["run"] = run_id_;
  out["method"] = method_;
  out["perplexity"] = perplexity_;
  out["manifold_n"] = manifold_n_;
}

void LatentExplorer::load(const nlohmann::json& in) {
  method_ = std::clamp(in.value("method", 0), 0, 1);
  perplexity_ = std::clamp(in.value("perplexity", 30.0f), 2.0f, 100.0f);
  manifold_n_ = std::clamp(in.value("manifold_n", 12), 4, 24);
  int64_t r = in.value("run", int64_t{0});
  if (r > 0 && run_id_ == 0 && std::filesystem::exists(ctx_.launch().runs_db)) open_run(r);
}

void LatentExplorer::refresh_run_list() {
  runs_.clear();
  runs_listed_ = Clock::now();
  if (!std::filesystem::exists(ctx_.launch().runs_db)) return;  // no store yet: nothing to list
  try {
    runs::RunStore store = runs::RunStore::open(ctx_.launch().runs_db);
    for (const runs::RunSummary& s : store.list_runs())
      if (runs::is_autoencoder(s.kind))
        runs_.emplace_back(s.id, "#" + std::to_string(s.id) + " " + s.name + " (" +
                                     std::string(runs::to_string(s.status)) + ")");
  } catch (const std::exception& e) {
    status_ = e.what(), status_error_ = true;
  }
}

void LatentExplorer::open_run(int64_t run_id) {
  run_id_ = run_id;
  live_ = ctx_.session().live_run(run_id);
  snapshot_seen_ = 0;
  status_ = "loading run " + std::to_string(run_id) + "...", status_error_ = false;
  if (live_) {  // codes come from the training job's snapshots (follow_live)
    status_ =
        "run " + std::to_string(run_id) + " is training: waiting for its first weight snapshot...";
    load_work_.reset();
    return;
  }
  auto w = std::make_shared<Work>();
  w->run_id = run_id;
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  w->job = std::make_shared<train::Job>(
      "load run " + std::to_string(run_id),
      [w, db, dir, run_id, cache = ctx_.session().datasets()](train::JobContext&) {
        w->run = std::make_shared<RunCodes>(load_run_codes(*cache, db, dir, run_id, &w->model));
      });
  ctx_.jobs().add(w->job);
  load_work_ = w;
}

void LatentExplorer::follow_live() {
  if (!live_) return;
  const train::JobState st = live_->job->state();
  if (train::is_terminal(st)) {  // the store now has the final codes (or the run ended early)
    live_.reset();
    if (st == train::JobState::finished) open_run(run_id_);
    return;
  }
  // Re-encode at most every 0.7 s (from the start of the last one), never two at once: on two
  // cores the encode takes a core from the training for ~40 ms (mnist-10k) to ~300 ms (Fashion's
  // 10,000 test digits) per update.
  if (encode_work_ || Clock::now() - last_encode_ < std::chrono::milliseconds(700)) return;
  const uint64_t version = live_->job->snapshot().version();
  if (version == snapshot_seen_) return;  // nothing new
  snapshot_seen_ = version;
  last_encode_ = Clock::now();
  // The UI thread's decoder is made once per run, on the worker; later updates load weights into
  // it.
  const bool need_model = !model_ || !run_ || run_->run_id != run_id_;
  auto w = std::make_shared<Work>();
  w->run_id = run_id_;
  auto base = std::make_shared<RunCodes>();
  base->run_id = run_id_;
  base->name = live_->job->name().substr(6);
  base->config = live_->config;
  const auto dir = ctx_.launch().data_dir;
  w->job = std::make_shared<train::Job>(
      "encode run " + std::to_string(run_id_),
      [w, base, training = live_->job, dir, need_model,
       cache = ctx_.session().datasets()](train::JobContext&) {
        lower_worker_priority();
        set_num_threads(1);  // a small job beside the training: leave it the cores
        const auto t0 = Clock::now();
        std::vector<Tensor>
            weights;  // the latest snapshot, copied here rather than on the UI thread
        (void)training->snapshot().copy_if_newer(weights, base->snapshot);
        base->dataset = cache->get(base->config.dataset, dir, base->config.limit);
        encode_from_snapshot(*base, std::move(weights));
        if (need_model) w->model = train::make_autoencoder(base->config, base->weights);
        base->encode_ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
        w->run = base;
      });
  encode_work_ = w;
}

void LatentExplorer::start_tsne() {
  if (!run_ || tsne_work_) return;
  auto w = std::make_shared<Work>();
  w->run_id = run_->run_id;
  auto run = run_;
  analysis::TsneConfig tc;
  tc.perplexity = perplexity_;
  w->job = std::make_shared<train::Job>(
      "t-SNE run " + std::to_string(run_->run_id), [w, run, tc](train::JobContext& jc) {
        lower_worker_priority();  // seconds of work: the UI keeps its frames
        std::atomic<bool> cancel{false};
        auto r = analysis::tsne(run->codes, tc, &cancel, [&](double f) {
          cancel = jc.cancel_requested();
          jc.report_progress(f, "t-SNE");
        });
        if (r.cancelled) throw train::JobCancelled();
        w->xy = std::move(r.y);
      });
  ctx_.jobs().add(w->job);
  tsne_work_ = w;
}

void LatentExplorer::poll_jobs() {
  auto take = [&](std::shared_ptr<Work>& w) -> std::shared_ptr<Work> {
    if (!w || !train::is_terminal(w->job->state())) return nullptr;
    auto done = std::move(w);
    w.reset();
    if (done->job->state() == train::JobState::failed) {
      status_ = done->job->error_message(), status_error_ = true;
      return nullptr;
    }
    return done->job->state() == train::JobState::finished ? done : nullptr;
  };
  if (auto w = take(load_work_); w && w->run_id == run_id_) {
    keep_view_ = false;
    adopt(w->run, std::move(w->model));
  }
  if (auto w = take(encode_work_); w && w->run_id == run_id_ && live_) {
    // The cloud spreads and moves while the run learns: refit unless the user moved the view.
    keep_view_ = run_ && run_->run_id == w->run_id && scatter_.view_moved();
    adopt(w->run, std::move(w->model));
  }
  if (auto w = take(manifold_work_); w && run_ && w->run_id == run_->run_id)
    manifold_grid_.set_images(w->grid_n * w->grid_n, 28, 28, w->recon, w->grid_n);
  if (auto w = take(tsne_work_); w && run_ && w->run_id == run_->run_id) {
    tsne_xy_ = std::move(w->xy);
    tsne_run_ = w->run_id;
    keep_view_ = false;
    points_dirty_ = true;
  }
  if (auto w = take(recon_work_); w) {
    recon_rows_ = std::move(w->rows);
    std::vector<float> px;  // originals, this run, then the compared runs
    const size_t n = recon_indices_.size();
    std::vector<float> mine = model_ ? std::vector<float>() : std::vector<float>();
    for (int64_t i : recon_indices_) {
      auto row = run_->dataset->test_images.row(i);
      px.insert(px.end(), row.begin(), row.end());
    }
    if (model_) {
      Tensor x = gather_rows(run_->dataset->test_images, recon_indices_);
      const Tensor& y = model_->forward(x);
      px.insert(px.end(), y.data(), y.data() + y.numel());
    }
    px.insert(px.end(), w->recon.begin(), w->recon.end());
    recon_grid_.set_images(static_cast<int>(px.size() / 784), 28, 28, px, static_cast<int>(n));
  }
}

void LatentExplorer::adopt(std::shared_ptr<RunCodes> run,
                           std::unique_ptr<models::Autoencoder> model) {
  const auto t0 = Clock::now();
  const bool same_run = run_ && run_->run_id == run->run_id;
  run_ = std::move(run);
  live_updates_ = same_run ? live_updates_ + run_->live : run_->live;
  ++codes_serial_;
  if (!same_run) {
    tsne_xy_ = Tensor();
    pick_a_ = pick_b_ = -1;
    has_decoded_ = false;
    recon_dirty_ = true;
  }
  status_.clear();
  status_error_ = false;
  try {
    if (model_ && same_run)
      train::load_weights(*model_,
                          run_->weights);  // keeps its oneDNN primitives: ~1 ms for the study MLP
    else {
      model_ = model ? std::move(model) : train::make_autoencoder(run_->config, run_->weights);
      // A new model's first batch-of-one decode builds its oneDNN primitives: do it now, so a
      // click never pays for that.
      (void)decode(std::vector<float>(run_->config.model.latent, 0.0f), 1);
    }
  } catch (const std::exception& e) {
    status_ = e.what(), status_error_ = true;  // the codes still show; decoding is off
    model_.reset();
  }
  hover_index_ = -1;
  upload_points();  // now, so the log below and this frame see the new codes
  if (pick_a_ >= 0 && pick_b_ >= 0) update_interpolation();
  if (has_decoded_) decode_at(clicked_x_, clicked_y_, clicked_nearest_);
  // The recon grid's compared runs are loaded once per run; this run's row follows the weights.
  if (recon_dirty_) update_recon_grid();
  if (!ctx_.launch().codes_log.empty())
    log_codes(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
}

void LatentExplorer::log_codes(double adopt_ms) {
  // One JSON line: enough for a test to see that the codes moved between two live updates.
  const int64_t m = run_->codes.dim(0), l = run_->codes.dim(1);
  std::vector<double> mean(static_cast<size_t>(l), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < l; ++j) mean[j] += run_->codes[i * l + j] / static_cast<double>(m);
  std::vector<float> head(run_->codes.data(), run_->codes.data() + std::min<int64_t>(m, 8) * l);
  nlohmann::json j{{"frame", ImGui::GetFrameCount()},
                   {"seconds", std::chrono::duration<double>(Clock::now() - created_).count()},
                   {"run", run_->run_id},
                   {"live", run_->live},
                   {"snapshot", run_->snapshot},
                   {"points", scatter_.size()},
                   {"latent", l},
                   {"encode_ms", run_->encode_ms},
                   {"adopt_ms", adopt_ms},
                   {"mean", mean},
                   {"head", head}};
  std::ofstream(ctx_.launch().codes_log, std::ios::app) << j.dump() << "\n";
}

void LatentExplorer::update_recon_grid() {
  if (!run_ || recon_work_) return;
  recon_dirty_ = false;
  recon_indices_.clear();
  const auto& labels = run_->dataset->test_labels;
  for (int d = 0; d < 10; ++d)  // the first two test images of each digit
    for (size_t i = 0, taken = 0; i < labels.size() && taken < 2; ++i)
      if (labels[i] == d) recon_indices_.push_back(static_cast<int64_t>(i)), ++taken;
  auto w = std::make_shared<Work>();
  Tensor images = gather_rows(run_->dataset->test_images, recon_indices_);
  std::vector<int64_t> others;
  for (int64_t id : ctx_.session().compare_runs)
    if (id != run_->run_id) others.push_back(id);
  const auto db = ctx_.launch().runs_db;
  w->job = std::make_shared<train::Job>(
      "reconstruction grid", [w, images, others, db](train::JobContext&) {
        set_num_threads(1);
        runs::RunStore store = runs::RunStore::open(db);
        for (int64_t id : others) {
          try {
            train::RunModel other = train::load_run_model(store, id);
            const Tensor& y = other.model->forward(images);
            w->recon.insert(w->recon.end(), y.data(), y.data() + y.numel());
            w->rows.push_back("#" + std::to_string(id) + " " + other.summary.name);
          } catch (const std::exception&) {
            // A run without final weights (still training, cancelled early) has no row.
          }
        }
      });
  recon_work_ = w;
}

// [SECTION] Decoding on the UI thread --------------------------------------------------------

std::vector<float> LatentExplorer::decode(std::span<const float> z, int count) {
  if (!model_) return {};
  const int64_t l = run_->config.model.latent;
  Tensor zt({count, l}, z);
  const Tensor& y = model_->decode(zt);  // (count, 1, 28, 28)
  return std::vector<float>(y.data(), y.data() + y.numel());
}

void LatentExplorer::decode_at(double x, double y, int nearest) {
  if (!run_ || !model_) return;
  clicked_x_ = x, clicked_y_ = y, clicked_nearest_ = nearest;
  const int64_t l = run_->config.model.latent;
  const bool tsne = l > 2 && method_ == 1 && tsne_run_ == run_->run_id && !tsne_xy_.empty();
  std::vector<float> z;
  if (l == 2 && !tsne) {
    z = {static_cast<float>(x), static_cast<float>(y)};
  } else if (l == 1) {
    z = {static_cast<float>(x)};
  } else if (!tsne) {
    const float p[2] = {static_cast<float>(x), static_cast<float>(y)};
    z = run_->pca.lift(p);
  }
  std::vector<float> px;
  if (!z.empty()) {
    const auto t0 = Clock::now();
    px = decode(z, 1);
    decode_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
  }
  if (l > 2 && nearest >= 0) {  // beside it: the nearest real code decoded
    auto code = run_->codes.row(nearest);
    const auto t0 = Clock::now();
    std::vector<float> near = decode(code, 1);
    if (z.empty())
      decode_ms_ = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    px.insert(px.end(), near.begin(), near.end());
  }
  if (px.empty()) return;
  decoded_.set_images(static_cast<int>(px.size() / 784), 28, 28, px, 2);
  has_decoded_ = true;
  ++decode_count_;
  if (!ctx_.launch().decoded_png.empty()) {  // scripted runs: the test's evidence and timing
    write_decoded_png(std::vector<float>(px.begin(), px.begin() + 784));
    std::fprintf(stderr, "aelab: decoded a latent point in %.3f ms\n", decode_ms_);
  }
}

void LatentExplorer::write_decoded_png(const std::vector<float>& img) {
  const int s = 4, w = 28 * s;
  std::vector<uint8_t> rgba(static_cast<size_t>(w) * w * 4, 255);
  for (int y = 0; y < w; ++y)
    for (int x = 0; x < w; ++x) {
      const float v = std::clamp(img[(y / s) * 28 + x / s], 0.0f, 1.0f);
      uint8_t* p = &rgba[(static_cast<size_t>(y) * w + x) * 4];
      p[0] = p[1] = p[2] = static_cast<uint8_t>(std::lround(v * 255));
    }
  std::string err = write_png(ctx_.launch().decoded_png, w, w, rgba);
  if (!err.empty()) ctx_.report(err, true);
}

// The grid is up to 24 x 24 decodings: a Job with its own decoder, not the UI thread (144 digits
// take 5-80 ms on one core, the upper end while a training shares the cores). The view is
// re-checked each frame, so a pan during a decode is picked up when it is done.
void LatentExplorer::update_manifold(bool force) {
  if (!run_ || !model_ || run_->config.model.latent != 2 || !manifold_ || manifold_work_) return;
  const Scatter::ViewRect v = scatter_.visible();
  const bool moved = v.x0 != manifold_view_.x0 || v.x1 != manifold_view_.x1 ||
                     v.y0 != manifold_view_.y0 || v.y1 != manifold_view_.y1 ||
                     manifold_serial_ != codes_serial_;
  if (!force && (!moved || Clock::now() - manifold_at_ < std::chrono::milliseconds(150))) return;
  if (v.x1 <= v.x0 || v.y1 <= v.y0) return;
  manifold_view_ = v, manifold_at_ = Clock::now(), manifold_serial_ = codes_serial_;
  const int n = manifold_n_;
  std::vector<float> z(static_cast<size_t>(n) * n * 2);
  for (int r = 0; r < n; ++r)  // row 0 at the top: the largest y
    for (int c = 0; c < n; ++c) {
      z[(r * n + c) * 2] = static_cast<float>(v.x0 + (c + 0.5) * (v.x1 - v.x0) / n);
      z[(r * n + c) * 2 + 1] = static_cast<float>(v.y1 - (r + 0.5) * (v.y1 - v.y0) / n);
    }
  auto w = std::make_shared<Work>();
  w->run_id = run_->run_id;
  w->grid_n = n;
  std::shared_ptr<const RunCodes> run = run_;
  w->job = std::make_shared<train::Job>("manifold", [w, run, z = std::move(z),
                                                     n](train::JobContext&) {
    set_num_threads(1);
    auto ae = train::make_autoencoder(run->config, run->weights);
    const Tensor& y = ae->decode(Tensor({static_cast<int64_t>(n) * n, 2}, z));  // (n*n, 1, 28, 28)
    w->recon.assign(y.data(), y.data() + y.numel());
  });
  manifold_work_ = w;
}

void LatentExplorer::update_interpolation() {
  if (!run_ || !model_ || pick_a_ < 0 || pick_b_ < 0) return;
  const int64_t l = run_->config.model.latent;
  const int n = interp_steps_;
  auto a = run_->codes.row(pick_a_), b = run_->codes.row(pick_b_);
  std::vector<float> z(static_cast<size_t>(n) * l);
  for (int s = 0; s < n; ++s) {
    const float t = n > 1 ? static_cast<float>(s) / (n - 1) : 0.0f;
    for (int64_t j = 0; j < l; ++j) z[s * l + j] = (1 - t) * a[j] + t * b[j];
  }
  std::vector<float> px = decode(z, n);
  interp_grid_.set_images(n, 28, 28, px, n);
}

// [SECTION] Drawing ---------------------------------------------------------------------------

void LatentExplorer::upload_points() {
  points_dirty_ = false;
  if (!run_) return;
  const int64_t l = run_->config.model.latent;
  const bool tsne = l > 2 && method_ == 1 && tsne_run_ == run_->run_id && !tsne_xy_.empty();
  const Tensor& xy = tsne ? tsne_xy_ : run_->xy;
  const auto& labels = run_->dataset->test_labels;
  std::vector<float> pts;
  std::vector<uint8_t> lab;
  shown_index_.clear();
  pts.reserve(labels.size() * 2);
  for (size_t i = 0; i < labels.size(); ++i) {
    if (!shown_digit_[labels[i] % 10]) continue;
    shown_index_.push_back(static_cast<int>(i));
    pts.push_back(xy[2 * i]), pts.push_back(xy[2 * i + 1]);
    lab.push_back(labels[i]);
  }
  scatter_.set_points(pts, lab, keep_view_);
  keep_view_ = true;
}

void LatentExplorer::draw_toolbar() {
  Session& session = ctx_.session();
  if (runs_seen_ != session.runs_changed || runs_listed_ == Clock::time_point{}) {
    runs_seen_ = session.runs_changed;
    refresh_run_list();
  }
  std::string current = run_id_ > 0 ? "#" + std::to_string(run_id_) : "pick a run";
  for (const auto& [id, label] : runs_)
    if (id == run_id_) current = label;
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  if (ImGui::BeginCombo("run", current.c_str())) {
    for (const auto& [id, label] : runs_)
      if (ImGui::Selectable(label.c_str(), id == run_id_)) open_run(id);
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  if (ImGui::SmallButton("refresh")) refresh_run_list();
  const bool wide = run_ && run_->config.model.latent > 2;
  ImGui::SameLine(0, 16);
  ImGui::BeginDisabled(!wide);
  if (ImGui::RadioButton("PCA", method_ == 0))
    method_ = 0, points_dirty_ = true, keep_view_ = false;
  ImGui::SameLine();
  if (ImGui::RadioButton("t-SNE", method_ == 1)) {
    method_ = 1, points_dirty_ = true, keep_view_ = false;
    if (run_ && tsne_run_ != run_->run_id) start_tsne();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 5);
  ImGui::DragFloat("perplexity", &perplexity_, 0.5f, 2.0f, 100.0f, "%.0f");
  ImGui::SameLine();
  ImGui::BeginDisabled(tsne_work_ != nullptr);
  if (ImGui::SmallButton(tsne_work_ ? "computing..." : "recompute")) {
    method_ = 1;
    start_tsne();
  }
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  if (run_) {
    ImGui::SameLine(0, 16);
    ImGui::TextDisabled("%lld codes, L = %lld", static_cast<long long>(run_->codes.dim(0)),
                        static_cast<long long>(run_->config.model.latent));
  }
  // Legend: one fixed colour per digit; unticking hides that digit.
  const auto& pal = digit_palette();
  for (int d = 0; d < 10; ++d) {
    if (d) ImGui::SameLine();
    ImGui::PushID(d);
    ImVec4 c(pal[d].r, pal[d].g, pal[d].b, 1);
    ImGui::PushStyleColor(ImGuiCol_CheckMark, c);
    ImGui::PushStyleColor(ImGuiCol_Text, c);
    if (ImGui::Checkbox(std::to_string(d).c_str(), &shown_digit_[d])) points_dirty_ = true;
    ImGui::PopStyleColor(2);
    ImGui::PopID();
  }
  ImGui::SameLine(0, 16);
  if (ImGui::SmallButton("all"))
    std::fill(std::begin(shown_digit_), std::end(shown_digit_), true), points_dirty_ = true;
  ImGui::SameLine();
  if (ImGui::SmallButton("none"))
    std::fill(std::begin(shown_digit_), std::end(shown_digit_), false), points_dirty_ = true;
  if (run_ && run_->live && live_) {  // what the scatter shows of the run that trains
    ImGui::SameLine(0, 16);
    ImGui::TextColored(ImVec4(0.55f, 0.85f, 0.55f, 1), "live");
    ImGui::SameLine();
    const std::string line = live_->job->status_line();  // "epoch 2/3, loss 0.1"
    ImGui::TextDisabled("%s, update %d, encoded in %.0f ms", line.substr(0, line.find(',')).c_str(),
                        live_updates_, run_->encode_ms);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "The codes of weight snapshot %llu of the training run, re-encoded off the UI\n"
          "thread at most every 0.7 s. Pan or zoom to keep the view; double-click refits.",
          static_cast<unsigned long long>(run_->snapshot));
  }
  if (!status_.empty()) {
    ImGui::SameLine(0, 16);
    if (status_error_)
      ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "%s", status_.c_str());
    else
      ImGui::TextDisabled("%s", status_.c_str());
  }
}

void LatentExplorer::draw_side(float w, float h) {
  ImGui::BeginChild("side", ImVec2(w, h), false);
  if (!run_) {
    ImGui::TextWrapped(
        "Pick a finished autoencoder run above, or train one in the Training panel "
        "(the explorer follows it while it trains).");
    ImGui::EndChild();
    return;
  }
  const int64_t l = run_->config.model.latent;
  if (ImGui::BeginTabBar("side_tabs")) {
    if (ImGui::BeginTabItem("Decode")) {
      if (!has_decoded_) {
        ImGui::TextWrapped(
            "Click anywhere in the scatter to decode that latent point. "
            "Right-click a digit to pick it for the interpolation.");
      } else {
        const float cell = std::min(w / 2 - 12, ImGui::GetFontSize() * 12);
        decoded_.draw("decoded", cell);
        if (l == 2)
          ImGui::TextDisabled("decoded z = (%.3g, %.3g)", clicked_x_, clicked_y_);
        else if (decoded_.count() == 2)
          ImGui::TextDisabled(
              "left: PCA point lifted back (mean + components)\nright: the nearest real code");
        else
          ImGui::TextDisabled("the nearest real code (t-SNE has no inverse)");
        if (clicked_nearest_ >= 0)
          ImGui::TextDisabled("nearest test digit #%d: a %d", clicked_nearest_,
                              int(run_->dataset->test_labels[clicked_nearest_]));
        ImGui::TextDisabled("decode %.3f ms (UI thread)", decode_ms_);
      }
      ImGui::EndTabItem();
    }
    if (l == 2 && ImGui::BeginTabItem("Manifold")) {
      ImGui::Checkbox("follow the view", &manifold_);
      ImGui::SameLine();
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
      if (ImGui::SliderInt("grid", &manifold_n_, 4, 24)) update_manifold(true);
      if (manifold_grid_.count() > 0) manifold_grid_.draw("manifold", (w - 8) / manifold_n_);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Interpolation")) {
      auto pick_text = [&](int i) {
        return i < 0 ? std::string("-")
                     : "#" + std::to_string(i) + " (a " +
                           std::to_string(run_->dataset->test_labels[i]) + ")";
      };
      ImGui::Text("A %s   B %s", pick_text(pick_a_).c_str(), pick_text(pick_b_).c_str());
      ImGui::TextDisabled("right-click digits in the scatter to pick A, then B");
      ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
      if (ImGui::SliderInt("steps", &interp_steps_, 3, 16)) update_interpolation();
      if (interp_grid_.count() > 0) interp_grid_.draw("interp", (w - 8) / interp_steps_);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Reconstructions")) {
      if (ImGui::SmallButton("refresh")) recon_dirty_ = true, update_recon_grid();
      ImGui::SameLine();
      ImGui::TextDisabled("tick runs in the Runs panel to compare");
      if (recon_grid_.count() > 0) {
        ImGui::TextDisabled("originals / #%lld %s%s", static_cast<long long>(run_->run_id),
                            run_->name.c_str(), recon_rows_.empty() ? "" : " / ...");
        recon_grid_.draw("recon", (w - 8) / std::max<size_t>(recon_indices_.size(), 1));
        for (const auto& r : recon_rows_) ImGui::TextDisabled("then %s", r.c_str());
      } else {
        ImGui::TextDisabled("computing...");
      }
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
}

void LatentExplorer::draw() {
  Session& session = ctx_.session();
  session.poll();
  if (session.explore_serial != explore_seen_) {
    explore_seen_ = session.explore_serial;
    if (session.explore_run > 0) open_run(session.explore_run);
  }
  poll_jobs();
  follow_live();
  if (points_dirty_) upload_points();
  draw_toolbar();

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = std::max(ImGui::GetFontSize() * 22, avail.x * 0.34f);
  const ImVec2 size(std::max(avail.x - side_w - ImGui::GetStyle().ItemSpacing.x, 100.0f),
                    std::max(avail.y, 100.0f));
  ScatterHover hv = scatter_.draw("codes", size);
  if (scatter_.size() == 0)  // the empty map in the scatter's own background, not a hole
    ImGui::GetWindowDrawList()->AddRectFilled(ImVec2(hv.min.x + 1, hv.min.y + 1),
                                              ImVec2(hv.max.x - 1, hv.max.y - 1),
                                              IM_COL32(24, 26, 30, 255));
  if (run_ && scatter_.size() > 0 && !wrote_rect_ && !ctx_.launch().decoded_png.empty() &&
      ++shown_frames_ > 5) {  // after the host has placed the window
    // Scripted runs (the GUI test): where the scatter is, so a pointer can click into it.
    std::ofstream(ctx_.launch().decoded_png + ".rect")
        << hv.min.x << " " << hv.min.y << " " << hv.max.x << " " << hv.max.y << "\n";
    wrote_rect_ = true;
  }
  if (run_ && hv.hovered) {
    const int idx = hv.index >= 0 ? shown_index_[hv.index] : -1;
    if (idx >= 0 && idx != hover_index_ && model_) {
      hover_index_ = idx;
      Tensor x = gather_rows(run_->dataset->test_images, std::vector<int64_t>{idx});
      const Tensor& y = model_->forward(x);
      std::vector<float> px(x.data(), x.data() + 784);
      px.insert(px.end(), y.data(), y.data() + 784);
      hover_grid_.set_images(2, 28, 28, px, 2);
    }
    if (idx >= 0) {
      ImGui::BeginTooltip();
      ImGui::Text("a %d  (test #%d)", int(run_->dataset->test_labels[idx]), idx);
      hover_grid_.draw("hover", ImGui::GetFontSize() * 5);
      ImGui::TextDisabled("original | reconstruction");
      ImGui::EndTooltip();
    }
    if (hv.clicked) {
      int nearest = idx;
      if (nearest < 0) {  // empty space: the nearest shown code in the map
        const Tensor& xy = (run_->config.model.latent > 2 && method_ == 1 && !tsne_xy_.empty() &&
                            tsne_run_ == run_->run_id)
                               ? tsne_xy_
                               : run_->xy;
        double best = std::numeric_limits<double>::infinity();
        for (int i : shown_index_) {
          const double dx = xy[2 * i] - hv.x, dy = xy[2 * i + 1] - hv.y, d = dx * dx + dy * dy;
          if (d < best) best = d, nearest = i;
        }
      }
      decode_at(hv.x, hv.y, nearest);
    }
    if (idx >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
      if (pick_a_ < 0 || pick_b_ >= 0)
        pick_a_ = idx, pick_b_ = -1;
      else
        pick_b_ = idx;
      update_interpolation();
    }
  }
  // Marks on top: the clicked point and the interpolation's ends.
  if (run_) {
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->PushClipRect(hv.min, hv.max, true);
    if (has_decoded_) {
      ImVec2 p = scatter_.to_screen(clicked_x_, clicked_y_);
      dl->AddCircle(p, 7, IM_COL32(255, 255, 255, 255), 0, 2);
    }
    const bool tsne = run_->config.model.latent > 2 && method_ == 1 && !tsne_xy_.empty() &&
                      tsne_run_ == run_->run_id;
    const Tensor& xy = tsne ? tsne_xy_ : run_->xy;
    for (int i : {pick_a_, pick_b_})
      if (i >= 0) {
        ImVec2 p = scatter_.to_screen(xy[2 * i], xy[2 * i + 1]);
        dl->AddRect(ImVec2(p.x - 6, p.y - 6), ImVec2(p.x + 6, p.y + 6),
                    IM_COL32(255, 255, 255, 255), 0, 0, 2);
        dl->AddText(ImVec2(p.x + 8, p.y - 8), IM_COL32(255, 255, 255, 255),
                    i == pick_a_ ? "A" : "B");
      }
    dl->PopClipRect();
  }
  update_manifold(false);
  ImGui::SameLine();
  draw_side(side_w, size.y);
}

}  // namespace aelab::app
