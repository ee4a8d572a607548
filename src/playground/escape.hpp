#pragma once
// The study's questions about the bump loss, answered by simulation with the program's own
// optimisers: how tall a bump does an optimiser still escape (escape_height), and where in the
// (h, learning rate) plane does it escape (phase_map).
#include <atomic>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "optim/optimizer.hpp"
#include "playground/trajectory.hpp"

namespace aelab::playground {

// [SECTION] escape_height
//
// The supremum of the bump heights h that the optimiser escapes (within max_steps) from x0 < L.
//
// Monotonicity. With no weight decay, escaping is monotone in h: on bumps h1 < h2 the gradients
// agree except on [L+h1, L+h2), so both walks are identical until the first time x enters that
// interval; on the h1 bump the walker is then at or past its top, moving right with gradient -1,
// and every optimiser here keeps moving right when all new gradients are -1 (a positive mix of
// them), so it escapes h1 whenever it escapes h2. Hence sup = max_t x_t - L along the walk on the
// bump of infinite height, attained because the top belongs to the far side (see bump_loss.hpp).
// Weight decay (L2 or AdamW's) pulls x back towards 0 and can break this argument, so the solver
// does not rely on it:
//  1. bracket: h = lr, doubled until the walk is trapped (up to 2^30 lr; beyond: escapes_all);
//  2. scan: 64 evenly spaced heights in [0, h_hi], each simulated, to see every escape -> trapped
//     switch at that resolution (islands narrower than h_hi/64 can be missed);
//  3. bisect the LAST switch (the supremum) to tol, and the first one too when they differ
//     (monotone = false then; first_boundary tells where escape first fails).
// Plain gradient descent steps exactly lr each time (|g| = 1), so it can never climb a bump higher
// than lr in one go: it is trapped for every h > lr and its escape height is <= lr (0.2 for the
// study's lr 0.3 from x0 = 0: it reaches 0.9, jumps to 1.2 and that is the top only if h = 0.2).
struct EscapeResult {
  double h_max = 0;           // the largest height seen to escape; h_trapped - h_max <= tol / 8
  double h_trapped = 0;       // the smallest height above h_max seen to stay trapped (or running)
  long escape_step = -1;      // steps to escape the h_max bump
  double first_boundary = 0;  // the lowest escape -> trapped switch (== h_max when monotone)
  int boundaries = 0;         // switches seen on the scan
  bool monotone = true;       // boundaries <= 1
  bool escapes_all = false;   // escaped every height up to the cap: h_max is the cap, no bound
  bool escapes_none = false;  // does not even escape h = 0 (never reaches L within max_steps)
  long simulations = 0;
  double tol = 0;
  std::string note;  // a sentence for the user when one of the flags above is set
};

// Throws InputError on a bad config, a non-finite L, x0 >= L, tol <= 0 or max_steps < 1.
[[nodiscard]] EscapeResult escape_height(const optim::OptimizerConfig& config, double L, double x0,
                                         long max_steps, double tol = 1e-6);

// [SECTION] phase_map

struct PhaseCell {
  bool computed = false;  // false for cells skipped after a cancel
  Fate fate = Fate::running;
  long escape_step = -1;  // steps to escape, -1 if not escaped
};

struct PhaseMap {
  std::vector<double> hs, lrs;
  std::vector<PhaseCell> cells;  // row-major over h: cells[i_h * lrs.size() + i_lr]
  bool cancelled = false;
  [[nodiscard]] const PhaseCell& at(size_t i_h, size_t i_lr) const {
    return cells.at(i_h * lrs.size() + i_lr);
  }
};

// Every (h, lr) cell simulated with `base` at that learning rate, in parallel over cells (OpenMP).
// `cancel` is polled before each cell; `progress` (fraction done) is called from the calling
// thread only, so a callback that only stores a number needs no lock.
[[nodiscard]] PhaseMap phase_map(const optim::OptimizerConfig& base, double L, double x0,
                                 std::span<const double> hs, std::span<const double> lrs,
                                 long max_steps, std::atomic<bool>* cancel = nullptr,
                                 std::function<void(double)> progress = {});

}  // namespace aelab::playground
