#include "playground/trajectory.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"

namespace aelab::playground {

const char* fate_name(Fate fate) {
  switch (fate) {
    case Fate::escaped:
      return "escaped";
    case Fate::trapped:
      return "trapped";
    case Fate::running:
      return "running";
  }
  return "?";
}

// [SECTION] classify ---------------------------------------------------------------------------

namespace {

constexpr long kMaxPeriod = 64;
constexpr double kRepeatTol = 1e-9;
constexpr size_t kMinAperiodicRun = 100;

bool same_position(double a, double b) {
  return std::abs(a - b) <= kRepeatTol * std::max(1.0, std::abs(a));
}

}  // namespace

Outcome classify(const BumpLoss& loss, std::span<const double> xs) {
  Outcome out;
  for (size_t t = 0; t < xs.size(); ++t) {
    if (loss.past_bump(xs[t])) {
      out.fate = Fate::escaped;
      out.escape_step = static_cast<long>(t);
      return out;
    }
  }
  const size_t n = xs.size();
  if (n < 9) return out;  // running: too short to judge
  const size_t half = n / 2, three_q = n - (n - half) / 2;
  const auto [lo, hi] = std::minmax_element(xs.begin() + half, xs.end());
  out.x_lo = *lo;
  out.x_hi = *hi;
  const double before = *std::max_element(xs.begin(), xs.begin() + three_q);
  const double last = *std::max_element(xs.begin() + three_q, xs.end());
  if (last > before + kRepeatTol * std::max(1.0, std::abs(before))) return out;  // running
  out.fate = Fate::trapped;
  // The smallest p with x_t == x_{t-p} over the last quarter, looking back no further than half.
  const long window = static_cast<long>(n - three_q);
  for (long p = 1; p <= std::min<long>(kMaxPeriod, static_cast<long>(three_q - half)); ++p) {
    bool repeats = true;
    for (long t = static_cast<long>(n) - window; t < static_cast<long>(n) && repeats; ++t)
      repeats = same_position(xs[t], xs[t - p]);
    if (repeats) {
      out.period = p;
      break;
    }
  }
  // Without an exact cycle, a short run is still a transient (Adam's first climb and fall take
  // ~20 steps): call it trapped only with enough steps behind the judgement.
  if (out.period == 0 && n <= kMinAperiodicRun) out.fate = Fate::running;
  return out;
}

// [SECTION] Walker -----------------------------------------------------------------------------

Walker::Walker(const BumpLoss& loss, const optim::OptimizerConfig& config, double x0)
    : loss_(loss), cell_(std::make_unique<Cell>()) {
  loss_.validate();
  if (!std::isfinite(x0)) throw InputError("bump: start x0 must be a finite number");
  cell_->x = x0;
  cell_->g = 0.0;
  opt_ = optim::make_optimizer(config, {optim::ParamRef64{{&cell_->x, 1}, {&cell_->g, 1}}});
  current_ = {0, x0, std::numeric_limits<double>::quiet_NaN(), loss_.value(x0), {}};
  if (loss_.past_bump(x0)) escape_step_ = 0;
}

double Walker::advance() {
  cell_->g = loss_.grad(cell_->x);
  opt_->step();
  ++t_;
  if (escape_step_ < 0 && loss_.past_bump(cell_->x)) escape_step_ = t_;
  return cell_->x;
}

const StepRecord& Walker::step() {
  advance();
  current_.t = t_;
  current_.x = cell_->x;
  current_.g = cell_->g;
  current_.loss = loss_.value(cell_->x);
  current_.state = opt_->probe(0, 0);
  return current_;
}

// [SECTION] simulate / run_outcome -------------------------------------------------------------

namespace {

void check_steps(long max_steps, long limit) {
  if (max_steps < 0 || max_steps > limit)
    throw InputError("bump: steps must be in [0, " + std::to_string(limit) + "], got " +
                     std::to_string(max_steps));
}

}  // namespace

std::vector<double> Trajectory::xs() const {
  std::vector<double> out;
  out.reserve(steps.size());
  for (const auto& s : steps) out.push_back(s.x);
  return out;
}

Trajectory simulate(const BumpLoss& loss, const optim::OptimizerConfig& config, double x0,
                    long max_steps) {
  check_steps(max_steps, kMaxRecordedSteps);
  Walker walker(loss, config, x0);
  Trajectory tr{loss, config, x0, {walker.current()}, {}};
  while (!walker.escaped() && walker.t() < max_steps) tr.steps.push_back(walker.step());
  const std::vector<double> xs = tr.xs();
  tr.outcome = classify(loss, xs);
  return tr;
}

Outcome run_outcome(const BumpLoss& loss, const optim::OptimizerConfig& config, double x0,
                    long max_steps) {
  check_steps(max_steps, kMaxSimulatedSteps);
  Walker walker(loss, config, x0);
  std::vector<double> xs;
  xs.reserve(static_cast<size_t>(std::min<long>(max_steps, 1 << 16)) + 1);
  xs.push_back(x0);
  while (!walker.escaped() && walker.t() < max_steps) xs.push_back(walker.advance());
  return classify(loss, xs);
}

}  // namespace aelab::playground
