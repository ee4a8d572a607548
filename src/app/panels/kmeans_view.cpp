// k-means view (see kmeans_view.hpp).
#include "app/panels/kmeans_view.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "analysis/pca.hpp"
#include "app/panels/latent_explorer.hpp"
#include "app/panels/training.hpp"
#include "app/widgets/colormap.hpp"
#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "train/job.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

struct KMeansView::Work {
  std::shared_ptr<train::Job> job;
  std::shared_ptr<Result> result = std::make_shared<Result>();
};

KMeansView::KMeansView(AppContext& ctx) : ctx_(ctx) {
  if (ctx_.launch().run > 0) {  // a scripted run (`--run ID`) shows that run's clusters at once
    source_run_ = ctx_.launch().run;
    start();
  }
}

KMeansView::~KMeansView() = default;

void KMeansView::save(nlohmann::json& out) const {
  out["run"] = source_run_;
  out["k"] = config_.k;
  out["restarts"] = config_.restarts;
  out["max_iter"] = config_.max_iter;
  out["tol"] = config_.tol;
  out["seed"] = config_.seed;
}

void KMeansView::load(const nlohmann::json& in) {
  if (ctx_.launch().run <= 0) source_run_ = in.value("run", int64_t{0});
  config_.k = std::clamp(in.value("k", 10), 1, 100);
  config_.restarts = std::clamp(in.value("restarts", 10), 1, 100);
  config_.max_iter = std::clamp(in.value("max_iter", 300), 1, 10000);
  config_.tol = in.value("tol", 1e-4);
  config_.seed = in.value("seed", uint64_t{0});
}

