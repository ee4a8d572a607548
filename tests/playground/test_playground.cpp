// The optimiser playground against the study: the bump loss and its kink convention, plain GD's
// 0.3, 0.6, 0.9, 1.2, 0.9, 1.2, ... trap, Adam's escape height worked out by hand, the solver
// against direct simulation and scans, the phase map against single runs.
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "playground/escape.hpp"

using namespace aelab;
using namespace aelab::playground;

namespace {

// Catch's Approx also allows a relative 1.2e-5 by default; every tolerance here is the margin.
Approx Near(double v) {
  return Approx(v).epsilon(0.0);
}

optim::OptimizerConfig gd(double lr = 0.3) {
  optim::OptimizerConfig c;
  c.name = "sgd";
  c.lr = lr;
  return c;
}

optim::OptimizerConfig study_adam(double lr = 0.3) {  // the study: b1 0.9, b2 0.999, eps 0
  optim::OptimizerConfig c;
  c.name = "adam";
  c.lr = lr;
  c.beta1 = 0.9;
  c.beta2 = 0.999;
  c.eps = 0.0;
  return c;
}

// Adam's walk on the bump, worked by hand. |g| = 1 at every step, so v_hat = 1 exactly and the
// step is -0.3 m_hat. Four steps of g = -1 give m_hat = -1: x = 0.3, 0.6, 0.9, 1.2 (like GD).
// t5 (g = +1 at 1.2): m5 = 0.9 (-0.3439) + 0.1 = -0.20951, m_hat5 = -0.20951 / 0.40951
//     = -0.51161144, x5 = 1.2 + 0.3 * 0.51161144 = 1.35348343
// t6: m6 = 0.9 (-0.20951) + 0.1 = -0.088559, m_hat6 = -0.088559 / 0.468559 = -0.18900288,
//     x6 = 1.35348343 + 0.05670086 = 1.41018430
// t7: m7 = 0.9 (-0.088559) + 0.1 = +0.0202969 > 0: the walker turns back. x6 is the highest point
// of the walk on a bump too tall to cross, so the largest height Adam escapes is x6 - L.
constexpr double kAdamX5 = 1.353483431418;
constexpr double kAdamHMax = 0.410184295130;

}  // namespace

// [SECTION] The bump loss

TEST_CASE("bump loss: value and slopes on every piece") {
  const BumpLoss b{1.0, 0.5};
  CHECK(b.value(0.0) == 0.0);
  CHECK(b.value(-2.0) == 2.0);  // slope -1 left of 0 too
  CHECK(b.value(1.0) == -1.0);  // the valley floor
  CHECK(b.value(1.5) == -0.5);  // the top, h = 0.5 above the floor
  CHECK(b.value(2.0) == -1.0);  // far foot, back at the floor's level
  CHECK(b.value(3.0) == -2.0);
  // Away from the kinks grad is the central difference of value.
  for (double x : {-3.0, 0.2, 0.7, 1.1, 1.3, 1.6, 1.9, 2.5, 10.0}) {
    const double fd = (b.value(x + 1e-6) - b.value(x - 1e-6)) / 2e-6;
    INFO("x = " << x);
    CHECK(b.grad(x) == Near(fd).margin(1e-6));
  }
}

TEST_CASE("bump loss: the gradient at a kink is the right derivative") {
  const BumpLoss b{1.0, 0.5};
  CHECK(b.grad(1.0) == 1.0);  // the foot belongs to the bump
  CHECK(b.grad(1.0 - 1e-9) == -1.0);
  CHECK(b.grad(1.5) == -1.0);  // the top belongs to the far side
  CHECK(b.grad(1.5 - 1e-9) == 1.0);
  CHECK(b.grad(2.0) == -1.0);  // not a kink of the gradient
  // Rounding: ten steps of 0.1 from 0 end at 0.9999999999999999 in double, which is the foot
  // x = 1 in exact arithmetic; 1 + 0.1 + 0.1 = 1.2000000000000002 is the top of a 0.2 bump.
  double x = 0;
  for (int i = 0; i < 10; ++i) x += 0.1;
  CHECK(x != 1.0);
  CHECK(b.grad(x) == 1.0);
  const BumpLoss b2{1.0, 0.2};
  CHECK(1.0 + 0.1 + 0.1 != 1.2);
  CHECK(b2.grad(1.0 + 0.1 + 0.1) == -1.0);
  CHECK(b2.grad(1.2 - 1e-15) == -1.0);
  CHECK(b2.grad(1.0 - 1e-15) == 1.0);
  CHECK(b2.past_bump(1.4 - 1e-15));
  CHECK_FALSE(b2.past_bump(1.4 - 1e-9));
  CHECK_THROWS_AS((BumpLoss{1.0, -0.1}.validate()), InputError);
  CHECK_THROWS_AS((BumpLoss{NAN, 0.5}.validate()), InputError);
}

