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

#include "app/export.hpp"
#include "app/settings.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/error.hpp"
#include "playground/trajectory_text.hpp"
#include "train/job.hpp"

namespace aelab::app {

namespace pg = aelab::playground;

namespace {
const ImVec4 kRed(1.0f, 0.38f, 0.33f, 1.0f);
const ImVec4 kGreen(0.45f, 0.85f, 0.45f, 1.0f);
const ImVec4 kStale(0.95f, 0.8f, 0.3f, 1.0f);

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string num(double v) {
  return fmt("%g", v);
}

// SameLine when an item `w` pixels wide still fits left of the window's right edge.

// The width a number field with `label` takes (input + label).
float field_width(const char* label, float input_w) {
  return input_w + ImGui::GetStyle().ItemInnerSpacing.x +
         ImGui::CalcTextSize(label, nullptr, true).x;
}
}  // namespace

// The optimiser and the hyper-parameters it uses.
static std::string optimizer_text(const PlaygroundSettings& s, const std::string& name) {
  std::string t = name + "  lr " + num(s.lr);
  if (name == "adam" || name == "adamw" || name == "amsgrad")
    t += "  beta1 " + num(s.beta1) + "  beta2 " + num(s.beta2) + "  eps " + num(s.eps);
  else if (name == "momentum" || name == "nesterov")
    t += "  momentum " + num(s.momentum);
  else if (name == "rmsprop")
    t += "  rho " + num(s.rho) + "  eps " + num(s.eps);
  else if (name == "adagrad")
    t += "  eps " + num(s.eps);
  return t;
}
namespace {}  // namespace

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

std::string escape_inputs(const PlaygroundSettings& s) {
  return optimizer_text(s, s.escape_optimizer) + "  L " + num(s.L) + "  x0 " + num(s.x0) + "  " +
         std::to_string(s.max_steps) + " steps";
}

std::string map_inputs(const PlaygroundSettings& s) {
  std::string t = optimizer_text(s, s.map_optimizer);
  // The map's lr axis replaces the lr setting.
  const size_t lr = t.find("  lr ");
  const size_t end = t.find("  ", lr + 5);
  t.erase(lr, end == std::string::npos ? std::string::npos : end - lr);
  return t + "  L " + num(s.L) + "  x0 " + num(s.x0) + "  " + std::to_string(s.max_steps) +
         " steps  h " + num(s.map_h_lo) + "-" + num(s.map_h_hi) + "  lr " + num(s.map_lr_lo) + "-" +
         num(s.map_lr_hi) + "  " + std::to_string(s.map_cols) + "x" + std::to_string(s.map_rows) +
         " cells";
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
    speed_ = std::clamp(j.value("speed", speed_), 0.5f, 500.0f);
  } catch (const nlohmann::json::exception&) {
    return;  // a hand-edited file with wrong types: keep the defaults
  }
  const auto& names = optim::optimizer_names();
  std::erase_if(s.traces, [&](const std::string& n) {
    return std::find(names.begin(), names.end(), n) == names.end();
  });
  if (!validate(s).empty()) return;
  s_ = s;
  map_optimizer_edit_ = s.map_optimizer;
  sync_fields();
  reset_traces();
  step_all(10);
  start_map();  // the map of the loaded settings, not the defaults' map started at construction
}

void OptimiserPlayground::sync_fields() {
  L_.set_value(s_.L), h_.set_value(s_.h), lr_.set_value(s_.lr), x0_.set_value(s_.x0);
  beta1_.set_value(s_.beta1), beta2_.set_value(s_.beta2), eps_.set_value(s_.eps);
  momentum_.set_value(s_.momentum), rho_.set_value(s_.rho);
  max_steps_.set_value(s_.max_steps);
  map_h_lo_.set_value(s_.map_h_lo), map_h_hi_.set_value(s_.map_h_hi);
  map_lr_lo_.set_value(s_.map_lr_lo), map_lr_hi_.set_value(s_.map_lr_hi);
  map_cols_.set_value(s_.map_cols), map_rows_.set_value(s_.map_rows);
}

