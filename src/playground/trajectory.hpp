#pragma once
// Walking the bump loss with the program's own optimisers: a Walker hands the optimiser a
// one-element span (x and dL/dx, in double) and steps it, one update at a time (the panel's
// play / pause / single step) or for a whole run (simulate, the CLI, the escape solver).
//
// Step numbering follows Kingma & Ba: row t is the t-th update. g is the gradient at x_{t-1} that
// the update used, state is the optimiser's state after it (m_t, v_t, m_hat_t, ...), x = x_t is the
// new position and loss = loss(x_t). Row 0 is the start: x0, loss(x0), g = NaN, no state.
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "optim/optimizer.hpp"
#include "playground/bump_loss.hpp"

namespace aelab::playground {

enum class Fate { escaped, trapped, running };
[[nodiscard]] const char* fate_name(Fate fate);  // "escaped", "trapped", "running"

struct Outcome {
  Fate fate = Fate::running;
  long escape_step = -1;  // escaped: the first t with x_t at or past L + 2h
  // trapped: the range of x after the transient (the second half of the run) and the period of
  // the limit cycle when x repeats exactly (to 1e-9) within 64 steps, else 0 (bounded, aperiodic).
  double x_lo = 0, x_hi = 0;
  long period = 0;
};

// The fate of a run from its positions xs[0..T] (xs[0] = x0):
//  - escaped: some x_t is at or past L + 2h (from there the slope is -1 for ever, and every
//    optimiser here keeps going right: its update is a positive mix of gradients that are all -1).
//  - trapped: not escaped, and the last quarter of the run sets no new high above everything
//    before it (to 1e-9 relative): the walker is oscillating in a bounded range (x_lo, x_hi).
//  - running: not escaped and still reaching new heights (e.g. still walking down the first
//    slope), or too short to judge: fewer than 8 steps, or fewer than 100 without an exact cycle.
// Trapped is a judgement on a finite run, not a proof; for a stateless optimiser (SGD) an exact
// repeat of x (period > 0) is one.
[[nodiscard]] Outcome classify(const BumpLoss& loss, std::span<const double> xs);

struct StepRecord {
  long t = 0;
  double x = 0, g = 0, loss = 0;
  std::vector<optim::StateValue>
      state;  // names as the optimiser's probe(): m, v, m_hat, v_hat, step
};

struct Trajectory {
  BumpLoss loss;
  optim::OptimizerConfig config;
  double x0 = 0;
  std::vector<StepRecord> steps;  // steps[0] is the start; the run stops at escape or max_steps
  Outcome outcome;
  [[nodiscard]] std::vector<double> xs() const;
};

class Walker {
 public:
  // Throws InputError on an impossible config, bump or a non-finite x0.
  Walker(const BumpLoss& loss, const optim::OptimizerConfig& config, double x0);

  // One update; returns the new row (valid until the next step).
  const StepRecord& step();
  // One update without building a row (the solvers' fast path); returns the new x.
  double advance();

  [[nodiscard]] const StepRecord& current() const { return current_; }
  [[nodiscard]] long t() const { return t_; }
  [[nodiscard]] double x() const { return cell_->x; }
  [[nodiscard]] bool escaped() const { return escape_step_ >= 0; }
  [[nodiscard]] long escape_step() const { return escape_step_; }  // -1 until past L + 2h
  // Takes effect at the next update (the optimiser reads the rate every step).
  void set_lr(double lr) { opt_->set_lr(lr); }
  [[nodiscard]] const BumpLoss& loss() const { return loss_; }
  [[nodiscard]] const optim::Optimizer& optimizer() const { return *opt_; }

 private:
  struct Cell {
    double x = 0, g = 0;  // the optimiser's one-element value and gradient spans point here
  };
  BumpLoss loss_;
  std::unique_ptr<Cell> cell_;  // heap, so the spans survive moving the Walker
  std::unique_ptr<optim::Optimizer> opt_;
  StepRecord current_;
  long t_ = 0;
  long escape_step_ = -1;
};

inline constexpr long kMaxRecordedSteps = 1'000'000;    // simulate(): rows kept in memory
inline constexpr long kMaxSimulatedSteps = 10'000'000;  // run_outcome(): 8 bytes a step

// The whole run with every row; stops at escape or after max_steps updates.
[[nodiscard]] Trajectory simulate(const BumpLoss& loss, const optim::OptimizerConfig& config,
                                  double x0, long max_steps);
// Same run, positions only: what the escape solver and the phase map use.
[[nodiscard]] Outcome run_outcome(const BumpLoss& loss, const optim::OptimizerConfig& config,
                                  double x0, long max_steps);

}  // namespace aelab::playground
