#include "app/png.hpp"

#include <stb_image_write.h>

#include <cerrno>
#include <cstring>

namespace aelab::app {

std::string write_png(const std::string& path, int w, int h, const std::vector<uint8_t>& rgba) {
  if (path.empty()) return "no file name given";
  if (w <= 0 || h <= 0 || rgba.size() != static_cast<size_t>(w) * h * 4)
    return "nothing to write to " + path + " (empty image)";
  errno = 0;
  if (!stbi_write_png(path.c_str(), w, h, 4, rgba.data(), w * 4))
    return "cannot write " + path + (errno ? std::string(": ") + std::strerror(errno) : "");
  return "";
}

}  // namespace aelab::app
