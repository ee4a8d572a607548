#pragma once
// Axis and layout arithmetic shared by the plot, heatmap, scatter and image-grid widgets (no
// ImGui, unit-tested in tests/app/widgets_test.cpp).
#include <cmath>
#include <span>
#include <string>
#include <vector>

namespace aelab::app {

// "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi], about `target` of them, all
// inside [lo, hi], and at least two (a finer step when the first leaves one), so that a label's
// decimals follow from the step. Empty when the range is empty or not finite.
[[nodiscard]] std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// A tick label with as many decimals as the step needs ("0.25", "1e+04").
[[nodiscard]] std::string tick_label(double value, double step);

// [SECTION] fitting a range to data

// The finite values seen (only the positive ones when positive_only, for a log axis).
struct Extent {
  double lo = INFINITY, hi = -INFINITY;
  bool positive_only = false;
  void add(double v) {
    if (!std::isfinite(v) || (positive_only && v <= 0)) return;
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  void add(std::span<const double> vs) {
    for (double v : vs) add(v);
  }
  [[nodiscard]] bool valid() const { return lo <= hi; }
};

struct AxisRange {
  double lo = 0, hi = 1;
};

// A linear axis around the data: 5 % margin on both sides, so a curve near 0.1 fills the plot.
// from_zero: the range also holds 0 (no margin below 0 for positive data). A flat series gets
// +-10 % of its value (+-1 at 0); no data gives [0, 1].
[[nodiscard]] AxisRange fit_linear(const Extent& e, bool from_zero = false);
// A log10 axis around the positive data with a margin of 5 % of the decades spanned; a single
// value gets half a decade either side; no positive data gives [1, 10].
[[nodiscard]] AxisRange fit_log(const Extent& positive);

// Ticks of a log10 axis over [lo, hi] (lo > 0): `major` at powers of ten (every n-th decade
// when more than ~target decades are spanned); when fewer than two decades fall inside, the
// 2x and 5x multiples are major too. `minor` (grid only): 2..9 x 10^k, when a decade is wide.
struct LogTicks {
  std::vector<double> major, minor;
};
[[nodiscard]] LogTicks log_ticks(double lo, double hi, int target = 6);
// "1e-4", "0.01", "1", "100", "1e5", "2e-3": short, exact for 1/2/5 x 10^k.
[[nodiscard]] std::string log_tick_label(double value);

// Data range -> pixel range, linear or log10 (then d0, d1 > 0 and values <= 0 map to NaN).
struct AxisMap {
  double d0 = 0, d1 = 1;  // data
  float p0 = 0, p1 = 1;   // pixels
  bool log = false;
  [[nodiscard]] float to_px(double d) const {
    if (log) {
      if (!(d > 0)) return NAN;
      return p0 + static_cast<float>((std::log10(d) - std::log10(d0)) /
                                     (std::log10(d1) - std::log10(d0))) *
                      (p1 - p0);
    }
    return p0 + static_cast<float>((d - d0) / (d1 - d0)) * (p1 - p0);
  }
  [[nodiscard]] double to_data(float p) const {
    const double t = (p - p0) / (p1 - p0);
    if (log) return std::pow(10.0, std::log10(d0) + t * (std::log10(d1) - std::log10(d0)));
    return d0 + t * (d1 - d0);
  }
};

// [SECTION] grid layout

// How many images per row and how big, to fit `count` images of aspect h/w into `width` pixels
// with `gap` between them. wrap: as many columns as fit at min_cell (at most count); otherwise
// `columns` stay as given and the cells shrink to fit. Cells never exceed max_cell (0: no limit)
// and, when max_height > 0, shrink until the whole grid is at most that tall.
struct GridLayout {
  int columns = 1, rows = 0;
  float cell_w = 0, cell_h = 0;
  float width = 0, height = 0;  // the whole grid
};
struct GridFit {
  float min_cell = 24;  // pixels: wrap before the cells get smaller than this
  float max_cell = 0;   // pixels: 0 = as large as the width allows
  float max_height = 0;
  bool wrap = true;
  float gap = 2;
};
[[nodiscard]] GridLayout fit_grid(int count, float aspect_h_over_w, float width, int columns,
                                  const GridFit& fit);

}  // namespace aelab::app
