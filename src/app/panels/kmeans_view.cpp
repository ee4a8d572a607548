// k-means view (see kmeans_view.hpp).
#include "app/panels/kmeans_view.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "analysis/pca.hpp"
#include "app/export.hpp"
#include "app/panels/latent_explorer.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/run_picker.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "report/table_export.hpp"
#include "runs/run_summary.hpp"
#include "train/job.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

namespace {
const ImVec4 kRed(1.0f, 0.38f, 0.33f, 1.0f);
const ImVec4 kStale(0.95f, 0.8f, 0.3f, 1.0f);

// SameLine when an item `w` pixels wide still fits left of the window's right edge.

float labelled_width(const char* label, float input_w) {
  return input_w + ImGui::GetStyle().ItemInnerSpacing.x +
         ImGui::CalcTextSize(label, nullptr, true).x;
}

float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2;
}
}  // namespace

KMeansView::KMeansView(AppContext& ctx)
    : ctx_(ctx),
      k_{10, IntRule::integer_in(1, 10000)},
      restarts_{10, IntRule::integer_in(1, 100)},
      max_iter_{300, IntRule::integer_in(1, 100000)},
      seed_{0, IntRule::at_least(0)},
      tol_{1e-4, DoubleRule::at_least(0)} {
  if (ctx_.launch().run > 0) {  // a scripted run (`--run ID`) shows that run's clusters at once
    source_run_ = ctx_.launch().run;
    start();
  }
}

KMeansView::~KMeansView() = default;

void KMeansView::save(nlohmann::json& out) const {
  out["run"] = source_run_;
  out["dataset"] = pixels_dataset_;
  out["k"] = k_.value;
  out["restarts"] = restarts_.value;
  out["max_iter"] = max_iter_.value;
  out["tol"] = tol_.value;
  out["seed"] = seed_.value;
}

void KMeansView::load(const nlohmann::json& in) {
  if (!in.is_object()) return;
  try {
    if (ctx_.launch().run <= 0) source_run_ = in.value("run", int64_t{0});
    pixels_dataset_ = in.value("dataset", pixels_dataset_);
    // Values the fields refuse are left to the defaults (a hand-edited file).
    auto take = [](auto& field, auto v) {
      if (check_rule(field.rule, v).empty()) field.set_value(v);
    };
    take(k_, in.value("k", k_.value));
    take(restarts_, in.value("restarts", restarts_.value));
    take(max_iter_, in.value("max_iter", max_iter_.value));
    take(tol_, in.value("tol", tol_.value));
    take(seed_, in.value("seed", seed_.value));
  } catch (const nlohmann::json::exception&) {
  }
}

std::string KMeansView::current_inputs() const {
  const std::string src =
      source_run_ > 0 ? "run #" + std::to_string(source_run_) : pixels_dataset_ + " pixels";
  return src + "  k " + std::to_string(k_.value) + "  " + std::to_string(restarts_.value) +
         " restarts  max iter " + std::to_string(max_iter_.value) + "  tol " +
         format_number(tol_.value, "%g") + "  seed " + std::to_string(seed_.value);
}

std::string KMeansView::export_base() const {
  const std::string src =
      source_run_ > 0 ? "run" + std::to_string(source_run_) : pixels_dataset_ + "-pixels";
  return src + "-k" + std::to_string(k_.value);
}

