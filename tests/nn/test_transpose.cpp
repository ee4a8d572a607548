// nn::transpose against the plain double loop, on shapes with and without the 8 x 8 tiles' and the
// 64 x 64 blocks' edges (and the study MLP's 784 x 512 weight, large enough to run on two threads).
#include <catch2/catch.hpp>
#include <vector>

#include "core/rng.hpp"
#include "nn/transpose.hpp"

using aelab::Rng;

TEST_CASE("transpose matches the plain loop at every shape, edges included") {
  Rng rng(7);
  const std::pair<int64_t, int64_t> shapes[] = {
      {1, 1},   {1, 9},   {9, 1},    {8, 8},    {7, 13},    {16, 24},  {17, 9},
      {64, 64}, {65, 71}, {130, 67}, {512, 16}, {784, 512}, {512, 784}};
  for (auto [rows, cols] : shapes) {
    INFO(rows << " x " << cols);
    std::vector<float> src(size_t(rows * cols)), dst(size_t(rows * cols), -1.f);
    for (auto& v : src) v = float(rng.uniform(-1, 1));
    aelab::nn::transpose(src.data(), rows, cols, dst.data());
    int64_t wrong = 0;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t j = 0; j < cols; ++j)
        wrong += dst[size_t(j * rows + i)] != src[size_t(i * cols + j)];
    CHECK(wrong == 0);
  }
}
