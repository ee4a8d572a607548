// Blur & dis_net panel (see blur_disnet.hpp).
//
// Index
//   [SECTION] Layout helpers
//   [SECTION] Dataset (which one the panel works on)
//   [SECTION] Settings (save / load)
//   [SECTION] Jobs: dataset, dis_net, judge, scores, (b) and reference, comparison
//   [SECTION] Shared settings and blur preview
//   [SECTION] dis_net and the judge
//   [SECTION] Histogram
//   [SECTION] Adversarial autoencoder (b) and its L1-only reference
//   [SECTION] (a) against (b)
#include "app/panels/blur_disnet.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/export.hpp"
#include "app/widgets/run_picker.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_summary.hpp"
#include "train/presets.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

namespace {

constexpr const char* kPanel = "blur_disnet";
const ImVec4 kRed(1.0f, 0.42f, 0.38f, 1.0f);
const ImVec4 kStale(0.95f, 0.8f, 0.3f, 1.0f);
constexpr int kPreviewDigits = 10;
constexpr ImU32 kClearColour = IM_COL32(90, 170, 250, 255);
constexpr ImU32 kBlurColour = IM_COL32(250, 150, 60, 255);
constexpr ImU32 kReconColour = IM_COL32(120, 210, 110, 255);
constexpr const char* kModes[] = {"frozen", "learning"};

// [SECTION] Layout helpers

// SameLine when an item `width` pixels wide still fits right of the last one, else a new line.
float label_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x;
}
float field_width(const char* label, float field) {
  return field + ImGui::GetStyle().ItemInnerSpacing.x + label_width(label);
}
float button_width(const char* label) {
  return label_width(label) + 2 * ImGui::GetStyle().FramePadding.x;
}
// A run picker's combo: the width left beside its label, at most about 60 characters.
float picker_width(const char* label) {
  const float left =
      ImGui::GetContentRegionAvail().x - label_width(label) - ImGui::GetStyle().ItemInnerSpacing.x;
  return std::min(left, ImGui::GetFontSize() * 60);  // a summary line with its dataset and metric
}
float checkbox_width(const char* label) {
  return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemInnerSpacing.x + label_width(label);
}

void wrapped(const ImVec4& colour, const std::string& text) {
  if (text.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_Text, colour);
  text_wrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}
void error_line(const std::string& e) {
  wrapped(kRed, e);
}
void hint_line(const std::string& text) {
  if (text.empty()) return;
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  text_wrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

// A job's progress and a cancel button, on the line after its buttons.
template <class R>
void job_status(JobSlot<R>& slot, const char* id) {
  if (!slot.running()) return;
  const float bar = std::min(ImGui::GetFontSize() * 8, ImGui::GetContentRegionAvail().x);
  ImGui::ProgressBar(float(slot.progress()), ImVec2(bar, 0));
  ImGui::PushID(id);
  same_line_if_fits(button_width("cancel"));
  if (ImGui::SmallButton("cancel")) slot.cancel();
  ImGui::PopID();
  hint_line(slot.status());
}

// One series of `name` out of a job's metric copy.
struct Xy {
  std::vector<double> x, y;
};
Xy series_of(const std::vector<runs::MetricPoint>& pts, std::string_view name) {
  Xy s;
  for (const runs::MetricPoint& p : pts)
    if (p.name == name && std::isfinite(p.value))
      s.x.push_back(double(p.step)), s.y.push_back(p.value);
  return s;
}

std::string run_ref(int64_t id) {
  return id > 0 ? "#" + std::to_string(id) : "none";
}
std::string blur_text(const data::BlurSpec& b) {
  return "sigma " + short_number(b.sigma) + " kernel " + std::to_string(b.kernel);
}

bool is_a_run(const runs::RunSummary& r) {
  return r.kind == runs::RunKind::ae && runs::is_autoencoder_with_codes(r);
}

// Sets a field from saved settings; a value its rule refuses stays visible with its message.
template <class T>
void load_field(NumberField<T>& f, const nlohmann::json& in, const char* key) {
  if (!in.contains(key) || !in[key].is_number()) return;
  f.set_value(in[key].get<T>());
  f.revalidate();
}

}  // namespace

BlurDisNetPanel::BlurDisNetPanel(AppContext& ctx)
    : ctx_(ctx), b_defaults_(train::apply_preset(train::preset(train::kAdversarialPreset))) {
  const train::DisNetConfig dis;
  const train::ClassifierConfig judge;
  const auto odd = [](int64_t k) { return k % 2 == 1 ? std::string() : "must be odd"; };
  sigma_ = DoubleField(dis.blur.sigma, DoubleRule::positive(), "%.3g");
  kernel_ = IntField(dis.blur.kernel, IntRule::integer_in(1, 27).and_check(odd));
  dis_epochs_ = IntField(dis.epochs, IntRule::integer_in(1, 10000));
  dis_batch_ = IntField(dis.batch, IntRule::integer_in(2, 65536));
  dis_lr_ = DoubleField(dis.lr, DoubleRule::positive(), "%.3g");
  judge_epochs_ = IntField(judge.epochs, IntRule::integer_in(1, 10000));
  judge_batch_ = IntField(judge.batch, IntRule::integer_in(1, 65536));
  judge_lr_ = DoubleField(judge.lr, DoubleRule::positive(), "%.3g");
  // (b)'s defaults are the b-defaults preset (assets/presets), as in the CLI and the report.
  const train::AeTrainConfig& b = b_defaults_;
  adv_mode_ = b.adversarial;
  adv_preset_ = b.model.preset;
  deblur_ = b.deblur;
  adv_epochs_ = IntField(b.epochs, IntRule::integer_in(1, 10000));
  adv_batch_ = IntField(b.batch, IntRule::integer_in(1, 65536));
  latent_ = IntField(b.model.latent, IntRule::integer_in(1, 4096));
  adv_lr_ = DoubleField(b.optimizer.lr, DoubleRule::positive(), "%.3g");
  lambda_ = DoubleField(b.lambda, DoubleRule::at_least(0), "%.3g");

  start_loading();
  if (ctx_.launch().run > 0) {
    hist_run_ = ctx_.launch().run;
    ticked_.push_back(ctx_.launch().run);
  }
  for (int64_t id : ctx_.session().compare_runs)
    if (std::find(ticked_.begin(), ticked_.end(), id) == ticked_.end()) ticked_.push_back(id);
}

