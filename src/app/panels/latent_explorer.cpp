// Latent explorer (see latent_explorer.hpp).
//
// Index
// [SECTION] Loading a run
// [SECTION] Jobs: load, follow a training run, t-SNE, grids, exports
// [SECTION] Decoding on the UI thread
// [SECTION] Drawing
#include "app/panels/latent_explorer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>

#include "analysis/tsne.hpp"
#include "app/export.hpp"
#include "app/png.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/run_picker.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "nn/params.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

using Clock = std::chrono::steady_clock;

namespace {

const ImVec4 kStale(0.95f, 0.8f, 0.3f, 1), kError(1, 0.35f, 0.3f, 1), kLive(0.55f, 0.85f, 0.55f, 1);
constexpr const char* kTabDecode = "Decode";
constexpr const char* kTabManifold = "Manifold";
constexpr const char* kTabInterpolation = "Interpolation";
constexpr const char* kTabRecon = "Reconstructions";

const char* shown_key(LatentExplorer::Shown s) {
  switch (s) {
    case LatentExplorer::Shown::codes:
      return "codes";
    case LatentExplorer::Shown::pca:
      return "pca";
    case LatentExplorer::Shown::tsne:
      return "tsne";
    case LatentExplorer::Shown::nothing:
      break;
  }
  return "none";
}

std::string num(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// Keeps the next item on this line when `w` pixels still fit before the right edge.
float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
}
float check_width(const char* label) {
  return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x +
         ImGui::CalcTextSize(label, nullptr, true).x;
}
void wrapped(const ImVec4& colour, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  text_wrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}
void wrapped_dim(const std::string& text) {
  wrapped(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled), text);
}
// The width a tab bar needs to show every tab in full (ImGui sizes a tab without a close button
// as its label, the frame padding either side and one pixel, at most 20 font sizes).
float tabs_width(const std::vector<const char*>& labels) {
  const ImGuiStyle& st = ImGui::GetStyle();
  float w = 0;
  for (const char* l : labels)
    w += std::min(ImGui::CalcTextSize(l, nullptr, true).x + 2 * st.FramePadding.x + 1,
                  ImGui::GetFontSize() * 20);
  return std::ceil(w + st.ItemInnerSpacing.x * static_cast<float>(labels.size() - 1));
}
// A button placed after the last item when it fits, else on the next line.
bool flow_button(const char* label) {
  same_line_if_fits(button_width(label));
  return ImGui::SmallButton(label);
}

}  // namespace

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

const char* codes_of_name(CodesOf c) {
  switch (c) {
    case CodesOf::test:
      return "test";
    case CodesOf::train:
      return "train";
    case CodesOf::all:
      break;
  }
  return "all";
}

std::span<const float> RunCodes::image(int64_t i) const {
  const int64_t n_test = dataset->test_images.dim(0);
  const bool test = codes_of == CodesOf::test || (codes_of == CodesOf::all && i < n_test);
  const int64_t row = codes_of == CodesOf::all && !test ? i - n_test : i;
  const Tensor& images = test ? dataset->test_images : dataset->train_images;
  return {images.data() + row * 784, 784};
}

std::string RunCodes::point_name(int64_t i) const {
  const int64_t n_test = dataset->test_images.dim(0);
  if (codes_of == CodesOf::test || (codes_of == CodesOf::all && i < n_test))
    return "test #" + std::to_string(i);
  return "train #" + std::to_string(codes_of == CodesOf::all ? i - n_test : i);
}

namespace {

// The codes of run.codes_of through `ae` (the test part from test_codes when given), and their
// labels.
void encode_codes_of(RunCodes& run, models::Autoencoder& ae, const Tensor* test_codes) {
  const data::Dataset& ds = *run.dataset;
  auto encode = [&](const Tensor& images) {
    return train::encode_all(ae, train::model_input(run.config, images));
  };
  Tensor test, train;
  if (run.codes_of != CodesOf::train) test = test_codes ? *test_codes : encode(ds.test_images);
  if (run.codes_of != CodesOf::test) train = encode(ds.train_images);
  if (run.codes_of == CodesOf::test) {
    run.codes = std::move(test);
  } else if (run.codes_of == CodesOf::train) {
    run.codes = std::move(train);
  } else {  // test first, then train
    const int64_t l = test.dim(1), a = test.dim(0), b = train.dim(0);
    run.codes = Tensor({a + b, l});
    std::copy_n(test.data(), a * l, run.codes.data());
    std::copy_n(train.data(), b * l, run.codes.data() + a * l);
  }
  run.labels.clear();
  if (run.codes_of != CodesOf::train)
    run.labels.insert(run.labels.end(), ds.test_labels.begin(), ds.test_labels.end());
  if (run.codes_of != CodesOf::test)
    run.labels.insert(run.labels.end(), ds.train_labels.begin(), ds.train_labels.end());
}

}  // namespace

RunCodes load_run_codes(DatasetCache& datasets, const std::filesystem::path& runs_db,
                        const std::filesystem::path& data_dir, int64_t run_id,
                        std::unique_ptr<models::Autoencoder>* model, CodesOf codes_of) {
  train::RunModel m = train::load_run_codes(
      runs::RunStore::open(runs_db), run_id,
      [&](const train::DatasetRequest& r) { return datasets.get(r, data_dir); });
  RunCodes r;
  r.run_id = run_id;
  r.name = m.summary.name;
  r.config = std::move(m.config);
  r.dataset = std::move(m.dataset);
  r.codes_of = codes_of;
  encode_codes_of(r, *m.model, &m.test_codes);
  r.weights = std::move(m.weights);
  if (model) *model = std::move(m.model);
  project_codes(r);
  return r;
}

void encode_from_snapshot(RunCodes& run, std::vector<Tensor> weights) {
  auto ae = train::make_autoencoder(run.config, weights);
  encode_codes_of(run, *ae, nullptr);
  run.weights = std::move(weights);
  run.live = true;
  project_codes(run);
}

// [SECTION] Jobs: load, follow a training run, t-SNE, grids, exports -----------------------------

LatentExplorer::LatentExplorer(AppContext& ctx) : ctx_(ctx) {
  set_num_threads(1);  // the UI thread decodes single vectors: no OpenMP team to wake
  if (ctx_.launch().run > 0) open_run(ctx_.launch().run);
}

LatentExplorer::~LatentExplorer() = default;  // the slots cancel their jobs