void KMeansView::start() {
  const int64_t run = source_run_;
  const std::string ds_name = pixels_dataset_;
  analysis::KMeansConfig cfg;
  cfg.k = static_cast<int>(k_.value);
  cfg.restarts = static_cast<int>(restarts_.value);
  cfg.max_iter = static_cast<int>(max_iter_.value);
  cfg.tol = tol_.value;
  cfg.seed = static_cast<uint64_t>(seed_.value);
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  km_.start(
      ctx_.jobs(), run > 0 ? "k-means run " + std::to_string(run) : "k-means pixels",
      current_inputs(),
      [run, ds_name, cfg, db, dir, cache = ctx_.session().datasets()](train::JobContext& jc) {
        jc.report_progress(0, "loading");
        Result res;
        Tensor x;
        if (run > 0) {
          RunCodes rc = load_run_codes(*cache, db, dir, run);
          res.dataset = rc.dataset;
          res.xy = rc.xy;
          x = std::move(rc.codes);
        } else {
          res.dataset = cache->get(ds_name, dir, 0);
          const int64_t m = res.dataset->test_images.dim(0);
          x = res.dataset->test_images.reshaped({m, 784});
          res.xy = analysis::fit_pca(x, 2).project(x);
        }
        res.run = run;
        res.what = run > 0 ? "run #" + std::to_string(run) : ds_name + " pixels";
        res.shape = "test split, " + std::to_string(x.dim(0)) + " x " + std::to_string(x.dim(1));
        if (cfg.k > x.dim(0))
          throw InputError("k = " + std::to_string(cfg.k) + " is more than the " +
                           std::to_string(x.dim(0)) + " points");
        std::atomic<bool> cancel{false};
        const auto t0 = std::chrono::steady_clock::now();
        res.km = analysis::kmeans(x, cfg, &cancel, [&](double f) {
          cancel = jc.cancel_requested();
          jc.report_progress(f, "k-means");
        });
        if (res.km.cancelled) throw train::JobCancelled();
        res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        res.scores = analysis::score_clusters(res.dataset->test_labels, res.km.labels);
        return res;
      });
}

void KMeansView::adopt() {
  shown_ = km_.result();
  sel_digit_ = sel_column_ = -1;
  selected_.clear();
  if (!shown_) return;
  const Result& r = *shown_;
  const analysis::ConfusionMatrix& cm = r.scores.match.permuted;
  // Digits from the bottom (0) to the top (9), so the axis ticks read as digits.
  std::vector<float> v(static_cast<size_t>(cm.rows) * cm.cols);
  std::vector<std::string> counts(v.size());
  for (int d = 0; d < cm.rows; ++d)
    for (int c = 0; c < cm.cols; ++c) {
      const size_t i = static_cast<size_t>(cm.rows - 1 - d) * cm.cols + c;
      v[i] = static_cast<float>(cm.at(d, c));
      counts[i] = std::to_string(cm.at(d, c));
    }
  confusion_.set_values(cm.cols, cm.rows, v);
  confusion_.set_cell_labels(std::move(counts));
  const auto& labels = r.dataset->test_labels;
  std::vector<float> xy(r.xy.data(), r.xy.data() + r.xy.numel());
  by_digit_.set_points(xy, labels);
  // A cluster takes the colour of the digit it is matched to (column c of the permuted matrix).
  std::vector<int> column_of(r.scores.match.column_order.size());
  for (size_t c = 0; c < column_of.size(); ++c) column_of[r.scores.match.column_order[c]] = int(c);
  std::vector<uint8_t> cl(labels.size());
  for (size_t i = 0; i < cl.size(); ++i)
    cl[i] = static_cast<uint8_t>(column_of[r.km.labels[i]] % 10);
  by_cluster_.set_points(xy, cl);
}

void KMeansView::select_cell(int digit, int column) {
  sel_digit_ = digit, sel_column_ = column;
  selected_.clear();
  const int cluster = shown_->scores.match.column_order[column];
  const auto& labels = shown_->dataset->test_labels;
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] == digit && shown_->km.labels[i] == cluster)
      selected_.push_back(static_cast<int>(i));
  const size_t n = std::min<size_t>(selected_.size(), 60);
  std::vector<float> px;
  for (size_t i = 0; i < n; ++i) {
    auto row = shown_->dataset->test_images.row(selected_[i]);
    px.insert(px.end(), row.begin(), row.end());
  }
  thumbs_.set_images(static_cast<int>(n), 28, 28, px, 12);
}

