#pragma once
// A float grid coloured by heatmap.frag (the shared colormap) into an offscreen texture, shown
// with ImGui::Image inside axes. NaN cells are drawn in the "missing" colour (e.g. "trapped").
// It lays out from the size it is given: cells shrink, tick labels thin out, axis labels, the
// colour bar and cell labels are dropped when there is no room, and nothing is drawn outside
// that size. last_rect() is the whole widget of the last frame, for PNG export.
#include <imgui.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "app/gl/framebuffer.hpp"
#include "app/gl/shader.hpp"
#include "app/gl/texture.hpp"
#include "app/widgets/axes.hpp"
#include "app/widgets/screen_rect.hpp"

namespace aelab::app {

struct HeatmapAxes {
  std::string x_label, y_label;
  double x_min = 0, x_max = 1;  // left edge of column 0 .. right edge of the last column
  double y_min = 0, y_max = 1;  // bottom edge of the last row .. top edge of row 0
  bool log_scale = false;       // colour by log(1 + v - vmin)
};

struct HeatmapHover {
  bool hovered = false;
  int col = -1, row = -1;  // row 0 = top
  float value = NAN;
  double x = 0, y = 0;  // data coordinates under the mouse
  ImVec2 min, max;      // the image's screen rect (for PNG export of the region)
};

class Heatmap {
 public:
  Heatmap() = default;
  ~Heatmap();
  Heatmap(const Heatmap&) = delete;
  Heatmap& operator=(const Heatmap&) = delete;
  // values: (rows, cols) row-major, row 0 drawn at the top. vmin/vmax: the colour range; NaN
  // means "fit to the finite values".
  void set_values(int cols, int rows, std::span<const float> values, float vmin = NAN,
                  float vmax = NAN);
  // Text drawn centred in each cell (rows*cols, row-major like the values; e.g. the counts of a
  // confusion matrix), dark on bright cells; a label that does not fit its cell is left out.
  // Empty: none. ShapeError when the count does not match the grid.
  void set_cell_labels(std::vector<std::string> labels);
  // size: whole widget including axes and the colour bar; <= 0 fills the available width
  // (height 3/4 of it).
  HeatmapHover draw(const char* id, const HeatmapAxes& axes, ImVec2 size);
  [[nodiscard]] const ScreenRect& last_rect() const { return last_rect_; }
  [[nodiscard]] bool empty() const { return cols_ == 0; }
  [[nodiscard]] float vmin() const { return vmin_; }
  [[nodiscard]] float vmax() const { return vmax_; }

 private:
  void render(int w, int h, bool log_scale);
  gl::ShaderProgram program_;
  gl::Texture values_;
  gl::Framebuffer target_;
  GLuint vao_ = 0;
  std::vector<float> cpu_;  // for hover readouts
  std::vector<std::string> cell_labels_;
  ScreenRect last_rect_;
  int cols_ = 0, rows_ = 0;
  float vmin_ = 0, vmax_ = 1;
  bool dirty_ = true;
  bool rendered_log_ = false;
};

}  // namespace aelab::app
