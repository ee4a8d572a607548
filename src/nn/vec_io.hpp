#pragma once
// Unaligned loads and stores of GCC vector-extension values (float or int lanes, or a plain
// float), and the 2x2 max pool's choice, for the hand-vectorised layers (WinogradConv2d,
// ConvReluPool2d). Always inlined, so no
// vector crosses a call's ABI, which is what GCC's -Wpsabi warns about for vectors wider than
// the baseline target; the warning is off for every file that includes this one (GCC reports it
// at the end of the file, so a pop would not help).
#include <cstring>

#pragma GCC diagnostic ignored "-Wpsabi"

namespace aelab::nn::vec {

template <class V, class T>
[[gnu::always_inline]] inline V load(const T* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof(V));
  return v;
}
template <class V, class T>
[[gnu::always_inline]] inline void store(T* p, const V& v) {
  __builtin_memcpy(p, &v, sizeof(V));
}

// The first maximum of a 2x2 window's four values in row-major order (strict >, as MaxPool2d),
// lane by lane: its value and position 0..3, or -1 where it is not positive (after a ReLU the
// output is 0 there and no gradient flows). I: the int lanes V's comparisons give (int32_t for a
// plain float).
template <class I, class V>
struct WindowMax {
  V value;
  I at;
};
template <class I, class V>
[[gnu::always_inline]] inline WindowMax<I, V> first_max_of_4(const V& z0, const V& z1, const V& z2,
                                                             const V& z3) {
  V best = z0;
  I at = I{};
  const V* rest[3] = {&z1, &z2, &z3};
#pragma GCC unroll 3
  for (int pos = 1; pos < 4; ++pos) {
    const I wins = *rest[pos - 1] > best;
    best = wins ? *rest[pos - 1] : best;
    at = wins ? I{} + pos : at;
  }
  const I positive = best > V{};
  return {best, positive ? at : I{} - 1};
}

}  // namespace aelab::nn::vec
