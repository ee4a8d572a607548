#include "app/widgets/image_grid.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace aelab::app {

void ImageGrid::set_images(int count, int w, int h, std::span<const float> pixels, int columns) {
  if (count < 0 || w <= 0 || h <= 0 || columns <= 0 ||
      pixels.size() != static_cast<size_t>(count) * w * h)
    throw ShapeError("image grid: " + std::to_string(pixels.size()) + " pixels for " +
                     std::to_string(count) + " images of " + std::to_string(h) + "x" +
                     std::to_string(w));
  count_ = count;
  w_ = w;
  h_ = h;
  columns_ = std::min(columns, std::max(count, 1));
  rows_ = (count + columns_ - 1) / columns_;
  if (count == 0) return;
  // Atlas: (rows*h, columns*w), one tile per image, 1 px gap rows/cols left at 0 (black).
  const int aw = columns_ * w, ah = rows_ * h;
  std::vector<float> atlas(static_cast<size_t>(aw) * ah, 0.0f);
  for (int i = 0; i < count; ++i) {
    int tx = (i % columns_) * w, ty = (i / columns_) * h;
    for (int r = 0; r < h; ++r)
      std::copy_n(pixels.data() + (static_cast<size_t>(i) * h + r) * w, w,
                  atlas.data() + static_cast<size_t>(ty + r) * aw + tx);
  }
  atlas_.upload_float(aw, ah, 1, atlas.data(), gl::Filter::nearest);
}

int ImageGrid::draw(const char* id, float cell, std::span<const std::string> captions) {
  GridLayout g;
  const float gap = 2.0f;
  g.columns = columns_;
  g.rows = rows_;
  g.cell_w = cell;
  g.cell_h = w_ > 0 ? cell * static_cast<float>(h_) / static_cast<float>(w_) : cell;
  g.width = columns_ * (cell + gap);
  g.height = rows_ * (g.cell_h + gap);
  return draw_layout(id, g, gap, captions);
}

int ImageGrid::draw_fit(const char* id, float width, std::span<const std::string> captions,
                        GridFit fit) {
  if (fit.max_cell <= 0) fit.max_cell = 4.0f * static_cast<float>(std::max(w_, 1));
  const float aspect = w_ > 0 ? static_cast<float>(h_) / static_cast<float>(w_) : 1.0f;
  return draw_layout(id, fit_grid(count_, aspect, width, columns_, fit), fit.gap, captions);
}

int ImageGrid::draw_layout(const char* id, const GridLayout& g, float gap,
                           std::span<const std::string> captions) {
  last_layout_ = g;
  if (count_ == 0 || g.columns <= 0) {
    ImGui::TextDisabled("(no images)");
    last_rect_ = ScreenRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
    return -1;
  }
  ImGui::PushID(id);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(std::max(g.width, 1.0f), std::max(g.height, 1.0f));
  ImGui::InvisibleButton("##grid", size);
  last_rect_ = ScreenRect{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  int hit = -1;
  const ImVec2 m = ImGui::GetIO().MousePos;
  for (int i = 0; i < count_; ++i) {
    // Shown at (c, r) of the layout; stored at (ac, ar) of the atlas.
    const int c = i % g.columns, r = i / g.columns;
    const int ac = i % columns_, ar = i / columns_;
    ImVec2 p0(origin.x + c * (g.cell_w + gap), origin.y + r * (g.cell_h + gap));
    ImVec2 p1(p0.x + g.cell_w, p0.y + g.cell_h);
    ImVec2 uv0(static_cast<float>(ac) / columns_, static_cast<float>(ar) / rows_);
    ImVec2 uv1(static_cast<float>(ac + 1) / columns_, static_cast<float>(ar + 1) / rows_);
    dl->AddImage(atlas_.imgui_id(), p0, p1, uv0, uv1);
    if (hovered && m.x >= p0.x && m.x < p1.x && m.y >= p0.y && m.y < p1.y) {
      hit = i;
      dl->AddRect(p0, p1, IM_COL32(255, 200, 0, 255), 0, 0, 2);
    }
  }
  if (hit >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text("image %d", hit);
    if (static_cast<size_t>(hit) < captions.size()) ImGui::TextUnformatted(captions[hit].c_str());
    ImGui::EndTooltip();
  }
  ImGui::PopID();
  return hit;
}

}  // namespace aelab::app
