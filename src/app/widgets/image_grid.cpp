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
  if (count_ == 0) {
    ImGui::TextDisabled("(no images)");
    return -1;
  }
  ImGui::PushID(id);
  const float gap = 2.0f;
  const float ch = cell * static_cast<float>(h_) / static_cast<float>(w_);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const ImVec2 size(columns_ * (cell + gap), rows_ * (ch + gap));
  ImGui::InvisibleButton("##grid", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  int hit = -1;
  const ImVec2 m = ImGui::GetIO().MousePos;
  for (int i = 0; i < count_; ++i) {
    int c = i % columns_, r = i / columns_;
    ImVec2 p0(origin.x + c * (cell + gap), origin.y + r * (ch + gap));
    ImVec2 p1(p0.x + cell, p0.y + ch);
    ImVec2 uv0(static_cast<float>(c) / columns_, static_cast<float>(r) / rows_);
    ImVec2 uv1(static_cast<float>(c + 1) / columns_, static_cast<float>(r + 1) / rows_);
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
