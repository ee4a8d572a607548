// Training panel (see training.hpp).
//
// Index
// [SECTION] Starting runs
// [SECTION] Drawing
#include "app/panels/training.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <span>
#include <type_traits>

#include "app/export.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/run_picker.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/error.hpp"
#include "optim/optimizer.hpp"
#include "report/table_export.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_summary.hpp"
#include "train/presets.hpp"

namespace aelab::app {

// [SECTION] Starting runs ---------------------------------------------------------------------

train::AeTrainConfig parse_training_spec(const std::string& spec) {
  train::AeTrainConfig c;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t end = spec.find(',', pos);
    if (end == std::string::npos) end = spec.size();
    const std::string item = spec.substr(pos, end - pos);
    pos = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      throw InputError("--train: '" + item +
                       "' is not key=value (e.g. \"preset=mlp,latent=2,epochs=3\")");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    auto number = [&](auto& out) {
      using T = std::remove_reference_t<decltype(out)>;
      try {
        size_t used = 0;
        double v = std::stod(value, &used);
        if (used != value.size() || !std::isfinite(v)) throw std::invalid_argument(value);
        if constexpr (std::is_integral_v<T>) {
          if (v != std::floor(v)) throw std::invalid_argument(value);
        }
        out = static_cast<T>(v);
      } catch (const std::exception&) {
        throw InputError("--train: " + key + " needs a number, got '" + value + "'");
      }
    };
    if (key == "preset")
      c.model.preset = value;
    else if (key == "latent")
      number(c.model.latent);
    else if (key == "loss")
      c.loss = value;
    else if (key == "optimizer" || key == "optimiser")
      c.optimizer.name = value;
    else if (key == "lr")
      number(c.optimizer.lr);
    else if (key == "batch")
      number(c.batch);
    else if (key == "epochs")
      number(c.epochs);
    else if (key == "seed")
      number(c.seed);
    else if (key == "dataset")
      c.dataset = value;
    else if (key == "limit")
      number(c.limit);
    else if (key == "threads")
      number(c.threads);
    else if (key == "name")
      c.name = value;
    else
      throw InputError(
          "--train: unknown key '" + key +
          "' (keys: preset, latent, loss, optimizer, lr, batch, epochs, seed, dataset, "
          "limit, threads, name)");
  }
  models::validate(c.model);
  train::validate(c);
  optim::validate(c.optimizer);  // an unknown optimiser name is an InputError too
  if (const auto& names = data::dataset_names();
      std::find(names.begin(), names.end(), c.dataset) == names.end())
    throw InputError("--train: unknown dataset '" + c.dataset + "'");
  return c;
}

TrainingPanel::TrainingPanel(AppContext& ctx) : ctx_(ctx) {
  edit_.model.latent = 2;
  edit_.epochs = 20;
  to_fields();
  if (!ctx_.launch().train.empty()) start(parse_training_spec(ctx_.launch().train), true);
}

// Closing the panel's window keeps it (and its jobs) alive; it is destroyed only when the window
// shuts down, and then the runs are cancelled (recorded as cancelled) before the process ends.
TrainingPanel::~TrainingPanel() {
  for (auto& r : ctx_.session().live) r->job->cancel(train::StopReason::quit);
  ctx_.session().live.clear();
}

void TrainingPanel::to_fields() {
  Fields& f = fields_;
  f.latent.set_value(edit_.model.latent);
  f.lr.set_value(edit_.optimizer.lr);
  f.batch.set_value(edit_.batch);
  f.epochs.set_value(edit_.epochs);
  f.seed.set_value(static_cast<int64_t>(edit_.seed));
  f.threads.set_value(edit_.threads);
  f.shift.set_value(edit_.augment.shift);
  f.rotate.set_value(edit_.augment.rotate);
  f.cluster_epochs.set_value(edit_.cluster_epochs);
  f.clusters.set_value(edit_.clusters);
  f.cluster_weight.set_value(edit_.cluster_weight);
}

