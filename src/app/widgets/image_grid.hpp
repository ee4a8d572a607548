#pragma once
// A grid of small single-channel float images (digits, reconstructions) packed into one texture
// atlas and drawn with ImGui::Image; hovering reports which image is under the mouse.
#include <imgui.h>

#include <span>
#include <string>
#include <vector>

#include "app/gl/texture.hpp"

namespace aelab::app {

class ImageGrid {
 public:
  // pixels: (count, h, w) in [0, 1], row 0 at the top; columns: images per row.
  void set_images(int count, int w, int h, std::span<const float> pixels, int columns);
  // Draws the grid with each image `cell` pixels wide; returns the hovered image or -1.
  // captions (optional, one per image) are shown in the hover tooltip.
  int draw(const char* id, float cell, std::span<const std::string> captions = {});
  [[nodiscard]] int count() const { return count_; }

 private:
  gl::Texture atlas_;
  int count_ = 0, w_ = 0, h_ = 0, columns_ = 1, rows_ = 0;
};

}  // namespace aelab::app
