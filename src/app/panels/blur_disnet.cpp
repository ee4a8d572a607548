// Blur & dis_net panel (see blur_disnet.hpp).
//
// Index
//   [SECTION] Jobs: dataset, dis_net, scores, adversarial AE, comparison
//   [SECTION] Blur preview
//   [SECTION] dis_net
//   [SECTION] Histogram
//   [SECTION] Adversarial autoencoder (b)
//   [SECTION] (a) against (b)
#include "app/panels/blur_disnet.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/panels/training.hpp"
#include "app/widgets/line_plot.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "train/presets.hpp"

namespace aelab::app {

namespace {

const ImVec4 kRed(1.0f, 0.35f, 0.3f, 1.0f);
constexpr int kPreviewDigits = 10;
constexpr ImU32 kClearColour = IM_COL32(90, 170, 250, 255);
constexpr ImU32 kBlurColour = IM_COL32(250, 150, 60, 255);
constexpr ImU32 kReconColour = IM_COL32(120, 210, 110, 255);

void error_line(const std::string& e) {
  if (!e.empty()) ImGui::TextColored(kRed, "%s", e.c_str());
}

// The job's state in a word for a status line next to its buttons.
void job_status(const std::shared_ptr<train::Job>& job) {
  if (!job) return;
  ImGui::SameLine();
  if (!train::is_terminal(job->state())) {
    ImGui::ProgressBar(float(job->progress()), ImVec2(ImGui::GetFontSize() * 8, 0));
    ImGui::SameLine();
    ImGui::TextUnformatted(job->status_line().c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton(("cancel##" + job->name()).c_str())) job->cancel();
  } else {
    ImGui::TextDisabled("%s", job->status_line().c_str());
  }
}

// One series of `name` out of a job's metric copy.
struct Xy {
  std::vector<double> x, y;
};
Xy series_of(const std::vector<runs::MetricPoint>& pts, const char* name) {
  Xy s;
  for (const runs::MetricPoint& p : pts)
    if (p.name == name && std::isfinite(p.value))
      s.x.push_back(double(p.step)), s.y.push_back(p.value);
  return s;
}

}  // namespace

BlurDisNetPanel::BlurDisNetPanel(AppContext& ctx) : ctx_(ctx) {
  dis_cfg_.blur = blur_;
  adv_cfg_ = train::apply_preset(train::preset(train::kAdversarialPreset));
  // The dataset loads in a job: the first frame never waits on the disk.
  loaded_ = std::make_shared<std::shared_ptr<const data::Dataset>>();
  auto out = loaded_;
  const std::string name = dataset_name_;
  const auto dir = ctx_.launch().data_dir;
  load_job_ = std::make_shared<train::Job>(
      "load " + name, [out, name, dir, cache = ctx_.session().datasets()](train::JobContext& jc) {
        jc.report_progress(0, "loading " + name);
        *out = cache->get(name, dir, 0);
      });
}

BlurDisNetPanel::~BlurDisNetPanel() = default;

void BlurDisNetPanel::save(nlohmann::json& out) const {
  out["blur"] = {{"sigma", blur_.sigma}, {"kernel", blur_.kernel}};
  out["disnet_epochs"] = dis_cfg_.epochs;
  out["adversarial"] = adv_cfg_.adversarial;
  out["lambda"] = adv_cfg_.lambda;
  out["preset"] = adv_cfg_.model.preset;
  out["latent"] = adv_cfg_.model.latent;
  out["epochs"] = adv_cfg_.epochs;
  out["threads"] = threads_;
}

void BlurDisNetPanel::load(const nlohmann::json& in) {
  if (!in.is_object()) return;
  try {
    if (in.contains("blur")) {
      blur_.sigma = in["blur"].value("sigma", blur_.sigma);
      blur_.kernel = in["blur"].value("kernel", blur_.kernel);
    }
    dis_cfg_.epochs = std::clamp(in.value("disnet_epochs", dis_cfg_.epochs), 1, 1000);
    adv_cfg_.adversarial = in.value("adversarial", adv_cfg_.adversarial);
    if (adv_cfg_.adversarial != "frozen" && adv_cfg_.adversarial != "learning")
      adv_cfg_.adversarial = "frozen";
    adv_cfg_.lambda = in.value("lambda", adv_cfg_.lambda);
    adv_cfg_.model.preset = in.value("preset", adv_cfg_.model.preset);
    adv_cfg_.model.latent = in.value("latent", adv_cfg_.model.latent);
    adv_cfg_.epochs = std::clamp(in.value("epochs", adv_cfg_.epochs), 1, 10000);
    threads_ = std::clamp(in.value("threads", threads_), 0, 256);
  } catch (const nlohmann::json::exception&) {
    // Settings from another version: keep the defaults.
  }
  preview_dirty_ = true;
}

// [SECTION] Jobs: dataset, dis_net, scores, adversarial AE, comparison

void BlurDisNetPanel::poll_jobs() {
  if (load_job_ && train::is_terminal(load_job_->state())) {
    if (load_job_->state() == train::JobState::finished)
      ds_ = *loaded_;
    else
      ds_error_ = load_job_->error_message();
    load_job_.reset();
    preview_dirty_ = true;
    // A scripted run (`--run ID`) shows that run at once: its clear scores and its comparison.
    if (ds_ && ctx_.launch().run > 0) {
      hist_run_ = ctx_.launch().run;
      start_scores();
      refresh_runs();
      start_compare();
    }
  }
  for (Live* l : {&dis_, &adv_}) {
    if (!l->job) continue;
    l->job->metrics().copy_since(l->seen, l->points);
  }
  if (dis_.job && train::is_terminal(dis_.job->state()) && dis_error_.empty()) {
    if (dis_.job->state() == train::JobState::failed) dis_error_ = dis_.job->error_message();
  }
  if (adv_.job && train::is_terminal(adv_.job->state()) && adv_error_.empty()) {
    if (adv_.job->state() == train::JobState::failed) adv_error_ = adv_.job->error_message();
  }
  if (scores_job_ && train::is_terminal(scores_job_->state())) {
    if (scores_job_->state() == train::JobState::finished)
      scores_ = scores_pending_;
    else if (scores_job_->state() == train::JobState::failed)
      scores_error_ = scores_job_->error_message();
    scores_job_.reset();
  }
  if (cmp_job_ && train::is_terminal(cmp_job_->state())) {
    if (cmp_job_->state() == train::JobState::finished) {
      cmp_ = cmp_pending_;
      // Rows of the grid are digits, columns the comparison's rows (original, run, run, ...).
      const int64_t cols = cmp_->strip.dim(0), digits = cmp_->strip.dim(1);
      std::vector<float> px(size_t(cols * digits * 784));
      for (int64_t d = 0; d < digits; ++d)
        for (int64_t c = 0; c < cols; ++c)
          std::copy_n(cmp_->strip.data() + (c * digits + d) * 784, 784,
                      px.data() + (d * cols + c) * 784);
      cmp_grid_.set_images(int(cols * digits), 28, 28, px, int(cols));
    } else if (cmp_job_->state() == train::JobState::failed) {
      cmp_error_ = cmp_job_->error_message();
    }
    cmp_job_.reset();
  }
}

void BlurDisNetPanel::refresh_runs() {
  std::vector<RunItem> old = std::move(runs_);
  runs_.clear();
  if (!std::filesystem::exists(ctx_.launch().runs_db)) return;
  try {
    runs::RunStore store = runs::RunStore::open(ctx_.launch().runs_db);
    for (const runs::RunSummary& s : store.list_runs())
      if (runs::is_autoencoder(s.kind) && s.status == runs::RunStatus::finished) {
        // Runs ticked here before, ticked in the Runs panel, or named by `--run`.
        const auto& session_ticks = ctx_.session().compare_runs;
        bool ticked =
            s.id == ctx_.launch().run ||
            std::find(session_ticks.begin(), session_ticks.end(), s.id) != session_ticks.end();
        for (const RunItem& o : old) ticked |= o.id == s.id && o.ticked;
        runs_.push_back({s.id,
                         "#" + std::to_string(s.id) + " " + s.name + " (" +
                             std::string(runs::to_string(s.kind)) + ")",
                         ticked});
      }
  } catch (const std::exception& e) {
    cmp_error_ = e.what();
  }
}

void BlurDisNetPanel::start_disnet() {
  dis_error_.clear();
  train::DisNetConfig cfg = dis_cfg_;
  cfg.blur = blur_;
  cfg.threads = threads_;
  cfg.dataset = dataset_name_;
  try {
    train::validate(cfg);
  } catch (const InputError& e) {
    dis_error_ = e.what();
    return;
  }
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  dis_ = Live{};
  dis_.job = std::make_shared<train::Job>(
      "train dis_net", [cfg, db, dir, cache = ctx_.session().datasets()](train::JobContext& jc) {
        auto ds = cache->get(cfg.dataset, dir, cfg.limit);
        (void)train::train_disnet(cfg, *ds, db, jc);
      });
  ctx_.jobs().add(dis_.job);
  ++ctx_.session().runs_changed;
}

void BlurDisNetPanel::start_scores() {
  scores_error_.clear();
  try {
    data::validate(blur_);
  } catch (const InputError& e) {
    scores_error_ = e.what();
    return;
  }
  auto res = std::make_shared<Scores>();
  scores_pending_ = res;
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  const int threads = threads_;
  train::ScoreRequest request;
  request.ae_run = hist_run_;
  request.blur = blur_;
  scores_job_ = std::make_shared<train::Job>(
      "dis_net scores", [=, cache = ctx_.session().datasets()](train::JobContext& jc) {
        set_num_threads(threads);
        *res = train::score_test_digits(
            runs::RunStore::open(db), request,
            [&](const std::string& name, int64_t limit) { return cache->get(name, dir, limit); },
            &jc);
      });
  ctx_.jobs().add(scores_job_);
}

void BlurDisNetPanel::start_adversarial() {
  adv_error_.clear();
  train::AeTrainConfig cfg = adv_cfg_;
  cfg.blur = blur_;
  cfg.threads = threads_;
  cfg.dataset = dataset_name_;
  try {
    train::validate(cfg);
  } catch (const InputError& e) {
    adv_error_ = e.what();
    return;
  }
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  adv_ = Live{};
  live_lambda_ = cfg.lambda;
  adv_.job = std::make_shared<train::Job>(
      "train (b) " + train::default_run_name(cfg),
      [cfg, db, dir, cache = ctx_.session().datasets()](train::JobContext& jc) {
        auto ds = cache->get(cfg.dataset, dir, cfg.limit);
        (void)train::train_autoencoder(cfg, *ds, db, jc);
      });
  ctx_.jobs().add(adv_.job);
  ++ctx_.session().runs_changed;
}

void BlurDisNetPanel::start_compare() {
  cmp_error_.clear();
  std::vector<int64_t> ids;
  for (const RunItem& r : runs_)
    if (r.ticked) ids.push_back(r.id);
  if (ids.empty()) {
    cmp_error_ = "tick one or more runs to compare";
    return;
  }
  auto res = std::make_shared<report::Comparison>();
  cmp_pending_ = res;
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  const int threads = threads_;
  const std::string name = dataset_name_;
  cmp_job_ = std::make_shared<train::Job>(
      "compare runs", [=, cache = ctx_.session().datasets()](train::JobContext& jc) {
        set_num_threads(threads);
        auto ds = cache->get(name, dir, 0);
        *res = report::compare_runs(db, ids, *ds, 0, 0, 10, &jc);
      });
  ctx_.jobs().add(cmp_job_);
}

// [SECTION] Blur preview

void BlurDisNetPanel::update_preview() {
  preview_dirty_ = false;
  blur_error_.clear();
  try {
    data::validate(blur_);
  } catch (const InputError& e) {
    blur_error_ = e.what();
    return;
  }
  if (!ds_) return;
  // One digit per class: a (10, 1, 28, 28) blur is microseconds, fine on the UI thread.
  std::vector<int64_t> idx;
  for (int c = 0; c < kPreviewDigits; ++c)
    for (size_t i = 0; i < ds_->test_labels.size(); ++i)
      if (ds_->test_labels[i] == c) {
        idx.push_back(int64_t(i));
        break;
      }
  if (idx.empty()) return;
  Tensor clear = gather_rows(ds_->test_images, idx);
  Tensor blurred = data::gaussian_blur(clear, blur_);
  clear_grid_.set_images(int(idx.size()), 28, 28, clear.span(), int(idx.size()));
  blurred_grid_.set_images(int(idx.size()), 28, 28, blurred.span(), int(idx.size()));
}

void BlurDisNetPanel::draw_blur() {
  const float w = ImGui::GetFontSize() * 6;
  ImGui::SetNextItemWidth(w);
  if (ImGui::InputDouble("sigma", &blur_.sigma, 0.1, 0.5, "%.2f")) preview_dirty_ = true;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  if (ImGui::InputInt("kernel", &blur_.kernel, 2)) preview_dirty_ = true;
  ImGui::SameLine();
  ImGui::TextDisabled("(odd, 1..27)");
  if (preview_dirty_) update_preview();
  error_line(blur_error_);
  if (!ds_) {
    if (!ds_error_.empty())
      error_line(ds_error_);
    else
      ImGui::TextDisabled("loading %s ...", dataset_name_.c_str());
    return;
  }
  if (!blur_error_.empty()) return;
  const float cell =
      std::clamp((ImGui::GetContentRegionAvail().x - 90) / kPreviewDigits, 20.0f, 44.0f);
  ImGui::TextUnformatted("clear  ");
  ImGui::SameLine(70);
  clear_grid_.draw("clear", cell);
  ImGui::TextUnformatted("blurred");
  ImGui::SameLine(70);
  blurred_grid_.draw("blurred", cell);
}

// [SECTION] dis_net

void BlurDisNetPanel::draw_disnet() {
  const bool running = dis_.job && !train::is_terminal(dis_.job->state());
  const float w = ImGui::GetFontSize() * 5;
  ImGui::BeginDisabled(running);
  ImGui::SetNextItemWidth(w);
  ImGui::InputInt("epochs##dis", &dis_cfg_.epochs, 0);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  int batch = int(dis_cfg_.batch);
  if (ImGui::InputInt("batch##dis", &batch, 0)) dis_cfg_.batch = batch;
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::InputDouble("lr##dis", &dis_cfg_.lr, 0, 0, "%.0e");
  ImGui::SameLine();
  if (ImGui::Button("Train dis_net")) start_disnet();
  ImGui::EndDisabled();
  job_status(dis_.job);
  error_line(dis_error_);
  if (dis_.points.empty()) {
    ImGui::TextDisabled(
        "Trains on balanced batches: each digit clear (label 1) and blurred (label 0).");
    return;
  }
  const Xy loss = series_of(dis_.points, "train_loss_step"),
           acc = series_of(dis_.points, "train_acc_step");
  const PlotSeries s[] = {{"BCE loss", loss.x, loss.y, kBlurColour},
                          {"accuracy", acc.x, acc.y, kClearColour}};
  PlotOptions o;
  o.x_label = "step";
  o.y_min = 0;
  line_plot("##dis_plot", s, o,
            ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 11));
}