void TrainingPanel::from_fields() {
  const Fields& f = fields_;
  edit_.model.latent = f.latent.value;
  edit_.optimizer.lr = f.lr.value;
  edit_.batch = f.batch.value;
  edit_.epochs = static_cast<int>(f.epochs.value);
  edit_.seed = static_cast<uint64_t>(f.seed.value);
  edit_.threads = static_cast<int>(f.threads.value);
  edit_.augment.shift = f.shift.value;
  edit_.augment.rotate = f.rotate.value;
  edit_.cluster_epochs = static_cast<int>(f.cluster_epochs.value);
  edit_.clusters = static_cast<int>(f.clusters.value);
  edit_.cluster_weight = f.cluster_weight.value;
}

void TrainingPanel::start(const train::AeTrainConfig& config, bool explore) {
  try {
    train::validate(config);
  } catch (const std::exception& e) {
    error_ = e.what();
    return;
  }
  error_.clear();
  auto run = std::make_shared<LiveRun>();
  run->config = config;
  run->explore = explore;
  const std::filesystem::path data_dir = ctx_.launch().data_dir, db = ctx_.launch().runs_db;
  run->job = std::make_shared<train::Job>(
      "train " + (config.name.empty() ? train::default_run_name(config) : config.name),
      [config, data_dir, db, cache = ctx_.session().datasets()](train::JobContext& jc) {
        lower_worker_priority();
        jc.report_progress(0, "loading " + config.dataset);
        auto ds = cache->get(config.dataset, data_dir, config.limit);
        train::AeTrainConfig recorded = config;
        recorded.source = train::describe_data_source(config.dataset, data_dir);
        (void)train::train_autoencoder(recorded, *ds, db, jc);
      });
  ctx_.jobs().add(run->job);
  ctx_.session().live.push_back(run);
  selected_ = static_cast<int>(ctx_.session().live.size()) - 1;
}

void TrainingPanel::start_next_queued() {
  if (queue_.empty()) return;
  for (const auto& r : ctx_.session().live)
    if (!train::is_terminal(r->job->state())) return;  // one study run at a time
  train::AeTrainConfig c = queue_.front();
  queue_.pop_front();
  start(c, watch_);
}

void TrainingPanel::save(nlohmann::json& out) const {
  out["config"] = train::to_json(edit_);
  out["smoothing"] = smoothing_;
  out["watch"] = watch_;
  out["curves_from_zero"] = curves_view_.from_zero;
  out["curves_log_y"] = curves_view_.log_y;
}

void TrainingPanel::load(const nlohmann::json& in) {
  try {
    if (in.contains("config")) edit_ = train::ae_config_from_json(in["config"]);
    smoothing_ = std::clamp(in.value("smoothing", smoothing_), 0.0f, 0.99f);
    watch_ = in.value("watch", watch_);
    curves_view_.from_zero = in.value("curves_from_zero", curves_view_.from_zero);
    curves_view_.log_y = in.value("curves_log_y", curves_view_.log_y);
  } catch (const std::exception&) {
    // An old or hand-edited settings file: keep the defaults.
  }
  to_fields();
}

// [SECTION] Drawing ---------------------------------------------------------------------------

namespace {

bool combo(const char* label, std::string& value, const std::vector<std::string>& items) {
  bool changed = false;
  if (ImGui::BeginCombo(label, value.c_str())) {
    for (const auto& it : items)
      if (ImGui::Selectable(it.c_str(), it == value)) value = it, changed = true;
    ImGui::EndCombo();
  }
  return changed;
}

// SameLine() when an item `width` wide still fits on the current line, else a new line.

float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + 2 * ImGui::GetStyle().FramePadding.x;
}

// A button with `label`, on the current line when it fits.
bool flow_button(const char* label) {
  same_line_if_fits(button_width(label));
  return ImGui::Button(label);
}