void KMeansView::draw_controls() {
  const float fs = ImGui::GetFontSize();
  const float avail = ImGui::GetContentRegionAvail().x;
  const bool busy = km_.running();
  ImGui::BeginDisabled(busy);
  run_picker("input", source_run_, ctx_.session().runs(), runs::is_autoencoder_with_codes,
             "raw pixels (baseline)",
             std::min(fs * 22, avail - ImGui::CalcTextSize("input").x - fs));
  ctx_.note_item("kmeans:input");
  if (source_run_ == 0) {
    same_line_if_fits(labelled_width("dataset", fs * 7));
    ImGui::SetNextItemWidth(fs * 7);
    if (ImGui::BeginCombo("dataset", pixels_dataset_.c_str())) {
      for (const auto& n : data::dataset_names())
        if (ImGui::Selectable(n.c_str(), n == pixels_dataset_)) pixels_dataset_ = n;
      ImGui::EndCombo();
    }
  }
  const float fw = fs * 4.5f;
  struct F {
    const char* label;
    IntField* i;
    DoubleField* d;
    const char* key;
  };
  const F fields[] = {{"k", &k_, nullptr, "kmeans:k"},
                      {"restarts", &restarts_, nullptr, "kmeans:restarts"},
                      {"max iter", &max_iter_, nullptr, "kmeans:max-iter"},
                      {"tol", nullptr, &tol_, "kmeans:tol"},
                      {"seed", &seed_, nullptr, "kmeans:seed"}};
  for (const F& f : fields) {
    same_line_if_fits(labelled_width(f.label, fw));
    if (f.i)
      number_field(f.label, *f.i, fw);
    else
      number_field(f.label, *f.d, fw);
    ctx_.note_item(f.key);
  }
  ImGui::EndDisabled();
  const bool ok = all_valid(k_, restarts_, max_iter_, tol_, seed_);
  same_line_if_fits(button_width("Run k-means") + button_width("cancel") + fs);
  ImGui::BeginDisabled(busy || !ok);
  if (ImGui::Button(busy ? "running..." : "Run k-means")) start();
  ctx_.note_item("kmeans:run");
  ImGui::EndDisabled();
  if (busy) {
    ImGui::SameLine();
    if (ImGui::SmallButton("cancel")) km_.cancel();
  }
  if (!km_.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kRed);
    text_wrapped("k-means failed (%s): %s", km_.error_inputs().c_str(), km_.error().c_str());
    ImGui::PopStyleColor();
    ctx_.note_item("kmeans:error");
  }
}

void KMeansView::draw_exports() {
  const Result& r = *shown_;
  const std::string base = export_base();
  ImGui::TextUnformatted("Export");
  ImGui::SameLine();
  if (ImGui::Button("matrix CSV")) {
    const auto& cm = r.scores.match.permuted;
    std::vector<std::string> rows, cols;
    for (int d = 0; d < cm.rows; ++d) rows.push_back(data::label_name(r.dataset->name, d));
    for (int c = 0; c < cm.cols; ++c)
      cols.push_back("cluster " + std::to_string(r.scores.match.column_order[c]));
    report_export(ctx_, export_table(report::confusion_table(
                                         cm, rows, cols, data::label_names(r.dataset->name).noun),
                                     "confusion-" + base));
  }
  same_line_if_fits(button_width("matrix PNG"));
  if (ImGui::Button("matrix PNG")) export_png(ctx_, confusion_.last_rect(), "confusion-" + base);
  same_line_if_fits(button_width("scatters PNG"));
  if (ImGui::Button("scatters PNG")) {
    ScreenRect both{ImVec2(std::min(scatter_min_[0].x, scatter_min_[1].x),
                           std::min(scatter_min_[0].y, scatter_min_[1].y)),
                    ImVec2(std::max(scatter_max_[0].x, scatter_max_[1].x),
                           std::max(scatter_max_[0].y, scatter_max_[1].y))};
    export_png(ctx_, both, "kmeans-scatters-" + base);
  }
  same_line_if_fits(button_width("labels CSV"));
  if (ImGui::Button("labels CSV")) {
    report::Table t;
    t.columns = {"index", "label", "label name", "cluster"};
    const auto& labels = r.dataset->test_labels;
    for (size_t i = 0; i < labels.size(); ++i)
      t.add_row({static_cast<int64_t>(i), static_cast<int>(labels[i]),
                 data::label_name(r.dataset->name, labels[i]), r.km.labels[i]});
    report_export(ctx_, export_table(t, "kmeans-labels-" + base));
  }
}