// [SECTION] Histogram

void BlurDisNetPanel::draw_histogram() {
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
  std::string current = hist_run_ > 0 ? "#" + std::to_string(hist_run_) : "no reconstructions";
  for (const RunItem& r : runs_)
    if (r.id == hist_run_) current = r.label;
  if (ImGui::BeginCombo("AE run##hist", current.c_str())) {
    if (ImGui::Selectable("no reconstructions", hist_run_ == 0)) hist_run_ = 0;
    for (const RunItem& r : runs_)
      if (ImGui::Selectable(r.label.c_str(), r.id == hist_run_)) hist_run_ = r.id;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(scores_job_ != nullptr);
  if (ImGui::Button("Score test digits")) start_scores();
  ImGui::EndDisabled();
  job_status(scores_job_);
  error_line(scores_error_);

  // 20 bins over [0, 1]; each series as the fraction of its digits per bin, bars side by side.
  constexpr int kBins = 20;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float width = std::max(200.0f, ImGui::GetContentRegionAvail().x),
              height = ImGui::GetFontSize() * 9;
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(p, ImVec2(p.x + width, p.y + height), IM_COL32(30, 30, 34, 255));
  const float left = p.x + 36, right = p.x + width - 8, top = p.y + 6, bottom = p.y + height - 18;
  dl->AddLine(ImVec2(left, bottom), ImVec2(right, bottom), IM_COL32(160, 160, 160, 255));
  for (int t = 0; t <= 4; ++t) {
    const float x = left + (right - left) * t / 4.0f;
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.2g", t / 4.0);
    dl->AddText(ImVec2(x - 6, bottom + 2), IM_COL32(170, 170, 170, 255), buf);
  }
  dl->AddText(ImVec2(p.x + 2, top), IM_COL32(170, 170, 170, 255), "frac");
  if (scores_) {
    const std::vector<float>* sets[] = {&scores_->clear, &scores_->blurred, &scores_->recon};
    const ImU32 colours[] = {kClearColour, kBlurColour, kReconColour};
    const float bin_w = (right - left) / kBins;
    for (int s = 0; s < 3; ++s) {
      const auto& v = *sets[s];
      if (v.empty()) continue;
      std::vector<double> counts(kBins, 0.0);
      for (float x : v) counts[std::clamp(int(x * kBins), 0, kBins - 1)] += 1;
      for (int b = 0; b < kBins; ++b) {
        const float frac = float(counts[b] / v.size());
        const float x0 = left + b * bin_w + 1 + s * (bin_w - 2) / 3, x1 = x0 + (bin_w - 2) / 3;
        dl->AddRectFilled(ImVec2(x0, bottom - frac * (bottom - top)), ImVec2(x1, bottom),
                          colours[s]);
      }
    }
  } else {
    dl->AddText(
        ImVec2(left + 10, top + 10), IM_COL32(150, 150, 150, 255),
        "Score test digits: dis_net's clear score on clear, blurred and reconstructed digits");
  }
  ImGui::Dummy(ImVec2(width, height));
  if (scores_) {
    ImGui::TextColored(ImColor(kClearColour), "clear %.3f", scores_->clear_mean);
    ImGui::SameLine();
    ImGui::TextColored(ImColor(kBlurColour), "blurred %.3f", scores_->blurred_mean);
    if (!scores_->recon.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(ImColor(kReconColour), "run #%lld reconstructions %.3f",
                         (long long)scores_->ae_run, scores_->recon_mean);
    }
    ImGui::SameLine();
    ImGui::TextDisabled("(mean clear score, dis_net run %lld; clear vs blurred %.1f%%)",
                        (long long)scores_->disnet_run, 100 * scores_->accuracy);
  }
}

// [SECTION] Adversarial autoencoder (b)

void BlurDisNetPanel::draw_adversarial() {
  const bool running = adv_.job && !train::is_terminal(adv_.job->state());
  const float w = ImGui::GetFontSize() * 5;
  ImGui::BeginDisabled(running);
  ImGui::SetNextItemWidth(w * 1.4f);
  if (ImGui::BeginCombo("mode", adv_cfg_.adversarial.c_str())) {
    for (const char* m : {"frozen", "learning"})
      if (ImGui::Selectable(m, adv_cfg_.adversarial == m)) adv_cfg_.adversarial = m;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w * 1.4f);
  if (ImGui::BeginCombo("preset", adv_cfg_.model.preset.c_str())) {
    for (const char* m : {"mlp", "conv"})
      if (ImGui::Selectable(m, adv_cfg_.model.preset == m)) adv_cfg_.model.preset = m;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w * 1.4f);
  const std::string lat = std::to_string(adv_cfg_.model.latent);
  if (ImGui::BeginCombo("latent", lat.c_str())) {
    for (int64_t l : {2, 16, 256})
      if (ImGui::Selectable(std::to_string(l).c_str(), adv_cfg_.model.latent == l))
        adv_cfg_.model.latent = l;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w);
  ImGui::InputInt("epochs##adv", &adv_cfg_.epochs, 0);
  ImGui::SameLine();
  ImGui::Checkbox("deblur", &adv_cfg_.deblur);
  // Retraining an (a) run, as the study does, keeps its digits: only the sharpening is new.
  ImGui::SetNextItemWidth(w * 3.6f);
  std::string from =
      adv_cfg_.init_run > 0 ? "#" + std::to_string(adv_cfg_.init_run) : "fresh weights";
  for (const RunItem& r : runs_)
    if (r.id == adv_cfg_.init_run) from = r.label;
  if (ImGui::BeginCombo("start from", from.c_str())) {
    if (ImGui::Selectable("fresh weights", adv_cfg_.init_run == 0)) adv_cfg_.init_run = 0;
    for (const RunItem& r : runs_)
      if (ImGui::Selectable(r.label.c_str(), r.id == adv_cfg_.init_run)) adv_cfg_.init_run = r.id;
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Retrain an autoencoder run (same preset and latent): its final weights\n"
        "are the start, e.g. 10 epochs of L1 + lambda * BCE on an (a) run.");
  ImGui::EndDisabled();

  // lambda stays editable while the run trains: the job takes it at its next step.
  ImGui::SetNextItemWidth(w * 1.8f);
  double& lambda = running ? live_lambda_ : adv_cfg_.lambda;
  if (ImGui::InputDouble("lambda", &lambda, 0.01, 0.1, "%.3f") && running) {
    if (lambda >= 0 && std::isfinite(lambda)) {
      adv_.job->request_param("lambda", lambda);
      adv_error_.clear();
    } else {
      adv_error_ = "lambda must be >= 0 (the weight of the dis_net term)";
    }
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(w * 0.8f);
  ImGui::InputInt("threads", &threads_, 0);
  threads_ = std::clamp(threads_, 0, 256);
  ImGui::SameLine();
  ImGui::BeginDisabled(running);
  if (ImGui::Button("Train (b)")) start_adversarial();
  ImGui::EndDisabled();
  job_status(adv_.job);
  error_line(adv_error_);
  if (adv_.points.empty()) {
    ImGui::TextDisabled(
        "L1 + lambda * BCE(dis_net(x_hat), clear); uses the latest finished dis_net run.");
    return;
  }
  const Xy loss = series_of(adv_.points, "train_loss_step"), l1 = series_of(adv_.points, "test_l1");
  const PlotSeries s[] = {{"train loss", loss.x, loss.y, kReconColour},
                          {"test L1 (epoch)", l1.x, l1.y, kClearColour, 1.5f, true, true}};
  PlotOptions o;
  o.x_label = "step";
  o.y_min = 0;
  line_plot("##adv_plot", s, o,
            ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 10));
}

// [SECTION] (a) against (b)

void BlurDisNetPanel::draw_compare() {
  if (runs_.empty()) {
    ImGui::TextDisabled("No finished autoencoder runs yet (Training panel, or `aelab train ae`).");
  } else {
    ImGui::TextUnformatted("runs:");
    for (size_t i = 0; i < runs_.size(); ++i) {
      ImGui::SameLine();
      if (ImGui::GetContentRegionAvail().x < ImGui::CalcTextSize(runs_[i].label.c_str()).x + 40)
        ImGui::NewLine();
      ImGui::Checkbox(runs_[i].label.c_str(), &runs_[i].ticked);
    }
  }
  ImGui::BeginDisabled(cmp_job_ != nullptr);
  if (ImGui::Button("Compare")) start_compare();
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (ImGui::SmallButton("refresh runs")) refresh_runs();
  job_status(cmp_job_);
  error_line(cmp_error_);
  if (!cmp_) return;

  const float cell = ImGui::GetFontSize() * 2.6f;
  ImGui::BeginGroup();
  for (const report::ComparisonRow& r : cmp_->rows) {
    ImGui::TextUnformatted(r.run_id ? ("#" + std::to_string(r.run_id)).c_str() : "orig");
    ImGui::SameLine(0, 0);
    ImGui::Dummy(ImVec2(std::max(0.0f, cell - ImGui::CalcTextSize("orig").x), 0));
    ImGui::SameLine(0, 0);
  }
  ImGui::NewLine();
  cmp_grid_.draw("compare_strip", cell);
  ImGui::EndGroup();
  ImGui::SameLine(0, 20);
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_NoHostExtendX;
  if (ImGui::BeginTable("compare_table", 6, flags)) {
    for (const char* h : {"run", "model", "test L1", "clear score", "sharpness", "judge %"})
      ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const report::ComparisonRow& r : cmp_->rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%s",
                  r.run_id ? ("#" + std::to_string(r.run_id) + " " + r.name).c_str() : "original");
      ImGui::TableNextColumn();
      if (r.kind == "original")
        ImGui::TextDisabled("-");
      else
        ImGui::Text("%s L%lld %s%s", r.preset.c_str(), (long long)r.latent,
                    r.adversarial == "none" ? "(a)" : ("(b) " + r.adversarial).c_str(),
                    r.deblur ? " deblur" : "");
      ImGui::TableNextColumn();
      ImGui::Text("%.4f", r.test_l1);
      ImGui::TableNextColumn();
      ImGui::Text("%.3f", r.clear_score);
      ImGui::TableNextColumn();
      ImGui::Text("%.3f", r.sharpness_ratio);
      ImGui::TableNextColumn();
      ImGui::Text("%.2f", 100 * r.judge_accuracy);
    }
    ImGui::EndTable();
  }
  ImGui::TextDisabled("%s test split, %lld digits; dis_net run %lld, judge run %lld",
                      cmp_->dataset.c_str(), (long long)cmp_->test_count,
                      (long long)cmp_->disnet_run, (long long)cmp_->judge_run);
}

void BlurDisNetPanel::draw() {
  poll_jobs();
  Session& session = ctx_.session();
  if (runs_seen_ != session.runs_changed) runs_seen_ = session.runs_changed, refresh_runs();
  if (ImGui::CollapsingHeader("Gaussian blur", ImGuiTreeNodeFlags_DefaultOpen)) draw_blur();
  if (ImGui::CollapsingHeader("dis_net: blurred or clear?", ImGuiTreeNodeFlags_DefaultOpen))
    draw_disnet();
  if (ImGui::CollapsingHeader("Clear score histogram", ImGuiTreeNodeFlags_DefaultOpen))
    draw_histogram();
  if (ImGui::CollapsingHeader("Autoencoder (b): L1 + lambda * dis_net loss",
                              ImGuiTreeNodeFlags_DefaultOpen))
    draw_adversarial();
  if (ImGui::CollapsingHeader("(a) against (b)", ImGuiTreeNodeFlags_DefaultOpen)) draw_compare();
}

}  // namespace aelab::app
