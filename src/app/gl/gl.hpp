#pragma once
// The one place that includes OpenGL. Core-profile prototypes come from glcorearb.h and resolve
// against libGL (GLVND exports every core entry point), so no loader library is needed.
#ifndef GL_GLEXT_PROTOTYPES
#define GL_GLEXT_PROTOTYPES 1
#endif
#include <GL/glcorearb.h>

#include <stdexcept>
#include <string>

namespace aelab::app::gl {

// A GL call failed, or a shader did not compile/link. The message says where and why.
class GlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Drains glGetError(); returns "" when there was none, else e.g. "after heatmap setup:
// GL_INVALID_ENUM".
[[nodiscard]] std::string take_errors(const char* where);

}  // namespace aelab::app::gl