void KMeansView::draw_confusion(float w, float h) {
  const Result& r = *shown_;
  const float fs = ImGui::GetFontSize();
  const analysis::ConfusionMatrix& cm = r.scores.match.permuted;
  const std::string& ds = r.dataset->name;
  const std::string noun = data::label_names(ds).noun;
  HeatmapAxes ax;
  ax.x_label = "cluster (matched to the " + noun + " of its column)";
  ax.y_label = noun;
  ax.x_min = -0.5, ax.x_max = cm.cols - 0.5, ax.y_min = -0.5, ax.y_max = cm.rows - 0.5;
  const float side = std::max(fs * 8, std::min(w, h));
  HeatmapHover hv = confusion_.draw("cm", ax, ImVec2(std::min(w, side), side));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float cw = (hv.max.x - hv.min.x) / cm.cols, ch = (hv.max.y - hv.min.y) / cm.rows;
  if (sel_digit_ >= 0) {
    const int d = sel_digit_, c = sel_column_;
    dl->AddRect(ImVec2(hv.min.x + c * cw, hv.min.y + (cm.rows - 1 - d) * ch),
                ImVec2(hv.min.x + (c + 1) * cw, hv.min.y + (cm.rows - d) * ch),
                IM_COL32(255, 255, 255, 255), 0, 0, 2);
  }
  if (hv.hovered && hv.row >= 0 && hv.col >= 0) {
    const int digit = cm.rows - 1 - hv.row;
    ImGui::SetTooltip("%s in cluster %d: %lld", data::label_title(ds, digit).c_str(),
                      r.scores.match.column_order[hv.col],
                      static_cast<long long>(cm.at(digit, hv.col)));
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) select_cell(digit, hv.col);
  }
  if (sel_digit_ >= 0) {
    ImGui::Text("%zu images of %s in cluster %d", selected_.size(),
                data::label_title(ds, sel_digit_).c_str(),
                r.scores.match.column_order[sel_column_]);
    thumbs_.draw_fit("thumbs", w);
  } else {
    push_text_wrap(ImGui::GetCursorPosX() + w);
    ImGui::TextDisabled("click a cell: its images are highlighted and shown here");
    ImGui::PopTextWrapPos();
  }
  if (!data::label_names(ds).numbers) {  // the rows' numbers, named
    std::string key;
    for (int d = 0; d < cm.rows; ++d)
      key += (d ? ", " : "") + std::to_string(d) + " " + data::label_name(ds, d);
    push_text_wrap(ImGui::GetCursorPosX() + w);
    ImGui::TextDisabled("%s", key.c_str());
    ImGui::PopTextWrapPos();
  }
}

void KMeansView::draw_scatters(float w, float h) {
  const Result& r = *shown_;
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  const float sw = (w - gap) / 2;
  const float sh = std::max(ImGui::GetFontSize() * 6,
                            std::min(sw, h - ImGui::GetTextLineHeightWithSpacing() * 2));
  const std::string noun = data::label_names(r.dataset->name).noun;
  const std::string titles[2] = {"by " + noun, "by cluster (colour of its matched " + noun + ")"};
  Scatter* sc[2] = {&by_digit_, &by_cluster_};
  for (int s = 0; s < 2; ++s) {
    if (s) ImGui::SameLine();
    ImGui::BeginGroup();
    push_text_wrap(ImGui::GetCursorPosX() + sw);
    ImGui::TextUnformatted(titles[s].c_str());
    ImGui::PopTextWrapPos();
    ScatterHover hover = sc[s]->draw(s ? "by_cluster" : "by_digit", ImVec2(sw, sh));
    scatter_min_[s] = hover.min, scatter_max_[s] = hover.max;
    if (!selected_.empty()) {
      ImDrawList* d = ImGui::GetWindowDrawList();
      d->PushClipRect(hover.min, hover.max, true);
      for (int i : selected_)
        d->AddCircle(sc[s]->to_screen(r.xy[2 * i], r.xy[2 * i + 1]), 4,
                     IM_COL32(255, 255, 255, 230));
      d->PopClipRect();
    }
    if (hover.hovered && hover.index >= 0)
      ImGui::SetTooltip(
          "%s, cluster %d",
          data::label_phrase(r.dataset->name, r.dataset->test_labels[hover.index]).c_str(),
          r.km.labels[hover.index]);
    ImGui::EndGroup();
  }
}