BlurDisNetPanel::~BlurDisNetPanel() = default;

// [SECTION] Dataset (which one the panel works on)

void BlurDisNetPanel::start_loading() {
  // The dataset loads in a job: no frame waits on the disk.
  const std::string name = dataset_name_;
  const auto dir = ctx_.launch().data_dir;
  data_.clear();
  preview_blur_ = data::BlurSpec{0, 0};
  data_.start(ctx_.jobs(), "load " + name, name,
              [name, dir, cache = ctx_.session().datasets()](train::JobContext& jc) {
                jc.report_progress(0, "loading " + name);
                return cache->get(name, dir, 0);
              });
}

bool BlurDisNetPanel::of_dataset(const runs::RunSummary& r) const {
  return train::dataset_request(r.id, r.config, 0).name == dataset_name_;
}

RunFilter BlurDisNetPanel::usable(bool (*kind)(const runs::RunSummary&)) const {
  return [this, kind](const runs::RunSummary& r) { return kind(r) && of_dataset(r); };
}

void BlurDisNetPanel::set_dataset(const std::string& name) {
  if (name == dataset_name_) return;
  picks_[dataset_name_] = Picks{disnet_run_, judge_run_, a_run_, hist_run_, ticked_};
  dataset_name_ = name;
  const auto back = picks_.find(name);
  const Picks p = back != picks_.end() ? back->second : Picks{};
  disnet_run_ = p.disnet, judge_run_ = p.judge, a_run_ = p.a, hist_run_ = p.hist;
  ticked_ = p.ticked;
  // A dataset shown for the first time: its newest usable runs, as on opening the panel.
  a_run_saved_ = back != picks_.end();
  preselected_ = back != picks_.end();
  start_loading();
}

// [SECTION] Settings (save / load)

void BlurDisNetPanel::save(nlohmann::json& out) const {
  out["dataset"] = dataset_name_;
  out["blur"] = {{"sigma", sigma_.value}, {"kernel", kernel_.value}};
  out["limit"] = limit_.value;
  out["threads"] = threads_.value;
  out["disnet"] = {
      {"epochs", dis_epochs_.value}, {"batch", dis_batch_.value}, {"lr", dis_lr_.value}};
  out["judge"] = {
      {"epochs", judge_epochs_.value}, {"batch", judge_batch_.value}, {"lr", judge_lr_.value}};
  out["adversarial"] = {{"mode", adv_mode_},         {"preset", adv_preset_},
                        {"latent", latent_.value},   {"epochs", adv_epochs_.value},
                        {"batch", adv_batch_.value}, {"lr", adv_lr_.value},
                        {"lambda", lambda_.value},   {"deblur", deblur_}};
  out["runs"] = {{"disnet", disnet_run_}, {"judge", judge_run_}, {"a", a_run_}};
}

void BlurDisNetPanel::load(const nlohmann::json& in) {
  if (!in.is_object()) return;
  try {
    if (const std::string name = in.value("dataset", dataset_name_); name != dataset_name_) {
      const auto& known = data::dataset_names();
      if (std::find(known.begin(), known.end(), name) != known.end()) {
        dataset_name_ = name;
        start_loading();
      }
    }
    if (in.contains("blur") && in["blur"].is_object()) {
      load_field(sigma_, in["blur"], "sigma");
      load_field(kernel_, in["blur"], "kernel");
    }
    load_field(limit_, in, "limit");
    load_field(threads_, in, "threads");
    if (in.contains("disnet") && in["disnet"].is_object()) {
      load_field(dis_epochs_, in["disnet"], "epochs");
      load_field(dis_batch_, in["disnet"], "batch");
      load_field(dis_lr_, in["disnet"], "lr");
    }
    if (in.contains("judge") && in["judge"].is_object()) {
      load_field(judge_epochs_, in["judge"], "epochs");
      load_field(judge_batch_, in["judge"], "batch");
      load_field(judge_lr_, in["judge"], "lr");
    }
    if (in.contains("adversarial") && in["adversarial"].is_object()) {
      const nlohmann::json& a = in["adversarial"];
      const std::string mode = a.value("mode", adv_mode_);
      if (mode == kModes[0] || mode == kModes[1]) adv_mode_ = mode;
      const std::string preset = a.value("preset", adv_preset_);
      const auto& known = models::autoencoder_presets();
      if (std::find(known.begin(), known.end(), preset) != known.end()) adv_preset_ = preset;
      load_field(latent_, a, "latent");
      load_field(adv_epochs_, a, "epochs");
      load_field(adv_batch_, a, "batch");
      load_field(adv_lr_, a, "lr");
      load_field(lambda_, a, "lambda");
      deblur_ = a.value("deblur", deblur_);
    }
    if (in.contains("runs") && in["runs"].is_object()) {
      disnet_run_ = in["runs"].value("disnet", disnet_run_);
      judge_run_ = in["runs"].value("judge", judge_run_);
      a_run_ = in["runs"].value("a", a_run_);
      a_run_saved_ = in["runs"].contains("a");
    }
  } catch (const nlohmann::json::exception&) {
    // Settings of another version: what was read so far stays, the rest keeps its defaults.
  }
}

