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
#include <type_traits>

#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"
#include "core/error.hpp"
#include "optim/optimizer.hpp"
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
  lr_edit_ = static_cast<float>(edit_.optimizer.lr);
  if (!ctx_.launch().train.empty()) start(parse_training_spec(ctx_.launch().train), true);
}

// Closing the panel's window keeps it (and its jobs) alive; it is destroyed only when the window
// shuts down, and then the runs are cancelled (recorded as cancelled) before the process ends.
TrainingPanel::~TrainingPanel() {
  for (auto& r : ctx_.session().live) r->job->cancel(train::StopReason::quit);
  ctx_.session().live.clear();
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
      "train " + train::default_run_name(config),
      [config, data_dir, db, cache = ctx_.session().datasets()](train::JobContext& jc) {
        lower_worker_priority();
        jc.report_progress(0, "loading " + config.dataset);
        auto ds = cache->get(config.dataset, data_dir, config.limit);
        (void)train::train_autoencoder(config, *ds, db, jc);
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
}

void TrainingPanel::load(const nlohmann::json& in) {
  try {
    if (in.contains("config")) edit_ = train::ae_config_from_json(in["config"]);
    smoothing_ = std::clamp(in.value("smoothing", smoothing_), 0.0f, 0.99f);
    watch_ = in.value("watch", watch_);
  } catch (const std::exception&) {
    // An old or hand-edited settings file: keep the defaults.
  }
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

const char* state_text(train::JobState s) {
  switch (s) {
    case train::JobState::queued:
      return "queued";
    case train::JobState::running:
      return "running";
    case train::JobState::paused:
      return "paused";
    case train::JobState::finished:
      return "finished";
    case train::JobState::cancelled:
      return "cancelled";
    case train::JobState::failed:
      return "failed";
  }
  return "";
}

}  // namespace

void TrainingPanel::draw_form() {
  const float w = ImGui::GetFontSize() * 9;
  ImGui::PushItemWidth(w);
  combo("preset", edit_.model.preset, models::autoencoder_presets());
  int latent = static_cast<int>(edit_.model.latent);
  if (ImGui::InputInt("latent L", &latent)) edit_.model.latent = std::clamp(latent, 1, 4096);
  for (int l : {2, 16, 256}) {
    ImGui::SameLine();
    if (ImGui::SmallButton(std::to_string(l).c_str())) edit_.model.latent = l;
  }
  combo("loss", edit_.loss, {"l1", "mse"});
  combo("optimiser", edit_.optimizer.name, optim::optimizer_names());
  ImGui::InputDouble("lr", &edit_.optimizer.lr, 0, 0, "%.2e");
  int batch = static_cast<int>(edit_.batch), threads = edit_.threads;
  if (ImGui::InputInt("batch", &batch)) edit_.batch = std::max(1, batch);
  ImGui::InputInt("epochs", &edit_.epochs);
  int seed = static_cast<int>(edit_.seed);
  if (ImGui::InputInt("seed", &seed)) edit_.seed = static_cast<uint64_t>(std::max(0, seed));
  combo("dataset", edit_.dataset, data::dataset_names());
  if (ImGui::InputInt("threads", &threads)) edit_.threads = std::max(0, threads);
  if (ImGui::TreeNode("Augmentation and cluster refinement")) {
    ImGui::InputDouble("shift (px)", &edit_.augment.shift, 0, 0, "%.2g");
    ImGui::InputDouble("rotate (deg)", &edit_.augment.rotate, 0, 0, "%.2g");
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Each training digit randomly moved and turned by up to this much.");
    ImGui::InputInt("cluster epochs", &edit_.cluster_epochs);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "After the epochs above, this many more in which a KL term pulls the\n"
          "codes towards learnt cluster centres (0 = none).");
    ImGui::InputInt("clusters", &edit_.clusters);
    ImGui::InputDouble("cluster weight", &edit_.cluster_weight, 0, 0, "%.3g");
    ImGui::TreePop();
  }
  ImGui::PopItemWidth();

  if (ImGui::Button("Start")) start(edit_, watch_);
  ImGui::SameLine();
  if (ImGui::Button("Study runs")) {
    try {  // each preset of the study group over the fields' settings
      std::vector<train::AeTrainConfig> study;
      for (const train::Preset& p : train::preset_group(train::kStudyGroup))
        study.push_back(train::apply_preset(p, edit_));
      queue_.insert(queue_.end(), study.begin(), study.end());
    } catch (const InputError& e) {
      error_ = e.what();
    }
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Queue the study's three models: mlp, L1 loss, L = 2, 16, 256,\n"
        "one after another, with the other settings above\n"
        "(the presets of group \"study\", aelab presets list).");
  ImGui::SameLine();
  if (ImGui::Button("Clustering recipe")) {
    const train::AeTrainConfig keep = edit_;
    edit_ = train::clustering_recipe();
    edit_.dataset = keep.dataset;
    edit_.threads = keep.threads;
    edit_.seed = keep.seed;
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Fill in the deep preset whose 16-D codes k-means sorts into digits:\n"
        "MSE, 150 epochs on shifted and rotated digits, then 30 epochs of\n"
        "cluster refinement (IDEC, KL weight 1). About 5 minutes on 2 cores.");
  if (!queue_.empty()) {
    ImGui::SameLine();
    ImGui::TextDisabled("%zu queued", queue_.size());
    ImGui::SameLine();
    if (ImGui::SmallButton("clear")) queue_.clear();
  }
  ImGui::Checkbox("watch in the latent explorer", &watch_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "The explorer switches to each run started here and follows its weights\n"
        "while it trains (codes re-encoded off the UI thread, under once a second).");
  if (!error_.empty()) ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "%s", error_.c_str());
}