void OptimiserPlayground::apply_fields() {
  PlaygroundSettings next = s_;
  next.L = L_.value, next.h = h_.value, next.lr = lr_.value, next.x0 = x0_.value;
  next.beta1 = beta1_.value, next.beta2 = beta2_.value, next.eps = eps_.value;
  next.momentum = momentum_.value, next.rho = rho_.value;
  next.max_steps = static_cast<int>(max_steps_.value);
  error_ = validate(next);
  if (!error_.empty()) return;
  s_ = next;
  reset_traces();
}

PlaygroundSettings OptimiserPlayground::map_candidate() const {
  PlaygroundSettings next = s_;
  next.map_optimizer = map_optimizer_edit_;
  next.map_h_lo = map_h_lo_.value, next.map_h_hi = map_h_hi_.value;
  next.map_lr_lo = map_lr_lo_.value, next.map_lr_hi = map_lr_hi_.value;
  next.map_cols = static_cast<int>(map_cols_.value);
  next.map_rows = static_cast<int>(map_rows_.value);
  return next;
}

// [SECTION] Workers (phase map, escape height) ----------------------------------------------

namespace {
// Leave a core to the UI thread: the map's OpenMP loop would otherwise take every core.
void limit_worker_threads() {
  omp_set_num_threads(std::max(1, omp_get_num_procs() - 1));
}
}  // namespace

void OptimiserPlayground::start_map() {
  const PlaygroundSettings s = s_;
  map_settings_ = s;
  map_.start(ctx_.jobs(), "phase map (" + s.map_optimizer + ")", map_inputs(s),
             [s](train::JobContext& ctx) {
               limit_worker_threads();
               std::vector<double> hs(s.map_cols), lrs(s.map_rows);
               for (int i = 0; i < s.map_cols; ++i)
                 hs[i] = s.map_h_lo + (i + 0.5) * (s.map_h_hi - s.map_h_lo) / s.map_cols;
               for (int i = 0; i < s.map_rows; ++i)
                 lrs[i] = s.map_lr_lo + (i + 0.5) * (s.map_lr_hi - s.map_lr_lo) / s.map_rows;
               const size_t cells = hs.size() * lrs.size();
               std::atomic<bool> cancel{false};
               pg::PhaseMap m = pg::phase_map(
                   config_for(s, s.map_optimizer), s.L, s.x0, hs, lrs, s.max_steps, &cancel,
                   [&](double f) {
                     if (ctx.cancel_requested()) cancel = true;
                     ctx.report_progress(f, std::to_string(static_cast<size_t>(f * cells)) + "/" +
                                                std::to_string(cells) + " cells");
                   });
               if (m.cancelled) throw train::JobCancelled();
               return m;
             });
}

void OptimiserPlayground::start_escape() {
  const PlaygroundSettings s = s_;
  escape_.start(
      ctx_.jobs(), "escape height (" + s.escape_optimizer + ")", escape_inputs(s),
      [s](train::JobContext& ctx) {
        const auto config = config_for(s, s.escape_optimizer);
        EscapeOut out;
        out.result = pg::escape_height(config, s.L, s.x0, s.max_steps, 1e-6);
        ctx.report_progress(0.9, "boundary trajectories");
        const long n = std::min<long>(s.max_steps, 400);  // enough to show the cycle
        out.escaped = pg::simulate(pg::BumpLoss{s.L, out.result.h_max}, config, s.x0, n);
        out.trapped = pg::simulate(pg::BumpLoss{s.L, out.result.h_trapped}, config, s.x0, n);
        ctx.report_progress(1.0, "done");
        return out;
      });
}

void OptimiserPlayground::poll_workers() {
  if (map_.poll()) {
    if (const pg::PhaseMap* m = map_.result()) {
      // Heatmap: columns = h, rows = lr with the largest lr at the top; value = steps to
      // escape, NaN where the walker is trapped (drawn grey).
      const size_t nh = m->hs.size(), nl = m->lrs.size();
      std::vector<float> v(nh * nl);
      for (size_t il = 0; il < nl; ++il)
        for (size_t ih = 0; ih < nh; ++ih) {
          const pg::PhaseCell& c = m->at(ih, il);
          v[(nl - 1 - il) * nh + ih] =
              c.fate == pg::Fate::escaped ? static_cast<float>(c.escape_step) : NAN;
        }
      heatmap_.set_values(static_cast<int>(nh), static_cast<int>(nl), v);
    }
  }
  escape_.poll();
}

