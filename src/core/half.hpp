#pragma once

// IEEE 754 half precision (binary16) stored as uint16_t, for data read far more often than it
// is written (t-SNE's affinities): half the bytes of float, 11 significant bits. Portable bit
// arithmetic, so a build without F16C (or a compiler without _Float16) gets the same values;
// F16C's vcvtph2ps decodes them to the same floats.
#include <cmath>
#include <cstdint>
#include <cstring>

namespace aelab {

// Nearest half, ties to even (as vcvtps2ph with rounding mode 0). Beyond the largest half
// (65504, rounding included): infinity; NaN stays NaN.
[[nodiscard]] inline uint16_t float_to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  const auto sign = uint16_t((x >> 16) & 0x8000u);
  x &= 0x7fffffffu;
  if (x > 0x7f800000u) return uint16_t(sign | 0x7e00u);   // NaN
  if (x >= 0x477ff000u) return uint16_t(sign | 0x7c00u);  // rounds past 65504
  if (x < 0x38800000u) {  // below 2^-14: a subnormal half, a multiple of 2^-24
    const float units = std::fabs(f) * 16777216.0f;           // exact: a power-of-two scaling
    return uint16_t(sign | uint16_t(std::nearbyint(units)));  // ties to even
  }
  // Normal: drop 13 bits of the significand with round-to-nearest-even (a carry may move into
  // the exponent, which is still right), then rebias the exponent (127 - 15 = 112).
  const uint32_t rounded = x + 0x0fffu + ((x >> 13) & 1u);
  return uint16_t(sign | uint16_t((rounded >> 13) - (112u << 10)));
}

// Exact: every half is a float.
[[nodiscard]] inline float half_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  uint32_t x;
  if (e == 0) {
    const float v = float(m) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  if (e == 31)
    x = sign | 0x7f800000u | (m << 13);
  else
    x = sign | ((e + 112u) << 23) | (m << 13);
  float f;
  std::memcpy(&f, &x, sizeof f);
  return f;
}

}  // namespace aelab
