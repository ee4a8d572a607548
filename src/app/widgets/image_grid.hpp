#pragma once
// A grid of small single-channel float images (digits, reconstructions) packed into one texture
// atlas and drawn with ImGui::Image; hovering reports which image is under the mouse.
//
// Two ways to draw: draw(id, cell) at a fixed cell size in the columns given to set_images, or
// draw_fit(id, width) which fits the grid into `width` (wrapping to as many columns as fit, or
// keeping the columns and scaling, see GridFit), so a strip of many images never runs off a
// pane's right edge:
//
//   strip_.draw_fit("strip", ImGui::GetContentRegionAvail().x);            // wraps
//   GridFit keep{.max_height = avail.y, .wrap = false};                   // a 2-D manifold grid
//   manifold_.draw_fit("manifold", avail.x, {}, keep);
//   if (png_clicked) export_png(ctx, strip_.last_rect(), "strip-run12");
#include <imgui.h>

#include <span>
#include <string>
#include <vector>

#include "app/gl/texture.hpp"
#include "app/widgets/axes.hpp"
#include "app/widgets/screen_rect.hpp"

namespace aelab::app {

class ImageGrid {
 public:
  // pixels: (count, h, w) in [0, 1], row 0 at the top; columns: images per row.
  void set_images(int count, int w, int h, std::span<const float> pixels, int columns);
  // Draws the grid with each image `cell` pixels wide; returns the hovered image or -1.
  // captions (optional, one per image) are shown in the hover tooltip.
  int draw(const char* id, float cell, std::span<const std::string> captions = {});
  // Draws the grid inside `width` pixels laid out by fit_grid (axes.hpp); by default it wraps to
  // as many columns as fit at 24 px and scales the cells up to 4x the images' own size.
  int draw_fit(const char* id, float width, std::span<const std::string> captions = {},
               GridFit fit = {});
  [[nodiscard]] int count() const { return count_; }
  [[nodiscard]] int columns() const { return columns_; }
  // Where the grid was drawn in the last frame (for PNG export).
  [[nodiscard]] const ScreenRect& last_rect() const { return last_rect_; }
  // The layout of the last draw (columns, cell size).
  [[nodiscard]] const GridLayout& last_layout() const { return last_layout_; }

 private:
  int draw_layout(const char* id, const GridLayout& g, float gap,
                  std::span<const std::string> captions);
  gl::Texture atlas_;
  int count_ = 0, w_ = 0, h_ = 0, columns_ = 1, rows_ = 0;
  ScreenRect last_rect_;
  GridLayout last_layout_;
};

}  // namespace aelab::app