// [SECTION] Traces: reset, stepping -----------------------------------------------------------

OptimiserPlayground::OptimiserPlayground(AppContext& ctx)
    : ctx_(ctx),
      L_{1, DoubleRule::positive()},
      h_{0.5, DoubleRule::at_least(0)},
      lr_{0.3, DoubleRule::positive()},
      x0_{0},
      beta1_{0.9, DoubleRule::in_half_open(0, 1)},
      beta2_{0.999, DoubleRule::in_half_open(0, 1)},
      eps_{0, DoubleRule::at_least(0)},
      momentum_{0.9, DoubleRule::in_half_open(0, 1)},
      rho_{0.9, DoubleRule::in_half_open(0, 1)},
      max_steps_{2000, IntRule::integer_in(1, 1000000)},
      map_h_lo_{0, DoubleRule::at_least(0)},
      map_h_hi_{1.5, DoubleRule::positive()},
      map_lr_lo_{0.02, DoubleRule::positive()},
      map_lr_hi_{0.6, DoubleRule::positive()},
      map_cols_{60, IntRule::integer_in(2, 400)},
      map_rows_{40, IntRule::integer_in(2, 400)} {
  sync_fields();
  reset_traces();
  step_all(10);  // open on the story's first steps (GD: 0.3, 0.6, 0.9, 1.2, 0.9, ...)
  start_map();   // the default map is cheap and makes the panel useful at once
}

