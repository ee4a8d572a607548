// Index
// [SECTION] Settings: validation, config, persistence
// [SECTION] Workers (phase map, escape height)
// [SECTION] Traces: reset, stepping
// [SECTION] Left column: settings, traces, playback, escape height, exports
// [SECTION] Right column: plots, step table, phase map
// [SECTION] draw
#include "app/panels/optimiser_playground.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "app/settings.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"
#include "core/error.hpp"
#include "playground/trajectory_text.hpp"
#include "train/job.hpp"

namespace aelab::app {

namespace pg = aelab::playground;

namespace {
const ImVec4 kRed(1.0f, 0.38f, 0.33f, 1.0f);
const ImVec4 kGreen(0.45f, 0.85f, 0.45f, 1.0f);

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

bool input_double(const char* label, double* v, const char* format = "%.6g") {
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  return ImGui::InputDouble(label, v, 0, 0, format);
}
}  // namespace

// [SECTION] Settings: validation, config, persistence --------------------------------------

std::string validate(const PlaygroundSettings& s) {
  auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(s.L) || s.L <= 0) return "L must be a finite number > 0";
  if (!finite(s.h) || s.h < 0) return "h (bump height) must be a finite number >= 0";
  if (!finite(s.lr) || s.lr <= 0) return "learning rate a must be a finite number > 0";
  if (!(s.beta1 >= 0 && s.beta1 < 1)) return "beta1 must be in [0, 1)";
  if (!(s.beta2 >= 0 && s.beta2 < 1)) return "beta2 must be in [0, 1)";
  if (!finite(s.eps) || s.eps < 0) return "epsilon must be a finite number >= 0";
  if (!(s.momentum >= 0 && s.momentum < 1)) return "momentum must be in [0, 1)";
  if (!(s.rho >= 0 && s.rho < 1)) return "RMSProp rho must be in [0, 1)";
  if (!finite(s.x0) || s.x0 >= s.L) return "the start x0 must be a finite number below L";
  if (s.max_steps < 1 || s.max_steps > 1000000) return "max steps must be in [1, 1000000]";
  if (!finite(s.map_h_lo) || !finite(s.map_h_hi) || s.map_h_lo < 0 || s.map_h_hi <= s.map_h_lo)
    return "phase map: need 0 <= h from < h to";
  if (!finite(s.map_lr_lo) || !finite(s.map_lr_hi) || s.map_lr_lo <= 0 ||
      s.map_lr_hi <= s.map_lr_lo)
    return "phase map: need 0 < lr from < lr to";
  if (s.map_cols < 2 || s.map_cols > 400 || s.map_rows < 2 || s.map_rows > 400)
    return "phase map: 2 to 400 cells per side";
  return "";
}

optim::OptimizerConfig config_for(const PlaygroundSettings& s, const std::string& name) {
  optim::OptimizerConfig c;
  c.name = name;
  c.lr = s.lr;
  c.beta1 = s.beta1;
  c.beta2 = s.beta2;
  c.eps = s.eps;
  c.momentum = s.momentum;
  c.rho = s.rho;
  return c;
}

void OptimiserPlayground::save(nlohmann::json& j) const {
  const PlaygroundSettings& s = s_;
  j = {{"L", s.L},
       {"h", s.h},
       {"lr", s.lr},
       {"beta1", s.beta1},
       {"beta2", s.beta2},
       {"eps", s.eps},
       {"x0", s.x0},
       {"momentum", s.momentum},
       {"rho", s.rho},
       {"max_steps", s.max_steps},
       {"traces", s.traces},
       {"map_optimizer", s.map_optimizer},
       {"map_h_lo", s.map_h_lo},
       {"map_h_hi", s.map_h_hi},
       {"map_lr_lo", s.map_lr_lo},
       {"map_lr_hi", s.map_lr_hi},
       {"map_cols", s.map_cols},
       {"map_rows", s.map_rows},
       {"escape_optimizer", s.escape_optimizer},
       {"csv_path", s.csv_path},
       {"plot_png", s.plot_png},
       {"map_png", s.map_png},
       {"speed", speed_}};
}

