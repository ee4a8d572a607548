#include "app/gl/texture.hpp"

#include <cassert>

namespace aelab::app::gl {

Texture::~Texture() {
  if (id_) glDeleteTextures(1, &id_);
}

Texture& Texture::operator=(Texture&& o) noexcept {
  if (this != &o) {
    if (id_) glDeleteTextures(1, &id_);
    id_ = o.id_;
    w_ = o.w_;
    h_ = o.h_;
    o.id_ = 0;
  }
  return *this;
}

void Texture::ensure(Filter filter) {
  if (!id_) glGenTextures(1, &id_);
  glBindTexture(GL_TEXTURE_2D, id_);
  GLint f = filter == Filter::linear ? GL_LINEAR : GL_NEAREST;
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, f);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, f);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
  glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
  glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
}

void Texture::upload_rgba8(int w, int h, const uint8_t* pixels, Filter filter) {
  assert(w > 0 && h > 0);
  ensure(filter);
  glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, w, h, 0, GL_RGBA, GL_UNSIGNED_BYTE, pixels);
  w_ = w;
  h_ = h;
}

void Texture::upload_float(int w, int h, int channels, const float* pixels, Filter filter) {
  assert(w > 0 && h > 0 && (channels == 1 || channels == 4));
  ensure(filter);
  if (channels == 1) {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R32F, w, h, 0, GL_RED, GL_FLOAT, pixels);
    const GLint grey[4] = {GL_RED, GL_RED, GL_RED, GL_ONE};
    glTexParameteriv(GL_TEXTURE_2D, GL_TEXTURE_SWIZZLE_RGBA, grey);
  } else {
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA32F, w, h, 0, GL_RGBA, GL_FLOAT, pixels);
  }
  w_ = w;
  h_ = h;
}

void Texture::allocate_rgba8(int w, int h, Filter filter) {
  upload_rgba8(w, h, nullptr, filter);
}

}  // namespace aelab::app::gl