// The slots cancel their jobs (which may outlive the panel in the status bar's list).
OptimiserPlayground::~OptimiserPlayground() = default;

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
  const float fw = ImGui::GetFontSize() * 6;
  bool changed = false, first = true;
  auto field = [&](const char* label, auto& f, const char* key = nullptr) {
    if (!first) same_line_if_fits(field_width(label, fw));
    first = false;
    changed |= number_field(label, f, fw);
    if (key) ctx_.note_item(key);
  };
  field("L", L_);
  field("h (bump)", h_, "playground:h");
  field("a (lr)", lr_, "playground:lr");
  field("x0 (start)", x0_);
  field("beta1", beta1_);
  field("beta2", beta2_);
  field("eps", eps_);
  field("max steps", max_steps_);
  if (ImGui::TreeNode("momentum, RMSProp")) {
    first = true;
    field("momentum", momentum_);
    field("rho", rho_);
    ImGui::TreePop();
  }
  if (changed) apply_fields();
  if (!error_.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kRed);
    text_wrapped("Refused: %s", error_.c_str());
    ImGui::PopStyleColor();
  }
  if (ImGui::Button("Defaults")) {
    PlaygroundSettings d;
    d.traces = s_.traces;
    d.escape_optimizer = s_.escape_optimizer;
    d.map_optimizer = s_.map_optimizer;
    d.map_h_lo = s_.map_h_lo, d.map_h_hi = s_.map_h_hi, d.map_lr_lo = s_.map_lr_lo;
    d.map_lr_hi = s_.map_lr_hi, d.map_cols = s_.map_cols, d.map_rows = s_.map_rows;
    s_ = d;
    sync_fields();
    error_.clear();
    reset_traces();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    push_text_wrap(ImGui::GetFontSize() * 32);
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
    push_text_wrap(0);
    ImGui::TextColored(t.outcome.fate == pg::Fate::escaped ? kGreen : kRed, "%s",
                       pg::verdict_text(t.outcome, s_.max_steps).c_str());
    ImGui::PopTextWrapPos();
    ImGui::Unindent(ImGui::GetFontSize() * 1.6f);
    ImGui::PopID();
  }
  if (remove >= 0) {
    s_.traces.erase(s_.traces.begin() + remove);
    reset_traces();
  }
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::BeginCombo("##add", "add trace...")) {
    for (const std::string& n : optim::optimizer_names())
      if (ImGui::Selectable(n.c_str())) {
        s_.traces.push_back(n);
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
  text_wrapped("Escape height (sup of h escaped, bisection to 1e-6)");
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::BeginCombo("##esc", s_.escape_optimizer.c_str())) {
    for (const std::string& n : optim::optimizer_names())
      if (ImGui::Selectable(n.c_str(), n == s_.escape_optimizer)) s_.escape_optimizer = n;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  const bool busy = escape_.running();
  ImGui::BeginDisabled(busy || !error_.empty());
  if (ImGui::Button("Compute##esc")) start_escape();
  ctx_.note_item("playground:escape-compute");
  ImGui::EndDisabled();
  if (busy) {
    ImGui::SameLine();
    ImGui::TextDisabled("computing...");
  }
  if (!escape_.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kRed);
    text_wrapped("failed (%s): %s", escape_.error_inputs().c_str(), escape_.error().c_str());
    ImGui::PopStyleColor();
  }
  const EscapeOut* out = escape_.result();
  if (!out) return;
  const std::string now = escape_inputs(s_);
  const bool stale = escape_.stale(now);
  push_text_wrap(0);
  ImGui::TextDisabled("for %s", escape_.inputs().c_str());
  if (stale) {
    ImGui::TextColored(kStale, "stale: the settings are now %s. Compute again.", now.c_str());
    ctx_.note_item("playground:escape-stale");
  }
  const pg::EscapeResult& r = out->result;
  ImGui::BeginDisabled(stale);
  ImGui::Text("%s: h_max = %.9f", out->escaped.config.name.c_str(), r.h_max);
  ctx_.note_item("playground:escape-result");
  ImGui::Text("trapped at h = %.9f (escape in %ld steps at h_max)", r.h_trapped, r.escape_step);
  if (!r.note.empty()) ImGui::TextUnformatted(r.note.c_str());
  ImGui::EndDisabled();
  ImGui::PopTextWrapPos();
  // The trajectories on both sides of the boundary.
  std::vector<double> ta, tb;
  auto xa = out->escaped.xs(), xb = out->trapped.xs();
  for (size_t i = 0; i < xa.size(); ++i) ta.push_back(static_cast<double>(i));
  for (size_t i = 0; i < xb.size(); ++i) tb.push_back(static_cast<double>(i));
  std::string la = "h = " + fmt("%.7f", r.h_max) + " (escapes)";
  std::string lb = "h = " + fmt("%.7f", r.h_trapped) + " (trapped)";
  PlotSeries ser[] = {{lb, tb, xb, IM_COL32(214, 39, 40, 255), 1.5f},
                      {la, ta, xa, IM_COL32(44, 160, 44, 255), 1.5f}};
  double x_hi = out->escaped.loss.L + 2 * r.h_trapped + 0.3;
  size_t n = std::max(xa.size(), xb.size());
  PlotOptions o{"t", "x"};
  o.x_min = 0, o.x_max = static_cast<double>(std::min<size_t>(n, 60)), o.y_max = x_hi;
  line_plot("boundary", ser, o,
            ImVec2(ImGui::GetContentRegionAvail().x, ImGui::GetFontSize() * 12));
}

void OptimiserPlayground::export_csv() {
  if (traces_.empty()) {
    ctx_.report("no trace to export", true);
    return;
  }
  const Trace& t = traces_[selected_];
  report_export(ctx_, export_text(pg::trajectory_csv(t.optimizer, t.rows),
                                  "bump-trajectory-" + t.optimizer, "csv"));
}