void LatentExplorer::save(nlohmann::json& out) const {
  out["run"] = run_id_;
  out["method"] = method_;
  out["codes_of"] = codes_of_name(codes_of_);
  out["perplexity"] = perplexity_.value;
  out["manifold_n"] = manifold_n_.value;
  out["interp_steps"] = interp_steps_.value;
}

void LatentExplorer::load(const nlohmann::json& in) {
  method_ = in.value("method", 0) == 1 ? 1 : 0;
  const std::string codes_of = in.value("codes_of", std::string("test"));
  // Through set_codes_of: a run opened before the settings came (--run) loads again for the saved
  // choice (it stayed on "no run" when the choice changed under its load).
  set_codes_of(codes_of == "train" ? CodesOf::train
               : codes_of == "all" ? CodesOf::all
                                   : CodesOf::test);
  // A saved value the field would refuse keeps the default.
  if (const double p = in.value("perplexity", 30.0); check_rule(perplexity_.rule, p).empty())
    perplexity_.set_value(p);
  if (const int64_t n = in.value("manifold_n", int64_t{12});
      check_rule(manifold_n_.rule, n).empty())
    manifold_n_.set_value(n);
  if (const int64_t n = in.value("interp_steps", int64_t{10});
      check_rule(interp_steps_.rule, n).empty())
    interp_steps_.set_value(n);
  int64_t r = in.value("run", int64_t{0});
  if (r > 0 && run_id_ == 0 && std::filesystem::exists(ctx_.launch().runs_db)) open_run(r);
}

void LatentExplorer::reset_results() {
  tsne_.cancel(), tsne_.clear();
  manifold_.cancel(), manifold_.clear();
  recon_.cancel(), recon_.clear();
  manifold_grid_ = ImageGrid();
  interp_grid_ = ImageGrid();
  recon_grids_.clear();
  interp_for_.clear();
  pick_a_ = pick_b_ = -1;
  has_decoded_ = false;
  hover_index_ = -1;
  decoder_error_.clear();
}

void LatentExplorer::open_run(int64_t run_id) {
  if (run_ && run_->run_id != run_id) {  // nothing of the old run stays on screen
    reset_results();
    run_.reset();
    model_.reset();
    live_updates_ = 0;
    points_dirty_ = true;
  }
  run_id_ = run_id;
  live_ = ctx_.session().live_run(run_id);
  snapshot_seen_ = 0;
  encode_.cancel();
  load_.cancel();
  if (live_) return;  // codes come from the training job's snapshots (follow_live)
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  load_.start(ctx_.jobs(), "load run " + std::to_string(run_id), "run #" + std::to_string(run_id),
              [db, dir, run_id, codes_of = codes_of_,
               cache = ctx_.session().datasets()](train::JobContext&) {
                Loaded out;
                std::unique_ptr<models::Autoencoder> model;
                out.run = std::make_shared<RunCodes>(
                    load_run_codes(*cache, db, dir, run_id, &model, codes_of));
                out.model = std::move(model);
                return out;
              });
}

void LatentExplorer::set_codes_of(CodesOf c) {
  if (c == codes_of_) return;
  codes_of_ = c;
  if (run_id_ <= 0) return;
  // Everything computed from the old codes goes; the run's codes come back for the new choice
  // (loaded, or re-encoded from the next snapshot of a run still training).
  reset_results();
  run_.reset();
  points_dirty_ = true;
  open_run(run_id_);
}

void LatentExplorer::follow_live() {
  if (!live_) return;
  const train::JobState st = live_->job->state();
  if (train::is_terminal(st)) {  // the store now has the final codes (or the run ended early)
    live_.reset();
    encode_.cancel();
    if (st == train::JobState::finished) open_run(run_id_);
    return;
  }
  // Re-encode never two at once, and so that the encodes take ~1/15 of one core from the
  // training they follow: every 15 x the last encode, from 1 s to 3 s, from the start of the last
  // one (an encode is ~40 ms for mnist-10k's test digits, ~300 ms for Fashion's 10,000 on two
  // busy cores). Every 0.7 s cost the run ~5 % of its samples/s (scripts/window_training_speed.sh).
  const double last_ms = run_ && run_->run_id == run_id_ ? run_->encode_ms : 0;
  const auto interval =
      std::chrono::duration<double, std::milli>(std::clamp(15 * last_ms, 1000.0, 3000.0));
  if (encode_.running() || Clock::now() - last_encode_ < interval) return;
  const uint64_t version = live_->job->snapshot().version();
  if (version == snapshot_seen_) return;  // nothing new
  snapshot_seen_ = version;
  last_encode_ = Clock::now();
  // The UI thread's decoder is made once per run, on the worker; later updates load weights into
  // it.
  const bool need_model = !model_ || !run_ || run_->run_id != run_id_;
  auto base = std::make_shared<RunCodes>();
  base->run_id = run_id_;
  base->name = live_->run_name();
  base->config = live_->config;
  base->codes_of = codes_of_;
  const auto dir = ctx_.launch().data_dir;
  encode_.start(quiet_jobs_, "encode run " + std::to_string(run_id_),
                "run #" + std::to_string(run_id_) + " snapshot " + std::to_string(version),
                [base, training = live_->job, dir, need_model,
                 cache = ctx_.session().datasets()](train::JobContext&) {
                  lower_worker_priority();
                  set_num_threads(1);  // a small job beside the training: leave it the cores
                  std::vector<Tensor> weights;  // the latest snapshot, copied here
                  (void)training->snapshot().copy_if_newer(weights, base->snapshot);
                  base->dataset = cache->get(base->config.dataset, dir, base->config.limit);
                  const auto t0 = Clock::now();  // the encode alone: it sets the next one's time
                  encode_from_snapshot(*base, std::move(weights));
                  base->encode_ms =
                      std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                  Loaded out;
                  if (need_model) out.model = train::make_autoencoder(base->config, base->weights);
                  out.run = base;
                  return out;
                });
}

std::string LatentExplorer::tsne_inputs() const {
  if (!run_) return {};
  return "run #" + std::to_string(run_->run_id) + " " + codes_of_name(run_->codes_of) + " codes " +
         std::to_string(codes_serial_) + " perplexity " + num(perplexity_.value);
}

