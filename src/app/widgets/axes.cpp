#include "app/widgets/axes.hpp"

#include <cmath>
#include <cstdio>

namespace aelab::app {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo) || target < 1) return out;
  double raw = (hi - lo) / target;
  double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  double first = std::ceil(lo / step - 1e-9) * step;
  for (double t = first; t <= hi + step * 1e-9; t += step) {
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);  // no "-0"
    if (out.size() > 1000) break;
  }
  return out;
}

std::string tick_label(double value, double step) {
  char buf[32];
  double a = std::abs(value);
  if (a != 0.0 && (a >= 1e5 || a < 1e-4)) {
    std::snprintf(buf, sizeof buf, "%.2g", value);
  } else {
    int decimals = step > 0 ? static_cast<int>(std::ceil(-std::log10(step) - 1e-9)) : 0;
    if (decimals < 0) decimals = 0;
    if (decimals > 6) decimals = 6;
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  }
  return buf;
}

}  // namespace aelab::app
