// aelab bump ...: the optimiser playground headless (DESIGN.md item 1). Same library calls as the
// window's playground panel: playground::simulate, escape_height, phase_map.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"
#include "core/error.hpp"
#include "optim/optimizer_json.hpp"
#include "playground/escape.hpp"
#include "playground/trajectory_text.hpp"

namespace aelab::cli {

namespace {

using playground::BumpLoss;
using playground::Fate;

struct BumpOptions {
  optim::OptimizerConfig config = [] {
    optim::OptimizerConfig c;  // the study's settings: Adam, a = 0.3, b1 0.9, b2 0.999, eps 0
    c.name = "adam";
    c.lr = 0.3;
    c.eps = 0.0;
    return c;
  }();
  double h = 0.5, L = 1.0, x0 = 0.0, tol = 1e-6;
  long steps = -1;  // per command default
  std::vector<double> hs, lrs;
  bool json = false;
  std::string csv;  // trajectory: also write the rows as CSV here
};

void add_common(CLI::App* cmd, BumpOptions& o) {
  auto& c = o.config;
  cmd->add_option("--optimizer", c.name,
                  "sgd, momentum, nesterov, adagrad, rmsprop, adam (default), adamw, amsgrad");
  cmd->add_option("--lr", c.lr, "Learning rate a (default 0.3)");
  cmd->add_option("--L", o.L, "Where the bump starts (default 1)");
  cmd->add_option("--x0", o.x0, "Start point (default 0)");
  cmd->add_option("--beta1", c.beta1, "Adam family (default 0.9)");
  cmd->add_option("--beta2", c.beta2, "Adam family (default 0.999)");
  cmd->add_option("--eps", c.eps, "Adam family, AdaGrad, RMSProp (default 0, as in the study)");
  cmd->add_option("--momentum", c.momentum, "Momentum, Nesterov (default 0.9)");
  cmd->add_option("--rho", c.rho, "RMSProp decay (default 0.9)");
  cmd->add_option("--weight-decay", c.weight_decay, "L2 (decoupled for adamw; default 0)");
  cmd->add_flag("--json", o.json, "Print one JSON object");
}

nlohmann::json outcome_json(const playground::Outcome& o) {
  nlohmann::json j = {{"fate", playground::fate_name(o.fate)}};
  if (o.fate == Fate::escaped) j["escape_step"] = o.escape_step;
  if (o.fate == Fate::trapped) {
    j["x_lo"] = o.x_lo;
    j["x_hi"] = o.x_hi;
    j["period"] = o.period;
  }
  return j;
}

// [SECTION] trajectory

void run_trajectory(const BumpOptions& o) {
  const long steps = o.steps < 0 ? 30 : o.steps;
  const auto tr = playground::simulate(BumpLoss{o.L, o.h}, o.config, o.x0, steps);
  if (!o.csv.empty()) {
    {
      std::ofstream f(o.csv, std::ios::binary | std::ios::trunc);
      if (!(f << playground::trajectory_csv(tr)) || !f.flush())
        throw InputError(o.csv + ": cannot write the CSV");
    }
    std::fprintf(stderr, "wrote %zu rows to %s\n", tr.steps.size(), o.csv.c_str());
  }
  // State columns as the optimiser names them (m, v, m_hat, v_hat, step for the Adam family).
  std::vector<std::string> names;
  if (tr.steps.size() > 1)
    for (const auto& sv : tr.steps[1].state) names.emplace_back(sv.name);

  if (o.json) {
    nlohmann::json j = {{"optimizer", optim::to_json(o.config)},
                        {"L", o.L},
                        {"h", o.h},
                        {"x0", o.x0},
                        {"outcome", outcome_json(tr.outcome)}};
    nlohmann::json x = nlohmann::json::array(), g = nlohmann::json::array(),
                   loss = nlohmann::json::array(), state = nlohmann::json::object();
    for (const auto& n : names) state[n] = nlohmann::json::array();
    for (const auto& s : tr.steps) {
      x.push_back(s.x);
      loss.push_back(s.loss);
      g.push_back(s.t == 0 ? nlohmann::json(nullptr) : nlohmann::json(s.g));
      for (size_t k = 0; k < names.size(); ++k)
        state[names[k]].push_back(s.t == 0 ? nlohmann::json(nullptr)
                                           : nlohmann::json(s.state[k].value));
    }
    j["x"] = std::move(x);
    j["g"] = std::move(g);
    j["loss"] = std::move(loss);
    j["state"] = std::move(state);
    print_json(j);
    return;
  }
  std::printf(
      "%s on the bump L = %g, h = %g from x0 = %g (row t: g at x_{t-1}, state after "
      "update t)\n",
      o.config.name.c_str(), o.L, o.h, o.x0);
  std::printf("%5s %12s %4s", "t", "x", "g");
  for (const auto& n : names) std::printf(" %12s", n.c_str());
  std::printf(" %12s\n", "loss");
  for (const auto& s : tr.steps) {
    std::printf("%5ld %12.6f", s.t, s.x);
    if (s.t == 0) {
      std::printf(" %4s", "-");
      for (size_t k = 0; k < names.size(); ++k) std::printf(" %12s", "-");
    } else {
      std::printf(" %+4.0f", s.g);
      for (const auto& sv : s.state) std::printf(" %12.6f", sv.value);
    }
    std::printf(" %12.6f\n", s.loss);
  }
  std::printf("%s\n", playground::verdict_text(tr.outcome, steps).c_str());
}

// [SECTION] escape-height

void run_escape_height(const BumpOptions& o) {
  const long steps = o.steps < 0 ? 2000 : o.steps;
  const auto r = playground::escape_height(o.config, o.L, o.x0, steps, o.tol);
  // As many decimals as the tolerance resolves (the solver brackets to tol / 8).
  const int digits = std::clamp(static_cast<int>(std::ceil(-std::log10(o.tol))), 1, 15);
  if (o.json) {
    nlohmann::json j = {{"optimizer", optim::to_json(o.config)},
                        {"L", o.L},
                        {"x0", o.x0},
                        {"steps", steps},
                        {"tol", r.tol},
                        {"h_max", r.h_max},
                        {"h_trapped", r.h_trapped},
                        {"escape_step", r.escape_step},
                        {"monotone", r.monotone},
                        {"first_boundary", r.first_boundary},
                        {"escapes_all", r.escapes_all},
                        {"escapes_none", r.escapes_none},
                        {"simulations", r.simulations}};
    if (!r.note.empty()) j["note"] = r.note;
    print_json(j);
    return;
  }
  if (r.escapes_none || r.escapes_all) {
    std::printf("%s\n", r.note.c_str());
    return;
  }
  std::printf("h_max = %.*f\n", digits, r.h_max);
  std::printf(
      "  %s escapes h = %.*f (in %ld steps), is trapped at h = %.*f "
      "(tol %g, %ld simulations of at most %ld steps)\n",
      o.config.name.c_str(), digits + 3, r.h_max, r.escape_step, digits + 3, r.h_trapped, r.tol,
      r.simulations, steps);
  if (!r.note.empty()) std::printf("  note: %s\n", r.note.c_str());
}

// [SECTION] phase-map

void run_phase_map(const BumpOptions& o) {
  const long steps = o.steps < 0 ? 2000 : o.steps;
  if (o.hs.empty() || o.lrs.empty()) throw InputError("bump phase-map: give --hs and --lrs");
  const auto map = playground::phase_map(o.config, o.L, o.x0, o.hs, o.lrs, steps);
  if (o.json) {
    nlohmann::json cells = nlohmann::json::array();
    for (size_t i = 0; i < map.hs.size(); ++i) {
      nlohmann::json row = nlohmann::json::array();
      for (size_t j = 0; j < map.lrs.size(); ++j)
        row.push_back({{"fate", playground::fate_name(map.at(i, j).fate)},
                       {"escape_step", map.at(i, j).escape_step}});
      cells.push_back(std::move(row));
    }
    std::printf("%s\n", nlohmann::json{{"optimizer", optim::to_json(o.config)},
                                       {"hs", map.hs},
                                       {"lrs", map.lrs},
                                       {"cells", cells}}
                            .dump()
                            .c_str());
    return;
  }
  std::printf("%s: steps to escape (. trapped, ? running); rows h, columns lr\n%10s",
              o.config.name.c_str(), "h \\ lr");
  for (double lr : map.lrs) std::printf(" %8g", lr);
  std::printf("\n");
  for (size_t i = 0; i < map.hs.size(); ++i) {
    std::printf("%10g", map.hs[i]);
    for (size_t j = 0; j < map.lrs.size(); ++j) {
      const auto& c = map.at(i, j);
      if (c.fate == Fate::escaped)
        std::printf(" %8ld", c.escape_step);
      else
        std::printf(" %8s", c.fate == Fate::trapped ? "." : "?");
    }
    std::printf("\n");
  }
}

}  // namespace

AELAB_REGISTER_COMMANDS(40) {
  CLI::App* bump = app.add_subcommand(
      "bump", "Optimiser playground: the 1-D bump loss (trajectory, escape height, phase map)");
  bump->require_subcommand(1);

  auto tro = std::make_shared<BumpOptions>();
  CLI::App* tr = bump->add_subcommand("trajectory", "Every step of one optimiser on the bump");
  add_common(tr, *tro);
  tr->add_option("--h", tro->h, "Bump height (default 0.5)");
  tr->add_option("--steps", tro->steps, "Updates to run (default 30; stops at escape)");
  tr->add_option("--csv", tro->csv, "Also write every row as CSV to this file");
  tr->callback([tro] { run_trajectory(*tro); });

  auto eso = std::make_shared<BumpOptions>();
  CLI::App* es = bump->add_subcommand(
      "escape-height", "The largest bump height the optimiser escapes (bisection on simulations)");
  add_common(es, *eso);
  es->add_option("--steps", eso->steps, "Steps each simulation may take (default 2000)");
  es->add_option("--tol", eso->tol, "Bisection tolerance on h (default 1e-6)");
  es->callback([eso] { run_escape_height(*eso); });

  auto pmo = std::make_shared<BumpOptions>();
  CLI::App* pm = bump->add_subcommand("phase-map", "Escape over a grid of heights and rates");
  add_common(pm, *pmo);
  pm->add_option("--hs", pmo->hs, "Bump heights, comma separated")->delimiter(',');
  pm->add_option("--lrs", pmo->lrs, "Learning rates, comma separated")->delimiter(',');
  pm->add_option("--steps", pmo->steps, "Steps each simulation may take (default 2000)");
  pm->callback([pmo] { run_phase_map(*pmo); });
}

}  // namespace aelab::cli
