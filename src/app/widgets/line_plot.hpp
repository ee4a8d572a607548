#pragma once
// A line plot drawn with ImDrawList: several series with colours, axes with ticks, a hover
// readout of the nearest point. The caller keeps the data; the widget keeps nothing between frames.
#include <imgui.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "app/widgets/axes.hpp"

namespace aelab::app {

struct PlotSeries {
  std::string label;
  std::span<const double> x;  // same length as y
  std::span<const double> y;
  ImU32 colour = IM_COL32(255, 255, 255, 255);
  float thickness = 1.5f;
  bool lines = true;
  bool markers = false;  // a dot at every point
  float marker_radius = 3.0f;
  bool hoverable = true;  // false for backgrounds (e.g. the loss curve under the traces)
};

struct PlotOptions {
  std::string x_label, y_label;
  // NaN: fit to the data (with a small margin).
  double x_min = NAN, x_max = NAN, y_min = NAN, y_max = NAN;
  bool legend = true;
};

// Where the plot landed, to draw extra marks on top (to_px) and for hover readouts.
struct PlotFrame {
  ImVec2 min, max;  // the data area in screen pixels
  AxisMap x, y;
  bool hovered = false;  // the mouse is over the data area
  double mouse_x = 0, mouse_y = 0;
  int hover_series = -1, hover_index = -1;  // the nearest point within a few pixels
  [[nodiscard]] ImVec2 to_px(double dx, double dy) const { return {x.to_px(dx), y.to_px(dy)}; }
};

// size: the whole widget including axes; (0, 0) fills the available width with a 3:2 height.
PlotFrame line_plot(const char* id, std::span<const PlotSeries> series, const PlotOptions& options,
                    ImVec2 size = ImVec2(0, 0));

}  // namespace aelab::app
