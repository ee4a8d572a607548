#pragma once
// Unaligned loads and stores of GCC vector-extension values (float or int lanes, or a plain
// float), for the hand-vectorised layers (WinogradConv2d, ConvReluPool2d). Always inlined, so no
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

}  // namespace aelab::nn::vec