void OptimiserPlayground::load(const nlohmann::json& j) {
  if (!j.is_object()) return;
  PlaygroundSettings s;
  try {
    s.L = j.value("L", s.L), s.h = j.value("h", s.h), s.lr = j.value("lr", s.lr);
    s.beta1 = j.value("beta1", s.beta1), s.beta2 = j.value("beta2", s.beta2);
    s.eps = j.value("eps", s.eps), s.x0 = j.value("x0", s.x0);
    s.momentum = j.value("momentum", s.momentum), s.rho = j.value("rho", s.rho);
    s.max_steps = j.value("max_steps", s.max_steps);
    s.traces = j.value("traces", s.traces);
    s.map_optimizer = j.value("map_optimizer", s.map_optimizer);
    s.map_h_lo = j.value("map_h_lo", s.map_h_lo), s.map_h_hi = j.value("map_h_hi", s.map_h_hi);
    s.map_lr_lo = j.value("map_lr_lo", s.map_lr_lo),
    s.map_lr_hi = j.value("map_lr_hi", s.map_lr_hi);
    s.map_cols = j.value("map_cols", s.map_cols), s.map_rows = j.value("map_rows", s.map_rows);
    s.escape_optimizer = j.value("escape_optimizer", s.escape_optimizer);
    s.csv_path = j.value("csv_path", s.csv_path), s.plot_png = j.value("plot_png", s.plot_png);
    s.map_png = j.value("map_png", s.map_png);
    speed_ = std::clamp(j.value("speed", speed_), 0.5f, 500.0f);
  } catch (const nlohmann::json::exception&) {
    return;  // a hand-edited file with wrong types: keep the defaults
  }
  const auto& names = optim::optimizer_names();
  std::erase_if(s.traces, [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) == names.end();
  });
  if (!validate(s).empty()) return;
  s_ = edit_ = s;
  reset_traces();
  step_all(10);
}

// [SECTION] Workers (phase map, escape height) ----------------------------------------------

struct OptimiserPlayground::MapWork {
  std::atomic<bool> cancel{false};
  pg::PhaseMap result;  // written by the worker; read once the job is terminal
};
struct OptimiserPlayground::EscapeWork {
  pg::EscapeResult result;
  pg::Trajectory escaped, trapped;
};

namespace {
// Leave a core to the UI thread: the map's OpenMP loop would otherwise take every core.
void limit_worker_threads() {
  omp_set_num_threads(std::max(1, omp_get_num_procs() - 1));
}
}  // namespace

void OptimiserPlayground::start_map() {
  if (map_job_ && !train::is_terminal(map_job_->state())) return;
  map_ = std::make_shared<MapWork>();
  map_settings_ = s_;
  const PlaygroundSettings s = s_;
  auto work = map_;
  map_job_ = std::make_shared<train::Job>(
      "phase map (" + s.map_optimizer + ")", [s, work](train::JobContext& ctx) {
        limit_worker_threads();
        std::vector<double> hs(s.map_cols), lrs(s.map_rows);
        for (int i = 0; i < s.map_cols; ++i)
          hs[i] = s.map_h_lo + (i + 0.5) * (s.map_h_hi - s.map_h_lo) / s.map_cols;
        for (int i = 0; i < s.map_rows; ++i)
          lrs[i] = s.map_lr_lo + (i + 0.5) * (s.map_lr_hi - s.map_lr_lo) / s.map_rows;
        const size_t cells = hs.size() * lrs.size();
        work->result =
            pg::phase_map(config_for(s, s.map_optimizer), s.L, s.x0, hs, lrs, s.max_steps,
                          &work->cancel, [&](double f) {
                            ctx.report_progress(f, std::to_string(static_cast<size_t>(f * cells)) +
                                                       "/" + std::to_string(cells) + " cells");
                          });
        if (work->result.cancelled) throw train::JobCancelled();
      });
  ctx_.jobs().add(map_job_);
}

