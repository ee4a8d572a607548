#include "playground/bump_loss.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.hpp"

namespace aelab::playground {

void BumpLoss::validate() const {
  if (!std::isfinite(L))
    throw InputError("bump: L must be a finite number, got " + std::to_string(L));
  if (!(h >= 0.0 && std::isfinite(h)))
    throw InputError("bump: height h must be a finite number >= 0, got " + std::to_string(h));
}

bool BumpLoss::at_or_right_of(double x, double k) {
  return x >= k - kKinkSnap * std::max(1.0, std::abs(k));
}

double BumpLoss::value(double x) const {
  return -x + 2.0 * std::clamp(x - L, 0.0, h);
}

double BumpLoss::grad(double x) const {
  const bool on_rising_side = at_or_right_of(x, L) && !at_or_right_of(x, peak());
  return on_rising_side ? 1.0 : -1.0;
}

}  // namespace aelab::playground
