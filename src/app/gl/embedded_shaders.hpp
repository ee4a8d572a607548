#pragma once
// Shader sources from shaders/, embedded at build time (cmake/embed_shaders.cmake).
namespace aelab::shaders {
// The text of shaders/<name>, or nullptr when no such file was embedded.
const char* find(const char* name);
}  // namespace aelab::shaders
