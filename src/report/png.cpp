#include "report/png.hpp"

#include <stb_image_write.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.hpp"

namespace aelab::report {

namespace {
void append_bytes(void* context, void* data, int size) {
  auto* out = static_cast<std::vector<unsigned char>*>(context);
  const auto* p = static_cast<const unsigned char*>(data);
  out->insert(out->end(), p, p + size);
}
}  // namespace

std::vector<unsigned char> encode_png(int w, int h, int channels,
                                      const std::vector<uint8_t>& pixels) {
  if (w <= 0 || h <= 0 || (channels != 1 && channels != 3 && channels != 4) ||
      pixels.size() != size_t(w) * h * channels)
    throw ShapeError("encode_png: " + std::to_string(pixels.size()) + " bytes for " +
                     std::to_string(w) + "x" + std::to_string(h) + "x" + std::to_string(channels));
  std::vector<unsigned char> out;
  if (!stbi_write_png_to_func(append_bytes, &out, w, h, channels, pixels.data(), w * channels))
    throw std::runtime_error("PNG encoding failed");
  return out;
}

std::string write_png_file(const std::filesystem::path& path, int w, int h, int channels,
                           const std::vector<uint8_t>& pixels) {
  if (path.empty()) return "no file name given";
  if (w <= 0 || h <= 0 || pixels.size() != size_t(w) * h * channels)
    return "nothing to write to " + path.string() + " (empty image)";
  const std::vector<unsigned char> png = encode_png(w, h, channels, pixels);
  errno = 0;
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f.write(reinterpret_cast<const char*>(png.data()), std::streamsize(png.size())) ||
      !f.flush())
    return "cannot write " + path.string() +
           (errno ? std::string(": ") + std::strerror(errno) : "");
  return "";
}

}  // namespace aelab::report
