// ConvReluPool2d against the plain reference loops (conv + ReLU + max pool in double), against
// the three layers it replaces (Conv2d with a fused ReLU, then MaxPool2d), against finite
// differences, and for 1 and 2 threads.
#include <omp.h>

#include <catch2/catch.hpp>
#include <vector>

#include "core/error.hpp"
#include "nn/activation.hpp"
#include "nn/conv.hpp"
#include "nn/conv_pool.hpp"
#include "nn/gradcheck.hpp"
#include "nn/pool.hpp"
#include "nn/reference.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;
using test::scaled_max_diff;

namespace {

// The unfused result: the reference loops for conv (with ReLU) and for the pool.
using Expected = test::ConvReluPoolExpected;

// Float sums of 9 C products against the double reference: the direct layers are held to 2e-5.
constexpr double kTol = 2e-5;

struct Case {
  int64_t n, cin, cout, h, w;
};

const Case kCases[] = {
    {1, 1, 1, 2, 2},     // one window
    {3, 1, 32, 28, 28},  // dis_net's first stage: 14 pooled columns in one 16-lane block
    {2, 3, 5, 7, 9},     // odd sizes: the last row and column belong to no window
    {2, 2, 3, 5, 40},    // 20 pooled columns: a full block and a partial one
    {3, 1, 4, 6, 64},    // 32 pooled columns: two full blocks, dx overlapping at the seam
    {4, 4, 7, 9, 35},    // 17 pooled columns, several input channels
};

}  // namespace

// Runs the kernels of every lane count this CPU has (AVX-512, AVX2, the SSE2 baseline), then
// the widest again.
struct EachLaneCount {
  std::vector<int> lanes;
  EachLaneCount() {
    for (int l : {4, 8, 16})
      if (detail::set_conv_pool_lanes(l)) lanes.push_back(l);
    detail::set_conv_pool_lanes(0);
  }
};

TEST_CASE("ConvReluPool2d matches the reference loops and Conv2d + MaxPool2d",
          "[nn][conv][pool][conv_pool]") {
  const std::vector<int> lanes = EachLaneCount().lanes;
  REQUIRE(!lanes.empty());
  REQUIRE(lanes.front() == 4);  // the baseline runs everywhere
  int idx = 0;
  for (const int lane_count : lanes)
    for (const Case& c : kCases) {
      DYNAMIC_SECTION(lane_count << " lanes, case " << idx++ << ": " << c.n << "x" << c.cin << "x"
                                 << c.h << "x" << c.w << " -> " << c.cout) {
        REQUIRE(detail::set_conv_pool_lanes(lane_count));
        REQUIRE(detail::conv_pool_lanes() == lane_count);
        Rng rng(41);
        ConvReluPool2d fused(c.cin, c.cout, rng);
        Rng rng_direct(41);
        Conv2d conv(c.cin, c.cout, 3, 1, 1, rng_direct, Activation::relu);
        MaxPool2d pool(2, 2);
        // Same init draws: the fused layer and the pair are interchangeable in a checkpoint.
        REQUIRE(scaled_max_diff(fused.weight().value, conv.weight().value) == 0.0);
        REQUIRE(scaled_max_diff(fused.bias().value, conv.bias().value) == 0.0);
        fused.bias().value = random_tensor({c.cout}, rng, -0.3, 0.3);
        conv.bias().value = fused.bias().value;
        const Tensor x = random_tensor({c.n, c.cin, c.h, c.w}, rng);

        const Tensor& y = fused.forward(x);
        const Tensor& y_pair = pool.forward(conv.forward(x));
        const Tensor dy = random_tensor(y.shape(), rng);
        const Expected e =
            test::conv_relu_pool_reference(x, fused.weight().value, fused.bias().value, dy);
        REQUIRE(y.shape() == e.y.shape());
        CHECK(scaled_max_diff(y, e.y) < kTol);
        CHECK(scaled_max_diff(y, y_pair) < kTol);

        // Gradients accumulate: start from a non-zero grad and subtract it afterwards.
        const Tensor w_grad0 = random_tensor(fused.weight().grad.shape(), rng);
        const Tensor b_grad0 = random_tensor(fused.bias().grad.shape(), rng);
        fused.weight().grad = w_grad0, fused.bias().grad = b_grad0;
        const Tensor dx = fused.backward(dy);
        for (int64_t i = 0; i < w_grad0.numel(); ++i) fused.weight().grad[i] -= w_grad0[i];
        for (int64_t i = 0; i < b_grad0.numel(); ++i) fused.bias().grad[i] -= b_grad0[i];
        conv.zero_grad();
        const Tensor& dx_pair = conv.backward(pool.backward(dy));
        CHECK(scaled_max_diff(dx, e.dx) < kTol);
        CHECK(scaled_max_diff(fused.weight().grad, e.dw) < kTol);
        CHECK(scaled_max_diff(fused.bias().grad, e.db) < kTol);
        CHECK(scaled_max_diff(dx, dx_pair) < kTol);
        CHECK(scaled_max_diff(fused.weight().grad, conv.weight().grad) < kTol);
        CHECK(scaled_max_diff(fused.bias().grad, conv.bias().grad) < kTol);
        detail::set_conv_pool_lanes(0);
      }
    }
}

