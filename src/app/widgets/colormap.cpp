#include "app/widgets/colormap.hpp"

#include <algorithm>
#include <cmath>

namespace aelab::app {

uint32_t pack_rgba(Rgb c, float alpha) {
  auto byte = [](float v) {
    return static_cast<uint32_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
  };
  return byte(c.r) | (byte(c.g) << 8) | (byte(c.b) << 16) | (byte(alpha) << 24);
}

}  // namespace aelab::app
