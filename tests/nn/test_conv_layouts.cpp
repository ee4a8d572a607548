// Conv2d / ConvTranspose2d run oneDNN's blocked-layout kernels behind plain NCHW tensors: the
// study's channel counts (1, 32, 64: blocked, first-layer and padded cases), weights changed
// between steps, gradients accumulating, batch sizes switching.
#include <catch2/catch.hpp>

#include "nn/conv.hpp"
#include "nn/reference.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;
using test::scaled_max_diff;

namespace {

constexpr double kTol = 1e-4;

// One forward + backward against the reference; grads start at zero.
void check_step(ConvolutionBase& m, const Tensor& x, Rng& rng, bool transposed, int64_t op = 0) {
  const Tensor& y = m.forward(x);
  const Tensor& w = m.weight().value;
  const Tensor& b = m.bias().value;
  const int64_t s = m.stride(), p = m.padding();
  Tensor y_ref = transposed ? reference::conv_transpose2d_forward(x, w, b, s, p, op, m.activation())
                            : reference::conv2d_forward(x, w, b, s, p, m.activation());
  REQUIRE(y.shape() == y_ref.shape());
  CHECK(scaled_max_diff(y, y_ref) < kTol);
  Tensor dy = random_tensor(y.shape(), rng);
  m.zero_grad();
  const Tensor& dx = m.backward(dy);
  auto g = transposed ? reference::conv_transpose2d_backward(x, w, b, dy, s, p, op, m.activation())
                      : reference::conv2d_backward(x, w, b, dy, s, p, m.activation());
  CHECK(scaled_max_diff(dx, g.dx) < kTol);
  CHECK(scaled_max_diff(m.weight().grad, g.dw) < kTol);
  CHECK(scaled_max_diff(m.bias().grad, g.db) < kTol);
}

}  // namespace

TEST_CASE("Conv2d matches the reference at the study's channel counts", "[nn][conv][layout]") {
  struct Case {
    int64_t cin, cout, k, s, p, h;
  };
  // dis_net's two convs, the conv autoencoder's strided ones, and channels that are not a multiple
  // of the 8-wide blocks (the blocked buffers carry padding channels). Stride 1 with fewer than 8
  // input channels takes the direct backward-weights kernel: 3x3 (vector loop and column tail),
  // and other kernel sizes (scalar loop).
  const Case cases[] = {{1, 32, 3, 1, 1, 12}, {32, 64, 3, 1, 1, 7}, {1, 32, 3, 2, 1, 14},
                        {32, 64, 3, 2, 1, 8}, {12, 20, 3, 1, 1, 6}, {3, 9, 5, 2, 2, 9},
                        {2, 6, 5, 1, 2, 9},   {1, 8, 1, 1, 0, 5},   {7, 3, 3, 1, 0, 10},
                        {1, 4, 2, 1, 1, 6}};
  int idx = 0;
  for (const Case& c : cases) {
    DYNAMIC_SECTION("case " << idx++ << ": " << c.cin << " -> " << c.cout) {
      Rng rng(71 + idx);
      Conv2d conv(c.cin, c.cout, c.k, c.s, c.p, rng, Activation::relu);
      check_step(conv, random_tensor({3, c.cin, c.h, c.h + 1}, rng), rng, false);
    }
  }
}

TEST_CASE("ConvTranspose2d matches the reference at the study's channel counts",
          "[nn][conv][layout]") {
  Rng rng(81);
  SECTION("64 -> 32, stride 2") {
    ConvTranspose2d deconv(64, 32, 3, 2, 1, 1, rng, Activation::relu);
    check_step(deconv, random_tensor({2, 64, 4, 5}, rng), rng, true, 1);
  }
  SECTION("32 -> 1, stride 2") {
    ConvTranspose2d deconv(32, 1, 3, 2, 1, 1, rng, Activation::none);
    check_step(deconv, random_tensor({2, 32, 5, 4}, rng), rng, true, 1);
  }
  SECTION("10 -> 13, stride 1") {
    ConvTranspose2d deconv(10, 13, 3, 1, 1, 0, rng, Activation::none);
    check_step(deconv, random_tensor({3, 10, 6, 5}, rng), rng, true, 0);
  }
}

TEST_CASE("Conv2d's blocked weight copy follows the plain master copy", "[nn][conv][layout]") {
  // An optimiser writes the plain weights between steps: the next forward and backward must see
  // the new values, not a stale reordered copy.
  Rng rng(91);
  Conv2d conv(16, 24, 3, 1, 1, rng, Activation::none);
  Tensor x = random_tensor({2, 16, 6, 6}, rng);
  check_step(conv, x, rng, false);
  for (float& v : conv.weight().value.span()) v = -0.5f * v + 0.01f;
  for (float& v : conv.bias().value.span()) v += 0.3f;
  check_step(conv, x, rng, false);
}

TEST_CASE("Conv2d accumulates gradients and switches batch sizes", "[nn][conv][layout]") {
  Rng rng(101);
  Conv2d conv(8, 16, 3, 1, 1, rng, Activation::relu);
  Tensor a = random_tensor({4, 8, 7, 7}, rng), b = random_tensor({1, 8, 7, 7}, rng);
  Tensor da = random_tensor({4, 16, 7, 7}, rng), db = random_tensor({1, 16, 7, 7}, rng);
  const Tensor& w = conv.weight().value;
  auto ga = reference::conv2d_backward(a, w, conv.bias().value, da, 1, 1, Activation::relu);
  auto gb = reference::conv2d_backward(b, w, conv.bias().value, db, 1, 1, Activation::relu);
  conv.zero_grad();
  (void)conv.forward(a);
  (void)conv.backward(da);
  (void)conv.forward(b);  // another shape: another plan, with its own reordered buffers
  const Tensor& dxb = conv.backward(db);
  CHECK(scaled_max_diff(dxb, gb.dx) < kTol);
  Tensor sum_w = ga.dw, sum_b = ga.db;
  for (int64_t i = 0; i < sum_w.numel(); ++i) sum_w[i] += gb.dw[i];
  for (int64_t i = 0; i < sum_b.numel(); ++i) sum_b[i] += gb.db[i];
  CHECK(scaled_max_diff(conv.weight().grad, sum_w) < kTol);
  CHECK(scaled_max_diff(conv.bias().grad, sum_b) < kTol);
  // Back to the first batch size: its cached plan gives the first answer again.
  const Tensor& ya = conv.forward(a);
  CHECK(scaled_max_diff(
            ya, reference::conv2d_forward(a, w, conv.bias().value, 1, 1, Activation::relu)) < kTol);
}
