#include "app/widgets/scatter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "app/widgets/colormap.hpp"
#include "core/error.hpp"

namespace aelab::app {

Scatter::~Scatter() {
  if (vbo_pos_) glDeleteBuffers(1, &vbo_pos_);
  if (vbo_label_) glDeleteBuffers(1, &vbo_label_);
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

// The shader program and buffers, made once. draw() makes them too (before any points), so that
// the first codes arriving mid-training do not pay for a shader compile (tens of ms in llvmpipe).
void Scatter::init_gl() {
  if (program_.valid()) return;
  program_ = gl::ShaderProgram("scatter.vert", "scatter.frag");
  glGenVertexArrays(1, &vao_);
  glGenBuffers(1, &vbo_pos_);
  glGenBuffers(1, &vbo_label_);
  glBindVertexArray(vao_);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_pos_);
  glEnableVertexAttribArray(0);
  glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, nullptr);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_label_);
  glEnableVertexAttribArray(1);
  glVertexAttribPointer(1, 1, GL_UNSIGNED_BYTE, GL_FALSE, 0, nullptr);
  glBindVertexArray(0);
}

void Scatter::set_points(std::span<const float> xy, std::span<const uint8_t> labels,
                         bool keep_view) {
  if (xy.size() != labels.size() * 2)
    throw ShapeError("scatter: " + std::to_string(xy.size()) + " coordinates for " +
                     std::to_string(labels.size()) + " labels (need 2 per point)");
  init_gl();
  n_ = labels.size();
  glBindBuffer(GL_ARRAY_BUFFER, vbo_pos_);
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(xy.size_bytes()), xy.data(),
               GL_STATIC_DRAW);
  glBindBuffer(GL_ARRAY_BUFFER, vbo_label_);
  glBufferData(GL_ARRAY_BUFFER, static_cast<GLsizeiptr>(labels.size_bytes()), labels.data(),
               GL_STATIC_DRAW);
  glBindBuffer(GL_ARRAY_BUFFER, 0);
  index_.build(xy);

  float x0 = std::numeric_limits<float>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (size_t i = 0; i < n_; ++i) {
    float x = xy[2 * i], y = xy[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
  }
  if (!std::isfinite(x0)) x0 = -1, x1 = 1, y0 = -1, y1 = 1;
  fit_cx_ = (x0 + x1) / 2, fit_cy_ = (y0 + y1) / 2;
  fit_hw_ = std::max((x1 - x0) / 2 * 1.05, 1e-6);
  fit_hh_ = std::max((y1 - y0) / 2 * 1.05, 1e-6);
  if (keep_view)
    dirty_ = true;
  else
    fit_view();
}

Scatter::ViewRect Scatter::visible() const {
  const double hw = drawn_upp_ * (drawn_max_.x - drawn_min_.x) / 2;
  const double hh = drawn_upp_ * (drawn_max_.y - drawn_min_.y) / 2;
  return ViewRect{cx_ - hw, cy_ - hh, cx_ + hw, cy_ + hh};
}

ImVec2 Scatter::to_screen(double x, double y) const {
  return ImVec2(static_cast<float>((drawn_min_.x + drawn_max_.x) / 2 + (x - cx_) / drawn_upp_),
                static_cast<float>((drawn_min_.y + drawn_max_.y) / 2 - (y - cy_) / drawn_upp_));
}

void Scatter::fit_view() {
  cx_ = fit_cx_, cy_ = fit_cy_, half_w_ = fit_hw_, half_h_ = fit_hh_;
  dirty_ = true;
  view_moved_ = false;
}

