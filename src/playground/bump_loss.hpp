#pragma once
// The study's 1-D loss (DESIGN.md, item 1): slope -1 up to x = L, a triangular bump h high and 2h
// wide (slope +1 on [L, L+h], -1 on [L+h, L+2h]), then slope -1 for ever. Slope -1 also for x < 0,
// so the loss is defined everywhere:
//
//   value(x) = -x + 2 * clamp(x - L, 0, h)       (value(0) = 0; value(L) = value(L+2h) = -L)
//
//   x      ...  0  ........  L  ........  L+h  ........  L+2h  ........
//   slope    -1       -1          +1              -1                -1
//   value    -x                   rises h         falls h to -L      -x + 2h
//
// Gradient at the kinks. The slope changes only at L (-1 -> +1, the valley floor) and at L+h
// (+1 -> -1, the top); L+2h is not a kink of the gradient. grad() returns the RIGHT derivative:
// every piece is the half-open interval [start, next start). Why this convention:
//  - |grad| = 1 everywhere, so every optimiser sees the same unit-size signal the study's analysis
//    assumes (Adam's v_hat is then exactly 1 and its step is lr * m_hat). The subgradient
//    convention (0 at a kink) would hand a momentum method a fake "flat" step at x = L.
//  - Landing exactly on the foot x = L means standing on the bump (grad +1: pushed back), and
//    landing exactly on the top x = L+h means being over it (grad -1: rolls down the far side).
//    So the set of heights an optimiser escapes is closed above: escape_height is a maximum.
//  - Positions are doubles that accumulate rounding (0.9 + 0.3 = 1.2000000000000002). A position
//    within kKinkSnap (relative) of a kink is treated as ON the kink, so a walk that lands on a
//    kink in exact arithmetic gets the same gradient in floating point (a thousand steps of
//    rounding stay well inside 1e-12). The snap moves the escape boundary by at most
//    1e-12 * max(1, L+h), far below the 1e-6 the study asks for.
namespace aelab::playground {

struct BumpLoss {
  double L = 1;
  double h = 0.5;

  static constexpr double kKinkSnap = 1e-12;  // relative to max(1, |kink|)

  // Throws InputError unless L is finite and h is finite and >= 0.
  void validate() const;
  [[nodiscard]] double value(double x) const;
  [[nodiscard]] double grad(double x) const;  // right derivative, see above
  [[nodiscard]] double peak() const { return L + h; }
  [[nodiscard]] double far_foot() const { return L + 2 * h; }
  // x is at or past L + 2h: the bump is behind, the slope is -1 from here on.
  [[nodiscard]] bool past_bump(double x) const { return at_or_right_of(x, far_foot()); }
  // x >= k, with x within kKinkSnap of k counted as on k.
  [[nodiscard]] static bool at_or_right_of(double x, double k);
};

}  // namespace aelab::playground
