#include "app/gl/framebuffer.hpp"

#include <cstring>
#include <string>

namespace aelab::app::gl {

Framebuffer::~Framebuffer() {
  if (fbo_) glDeleteFramebuffers(1, &fbo_);
}

bool Framebuffer::resize(int w, int h) {
  if (w < 1) w = 1;
  if (h < 1) h = 1;
  if (fbo_ && w == width() && h == height()) return false;
  if (!fbo_) glGenFramebuffers(1, &fbo_);
  color_.allocate_rgba8(w, h);
  GLint prev = 0;
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &prev);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, color_.id(), 0);
  GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(prev));
  if (status != GL_FRAMEBUFFER_COMPLETE)
    throw GlError("offscreen framebuffer " + std::to_string(w) + "x" + std::to_string(h) +
                  " is incomplete (status 0x" + std::to_string(status) + ")");
  return true;
}

void Framebuffer::bind() {
  glGetIntegerv(GL_FRAMEBUFFER_BINDING, &saved_fbo_);
  glGetIntegerv(GL_VIEWPORT, saved_viewport_);
  glBindFramebuffer(GL_FRAMEBUFFER, fbo_);
  glViewport(0, 0, width(), height());
}

void Framebuffer::unbind() {
  glBindFramebuffer(GL_FRAMEBUFFER, static_cast<GLuint>(saved_fbo_));
  glViewport(saved_viewport_[0], saved_viewport_[1], saved_viewport_[2], saved_viewport_[3]);
}

std::vector<uint8_t> read_pixels_top_down(int x, int y, int w, int h, int fb_height) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 4);
  if (w <= 0 || h <= 0) return px;
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
  glReadPixels(x, fb_height - y - h, w, h, GL_RGBA, GL_UNSIGNED_BYTE, px.data());
  // Flip: GL's row 0 is the bottom one.
  const size_t row = static_cast<size_t>(w) * 4;
  std::vector<uint8_t> tmp(row);
  for (int r = 0; r < h / 2; ++r) {
    uint8_t* a = px.data() + r * row;
    uint8_t* b = px.data() + (h - 1 - r) * row;
    std::memcpy(tmp.data(), a, row);
    std::memcpy(a, b, row);
    std::memcpy(b, tmp.data(), row);
  }
  return px;
}

}  // namespace aelab::app::gl