// [SECTION] Jobs: dataset, dis_net, judge, scores, (b) and reference, comparison

data::BlurSpec BlurDisNetPanel::blur() const {
  return data::BlurSpec{sigma_.value, static_cast<int>(kernel_.value)};
}

std::string BlurDisNetPanel::scores_key() const {
  return dataset_name_ + ": dis_net " + run_ref(disnet_run_) + ", AE run " + run_ref(hist_run_) +
         ", blur " + blur_text(blur());
}

std::string BlurDisNetPanel::compare_key() const {
  std::string k = dataset_name_ + ": runs";
  for (int64_t id : ticked_) k += " " + run_ref(id);
  return k + "; dis_net " + run_ref(disnet_run_) + ", judge " + run_ref(judge_run_);
}

void BlurDisNetPanel::preselect_runs() {
  const Session& s = ctx_.session();
  if (preselected_ || !s.runs_listed()) return;
  preselected_ = true;
  // Newest first: the first usable run is the newest; shown in the pickers, changeable there.
  for (const runs::RunSummary& r : s.runs()) {
    if (!of_dataset(r)) continue;
    if (disnet_run_ == 0 && runs::is_finished_disnet(r)) disnet_run_ = r.id;
    if (judge_run_ == 0 && runs::is_finished_classifier(r)) judge_run_ = r.id;
    // (b) retrains (a), as the study does: the newest (a) run unless a choice was saved.
    if (a_run_ == 0 && !a_run_saved_ && is_a_run(r)) a_run_ = r.id;
  }
}

void BlurDisNetPanel::poll_jobs() {
  Session& session = ctx_.session();
  data_.poll();
  dis_.copy_points();
  adv_.copy_points();
  ref_.copy_points();
  if (dis_.slot.poll()) {
    session.store_changed();
    if (const auto* r = dis_.slot.result()) disnet_run_ = r->run_id;
  }
  if (judge_.slot.poll()) {
    session.store_changed();
    if (const auto* r = judge_.slot.result()) judge_run_ = r->run_id;
  }
  scores_.poll();
  const bool adv_done = adv_.slot.poll(), ref_done = ref_.slot.poll();
  if (adv_done || ref_done) session.store_changed();
  // The pair is complete: compare (a), its reference and (b) next.
  if (pair_a_ > 0 && !adv_.slot.running() && !ref_.slot.running()) {
    if (adv_.slot.result() && ref_.slot.result())
      ticked_ = {pair_a_, ref_.slot.result()->run_id, adv_.slot.result()->run_id};
    pair_a_ = 0;
  }
  if (cmp_.poll() && cmp_.result()) {
    const report::Comparison& c = *cmp_.result();
    // Rows of the grid are digits, columns the comparison's rows (original, run, run, ...).
    const int64_t cols = c.strip.dim(0), digits = c.strip.dim(1);
    std::vector<float> px(size_t(cols * digits * 784));
    for (int64_t d = 0; d < digits; ++d)
      for (int64_t col = 0; col < cols; ++col)
        std::copy_n(c.strip.data() + (col * digits + d) * 784, 784,
                    px.data() + (d * cols + col) * 784);
    cmp_grid_.set_images(int(cols * digits), 28, 28, px, int(cols));
  }
  // A scripted run (`--run ID`) shows that run at once: its scores and its comparison.
  if (!launch_started_ && ctx_.launch().run > 0 && data_.result() && preselected_) {
    launch_started_ = true;
    if (disnet_run_ > 0) start_scores();
    if (disnet_run_ > 0 && judge_run_ > 0) start_compare();
  }
}

// Both trainers of this panel start the same way: the panel's threads, limit and dataset, the
// dataset from the shared cache on the worker, the config validated there too.
template <class Config, class Result, class TrainFn>
void BlurDisNetPanel::start_training(Training<Result>& t, Config cfg, const std::string& name,
                                     const std::string& inputs, TrainFn train_fn) {
  cfg.threads = int(threads_.value);
  cfg.limit = limit_.value;
  cfg.dataset = dataset_name_;
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  t.points.clear(), t.seen = 0;
  t.slot.start(ctx_.jobs(), name, inputs,
               [cfg, db, dir, cache = ctx_.session().datasets(), train_fn](train::JobContext& jc) {
                 lower_worker_priority();
                 train::validate(cfg);
                 auto ds = cache->get(cfg.dataset, dir, cfg.limit);
                 Config recorded = cfg;
                 recorded.source = train::describe_data_source(cfg.dataset, dir);
                 return train_fn(recorded, *ds, db, jc);
               });
  ctx_.session().store_changed();
}

void BlurDisNetPanel::start_disnet() {
  train::DisNetConfig cfg;
  cfg.blur = blur();
  cfg.epochs = int(dis_epochs_.value);
  cfg.batch = dis_batch_.value;
  cfg.lr = dis_lr_.value;
  start_training(dis_, cfg, "train dis_net " + blur_text(cfg.blur), blur_text(cfg.blur),
                 &train::train_disnet);
}