void TrainingPanel::draw_run(LiveRun& run) {
  train::Job& job = *run.job;
  const train::JobState st = job.state();
  ImGui::Text("%s  run %lld  %s", job.name().c_str(), static_cast<long long>(run.run_id),
              state_text(st));
  ImGui::SameLine();
  ImGui::ProgressBar(static_cast<float>(job.progress()), ImVec2(ImGui::GetFontSize() * 8, 0));
  ImGui::TextDisabled("%s", st == train::JobState::failed ? job.error_message().c_str()
                                                          : job.status_line().c_str());
  ImGui::BeginDisabled(train::is_terminal(st));
  if (st == train::JobState::paused) {
    if (ImGui::Button("Resume")) job.resume();
  } else if (ImGui::Button("Pause")) {
    job.pause();
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel")) {
    job.cancel();
    queue_.clear();  // cancelling a study run stops the study
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 6);
  ImGui::InputFloat("##lr", &lr_edit_, 0, 0, "%.2e");
  ImGui::SameLine();
  if (ImGui::Button("Set lr") && lr_edit_ > 0 && std::isfinite(lr_edit_)) job.set_lr(lr_edit_);
  ImGui::EndDisabled();

  // Curves against epochs: the step loss smoothed by an EMA, per-epoch train loss and test L1.
  std::vector<double> sx, sy, ex, ey, tx, ty;
  double ema = NAN;
  for (const runs::MetricPoint& p : run.points) {
    if (p.name == "train_loss_step") {
      ema = std::isnan(ema) ? p.value : smoothing_ * ema + (1 - smoothing_) * p.value;
      sx.push_back(p.epoch), sy.push_back(ema);
    } else if (p.name == "train_loss") {
      ex.push_back(p.epoch), ey.push_back(p.value);
    } else if (p.name == "test_l1") {
      tx.push_back(p.epoch), ty.push_back(p.value);
    }
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  ImGui::SliderFloat("smoothing", &smoothing_, 0.0f, 0.99f, "%.2f");
  const auto& pal = digit_palette();
  std::vector<PlotSeries> ser;
  ser.push_back({"train loss (steps)", sx, sy, pack_rgba(pal[0], 0.8f), 1.2f});
  ser.push_back({"train loss (epoch)", ex, ey, pack_rgba(pal[1]), 2.0f, true, true});
  ser.push_back({"test L1", tx, ty, pack_rgba(pal[3]), 2.0f, true, true});
  PlotOptions o;
  o.x_label = "epoch";
  o.y_label = run.config.loss == "l1" ? "L1 per pixel" : "loss";
  ImVec2 avail = ImGui::GetContentRegionAvail();
  line_plot("curves", ser, o, ImVec2(avail.x, std::max(avail.y, ImGui::GetFontSize() * 12)));
}

void TrainingPanel::draw() {
  Session& session = ctx_.session();
  session.poll();
  start_next_queued();

  // Wide enough for "latent L" with its 2 / 16 / 256 shortcuts on one line.
  const float form_w = ImGui::GetFontSize() * 23;
  ImGui::BeginChild("form", ImVec2(form_w, 0), true);
  draw_form();
  ImGui::Separator();
  ImGui::TextUnformatted("Runs started in this window");
  for (int i = static_cast<int>(session.live.size()) - 1; i >= 0; --i) {
    const LiveRun& r = *session.live[i];
    char label[160];
    std::snprintf(label, sizeof label, "%s  (%s)##%d", r.job->name().c_str() + 6,
                  state_text(r.job->state()), i);
    if (ImGui::Selectable(label, selected_ == i)) selected_ = i;
  }
  if (session.live.empty()) ImGui::TextWrapped("None yet. Finished runs are in the Runs panel.");
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("run", ImVec2(0, 0), false);
  if (selected_ >= 0 && selected_ < static_cast<int>(session.live.size()))
    draw_run(*session.live[selected_]);
  else {
    ImGui::TextDisabled("Start a run to see its loss curves here.");
    const ImVec2 p = ImGui::GetCursorScreenPos(), a = ImGui::GetContentRegionAvail();
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + a.x, p.y + a.y),
                                              IM_COL32(24, 26, 30, 255));
  }
  ImGui::EndChild();
}

}  // namespace aelab::app
