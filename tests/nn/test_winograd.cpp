// WinogradConv2d against the plain reference loops, against Conv2d (oneDNN direct) and against
// finite differences.
#include <catch2/catch.hpp>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "nn/conv.hpp"
#include "nn/gradcheck.hpp"
#include "nn/pool.hpp"
#include "nn/reference.hpp"
#include "nn/winograd_conv.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;
using test::scaled_max_diff;

namespace {

// F(2x2, 3x3) in float: each output is a sum of 16 Winograd products whose transforms add up to
// 4 terms per direction with factors 1 and 1/2, so its rounding is a small multiple of the direct
// convolution's (the direct layers are held to 2e-5 against the double reference). Errors seen:
// up to ~1.2e-6 (scaled to the tensor's largest entry) over the cases below; 1e-5 leaves room for
// other shapes and compilers while a wrong transform or a missed edge tile (O(1) errors) still
// fails by orders of magnitude. F(4x4, 3x3) sums 36 products through transforms with entries up
// to 8 and down to 1/24, a known ~4-10x more rounding: seen up to ~4e-6, held to 3e-5.
double tolerance(int tile) {
  return tile == 2 ? 1e-5 : 3e-5;
}

struct Case {
  int64_t n, cin, cout, h, w;
  Activation a;
};

const Case kCases[] = {
    {1, 1, 1, 1, 1, Activation::none},       // a single pixel: one tile, mostly padding
    {3, 1, 4, 5, 7, Activation::relu},       // odd H and W: the last tile row and column half out
    {1, 3, 2, 6, 4, Activation::none},       // even sizes: exact tiles
    {3, 5, 3, 9, 8, Activation::tanh},       // mixed parity, an activation read from the output
    {11, 32, 64, 14, 14, Activation::relu},  // dis_net's conv2: chunks of 8 or 5 images, a tail
    {3, 8, 5, 2, 11, Activation::sigmoid},   // a wide strip
    {9, 11, 13, 10, 9, Activation::leaky_relu},  // channels off the vector width; a tail chunk
};

}  // namespace

TEST_CASE("WinogradConv2d matches the reference loops and Conv2d", "[nn][conv][winograd]") {
  int idx = 0;
  for (int tile : {2, 4}) {
    for (const Case& c : kCases) {
      const double kTol = tolerance(tile);
      DYNAMIC_SECTION("F(" << tile << "x" << tile << ") case " << idx++ << ": " << c.n << "x"
                           << c.cin << "x" << c.h << "x" << c.w << " -> " << c.cout) {
        Rng rng(31);
        WinogradConv2d wino(c.cin, c.cout, rng, c.a, kDefaultLeakySlope, tile);
        Rng rng_direct(31);
        Conv2d direct(c.cin, c.cout, 3, 1, 1, rng_direct, c.a);
        // Same init draws: the two layers are interchangeable in a checkpoint.
        REQUIRE(scaled_max_diff(wino.weight().value, direct.weight().value) == 0.0);
        REQUIRE(scaled_max_diff(wino.bias().value, direct.bias().value) == 0.0);
        wino.bias().value = random_tensor({c.cout}, rng);
        direct.bias().value = wino.bias().value;
        Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, rng);

        const Tensor& y = wino.forward(x);
        Tensor y_ref = reference::conv2d_forward(x, wino.weight().value, wino.bias().value, 1, 1,
                                                 c.a, kDefaultLeakySlope);
        const Tensor& y_direct = direct.forward(x);
        REQUIRE(y.shape() == y_ref.shape());
        CHECK(scaled_max_diff(y, y_ref) < kTol);
        CHECK(scaled_max_diff(y, y_direct) < kTol);

        Tensor dy = random_tensor(y.shape(), rng);
        auto g = reference::conv2d_backward(x, wino.weight().value, wino.bias().value, dy, 1, 1,
                                            c.a, kDefaultLeakySlope);
        // Gradients accumulate: start from a non-zero grad and subtract it afterwards.
        Tensor w_grad0 = random_tensor(wino.weight().grad.shape(), rng);
        Tensor b_grad0 = random_tensor(wino.bias().grad.shape(), rng);
        wino.weight().grad = w_grad0, wino.bias().grad = b_grad0;
        Tensor dx = wino.backward(dy);
        for (int64_t i = 0; i < w_grad0.numel(); ++i) wino.weight().grad[i] -= w_grad0[i];
        for (int64_t i = 0; i < b_grad0.numel(); ++i) wino.bias().grad[i] -= b_grad0[i];
        direct.zero_grad();
        const Tensor& dx_direct = direct.backward(dy);
        CHECK(scaled_max_diff(dx, g.dx) < kTol);
        CHECK(scaled_max_diff(wino.weight().grad, g.dw) < kTol);
        CHECK(scaled_max_diff(wino.bias().grad, g.db) < kTol);
        CHECK(scaled_max_diff(dx, dx_direct) < kTol);
        CHECK(scaled_max_diff(wino.weight().grad, direct.weight().grad) < kTol);
        CHECK(scaled_max_diff(wino.bias().grad, direct.bias().grad) < kTol);
      }
    }
  }
}