void LatentExplorer::start_tsne() {
  if (!run_ || run_->config.model.latent <= 2 || !perplexity_.ok()) return;
  std::shared_ptr<const RunCodes> run = run_;
  analysis::TsneConfig tc;
  tc.perplexity = perplexity_.value;
  const uint64_t serial = codes_serial_;
  tsne_.start(ctx_.jobs(), "t-SNE run " + std::to_string(run->run_id), tsne_inputs(),
              [run, tc, serial](train::JobContext& jc) {
                lower_worker_priority();  // seconds of work: the UI keeps its frames
                std::atomic<bool> cancel{false};
                auto r = analysis::tsne(run->codes, tc, &cancel, [&](double f) {
                  cancel = jc.cancel_requested();
                  jc.report_progress(f, analysis::tsne_stage(f, tc.iterations));
                });
                if (r.cancelled) throw train::JobCancelled();
                TsneResult out;
                out.run_id = run->run_id;
                out.codes_serial = serial;
                out.perplexity = tc.perplexity;
                out.xy = std::move(r.y);
                return out;
              });
}

void LatentExplorer::poll_jobs() {
  quiet_jobs_.update();
  if (load_.poll())
    if (const Loaded* l = load_.result();
        l && l->run->run_id == run_id_ && l->run->codes_of == codes_of_) {
      keep_view_ = false;
      adopt(l->run, l->model);
    }
  if (encode_.poll())
    if (const Loaded* l = encode_.result();
        l && l->run->run_id == run_id_ && live_ && l->run->codes_of == codes_of_) {
      // The cloud spreads and moves while the run learns: refit unless the user moved the view.
      keep_view_ = run_ && run_->run_id == l->run->run_id && scatter_.view_moved();
      adopt(l->run, l->model);
    }
  if (tsne_.poll() && tsne_.result()) keep_view_ = false, points_dirty_ = true;
  if (manifold_.poll())
    if (const GridResult* g = manifold_.result())
      manifold_grid_.set_images(static_cast<int>(g->pixels.size() / 784), 28, 28, g->pixels,
                                g->columns);
  if (recon_.poll())
    if (const GridResult* g = recon_.result()) {
      recon_grids_.clear();
      const size_t per_row = static_cast<size_t>(g->columns) * 784;
      for (size_t r = 0; r < g->rows.size() && (r + 1) * per_row <= g->pixels.size(); ++r) {
        recon_grids_.emplace_back();
        recon_grids_.back().set_images(
            g->columns, 28, 28, std::span<const float>(g->pixels).subspan(r * per_row, per_row),
            g->columns);
      }
    }
  if (export_.poll()) {
    if (const auto* p = export_.result(); p && export_.error().empty())
      ctx_.report("wrote " + p->string());
    else if (!export_.error().empty())
      ctx_.report(export_.error(), true);
  }
  // The small jobs above need no polling frames: a job that ends wakes the loop
  // (train::set_job_end_listener), so its result shows in the next frame. Frames every 30 ms
  // while a re-encode ran took a tenth of a core from the run it follows (software GL).
}