// [SECTION] Gradient descent

TEST_CASE("GD at a = 0.3 goes 0.3, 0.6, 0.9, 1.2, 0.9, 1.2, ... and is trapped") {
  const Trajectory tr = simulate(BumpLoss{1.0, 0.5}, gd(), 0.0, 40);
  REQUIRE(tr.steps.size() == 41);
  const double expect[] = {0.0, 0.3, 0.6, 0.9, 1.2, 0.9, 1.2, 0.9, 1.2};
  for (int t = 0; t < 9; ++t) CHECK(tr.steps[t].x == Near(expect[t]).margin(1e-6));
  for (int t = 4; t <= 40; ++t) CHECK(tr.steps[t].x == Near(t % 2 ? 0.9 : 1.2).margin(1e-6));
  CHECK(tr.steps[4].g == -1.0);  // the update into 1.2 used the slope at 0.9
  CHECK(tr.steps[5].g == 1.0);   // and at 1.2 the bump pushes back
  CHECK(tr.steps[5].loss == Near(-0.9).margin(1e-12));
  CHECK(std::isnan(tr.steps[0].g));
  CHECK(tr.outcome.fate == Fate::trapped);
  CHECK(tr.outcome.period == 2);
  CHECK(tr.outcome.x_lo == Near(0.9).margin(1e-9));
  CHECK(tr.outcome.x_hi == Near(1.2).margin(1e-9));
  // a = 0.1 lands on the foot x = 1 in exact arithmetic (0.9999999999999999 in double): the foot
  // belongs to the bump, so GD bounces between 0.9 and 1.0.
  const Trajectory small = simulate(BumpLoss{1.0, 0.5}, gd(0.1), 0.0, 40);
  CHECK(small.steps[10].x == Near(1.0).margin(1e-12));
  CHECK(small.steps[11].x == Near(0.9).margin(1e-12));
  CHECK(small.steps[12].x == Near(1.0).margin(1e-12));
  CHECK(small.outcome.fate == Fate::trapped);
  CHECK(small.outcome.period == 2);
  // Every bump higher than a: GD's step is exactly a, it cannot get over.
  for (double h : {0.31, 0.4, 0.75, 1.0, 3.0, 100.0}) {
    INFO("h = " << h);
    CHECK(run_outcome(BumpLoss{1.0, h}, gd(), 0.0, 2000).fate == Fate::trapped);
  }
}

TEST_CASE("GD's escape height is 0.2 <= a for a = 0.3 from x0 = 0") {
  // From 0.9 GD jumps to 1.2: that is past a bump whose top is at or below 1.2 (h <= 0.2) and on
  // the rising side of any higher one.
  const EscapeResult r = escape_height(gd(), 1.0, 0.0, 2000);
  CHECK(r.h_max == Near(0.2).margin(1e-6));
  CHECK(r.h_max <= 0.2 + 1e-12);
  CHECK(r.h_trapped - r.h_max <= 1e-6);
  CHECK(r.monotone);
  CHECK(run_outcome(BumpLoss{1.0, 0.2}, gd(), 0.0, 100).fate == Fate::escaped);
  CHECK(run_outcome(BumpLoss{1.0, 0.2 + 1e-9}, gd(), 0.0, 100).fate == Fate::trapped);
  // Other rates: the escape height never exceeds the rate.
  for (double lr : {0.07, 0.15, 0.45}) {
    INFO("lr = " << lr);
    CHECK(escape_height(gd(lr), 1.0, 0.0, 4000).h_max <= lr);
  }
}

