#include "app/gl/shader.hpp"

#include <vector>

#include "app/gl/embedded_shaders.hpp"

namespace aelab::app::gl {

namespace {

// A shader's or a program's info log: the two GL calls differ only in which object they read.
template <class GetIv, class GetLog>
std::string info_log(GLuint object, GetIv get_iv, GetLog get_log) {
  GLint n = 0;
  get_iv(object, GL_INFO_LOG_LENGTH, &n);
  std::vector<char> buf(static_cast<size_t>(n > 1 ? n : 1), '\0');
  get_log(object, n, nullptr, buf.data());
  return buf.data();
}

std::string shader_log(GLuint s) {
  return info_log(s, glGetShaderiv, glGetShaderInfoLog);
}

std::string program_log(GLuint p) {
  return info_log(p, glGetProgramiv, glGetProgramInfoLog);
}

GLuint compile(GLenum kind, const std::string& src, const std::string& label) {
  GLuint s = glCreateShader(kind);
  const char* text = src.c_str();
  glShaderSource(s, 1, &text, nullptr);
  glCompileShader(s);
  GLint ok = 0;
  glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
  if (!ok) {
    std::string log = shader_log(s);
    glDeleteShader(s);
    throw GlError("shader " + label + " does not compile:\n" + log);
  }
  return s;
}

std::string embedded(const char* name) {
  const char* text = shaders::find(name);
  if (!text)
    throw GlError(std::string("shader shaders/") + name + " is not embedded in the binary");
  return text;
}

}  // namespace

ShaderProgram::ShaderProgram(const char* vertex_name, const char* fragment_name) {
  *this = from_source(embedded(vertex_name), embedded(fragment_name),
                      std::string(vertex_name) + " + " + fragment_name);
}

ShaderProgram ShaderProgram::from_source(const std::string& vertex_src,
                                         const std::string& fragment_src,
                                         const std::string& label) {
  GLuint vs = compile(GL_VERTEX_SHADER, vertex_src, label + " (vertex)");
  GLuint fs = 0;
  try {
    fs = compile(GL_FRAGMENT_SHADER, fragment_src, label + " (fragment)");
  } catch (...) {
    glDeleteShader(vs);
    throw;
  }
  GLuint p = glCreateProgram();
  glAttachShader(p, vs);
  glAttachShader(p, fs);
  glLinkProgram(p);
  glDeleteShader(vs);  // flagged; freed with the program
  glDeleteShader(fs);
  GLint ok = 0;
  glGetProgramiv(p, GL_LINK_STATUS, &ok);
  if (!ok) {
    std::string log = program_log(p);
    glDeleteProgram(p);
    throw GlError("shader program " + label + " does not link:\n" + log);
  }
  ShaderProgram out;
  out.id_ = p;
  return out;
}

ShaderProgram::~ShaderProgram() {
  if (id_) glDeleteProgram(id_);
}

ShaderProgram& ShaderProgram::operator=(ShaderProgram&& o) noexcept {
  if (this != &o) {
    if (id_) glDeleteProgram(id_);
    id_ = o.id_;
    o.id_ = 0;
  }
  return *this;
}

}  // namespace aelab::app::gl