// A row that can be selected, showing `text` wrapped to the width left, in `colour`.
bool wrapped_selectable(const char* id, const std::string& text, bool selected, ImVec4 colour) {
  const float w = ImGui::GetContentRegionAvail().x;
  const ImVec2 size = ImGui::CalcTextSize(text.c_str(), nullptr, false, w);
  const bool clicked = ImGui::Selectable(id, selected, 0, ImVec2(0, size.y));
  ImGui::GetWindowDrawList()->AddText(ImGui::GetFont(), ImGui::GetFontSize(),
                                      ImGui::GetItemRectMin(), ImGui::GetColorU32(colour),
                                      text.c_str(), nullptr, w);
  return clicked;
}

// The Training panel offers the presets that train plain autoencoders (part (b)'s adversarial
// defaults belong to the Blur & dis_net panel).
bool is_plain_autoencoder_preset(const train::Preset& p) {
  return !p.config.contains("adversarial") || p.config["adversarial"] == "none";
}

// The run's learning rate now: the last lr it reported, else the one it started with.
double current_lr(const LiveRun& run) {
  for (auto it = run.points.rbegin(); it != run.points.rend(); ++it)
    if (it->name == runs::metric::lr) return it->value;
  return run.config.optimizer.lr;
}

// One metric of a live run as parallel arrays (for the plot and the CSV).
struct LiveSeries {
  std::vector<long> steps;
  std::vector<double> epochs, values;
};

}  // namespace