void BlurDisNetPanel::start_judge() {
  train::ClassifierConfig cfg;
  cfg.epochs = int(judge_epochs_.value);
  cfg.batch = judge_batch_.value;
  cfg.lr = judge_lr_.value;
  start_training(judge_, cfg, "train judge classifier", std::to_string(cfg.epochs) + " epochs",
                 &train::train_classifier);
}

void BlurDisNetPanel::start_scores() {
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  const int threads = int(threads_.value);
  train::ScoreRequest request;
  request.disnet_run = disnet_run_;
  request.ae_run = hist_run_;
  request.blur = blur();
  scores_.start(ctx_.jobs(), "dis_net scores", scores_key(),
                [=, cache = ctx_.session().datasets()](train::JobContext& jc) {
                  lower_worker_priority();
                  set_num_threads(threads);
                  return train::score_test_digits(
                      runs::RunStore::open(db), request,
                      [&](const train::DatasetRequest& r) { return cache->get(r, dir); }, &jc);
                });
}

train::AeTrainConfig BlurDisNetPanel::adversarial_config(std::string& error) const {
  train::AeTrainConfig c = b_defaults_;
  c.adversarial = adv_mode_;
  c.lambda = lambda_.value;
  c.epochs = int(adv_epochs_.value);
  c.batch = adv_batch_.value;
  c.optimizer.lr = adv_lr_.value;
  c.deblur = deblur_;
  c.blur = blur();
  c.threads = int(threads_.value);
  c.limit = limit_.value;
  c.dataset = dataset_name_;
  c.disnet_run = disnet_run_;
  c.init_run = a_run_;
  c.model = {adv_preset_, latent_.value};
  const auto runs = ctx_.session().runs();
  if (a_run_ > 0) {
    const runs::RunSummary* a = find_run(runs, a_run_);
    if (!a || !is_a_run(*a)) {
      error = "the (a) run " + run_ref(a_run_) + " is not a finished ae run with weights any more";
      return c;
    }
    try {
      c.model = train::ae_config_from_json(a->config).model;  // retraining keeps its shape
    } catch (const std::exception& e) {
      error = "the (a) run's config cannot be read: " + std::string(e.what());
      return c;
    }
  }
  const runs::RunSummary* d = find_run(runs, disnet_run_);
  if (!d || !runs::is_finished_disnet(*d)) {
    error = "choose a finished dis_net run (train one above)";
    return c;
  }
  try {
    train::validate(c);
  } catch (const InputError& e) {
    error = e.what();
  }
  return c;
}

void BlurDisNetPanel::start_adversarial(bool with_reference) {
  std::string error;
  train::AeTrainConfig cfg = adversarial_config(error);
  if (!error.empty()) return;  // the button was disabled; the reason is shown beside it
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  auto work = [db, dir, cache = ctx_.session().datasets()](train::AeTrainConfig c) {
    return [c, db, dir, cache](train::JobContext& jc) {
      lower_worker_priority();
      auto ds = cache->get(c.dataset, dir, c.limit);
      train::AeTrainConfig recorded = c;
      recorded.source = train::describe_data_source(c.dataset, dir);
      return train::train_autoencoder(recorded, *ds, db, jc);
    };
  };
  adv_.slot.clear(), adv_.points.clear(), adv_.seen = 0;
  adv_.slot.start(ctx_.jobs(), "train (b) " + train::default_run_name(cfg),
                  "(b) from " + run_ref(cfg.init_run), work(cfg));
  pair_a_ = 0;
  if (with_reference && cfg.init_run > 0) {
    // The fair reference: the same run, the same epochs and settings, the L1 term alone.
    train::AeTrainConfig ref = cfg;
    ref.adversarial = "none";
    ref.lambda = 0;
    ref.disnet_run = 0;
    ref_.slot.clear(), ref_.points.clear(), ref_.seen = 0;
    ref_.slot.start(ctx_.jobs(), "train reference " + train::default_run_name(ref),
                    "L1 only from " + run_ref(ref.init_run), work(ref));
    pair_a_ = cfg.init_run;
  }
  ctx_.session().store_changed();
}

void BlurDisNetPanel::start_compare() {
  const auto db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir;
  const int threads = int(threads_.value);
  const std::string name = dataset_name_;
  const std::vector<int64_t> ids = ticked_;
  const int64_t dis = disnet_run_, judge = judge_run_;
  cmp_.start(ctx_.jobs(), "compare runs", compare_key(),
             [=, cache = ctx_.session().datasets()](train::JobContext& jc) {
               lower_worker_priority();
               set_num_threads(threads);
               auto ds = cache->get(name, dir, 0);
               return report::compare_runs(db, ids, *ds, dis, judge, 10, &jc);
             });
}

// [SECTION] Shared settings and blur preview