TEST_CASE("WinogradConv2d keeps plans per shape and skips dx when asked", "[nn][winograd]") {
  const double kTol = tolerance(2);
  Rng rng(32);
  WinogradConv2d wino(2, 3, rng, Activation::relu);
  for (int64_t n : {4, 1, 4}) {
    Tensor x = random_tensor({n, 2, 5, 6}, rng);
    const Tensor& y = wino.forward(x);
    CHECK(scaled_max_diff(y, reference::conv2d_forward(x, wino.weight().value, wino.bias().value, 1,
                                                       1, Activation::relu)) < kTol);
  }
  wino.set_needs_input_grad(false);
  Tensor x = random_tensor({2, 2, 5, 6}, rng);
  Tensor dy = random_tensor(wino.forward(x).shape(), rng);
  wino.zero_grad();
  CHECK(wino.backward(dy).numel() == 0);
  auto g = reference::conv2d_backward(x, wino.weight().value, wino.bias().value, dy, 1, 1,
                                      Activation::relu);
  CHECK(scaled_max_diff(wino.weight().grad, g.dw) < kTol);
  CHECK_THROWS_AS(wino.forward(random_tensor({1, 3, 5, 5}, rng)), ShapeError);
  wino.set_needs_input_grad(true);
  Tensor empty({0, 2, 5, 6});
  CHECK(wino.forward(empty).shape() == Shape{0, 3, 5, 6});
  CHECK(wino.backward(Tensor({0, 3, 5, 6})).shape() == Shape{0, 2, 5, 6});
  CHECK_THROWS_AS(WinogradConv2d(2, 3, rng, Activation::none, kDefaultLeakySlope, 3), InputError);
}

TEST_CASE("WinogradConv2d gradients by finite differences", "[nn][gradcheck][winograd]") {
  Rng rng(33);
  const double tol = 3e-3;  // as for the other layers (tests/nn/test_gradcheck.cpp)
  SECTION("odd sizes, no activation") {
    WinogradConv2d wino(3, 2, rng);
    GradCheckReport r = check_module_gradients(wino, random_tensor({2, 3, 5, 7}, rng));
    INFO(r.summary());
    CHECK(r.max_error() < tol);
    CHECK(r.tensors.size() == 3);
  }
  SECTION("F(4x4), odd sizes, sigmoid fused") {
    WinogradConv2d wino(3, 2, rng, Activation::sigmoid, kDefaultLeakySlope, 4);
    GradCheckReport r = check_module_gradients(wino, random_tensor({2, 3, 6, 5}, rng));
    INFO(r.summary());
    CHECK(r.max_error() < tol);
    CHECK(r.tensors.size() == 3);
  }
  SECTION("even sizes, relu fused") {
    WinogradConv2d wino(2, 4, rng, Activation::relu);
    wino.bias().value = random_tensor({4}, rng, -0.3, 0.3);
    // A weight or bias moves every output of its channel at once: a smaller step keeps most
    // ReLU kinks out of reach (as for the conv net in test_gradcheck.cpp).
    GradCheckOptions opt;
    opt.eps = 3e-3;
    GradCheckReport r = check_module_gradients(wino, random_tensor({2, 2, 6, 4}, rng), opt);
    INFO(r.summary());
    CHECK(r.max_error() < tol);
    for (const auto& t : r.tensors) CHECK(t.checked >= 2);
  }
}

TEST_CASE("WinogradConv2d gives the same result on one and two threads", "[nn][winograd]") {
  // Two threads take whole chunks each; the gradients' shares are summed in thread order, so a
  // thread count repeats bit for bit, and the counts agree to rounding.
  const int before = num_threads();
  Rng rng(34);
  Tensor x = random_tensor({11, 32, 14, 14}, rng);  // F(4x4): chunks of 5 images and a tail of 1
  Tensor dy = random_tensor({11, 16, 14, 14}, rng);
  struct Result {
    Tensor y, dx, dw, db;
  };
  auto run = [&](int threads) {
    set_num_threads(threads);
    Rng init(35);
    WinogradConv2d wino(32, 16, init, Activation::relu, kDefaultLeakySlope, 4);
    Result r;
    r.y = wino.forward(x);
    r.dx = wino.backward(dy);
    r.dw = wino.weight().grad, r.db = wino.bias().grad;
    return r;
  };
  Result one = run(1), two = run(2), again = run(2);
  set_num_threads(before);
  CHECK(scaled_max_diff(two.y, again.y) == 0.0);
  CHECK(scaled_max_diff(two.dw, again.dw) == 0.0);
  CHECK(scaled_max_diff(two.db, again.db) == 0.0);
  CHECK(scaled_max_diff(two.y, one.y) < tolerance(4));
  CHECK(scaled_max_diff(two.dx, one.dx) < tolerance(4));
  CHECK(scaled_max_diff(two.dw, one.dw) < tolerance(4));
  CHECK(scaled_max_diff(two.db, one.db) < tolerance(4));
}

