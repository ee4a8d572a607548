#include "app/widgets/heatmap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "app/widgets/colormap.hpp"
#include "core/error.hpp"

namespace aelab::app {

Heatmap::~Heatmap() {
  if (vao_) glDeleteVertexArrays(1, &vao_);
}

void Heatmap::set_values(int cols, int rows, std::span<const float> values, float vmin,
                         float vmax) {
  if (cols <= 0 || rows <= 0 || values.size() != static_cast<size_t>(cols) * rows)
    throw ShapeError("heatmap: " + std::to_string(values.size()) + " values for a " +
                     std::to_string(rows) + "x" + std::to_string(cols) + " grid");
  cols_ = cols;
  rows_ = rows;
  if (cell_labels_.size() != static_cast<size_t>(cols) * rows) cell_labels_.clear();
  cpu_.assign(values.begin(), values.end());
  float lo = std::numeric_limits<float>::infinity(), hi = -lo;
  for (float v : cpu_)
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  vmin_ = std::isnan(vmin) ? lo : vmin;
  vmax_ = std::isnan(vmax) ? hi : vmax;
  if (vmax_ <= vmin_) vmax_ = vmin_ + 1;
  values_.upload_float(cols, rows, 1, cpu_.data(), gl::Filter::nearest);
  dirty_ = true;
}

void Heatmap::render(int w, int h, bool log_scale) {
  if (!program_.valid()) {
    program_ = gl::ShaderProgram("quad.vert", "heatmap.frag");
    glGenVertexArrays(1, &vao_);  // core profile draws need a VAO even without attributes
  }
  dirty_ = target_.resize(w, h) || dirty_ || rendered_log_ != log_scale;
  if (!dirty_) return;
  target_.bind();
  glDisable(GL_BLEND);
  glDisable(GL_SCISSOR_TEST);
  program_.use();
  glActiveTexture(GL_TEXTURE0);
  glBindTexture(GL_TEXTURE_2D, values_.id());
  glUniform1i(program_.uniform("u_values"), 0);
  glUniform1f(program_.uniform("u_min"), vmin_);
  glUniform1f(program_.uniform("u_max"), vmax_);
  glUniform1i(program_.uniform("u_log"), log_scale ? 1 : 0);
  glUniform3fv(program_.uniform("u_stops"), kColormapStops, &colormap_stops()[0].r);
  glUniform1i(program_.uniform("u_stop_count"), kColormapStops);
  glUniform3f(program_.uniform("u_missing"), 0.16f, 0.16f, 0.18f);
  glBindVertexArray(vao_);
  glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
  glBindVertexArray(0);
  target_.unbind();
  dirty_ = false;
  rendered_log_ = log_scale;
}

void Heatmap::set_cell_labels(std::vector<std::string> labels) {
  if (!labels.empty() && labels.size() != static_cast<size_t>(cols_) * rows_)
    throw ShapeError("heatmap: " + std::to_string(labels.size()) + " cell labels for a " +
                     std::to_string(rows_) + "x" + std::to_string(cols_) + " grid");
  cell_labels_ = std::move(labels);
}

HeatmapHover Heatmap::draw(const char* id, const HeatmapAxes& axes, ImVec2 size) {
  ImGui::PushID(id);
  const float font = ImGui::GetFontSize();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = size.x * 0.75f;
  size.x = std::max(size.x, 1.0f);
  size.y = std::max(size.y, 1.0f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##heatmap", size);
  const bool item_hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  last_rect_ = ScreenRect{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  dl->PushClipRect(last_rect_.min, last_rect_.max, true);
  // Room for the axes and the colour bar only when the data area keeps most of the space.
  const bool with_axes = size.x >= font * 12 && size.y >= font * 9;
  const bool with_bar = size.x >= font * 16;
  const float left = with_axes ? font * 4.0f : 1, bottom = with_axes ? font * 2.8f : 1,
              top = with_axes ? font * 1.4f : 1, bar = with_bar ? font * 4.5f : 1;
  HeatmapHover hv;
  hv.min = ImVec2(origin.x + left, origin.y + top);
  hv.max = ImVec2(std::max(hv.min.x + 1, origin.x + size.x - bar),
                  std::max(hv.min.y + 1, origin.y + size.y - bottom));
  const ImU32 text = IM_COL32(200, 204, 210, 255), axis = IM_COL32(160, 164, 172, 255);
  if (empty()) {
    dl->AddRect(hv.min, hv.max, axis);
    dl->AddText(ImVec2(hv.min.x + 8, hv.min.y + 8), text, "no data yet");
    dl->PopClipRect();
    ImGui::PopID();
    return hv;
  }
  render(static_cast<int>(hv.max.x - hv.min.x), static_cast<int>(hv.max.y - hv.min.y),
         axes.log_scale);
  // The FBO's texture has row 0 at the bottom (GL convention): flip v.
  dl->AddImage(target_.color().imgui_id(), hv.min, hv.max, ImVec2(0, 1), ImVec2(1, 0));
  dl->AddRect(hv.min, hv.max, axis);
  const float cw = (hv.max.x - hv.min.x) / cols_, ch = (hv.max.y - hv.min.y) / rows_;

  // [SECTION] cell labels
  if (!cell_labels_.empty() && ch >= font * 0.9f) {
    for (int r = 0; r < rows_; ++r)
      for (int c = 0; c < cols_; ++c) {
        const std::string& s = cell_labels_[static_cast<size_t>(r) * cols_ + c];
        if (s.empty()) continue;
        const ImVec2 ts = ImGui::CalcTextSize(s.c_str());
        if (ts.x > cw - 2) continue;
        const float v = cpu_[static_cast<size_t>(r) * cols_ + c];
        const float t = (v - vmin_) / (vmax_ - vmin_);
        const ImU32 col =
            std::isfinite(v) && t > 0.6f ? IM_COL32(20, 20, 20, 255) : IM_COL32(235, 235, 235, 255);
        dl->AddText(
            ImVec2(hv.min.x + (c + 0.5f) * cw - ts.x / 2, hv.min.y + (r + 0.5f) * ch - ts.y / 2),
            col, s.c_str());
      }
  }

  AxisMap xm{axes.x_min, axes.x_max, hv.min.x, hv.max.x};
  AxisMap ym{axes.y_min, axes.y_max, hv.max.y, hv.min.y};
  if (with_axes) {
    // [SECTION] axes
    const int xn = std::max(2, static_cast<int>((hv.max.x - hv.min.x) / (font * 5)));
    const int yn = std::max(2, static_cast<int>((hv.max.y - hv.min.y) / (font * 2.5f)));
    auto xt = nice_ticks(axes.x_min, axes.x_max, std::min(xn, 8));
    auto yt = nice_ticks(axes.y_min, axes.y_max, std::min(yn, 8));
    const double xs = xt.size() > 1 ? xt[1] - xt[0] : 1, ys = yt.size() > 1 ? yt[1] - yt[0] : 1;
    float last_right = -INFINITY;
    for (double t : xt) {
      float px = xm.to_px(t);
      dl->AddLine(ImVec2(px, hv.max.y), ImVec2(px, hv.max.y + 4), axis);
      std::string s = tick_label(t, xs);
      const float w = ImGui::CalcTextSize(s.c_str()).x;
      if (px - w / 2 < last_right + 4) continue;  // would overlap the previous label
      dl->AddText(ImVec2(px - w / 2, hv.max.y + 5), text, s.c_str());
      last_right = px + w / 2;
    }
    for (double t : yt) {
      float py = ym.to_px(t);
      dl->AddLine(ImVec2(hv.min.x - 4, py), ImVec2(hv.min.x, py), axis);
      std::string s = tick_label(t, ys);
      ImVec2 ts = ImGui::CalcTextSize(s.c_str());
      dl->AddText(ImVec2(hv.min.x - 6 - ts.x, py - ts.y / 2), text, s.c_str());
    }
    if (!axes.x_label.empty()) {
      float w = ImGui::CalcTextSize(axes.x_label.c_str()).x;
      dl->AddText(ImVec2(std::max(origin.x, (hv.min.x + hv.max.x - w) / 2), hv.max.y + font * 1.5f),
                  text, axes.x_label.c_str());
    }
    if (!axes.y_label.empty())
      dl->AddText(ImVec2(origin.x + 2, origin.y), text, axes.y_label.c_str());
  }

  if (with_bar) {
    // [SECTION] colour bar (CPU colormap: the same stops as the shader)
    const float bx0 = hv.max.x + font * 0.6f, bx1 = bx0 + font * 0.9f;
    const int steps = 48;
    for (int i = 0; i < steps; ++i) {
      float y0 = hv.max.y - (hv.max.y - hv.min.y) * i / steps;
      float y1 = hv.max.y - (hv.max.y - hv.min.y) * (i + 1) / steps;
      dl->AddRectFilled(ImVec2(bx0, y1), ImVec2(bx1, y0), pack_rgba(colormap((i + 0.5f) / steps)));
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", vmax_);
    dl->AddText(ImVec2(bx1 + 3, hv.min.y), text, buf);
    std::snprintf(buf, sizeof buf, "%.3g", vmin_);
    dl->AddText(ImVec2(bx1 + 3, hv.max.y - font), text, buf);
  }

  const ImVec2 m = ImGui::GetIO().MousePos;
  if (item_hovered && m.x >= hv.min.x && m.x < hv.max.x && m.y >= hv.min.y && m.y < hv.max.y) {
    hv.hovered = true;
    hv.col = std::clamp(static_cast<int>((m.x - hv.min.x) / (hv.max.x - hv.min.x) * cols_), 0,
                        cols_ - 1);
    hv.row = std::clamp(static_cast<int>((m.y - hv.min.y) / (hv.max.y - hv.min.y) * rows_), 0,
                        rows_ - 1);
    hv.value = cpu_[static_cast<size_t>(hv.row) * cols_ + hv.col];
    hv.x = xm.to_data(m.x);
    hv.y = ym.to_data(m.y);
    ImVec2 c0(hv.min.x + hv.col * cw, hv.min.y + hv.row * ch);
    dl->AddRect(c0, ImVec2(c0.x + cw, c0.y + ch), IM_COL32_WHITE, 0, 0, 2);
  }
  dl->PopClipRect();
  ImGui::PopID();
  return hv;
}

}  // namespace aelab::app
