// escape_height: bracket, scan, bisect (see escape.hpp for why). phase_map: a grid of runs.
#include "playground/escape.hpp"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace aelab::playground {

namespace {

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

void check_common(const optim::OptimizerConfig& config, double L, double x0, long max_steps) {
  optim::validate(config);
  if (!std::isfinite(L)) throw InputError("bump: L must be a finite number, got " + fmt(L));
  if (!std::isfinite(x0) || !(x0 < L))
    throw InputError("bump: the start x0 (" + fmt(x0) +
                     ") must be left of the bump at L = " + fmt(L));
  if (max_steps < 1 || max_steps > kMaxSimulatedSteps)
    throw InputError("bump: steps must be in [1, " + std::to_string(kMaxSimulatedSteps) +
                     "], got " + std::to_string(max_steps));
}

// Bisects a switch: `lo` escapes, `hi` does not. Returns {lo, hi} with hi - lo <= tol.
template <class Escapes>
std::pair<double, double> bisect(Escapes&& escapes, double lo, double hi, double tol) {
  while (hi - lo > tol) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;  // no double between them: as tight as it gets
    (escapes(mid) ? lo : hi) = mid;
  }
  return {lo, hi};
}

}  // namespace

// [SECTION] escape_height ----------------------------------------------------------------------

EscapeResult escape_height(const optim::OptimizerConfig& config, double L, double x0,
                           long max_steps, double tol) {
  check_common(config, L, x0, max_steps);
  if (!(tol > 0.0 && std::isfinite(tol)))
    throw InputError("bump: tolerance must be a finite number > 0, got " + fmt(tol));

  EscapeResult r;
  r.tol = tol;
  auto escapes = [&](double h) {
    ++r.simulations;
    return run_outcome(BumpLoss{L, h}, config, x0, max_steps).fate == Fate::escaped;
  };

  if (!escapes(0.0)) {
    r.escapes_none = true;
    r.h_trapped = 0.0;
    r.note = "the walker does not reach x = L within " + std::to_string(max_steps) +
             " steps even without a bump; raise --steps or the learning rate";
    return r;
  }

  // 1. Bracket.
  const double cap = config.lr * std::ldexp(1.0, 30);
  double h_hi = config.lr;
  while (escapes(h_hi)) {
    if (h_hi >= cap) {
      r.escapes_all = true;
      r.h_max = r.h_trapped = h_hi;
      r.note = "escaped every height tried up to " + fmt(h_hi) + ": no finite escape height found";
      return r;
    }
    h_hi *= 2.0;
  }

  // 2. Scan [0, h_hi]: esc[0] (h = 0) is known true, esc[kScan] (h_hi) known false.
  constexpr int kScan = 64;
  std::vector<char> esc(kScan + 1);
  esc[0] = 1;
  esc[kScan] = 0;
  for (int k = 1; k < kScan; ++k) esc[k] = escapes(h_hi * k / kScan);
  int first = -1, last = -1;
  for (int k = 0; k < kScan; ++k) {
    if (esc[k] && !esc[k + 1]) {
      ++r.boundaries;
      if (first < 0) first = k;
      last = k;
    }
  }
  r.monotone = r.boundaries <= 1;

  // 3. Bisect the last switch (the supremum), and the first when they differ. Three halvings
  // past tol (8x tighter) cost three runs and make h_max right when printed to tol's digits.
  const double tight = tol / 8;
  auto [lo, hi] = bisect(escapes, h_hi * last / kScan, h_hi * (last + 1) / kScan, tight);
  r.h_max = lo;
  r.h_trapped = hi;
  r.first_boundary = lo;
  if (!r.monotone) {
    r.first_boundary =
        bisect(escapes, h_hi * first / kScan, h_hi * (first + 1) / kScan, tight).first;
    r.note = "escape is not monotone in h: it first fails at h = " + fmt(r.first_boundary) +
             " and succeeds again higher up; h_max is the largest height escaped";
  }
  if (config.name == "sgd" && config.weight_decay == 0.0)
    r.note = "plain gradient descent moves exactly lr = " + fmt(config.lr) +
             " per step (|g| = 1): it is trapped for every h > lr, so h_max <= lr";
  r.escape_step = run_outcome(BumpLoss{L, r.h_max}, config, x0, max_steps).escape_step;
  ++r.simulations;
  return r;
}

// [SECTION] phase_map --------------------------------------------------------------------------

PhaseMap phase_map(const optim::OptimizerConfig& base, double L, double x0,
                   std::span<const double> hs, std::span<const double> lrs, long max_steps,
                   std::atomic<bool>* cancel, std::function<void(double)> progress) {
  check_common(base, L, x0, max_steps);
  // Everything that can throw is checked here: an exception must not leave an OpenMP region.
  std::vector<optim::OptimizerConfig> configs;
  for (double lr : lrs) {
    optim::OptimizerConfig c = base;
    c.lr = lr;
    optim::validate(c);
    configs.push_back(c);
  }
  for (double h : hs) BumpLoss{L, h}.validate();

  PhaseMap map;
  map.hs.assign(hs.begin(), hs.end());
  map.lrs.assign(lrs.begin(), lrs.end());
  map.cells.resize(hs.size() * lrs.size());
  const long total = static_cast<long>(map.cells.size());
  std::atomic<long> done{0};
  std::atomic<bool> stop{false};

#pragma omp parallel for schedule(dynamic, 1)
  for (long cell = 0; cell < total; ++cell) {
    if (stop.load(std::memory_order_relaxed) || (cancel && cancel->load())) {
      stop.store(true, std::memory_order_relaxed);
      continue;
    }
    const size_t i_h = static_cast<size_t>(cell) / lrs.size(), i_lr = cell % lrs.size();
    const Outcome o = run_outcome(BumpLoss{L, hs[i_h]}, configs[i_lr], x0, max_steps);
    map.cells[cell] = {true, o.fate, o.escape_step};
    const long n = done.fetch_add(1) + 1;
#ifdef _OPENMP
    const bool caller = omp_get_thread_num() == 0;
#else
    const bool caller = true;
#endif
    if (progress && caller) progress(static_cast<double>(n) / static_cast<double>(total));
  }
  map.cancelled = stop.load() || done.load() < total;
  if (progress && !map.cancelled) progress(1.0);
  return map;
}

}  // namespace aelab::playground
