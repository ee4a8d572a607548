#pragma once
// Axis arithmetic shared by the plot, heatmap and scatter widgets (no ImGui, unit-tested).
#include <string>
#include <vector>

namespace aelab::app {

// "Nice" tick positions (1, 2, 5 x 10^k steps) covering [lo, hi], about `target` of them, all
// inside [lo, hi]. Empty when the range is empty or not finite.
[[nodiscard]] std::vector<double> nice_ticks(double lo, double hi, int target = 6);
// A tick label with as many decimals as the step needs ("0.25", "1e+04").
[[nodiscard]] std::string tick_label(double value, double step);

// Data range -> pixel range, linear.
struct AxisMap {
  double d0 = 0, d1 = 1;  // data
  float p0 = 0, p1 = 1;   // pixels
  [[nodiscard]] float to_px(double d) const {
    return p0 + static_cast<float>((d - d0) / (d1 - d0)) * (p1 - p0);
  }
  [[nodiscard]] double to_data(float p) const { return d0 + (p - p0) / (p1 - p0) * (d1 - d0); }
};

}  // namespace aelab::app
