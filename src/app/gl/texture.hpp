#pragma once
// A 2-D texture owned by RAII: RGBA8 images, or float images (1 channel shown as grey through a
// swizzle, so ImGui::Image draws a digit as a grey picture; or 4 channels).
#include <cstdint>

#include "app/gl/gl.hpp"

namespace aelab::app::gl {

enum class Filter { nearest, linear };

class Texture {
 public:
  Texture() = default;
  ~Texture();
  Texture(Texture&& o) noexcept : id_(o.id_), w_(o.w_), h_(o.h_) { o.id_ = 0; }
  Texture& operator=(Texture&& o) noexcept;
  Texture(const Texture&) = delete;
  Texture& operator=(const Texture&) = delete;

  // pixels: (h, w, 4) bytes, row 0 at the top.
  void upload_rgba8(int w, int h, const uint8_t* pixels, Filter filter = Filter::linear);
  // pixels: (h, w, channels) floats, channels 1 or 4, row 0 at the top. A single channel is
  // replicated to RGB (alpha 1) when sampled.
  void upload_float(int w, int h, int channels, const float* pixels,
                    Filter filter = Filter::nearest);
  // An empty texture to render into (RGBA8).
  void allocate_rgba8(int w, int h, Filter filter = Filter::linear);

  [[nodiscard]] GLuint id() const { return id_; }
  [[nodiscard]] int width() const { return w_; }
  [[nodiscard]] int height() const { return h_; }
  [[nodiscard]] bool valid() const { return id_ != 0; }
  // For ImGui::Image.
  [[nodiscard]] void* imgui_id() const {
    return reinterpret_cast<void*>(static_cast<intptr_t>(id_));
  }

 private:
  void ensure(Filter filter);
  GLuint id_ = 0;
  int w_ = 0, h_ = 0;
};

}  // namespace aelab::app::gl