void OptimiserPlayground::draw_exports() {
  ImGui::Separator();
  ImGui::TextUnformatted("Export");
  ImGui::SameLine();
  if (ImGui::Button("Trajectory CSV")) export_csv();
  const float pad = ImGui::GetStyle().FramePadding.x * 2;
  same_line_if_fits(ImGui::CalcTextSize("Plots PNG").x + pad);
  if (ImGui::Button("Plots PNG")) export_png(ctx_, ScreenRect{plot_min_, plot_max_}, "bump-plots");
  same_line_if_fits(ImGui::CalcTextSize("Map PNG").x + pad);
  ImGui::BeginDisabled(heatmap_.empty() || !map_.result());
  if (ImGui::Button("Map PNG"))
    export_png(ctx_, heatmap_.last_rect(), "phase-map-" + map_settings_.map_optimizer);
  ImGui::EndDisabled();
  push_text_wrap(0);
  ImGui::TextDisabled("(into %s)", default_export_dir().string().c_str());
  ImGui::PopTextWrapPos();
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
  const float top = ImGui::GetCursorScreenPos().y;
  if (traces_.empty()) {
    ImGui::TextDisabled("no traces: add one on the left");
    ImGui::EndGroup();
    return;
  }
  const Trace& t = traces_[selected_];
  const float x0 = ImGui::GetCursorPosX();
  push_text_wrap(x0 + w);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(t.colour), "%s", t.optimizer.c_str());
  ImGui::SameLine();
  text_wrapped("step by step (row t: g = gradient at x_{t-1}, state after update t)");
  ImGui::PopTextWrapPos();
  std::vector<const char*> names;
  for (const auto& sv : t.rows.back().state) names.push_back(sv.name);
  const int cols = 4 + static_cast<int>(names.size());
  ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                          ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersV |
                          ImGuiTableFlags_ScrollX | ImGuiTableFlags_SizingFixedFit;
  const float table_h =
      std::max(ImGui::GetFontSize() * 6, h - (ImGui::GetCursorScreenPos().y - top));
  if (ImGui::BeginTable("steps", cols, flags, ImVec2(w, table_h))) {
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
  const ImVec2 top = ImGui::GetCursorScreenPos();
  const float fs = ImGui::GetFontSize();
  const float fw = fs * 4.5f;
  // The controls wrap inside w (the group is narrower than the window in the wide layout).
  const float right = top.x + w;
  auto fits = [&](float item_w) {
    const float x = ImGui::GetItemRectMax().x + ImGui::GetStyle().ItemSpacing.x;
    if (x + item_w <= right) ImGui::SameLine();
  };
  ImGui::SetNextItemWidth(fs * 6);
  if (ImGui::BeginCombo("##mapopt", map_optimizer_edit_.c_str())) {
    for (const std::string& n : optim::optimizer_names())
      if (ImGui::Selectable(n.c_str(), n == map_optimizer_edit_)) map_optimizer_edit_ = n;
    ImGui::EndCombo();
  }
  ctx_.note_item("playground:map-optimizer");
  struct F {
    const char* label;
    DoubleField* d;
    IntField* i;
  };
  const F fields[] = {{"h min", &map_h_lo_, nullptr},   {"h max", &map_h_hi_, nullptr},
                      {"lr min", &map_lr_lo_, nullptr}, {"lr max", &map_lr_hi_, nullptr},
                      {"cols", nullptr, &map_cols_},    {"rows", nullptr, &map_rows_}};
  bool changed = false;
  for (const F& f : fields) {
    fits(field_width(f.label, fw));
    changed |= f.d ? number_field(f.label, *f.d, fw) : number_field(f.label, *f.i, fw);
  }
  const PlaygroundSettings next = map_candidate();
  if (changed) map_error_ = validate(next);
  const bool fields_ok =
      all_valid(map_h_lo_, map_h_hi_, map_lr_lo_, map_lr_hi_, map_cols_, map_rows_) &&
      error_.empty() && map_error_.empty();
  const bool busy = map_.running();
  fits(fs * 7);
  ImGui::BeginDisabled(busy || !fields_ok);
  if (ImGui::Button("Compute map")) {
    map_error_ = validate(next);
    if (map_error_.empty()) {
      s_ = next;
      start_map();
    }
  }
  ctx_.note_item("playground:map-compute");
  ImGui::EndDisabled();
  if (busy) {
    fits(ImGui::CalcTextSize("Cancel").x + 2 * ImGui::GetStyle().FramePadding.x +
         ImGui::GetStyle().ItemSpacing.x + fs * 6);  // the button and its progress bar
    if (ImGui::Button("Cancel")) map_.cancel();
    ImGui::SameLine();
    ImGui::ProgressBar(static_cast<float>(map_.progress()), ImVec2(fs * 6, 0));
  }
  // The checkbox and its "(?)" stay on one line.
  const ImGuiStyle& st = ImGui::GetStyle();
  fits(ImGui::GetFrameHeight() + st.ItemInnerSpacing.x + ImGui::CalcTextSize("log colour").x +
       st.ItemSpacing.x + ImGui::CalcTextSize("(?)").x);
  ImGui::Checkbox("log colour", &map_log_);
  ImGui::SameLine();
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "colour: steps to escape; grey: trapped or undecided\nwhite ring: the current h and "
        "lr\nclick a cell to use its h and lr");
  push_text_wrap(right - ImGui::GetWindowPos().x);
  if (!map_error_.empty()) ImGui::TextColored(kRed, "Refused: %s", map_error_.c_str());
  if (!map_.error().empty())
    ImGui::TextColored(kRed, "phase map failed (%s): %s", map_.error_inputs().c_str(),
                       map_.error().c_str());
  const pg::PhaseMap* m = map_.result();
  const std::string now = map_inputs(next);
  if (m) {
    ImGui::TextDisabled("map of %s", map_.inputs().c_str());
    if (map_.stale(now)) {
      ImGui::TextColored(kStale, "stale: the settings are now %s. Compute map again.", now.c_str());
      ctx_.note_item("playground:map-stale");
    }
  } else if (!busy) {
    ImGui::TextDisabled("no phase map yet: Compute map");
  }
  ImGui::PopTextWrapPos();
  if (!m) {
    ImGui::EndGroup();
    return;
  }
  const PlaygroundSettings& ms = map_settings_;
  HeatmapAxes ax{"h (bump height)", "learning rate", ms.map_h_lo, ms.map_h_hi,
                 ms.map_lr_lo,      ms.map_lr_hi,    map_log_};
  const float used = ImGui::GetCursorScreenPos().y - top.y;
  const float mh = std::max(h - used, fs * 8);
  HeatmapHover hv = heatmap_.draw("map", ax, ImVec2(w, mh));
  {  // where the current settings sit on the map
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
  if (hv.hovered && hv.col >= 0 && hv.row >= 0 && !m->cells.empty()) {
    const size_t nl = m->lrs.size();
    const size_t ih = static_cast<size_t>(hv.col), il = nl - 1 - static_cast<size_t>(hv.row);
    const pg::PhaseCell& c = m->at(ih, il);
    ImGui::BeginTooltip();
    ImGui::Text("h = %.4g, lr = %.4g (%s)", m->hs[ih], m->lrs[il], ms.map_optimizer.c_str());
    if (c.fate == pg::Fate::escaped)
      ImGui::TextColored(kGreen, "escaped at step %ld", c.escape_step);
    else
      ImGui::TextColored(kRed, "%s", c.computed ? pg::fate_name(c.fate) : "not computed");
    ImGui::TextDisabled("click: use this h and lr");
    ImGui::EndTooltip();
    if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
      h_.set_value(m->hs[ih]);
      lr_.set_value(m->lrs[il]);
      apply_fields();
    }
  }
  ImGui::EndGroup();
}