void TrainingPanel::draw_form() {
  const float font = ImGui::GetFontSize();
  const float w = font * 7;
  Fields& f = fields_;
  bool edited = false;

  // Presets from assets/presets over the fields.
  ImGui::SetNextItemWidth(font * 9);
  if (ImGui::BeginCombo("preset##experiment", "choose...")) {
    for (const train::Preset& p : train::presets()) {
      if (!is_plain_autoencoder_preset(p)) continue;
      if (ImGui::Selectable(p.name.c_str())) {
        try {
          edit_ = train::apply_preset(p, edit_);
          to_fields();
          error_.clear();
        } catch (const InputError& e) {
          error_ = e.what();
        }
      }
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", p.title.c_str());
    }
    ImGui::EndCombo();
  }
  ImGui::SetNextItemWidth(font * 9);
  edited |= combo("model", edit_.model.preset, models::autoencoder_presets());
  edited |= number_field("latent L", f.latent, w);
  if (f.latent.ok()) ctx_.note_item("training:latent");
  for (int l : {2, 16, 256}) {
    const std::string label = std::to_string(l);
    same_line_if_fits(button_width(label.c_str()));
    if (ImGui::SmallButton(label.c_str())) {
      f.latent.set_value(l);
      edited = true;
    }
  }
  ImGui::SetNextItemWidth(font * 9);
  edited |= combo("loss", edit_.loss, {"l1", "mse"});
  ImGui::SetNextItemWidth(font * 9);
  edited |= combo("optimiser", edit_.optimizer.name, optim::optimizer_names());
  edited |= number_field("lr", f.lr, w);
  edited |= number_field("batch", f.batch, w);
  ctx_.note_item(f.batch.ok() ? "training:batch" : "training:batch-error");
  edited |= number_field("epochs", f.epochs, w);
  edited |= number_field("seed", f.seed, w);
  ImGui::SetNextItemWidth(font * 9);
  edited |= combo("dataset", edit_.dataset, data::dataset_names());
  edited |= number_field("threads", f.threads, w);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("0 = every core");
  if (ImGui::TreeNode("Augmentation and cluster refinement")) {
    edited |= number_field("shift (px)", f.shift, w);
    edited |= number_field("rotate (deg)", f.rotate, w);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("The training %s, each randomly moved and turned by up to this much.",
                        data::label_names(edit_.dataset).images);
    edited |= number_field("cluster epochs", f.cluster_epochs, w);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "After the epochs above, this many more in which a KL term pulls the\n"
          "codes towards learnt cluster centres (0 = none).");
    edited |= number_field("clusters", f.clusters, w);
    edited |= number_field("cluster weight", f.cluster_weight, w);
    ImGui::TreePop();
  } else if (!all_valid(f.shift, f.rotate, f.cluster_epochs, f.clusters, f.cluster_weight)) {
    ImGui::TextColored(ImVec4(1, 0.43f, 0.39f, 1), "(a setting in here is refused)");
  }
  if (edited) {
    from_fields();
    error_.clear();  // the input changed: the old refusal no longer applies
  }

  const bool valid = f.valid();
  ImGui::BeginDisabled(!valid);
  const bool start_clicked = ImGui::Button("Start");
  ImGui::EndDisabled();
  ctx_.note_item(valid ? "training:start" : "training:start-disabled");
  if (!valid && ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("A setting above is refused (see its message).");
  if (start_clicked && valid) start(edit_, watch_);

  ImGui::BeginDisabled(!valid);
  const bool study = flow_button("Study runs");
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
    std::string tip =
        "Queue one run per preset of group \"study\", one after another,\n"
        "with the other settings above:";
    for (const train::Preset& p : train::preset_group(train::kStudyGroup))
      tip += "\n  " + p.name + ": " + p.title;
    ImGui::SetTooltip("%s", tip.c_str());
  }
  if (study && valid) {
    try {  // each preset of the study group over the fields' settings
      std::vector<train::AeTrainConfig> runs;
      for (const train::Preset& p : train::preset_group(train::kStudyGroup))
        runs.push_back(train::apply_preset(p, edit_));
      queue_.insert(queue_.end(), runs.begin(), runs.end());
    } catch (const InputError& e) {
      error_ = e.what();
    }
  }
  if (flow_button("Clustering recipe")) {
    try {  // the preset over the defaults; where the data comes from and how it runs stay
      train::AeTrainConfig base;
      base.dataset = edit_.dataset;
      base.threads = edit_.threads;
      base.seed = edit_.seed;
      edit_ = train::apply_preset(train::preset(train::kClusteringPreset), base);
      to_fields();
      error_.clear();
    } catch (const InputError& e) {
      error_ = e.what();
    }
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Fill in the preset \"%s\":\n%s", train::kClusteringPreset,
                      train::preset(train::kClusteringPreset).title.c_str());
  if (!queue_.empty()) {
    char q[32];
    std::snprintf(q, sizeof q, "%zu queued", queue_.size());
    same_line_if_fits(ImGui::CalcTextSize(q).x);
    ImGui::TextDisabled("%s", q);
    same_line_if_fits(button_width("clear"));
    if (ImGui::SmallButton("clear")) queue_.clear();
  }
  ImGui::Checkbox("watch in the latent explorer", &watch_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "The explorer switches to each run started here and follows its weights\n"
        "while it trains (codes re-encoded off the UI thread about once a second).");
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.43f, 0.39f, 1));
    ImGui::TextWrapped("%s", error_.c_str());
    ImGui::PopStyleColor();
  }
}

void TrainingPanel::draw_run_list() {
  Session& session = ctx_.session();
  ImGui::TextUnformatted("Runs started in this window");
  for (int i = static_cast<int>(session.live.size()) - 1; i >= 0; --i) {
    const LiveRun& r = *session.live[i];
    const train::JobState st = r.job->state();
    // The store's summary of the run once it exists (its name is the one the store gave it).
    const runs::RunSummary* s = r.run_id > 0 ? find_run(session.runs(), r.run_id) : nullptr;
    std::string line;
    ImVec4 colour = ImGui::GetStyleColorVec4(ImGuiCol_Text);
    if (s) {
      line = runs::summary_line(*s);
      colour = status_colour(s->status);
      if (st == train::JobState::paused) line += "  (paused)";
    } else {
      line = train::default_run_name(r.config) + "  " + std::string(train::to_string(st));
      if (st == train::JobState::failed) colour = status_colour(runs::RunStatus::failed);
    }
    char id[32];
    std::snprintf(id, sizeof id, "##live%d", i);
    if (wrapped_selectable(id, line, selected_ == i, colour)) selected_ = i;
  }
  if (session.live.empty()) ImGui::TextWrapped("None yet. Finished runs are in the Runs panel.");
}

