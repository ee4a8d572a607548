#include "app/gl/gl.hpp"

namespace aelab::app::gl {

namespace {
const char* error_name(GLenum e) {
  switch (e) {
    case GL_INVALID_ENUM:
      return "GL_INVALID_ENUM";
    case GL_INVALID_VALUE:
      return "GL_INVALID_VALUE";
    case GL_INVALID_OPERATION:
      return "GL_INVALID_OPERATION";
    case GL_INVALID_FRAMEBUFFER_OPERATION:
      return "GL_INVALID_FRAMEBUFFER_OPERATION";
    case GL_OUT_OF_MEMORY:
      return "GL_OUT_OF_MEMORY";
    default:
      return "unknown GL error";
  }
}
}  // namespace

std::string take_errors(const char* where) {
  std::string out;
  // A lost context can return the same error forever; cap the loop.
  for (int i = 0; i < 16; ++i) {
    GLenum e = glGetError();
    if (e == GL_NO_ERROR) break;
    out += out.empty() ? std::string("after ") + where + ": " : ", ";
    out += error_name(e);
  }
  return out;
}

}  // namespace aelab::app::gl
