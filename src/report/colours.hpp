#pragma once
// Colours shared by every picture the program makes (the report's PNG figures, the window's
// widgets and its shaders): the heatmap colormap (viridis sampled at 10 stops, linearly
// interpolated; heatmap.frag receives the same stops) and the 10 fixed digit colours.
#include <array>
#include <cstdint>

namespace aelab::report {

struct Rgb {
  float r, g, b;  // [0, 1]
};

inline constexpr int kColormapStops = 10;
[[nodiscard]] const std::array<Rgb, kColormapStops>& colormap_stops();
// t in [0, 1] (clamped; NaN -> the first stop) -> colour, exactly what heatmap.frag computes.
[[nodiscard]] Rgb colormap(float t);

// Digit d (0..9) -> its colour in every scatter, legend and confusion matrix. Also the trace
// colours of the playground.
[[nodiscard]] const std::array<Rgb, 10>& digit_palette();

}  // namespace aelab::report