void BlurDisNetPanel::draw_settings() {
  const float fw = ImGui::GetFontSize() * 5;
  {
    bool busy = false;  // no switching under a job that trains or scores on this dataset
    for (const bool b : {dis_.slot.running(), judge_.slot.running(), adv_.slot.running(),
                         ref_.slot.running(), scores_.running(), cmp_.running()})
      busy |= b;
    ImGui::BeginDisabled(busy);
    ImGui::SetNextItemWidth(fw * 1.6f);
    if (ImGui::BeginCombo("data", dataset_name_.c_str())) {
      for (const std::string& name : data::dataset_names()) {
        if (ImGui::Selectable(name.c_str(), name == dataset_name_)) set_dataset(name);
        ctx_.note_item("blur_disnet:dataset:" + name);
      }
      ImGui::EndCombo();
    }
    ctx_.note_item("blur_disnet:dataset");
    ImGui::EndDisabled();
    if (busy && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
      ImGui::SetTooltip("a job of this panel is running on %s", dataset_name_.c_str());
  }
  same_line_if_fits(field_width("samples per split (0: all)", fw));
  number_field("samples per split (0: all)", limit_, fw);
  ctx_.note_item("blur_disnet:limit");
  same_line_if_fits(field_width("threads (0: all)", fw));
  number_field("threads (0: all)", threads_, fw);
  ctx_.note_item("blur_disnet:threads");
  hint_line(
      "The limit applies to the training runs started here; scores and comparisons use the "
      "whole test split.");
}

void BlurDisNetPanel::update_preview() {
  const data::BlurSpec b = blur();
  const auto* ds = data_.result();
  if (!ds || !*ds || (b.sigma == preview_blur_.sigma && b.kernel == preview_blur_.kernel)) return;
  preview_blur_ = b;
  // One digit per class: a (10, 1, 28, 28) blur is microseconds, fine on the UI thread.
  const data::Dataset& set = **ds;
  std::vector<int64_t> idx;
  for (int c = 0; c < kPreviewDigits; ++c)
    for (size_t i = 0; i < set.test_labels.size(); ++i)
      if (set.test_labels[i] == c) {
        idx.push_back(int64_t(i));
        break;
      }
  if (idx.empty()) return;
  Tensor clear = gather_rows(set.test_images, idx);
  Tensor blurred = data::gaussian_blur(clear, b);
  std::vector<float> px(clear.span().begin(), clear.span().end());
  px.insert(px.end(), blurred.span().begin(), blurred.span().end());
  preview_grid_.set_images(int(2 * idx.size()), 28, 28, px, int(idx.size()));
}

void BlurDisNetPanel::draw_blur() {
  const float fw = ImGui::GetFontSize() * 5;
  number_field("sigma", sigma_, fw);
  ctx_.note_item("blur_disnet:sigma");
  same_line_if_fits(field_width("kernel (odd, 1..27)", fw));
  number_field("kernel (odd, 1..27)", kernel_, fw);
  ctx_.note_item("blur_disnet:kernel");
  if (!data_.error().empty()) {
    error_line("cannot load " + dataset_name_ + ": " + data_.error());
    return;
  }
  if (!data_.result()) {
    hint_line("loading " + dataset_name_ + " ...");
    return;
  }
  update_preview();
  ImGui::Text("top: clear test %s; bottom: blurred, %s", images(),
              blur_text(preview_blur_).c_str());
  same_line_if_fits(button_width("PNG##preview"));
  const bool png = ImGui::SmallButton("PNG##preview");
  GridFit fit;
  fit.wrap = false;
  fit.min_cell = 12;
  fit.max_cell = ImGui::GetFontSize() * 4;
  preview_grid_.draw_fit("blur_preview", ImGui::GetContentRegionAvail().x, {}, fit);
  if (png) export_png(ctx_, preview_grid_.last_rect(), "blur-preview-" + blur_text(preview_blur_));
}

// [SECTION] dis_net and the judge

bool BlurDisNetPanel::draw_training_row(const char* id, const char* key, IntField& epochs,
                                        IntField& batch, DoubleField& lr, bool running,
                                        bool others_valid, const char* button) {
  const float fw = ImGui::GetFontSize() * 4.5f;
  const std::string tag = std::string("##") + id;
  ImGui::BeginDisabled(running);
  number_field(("epochs" + tag).c_str(), epochs, fw);
  ctx_.note_item(std::string("blur_disnet:") + key + "_epochs");
  same_line_if_fits(field_width(("batch" + tag).c_str(), fw));
  number_field(("batch" + tag).c_str(), batch, fw);
  same_line_if_fits(field_width(("lr" + tag).c_str(), fw));
  number_field(("lr" + tag).c_str(), lr, fw);
  ImGui::EndDisabled();
  const bool valid = others_valid && all_valid(epochs, batch, lr, limit_, threads_);
  same_line_if_fits(button_width(button));
  ImGui::BeginDisabled(running || !valid);
  const bool clicked = ImGui::Button(button);
  ctx_.note_item(std::string("blur_disnet:train_") + key);
  ImGui::EndDisabled();
  if (!valid && !running) hint_line("fix the fields in red first");
  return clicked;
}

void BlurDisNetPanel::draw_disnet() {
  if (draw_training_row("dis", "disnet", dis_epochs_, dis_batch_, dis_lr_, dis_.slot.running(),
                        all_valid(sigma_, kernel_), "Train dis_net"))
    start_disnet();
  job_status(dis_.slot, "dis");
  error_line(dis_.slot.error());
  if (const auto* r = dis_.slot.result())
    text_wrapped("run #%lld (%s): %.2f %% right on clear and blurred test %s", (long long)r->run_id,
                 dis_.slot.inputs().c_str(), 100 * r->test_accuracy, images());

  run_picker("dis_net run", disnet_run_, ctx_.session().runs(), usable(runs::is_finished_disnet),
             nullptr,
             picker_width("dis_net run"));
  ctx_.note_item("blur_disnet:disnet_run");
  if (const runs::RunSummary* d = find_run(ctx_.session().runs(), disnet_run_)) {
    try {
      const data::BlurSpec trained = train::disnet_config_from_json(d->config).blur;
      if (trained.sigma != sigma_.value || trained.kernel != kernel_.value)
        hint_line("this dis_net was trained against " + blur_text(trained) +
                  "; the fields above say " + blur_text(blur()));
    } catch (const std::exception&) {
    }
  }
  if (dis_.points.empty()) {
    hint_line("The dis_net run is the one (b), the histogram and compare use.");
    hint_line(std::string("Trains on balanced batches of ") + images() +
              ", each clear (label 1) and blurred (label 0).");
    return;
  }
  const Xy loss = series_of(dis_.points, runs::metric::train_loss_step),
           acc = series_of(dis_.points, runs::metric::train_acc_step);
  const PlotSeries s[] = {{"BCE loss", loss.x, loss.y, kBlurColour},
                          {"accuracy", acc.x, acc.y, kClearColour}};
  PlotOptions o;
  o.x_label = "step";
  line_plot("##dis_plot", s, o,
            ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 10));
}