void KMeansView::refresh_runs() {
  runs_.clear();
  if (!std::filesystem::exists(ctx_.launch().runs_db)) return;
  try {
    runs::RunStore store = runs::RunStore::open(ctx_.launch().runs_db);
    for (const runs::RunSummary& s : store.list_runs())
      if (runs::is_autoencoder(s.kind) && s.status == runs::RunStatus::finished)
        runs_.emplace_back(s.id, "#" + std::to_string(s.id) + " " + s.name);
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

void KMeansView::start() {
  if (work_) return;
  error_.clear();
  auto w = std::make_shared<Work>();
  const int64_t run = source_run_;
  const std::string ds_name = pixels_dataset_;
  const analysis::KMeansConfig cfg = config_;
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  auto res = w->result;
  std::string name = run > 0 ? "k-means run " + std::to_string(run) : "k-means pixels";
  w->job = std::make_shared<train::Job>(
      name,
      [res, run, ds_name, cfg, db, dir, cache = ctx_.session().datasets()](train::JobContext& jc) {
        jc.report_progress(0, "loading");
        Tensor x;
        if (run > 0) {
          RunCodes rc = load_run_codes(*cache, db, dir, run);
          res->dataset = rc.dataset;
          res->xy = rc.xy;
          x = std::move(rc.codes);
          res->what = "run " + std::to_string(run) + " (" + rc.name + ") codes, " +
                      std::to_string(x.dim(0)) + " x " + std::to_string(x.dim(1));
        } else {
          res->dataset = cache->get(ds_name, dir, 0);
          const int64_t m = res->dataset->test_images.dim(0);
          x = res->dataset->test_images.reshaped({m, 784});
          res->xy = analysis::fit_pca(x, 2).project(x);
          res->what = ds_name + " test pixels, " + std::to_string(m) + " x 784";
        }
        if (cfg.k > x.dim(0))
          throw InputError("k = " + std::to_string(cfg.k) + " is more than the " +
                           std::to_string(x.dim(0)) + " points");
        std::atomic<bool> cancel{false};
        const auto t0 = std::chrono::steady_clock::now();
        res->km = analysis::kmeans(x, cfg, &cancel, [&](double f) {
          cancel = jc.cancel_requested();
          jc.report_progress(f, "k-means");
        });
        if (res->km.cancelled) throw train::JobCancelled();
        res->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        res->scores = analysis::score_clusters(res->dataset->test_labels, res->km.labels);
      });
  ctx_.jobs().add(w->job);
  work_ = w;
}

void KMeansView::adopt(std::shared_ptr<Result> r) {
  result_ = std::move(r);
  const analysis::ConfusionMatrix& cm = result_->scores.match.permuted;
  // Digits from the bottom (0) to the top (9), so the axis ticks read as digits.
  std::vector<float> v(static_cast<size_t>(cm.rows) * cm.cols);
  for (int r = 0; r < cm.rows; ++r)
    for (int c = 0; c < cm.cols; ++c)
      v[static_cast<size_t>(cm.rows - 1 - r) * cm.cols + c] = static_cast<float>(cm.at(r, c));
  confusion_.set_values(cm.cols, cm.rows, v);
  const auto& labels = result_->dataset->test_labels;
  std::vector<float> xy(result_->xy.data(), result_->xy.data() + result_->xy.numel());
  by_digit_.set_points(xy, labels);
  // A cluster takes the colour of the digit it is matched to (column c of the permuted matrix).
  std::vector<int> column_of(result_->scores.match.column_order.size());
  for (size_t c = 0; c < column_of.size(); ++c)
    column_of[result_->scores.match.column_order[c]] = int(c);
  std::vector<uint8_t> cl(labels.size());
  for (size_t i = 0; i < cl.size(); ++i)
    cl[i] = static_cast<uint8_t>(column_of[result_->km.labels[i]] % 10);
  by_cluster_.set_points(xy, cl);
  sel_digit_ = sel_column_ = -1;
  selected_.clear();
}

void KMeansView::select_cell(int digit, int column) {
  sel_digit_ = digit, sel_column_ = column;
  selected_.clear();
  const int cluster = result_->scores.match.column_order[column];
  const auto& labels = result_->dataset->test_labels;
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == digit && result_->km.labels[i] == cluster)
      selected_.push_back(static_cast<int>(i));
  const size_t n = std::min<size_t>(selected_.size(), 60);
  std::vector<float> px;
  for (size_t i = 0; i < n; ++i) {
    auto row = result_->dataset->test_images.row(selected_[i]);
    px.insert(px.end(), row.begin(), row.end());
  }
  thumbs_.set_images(static_cast<int>(n), 28, 28, px, 12);
}

void KMeansView::draw_controls() {
  Session& session = ctx_.session();
  if (runs_seen_ != session.runs_changed) runs_seen_ = session.runs_changed, refresh_runs();
  std::string current = "raw pixels (baseline)";
  for (const auto& [id, label] : runs_)
    if (id == source_run_) current = label;
  if (source_run_ > 0 && current.front() == 'r') current = "#" + std::to_string(source_run_);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 14);
  if (ImGui::BeginCombo("input", current.c_str())) {
    if (ImGui::Selectable("raw pixels (baseline)", source_run_ == 0)) source_run_ = 0;
    for (const auto& [id, label] : runs_)
      if (ImGui::Selectable(label.c_str(), id == source_run_)) source_run_ = id;
    ImGui::EndCombo();
  }
  if (ImGui::IsItemClicked()) refresh_runs();
  if (source_run_ == 0) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
    if (ImGui::BeginCombo("dataset", pixels_dataset_.c_str())) {
      for (const auto& n : data::dataset_names())
        if (ImGui::Selectable(n.c_str(), n == pixels_dataset_)) pixels_dataset_ = n;
      ImGui::EndCombo();
    }
  }
  const float w = ImGui::GetFontSize() * 4.5f;
  ImGui::SameLine(0, 16);
  ImGui::SetNextItemWidth(w);
  ImGui::DragInt("k", &config_.k, 0.2f, 1, 100);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::DragInt("restarts", &config_.restarts, 0.2f, 1, 100);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::DragInt("max iter", &config_.max_iter, 1, 1, 10000);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::InputDouble("tol", &config_.tol, 0, 0, "%.0e");
  ImGui::SameLine();
  int seed = static_cast<int>(config_.seed);
  ImGui::SetNextItemWidth(w);
  if (ImGui::InputInt("seed", &seed, 0)) config_.seed = static_cast<uint64_t>(std::max(0, seed));
  ImGui::SameLine(0, 16);
  ImGui::BeginDisabled(work_ != nullptr);
  if (ImGui::Button(work_ ? "running..." : "Run k-means")) start();
  ImGui::EndDisabled();
  if (work_) {
    ImGui::SameLine();
    if (ImGui::SmallButton("cancel")) work_->job->cancel();
  }
  if (!error_.empty()) ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "%s", error_.c_str());
}

