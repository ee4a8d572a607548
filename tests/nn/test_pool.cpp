// MaxPool2d's plain loops against the reference: ties, odd sizes, overlapping windows, shape
// changes between calls.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "nn/pool.hpp"
#include "nn/reference.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;
using test::scaled_max_diff;

namespace {

// Values drawn from a few levels, so most windows hold ties.
Tensor tied_tensor(Shape shape, Rng& rng, int levels) {
  Tensor t(std::move(shape));
  for (float& v : t.span()) v = static_cast<float>(rng.below(levels)) - 1.0f;
  return t;
}

void check_against_reference(MaxPool2d& pool, const Tensor& x, int64_t k, int64_t s, Rng& rng) {
  const Tensor& y = pool.forward(x);
  Tensor y_ref = reference::maxpool2d_forward(x, k, s);
  REQUIRE(y.shape() == y_ref.shape());
  CHECK(scaled_max_diff(y, y_ref) == 0.0);
  Tensor dy = random_tensor(y.shape(), rng, 0.5, 1.5);
  const Tensor& dx = pool.backward(dy);
  // The same winners, so the same sums in the same order: exact.
  CHECK(scaled_max_diff(dx, reference::maxpool2d_backward(x, dy, k, s)) == 0.0);
}

}  // namespace

TEST_CASE("MaxPool2d routes ties to the first maximum of the window", "[nn][pool]") {
  MaxPool2d pool(2, 2);
  // One plane 2x4: left window all 3s, right window {1, 5, 5, 0}.
  Tensor x({1, 1, 2, 4}, std::vector<float>{3, 3, 1, 5, 3, 3, 5, 0});
  const Tensor& y = pool.forward(x);
  REQUIRE(y.shape() == Shape{1, 1, 1, 2});
  CHECK(y[0] == 3.0f);
  CHECK(y[1] == 5.0f);
  const Tensor& dx = pool.backward(Tensor({1, 1, 1, 2}, std::vector<float>{10, 20}));
  const float expected[] = {10, 0, 0, 20, 0, 0, 0, 0};
  for (int i = 0; i < 8; ++i) CHECK(dx[i] == expected[i]);
}

TEST_CASE("MaxPool2d matches the reference with ties and odd sizes", "[nn][pool]") {
  struct Case {
    int64_t k, s, n, c, h, w;
  };
  // 2x2 takes the unrolled path, the rest the general one; k > s overlaps windows, k < s skips
  // inputs, odd sizes drop a partial window.
  const Case cases[] = {{2, 2, 3, 4, 28, 28}, {2, 2, 2, 3, 7, 9},   {3, 2, 2, 3, 9, 8},
                        {2, 1, 1, 2, 5, 6},   {3, 3, 2, 2, 10, 11}, {1, 2, 1, 3, 5, 5},
                        {4, 4, 1, 1, 4, 4},   {3, 1, 2, 2, 3, 7}};
  int idx = 0;
  for (const Case& c : cases) {
    DYNAMIC_SECTION("case " << idx++ << ": k" << c.k << " s" << c.s) {
      Rng rng(51 + idx);
      MaxPool2d pool(c.k, c.s);
      check_against_reference(pool, tied_tensor({c.n, c.c, c.h, c.w}, rng, 3), c.k, c.s, rng);
      check_against_reference(pool, random_tensor({c.n, c.c, c.h, c.w}, rng), c.k, c.s, rng);
    }
  }
}

TEST_CASE("MaxPool2d follows the input shape from call to call", "[nn][pool]") {
  Rng rng(61);
  MaxPool2d pool(2, 2);
  check_against_reference(pool, random_tensor({4, 3, 12, 10}, rng), 2, 2, rng);
  check_against_reference(pool, random_tensor({1, 5, 9, 13}, rng), 2, 2, rng);
  check_against_reference(pool, random_tensor({4, 3, 12, 10}, rng), 2, 2, rng);
  // The backward belongs to the last forward: a gradient of an older output's shape is refused.
  (void)pool.forward(random_tensor({2, 2, 6, 6}, rng));
  CHECK_THROWS_AS(pool.backward(Tensor({4, 3, 6, 5})), ShapeError);
}

TEST_CASE("MaxPool2d refuses bad windows and inputs", "[nn][pool]") {
  CHECK_THROWS_AS(MaxPool2d(0, 2), InputError);
  CHECK_THROWS_AS(MaxPool2d(2, 0), InputError);
  MaxPool2d pool(3, 1);
  CHECK_THROWS_AS(pool.backward(Tensor({1, 1, 1, 1})), std::logic_error);
  CHECK_THROWS_AS(pool.forward(Tensor({1, 4, 4})), ShapeError);
  CHECK_THROWS_AS(pool.forward(Tensor({1, 1, 2, 8})), ShapeError);
}
