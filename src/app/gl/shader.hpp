#pragma once
// A linked GLSL program built from files of shaders/ (embedded into the binary at build time).
#include <string>

#include "app/gl/gl.hpp"

namespace aelab::app::gl {

class ShaderProgram {
 public:
  ShaderProgram() = default;
  // Compiles shaders/<vertex_name> and shaders/<fragment_name>. Throws GlError naming the file
  // with the driver's compile or link log.
  ShaderProgram(const char* vertex_name, const char* fragment_name);
  // Same from source text (names are only used in messages).
  [[nodiscard]] static ShaderProgram from_source(const std::string& vertex_src,
                                                 const std::string& fragment_src,
                                                 const std::string& label);
  ~ShaderProgram();
  ShaderProgram(ShaderProgram&& o) noexcept : id_(o.id_) { o.id_ = 0; }
  ShaderProgram& operator=(ShaderProgram&& o) noexcept;
  ShaderProgram(const ShaderProgram&) = delete;
  ShaderProgram& operator=(const ShaderProgram&) = delete;

  void use() const { glUseProgram(id_); }
  [[nodiscard]] GLuint id() const { return id_; }
  [[nodiscard]] bool valid() const { return id_ != 0; }
  // -1 when the uniform does not exist or was optimised away (GL then ignores the set).
  [[nodiscard]] GLint uniform(const char* name) const { return glGetUniformLocation(id_, name); }

 private:
  GLuint id_ = 0;
};

}  // namespace aelab::app::gl