void BlurDisNetPanel::draw_judge() {
  if (draw_training_row("judge", "judge", judge_epochs_, judge_batch_, judge_lr_,
                        judge_.slot.running(), true, "Train judge"))
    start_judge();
  job_status(judge_.slot, "judge");
  error_line(judge_.slot.error());
  if (const auto* r = judge_.slot.result())
    text_wrapped("run #%lld: %.2f %% right on clear test %s (%s)", (long long)r->run_id,
                 100 * r->test_accuracy, images(), judge_.slot.inputs().c_str());
  run_picker("judge run", judge_run_, ctx_.session().runs(),
             usable(runs::is_finished_classifier), nullptr,
             picker_width("judge run"));
  ctx_.note_item("blur_disnet:judge_run");
  hint_line(std::string("A classifier of the ") + data::label_names(dataset_name_).plural +
            " trained on clear " + images() +
            "; compare reports how many reconstructions it still reads right.");
}

// [SECTION] Histogram

void BlurDisNetPanel::draw_histogram() {
  run_picker("AE run", hist_run_, ctx_.session().runs(), usable(runs::is_autoencoder_with_codes),
             "no reconstructions (clear and blurred only)", picker_width("AE run"));
  const bool can = disnet_run_ > 0 && all_valid(sigma_, kernel_, threads_) && data_.result();
  ImGui::BeginDisabled(scores_.running() || !can);
  if (ImGui::Button((std::string("Score test ") + images() + "###score").c_str())) start_scores();
  ctx_.note_item("blur_disnet:score");
  ImGui::EndDisabled();
  if (disnet_run_ == 0) {
    same_line_if_fits(label_width("choose a dis_net run above"));
    ImGui::TextDisabled("choose a dis_net run above");
  }
  job_status(scores_, "scores");
  error_line(scores_.error());
  const train::DisNetScores* sc = scores_.result();
  if (sc) {
    text_wrapped("computed with %s", scores_.inputs().c_str());
    ctx_.note_item("blur_disnet:scores_caption");
    if (scores_.stale(scores_key())) {
      wrapped(kStale, "stale: the settings are now " + scores_key() + " - Score again");
      ctx_.note_item("blur_disnet:scores_stale");
    }
  }

  // 20 bins over [0, 1]; each series as the fraction of its digits per bin, bars side by side.
  constexpr int kBins = 20;
  const ImVec2 p = ImGui::GetCursorScreenPos();
  const float width = std::max(120.0f, ImGui::GetContentRegionAvail().x),
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
  if (sc) {
    const std::vector<float>* sets[] = {&sc->clear, &sc->blurred, &sc->recon};
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
    dl->PushClipRect(p, ImVec2(p.x + width, p.y + height), true);
    dl->AddText(ImVec2(left + 10, top + 10), IM_COL32(150, 150, 150, 255), "not scored yet");
    dl->PopClipRect();
  }
  ImGui::Dummy(ImVec2(width, height));
  const ScreenRect hist_rect{p, ImVec2(p.x + width, p.y + height)};
  if (!sc) return;
  if (ImGui::SmallButton("PNG##hist"))
    export_png(ctx_, hist_rect,
               "clear-scores-disnet" + std::to_string(sc->disnet_run) +
                   (sc->ae_run ? "-run" + std::to_string(sc->ae_run) : std::string()));
  char buf[96];
  std::snprintf(buf, sizeof buf, "clear %.3f", sc->clear_mean);
  same_line_if_fits(label_width(buf));
  ImGui::TextColored(ImColor(kClearColour), "%s", buf);
  std::snprintf(buf, sizeof buf, "blurred %.3f", sc->blurred_mean);
  same_line_if_fits(label_width(buf));
  ImGui::TextColored(ImColor(kBlurColour), "%s", buf);
  if (!sc->recon.empty()) {
    std::snprintf(buf, sizeof buf, "run #%lld reconstructions %.3f", (long long)sc->ae_run,
                  sc->recon_mean);
    same_line_if_fits(label_width(buf));
    ImGui::TextColored(ImColor(kReconColour), "%s", buf);
  }
  hint_line("mean clear score; dis_net tells clear from blurred at 0.5 for " +
            std::to_string(int(std::lround(1000 * sc->accuracy)) / 10.0).substr(0, 5) +
            " % of the " + images());
}

// [SECTION] Adversarial autoencoder (b) and its L1-only reference

