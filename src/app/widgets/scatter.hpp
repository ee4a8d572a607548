#pragma once
// Many points (10,000-70,000 latent codes) drawn as GL points from one vertex buffer through
// scatter.vert/.frag into an offscreen texture: one colour per label from the 10 digit colours,
// pan (drag), zoom (wheel, about the mouse), double-click to fit, hover reports the nearest point.
#include <imgui.h>

#include <cstdint>
#include <span>
#include <vector>

#include "app/gl/framebuffer.hpp"
#include "app/gl/shader.hpp"
#include "app/widgets/point_index.hpp"

namespace aelab::app {

struct ScatterHover {
  bool hovered = false;
  int index = -1;        // nearest point within a few pixels, or -1
  double x = 0, y = 0;   // data coordinates under the mouse
  bool clicked = false;  // left click without dragging this frame (e.g. "decode here")
  ImVec2 min, max;       // the drawn rect on screen
};

class Scatter {
 public:
  Scatter() = default;
  ~Scatter();
  Scatter(const Scatter&) = delete;
  Scatter& operator=(const Scatter&) = delete;

  // xy: (N, 2) interleaved; labels: N values in 0..9 (others are clamped). Fits the view unless
  // keep_view (live updates of the same points keep the user's pan and zoom).
  void set_points(std::span<const float> xy, std::span<const uint8_t> labels,
                  bool keep_view = false);
  ScatterHover draw(const char* id, ImVec2 size);
  void fit_view();
  // True once the user has panned or zoomed since the last fit (live updates then keep the view).
  [[nodiscard]] bool view_moved() const { return view_moved_; }
  [[nodiscard]] size_t size() const { return n_; }
  // For overlays drawn after draw(): the data rect shown in the last frame, and data -> screen.
  struct ViewRect {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  };
  [[nodiscard]] ViewRect visible() const;
  [[nodiscard]] ImVec2 to_screen(double x, double y) const;

  float point_size = 3.0f;  // pixels
  float alpha = 0.7f;

 private:
  void init_gl();
  gl::ShaderProgram program_;
  // Two targets: a redraw goes into the one not shown and is shown from the next frame on, so
  // the frame never waits for its own points to be rasterised (a software GL such as llvmpipe
  // would block there for the whole offscreen draw, 50-100 ms while a training shares the cores).
  gl::Framebuffer target_[2];
  int shown_ = 0;             // the target drawn last, shown this frame unless it is being redrawn
  bool shown_valid_ = false;  // target_[shown_] holds a finished image of the current size
  GLuint vao_ = 0, vbo_pos_ = 0, vbo_label_ = 0;
  PointIndex index_;
  size_t n_ = 0;
  double cx_ = 0, cy_ = 0;          // view centre (data)
  double half_w_ = 1, half_h_ = 1;  // half extents of the view (data)
  double fit_cx_ = 0, fit_cy_ = 0, fit_hw_ = 1, fit_hh_ = 1;
  bool dirty_ = true;
  bool view_moved_ = false;
  ImVec2 drawn_min_{0, 0}, drawn_max_{0, 0};  // last draw's rect
  double drawn_upp_ = 1;                      // data units per pixel in the last draw
  int hovered_ = -1, drawn_hovered_ = -2;
};

}  // namespace aelab::app
