// Half precision conversions against the CPU's own (F16C) and against hand-checked values.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/half.hpp"
#include "core/rng.hpp"

#ifdef __x86_64__
#include <immintrin.h>
#endif

using namespace aelab;

namespace {

uint32_t bits_of(float f) {
  uint32_t x;
  std::memcpy(&x, &f, sizeof x);
  return x;
}

float float_of(uint32_t x) {
  float f;
  std::memcpy(&f, &x, sizeof f);
  return f;
}

#ifdef __x86_64__
__attribute__((target("f16c"))) uint16_t f16c_to_half(float f) {
  return uint16_t(_cvtss_sh(f, 0));  // round to nearest even
}
__attribute__((target("f16c"))) float f16c_to_float(uint16_t h) {
  return _cvtsh_ss(h);
}
#endif

}  // namespace

TEST_CASE("Half conversions hit hand-checked values", "[core][half]") {
  REQUIRE(float_to_half(0.0f) == 0x0000);
  REQUIRE(float_to_half(-0.0f) == 0x8000);
  REQUIRE(float_to_half(1.0f) == 0x3c00);
  REQUIRE(float_to_half(-2.0f) == 0xc000);
  REQUIRE(float_to_half(65504.0f) == 0x7bff);                          // the largest half
  REQUIRE(float_to_half(65520.0f) == 0x7c00);                          // rounds past it: infinity
  REQUIRE(float_to_half(std::ldexp(1.0f, -14)) == 0x0400);             // the smallest normal
  REQUIRE(float_to_half(std::ldexp(1.0f, -24)) == 0x0001);             // the smallest subnormal
  REQUIRE(float_to_half(std::ldexp(1.0f, -26)) == 0x0000);             // rounds to zero
  REQUIRE(float_to_half(1.0f + std::ldexp(1.0f, -11)) == 0x3c00);      // tie: to even (down)
  REQUIRE(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)) == 0x3c02);  // tie: to even (up)
  REQUIRE(std::isnan(half_to_float(float_to_half(std::numeric_limits<float>::quiet_NaN()))));
  REQUIRE(half_to_float(0x3555) == 0.333251953125f);
  REQUIRE(half_to_float(0x0001) == std::ldexp(1.0f, -24));
  REQUIRE(std::isinf(half_to_float(0x7c00)));
}

TEST_CASE("Every half decodes to itself and round-trips", "[core][half]") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_to_float(uint16_t(h));
    if (std::isnan(f)) continue;
    REQUIRE(float_to_half(f) == h);
  }
}

TEST_CASE("Half conversions agree with F16C on every float class", "[core][half]") {
#ifdef __x86_64__
#ifdef __clang__
  const bool f16c = __builtin_cpu_supports("avx2");  // clang 14 does not know "f16c" here
#else
  const bool f16c = __builtin_cpu_supports("f16c");
#endif
  if (!f16c) {
    WARN("this CPU has no F16C: nothing to compare with");
    return;
  }
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float mine = half_to_float(uint16_t(h)), cpu = f16c_to_float(uint16_t(h));
    if (std::isnan(cpu)) {
      REQUIRE(std::isnan(mine));
      continue;
    }
    REQUIRE(bits_of(mine) == bits_of(cpu));
  }
  // Floats around every half (exact ties included) and random bit patterns.
  Rng rng(17);
  for (int i = 0; i < 2000000; ++i) {
    uint32_t x;
    if (i % 2 == 0) {
      const float base = half_to_float(uint16_t(rng.below(0x7c00)));
      x = bits_of(base) + uint32_t(rng.below(1u << 14)) - (1u << 13);
    } else {
      x = uint32_t(rng.below(uint64_t(1) << 32));
    }
    const float f = float_of(x);
    if (std::isnan(f)) continue;
    REQUIRE(float_to_half(f) == f16c_to_half(f));
  }
#else
  WARN("not an x86-64 build: nothing to compare with");
#endif
}
