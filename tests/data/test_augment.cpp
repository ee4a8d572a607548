// Rotations and shifts of digit images: exact cases checked pixel by pixel.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "data/augment.hpp"

using namespace aelab;
using namespace aelab::data;

namespace {

std::vector<float> ramp(int64_t h, int64_t w) {
  std::vector<float> v(h * w);
  for (int64_t i = 0; i < h * w; ++i) v[i] = 0.01f * float(i % 97) + 0.1f;
  return v;
}

}  // namespace

TEST_CASE("no rotation and no shift leaves the image as it is", "[data][augment]") {
  auto src = ramp(28, 28);
  std::vector<float> out(src.size());
  affine_warp(src.data(), out.data(), 28, 28, 0.0, 0.0, 0.0);
  for (size_t i = 0; i < src.size(); ++i) REQUIRE(out[i] == Approx(src[i]).margin(1e-6));
}

TEST_CASE("a whole-pixel shift moves pixels and fills with 0", "[data][augment]") {
  const int64_t h = 5, w = 7;
  auto src = ramp(h, w);
  std::vector<float> out(src.size());
  affine_warp(src.data(), out.data(), h, w, 0.0, 2.0, -1.0);
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t sy = y + 1, sx = x - 2;
      const float want = (sy < h && sx >= 0) ? src[sy * w + sx] : 0.0f;
      REQUIRE(out[y * w + x] == Approx(want).margin(1e-6));
    }
}

TEST_CASE("a quarter turn maps pixels exactly", "[data][augment]") {
  // Counter-clockwise on screen (y down): the top row goes to the left column, read upwards.
  const int64_t n = 6;
  auto src = ramp(n, n);
  std::vector<float> out(src.size());
  affine_warp(src.data(), out.data(), n, n, 90.0, 0.0, 0.0);
  for (int64_t y = 0; y < n; ++y)
    for (int64_t x = 0; x < n; ++x)
      REQUIRE(out[(n - 1 - x) * n + y] == Approx(src[y * n + x]).margin(1e-5));
}

TEST_CASE("a half-pixel shift averages neighbours", "[data][augment]") {
  std::vector<float> src{0.0f, 1.0f, 0.0f, 0.0f};  // 1 x 4
  std::vector<float> out(4);
  affine_warp(src.data(), out.data(), 1, 4, 0.0, 0.5, 0.0);
  REQUIRE(out[1] == Approx(0.5));
  REQUIRE(out[2] == Approx(0.5));
  REQUIRE(out[3] == Approx(0.0));
}

TEST_CASE("random augmentation keeps ink roughly and refuses bad specs", "[data][augment]") {
  Tensor batch({3, 1, 28, 28});
  for (int64_t i = 0; i < 3; ++i)
    for (int y = 10; y < 18; ++y)
      for (int x = 10; x < 18; ++x) batch[i * 784 + y * 28 + x] = 1.0f;
  Tensor before = batch;
  Rng rng(2);
  random_affine(batch, {2.0, 15.0}, rng);
  for (int64_t i = 0; i < 3; ++i) {
    double ink = 0, changed = 0;
    for (int64_t p = 0; p < 784; ++p) {
      ink += batch[i * 784 + p];
      changed += std::abs(batch[i * 784 + p] - before[i * 784 + p]);
    }
    CHECK(ink == Approx(64.0).epsilon(0.05));  // a centred square stays inside the image
    CHECK(changed > 1.0);                      // and did move
  }
  CHECK_THROWS_AS(validate(AugmentSpec{-1, 0}), InputError);
  CHECK_THROWS_AS(validate(AugmentSpec{0, 181}), InputError);
  CHECK_THROWS_AS(validate(AugmentSpec{NAN, 0}), InputError);
  Tensor wrong({2, 3, 28, 28});
  CHECK_THROWS_AS(random_affine(wrong, {1, 0}, rng), ShapeError);
}