void LatentExplorer::adopt(std::shared_ptr<RunCodes> run,
                           std::shared_ptr<models::Autoencoder> model) {
  const auto t0 = Clock::now();
  const bool same_run = run_ && run_->run_id == run->run_id;
  if (!same_run) reset_results();
  run_ = std::move(run);
  live_updates_ = same_run ? live_updates_ + run_->live : run_->live;
  ++codes_serial_;
  decoder_error_.clear();
  try {
    if (model_ && same_run)
      train::load_weights(*model_, run_->weights);  // keeps its oneDNN primitives: ~1 ms
    else {
      model_ = model ? std::move(model)
                     : std::shared_ptr<models::Autoencoder>(
                           train::make_autoencoder(run_->config, run_->weights));
      // A new model's first batch-of-one decode builds its oneDNN primitives: do it now, so a
      // click never pays for that.
      (void)decode(std::vector<float>(run_->config.model.latent, 0.0f), 1);
    }
  } catch (const std::exception& e) {
    decoder_error_ = e.what();  // the codes still show; decoding is off
    model_.reset();
  }
  hover_index_ = -1;
  upload_points();  // now, so the log below and this frame see the new codes
  // t-SNE is the chosen projection: a new run gets its own (the old one was cleared above).
  if (wanted_projection() == Shown::tsne && !tsne_.result() && !tsne_.running()) start_tsne();
  if (pick_a_ >= 0 && pick_b_ >= 0) update_interpolation();
  if (has_decoded_) decode_at(clicked_x_, clicked_y_, clicked_nearest_);
  if (!ctx_.launch().codes_log.empty())
    log_codes("codes", std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
}

void LatentExplorer::log_codes(const char* event, double adopt_ms) {
  // One JSON line: enough for a test to see that the codes moved between two live updates, and
  // which projection of which run the scatter shows against the radio's state.
  const int64_t m = run_->codes.dim(0), l = run_->codes.dim(1);
  std::vector<double> mean(static_cast<size_t>(l), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < l; ++j) mean[j] += run_->codes[i * l + j] / static_cast<double>(m);
  std::vector<float> head(run_->codes.data(), run_->codes.data() + std::min<int64_t>(m, 8) * l);
  nlohmann::json j{{"frame", ImGui::GetFrameCount()},
                   {"seconds", std::chrono::duration<double>(Clock::now() - created_).count()},
                   {"event", event},
                   {"run", run_->run_id},
                   {"selected", run_id_},
                   {"live", run_->live},
                   {"snapshot", run_->snapshot},
                   {"points", scatter_.size()},
                   {"latent", l},
                   {"codes_of", codes_of_name(run_->codes_of)},
                   {"method", shown_key(shown_)},
                   {"radio", l > 2 ? (method_ == 1 ? "tsne" : "pca") : "disabled"},
                   {"encode_ms", run_->encode_ms},
                   {"adopt_ms", adopt_ms},
                   {"mean", mean},
                   {"head", head}};
  if (shown_ == Shown::tsne)
    if (const TsneResult* t = tsne_.result()) {
      j["tsne_run"] = t->run_id;
      j["perplexity"] = t->perplexity;
      j["stale"] = tsne_.stale(tsne_inputs());
    }
  std::ofstream(ctx_.launch().codes_log, std::ios::app) << j.dump() << "\n";
}

std::string LatentExplorer::run_label(int64_t run_id) const {
  if (const runs::RunSummary* s = find_run(ctx_.session().runs(), run_id))
    return runs::summary_line(*s);
  if (run_ && run_->run_id == run_id) return "#" + std::to_string(run_id) + " " + run_->name;
  return "#" + std::to_string(run_id);
}

std::string LatentExplorer::recon_inputs() const {
  if (!run_) return {};
  std::string s =
      "run #" + std::to_string(run_->run_id) + " codes " + std::to_string(codes_serial_);
  for (int64_t id : ctx_.session().compare_runs)
    if (id != run_->run_id) s += " #" + std::to_string(id);
  return s;
}

// The first two test digits of each class: originals, this run's reconstructions and one row per
// run ticked in the Runs panel, each row labelled with its run's summary.
void LatentExplorer::update_recon_grid() {
  if (!run_ || recon_.running()) return;
  const std::string inputs = recon_inputs();
  if (recon_.result() && !recon_.stale(inputs)) return;
  if (!recon_.error().empty() && recon_.error_inputs() == inputs) return;  // until retried
  // While the run trains its row follows the weights, at most every 2 s.
  if (recon_.result() && run_->live && Clock::now() - recon_at_ < std::chrono::seconds(2)) return;
  recon_at_ = Clock::now();
  recon_indices_.clear();
  const auto& labels = run_->dataset->test_labels;
  for (int d = 0; d < 10; ++d)
    for (size_t i = 0, taken = 0; i < labels.size() && taken < 2; ++i)
      if (labels[i] == d) recon_indices_.push_back(static_cast<int64_t>(i)), ++taken;
  std::vector<std::pair<int64_t, std::string>> others;
  for (int64_t id : ctx_.session().compare_runs)
    if (id != run_->run_id) others.emplace_back(id, run_label(id));
  std::shared_ptr<const RunCodes> run = run_;
  const std::string mine = run_label(run_->run_id) + (run_->live ? "  (live weights)" : "");
  recon_.start(quiet_jobs_, "reconstruction grid", inputs,
               [run, indices = recon_indices_, others, mine,
                db = ctx_.launch().runs_db](train::JobContext&) {
                 set_num_threads(1);
                 GridResult g;
                 g.run_id = run->run_id;
                 g.columns = static_cast<int>(indices.size());
                 const Tensor images = gather_rows(run->dataset->test_images, indices);
                 g.pixels.assign(images.data(), images.data() + images.numel());
                 g.rows.push_back("originals: the first two test images of each class");
                 auto ae = train::make_autoencoder(run->config, run->weights);
                 const Tensor& y = ae->forward(train::model_input(run->config, images));
                 g.pixels.insert(g.pixels.end(), y.data(), y.data() + y.numel());
                 g.rows.push_back(mine);
                 if (others.empty()) return g;
                 runs::RunStore store = runs::RunStore::open(db);
                 for (const auto& [id, label] : others) {
                   try {
                     train::RunModel other = train::load_run_model(store, id);
                     const Tensor& yo =
                         other.model->forward(train::model_input(other.config, images));
                     g.pixels.insert(g.pixels.end(), yo.data(), yo.data() + yo.numel());
                     g.rows.push_back(label);
                   } catch (const std::exception& e) {
                     g.skipped.push_back(label + ": " + e.what());
                   }
                 }
                 return g;
               });
}

// The grid is up to 32 x 32 decodings: a job with its own decoder, not the UI thread (144 digits
// take 5-80 ms on one core, the upper end while a training shares the cores). The view is
// re-checked each frame, so a pan during a decode is picked up when it is done.
void LatentExplorer::update_manifold() {
  if (!run_ || run_->config.model.latent != 2 || !manifold_n_.ok() || manifold_.running()) return;
  Scatter::ViewRect v = scatter_.visible();
  if (const GridResult* g = manifold_.result(); g && !manifold_follow_) v = g->view;
  if (v.x1 <= v.x0 || v.y1 <= v.y0) return;
  const int n = static_cast<int>(manifold_n_.value);
  const std::string inputs = "run #" + std::to_string(run_->run_id) + " codes " +
                             std::to_string(codes_serial_) + " n " + std::to_string(n) + " view " +
                             num(v.x0) + " " + num(v.x1) + " " + num(v.y0) + " " + num(v.y1);
  if (manifold_.result() && !manifold_.stale(inputs)) return;
  if (!manifold_.error().empty() && manifold_.error_inputs() == inputs) return;
  if (Clock::now() - manifold_at_ < std::chrono::milliseconds(150)) {
    ctx_.request_frame(0.15);
    return;
  }
  manifold_at_ = Clock::now();
  std::vector<float> z(static_cast<size_t>(n) * n * 2);
  for (int r = 0; r < n; ++r)  // row 0 at the top: the largest y
    for (int c = 0; c < n; ++c) {
      z[(r * n + c) * 2] = static_cast<float>(v.x0 + (c + 0.5) * (v.x1 - v.x0) / n);
      z[(r * n + c) * 2 + 1] = static_cast<float>(v.y1 - (r + 0.5) * (v.y1 - v.y0) / n);
    }
  std::shared_ptr<const RunCodes> run = run_;
  manifold_.start(quiet_jobs_, "manifold", inputs,
                  [run, z = std::move(z), n, v](train::JobContext&) {
                    set_num_threads(1);
                    auto ae = train::make_autoencoder(run->config, run->weights);
                    const Tensor& y = ae->decode(Tensor({static_cast<int64_t>(n) * n, 2}, z));
                    GridResult g;
                    g.run_id = run->run_id;
                    g.columns = n;
                    g.view = v;
                    g.pixels.assign(y.data(), y.data() + y.numel());
                    return g;
                  });
}

void LatentExplorer::export_codes(bool train_split) {
  if (!run_ || export_.running()) return;
  std::shared_ptr<const RunCodes> run = run_;
  const std::string base =
      "codes-run" + std::to_string(run->run_id) + "-" + (train_split ? "train" : "test");
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  export_.start(
      ctx_.jobs(), "export " + base, base,
      [run, train_split, base, db, dir, cache = ctx_.session().datasets()](train::JobContext&) {
        const std::filesystem::path out_dir = default_export_dir();
        std::filesystem::create_directories(out_dir);
        const std::filesystem::path path = unique_export_path(out_dir, base, "csv");
        if (!train_split && run->codes_of == CodesOf::test) {  // the codes shown (live ones too)
          train::SplitCodes sc;
          sc.split = train::Split::test;
          sc.codes = run->codes;
          sc.labels = run->labels;
          train::write_codes_csv(path, sc);
          return path;
        }
        train::RunModel m = train::load_run_codes(
            runs::RunStore::open(db), run->run_id,
            [&](const train::DatasetRequest& r) { return cache->get(r, dir); });
        train::write_codes_csv(
            path, train::split_codes(m, train_split ? train::Split::train : train::Split::test));
        return path;
      });
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
  decoded_in_ = shown_;
  const int64_t l = run_->config.model.latent;
  const bool tsne = shown_ == Shown::tsne;
  std::vector<float> z;
  if (l == 2) {
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

void LatentExplorer::update_interpolation() {
  if (!run_ || !model_ || pick_a_ < 0 || pick_b_ < 0 || !interp_steps_.ok()) return;
  const int64_t l = run_->config.model.latent;
  const int n = static_cast<int>(interp_steps_.value);
  auto a = run_->codes.row(pick_a_), b = run_->codes.row(pick_b_);
  std::vector<float> z(static_cast<size_t>(n) * l);
  for (int s = 0; s < n; ++s) {
    const float t = n > 1 ? static_cast<float>(s) / (n - 1) : 0.0f;
    for (int64_t j = 0; j < l; ++j) z[s * l + j] = (1 - t) * a[j] + t * b[j];
  }
  std::vector<float> px = decode(z, n);
  interp_grid_.set_images(n, 28, 28, px, n);
  const auto& lab = run_->labels;
  interp_for_ = std::to_string(n) + " steps from " + run_->point_name(pick_a_) + " (a " +
                std::to_string(lab[pick_a_]) + ") to " + run_->point_name(pick_b_) + " (a " +
                std::to_string(lab[pick_b_]) + "), decoded by run #" +
                std::to_string(run_->run_id) + " " + run_->name;
}

// [SECTION] Drawing ---------------------------------------------------------------------------

LatentExplorer::Shown LatentExplorer::wanted_projection() const {
  if (!run_) return Shown::nothing;
  if (run_->config.model.latent <= 2) return Shown::codes;
  return method_ == 1 ? Shown::tsne : Shown::pca;
}

const Tensor* LatentExplorer::shown_xy() const {
  if (!run_) return nullptr;
  switch (wanted_projection()) {
    case Shown::codes:
    case Shown::pca:
      return &run_->xy;
    case Shown::tsne:
      if (const TsneResult* t = tsne_.result(); t && t->run_id == run_->run_id) return &t->xy;
      return nullptr;
    case Shown::nothing:
      break;
  }
  return nullptr;
}

void LatentExplorer::upload_points() {
  points_dirty_ = false;
  const Tensor* xy = shown_xy();
  const Shown before = shown_;
  shown_ = xy ? wanted_projection() : Shown::nothing;
  // A clicked point belongs to the projection it was clicked in.
  if (has_decoded_ && shown_ != before && decoded_in_ != shown_) has_decoded_ = false;
  std::vector<float> pts;
  std::vector<uint8_t> lab;
  shown_index_.clear();
  if (xy) {
    const auto& labels = run_->labels;
    pts.reserve(labels.size() * 2);
    for (size_t i = 0; i < labels.size(); ++i) {
      if (!shown_digit_[labels[i] % 10]) continue;
      shown_index_.push_back(static_cast<int>(i));
      pts.push_back((*xy)[2 * i]), pts.push_back((*xy)[2 * i + 1]);
      lab.push_back(labels[i]);
    }
  }
  scatter_.set_points(pts, lab, keep_view_ && xy);
  keep_view_ = true;
}

const std::string& LatentExplorer::dataset_name() const {
  static const std::string none;
  return run_ && run_->dataset ? run_->dataset->name : none;
}

void LatentExplorer::draw_toolbar() {
  Session& session = ctx_.session();
  const float font = ImGui::GetFontSize();
  // Row 1: the run, as a summary line. Finished runs with codes, and a run training in this
  // window (shown as running while it is; the store's list says so too).
  auto usable = [&session](const runs::RunSummary& r) {
    return runs::is_autoencoder_with_codes(r) || session.live_run(r.id) != nullptr;
  };
  std::span<const runs::RunSummary> runs = session.runs();
  std::vector<runs::RunSummary> with_live;  // the live run before the store's list has it
  if (live_ && run_id_ > 0 && !find_run(runs, run_id_)) {
    with_live.assign(runs.begin(), runs.end());
    runs::RunSummary s;
    s.id = run_id_;
    s.name = live_->run_name();
    s.status = runs::RunStatus::running;
    s.config = nlohmann::json::object();
    with_live.insert(with_live.begin(), s);
    runs = with_live;
  }
  if (!session.runs_listed() && run_id_ > 0) {
    ImGui::TextDisabled("run #%lld (reading the run list...)", static_cast<long long>(run_id_));
  } else if (run_picker("run", run_id_, runs, usable)) {
    open_run(run_id_);
  }
  ctx_.note_item("latent_explorer:run");
  if (!session.runs_error().empty()) wrapped(kError, "run list: " + session.runs_error());

  // Which codes: the test split, the training split or all (a change reloads or re-encodes).
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("codes of");
  for (CodesOf c : {CodesOf::test, CodesOf::train, CodesOf::all}) {
    ImGui::SameLine();
    const std::string label = std::string(codes_of_name(c)) + "##codes_of";
    if (ImGui::RadioButton(label.c_str(), codes_of_ == c)) set_codes_of(c);
    ctx_.note_item(std::string("latent_explorer:codes_") + codes_of_name(c));
  }
  same_line_if_fits(font * 9);
  if (run_ && run_->codes_of == codes_of_)
    ImGui::TextDisabled("%lld codes", static_cast<long long>(run_->codes.dim(0)));
  else if (load_.running() || encode_.running())
    ImGui::TextDisabled("encoding...");

  // Row 2: the projection.
  const int64_t l = run_ ? run_->config.model.latent : 0;
  if (run_ && l <= 2) {
    ImGui::TextDisabled(l == 2 ? "projection: none, the 2-D codes as they are"
                               : "projection: none, the 1-D codes along a line");
  } else {
    ImGui::BeginDisabled(!run_);
    if (ImGui::RadioButton("PCA", method_ == 0) && method_ != 0)
      method_ = 0, points_dirty_ = true, keep_view_ = false;
    ctx_.note_item("latent_explorer:pca");
    ImGui::SameLine();
    if (ImGui::RadioButton("t-SNE", method_ == 1) && method_ != 1) {
      method_ = 1, points_dirty_ = true, keep_view_ = false;
      if (!tsne_.result() && !tsne_.running()) start_tsne();
    }
    ctx_.note_item("latent_explorer:tsne");
    same_line_if_fits(font * 11);
    number_field("perplexity", perplexity_, font * 4);
    ctx_.note_item("latent_explorer:perplexity");
    ImGui::BeginDisabled(tsne_.running() || !perplexity_.ok() || !run_);
    const char* label = tsne_.running() ? "computing..." : "compute t-SNE";
    if (flow_button(label)) {
      method_ = 1, points_dirty_ = true;
      start_tsne();
    }
    ctx_.note_item("latent_explorer:recompute");
    ImGui::EndDisabled();
    ImGui::EndDisabled();
  }
  if (run_) {
    char info[64];
    std::snprintf(info, sizeof info, "%lld codes, L = %lld",
                  static_cast<long long>(run_->codes.dim(0)), static_cast<long long>(l));
    same_line_if_fits(ImGui::CalcTextSize(info).x, font * 2);
    ImGui::TextDisabled("%s", info);
  }

  // Row 3: the legend, one fixed colour per label (a digit, or a Fashion-MNIST class by name);
  // unticking hides that label's points.
  const auto& pal = digit_palette();
  for (int d = 0; d < 10; ++d) {
    const std::string name = data::label_name(dataset_name(), d);
    if (d) same_line_if_fits(check_width(name.c_str()));
    ImGui::PushID(d);
    ImVec4 c(pal[d].r, pal[d].g, pal[d].b, 1);
    ImGui::PushStyleColor(ImGuiCol_CheckMark, c);
    ImGui::PushStyleColor(ImGuiCol_Text, c);
    if (ImGui::Checkbox(name.c_str(), &shown_digit_[d])) points_dirty_ = true;
    ImGui::PopStyleColor(2);
    ImGui::PopID();
  }
  if (flow_button("all"))
    std::fill(std::begin(shown_digit_), std::end(shown_digit_), true), points_dirty_ = true;
  if (flow_button("none"))
    std::fill(std::begin(shown_digit_), std::end(shown_digit_), false), points_dirty_ = true;

  // Row 4: exports.
  ImGui::BeginDisabled(!run_ || export_.running());
  ImGui::TextDisabled("export:");
  if (flow_button("codes CSV (test)")) export_codes(false);
  ctx_.note_item("latent_explorer:export_test");
  ImGui::BeginDisabled(run_ && run_->live);  // the train split is encoded from the final weights
  if (flow_button("codes CSV (train)")) export_codes(true);
  ImGui::EndDisabled();
  if (run_ && run_->live && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("the training split's codes come from the final weights: after the run");
  ImGui::EndDisabled();
  ImGui::BeginDisabled(!run_ || scatter_.size() == 0);
  if (flow_button("scatter PNG") && run_)
    export_png(ctx_, scatter_rect_,
               "scatter-run" + std::to_string(run_->run_id) + "-" + shown_key(shown_));
  ImGui::EndDisabled();
  if (export_.running()) {
    same_line_if_fits(font * 6);
    ImGui::TextDisabled("writing...");
  }
  if (!export_.error().empty()) wrapped(kError, export_.error_inputs() + ": " + export_.error());
}

void LatentExplorer::draw_caption() {
  if (load_.running()) wrapped_dim("loading run #" + std::to_string(run_id_) + "...");
  if (!load_.error().empty())
    wrapped(kError, "could not load " + load_.error_inputs() + ": " + load_.error());
  if (!run_) {
    if (live_)
      wrapped_dim("run #" + std::to_string(run_id_) +
                  " is training: waiting for its first weight snapshot...");
    else if (!load_.running() && load_.error().empty())
      text_wrapped(
          "Pick a finished autoencoder run above, or train one in the Training panel "
          "(the explorer follows it while it trains).");
    return;
  }
  const int64_t l = run_->config.model.latent;
  const std::string codes = run_->codes_of == CodesOf::all     ? "codes of all images"
                            : run_->codes_of == CodesOf::train ? "training codes"
                                                               : "test codes";
  const std::string ld = std::to_string(l) + "-D " + codes;
  std::string what;
  switch (shown_) {
    case Shown::codes:
      what = "the " + ld;
      break;
    case Shown::pca:
      what = "PCA (first two components) of the " + ld;
      break;
    case Shown::tsne:
      what = "t-SNE (perplexity " + num(tsne_.result()->perplexity) + ") of the " + ld;
      break;
    case Shown::nothing:
      what =
          "t-SNE of the " + ld + ": " +
          (tsne_.running()
               ? "computing, " + std::to_string(static_cast<int>(tsne_.progress() * 100)) + " %..."
               : std::string("not computed yet (compute t-SNE above)"));
      break;
  }
  text_wrapped("%s: %s", run_label(run_->run_id).c_str(), what.c_str());
  ctx_.note_item("latent_explorer:caption");
  if (run_->live && live_) {  // what the scatter shows of the run that trains
    const std::string line = live_->job->status_line();  // "epoch 2/3, loss 0.1"
    wrapped(kLive, "live: " + line.substr(0, line.find(',')) + ", update " +
                       std::to_string(live_updates_) + ", encoded in " +
                       std::to_string(static_cast<int>(run_->encode_ms)) + " ms");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "The codes of weight snapshot %llu of the training run, re-encoded off the UI\n"
          "thread at most every 0.7 s. Pan or zoom to keep the view; double-click refits.",
          static_cast<unsigned long long>(run_->snapshot));
  } else if (run_->live) {
    wrapped(kStale, "from the last weight snapshot: the run ended before its final codes");
  }
  if (shown_ == Shown::tsne && tsne_.stale(tsne_inputs())) {
    const TsneResult* t = tsne_.result();
    std::string why =
        t->perplexity != perplexity_.value
            ? "computed for perplexity " + num(t->perplexity) + ", now " + num(perplexity_.value)
            : std::string("computed from earlier codes of this run");
    wrapped(kStale, "stale: " + why);
    ImGui::BeginDisabled(tsne_.running() || !perplexity_.ok());
    if (flow_button(tsne_.running() ? "computing..." : "Recompute")) start_tsne();
    ImGui::EndDisabled();
  }
  if (!tsne_.error().empty() && tsne_.error_inputs() == tsne_inputs())
    wrapped(kError, "t-SNE failed: " + tsne_.error());
  if (!decoder_error_.empty()) wrapped(kError, "no decoding: " + decoder_error_);
  if (!encode_.error().empty()) wrapped(kError, "live codes: " + encode_.error());
}

void LatentExplorer::draw_scatter(ImVec2 size) {
  ScatterHover hv = scatter_.draw("codes", size);
  ctx_.note_item("latent_explorer:scatter");
  scatter_rect_ = ScreenRect{hv.min, hv.max};
  if (scatter_.size() == 0) {  // the empty map in the scatter's own background, not a hole
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddRectFilled(ImVec2(hv.min.x + 1, hv.min.y + 1), ImVec2(hv.max.x - 1, hv.max.y - 1),
                      IM_COL32(24, 26, 30, 255));
    const char* msg = !run_                                                   ? "no run"
                      : tsne_.running()                                       ? "computing t-SNE..."
                      : wanted_projection() == Shown::tsne && !tsne_.result() ? "no t-SNE yet"
                                                                              : "no point shown";
    const ImVec2 ts = ImGui::CalcTextSize(msg);
    dl->AddText(ImVec2((hv.min.x + hv.max.x - ts.x) / 2, (hv.min.y + hv.max.y - ts.y) / 2),
                IM_COL32(150, 150, 150, 255), msg);
  }
  if (run_ && scatter_.size() > 0 && !wrote_rect_ && !ctx_.launch().decoded_png.empty() &&
      ++shown_frames_ > 5) {  // after the host has placed the window
    // Scripted runs (the GUI test): where the scatter is, so a pointer can click into it.
    std::ofstream(ctx_.launch().decoded_png + ".rect")
        << hv.min.x << " " << hv.min.y << " " << hv.max.x << " " << hv.max.y << "\n";
    wrote_rect_ = true;
  }
  const Tensor* xy = shown_xy();
  if (!run_ || !xy || scatter_.size() == 0) return;
  if (hv.hovered) {
    const int idx = hv.index >= 0 ? shown_index_[hv.index] : -1;
    if (idx >= 0 && idx != hover_index_ && model_) {
      hover_index_ = idx;
      Tensor x({1, 1, 28, 28}, run_->image(idx));
      const Tensor& y = model_->forward(train::model_input(run_->config, x));
      std::vector<float> px(x.data(), x.data() + 784);
      px.insert(px.end(), y.data(), y.data() + 784);
      hover_grid_.set_images(2, 28, 28, px, 2);
    }
    if (idx >= 0) {
      ImGui::BeginTooltip();
      ImGui::Text("%s  (%s)", data::label_phrase(dataset_name(), run_->labels[idx]).c_str(),
                  run_->point_name(idx).c_str());
      hover_grid_.draw("hover", ImGui::GetFontSize() * 5);
      ImGui::TextDisabled("original | reconstruction");
      ImGui::EndTooltip();
    }
    if (hv.clicked) {
      int nearest = idx;
      if (nearest < 0) {  // empty space: the nearest shown code in the map
        double best = std::numeric_limits<double>::infinity();
        for (int i : shown_index_) {
          const double dx = (*xy)[2 * i] - hv.x, dy = (*xy)[2 * i + 1] - hv.y,
                       d = dx * dx + dy * dy;
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
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(hv.min, hv.max, true);
  if (has_decoded_ && decoded_in_ == shown_) {
    ImVec2 p = scatter_.to_screen(clicked_x_, clicked_y_);
    dl->AddCircle(p, 7, IM_COL32(255, 255, 255, 255), 0, 2);
  }
  for (int i : {pick_a_, pick_b_})
    if (i >= 0) {
      ImVec2 p = scatter_.to_screen((*xy)[2 * i], (*xy)[2 * i + 1]);
      dl->AddRect(ImVec2(p.x - 6, p.y - 6), ImVec2(p.x + 6, p.y + 6), IM_COL32(255, 255, 255, 255),
                  0, 0, 2);
      dl->AddText(ImVec2(p.x + 8, p.y - 8), IM_COL32(255, 255, 255, 255), i == pick_a_ ? "A" : "B");
    }
  dl->PopClipRect();
}

void LatentExplorer::draw_decode_tab() {
  if (!has_decoded_) {
    text_wrapped(
        "Click anywhere in the scatter to decode that latent point. "
        "Right-click a point to pick it for the interpolation.");
    return;
  }
  const int64_t l = run_->config.model.latent;
  std::string what;
  if (l <= 2)
    what = l == 2 ? "z = (" + num(clicked_x_) + ", " + num(clicked_y_) + ")"
                  : "z = " + num(clicked_x_);
  else if (decoded_.count() == 2)
    what = "left: the PCA point (" + num(clicked_x_) + ", " + num(clicked_y_) +
           ") lifted back (mean + components); right: the nearest real code";
  else
    what = "the nearest real code (t-SNE has no inverse)";
  text_wrapped("Decoded by run %s: %s", run_label(run_->run_id).c_str(), what.c_str());
  ctx_.note_item("latent_explorer:decoded_caption");
  const float font = ImGui::GetFontSize();
  GridFit fit;
  fit.max_cell = font * 12;
  fit.wrap = false;
  decoded_.draw_fit("decoded", ImGui::GetContentRegionAvail().x, {}, fit);
  if (clicked_nearest_ >= 0)
    wrapped_dim("nearest image, " + run_->point_name(clicked_nearest_) + ": " +
                data::label_phrase(dataset_name(), run_->labels[clicked_nearest_]));
  char ms[64];
  std::snprintf(ms, sizeof ms, "decode %.3f ms (UI thread)", decode_ms_);
  wrapped_dim(ms);
  if (ImGui::SmallButton("PNG##decoded"))
    export_png(ctx_, decoded_.last_rect(), "decoded-run" + std::to_string(run_->run_id));
}

void LatentExplorer::draw_manifold_tab() {
  const float font = ImGui::GetFontSize();
  ImGui::Checkbox("follow the view", &manifold_follow_);
  same_line_if_fits(font * 9);
  number_field("grid", manifold_n_, font * 3);
  ctx_.note_item("latent_explorer:manifold_n");
  update_manifold();
  const GridResult* g = manifold_.result();
  if (g && manifold_grid_.count() > 0) {
    const auto& v = g->view;
    wrapped_dim(std::to_string(g->columns) + " x " + std::to_string(g->columns) +
                " decodings over x [" + num(v.x0) + ", " + num(v.x1) + "], y [" + num(v.y0) + ", " +
                num(v.y1) + "] of run #" + std::to_string(g->run_id) +
                (manifold_.running() ? "  (updating...)" : ""));
    if (ImGui::SmallButton("PNG##manifold"))
      export_png(ctx_, manifold_grid_.last_rect(), "manifold-run" + std::to_string(g->run_id));
    GridFit fit;
    fit.min_cell = 4;
    fit.wrap = false;
    fit.max_height = std::max(ImGui::GetContentRegionAvail().y, font * 8);
    manifold_grid_.draw_fit("manifold", ImGui::GetContentRegionAvail().x, {}, fit);
  } else if (!manifold_.error().empty()) {
    wrapped(kError, "manifold: " + manifold_.error());
  } else {
    wrapped_dim("decoding...");
  }
}

void LatentExplorer::draw_interpolation_tab() {
  auto pick_text = [&](int i) {
    return i < 0 ? std::string("-")
                 : run_->point_name(i) + " (" +
                       data::label_phrase(dataset_name(), run_->labels[i]) + ")";
  };
  text_wrapped("A %s   B %s", pick_text(pick_a_).c_str(), pick_text(pick_b_).c_str());
  wrapped_dim("right-click points in the scatter to pick A, then B");
  if (number_field("steps", interp_steps_, ImGui::GetFontSize() * 3)) update_interpolation();
  ctx_.note_item("latent_explorer:steps");
  if (interp_grid_.count() > 0 && pick_a_ >= 0 && pick_b_ >= 0) {
    wrapped_dim(interp_for_);
    if (ImGui::SmallButton("PNG##interp"))
      export_png(ctx_, interp_grid_.last_rect(),
                 "interpolation-run" + std::to_string(run_->run_id));
    interp_grid_.draw_fit("interp", ImGui::GetContentRegionAvail().x);
  }
}

void LatentExplorer::draw_recon_tab() {
  update_recon_grid();
  wrapped_dim("Tick runs in the Runs panel to add their rows.");
  const GridResult* g = recon_.result();
  if (!g || recon_grids_.empty()) {
    if (!recon_.error().empty())
      wrapped(kError, "reconstructions: " + recon_.error());
    else
      wrapped_dim("computing...");
    return;
  }
  if (ImGui::SmallButton("PNG##recon"))
    export_png(ctx_, recon_rect_, "reconstructions-run" + std::to_string(g->run_id));
  if (recon_.running()) {
    ImGui::SameLine();
    ImGui::TextDisabled("updating...");
  }
  const float font = ImGui::GetFontSize();
  GridFit fit;
  fit.min_cell = 20;
  fit.max_cell = font * 4;
  ImGui::BeginGroup();
  for (size_t r = 0; r < recon_grids_.size() && r < g->rows.size(); ++r) {
    ImGui::PushID(static_cast<int>(r));
    wrapped_dim(g->rows[r]);
    recon_grids_[r].draw_fit("row", ImGui::GetContentRegionAvail().x, {}, fit);
    ImGui::PopID();
  }
  ImGui::EndGroup();
  recon_rect_ = ScreenRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
  for (const std::string& s : g->skipped) wrapped_dim("no row for " + s);
}

std::vector<const char*> LatentExplorer::side_tabs() const {
  std::vector<const char*> tabs = {kTabDecode};
  if (run_ && run_->config.model.latent == 2) tabs.push_back(kTabManifold);
  tabs.push_back(kTabInterpolation);
  tabs.push_back(kTabRecon);
  return tabs;
}

void LatentExplorer::draw_side(ImVec2 size) {
  ImGui::BeginChild("side", size, false);
  if (!run_) {
    ImGui::EndChild();
    ctx_.note_item("latent_explorer:side");
    return;
  }
  // The layout gives the column room for the tabs in full; narrower, they shrink (never scroll
  // past the column).
  if (ImGui::BeginTabBar("side_tabs", ImGuiTabBarFlags_FittingPolicyResizeDown)) {
    for (const char* tab : side_tabs()) {
      if (!ImGui::BeginTabItem(tab)) continue;
      if (tab == kTabDecode) draw_decode_tab();
      if (tab == kTabManifold) draw_manifold_tab();
      if (tab == kTabInterpolation) draw_interpolation_tab();
      if (tab == kTabRecon) draw_recon_tab();
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ctx_.note_item("latent_explorer:side");
}

void LatentExplorer::draw() {
  Session& session = ctx_.session();
  if (session.explore_serial != explore_seen_) {
    explore_seen_ = session.explore_serial;
    if (session.explore_run > 0) open_run(session.explore_run);
  }
  poll_jobs();
  follow_live();
  if (points_dirty_) {
    const Shown before = shown_;
    const int64_t run_before = logged_run_;
    upload_points();
    if (run_ && !ctx_.launch().codes_log.empty() &&
        (shown_ != before || run_before != run_->run_id || shown_ == Shown::tsne))
      log_codes("projection", 0);
  }
  if (run_) logged_run_ = run_->run_id;
  draw_toolbar();
  ImGui::Spacing();

  // Side by side when the pane is wide enough for a useful scatter and side column, else the side
  // column under the scatter (the pane scrolls).
  const float font = ImGui::GetFontSize(), gap = ImGui::GetStyle().ItemSpacing.x;
  const ImVec2 avail = ImGui::GetContentRegionAvail(), start = ImGui::GetCursorScreenPos();
  const bool narrow = avail.x < font * 52;
  if (!narrow) {
    const float side_w = std::max(std::floor(std::clamp(avail.x * 0.36f, font * 20, font * 36)),
                                  tabs_width(side_tabs()));
    const float scatter_w = avail.x - side_w - gap;
    ImGui::BeginGroup();
    push_text_wrap(ImGui::GetCursorPosX() + scatter_w);
    draw_caption();
    ImGui::PopTextWrapPos();
    const float rest = start.y + avail.y - ImGui::GetCursorScreenPos().y;
    draw_scatter(ImVec2(scatter_w, std::max(rest, font * 10)));
    ImGui::EndGroup();
    ImGui::SameLine();
    draw_side(ImVec2(side_w, std::max(avail.y, font * 12)));
  } else {
    draw_caption();
    const float h = std::clamp(avail.y * 0.6f, font * 14, std::max(avail.x, font * 14));
    draw_scatter(ImVec2(avail.x, h));
    draw_side(
        ImVec2(avail.x, std::max(start.y + avail.y - ImGui::GetCursorScreenPos().y, font * 24)));
  }
}

}  // namespace aelab::app