void KMeansView::draw_results() {
  if (!shown_) {
    if (km_.error().empty() && !km_.running())
      text_wrapped("Pick an input and run k-means (k-means++ seeding, the best of the restarts).");
    // Where the matrix and the scatters will be (drawn only, it takes no layout space).
    const ImVec2 p = ImGui::GetCursorScreenPos(), a = ImGui::GetContentRegionAvail();
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + a.x, p.y + a.y),
                                              IM_COL32(24, 26, 30, 255));
    return;
  }
  const Result& r = *shown_;
  const std::string now = current_inputs();
  const bool stale = km_.stale(now) || !all_valid(k_, restarts_, max_iter_, tol_, seed_);
  push_text_wrap(0);
  const runs::RunSummary* run = r.run > 0 ? find_run(ctx_.session().runs(), r.run) : nullptr;
  ImGui::TextDisabled("computed from %s (%s)",
                      run ? runs::summary_line(*run).c_str() : r.what.c_str(), r.shape.c_str());
  ImGui::TextDisabled("with %s", km_.inputs().c_str());
  if (stale) {
    ImGui::TextColored(kStale, "stale: the settings are now %s. Run k-means again.", now.c_str());
    ctx_.note_item("kmeans:stale");
  }
  ImGui::Text(
      "matched accuracy %.4f   NMI %.4f   ARI %.4f   inertia %.6g   (%d iterations, %.2f s)",
      r.scores.match.accuracy, r.scores.nmi, r.scores.ari, r.km.inertia, r.km.iterations,
      r.seconds);
  ctx_.note_item("kmeans:result");
  ImGui::PopTextWrapPos();
  draw_exports();
  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  if (avail.x >= fs * 55) {  // side by side
    const float left_w = std::max(fs * 14, std::min(avail.x * 0.4f, avail.y * 0.85f));
    ImGui::BeginChild("confusion", ImVec2(left_w, avail.y), false);
    draw_confusion(ImGui::GetContentRegionAvail().x, avail.y * 0.8f);
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("scatters", ImVec2(0, avail.y), false);
    draw_scatters(ImGui::GetContentRegionAvail().x, avail.y);
    ImGui::EndChild();
  } else {  // stacked in the pane, which scrolls
    draw_confusion(avail.x, std::max(fs * 14, std::min(avail.x, avail.y)));
    ImGui::Dummy(ImVec2(0, gap));
    draw_scatters(avail.x, avail.x);
  }
}

void KMeansView::log_state(bool stale) {
  if (ctx_.launch().codes_log.empty()) return;
  const nlohmann::json j = {{"panel", "kmeans"},
                            {"result", shown_ ? km_.inputs() : std::string()},
                            {"stale", stale},
                            {"error", km_.error()},
                            {"running", km_.running()}};
  std::string text = j.dump();
  if (text == state_logged_) return;
  std::ofstream(ctx_.launch().codes_log, std::ios::app) << text << "\n";
  state_logged_ = std::move(text);
}

void KMeansView::draw() {
  if (km_.poll() || shown_ != km_.result()) adopt();
  draw_controls();
  draw_results();
  log_state(shown_ &&
            (km_.stale(current_inputs()) || !all_valid(k_, restarts_, max_iter_, tol_, seed_)));
}

}  // namespace aelab::app