void OptimiserPlayground::start_escape() {
  if (escape_job_ && !train::is_terminal(escape_job_->state())) return;
  escape_ = std::make_shared<EscapeWork>();
  const PlaygroundSettings s = s_;
  auto work = escape_;
  escape_job_ = std::make_shared<train::Job>(
      "escape height (" + s.escape_optimizer + ")", [s, work](train::JobContext& ctx) {
        const auto config = config_for(s, s.escape_optimizer);
        work->result = pg::escape_height(config, s.L, s.x0, s.max_steps, 1e-6);
        ctx.report_progress(0.9, "boundary trajectories");
        const long n = std::min<long>(s.max_steps, 400);  // enough to show the cycle
        work->escaped = pg::simulate(pg::BumpLoss{s.L, work->result.h_max}, config, s.x0, n);
        work->trapped = pg::simulate(pg::BumpLoss{s.L, work->result.h_trapped}, config, s.x0, n);
        ctx.report_progress(1.0, "done");
      });
  ctx_.jobs().add(escape_job_);
}

void OptimiserPlayground::poll_workers() {
  if (map_job_ && train::is_terminal(map_job_->state())) {
    if (map_job_->state() == train::JobState::finished) {
      map_result_ = std::move(map_->result);
      // Heatmap: columns = h, rows = lr with the largest lr at the top; value = steps to
      // escape, NaN where the walker is trapped (drawn grey).
      const size_t nh = map_result_.hs.size(), nl = map_result_.lrs.size();
      std::vector<float> v(nh * nl);
      for (size_t il = 0; il < nl; ++il)
        for (size_t ih = 0; ih < nh; ++ih) {
          const pg::PhaseCell& c = map_result_.at(ih, il);
          v[(nl - 1 - il) * nh + ih] =
              c.fate == pg::Fate::escaped ? static_cast<float>(c.escape_step) : NAN;
        }
      heatmap_.set_values(static_cast<int>(nh), static_cast<int>(nl), v);
    } else if (map_job_->state() == train::JobState::failed) {
      ctx_.report("phase map: " + map_job_->error_message(), true);
    }
    map_job_.reset();
  }
  if (escape_job_ && train::is_terminal(escape_job_->state())) {
    if (escape_job_->state() == train::JobState::finished) {
      escape_result_ = escape_->result;
      boundary_escaped_ = std::move(escape_->escaped);
      boundary_trapped_ = std::move(escape_->trapped);
      has_escape_ = true;
    } else if (escape_job_->state() == train::JobState::failed) {
      ctx_.report("escape height: " + escape_job_->error_message(), true);
    }
    escape_job_.reset();
  }
}

// [SECTION] Traces: reset, stepping -----------------------------------------------------------

OptimiserPlayground::OptimiserPlayground(AppContext& ctx) : ctx_(ctx) {
  reset_traces();
  step_all(10);  // open on the story's first steps (GD: 0.3, 0.6, 0.9, 1.2, 0.9, ...)
  start_map();   // the default map is cheap and makes the panel useful at once
}

OptimiserPlayground::~OptimiserPlayground() {
  // The jobs may outlive the panel in the status bar's list; make them stop soon.
  if (map_) map_->cancel = true;
  if (map_job_) map_job_->cancel();
  if (escape_job_) escape_job_->cancel();
}

void OptimiserPlayground::reset_traces() {
  traces_.clear();
  step_debt_ = 0;
  const pg::BumpLoss loss{s_.L, s_.h};
  for (size_t i = 0; i < s_.traces.size(); ++i) {
    Trace t;
    t.optimizer = s_.traces[i];
    t.colour = pack_rgba(digit_palette()[i % 10]);
    try {
      auto config = config_for(s_, t.optimizer);
      t.walker = std::make_unique<pg::Walker>(loss, config, s_.x0);
      t.outcome = pg::run_outcome(loss, config, s_.x0, s_.max_steps);
    } catch (const std::exception& e) {
      error_ = t.optimizer + ": " + e.what();
      continue;
    }
    t.rows.push_back(t.walker->current());
    t.ts.push_back(0);
    t.xs.push_back(s_.x0);
    t.losses.push_back(loss.value(s_.x0));
    traces_.push_back(std::move(t));
  }
  selected_ = std::clamp(selected_, 0, std::max(0, static_cast<int>(traces_.size()) - 1));
  // The loss curve over what the walks can reach (a little past the far foot).
  const double x_lo = std::min(0.0, s_.x0) - 0.1 * s_.L, x_hi = s_.L + 2 * s_.h + 0.5 * s_.L;
  curve_x_.clear();
  curve_y_.clear();
  // Exact kinks in the polyline so the bump's tip is sharp.
  for (double x : {x_lo, s_.L, s_.L + s_.h, s_.L + 2 * s_.h, x_hi}) {
    curve_x_.push_back(x);
    curve_y_.push_back(loss.value(x));
  }
}