void TrainingPanel::draw_run(LiveRun& run, float curves_min_h) {
  Session& session = ctx_.session();
  train::Job& job = *run.job;
  const train::JobState st = job.state();
  const runs::RunSummary* summary = run.run_id > 0 ? find_run(session.runs(), run.run_id) : nullptr;
  const std::string name = summary ? summary->name : train::default_run_name(run.config);
  if (summary)
    ImGui::TextWrapped("#%lld %s  %s", static_cast<long long>(run.run_id), name.c_str(),
                       std::string(train::to_string(st)).c_str());
  else
    ImGui::TextWrapped("%s  %s", name.c_str(), std::string(train::to_string(st)).c_str());
  ImGui::ProgressBar(
      static_cast<float>(job.progress()),
      ImVec2(std::min(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 12), 0));
  ImGui::PushStyleColor(ImGuiCol_Text, st == train::JobState::failed
                                           ? status_colour(runs::RunStatus::failed)
                                           : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  ImGui::TextWrapped("%s", st == train::JobState::failed ? job.error_message().c_str()
                                                         : job.status_line().c_str());
  ImGui::PopStyleColor();

  // The lr field belongs to this run and starts at its current lr.
  if (lr_edit_run_ != &run) {
    lr_edit_.set_value(current_lr(run));
    lr_edit_run_ = &run;
  }
  ImGui::BeginDisabled(train::is_terminal(st));
  if (st == train::JobState::paused) {
    if (ImGui::Button("Resume")) job.resume();
  } else if (ImGui::Button("Pause")) {
    job.pause();
  }
  if (flow_button("Cancel")) {
    job.cancel();
    queue_.clear();  // cancelling a study run stops the study
  }
  same_line_if_fits(ImGui::GetFontSize() * 9);
  ImGui::BeginGroup();
  number_field("lr##run", lr_edit_, ImGui::GetFontSize() * 6);
  ImGui::EndGroup();
  ImGui::BeginDisabled(!lr_edit_.ok());
  if (flow_button("Set lr") && lr_edit_.ok()) job.set_lr(lr_edit_.value);
  ImGui::EndDisabled();
  ImGui::EndDisabled();
  ImGui::BeginDisabled(run.run_id <= 0);
  if (flow_button("Explore")) {
    session.explore(run.run_id);
    ctx_.show_panel("latent_explorer", true);
  }
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Show this run in the latent explorer, beside this panel.");

  // Curves against epochs: the step loss smoothed by an EMA, per-epoch train loss and test L1.
  LiveSeries step, epoch, test, lr;
  std::vector<double> smooth;
  double ema = NAN;
  for (const runs::MetricPoint& p : run.points) {
    LiveSeries* s = p.name == runs::metric::train_loss_step ? &step
                    : p.name == runs::metric::train_loss    ? &epoch
                    : p.name == runs::metric::test_l1       ? &test
                    : p.name == runs::metric::lr            ? &lr
                                                            : nullptr;
    if (!s) continue;
    s->steps.push_back(p.step), s->epochs.push_back(p.epoch), s->values.push_back(p.value);
    if (s == &step) {
      ema = std::isnan(ema) ? p.value : smoothing_ * ema + (1 - smoothing_) * p.value;
      smooth.push_back(ema);
    }
  }
  const PlotToolbar tb = plot_toolbar("curves", curves_view_);
  same_line_if_fits(ImGui::GetFontSize() * 14);
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  ImGui::SliderFloat("smoothing", &smoothing_, 0.0f, 0.99f, "%.2f");
  const auto& pal = digit_palette();
  std::vector<PlotSeries> ser;
  ser.push_back({"train loss (steps)", step.epochs, smooth, pack_rgba(pal[0], 0.8f), 1.2f});
  ser.push_back(
      {"train loss (epoch)", epoch.epochs, epoch.values, pack_rgba(pal[1]), 2.0f, true, true});
  ser.push_back({"test L1", test.epochs, test.values, pack_rgba(pal[3]), 2.0f, true, true});
  PlotOptions o;
  o.x_label = "epoch";
  o.y_label = run.config.loss == "l1" ? "L1 per pixel" : "loss";
  apply(curves_view_, o);
  o.markers = change_markers(lr.epochs, lr.values, runs::metric::lr);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const PlotFrame frame =
      line_plot("curves", ser, o, ImVec2(avail.x, std::max(avail.y, curves_min_h)));
  const std::string base = "curves-run" + std::to_string(run.run_id);
  if (tb.csv) {
    const std::string label = summary ? "#" + std::to_string(run.run_id) + " " + name : name;
    std::vector<report::Curve> curves = {
        {label, runs::metric::train_loss_step, step.steps, step.epochs, step.values},
        {label, runs::metric::train_loss, epoch.steps, epoch.epochs, epoch.values},
        {label, runs::metric::test_l1, test.steps, test.epochs, test.values},
        {label, runs::metric::lr, lr.steps, lr.epochs, lr.values}};
    report_export(ctx_, export_table(report::curves_table(curves), base));
  }
  if (tb.png) export_png(ctx_, frame.widget, base);
}

void TrainingPanel::draw() {
  Session& session = ctx_.session();
  session.poll();
  start_next_queued();
  // A run the explorer is to follow: raise the explorer beside this panel once its id is known.
  for (const auto& r : session.live)
    if (r->explore && r->run_id > 0 && shown_in_explorer_.insert(r->run_id).second)
      ctx_.show_panel("latent_explorer", true);

  const float font = ImGui::GetFontSize();
  const float form_w = font * 23;
  const bool side_by_side = ImGui::GetContentRegionAvail().x >= form_w + font * 24;
  LiveRun* run = selected_ >= 0 && selected_ < static_cast<int>(session.live.size())
                     ? session.live[selected_].get()
                     : nullptr;
  auto draw_curves_pane = [&](float min_h) {
    if (run) {
      draw_run(*run, min_h);
    } else {
      ImGui::TextWrapped("Start a run to see its loss curves here.");
      const ImVec2 p = ImGui::GetCursorScreenPos(), a = ImGui::GetContentRegionAvail();
      ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + a.x, p.y + a.y),
                                                IM_COL32(24, 26, 30, 255));
    }
  };
  if (side_by_side) {
    ImGui::BeginChild("form", ImVec2(form_w, 0), true);
    draw_form();
    ImGui::Separator();
    draw_run_list();
    ImGui::EndChild();
    ImGui::SameLine();
    ImGui::BeginChild("run", ImVec2(0, 0), false);
    draw_curves_pane(font * 10);
    ImGui::EndChild();
  } else if (!run) {  // a narrow pane, nothing to show yet: the form, the pane scrolls
    draw_form();
    ImGui::Separator();
    draw_run_list();
    ImGui::Separator();
    draw_curves_pane(font * 16);
  } else {
    // A narrow pane with a run: the form above its curves, each part scrolling on its own. The
    // form takes what it needs while the run keeps 24 lines, and at least 40 % of the height:
    // scrolling the whole pane put the curves below a 640-pixel window's edge.
    const float avail = ImGui::GetContentRegionAvail().y;
    const float form_h = std::clamp(form_h_ > 0 ? form_h_ : avail * 0.4f, font * 4,
                                    std::max(avail - font * 24, avail * 0.4f));
    ImGui::BeginChild("form", ImVec2(0, form_h), false);
    draw_form();
    ImGui::Separator();
    draw_run_list();
    form_h_ = ImGui::GetCursorPosY() + ImGui::GetStyle().WindowPadding.y;
    ImGui::EndChild();
    ImGui::Separator();
    ImGui::BeginChild("run", ImVec2(0, 0), false);
    draw_curves_pane(font * 10);
    ImGui::EndChild();
  }
}

}  // namespace aelab::app