// [SECTION] draw ------------------------------------------------------------------------------

void OptimiserPlayground::draw() {
  poll_workers();
  if (playing_) ctx_.request_frame(0);
  const float fs = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  if (avail.x < fs * 62) {
    // Narrow (a split pane): one column that scrolls.
    draw_settings();
    draw_traces_list();
    draw_playback();
    draw_escape();
    draw_exports();
    ImGui::Separator();
    const float w = ImGui::GetContentRegionAvail().x;
    draw_plots(w, fs * 14);
    draw_table(w, fs * 14);
    draw_map(w, fs * 22);
    return;
  }
  const float left_w = std::min(fs * 31, avail.x * 0.4f);
  ImGui::BeginChild("controls", ImVec2(left_w, 0), false);
  draw_settings();
  draw_traces_list();
  draw_playback();
  draw_escape();
  draw_exports();
  ImGui::EndChild();
  ImGui::SameLine();
  ImGui::BeginChild("views", ImVec2(0, 0), false);
  const ImVec2 va = ImGui::GetContentRegionAvail();
  const float top_h = std::max(fs * 12, va.y * 0.45f);
  draw_plots(va.x, top_h);
  const float bottom_h = std::max(fs * 16, ImGui::GetContentRegionAvail().y);
  const float table_w = (va.x - gap) * 0.42f;
  draw_table(table_w, bottom_h);
  ImGui::SameLine();
  draw_map(va.x - table_w - gap, bottom_h);
  ImGui::EndChild();
}

}  // namespace aelab::app
