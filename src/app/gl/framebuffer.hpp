#pragma once
// An offscreen colour target: widgets render into it with their own shader, then show its texture
// with ImGui::Image. bind() saves the viewport and framebuffer that unbind() restores, so a
// widget can render in the middle of an ImGui frame.
#include <cstdint>
#include <vector>

#include "app/gl/texture.hpp"

namespace aelab::app::gl {

class Framebuffer {
 public:
  Framebuffer() = default;
  ~Framebuffer();
  Framebuffer(const Framebuffer&) = delete;
  Framebuffer& operator=(const Framebuffer&) = delete;

  // (Re)allocates when the size changed; returns true when it did. Throws GlError if incomplete.
  bool resize(int w, int h);
  void bind();
  void unbind();
  [[nodiscard]] const Texture& color() const { return color_; }
  [[nodiscard]] int width() const { return color_.width(); }
  [[nodiscard]] int height() const { return color_.height(); }

 private:
  GLuint fbo_ = 0;
  Texture color_;
  GLint saved_fbo_ = 0;
  GLint saved_viewport_[4] = {0, 0, 0, 0};
};

// Reads back rect (x, y from the top-left, w, h) of the bound read framebuffer whose height is
// fb_height; returns (h, w, 4) bytes with row 0 at the top (GL's rows start at the bottom).
[[nodiscard]] std::vector<uint8_t> read_pixels_top_down(int x, int y, int w, int h, int fb_height);

}  // namespace aelab::app::gl
