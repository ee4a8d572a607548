#pragma once
// The optimiser playground: the study's bump loss, optimisers walking it step by step,
// the escape height of a chosen optimiser and the phase map over (h, learning rate).
// All numbers come from playground/ (the same functions as `aelab bump ...`); this file only
// holds what the panel shows and edits.
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/heatmap.hpp"
#include "app/widgets/number_field.hpp"
#include "playground/escape.hpp"
#include "playground/trajectory.hpp"

namespace aelab::app {

// Everything the user edits; kept in panels.json.
struct PlaygroundSettings {
  double L = 1, h = 0.5, lr = 0.3, beta1 = 0.9, beta2 = 0.999, eps = 0, x0 = 0;
  double momentum = 0.9, rho = 0.9;
  int max_steps = 2000;  // per simulated run (trace outcome, escape solver, map cells)
  std::vector<std::string> traces = {"sgd", "adam"};
  // phase map grid (cell centres span these ranges)
  std::string map_optimizer = "adam";
  double map_h_lo = 0, map_h_hi = 1.5, map_lr_lo = 0.02, map_lr_hi = 0.6;
  int map_cols = 60, map_rows = 40;
  std::string escape_optimizer = "adam";
};

// "" when valid, else a sentence naming the first bad setting (lr <= 0, beta outside [0, 1),
// NaN...).
[[nodiscard]] std::string validate(const PlaygroundSettings& s);
// The optimiser config for `name` at these settings.
[[nodiscard]] optim::OptimizerConfig config_for(const PlaygroundSettings& s,
                                                const std::string& name);
// What the escape height and the phase map are computed from, as one line ("adam  lr 0.3  beta1
// 0.9 ...  L 1  x0 0  2000 steps"): shown with each result and compared to mark it stale.
[[nodiscard]] std::string escape_inputs(const PlaygroundSettings& s);
[[nodiscard]] std::string map_inputs(const PlaygroundSettings& s);

class OptimiserPlayground : public Panel {
 public:
  explicit OptimiserPlayground(AppContext& ctx);
  ~OptimiserPlayground() override;
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  struct Trace {
    std::string optimizer;
    uint32_t colour = 0;
    std::unique_ptr<playground::Walker> walker;
    std::vector<playground::StepRecord> rows;
    std::vector<double> ts, xs, losses;  // for the plots
    playground::Outcome outcome;         // of the whole run (max_steps), computed at reset
  };
  struct EscapeOut {
    playground::EscapeResult result;
    playground::Trajectory escaped, trapped;
  };

  void reset_traces();
  void step_all(int n);
  void sync_fields();
  void apply_fields();
  [[nodiscard]] PlaygroundSettings map_candidate() const;
  void draw_settings();
  void draw_traces_list();
  void draw_playback();
  void draw_escape();
  void draw_plots(float w, float h);
  void draw_table(float w, float h);
  void draw_map(float w, float h);
  void draw_exports();
  void start_map();
  void start_escape();
  void poll_workers();
  void export_csv();

  AppContext& ctx_;
  PlaygroundSettings s_;  // what the traces use (the applied fields)
  std::string error_;     // why the fields together were refused (e.g. x0 >= L)
  // The fields (each validates itself; apply_fields checks them together).
  DoubleField L_, h_, lr_, x0_, beta1_, beta2_, eps_, momentum_, rho_;
  IntField max_steps_;
  DoubleField map_h_lo_, map_h_hi_, map_lr_lo_, map_lr_hi_;
  IntField map_cols_, map_rows_;
  std::string map_optimizer_edit_ = "adam";
  std::string map_error_;
  std::vector<Trace> traces_;
  int selected_ = 0;
  bool playing_ = false;
  float speed_ = 8;  // steps per second
  double step_debt_ = 0;
  std::vector<double> curve_x_, curve_y_;  // the loss curve

  JobSlot<playground::PhaseMap> map_;
  PlaygroundSettings map_settings_;  // what the shown map was computed with
  Heatmap heatmap_;
  bool map_log_ = true;

  JobSlot<EscapeOut> escape_;

  ImVec2 plot_min_, plot_max_;  // last drawn rect of the plots, for the PNG export
};

}  // namespace aelab::app
