#pragma once
// A line plot drawn with ImDrawList: several series with colours, axes with ticks (linear, or a
// true log10 y axis), vertical markers with a short label (e.g. where the learning rate changed),
// a hover readout of the nearest point. The caller keeps the data; the widget keeps nothing
// between frames. plot_toolbar() puts the usual controls above a plot in one call:
//
//   PlotView view_;                                  // in the panel's view state
//   PlotToolbar tb = plot_toolbar("loss", view_);    // [ ] from 0  [ ] log y  [CSV] [PNG]
//   PlotOptions o{"epoch", "test L1"};
//   apply(view_, o);
//   o.markers = lr_markers(epochs, lrs);
//   PlotFrame f = line_plot("loss", series, o);
//   if (tb.png) export_png(ctx, f.widget, "loss-run12");
#include <imgui.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "app/widgets/axes.hpp"
#include "app/widgets/screen_rect.hpp"

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

// A vertical line at data x with a short label at the top ("lr 1e-4").
struct PlotMarker {
  double x = 0;
  std::string label;
  ImU32 colour = IM_COL32(230, 180, 60, 200);
};

struct PlotOptions {
  std::string x_label, y_label;
  // NaN: fit to the data (with a small margin). A y bound <= 0 is ignored on a log axis.
  double x_min = NAN, x_max = NAN, y_min = NAN, y_max = NAN;
  bool legend = true;
  bool y_from_zero = false;  // a fitted y range also holds 0
  bool y_log = false;        // log10 y axis: ticks at decades, values <= 0 are not drawn
  std::vector<PlotMarker> markers = {};
};

// Where the plot landed, to draw extra marks on top (to_px) and for hover readouts.
struct PlotFrame {
  ImVec2 min, max;    // the data area in screen pixels
  ScreenRect widget;  // the whole widget with axes and labels (for PNG export)
  AxisMap x, y;
  bool hovered = false;  // the mouse is over the data area
  double mouse_x = 0, mouse_y = 0;
  int hover_series = -1, hover_index = -1;  // the nearest point within a few pixels
  [[nodiscard]] ImVec2 to_px(double dx, double dy) const { return {x.to_px(dx), y.to_px(dy)}; }
};

// size: the whole widget including axes; (0, 0) fills the available width with a 3:2 height.
PlotFrame line_plot(const char* id, std::span<const PlotSeries> series, const PlotOptions& options,
                    ImVec2 size = ImVec2(0, 0));

// [SECTION] toolbar

// The toggles a panel keeps per plot (in its view state; save/load them with the panel).
struct PlotView {
  bool from_zero = false;
  bool log_y = false;
};
inline void apply(const PlotView& v, PlotOptions& o) {
  o.y_from_zero = v.from_zero;
  o.y_log = v.log_y;
}
// Which export buttons were clicked this frame.
struct PlotToolbar {
  bool csv = false, png = false;
};
// One row: "from 0" and "log y" checkboxes (flip `view`), then the "CSV" / "PNG" buttons asked
// for. Wraps to the next line when the row does not fit the width left.
PlotToolbar plot_toolbar(const char* id, PlotView& view, bool csv = true, bool png = true);

// Markers where `value` changes along the curve (e.g. the lr metric of a run): one at each x
// where it differs from the previous point, labelled "<name> <new value>" ("lr 1e-4").
[[nodiscard]] std::vector<PlotMarker> change_markers(std::span<const double> x,
                                                     std::span<const double> value,
                                                     const std::string& name = "lr");
// A short number for labels: "1e-4", "0.003", "2.5e+06" -> "2.5e6", "0.25".
[[nodiscard]] std::string short_number(double v);

}  // namespace aelab::app