void BlurDisNetPanel::draw_adversarial() {
  const float fw = ImGui::GetFontSize() * 4.5f;
  const bool running = adv_.slot.running() || ref_.slot.running();
  const auto runs = ctx_.session().runs();
  ImGui::BeginDisabled(running);
  run_picker("(a) run", a_run_, runs, usable(is_a_run), "fresh weights (no reference)",
             picker_width("(a) run"));
  ctx_.note_item("blur_disnet:a_run");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  if (ImGui::BeginCombo("mode", adv_mode_.c_str())) {
    for (const char* m : kModes)
      if (ImGui::Selectable(m, adv_mode_ == m)) adv_mode_ = m;
    ImGui::EndCombo();
  }
  if (a_run_ == 0) {
    same_line_if_fits(ImGui::GetFontSize() * 6 + label_width("preset") + 8);
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
    if (ImGui::BeginCombo("preset", adv_preset_.c_str())) {
      for (const std::string& m : models::autoencoder_presets())
        if (ImGui::Selectable(m.c_str(), adv_preset_ == m)) adv_preset_ = m;
      ImGui::EndCombo();
    }
    same_line_if_fits(field_width("latent", fw));
    number_field("latent", latent_, fw);
  }
  same_line_if_fits(field_width("epochs##adv", fw));
  number_field("epochs##adv", adv_epochs_, fw);
  ctx_.note_item("blur_disnet:adv_epochs");
  same_line_if_fits(field_width("batch##adv", fw));
  number_field("batch##adv", adv_batch_, fw);
  same_line_if_fits(field_width("lr##adv", fw));
  number_field("lr##adv", adv_lr_, fw);
  same_line_if_fits(checkbox_width("deblur"));
  ImGui::Checkbox("deblur", &deblur_);
  ImGui::EndDisabled();

  // lambda stays editable while (b) trains: the job takes it at its next step.
  same_line_if_fits(field_width("lambda", fw));
  if (number_field("lambda", lambda_, fw) && adv_.slot.running())
    adv_.slot.job()->request_param("lambda", lambda_.value);

  std::string why;
  const train::AeTrainConfig cfg = adversarial_config(why);
  if (why.empty() && !all_valid(adv_epochs_, adv_batch_, adv_lr_, lambda_, latent_, sigma_, kernel_,
                                limit_, threads_))
    why = "fix the fields in red first";
  if (a_run_ > 0 && why.empty())
    hint_line("model " + cfg.model.preset + " L" + std::to_string(cfg.model.latent) +
              " from the (a) run; dis_net " + run_ref(cfg.disnet_run));
  ImGui::BeginDisabled(running || !why.empty());
  if (ImGui::Button("Train (b)")) start_adversarial(false);
  ctx_.note_item("blur_disnet:train_b");
  const std::string pair_label =
      "Train (b) + reference ((a) + " + std::to_string(adv_epochs_.value) + " epochs of L1 only)";
  same_line_if_fits(button_width(pair_label.c_str()));
  ImGui::BeginDisabled(a_run_ == 0);
  if (ImGui::Button(pair_label.c_str())) start_adversarial(true);
  ctx_.note_item("blur_disnet:train_pair");
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  if (!running) hint_line(why);
  if (a_run_ == 0 && why.empty())
    hint_line(
        "The reference needs an (a) run: it is that run trained the same epochs with L1 "
        "alone, the fair baseline for (b).");

  // Status, errors and results of (b) and the reference.
  struct Row {
    const char* what;
    Training<train::AeResult>& t;
  } rows[] = {{"(b)", adv_}, {"reference", ref_}};
  for (Row& r : rows) {
    if (!r.t.slot.running() && r.t.slot.error().empty() && !r.t.slot.result()) continue;
    ImGui::PushID(r.what);
    ImGui::TextUnformatted(r.what);
    ImGui::SameLine();
    if (r.t.slot.running()) {
      job_status(r.t.slot, r.what);
    } else if (!r.t.slot.error().empty()) {
      ImGui::NewLine();
      error_line(r.t.slot.error());
    } else if (const auto* res = r.t.slot.result()) {
      text_wrapped("run #%lld %s: %s, test L1 %.4f", (long long)res->run_id, res->name.c_str(),
                   r.t.slot.inputs().c_str(), res->test_l1);
    }
    ImGui::PopID();
  }
  if (adv_.points.empty() && ref_.points.empty()) {
    hint_line("L1 + lambda * BCE(dis_net(x_hat), clear), with the dis_net chosen above.");
    return;
  }
  const Xy loss = series_of(adv_.points, runs::metric::train_loss_step),
           l1 = series_of(adv_.points, runs::metric::test_l1),
           ref_l1 = series_of(ref_.points, runs::metric::test_l1);
  const PlotSeries s[] = {{"(b) train loss", loss.x, loss.y, kReconColour},
                          {"(b) test L1 (epoch)", l1.x, l1.y, kClearColour, 1.5f, true, true},
                          {"reference test L1", ref_l1.x, ref_l1.y, kBlurColour, 1.5f, true, true}};
  PlotOptions o;
  o.x_label = "step";
  line_plot("##adv_plot", s, o,
            ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 10));
}

// [SECTION] (a) against (b)

