#include <catch2/catch.hpp>
#include <vector>

#include "analysis/sharpness.hpp"
#include "core/error.hpp"

using namespace aelab;
using namespace aelab::analysis;

TEST_CASE("Laplacian variance of tiny images by hand", "[analysis][sharpness]") {
  // 3x3 image: one valid pixel, so the variance is 0 whatever the value.
  REQUIRE(laplacian_variance(std::vector<float>{0, 1, 0, 1, 5, 1, 0, 1, 0}, 3, 3) == 0.0);
  // 3x4 with a single bright pixel at (1, 1): valid pixels (1,1) and (1,2).
  // lap(1,1) = 0+0+0+0 - 4*1 = -4; lap(1,2) = 0+0+1+0 - 0 = 1. Mean -1.5, variance 6.25.
  const std::vector<float> img = {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
  REQUIRE(laplacian_variance(img, 3, 4) == Approx(6.25));
  // A linear ramp has zero Laplacian everywhere.
  std::vector<float> ramp(25);
  for (int r = 0; r < 5; ++r)
    for (int c = 0; c < 5; ++c) ramp[r * 5 + c] = 0.1f * r + 0.05f * c;
  REQUIRE(laplacian_variance(ramp, 5, 5) == Approx(0.0).margin(1e-12));
  // 4x4 checkerboard: every valid Laplacian is +-4 alternating over 2x2 valid pixels: var 16.
  std::vector<float> checker(16);
  for (int i = 0; i < 16; ++i) checker[i] = float(((i / 4) + (i % 4)) % 2);
  REQUIRE(laplacian_variance(checker, 4, 4) == Approx(16.0));
  REQUIRE_THROWS_AS(laplacian_variance(std::vector<float>(4), 2, 2), InputError);
  REQUIRE_THROWS_AS(laplacian_variance(std::vector<float>(8), 3, 3), InputError);
}

TEST_CASE("Batch shapes and the sharpness ratio", "[analysis][sharpness]") {
  std::vector<float> two;  // image 0: the 4x4 checkerboard, image 1: its half-contrast copy
  for (int k = 0; k < 2; ++k)
    for (int i = 0; i < 16; ++i) two.push_back((k ? 0.5f : 1.0f) * float(((i / 4) + (i % 4)) % 2));
  const Tensor nchw({2, 1, 4, 4}, two);
  const auto v = laplacian_variances(nchw);
  REQUIRE(v[0] == Approx(16.0));
  REQUIRE(v[1] == Approx(4.0));
  REQUIRE(laplacian_variances(Tensor({2, 16}, two)) == v);
  REQUIRE(laplacian_variances(Tensor({2, 4, 4}, two)) == v);
  REQUIRE(mean_laplacian_variance(nchw) == Approx(10.0));

  // recon = originals at half contrast -> each ratio 1/4; a blank original is skipped.
  std::vector<float> orig = two, recon;
  for (float x : two) recon.push_back(0.5f * x);
  orig.insert(orig.end(), 16, 0.3f);  // third original: flat
  recon.insert(recon.end(), 16, 0.9f);
  REQUIRE(sharpness_ratio(Tensor({3, 1, 4, 4}, recon), Tensor({3, 1, 4, 4}, orig)) == Approx(0.25));
  REQUIRE_THROWS_AS(sharpness_ratio(Tensor({1, 16}, 0.5f), Tensor({1, 16}, 0.5f)), InputError);
  REQUIRE_THROWS_AS(sharpness_ratio(Tensor({1, 16}), Tensor({2, 16})), InputError);
  REQUIRE_THROWS_AS(laplacian_variances(Tensor({2, 15})), InputError);
  REQUIRE_THROWS_AS(laplacian_variances(Tensor({2, 3, 4, 4})), InputError);
}
