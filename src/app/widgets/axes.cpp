#include "app/widgets/axes.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace aelab::app {

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> out;
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(hi > lo) || target < 1) return out;
  // A range that the step overhangs on both sides (0.105-0.27 in steps of 0.1) keeps one tick,
  // which leaves no step to label it by ("0" for 0.2, seen on a loss plot): the next finer
  // 1-2-5 step then, until two fit.
  for (; out.size() < 2 && target <= (1 << 12); target *= 2) {
    out.clear();
    const double raw = (hi - lo) / target;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
      step = m * mag;
      if (step >= raw) break;
    }
    const double first = std::ceil(lo / step - 1e-9) * step;
    for (double t = first; t <= hi + step * 1e-9; t += step) {
      out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);  // no "-0"
      if (out.size() > 1000) break;
    }
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

// [SECTION] fitting a range to data

namespace aelab::app {

AxisRange fit_linear(const Extent& e, bool from_zero) {
  if (!e.valid()) return {0, 1};
  double lo = e.lo, hi = e.hi;
  if (from_zero) {
    lo = std::min(lo, 0.0);
    hi = std::max(hi, 0.0);
  }
  if (hi - lo <= 1e-12 * std::max(std::abs(lo), std::abs(hi))) {
    const double half = lo == 0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= half;
    hi += half;
    if (from_zero && e.lo >= 0)
      lo = 0;
    else if (from_zero && e.hi <= 0)
      hi = 0;
    return {lo, hi};
  }
  const double pad = (hi - lo) * 0.05;
  // With from_zero the zero side is the edge of the plot, not a margin below it.
  if (!(from_zero && lo == 0)) lo -= pad;
  if (!(from_zero && hi == 0)) hi += pad;
  return {lo, hi};
}

AxisRange fit_log(const Extent& positive) {
  if (!positive.valid() || !(positive.lo > 0)) return {1, 10};
  double a = std::log10(positive.lo), b = std::log10(positive.hi);
  if (b - a < 1e-9) {
    a -= 0.5;
    b += 0.5;
  } else {
    const double pad = (b - a) * 0.05;
    a -= pad;
    b += pad;
  }
  return {std::pow(10.0, a), std::pow(10.0, b)};
}

LogTicks log_ticks(double lo, double hi, int target) {
  LogTicks t;
  if (!(lo > 0) || !std::isfinite(hi) || !(hi > lo) || target < 1) return t;
  const int k0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  const int k1 = static_cast<int>(std::floor(std::log10(hi) + 1e-9));
  const int decades = k1 - k0;
  const int every = std::max(1, (decades + target - 1) / target);
  auto inside = [&](double v) { return v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9); };
  int powers_inside = 0;
  for (int k = k0; k <= k1 + 1; ++k)
    if (inside(std::pow(10.0, k))) ++powers_inside;
  const bool with_multiples = powers_inside < 2;
  for (int k = k0; k <= k1; ++k) {
    const double p = std::pow(10.0, k);
    for (int m = 1; m <= 9; ++m) {
      const double v = m * p;
      if (!inside(v)) continue;
      if (m == 1 && k % every == 0)
        t.major.push_back(v);
      else if (with_multiples && (m == 2 || m == 5))
        t.major.push_back(v);
      else if (every == 1)
        t.minor.push_back(v);
    }
  }
  return t;
}

std::string log_tick_label(double value) {
  if (!(value > 0)) return "";
  const int k = static_cast<int>(std::floor(std::log10(value) + 1e-9));
  const double mant = value / std::pow(10.0, k);
  const int m = static_cast<int>(std::lround(mant));
  char buf[32];
  if (std::abs(mant - m) > 1e-6) {
    std::snprintf(buf, sizeof buf, "%.3g", value);
  } else if (k >= 0 && k <= 3) {
    std::snprintf(buf, sizeof buf, "%d", m * static_cast<int>(std::lround(std::pow(10.0, k))));
  } else if (k < 0 && k >= -3) {
    std::snprintf(buf, sizeof buf, "%.*f", -k, value);
  } else {
    std::snprintf(buf, sizeof buf, "%de%d", m, k);
  }
  return buf;
}

// [SECTION] grid layout

GridLayout fit_grid(int count, float aspect, float width, int columns, const GridFit& fit) {
  GridLayout g;
  if (count <= 0 || !(width > 0) || !(aspect > 0)) return g;
  const float gap = fit.gap;
  if (fit.wrap) {
    const float min_cell = std::max(fit.min_cell, 1.0f);
    g.columns = static_cast<int>(std::floor((width + gap) / (min_cell + gap)));
    g.columns = std::clamp(g.columns, 1, count);
  } else {
    g.columns = std::clamp(columns, 1, count);
  }
  g.rows = (count + g.columns - 1) / g.columns;
  float cell = (width - gap * static_cast<float>(g.columns - 1)) / static_cast<float>(g.columns);
  if (fit.max_cell > 0) cell = std::min(cell, fit.max_cell);
  if (fit.max_height > 0) {
    const float by_height = (fit.max_height - gap * static_cast<float>(g.rows - 1)) /
                            static_cast<float>(g.rows) / aspect;
    cell = std::min(cell, by_height);
  }
  cell = std::max(cell, 1.0f);
  g.cell_w = cell;
  g.cell_h = cell * aspect;
  g.width = g.columns * cell + gap * static_cast<float>(g.columns - 1);
  g.height = g.rows * g.cell_h + gap * static_cast<float>(g.rows - 1);
  return g;
}

}  // namespace aelab::app
