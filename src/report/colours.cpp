#include "report/colours.hpp"

#include <algorithm>
#include <cmath>

namespace aelab::report {

namespace {
constexpr Rgb hex(uint32_t v) {
  return {((v >> 16) & 0xff) / 255.0f, ((v >> 8) & 0xff) / 255.0f, (v & 0xff) / 255.0f};
}
}  // namespace

const std::array<Rgb, kColormapStops>& colormap_stops() {
  // viridis at i/9, i = 0..9
  static const std::array<Rgb, kColormapStops> stops = {
      hex(0x440154), hex(0x482878), hex(0x3e4989), hex(0x31688e), hex(0x26828e),
      hex(0x1f9e89), hex(0x35b779), hex(0x6ece58), hex(0xb5de2b), hex(0xfde725)};
  return stops;
}

Rgb colormap(float t) {
  if (std::isnan(t)) t = 0.0f;
  t = std::clamp(t, 0.0f, 1.0f) * (kColormapStops - 1);
  int i = std::min(static_cast<int>(std::floor(t)), kColormapStops - 2);
  float f = t - static_cast<float>(i);
  const Rgb& a = colormap_stops()[i];
  const Rgb& b = colormap_stops()[i + 1];
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

const std::array<Rgb, 10>& digit_palette() {
  // Tableau 10: distinct on a dark background and for the common colour-vision deficiencies.
  static const std::array<Rgb, 10> p = {hex(0x1f77b4), hex(0xff7f0e), hex(0x2ca02c), hex(0xd62728),
                                        hex(0x9467bd), hex(0x8c564b), hex(0xe377c2), hex(0x7f7f7f),
                                        hex(0xbcbd22), hex(0x17becf)};
  return p;
}

}  // namespace aelab::report