// [SECTION] Adam

TEST_CASE("Adam's first steps match the hand-worked m, v, m_hat, v_hat") {
  Walker w(BumpLoss{1.0, 1e6}, study_adam(), 0.0);
  for (int t = 1; t <= 4; ++t) CHECK(w.step().x == Near(0.3 * t).margin(1e-12));
  const StepRecord& r5 = w.step();
  std::map<std::string, double> s;
  for (const auto& sv : r5.state) s[sv.name] = sv.value;
  CHECK(r5.g == 1.0);
  CHECK(s.at("m") == Near(-0.20951).margin(1e-12));
  CHECK(s.at("v") == Near(1 - std::pow(0.999, 5)).margin(1e-12));  // (1-b2) sum of b2^k, g^2 = 1
  CHECK(s.at("m_hat") == Near(-0.511611438).margin(1e-9));
  CHECK(s.at("v_hat") == Near(1.0).margin(1e-12));
  CHECK(s.at("step") == Near(kAdamX5 - 1.2).margin(1e-9));
  CHECK(r5.x == Near(kAdamX5).margin(1e-9));
  CHECK(w.step().x == Near(1.0 + kAdamHMax).margin(1e-9));
  CHECK(w.step().x < 1.0 + kAdamHMax);  // turned back
}

TEST_CASE("Adam's escape height: escapes h_max - 1e-5, trapped at h_max + 1e-5") {
  const EscapeResult r = escape_height(study_adam(), 1.0, 0.0, 2000);
  CHECK(r.h_max == Near(kAdamHMax).margin(1e-6));
  CHECK(r.h_trapped - r.h_max <= 1e-6);
  CHECK(r.h_max > 0.3);  // higher than the learning rate: Adam overshoots where GD cannot
  CHECK(r.monotone);
  CHECK_FALSE(r.escapes_all);
  CHECK(r.escape_step > 0);
  const Trajectory below = simulate(BumpLoss{1.0, r.h_max - 1e-5}, study_adam(), 0.0, 2000);
  const Trajectory above = simulate(BumpLoss{1.0, r.h_max + 1e-5}, study_adam(), 0.0, 2000);
  CHECK(below.outcome.fate == Fate::escaped);
  CHECK(above.outcome.fate == Fate::trapped);
  CHECK(above.outcome.x_hi < 1.0 + r.h_max);
  // The walk on an unclimbable bump tops out at L + h_max (the monotonicity argument).
  const Trajectory wall = simulate(BumpLoss{1.0, 1e9}, study_adam(), 0.0, 3000);
  double top = 0;
  for (const auto& s : wall.steps) top = std::max(top, s.x);
  CHECK(top - 1.0 == Near(r.h_max).margin(1e-6));
}

TEST_CASE("escape_height agrees with a direct scan over h") {
  for (const char* name : {"adam", "momentum", "rmsprop", "nesterov"}) {
    optim::OptimizerConfig c = study_adam();
    c.name = name;
    const EscapeResult r = escape_height(c, 1.0, 0.0, 1500);
    INFO(name << " h_max = " << r.h_max);
    REQUIRE(r.h_max > 0.0);
    int wrong = 0;
    for (int k = 1; k <= 100; ++k) {
      const double h = r.h_max * 2.0 * k / 100.0 + 1e-4;  // avoid landing on h_max itself
      const bool escaped = run_outcome(BumpLoss{1.0, h}, c, 0.0, 1500).fate == Fate::escaped;
      wrong += escaped != (h <= r.h_max);
    }
    CHECK(wrong == 0);
  }
}

TEST_CASE("escape_height refuses impossible questions") {
  CHECK_THROWS_AS(escape_height(study_adam(), 1.0, 1.0, 100), InputError);  // x0 not left of L
  CHECK_THROWS_AS(escape_height(study_adam(), 1.0, 0.0, 0), InputError);
  CHECK_THROWS_AS(escape_height(study_adam(), 1.0, 0.0, 100, 0.0), InputError);
  CHECK_THROWS_AS(escape_height(study_adam(), INFINITY, 0.0, 100), InputError);
  CHECK_THROWS_AS(escape_height(study_adam(-0.3), 1.0, 0.0, 100), InputError);
  // Too few steps to reach the bump at all: answered, not thrown.
  const EscapeResult slow = escape_height(gd(0.01), 1.0, 0.0, 50);
  CHECK(slow.escapes_none);
  CHECK_FALSE(slow.note.empty());
}

