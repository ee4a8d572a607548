// Q1: gradient descent and Adam on the bump loss (DESIGN.md item 1), with the program's own
// optimisers (playground/), the escape height by bisection and in closed form, and the phase map.
#include <cmath>
#include <cstdio>

#include "optim/optimizer.hpp"
#include "playground/escape.hpp"
#include "playground/trajectory.hpp"
#include "report/figure.hpp"
#include "report/study_sections.hpp"

namespace aelab::report {

namespace {

using playground::BumpLoss;
using playground::Fate;

constexpr double kL = 1.0, kX0 = 0.0, kLr = 0.3;
constexpr long kSteps = 2000;

optim::OptimizerConfig study_optimizer(const std::string& name) {
  optim::OptimizerConfig c;
  c.name = name;
  c.lr = kLr;
  c.eps = 0.0;  // the study's eps = 0 (AdaGrad and RMSProp too: |g| = 1, nothing divides by 0)
  return c;
}

std::string num(double v, int digits = 6) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

// The top of Adam's climb on a bump too high to escape, from Adam's own recurrences with eps = 0
// and |g| = 1: v_t = (1 - b2) sum b2^(t-k) g_k^2 = 1 - b2^t, so v_hat_t = 1 exactly and each step
// is lr * m_hat_t with m_t = b1 m_{t-1} + (1 - b1) g_t, m_hat_t = m_t / (1 - b1^t). The gradient
// is -1 left of L and +1 on the rising side; x climbs while m_hat < 0. In long double, so the
// bisection (double) is checked against an independent, more precise computation.
struct ClosedForm {
  std::vector<long double> xs;      // x_0 .. x_peak
  std::vector<long double> m_hats;  // m_hat_1 .. m_hat_peak
  long peak_step = 0;
  long double h_star = 0;  // x_peak - L
};

ClosedForm adam_closed_form(long double lr, long double b1, long double L, long double x0) {
  ClosedForm cf;
  long double x = x0, m = 0, b1t = 1;
  cf.xs.push_back(x);
  for (long t = 1; t < 100000; ++t) {
    const long double g = x < L ? -1 : 1;
    m = b1 * m + (1 - b1) * g;
    b1t *= b1;
    const long double m_hat = m / (1 - b1t);
    const long double next = x - lr * m_hat;  // / sqrt(v_hat) = / 1
    if (!(next > x)) break;                   // the climb is over: x_{t-1} was the top
    x = next;
    cf.xs.push_back(x);
    cf.m_hats.push_back(m_hat);
    cf.peak_step = t;
  }
  cf.h_star = x - L;
  return cf;
}

Table step_table(const playground::Trajectory& tr, size_t rows) {
  Table t;
  t.columns = {"t", "x", "g"};
  const bool has_state = tr.steps.size() > 1 && !tr.steps[1].state.empty();
  if (has_state)
    for (const auto& sv : tr.steps[1].state) t.columns.emplace_back(sv.name);
  t.columns.emplace_back("loss");
  for (size_t i = 0; i < std::min(rows, tr.steps.size()); ++i) {
    const auto& s = tr.steps[i];
    // Six decimals: 0.9 rather than 0.8999999999999999 (the CSV export keeps every digit).
    std::vector<Cell> row = {s.t, num(s.x)};
    row.push_back(s.t == 0 ? Cell("-") : Cell(num(s.g, 0)));
    if (has_state)
      for (size_t k = 0; k < tr.steps[1].state.size(); ++k)
        row.push_back(s.t == 0 ? Cell("-") : Cell(num(s.state.at(k).value)));
    row.push_back(num(s.loss));
    t.add_row(std::move(row));
  }
  return t;
}

std::vector<double> linspace(double lo, double hi, int n) {
  std::vector<double> v(n);
  for (int i = 0; i < n; ++i) v[i] = lo + (hi - lo) * i / (n - 1);
  return v;
}

}  // namespace

void section_q1(StudyContext& ctx, SectionResult& out) {
  out.paragraph(
      "The loss has slope -1 from x = 0 to L = 1, then a triangular bump of height h and width "
      "2h (slope +1, then -1), then slope -1 again. Every optimiser starts at x0 = 0 with learning "
      "rate a = 0.3; Adam uses b1 = 0.9, b2 = 0.999, eps = 0. The walks below are the program's "
      "own optimisers (`optim/`) on a one-element parameter, in double precision.");

  // [SECTION] Gradient descent
  ctx.progress(0.02, "gradient descent");
  out.heading("Gradient descent is trapped");
  const auto gd = playground::simulate(BumpLoss{kL, 0.5}, study_optimizer("sgd"), kX0, 200);
  out.table(step_table(gd, 8));
  const auto& o = gd.outcome;
  out.paragraph(
      "Plain gradient descent moves exactly a = 0.3 per step because |g| = 1 everywhere. From 0 "
      "it reaches 0.9, where the slope is still -1, so it steps to 1.2, which is on the rising "
      "side of the bump (1 <= 1.2 < 1 + h); there g = +1 and it steps back to 0.9. It repeats "
      "0.9 -> 1.2 -> 0.9 for ever: a cycle of period 2 that can never climb more than one step "
      "of 0.3 up the bump.");
  out.claim("GD on the h = 0.5 bump ends in the cycle 0.9 <-> 1.2 (period 2)",
            {{"fate", playground::fate_name(o.fate)},
             {"x_lo", o.x_lo},
             {"x_hi", o.x_hi},
             {"period", o.period}},
            o.fate == Fate::trapped && o.period == 2 && std::abs(o.x_lo - 0.9) < 1e-9 &&
                std::abs(o.x_hi - 1.2) < 1e-9);

  // Trapped for every h > lr: a list of heights from just above lr up to 10.
  std::vector<double> above = {kLr + 1e-6, kLr + 1e-3, 0.35, 0.5, 0.75, 1.0, 2.0, 5.0, 10.0};
  int gd_escaped = 0;
  for (double h : above)
    gd_escaped +=
        playground::run_outcome(BumpLoss{kL, h}, study_optimizer("sgd"), kX0, kSteps).fate ==
        Fate::escaped;
  const auto gd_escape = playground::escape_height(study_optimizer("sgd"), kL, kX0, kSteps);
  out.metrics["gd"] = {
      {"cycle", {o.x_lo, o.x_hi}}, {"period", o.period}, {"escape_height", gd_escape.h_max}};

  // [SECTION] Adam's steps
  ctx.progress(0.1, "Adam's steps");
  out.heading("Adam climbs further");
  const auto adam = playground::simulate(BumpLoss{kL, 0.5}, study_optimizer("adam"), kX0, kSteps);
  out.paragraph(
      "Adam on the h = 0.5 bump, every step (row t: g is the gradient at x_{t-1}; m, v, "
      "m_hat, v_hat after update t). Verdict: " +
      std::string(playground::fate_name(adam.outcome.fate)) +
      (adam.outcome.fate == Fate::escaped ? " at step " + std::to_string(adam.outcome.escape_step)
                                          : "") +
      ".");
  out.table(step_table(adam, 14));

  // [SECTION] Escape height: closed form and bisection
  ctx.progress(0.2, "escape height");
  out.heading("The largest bump Adam escapes");
  const optim::OptimizerConfig ac = study_optimizer("adam");
  const ClosedForm cf = adam_closed_form(ac.lr, ac.beta1, kL, kX0);
  const auto bis = playground::escape_height(ac, kL, kX0, kSteps, 1e-6);
  const double h_star = double(cf.h_star);
  std::string steps_text;
  for (size_t t = 1; t < cf.xs.size(); ++t)
    steps_text += "x" + std::to_string(t) + " = " + num(double(cf.xs[t]), 12) +
                  " (m_hat = " + num(double(cf.m_hats[t - 1]), 9) + ")\n";
  out.paragraph(
      "With eps = 0 and |g| = 1, v_t = 1 - b2^t, so v_hat = 1 exactly and every step is "
      "a * m_hat_t. Left of L the gradient is -1, so m_hat = -1 exactly and x1..x4 = 0.3, 0.6, "
      "0.9, 1.2; from x4 on the bump the gradient is +1 and m_hat shrinks towards 0, but stays "
      "negative for a while: Adam keeps climbing. On a bump too high to cross the climb tops out "
      "at x" +
      std::to_string(cf.peak_step) + ", so the largest escapable height is **h* = x" +
      std::to_string(cf.peak_step) + " - 1 = " + num(h_star, 12) +
      "** (derived from the recurrences in long double). A bump of exactly h* is escaped (the "
      "walker lands on its top, which belongs to the far side); any higher one is not.");
  out.code(steps_text + "h* = x" + std::to_string(cf.peak_step) + " - L = " + num(h_star, 12));
  out.paragraph("Bisection on simulations (`playground::escape_height`, tolerance 1e-6, " +
                std::to_string(bis.simulations) + " simulations): h_max = " + num(bis.h_max, 9) +
                ", trapped at " + num(bis.h_trapped, 9) + ".");
  out.claim("the closed form puts Adam's top at x6, so h* = x6 - 1",
            {{"peak_step", cf.peak_step}, {"h_star", h_star}}, cf.peak_step == 6);
  out.claim("the bisection agrees with the closed form h* to 1e-6",
            {{"h_star_closed_form", h_star},
             {"h_max_bisection", bis.h_max},
             {"difference", std::abs(bis.h_max - h_star)}},
            std::abs(bis.h_max - h_star) <= 1e-6 && bis.monotone);
  const std::vector<double> below = {h_star - 1e-5, h_star - 1e-3, h_star / 2, 0.1};
  const std::vector<double> over = {h_star + 1e-5, h_star + 1e-3, h_star * 1.5, 2 * h_star};
  int below_escaped = 0, over_escaped = 0;
  for (double h : below)
    below_escaped +=
        playground::run_outcome(BumpLoss{kL, h}, ac, kX0, kSteps).fate == Fate::escaped;
  for (double h : over)
    over_escaped += playground::run_outcome(BumpLoss{kL, h}, ac, kX0, kSteps).fate == Fate::escaped;
  out.claim(
      "Adam escapes every h below h* and none above (checked at h* +- 1e-5, +- 1e-3, h*/2, "
      "0.1, 1.5 h*, 2 h*)",
      {{"h_star", h_star},
       {"escaped_below", std::to_string(below_escaped) + "/" + std::to_string(below.size())},
       {"escaped_above", std::to_string(over_escaped) + "/" + std::to_string(over.size())}},
      below_escaped == int(below.size()) && over_escaped == 0);
  out.metrics["adam"] = {{"h_star_closed_form", h_star},
                         {"peak_step", cf.peak_step},
                         {"h_max_bisection", bis.h_max},
                         {"h_trapped_bisection", bis.h_trapped},
                         {"bisection_simulations", bis.simulations}};

  // [SECTION] Every optimiser
  ctx.progress(0.3, "every optimiser");
  out.heading("Every optimiser's escape height");
  Table esc;
  esc.columns = {"optimiser", "escape height h_max", "steps to escape it", "note"};
  nlohmann::json heights = nlohmann::json::object();
  for (const std::string& name : optim::optimizer_names()) {
    ctx.check_cancel();
    const auto r = playground::escape_height(study_optimizer(name), kL, kX0, kSteps, 1e-6);
    esc.add_row({name, r.h_max, r.escape_step, r.note});
    heights[name] = r.h_max;
  }
  out.paragraph(
      "Each from x0 = 0 with a = 0.3 (momentum 0.9 for momentum and Nesterov, rho 0.9 "
      "for RMSProp, eps = 0 throughout), by the same bisection, " +
      std::to_string(kSteps) + " steps per simulation.");
  out.table(esc);
  out.metrics["escape_heights"] = heights;

  // [SECTION] Phase maps
  const int n = ctx.quick() ? 40 : 80;
  const std::vector<double> hs = linspace(0.01, 1.5, n), lrs = linspace(0.01, 1.0, n);
  const std::vector<Rgb> fate_colours = {{0.17f, 0.63f, 0.17f},  // escaped
                                         {0.15f, 0.15f, 0.3f},   // trapped
                                         {0.6f, 0.6f, 0.6f}};    // running
  for (const char* name : {"adam", "sgd"}) {
    ctx.progress(name == std::string("adam") ? 0.4 : 0.7, std::string("phase map ") + name);
    const auto map =
        playground::phase_map(study_optimizer(name), kL, kX0, hs, lrs, kSteps, ctx.cancel_flag());
    ctx.check_cancel();
    std::vector<int> cells(map.cells.size());
    for (size_t i = 0; i < cells.size(); ++i) cells[i] = int(map.cells[i].fate);
    out.figure({std::string("q1-phase-map-") + name + ".png",
                std::string("Phase map of ") + (name == std::string("adam") ? "Adam" : "GD") +
                    " over bump height h (rows, 0.01 at the bottom to 1.5 at the top) and "
                    "learning rate (columns, 0.01 on the left to 1.0 on the right), " +
                    std::to_string(n) + " x " + std::to_string(n) +
                    " cells: green escaped, dark blue trapped, grey undecided after " +
                    std::to_string(kSteps) + " steps.",
                category_map(cells, n, n, ctx.quick() ? 6 : 5, fate_colours, true)});
    if (name == std::string("sgd")) {
      int cells_above = 0, escaped_above = 0;
      for (size_t i = 0; i < hs.size(); ++i)
        for (size_t j = 0; j < lrs.size(); ++j)
          if (hs[i] > lrs[j]) {
            ++cells_above;
            escaped_above += map.at(i, j).fate == Fate::escaped;
          }
      out.claim(
          "GD is trapped for every h > lr (heights just above 0.3 up to 10, and every "
          "phase-map cell with h > lr)",
          {{"heights_checked", above.size()},
           {"heights_escaped", gd_escaped},
           {"map_cells_checked", cells_above},
           {"map_cells_escaped", escaped_above},
           {"gd_escape_height", gd_escape.h_max}},
          gd_escaped == 0 && escaped_above == 0 && gd_escape.h_max <= kLr);
    }
  }
}

}  // namespace aelab::report