TEST_CASE("WinogradConv2d with the max pool fused matches conv + ReLU + max pool",
          "[nn][conv][pool][winograd]") {
  struct PoolCase {
    int64_t n, cin, cout, h, w;
  };
  const PoolCase cases[] = {
      {1, 1, 1, 2, 2},       // one window in one tile
      {3, 1, 4, 5, 7},       // odd sizes: the last row and column belong to no window
      {11, 32, 64, 14, 14},  // dis_net's second conv: 7 x 7 cells of 8 x 8 (F(4x4)), a tail chunk
      {3, 5, 3, 9, 8},       // mixed parity
      {9, 11, 13, 10, 9},    // channels off the vector width; a tail chunk
      {2, 3, 2, 3, 12},      // a wide strip, one pooled row
  };
  int idx = 0;
  for (int tile : {2, 4}) {
    for (const PoolCase& c : cases) {
      const double kTol = tolerance(tile);
      DYNAMIC_SECTION("F(" << tile << "x" << tile << ") case " << idx++ << ": " << c.n << "x"
                           << c.cin << "x" << c.h << "x" << c.w << " -> " << c.cout) {
        Rng rng(34);
        WinogradConv2d wino(c.cin, c.cout, rng, Activation::relu, kDefaultLeakySlope, tile, true);
        Rng rng_direct(34);
        Conv2d direct(c.cin, c.cout, 3, 1, 1, rng_direct, Activation::relu);
        MaxPool2d pool(2, 2);
        REQUIRE(scaled_max_diff(wino.weight().value, direct.weight().value) == 0.0);
        wino.bias().value = random_tensor({c.cout}, rng, -0.3, 0.3);
        direct.bias().value = wino.bias().value;
        const Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, rng);

        const Tensor& y = wino.forward(x);
        const Tensor& y_pair = pool.forward(direct.forward(x));
        const Tensor dy = random_tensor(y.shape(), rng);
        const auto g =
            test::conv_relu_pool_reference(x, wino.weight().value, wino.bias().value, dy);
        REQUIRE(y.shape() == g.y.shape());
        CHECK(scaled_max_diff(y, g.y) < kTol);
        CHECK(scaled_max_diff(y, y_pair) < kTol);

        const Tensor w_grad0 = random_tensor(wino.weight().grad.shape(), rng);
        wino.weight().grad = w_grad0;
        wino.bias().grad.zero();
        const Tensor dx = wino.backward(dy);
        for (int64_t i = 0; i < w_grad0.numel(); ++i) wino.weight().grad[i] -= w_grad0[i];
        direct.zero_grad();
        const Tensor& dx_pair = direct.backward(pool.backward(dy));
        CHECK(scaled_max_diff(dx, g.dx) < kTol);
        CHECK(scaled_max_diff(wino.weight().grad, g.dw) < kTol);
        CHECK(scaled_max_diff(wino.bias().grad, g.db) < kTol);
        CHECK(scaled_max_diff(dx, dx_pair) < kTol);
        CHECK(scaled_max_diff(wino.weight().grad, direct.weight().grad) < kTol);
      }
    }
  }
}

TEST_CASE("WinogradConv2d's fused max pool: finite differences, refusals", "[nn][winograd]") {
  Rng rng(35);
  for (int tile : {2, 4}) {
    WinogradConv2d wino(2, 3, rng, Activation::relu, kDefaultLeakySlope, tile, true);
    wino.bias().value = random_tensor({3}, rng, 0.05, 0.3);
    GradCheckOptions opt;
    opt.eps = 3e-3;
    GradCheckReport r = check_module_gradients(wino, random_tensor({2, 2, 6, 7}, rng), opt);
    INFO("F(" << tile << "x" << tile << ") " << r.summary());
    CHECK(r.max_error() < 3e-3);
    CHECK(r.tensors.size() == 3);
    CHECK_THROWS_AS(wino.forward(random_tensor({1, 2, 1, 6}, rng)), ShapeError);
  }
  CHECK_THROWS_AS(WinogradConv2d(2, 3, rng, Activation::tanh, kDefaultLeakySlope, 4, true),
                  InputError);
  WinogradConv2d wino(2, 3, rng, Activation::relu, kDefaultLeakySlope, 4, true);
  const Tensor x = random_tensor({2, 2, 6, 6}, rng);
  CHECK(wino.forward(x).shape() == Shape{2, 3, 3, 3});
  CHECK_THROWS_AS(wino.backward(Tensor({2, 3, 6, 6})), ShapeError);
}