void BlurDisNetPanel::draw_compare() {
  const auto runs = ctx_.session().runs();
  std::vector<const runs::RunSummary*> offered;
  for (const runs::RunSummary& r : runs)
    if (runs::is_autoencoder_with_codes(r) && of_dataset(r)) offered.push_back(&r);
  // Ticked runs stay ticked while the run list catches up with the store (a run that was
  // deleted makes compare fail with a line naming it).
  if (offered.empty()) {
    hint_line("No finished autoencoder runs yet (above, the Training panel, or `aelab train ae`).");
  } else {
    ImGui::TextUnformatted("runs:");
    for (const runs::RunSummary* r : offered) {
      const std::string label = "#" + std::to_string(r->id) + " " + r->name;
      same_line_if_fits(checkbox_width(label.c_str()));
      bool on = std::find(ticked_.begin(), ticked_.end(), r->id) != ticked_.end();
      ImGui::PushID(int(r->id));
      if (ImGui::Checkbox(label.c_str(), &on)) {
        if (on)
          ticked_.push_back(r->id);
        else
          std::erase(ticked_, r->id);
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", runs::summary_line(*r).c_str());
      ImGui::PopID();
    }
  }
  std::string why;
  if (ticked_.empty())
    why = "tick one or more runs";
  else if (disnet_run_ == 0 || judge_run_ == 0)
    why = "choose a dis_net and a judge run above";
  else if (!threads_.ok())
    why = "fix the threads field";
  ImGui::BeginDisabled(cmp_.running() || !why.empty() || !data_.result());
  if (ImGui::Button("Compare")) start_compare();
  ctx_.note_item("blur_disnet:compare");
  ImGui::EndDisabled();
  same_line_if_fits(label_width(why.c_str()));
  if (!why.empty()) ImGui::TextDisabled("%s", why.c_str());
  job_status(cmp_, "cmp");
  error_line(cmp_.error());
  if (cmp_.result()) draw_compare_result();
}

void BlurDisNetPanel::draw_compare_result() {
  const report::Comparison& c = *cmp_.result();
  text_wrapped("%s test split, %lld %s; %s", c.dataset.c_str(), (long long)c.test_count,
               data::label_names(c.dataset).images, cmp_.inputs().c_str());
  if (cmp_.stale(compare_key())) {
    wrapped(kStale, "stale: now " + compare_key() + " - Compare again");
    ctx_.note_item("blur_disnet:compare_stale");
  }
  const bool csv = ImGui::SmallButton("CSV##cmp");
  ctx_.note_item("blur_disnet:export_csv");
  same_line_if_fits(button_width("Markdown##cmp"));
  const bool md = ImGui::SmallButton("Markdown##cmp");
  ctx_.note_item("blur_disnet:export_md");
  same_line_if_fits(button_width("grid PNG##cmp"));
  const bool png = ImGui::SmallButton("grid PNG##cmp");
  std::string base = "compare";
  for (const report::ComparisonRow& r : c.rows)
    if (r.run_id) base += "-" + std::to_string(r.run_id);
  if (csv) report_export(ctx_, export_table(report::comparison_table(c), base));
  if (md)
    report_export(ctx_,
                  export_table(report::comparison_table(c), base, report::TableFormat::markdown));

  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollX;
  const float row_h = ImGui::GetTextLineHeightWithSpacing() + 2 * ImGui::GetStyle().CellPadding.y;
  const ImVec2 size(ImGui::GetContentRegionAvail().x,
                    row_h * float(c.rows.size() + 1) + ImGui::GetStyle().ScrollbarSize + 4);
  if (ImGui::BeginTable("compare_table", 6, flags, size)) {
    for (const char* h : {"run", "model", "test L1", "clear score", "sharpness", "judge %"})
      ImGui::TableSetupColumn(h);
    ImGui::TableHeadersRow();
    for (const report::ComparisonRow& r : c.rows) {
      ImGui::TableNextRow();
      ImGui::TableNextColumn();
      ImGui::Text("%s",
                  r.run_id ? ("#" + std::to_string(r.run_id) + " " + r.name).c_str() : "original");
      ImGui::TableNextColumn();
      ImGui::TextUnformatted(report::model_label(r).c_str());
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
  ctx_.note_item("blur_disnet:table");

  hint_line("columns: original, then each run in the order above; one row per test image");
  GridFit fit;
  fit.wrap = false;
  fit.min_cell = 12;
  fit.max_cell = ImGui::GetFontSize() * 3;
  fit.max_height = std::max(ImGui::GetFontSize() * 12, ImGui::GetContentRegionAvail().y);
  cmp_grid_.draw_fit("compare_strip", ImGui::GetContentRegionAvail().x, {}, fit);
  if (png) export_png(ctx_, cmp_grid_.last_rect(), base);
}

void BlurDisNetPanel::draw() {
  poll_jobs();
  preselect_runs();
  if (!ctx_.session().runs_error().empty()) error_line("run store: " + ctx_.session().runs_error());
  draw_settings();
  if (ImGui::CollapsingHeader("Gaussian blur", ImGuiTreeNodeFlags_DefaultOpen)) draw_blur();
  if (ImGui::CollapsingHeader("dis_net: blurred or clear?", ImGuiTreeNodeFlags_DefaultOpen))
    draw_disnet();
  if (ImGui::CollapsingHeader("Judge: a classifier of the labels###judge",
                              ImGuiTreeNodeFlags_DefaultOpen))
    draw_judge();
  if (ImGui::CollapsingHeader("Clear score histogram", ImGuiTreeNodeFlags_DefaultOpen))
    draw_histogram();
  if (ImGui::CollapsingHeader("Autoencoder (b): L1 + lambda * dis_net loss, and its reference",
                              ImGuiTreeNodeFlags_DefaultOpen))
    draw_adversarial();
  if (ImGui::CollapsingHeader("(a) against (b)", ImGuiTreeNodeFlags_DefaultOpen)) draw_compare();
}

}  // namespace aelab::app