void OptimiserPlayground::step_all(int n) {
  for (Trace& t : traces_)
    for (int k = 0; k < n && t.walker; ++k) {
      if (t.walker->escaped() || t.walker->t() >= s_.max_steps) break;
      const pg::StepRecord& r = t.walker->step();
      t.rows.push_back(r);
      t.ts.push_back(static_cast<double>(r.t));
      t.xs.push_back(r.x);
      t.losses.push_back(r.loss);
    }
}

// [SECTION] Left column: settings, traces, playback, escape height, exports ----------------

void OptimiserPlayground::draw_settings() {
  ImGui::TextUnformatted("Loss and optimiser");
  bool changed = false;
  changed |= input_double("L", &edit_.L);
  ImGui::SameLine();
  changed |= input_double("h (bump)", &edit_.h);
  changed |= input_double("a (lr)", &edit_.lr);
  ImGui::SameLine();
  changed |= input_double("x0 (start)", &edit_.x0);
  changed |= input_double("beta1", &edit_.beta1);
  ImGui::SameLine();
  changed |= input_double("beta2", &edit_.beta2);
  changed |= input_double("eps", &edit_.eps);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 7);
  changed |= ImGui::InputInt("max steps", &edit_.max_steps, 0, 0);
  if (ImGui::TreeNode("momentum, RMSProp")) {
    changed |= input_double("momentum", &edit_.momentum);
    ImGui::SameLine();
    changed |= input_double("rho", &edit_.rho);
    ImGui::TreePop();
  }
  if (changed) {
    error_ = validate(edit_);
    if (error_.empty()) {
      s_ = edit_;
      reset_traces();
    }
  }
  if (!error_.empty()) ImGui::TextColored(kRed, "Refused: %s", error_.c_str());
  if (ImGui::Button("Defaults")) {
    PlaygroundSettings d;
    d.traces = s_.traces;
    s_ = edit_ = d;
    error_.clear();
    reset_traces();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
    ImGui::TextUnformatted(
        "loss(x) = -x + 2 clamp(x - L, 0, h): slope -1 up to L, +1 on [L, L+h], -1 after.\n\n"
        "Gradient at the kinks: the RIGHT derivative. At x = L (foot of the bump) g = +1: landing "
        "exactly on the foot means standing on the bump and being pushed back. At x = L+h (top) "
        "g = -1: landing exactly on the top means rolling down the far side, so the escaped "
        "heights include their supremum. Positions within 1e-10 (relative) of a kink count as on "
        "it, so 0.9 + 0.3 lands on 1.2 despite rounding. |g| = 1 everywhere.\n\n"
        "Escaped: x reached L + 2h (from there every optimiser keeps going right).");
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

void OptimiserPlayground::draw_traces_list() {
  ImGui::Separator();
  ImGui::TextUnformatted("Traces");
  int remove = -1;
  for (size_t i = 0; i < traces_.size(); ++i) {
    const Trace& t = traces_[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::ColorButton("##c", ImGui::ColorConvertU32ToFloat4(t.colour),
                       ImGuiColorEditFlags_NoTooltip,
                       ImVec2(ImGui::GetFontSize(), ImGui::GetFontSize()));
    ImGui::SameLine();
    if (ImGui::Selectable(t.optimizer.c_str(), selected_ == static_cast<int>(i), 0,
                          ImVec2(ImGui::GetFontSize() * 5, 0)))
      selected_ = static_cast<int>(i);
    ImGui::SameLine();
    if (ImGui::SmallButton("remove")) remove = static_cast<int>(i);
    ImGui::Indent(ImGui::GetFontSize() * 1.6f);
    ImGui::PushTextWrapPos(0);
    ImGui::TextColored(t.outcome.fate == pg::Fate::escaped ? kGreen : kRed, "%s",
                       pg::verdict_text(t.outcome, s_.max_steps).c_str());
    ImGui::PopTextWrapPos();
    ImGui::Unindent(ImGui::GetFontSize() * 1.6f);
    ImGui::PopID();
  }
  if (remove >= 0) {
    s_.traces.erase(s_.traces.begin() + remove);
    edit_.traces = s_.traces;
    reset_traces();
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::BeginCombo("##add", "add trace...")) {
    for (const std::string& n : optim::optimizer_names())
      if (ImGui::Selectable(n.c_str())) {
        s_.traces.push_back(n);
        edit_.traces = s_.traces;
        reset_traces();
        selected_ = static_cast<int>(traces_.size()) - 1;
      }
    ImGui::EndCombo();
  }
}

void OptimiserPlayground::draw_playback() {
  ImGui::Separator();
  if (ImGui::Button(playing_ ? "Pause" : "Play")) playing_ = !playing_;
  ImGui::SameLine();
  if (ImGui::Button("Step")) {
    playing_ = false;
    step_all(1);
  }
  ImGui::SameLine();
  if (ImGui::Button("Reset")) {
    playing_ = false;
    reset_traces();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 9);
  ImGui::SliderFloat("steps/s", &speed_, 0.5f, 500.0f, "%.1f", ImGuiSliderFlags_Logarithmic);
  if (playing_) {
    step_debt_ += ImGui::GetIO().DeltaTime * speed_;
    int n = static_cast<int>(step_debt_);
    step_debt_ -= n;
    step_all(std::min(n, 10000));
  }
  long t = traces_.empty() ? 0 : traces_[0].walker ? traces_[0].walker->t() : 0;
  ImGui::SameLine();
  ImGui::Text("t = %ld", t);
}

void OptimiserPlayground::draw_escape() {
  ImGui::Separator();
  ImGui::TextUnformatted("Escape height (sup of h escaped, bisection to 1e-6)");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::BeginCombo("##esc", s_.escape_optimizer.c_str())) {
    for (const std::string& n : optim::optimizer_names())
      if (ImGui::Selectable(n.c_str(), n == s_.escape_optimizer))
        s_.escape_optimizer = edit_.escape_optimizer = n;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  const bool busy = escape_job_ != nullptr;
  ImGui::BeginDisabled(busy);
  if (ImGui::Button("Compute##esc")) start_escape();
  ImGui::EndDisabled();
  if (busy) {
    ImGui::SameLine();
    ImGui::TextDisabled("computing...");
  }
  if (!has_escape_) return;
  const pg::EscapeResult& r = escape_result_;
  ImGui::Text("%s: h_max = %.9f", boundary_escaped_.config.name.c_str(), r.h_max);
  ImGui::Text("trapped at h = %.9f (escape in %ld steps at h_max)", r.h_trapped, r.escape_step);
  if (!r.note.empty()) ImGui::TextWrapped("%s", r.note.c_str());
  // The trajectories on both sides of the boundary.
  std::vector<double> ta, tb;
  auto xa = boundary_escaped_.xs(), xb = boundary_trapped_.xs();
  for (size_t i = 0; i < xa.size(); ++i) ta.push_back(static_cast<double>(i));
  for (size_t i = 0; i < xb.size(); ++i) tb.push_back(static_cast<double>(i));
  std::string la = "h = " + fmt("%.7f", r.h_max) + " (escapes)";
  std::string lb = "h = " + fmt("%.7f", r.h_trapped) + " (trapped)";
  PlotSeries ser[] = {{lb, tb, xb, IM_COL32(214, 39, 40, 255), 1.5f},
                      {la, ta, xa, IM_COL32(44, 160, 44, 255), 1.5f}};
  double x_hi = s_.L + 2 * r.h_trapped + 0.3;
  size_t n = std::max(xa.size(), xb.size());
  PlotOptions o{"t", "x"};
  o.x_min = 0, o.x_max = static_cast<double>(std::min<size_t>(n, 60)), o.y_max = x_hi;
  line_plot("boundary", ser, o, ImVec2(0, ImGui::GetFontSize() * 12));
}

void OptimiserPlayground::export_csv() {
  if (traces_.empty()) {
    export_msg_ = "no trace to export", export_failed_ = true;
    return;
  }
  const Trace& t = traces_[selected_];
  const std::string csv = pg::trajectory_csv(t.optimizer, t.rows);
  try {
    write_file_atomic(s_.csv_path, csv);
    export_msg_ = "wrote " + std::to_string(t.rows.size()) + " rows to " + s_.csv_path;
    export_failed_ = false;
  } catch (const std::exception& e) {
    export_msg_ = e.what(), export_failed_ = true;
  }
}

void OptimiserPlayground::draw_exports() {
  ImGui::Separator();
  ImGui::TextUnformatted("Export");
  auto path_field = [](const char* label, std::string& path) {
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s", path.c_str());
    ImGui::SetNextItemWidth(ImGui::GetFontSize() * 16);
    if (ImGui::InputText(label, buf, sizeof buf)) path = buf;
  };
  path_field("##csv", s_.csv_path);
  ImGui::SameLine();
  if (ImGui::Button("Trajectory CSV")) export_csv();
  path_field("##plot", s_.plot_png);
  ImGui::SameLine();
  auto done = [this](const std::string& what, const std::string& path) {
    return [this, what, path](const std::string& err) {
      export_failed_ = !err.empty();
      export_msg_ = err.empty() ? "wrote " + what + " to " + path : err;
    };
  };
  if (ImGui::Button("Plots PNG"))
    ctx_.request_capture(plot_min_, plot_max_, s_.plot_png, done("the plots", s_.plot_png));
  path_field("##map", s_.map_png);
  ImGui::SameLine();
  if (ImGui::Button("Map PNG")) {
    if (heatmap_.empty())
      export_msg_ = "no phase map computed yet", export_failed_ = true;
    else
      ctx_.request_capture(map_min_, map_max_, s_.map_png, done("the phase map", s_.map_png));
  }
  edit_.csv_path = s_.csv_path, edit_.plot_png = s_.plot_png, edit_.map_png = s_.map_png;
  if (!export_msg_.empty())
    ImGui::TextColored(export_failed_ ? kRed : kGreen, "%s", export_msg_.c_str());
}

// [SECTION] Right column: plots, step table, phase map ----------------------------------------

void OptimiserPlayground::draw_plots(float w, float h) {
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const float half = (w - ImGui::GetStyle().ItemSpacing.x) / 2;
  std::vector<PlotSeries> ser;
  PlotSeries curve{"", curve_x_, curve_y_, IM_COL32(150, 150, 150, 255), 2.0f};
  curve.hoverable = false;
  ser.push_back(curve);
  for (const Trace& t : traces_) {
    PlotSeries p{t.optimizer, t.xs, t.losses, t.colour, 1.0f};
    p.markers = true;
    p.marker_radius = 2.5f;
    ser.push_back(p);
  }
  PlotOptions o{"x", "loss"};
  PlotFrame f = line_plot("loss", ser, o, ImVec2(half, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  for (const Trace& t : traces_)  // the current position of each walker
    dl->AddCircle(f.to_px(t.xs.back(), t.losses.back()), 6, t.colour, 16, 2.5f);

  ImGui::SameLine();
  ser.clear();
  double t_max = 20;
  for (const Trace& t : traces_) {
    ser.push_back(PlotSeries{t.optimizer, t.ts, t.xs, t.colour, 1.5f});
    ser.back().markers = t.xs.size() < 80;
    ser.back().marker_radius = 2.0f;
    t_max = std::max(t_max, t.ts.back());
  }
  PlotOptions ox{"t", "x"};
  ox.x_min = 0, ox.x_max = t_max;
  ox.y_min = std::min(0.0, s_.x0) - 0.05, ox.y_max = s_.L + 2 * s_.h + 0.2;
  PlotFrame fx = line_plot("x_of_t", ser, ox, ImVec2(half, h));
  // The bump's landmarks as dashed-looking faint lines: foot, top, far foot.
  const double marks[] = {s_.L, s_.L + s_.h, s_.L + 2 * s_.h};
  const char* names[] = {"L", "L+h", "L+2h"};
  for (int i = 0; i < 3; ++i) {
    float y = fx.y.to_px(marks[i]);
    dl->AddLine(ImVec2(fx.min.x, y), ImVec2(fx.max.x, y), IM_COL32(255, 255, 255, 60));
    dl->AddText(ImVec2(fx.min.x + 4, y - ImGui::GetFontSize()), IM_COL32(255, 255, 255, 120),
                names[i]);
  }
  plot_min_ = start;
  plot_max_ = ImVec2(start.x + w, start.y + h);
}

void OptimiserPlayground::draw_table(float w, float h) {
  ImGui::BeginGroup();
  if (traces_.empty()) {
    ImGui::TextDisabled("no traces: add one on the left");
    ImGui::EndGroup();
    return;
  }
  const Trace& t = traces_[selected_];
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(t.colour), "%s", t.optimizer.c_str());
  ImGui::SameLine();
  ImGui::Text("step by step (row t: g = gradient at x_{t-1}, state after update t)");
  std::vector<const char*> names;
  for (const auto& sv : t.rows.back().state) names.push_back(sv.name);
  const int cols = 4 + static_cast<int>(names.size());
  ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                          ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersV |
                          ImGuiTableFlags_SizingStretchSame;
  if (ImGui::BeginTable("steps", cols, flags, ImVec2(w, h - ImGui::GetFrameHeightWithSpacing()))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("t", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 3);
    ImGui::TableSetupColumn("x");
    ImGui::TableSetupColumn("g");
    ImGui::TableSetupColumn("loss");
    for (const char* n : names) ImGui::TableSetupColumn(n);
    ImGui::TableHeadersRow();
    ImGuiListClipper clip;
    clip.Begin(static_cast<int>(t.rows.size()));
    while (clip.Step())
      for (int i = clip.DisplayStart; i < clip.DisplayEnd; ++i) {
        const pg::StepRecord& r = t.rows[i];
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::Text("%ld", r.t);
        ImGui::TableNextColumn();
        ImGui::Text("%.6f", r.x);
        ImGui::TableNextColumn();
        if (std::isnan(r.g))
          ImGui::TextDisabled("-");
        else
          ImGui::Text("%+.0f", r.g);
        ImGui::TableNextColumn();
        ImGui::Text("%.6f", r.loss);
        for (size_t k = 0; k < names.size(); ++k) {
          ImGui::TableNextColumn();
          if (k < r.state.size()) ImGui::Text("%.6g", r.state[k].value);
        }
      }
    if (playing_) ImGui::SetScrollHereY(1.0f);
    ImGui::EndTable();
  }
  ImGui::EndGroup();
}

void OptimiserPlayground::draw_map(float w, float h) {
  ImGui::BeginGroup();
  const float fs = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(fs * 6);
  if (ImGui::BeginCombo("##mapopt", edit_.map_optimizer.c_str())) {
    for (const std::string& n : optim::optimizer_names())
      if (ImGui::Selectable(n.c_str(), n == edit_.map_optimizer)) edit_.map_optimizer = n;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5.5f);
  ImGui::InputDouble("##hlo", &edit_.map_h_lo, 0, 0, "h %.3g");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5.5f);
  ImGui::InputDouble("##hhi", &edit_.map_h_hi, 0, 0, "to %.3g");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5.5f);
  ImGui::InputDouble("##llo", &edit_.map_lr_lo, 0, 0, "lr %.3g");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(fs * 5.5f);
  ImGui::InputDouble("##lhi", &edit_.map_lr_hi, 0, 0, "to %.3g");
  int cells[2] = {edit_.map_cols, edit_.map_rows};
  ImGui::SetNextItemWidth(fs * 6);
  if (ImGui::InputInt2("cells", cells)) edit_.map_cols = cells[0], edit_.map_rows = cells[1];
  const bool busy = map_job_ != nullptr;
  ImGui::BeginDisabled(busy);
  if (ImGui::Button("Compute map")) {
    PlaygroundSettings next = s_;
    next.map_optimizer = edit_.map_optimizer;
    next.map_h_lo = edit_.map_h_lo, next.map_h_hi = edit_.map_h_hi;
    next.map_lr_lo = edit_.map_lr_lo, next.map_lr_hi = edit_.map_lr_hi;
    next.map_cols = edit_.map_cols, next.map_rows = edit_.map_rows;
    error_ = validate(next);
    if (error_.empty()) {
      s_ = next;
      start_map();
    }
  }
  ImGui::EndDisabled();
  ImGui::SameLine();
  if (busy) {
    if (ImGui::Button("Cancel")) {
      map_->cancel = true;
      map_job_->cancel();
    }
    ImGui::SameLine();
    ImGui::ProgressBar(static_cast<float>(map_job_->progress()), ImVec2(fs * 8, 0));
    ImGui::SameLine();
  }
  ImGui::Checkbox("log colour", &map_log_);
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "colour: steps to escape; grey: trapped or undecided\nwhite ring: the current h and "
        "lr\nclick a cell to use its h and lr");

  const PlaygroundSettings& ms = map_settings_;
  HeatmapAxes ax{"h (bump height)", "learning rate", ms.map_h_lo, ms.map_h_hi,
                 ms.map_lr_lo,      ms.map_lr_hi,    map_log_};
  const ImVec2 start = ImGui::GetCursorScreenPos();
  const float mh =
      h - (ImGui::GetCursorScreenPos().y - plot_max_.y) + ImGui::GetStyle().ItemSpacing.y;
  HeatmapHover hv = heatmap_.draw("map", ax, ImVec2(w, std::max(mh, fs * 8)));
  map_min_ = start;
  map_max_ = ImVec2(start.x + w, start.y + std::max(mh, fs * 8));
  if (!heatmap_.empty()) {  // where the current settings sit on the map
    const float px =
        hv.min.x + static_cast<float>((s_.h - ms.map_h_lo) / (ms.map_h_hi - ms.map_h_lo)) *
                       (hv.max.x - hv.min.x);
    const float py =
        hv.max.y - static_cast<float>((s_.lr - ms.map_lr_lo) / (ms.map_lr_hi - ms.map_lr_lo)) *
                       (hv.max.y - hv.min.y);
    if (px >= hv.min.x && px <= hv.max.x && py >= hv.min.y && py <= hv.max.y) {
      ImDrawList* dl = ImGui::GetWindowDrawList();
      dl->AddCircle(ImVec2(px, py), 6, IM_COL32(0, 0, 0, 255), 16, 3.5f);
      dl->AddCircle(ImVec2(px, py), 6, IM_COL32_WHITE, 16, 1.5f);
    }
  }
  if (hv.hovered && !map_result_.cells.empty()) {
    const size_t nl = map_result_.lrs.size();
    const size_t ih = static_cast<size_t>(hv.col), il = nl - 1 - static_cast<size_t>(hv.row);
    const pg::PhaseCell& c = map_result_.at(ih, il);
    ImGui::BeginTooltip();
    ImGui::Text("h = %.4g, lr = %.4g (%s)", map_result_.hs[ih], map_result_.lrs[il],
                ms.map_optimizer.c_str());
    if (c.fate == pg::Fate::escaped)
      ImGui::TextColored(kGreen, "escaped at step %ld", c.escape_step);
    else
      ImGui::TextColored(kRed, "%s", c.computed ? pg::fate_name(c.fate) : "not computed");
    ImGui::TextDisabled("click: use this h and lr");
    ImGui::EndTooltip();
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      edit_.h = map_result_.hs[ih], edit_.lr = map_result_.lrs[il];
      if (validate(edit_).empty()) {
        PlaygroundSettings next = s_;
        next.h = edit_.h, next.lr = edit_.lr;
        s_ = next;
        reset_traces();
      }
    }
  }
  ImGui::EndGroup();
}

// [SECTION] draw ------------------------------------------------------------------------------

void OptimiserPlayground::draw() {
  poll_workers();
  const float fs = ImGui::GetFontSize();
  const float left_w = fs * 31;
  ImGui::BeginChild("controls", ImVec2(left_w, 0), false);
  draw_settings();
  draw_traces_list();
  draw_playback();
  draw_escape();
  draw_exports();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("views", ImVec2(0, 0), false);
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float top_h = std::max(fs * 12, avail.y * 0.5f);
  draw_plots(avail.x, top_h);
  const float bottom_h = ImGui::GetContentRegionAvail().y;
  const float table_w = (avail.x - ImGui::GetStyle().ItemSpacing.x) * 0.45f;
  draw_table(table_w, bottom_h);
  ImGui::SameLine();
  draw_map(ImGui::GetContentRegionAvail().x, bottom_h);
  ImGui::EndChild();
}

}  // namespace aelab::app