// [SECTION] Walker and classification

TEST_CASE("Walker steps one at a time like simulate, and takes a new rate mid-run") {
  const BumpLoss b{1.0, 0.5};
  const Trajectory tr = simulate(b, study_adam(), 0.0, 30);
  Walker w(b, study_adam(), 0.0);
  CHECK(w.current().t == 0);
  for (int t = 1; t <= 30 && !w.escaped(); ++t) {
    const StepRecord& r = w.step();
    CHECK(r.t == t);
    CHECK(r.x == tr.steps[t].x);
    CHECK(r.state.size() == tr.steps[t].state.size());
  }
  Walker slow(b, gd(), 0.0);
  slow.step();
  slow.set_lr(0.1);
  CHECK(slow.step().x == Near(0.4).margin(1e-12));
  CHECK_THROWS_AS(slow.set_lr(-1.0), InputError);
}

TEST_CASE("classify: still running while walking down the first slope") {
  const Outcome o = run_outcome(BumpLoss{1.0, 0.5}, gd(0.001), 0.0, 100);
  CHECK(o.fate == Fate::running);
  const Trajectory t = simulate(BumpLoss{1.0, 0.5}, gd(), 0.0, 3);
  CHECK(t.outcome.fate == Fate::running);  // too short to judge
  CHECK(simulate(BumpLoss{1.0, 0.5}, gd(), 0.0, 10).outcome.fate == Fate::trapped);
  // Adam's first 12 steps climb and fall back, but without a cycle that is no verdict yet.
  CHECK(simulate(BumpLoss{1.0, 0.5}, study_adam(), 0.0, 12).outcome.fate == Fate::running);
  CHECK(simulate(BumpLoss{1.0, 0.5}, study_adam(), 0.0, 400).outcome.fate == Fate::trapped);
  CHECK_THROWS_AS(simulate(BumpLoss{1.0, 0.5}, gd(), 0.0, -1), InputError);
  CHECK_THROWS_AS(simulate(BumpLoss{1.0, 0.5}, gd(), NAN, 5), InputError);
}

// [SECTION] Phase map

TEST_CASE("phase map cells agree with single runs, cancel and progress work") {
  const std::vector<double> hs = {0.1, 0.2, 0.35, 0.41, 0.42, 0.8};
  const std::vector<double> lrs = {0.1, 0.3, 0.5};
  double last_progress = 0;
  const PhaseMap map = phase_map(study_adam(), 1.0, 0.0, hs, lrs, 1500, nullptr,
                                 [&](double p) { last_progress = p; });
  CHECK_FALSE(map.cancelled);
  CHECK(last_progress == 1.0);
  for (size_t i = 0; i < hs.size(); ++i) {
    for (size_t j = 0; j < lrs.size(); ++j) {
      const Trajectory tr = simulate(BumpLoss{1.0, hs[i]}, study_adam(lrs[j]), 0.0, 1500);
      INFO("h " << hs[i] << " lr " << lrs[j]);
      CHECK(map.at(i, j).computed);
      CHECK(map.at(i, j).fate == tr.outcome.fate);
      CHECK(map.at(i, j).escape_step == tr.outcome.escape_step);
    }
  }
  // At the study's rate the switch sits between 0.41 and 0.42 (h_max = 0.4102).
  CHECK(map.at(3, 1).fate == Fate::escaped);
  CHECK(map.at(4, 1).fate == Fate::trapped);

  std::atomic<bool> cancel{true};
  const PhaseMap none = phase_map(study_adam(), 1.0, 0.0, hs, lrs, 1500, &cancel);
  CHECK(none.cancelled);
  for (const auto& c : none.cells) CHECK_FALSE(c.computed);
  const std::vector<double> bad_lrs = {0.3, 0.0};
  CHECK_THROWS_AS(phase_map(study_adam(), 1.0, 0.0, hs, bad_lrs, 100), InputError);
}
