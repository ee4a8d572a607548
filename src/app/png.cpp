#include "app/png.hpp"

#include "report/png.hpp"

namespace aelab::app {

std::string write_png(const std::string& path, int w, int h, const std::vector<uint8_t>& rgba) {
  return report::write_png_file(path, w, h, 4, rgba);
}

}  // namespace aelab::app