TEST_CASE(
    "ConvReluPool2d routes ties to the first maximum and gives no gradient where the ReLU "
    "is 0",
    "[nn][conv_pool]") {
  Rng rng(42);
  ConvReluPool2d fused(1, 2, rng);
  fused.weight().value.zero();
  // Channel 0: every convolution value is its bias 0.5, every window a four-way tie. Channel 1:
  // every value is -0.5, so the output is 0 and no gradient flows.
  fused.bias().value[0] = 0.5f, fused.bias().value[1] = -0.5f;
  const Tensor x = random_tensor({2, 1, 4, 6}, rng);
  const Tensor& y = fused.forward(x);
  REQUIRE(y.shape() == Shape{2, 2, 2, 3});
  for (int64_t n = 0; n < 2; ++n)
    for (int64_t k = 0; k < 6; ++k) {
      CHECK(y[(n * 2 + 0) * 6 + k] == 0.5f);
      CHECK(y[(n * 2 + 1) * 6 + k] == 0.0f);
    }
  Tensor dy(y.shape());
  dy.fill(1.0f);
  fused.zero_grad();
  fused.backward(dy);
  // The bias gradient counts the windows: 12 for channel 0 (each once, at its first position),
  // none for channel 1. The weight gradient of channel 0 sums x over the windows' top-left
  // corners through each tap (the reference routes ties the same way).
  CHECK(fused.bias().grad[0] == 12.0f);
  CHECK(fused.bias().grad[1] == 0.0f);
  const Expected e =
      test::conv_relu_pool_reference(x, fused.weight().value, fused.bias().value, dy);
  CHECK(scaled_max_diff(fused.weight().grad, e.dw) < kTol);
  for (int64_t t = 9; t < 18; ++t) CHECK(fused.weight().grad[t] == 0.0f);
}

TEST_CASE("ConvReluPool2d gives the same output and dx for 1 and 2 threads", "[nn][conv_pool]") {
  Rng rng(43);
  ConvReluPool2d fused(2, 6, rng);
  const Tensor x = random_tensor({7, 2, 10, 12}, rng);
  const int before = omp_get_max_threads();
  Tensor y[2], dx[2], dw[2];
  const Tensor dy = random_tensor({7, 6, 5, 6}, rng);
  for (int t = 0; t < 2; ++t) {
    omp_set_num_threads(t + 1);
    y[t] = fused.forward(x);
    fused.zero_grad();
    dx[t] = fused.backward(dy);
    dw[t] = fused.weight().grad;
  }
  omp_set_num_threads(before);
  // Per image, the same loops: bit for bit. The weight gradient is summed per thread first.
  REQUIRE(y[0].shape() == y[1].shape());
  for (int64_t i = 0; i < y[0].numel(); ++i) REQUIRE(y[0][i] == y[1][i]);
  for (int64_t i = 0; i < dx[0].numel(); ++i) REQUIRE(dx[0][i] == dx[1][i]);
  CHECK(scaled_max_diff(dw[1], dw[0]) < 1e-6);
}

TEST_CASE("ConvReluPool2d gradients by finite differences", "[nn][gradcheck][conv_pool]") {
  Rng rng(44);
  const double tol = 3e-3;  // as for the other layers (tests/nn/test_gradcheck.cpp)
  for (const Case& c : {Case{2, 1, 3, 6, 6}, Case{1, 3, 2, 7, 5}, Case{1, 2, 2, 4, 36}}) {
    DYNAMIC_SECTION(c.n << "x" << c.cin << "x" << c.h << "x" << c.w << " -> " << c.cout) {
      ConvReluPool2d fused(c.cin, c.cout, rng);
      fused.bias().value = random_tensor({c.cout}, rng, 0.05, 0.3);
      GradCheckReport r = check_module_gradients(fused, random_tensor({c.n, c.cin, c.h, c.w}, rng));
      INFO(r.summary());
      CHECK(r.max_error() < tol);
      CHECK(r.tensors.size() == 3);
    }
  }
}

TEST_CASE("ConvReluPool2d refuses bad channels and shapes, and skips dx when asked",
          "[nn][conv_pool]") {
  Rng rng(45);
  CHECK_THROWS_AS(ConvReluPool2d(0, 2, rng), InputError);
  CHECK_THROWS_AS(ConvReluPool2d(1, -1, rng), InputError);
  ConvReluPool2d fused(2, 3, rng);
  CHECK_THROWS_AS(fused.backward(Tensor({1, 3, 2, 2})), std::logic_error);
  CHECK_THROWS_AS(fused.forward(random_tensor({1, 1, 6, 6}, rng)), ShapeError);
  CHECK_THROWS_AS(fused.forward(random_tensor({1, 2, 1, 6}, rng)), ShapeError);
  CHECK_THROWS_AS(fused.forward(random_tensor({2, 6, 6}, rng)), ShapeError);
  const Tensor x = random_tensor({2, 2, 6, 6}, rng);
  const Tensor& y = fused.forward(x);
  CHECK_THROWS_AS(fused.backward(Tensor({2, 3, 2, 3})), ShapeError);
  const Tensor dy = random_tensor(y.shape(), rng);
  fused.set_needs_input_grad(false);
  fused.zero_grad();
  CHECK(fused.backward(dy).numel() == 0);
  const Expected e =
      test::conv_relu_pool_reference(x, fused.weight().value, fused.bias().value, dy);
  CHECK(scaled_max_diff(fused.weight().grad, e.dw) < kTol);
  // An empty batch, then the shape changes from call to call.
  fused.set_needs_input_grad(true);
  const Tensor empty({0, 2, 6, 6});  // kept alive: the layer reads it again in backward
  CHECK(fused.forward(empty).shape() == Shape{0, 3, 3, 3});
  CHECK(fused.backward(Tensor({0, 3, 3, 3})).shape() == Shape{0, 2, 6, 6});
  for (int64_t h : {8, 3, 8}) {
    const Tensor xs = random_tensor({3, 2, h, 5}, rng);
    const Tensor& ys = fused.forward(xs);
    const Expected es = test::conv_relu_pool_reference(xs, fused.weight().value, fused.bias().value,
                                                       Tensor(ys.shape()));
    CHECK(scaled_max_diff(ys, es.y) < kTol);
  }
}
