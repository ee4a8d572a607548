// Gaussian blur: the separable fast path against a direct 2-D convolution, kernel values, specs.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/rng.hpp"
#include "data/blur.hpp"
#include "data_test_util.hpp"

using namespace aelab;
using namespace aelab::data;
using aelab::data::test::require_input_error;

namespace {

// Reference: direct 2-D convolution with the 2-D kernel, zero padding, in double.
Tensor blur_reference(const Tensor& x, const BlurSpec& spec) {
  const Tensor k = gaussian_kernel_2d(spec);
  const int64_t r = spec.kernel / 2, h = x.dim(2), w = x.dim(3);
  Tensor y(x.shape());
  for (int64_t p = 0; p < x.dim(0) * x.dim(1); ++p)
    for (int64_t i = 0; i < h; ++i)
      for (int64_t j = 0; j < w; ++j) {
        double acc = 0.0;
        for (int64_t di = -r; di <= r; ++di)
          for (int64_t dj = -r; dj <= r; ++dj) {
            const int64_t ii = i + di, jj = j + dj;
            if (ii < 0 || ii >= h || jj < 0 || jj >= w) continue;
            acc += static_cast<double>(k[(di + r) * spec.kernel + (dj + r)]) *
                   x[p * h * w + ii * w + jj];
          }
        y[p * h * w + i * w + j] = static_cast<float>(acc);
      }
  return y;
}

Tensor random_images(Shape shape, uint64_t seed) {
  Rng rng(seed);
  Tensor t(std::move(shape));
  for (float& v : t.span()) v = static_cast<float>(rng.uniform());
  return t;
}

}  // namespace

TEST_CASE("Gaussian kernel values and normalisation", "[data][blur]") {
  // sigma 1, size 3: exp(-1/2) = 0.6065307; weights / (1 + 2 * 0.6065307).
  const auto k3 = gaussian_kernel_1d({1.0, 3});
  REQUIRE(k3.size() == 3);
  REQUIRE(k3[0] == Approx(0.2740686).epsilon(1e-6));
  REQUIRE(k3[1] == Approx(0.4518628).epsilon(1e-6));
  REQUIRE(k3[2] == k3[0]);
  REQUIRE(gaussian_kernel_1d({0.7, 1}) == std::vector<float>{1.0f});

  for (const BlurSpec spec :
       {BlurSpec{0.5, 3}, BlurSpec{1.0, 5}, BlurSpec{2.5, 9}, BlurSpec{10.0, 27}}) {
    const auto k = gaussian_kernel_1d(spec);
    double s1 = 0.0;
    for (float v : k) s1 += v;
    REQUIRE(s1 == Approx(1.0).epsilon(1e-6));
    for (size_t i = 0; i < k.size(); ++i) REQUIRE(k[i] == k[k.size() - 1 - i]);
    const Tensor k2 = gaussian_kernel_2d(spec);
    REQUIRE(k2.shape() == Shape{spec.kernel, spec.kernel});
    double s2 = 0.0;
    for (float v : k2.span()) s2 += v;
    REQUIRE(s2 == Approx(1.0).epsilon(1e-6));
    // Peak at the centre, decreasing outwards.
    const int64_t c = spec.kernel / 2;
    if (spec.kernel > 1) REQUIRE(k2[c * spec.kernel + c] > k2[c * spec.kernel + c + 1]);
  }
}

TEST_CASE("separable blur equals direct 2-D convolution", "[data][blur]") {
  const BlurSpec spec = GENERATE(BlurSpec{1.0, 3}, BlurSpec{1.5, 7}, BlurSpec{3.0, 13},
                                 BlurSpec{4.0, 27}, BlurSpec{0.3, 1});
  for (const Shape& shape : {Shape{3, 1, 28, 28}, Shape{2, 2, 9, 13}}) {
    const Tensor x = random_images(shape, 11);
    Tensor y;
    gaussian_blur(x, spec, y);
    const Tensor ref = blur_reference(x, spec);
    REQUIRE(y.shape() == x.shape());
    float worst = 0.0f;
    for (int64_t i = 0; i < x.numel(); ++i) worst = std::max(worst, std::abs(y[i] - ref[i]));
    INFO("sigma " << spec.sigma << " kernel " << spec.kernel << " shape " << shape_str(shape));
    REQUIRE(worst < 1e-5f);
  }
}

TEST_CASE("blur of an impulse is the 2-D kernel, zero padding loses mass at the border",
          "[data][blur]") {
  const BlurSpec spec{1.2, 5};
  Tensor x({1, 1, 28, 28});
  x[14 * 28 + 14] = 1.0f;
  const Tensor y = gaussian_blur(x, spec);
  const Tensor k = gaussian_kernel_2d(spec);
  for (int di = -2; di <= 2; ++di)
    for (int dj = -2; dj <= 2; ++dj)
      REQUIRE(y[(14 + di) * 28 + 14 + dj] == Approx(k[(di + 2) * 5 + dj + 2]).epsilon(1e-6));
  REQUIRE(y[14 * 28 + 17] == 0.0f);  // outside the kernel's reach

  // A constant image keeps its value inside and darkens at the border (zero padding).
  Tensor ones({1, 1, 28, 28}, 1.0f);
  const Tensor b = gaussian_blur(ones, spec);
  REQUIRE(b[14 * 28 + 14] == Approx(1.0f).epsilon(1e-6));
  REQUIRE(b[0] < 0.75f);
}

TEST_CASE("blur may write over its input", "[data][blur]") {
  const BlurSpec spec{2.0, 9};
  Tensor x = random_images({4, 1, 28, 28}, 5);
  const Tensor expected = gaussian_blur(x, spec);
  gaussian_blur(x, spec, x);
  for (int64_t i = 0; i < x.numel(); ++i) REQUIRE(x[i] == expected[i]);
}

TEST_CASE("blur specs are validated with a clear message", "[data][blur]") {
  require_input_error([] { validate({0.0, 5}); }, {"sigma", "positive"});
  require_input_error([] { validate({-1.0, 5}); }, {"sigma"});
  require_input_error([] { validate({std::nan(""), 5}); }, {"sigma"});
  require_input_error([] { validate({INFINITY, 5}); }, {"sigma"});
  require_input_error([] { validate({1.0, 4}); }, {"odd", "4"});
  require_input_error([] { validate({1.0, 0}); }, {"between 1 and 27", "0"});
  require_input_error([] { validate({1.0, 29}); }, {"between 1 and 27", "29"});
  require_input_error([] { validate({1.0, -3}); }, {"kernel"});
  Tensor out;
  require_input_error(
      [&] {
        gaussian_blur(Tensor({1, 1, 28, 28}), {1.0, 28}, out);
      },
      {"between 1 and 27"});
  REQUIRE_THROWS_AS(gaussian_blur(Tensor({28, 28}), {1.0, 3}, out), ShapeError);
  REQUIRE_NOTHROW(validate({1.0, 27}));
  REQUIRE_NOTHROW(validate({0.01, 1}));
}