ScatterHover Scatter::draw(const char* id, ImVec2 size) {
  ImGui::PushID(id);
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = size.x;
  ScatterHover hv;
  hv.min = ImGui::GetCursorScreenPos();
  hv.max = ImVec2(hv.min.x + size.x, hv.min.y + size.y);
  ImGui::InvisibleButton("##scatter", size);
  init_gl();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  if (n_ == 0) {
    dl->AddRect(hv.min, hv.max, IM_COL32(160, 164, 172, 255));
    dl->AddText(ImVec2(hv.min.x + 8, hv.min.y + 8), IM_COL32(200, 204, 210, 255), "no points yet");
    ImGui::PopID();
    return hv;
  }
  // Keep the data aspect ratio 1:1 in pixels by widening the shorter extent.
  const double upp = std::max(half_w_ * 2 / size.x, half_h_ * 2 / size.y);  // data units per px
  const double hw = upp * size.x / 2, hh = upp * size.y / 2;
  drawn_min_ = hv.min, drawn_max_ = hv.max, drawn_upp_ = upp;
  auto to_data = [&](ImVec2 p) {
    return std::pair<double, double>{cx_ + (p.x - (hv.min.x + hv.max.x) / 2) * upp,
                                     cy_ - (p.y - (hv.min.y + hv.max.y) / 2) * upp};
  };
  ImGuiIO& io = ImGui::GetIO();
  hovered_ = -1;
  if (ImGui::IsItemHovered()) {
    hv.hovered = true;
    auto [mx, my] = to_data(io.MousePos);
    hv.x = mx, hv.y = my;
    if (io.MouseWheel != 0) {  // zoom about the mouse
      double f = std::pow(0.85, io.MouseWheel);
      cx_ = mx + (cx_ - mx) * f, cy_ = my + (cy_ - my) * f;
      half_w_ *= f, half_h_ *= f;
      dirty_ = view_moved_ = true;
    }
    if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) fit_view();
    hovered_ = index_.nearest(static_cast<float>(mx), static_cast<float>(my), 6.0f,
                              static_cast<float>(upp), static_cast<float>(upp));
    hv.index = hovered_;
    hv.clicked = ImGui::IsMouseReleased(ImGuiMouseButton_Left) &&
                 ImGui::GetMouseDragDelta(ImGuiMouseButton_Left).x == 0 &&
                 ImGui::GetMouseDragDelta(ImGuiMouseButton_Left).y == 0;
  }
  if (ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left, 1.0f)) {
    cx_ -= io.MouseDelta.x * upp;
    cy_ += io.MouseDelta.y * upp;
    dirty_ = view_moved_ = true;
  }

  const int tw = static_cast<int>(size.x), th = static_cast<int>(size.y);
  if (target_[shown_].width() != tw || target_[shown_].height() != th) shown_valid_ = false;
  dirty_ = !shown_valid_ || dirty_ || hovered_ != drawn_hovered_;
  int show = shown_;
  if (dirty_) {
    // Into the other target; this frame still shows the last finished one (if there is one).
    const int next = shown_valid_ ? 1 - shown_ : shown_;
    target_[next].resize(tw, th);
    gl::Framebuffer& target = target_[next];
    show = shown_valid_ ? shown_ : next;
    shown_ = next;
    shown_valid_ = true;
    target.bind();
    glClearColor(0.094f, 0.102f, 0.118f, 1.0f);
    glClear(GL_COLOR_BUFFER_BIT);
    glDisable(GL_SCISSOR_TEST);
    glEnable(GL_BLEND);
    glBlendFunc(GL_SRC_ALPHA, GL_ONE_MINUS_SRC_ALPHA);
    glEnable(GL_PROGRAM_POINT_SIZE);
    program_.use();
    glUniform2f(program_.uniform("u_center"), static_cast<float>(cx_), static_cast<float>(cy_));
    glUniform2f(program_.uniform("u_scale"), static_cast<float>(1 / hw),
                static_cast<float>(1 / hh));
    glUniform1f(program_.uniform("u_point_size"), point_size * io.DisplayFramebufferScale.x);
    glUniform3fv(program_.uniform("u_palette"), 10, &digit_palette()[0].r);
    glUniform1i(program_.uniform("u_highlight"), hovered_);
    glUniform1f(program_.uniform("u_alpha"), alpha);
    glBindVertexArray(vao_);
    glDrawArrays(GL_POINTS, 0, static_cast<GLsizei>(n_));
    // The hovered point again on top of the others.
    if (hovered_ >= 0) glDrawArrays(GL_POINTS, hovered_, 1);
    glBindVertexArray(0);
    glDisable(GL_PROGRAM_POINT_SIZE);
    target.unbind();
    dirty_ = false;
    drawn_hovered_ = hovered_;
  }
  dl->AddImage(target_[show].color().imgui_id(), hv.min, hv.max, ImVec2(0, 1), ImVec2(1, 0));
  dl->AddRect(hv.min, hv.max, IM_COL32(160, 164, 172, 255));
  ImGui::PopID();
  return hv;
}

}  // namespace aelab::app