void KMeansView::draw_results() {
  if (!result_) {
    ImGui::TextDisabled(
        "Pick an input and run k-means (k-means++ seeding, the best of the restarts).");
    const ImVec2 p = ImGui::GetCursorScreenPos(), a = ImGui::GetContentRegionAvail();
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + a.x, p.y + a.y),
                                              IM_COL32(24, 26, 30, 255));
    return;
  }
  const Result& r = *result_;
  ImGui::Text(
      "%s:  matched accuracy %.4f   NMI %.4f   ARI %.4f   inertia %.6g   (%d iterations, %.2f s)",
      r.what.c_str(), r.scores.match.accuracy, r.scores.nmi, r.scores.ari, r.km.inertia,
      r.km.iterations, r.seconds);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float left_w = std::min(avail.x * 0.42f, avail.y * 0.9f);
  ImGui::BeginChild("confusion", ImVec2(left_w, avail.y), false);
  const analysis::ConfusionMatrix& cm = r.scores.match.permuted;
  HeatmapAxes ax;
  ax.x_label = "cluster (matched to the digit of its column)";
  ax.y_label = "digit";
  ax.x_min = -0.5, ax.x_max = cm.cols - 0.5, ax.y_min = -0.5, ax.y_max = cm.rows - 0.5;
  const float hm = std::min(left_w, ImGui::GetContentRegionAvail().y * 0.6f);
  HeatmapHover hv = confusion_.draw("cm", ax, ImVec2(left_w, hm));
  // Counts in the cells, the selected cell outlined.
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cw = (hv.max.x - hv.min.x) / cm.cols, ch = (hv.max.y - hv.min.y) / cm.rows;
  for (int d = 0; d < cm.rows; ++d)
    for (int c = 0; c < cm.cols; ++c) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(cm.at(d, c)));
      const ImVec2 ts = ImGui::CalcTextSize(buf);
      const ImVec2 p(hv.min.x + (c + 0.5f) * cw - ts.x / 2,
                     hv.min.y + (cm.rows - 1 - d + 0.5f) * ch - ts.y / 2);
      if (ts.x < cw)
        dl->AddText(p,
                    cm.at(d, c) > (confusion_.vmax() * 0.6f) ? IM_COL32(20, 20, 20, 255)
                                                             : IM_COL32(235, 235, 235, 255),
                    buf);
      if (d == sel_digit_ && c == sel_column_)
        dl->AddRect(ImVec2(hv.min.x + c * cw, hv.min.y + (cm.rows - 1 - d) * ch),
                    ImVec2(hv.min.x + (c + 1) * cw, hv.min.y + (cm.rows - d) * ch),
                    IM_COL32(255, 255, 255, 255), 0, 0, 2);
    }
  if (hv.hovered && hv.row >= 0 && hv.col >= 0) {
    const int digit = cm.rows - 1 - hv.row;
    ImGui::SetTooltip("digit %d in cluster %d: %lld", digit, r.scores.match.column_order[hv.col],
                      static_cast<long long>(cm.at(digit, hv.col)));
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) select_cell(digit, hv.col);
  }
  if (sel_digit_ >= 0) {
    ImGui::Text("%zu digits %d in cluster %d", selected_.size(), sel_digit_,
                r.scores.match.column_order[sel_column_]);
    thumbs_.draw("thumbs", std::min(28.0f * 1.5f, (left_w - 8) / 12));
  } else {
    ImGui::TextDisabled("click a cell: its digits are highlighted and shown here");
  }
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("scatters", ImVec2(0, avail.y), false);
  const float sw = (ImGui::GetContentRegionAvail().x - ImGui::GetStyle().ItemSpacing.x) / 2;
  const float sh = std::min(sw, ImGui::GetContentRegionAvail().y - ImGui::GetFontSize() * 1.5f);
  ImGui::TextUnformatted("by digit");
  ImGui::SameLine(sw + ImGui::GetStyle().ItemSpacing.x);
  ImGui::TextUnformatted("by cluster (colour of its matched digit)");
  Scatter* sc[2] = {&by_digit_, &by_cluster_};
  for (int s = 0; s < 2; ++s) {
    if (s) ImGui::SameLine();
    ScatterHover h = sc[s]->draw(s ? "by_cluster" : "by_digit", ImVec2(sw, sh));
    if (!selected_.empty()) {
      ImDrawList* d = ImGui::GetWindowDrawList();
      d->PushClipRect(h.min, h.max, true);
      for (int i : selected_)
        d->AddCircle(sc[s]->to_screen(r.xy[2 * i], r.xy[2 * i + 1]), 4,
                     IM_COL32(255, 255, 255, 230));
      d->PopClipRect();
    }
    if (h.hovered && h.index >= 0)
      ImGui::SetTooltip("a %d, cluster %d", int(r.dataset->test_labels[h.index]),
                        r.km.labels[h.index]);
  }
  ImGui::EndChild();
}

void KMeansView::draw() {
  if (work_ && train::is_terminal(work_->job->state())) {
    auto w = std::move(work_);
    work_.reset();
    if (w->job->state() == train::JobState::finished)
      adopt(w->result);
    else if (w->job->state() == train::JobState::failed)
      error_ = w->job->error_message();
  }
  draw_controls();
  draw_results();
}

}  // namespace aelab::app
