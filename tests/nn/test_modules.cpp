// Contracts: shape errors, gradient accumulation, input-gradient skipping, Sequential, params,
// snapshots, loss values and init.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "nn/activation.hpp"
#include "nn/conv.hpp"
#include "nn/linear.hpp"
#include "nn/loss.hpp"
#include "nn/params.hpp"
#include "nn/pool.hpp"
#include "nn/reference.hpp"
#include "nn/reshape.hpp"
#include "nn/sequential.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;
using test::scaled_max_diff;

TEST_CASE("wrong input shapes throw ShapeError naming the layer and both shapes", "[nn][shape]") {
  Rng rng(1);
  Linear lin(784, 512, rng);
  try {
    (void)lin.forward(Tensor({4, 785}));
    FAIL("no exception");
  } catch (const ShapeError& e) {
    std::string m = e.what();
    CHECK(m.find("Linear(784 -> 512)") != std::string::npos);
    CHECK(m.find("(4, 785)") != std::string::npos);
    CHECK(m.find("(N, 784)") != std::string::npos);
  }
  Conv2d conv(1, 8, 3, 1, 1, rng);
  CHECK_THROWS_AS(conv.forward(Tensor({2, 3, 28, 28})), ShapeError);
  CHECK_THROWS_AS(conv.forward(Tensor({2, 784})), ShapeError);
  Conv2d big(1, 2, 5, 1, 0, rng);
  CHECK_THROWS_AS(big.forward(Tensor({1, 1, 3, 3})), ShapeError);  // smaller than the kernel
  MaxPool2d pool(2, 2);
  CHECK_THROWS_AS(pool.forward(Tensor({1, 1, 1, 5})), ShapeError);
  Reshape r({1, 28, 28});
  CHECK_THROWS_AS(r.forward(Tensor({2, 780})), ShapeError);
  // A gradient of the wrong shape.
  (void)lin.forward(Tensor({4, 784}));
  CHECK_THROWS_AS(lin.backward(Tensor({4, 511})), ShapeError);
  // Bad hyper-parameters are user input.
  CHECK_THROWS_AS(Linear(0, 3, rng), InputError);
  CHECK_THROWS_AS(Conv2d(1, 2, 3, 0, 0, rng), InputError);
  CHECK_THROWS_AS(ConvTranspose2d(1, 2, 3, 2, 1, 2, rng), InputError);  // output_pad >= stride
  CHECK_THROWS_AS(LeakyReLU(-0.1f), InputError);
}

TEST_CASE("losses reject mismatched shapes and bad targets", "[nn][shape][loss]") {
  L1Loss l1;
  CHECK_THROWS_AS(l1.forward(Tensor({2, 3}), Tensor({3, 2})), ShapeError);
  CHECK_THROWS_AS(l1_per_pixel(Tensor({2, 3}), Tensor({2, 4})), ShapeError);
  BCEWithLogitsLoss bce;
  CHECK_THROWS_AS(bce.forward(Tensor({1, 2}), Tensor({1, 2}, 1.5f)), InputError);
}

TEST_CASE("two backwards accumulate into the parameter gradients", "[nn][accumulate]") {
  Rng rng(2);
  auto check = [&](Module& m, const Tensor& x) {
    const Tensor& y = m.forward(x);
    Tensor dy = random_tensor(y.shape(), rng);
    m.zero_grad();
    (void)m.backward(dy);
    std::vector<Tensor> once;
    for (Param* p : m.params()) once.push_back(p->grad);
    (void)m.forward(x);
    (void)m.backward(dy);
    auto ps = m.params();
    REQUIRE(!ps.empty());
    for (size_t i = 0; i < ps.size(); ++i) {
      Tensor twice = once[i];
      for (float& v : twice.span()) v *= 2.0f;
      CHECK(scaled_max_diff(ps[i]->grad, twice) < 1e-6);
    }
  };
  Linear lin(6, 5, rng, Activation::relu);
  check(lin, random_tensor({4, 6}, rng));
  Conv2d conv(2, 3, 3, 1, 1, rng);
  check(conv, random_tensor({2, 2, 5, 5}, rng));
  ConvTranspose2d deconv(2, 3, 3, 2, 1, 1, rng);
  check(deconv, random_tensor({2, 2, 3, 3}, rng));
}

TEST_CASE("needs_input_grad=false skips dx but still fills parameter gradients", "[nn]") {
  Rng rng(3);
  Sequential net;
  net.add<Linear>(4, 3, rng, Activation::relu);
  net.add<Linear>(3, 2, rng);
  net.set_needs_input_grad(false);
  CHECK_FALSE(net.layer(0).needs_input_grad());
  CHECK(net.layer(1).needs_input_grad());
  Tensor x = random_tensor({5, 4}, rng);
  (void)net.forward(x);
  const Tensor& dx = net.backward(random_tensor({5, 2}, rng));
  CHECK(dx.empty());
  double gsum = 0;
  for (Param* p : net.params())
    gsum += std::fabs(p->grad[0]) + std::fabs(p->grad[p->grad.numel() - 1]);
  CHECK(gsum > 0);
}

TEST_CASE("needs_input_grad=false reaches through parameterless layers to the first Linear",
          "[nn]") {
  // Flatten, then Linear: the Linear's dx (for 6 inputs) is needed by nobody either, so it must
  // not be computed; every parameter gradient must be what it is with the input gradient on.
  Rng rng(5);
  auto build = [](Rng& r) {
    Sequential net;
    net.add<Flatten>();
    net.add<Linear>(6, 4, r, Activation::relu);
    net.add<Linear>(4, 3, r);
    return net;
  };
  Rng r1(9), r2(9);
  Sequential off = build(r1), on = build(r2);
  off.set_needs_input_grad(false);
  CHECK_FALSE(off.layer(0).needs_input_grad());
  CHECK_FALSE(off.layer(1).needs_input_grad());
  CHECK(off.layer(2).needs_input_grad());
  CHECK(on.layer(1).needs_input_grad());
  Tensor x = random_tensor({5, 1, 2, 3}, rng);
  Tensor dy = random_tensor({5, 3}, rng);
  (void)off.forward(x);
  CHECK(off.backward(dy).empty());
  (void)on.forward(x);
  CHECK(on.backward(dy).shape() == x.shape());
  auto po = off.params(), pn = on.params();
  REQUIRE(po.size() == pn.size());
  for (size_t i = 0; i < po.size(); ++i)
    for (int64_t j = 0; j < po[i]->grad.numel(); ++j)
      CHECK(po[i]->grad[j] == pn[i]->grad[j]);
  // Switched back on, the whole chain passes its gradient again.
  off.set_needs_input_grad(true);
  CHECK(off.layer(0).needs_input_grad());
  CHECK(off.layer(1).needs_input_grad());
  (void)off.forward(x);
  CHECK(off.backward(dy).shape() == x.shape());
}

TEST_CASE("Sequential describes, counts and snapshots its parameters", "[nn][params]") {
  Rng rng(4);
  Sequential net;
  net.add<Linear>(784, 512, rng, Activation::relu);
  net.add<Linear>(512, 2, rng);
  net.add<Sigmoid>();
  CHECK(net.size() == 3);
  CHECK(net.describe() ==
        "Sequential(3 layers)\n  [0] Linear(784 -> 512) + relu\n  [1] Linear(512 -> 2)\n"
        "  [2] Sigmoid");
  CHECK(count_params(net) == 784 * 512 + 512 + 512 * 2 + 2);
  auto ps = collect_params(net);
  REQUIRE(ps.size() == 4);
  CHECK(ps[0]->name == "weight");
  CHECK(ps[3]->name == "bias");

  auto snap = snapshot_values(net);
  Tensor x = random_tensor({3, 784}, rng, 0, 1);
  Tensor y0 = net.forward(x);
  for (Param* p : ps) p->value.fill(0.25f);
  CHECK(scaled_max_diff(net.forward(x), y0) > 1e-3);
  load_values(net, snap);
  CHECK(scaled_max_diff(net.forward(x), y0) == 0.0);

  auto wrong = snap;
  wrong[1] = Tensor({511});
  CHECK_THROWS_AS(load_values(net, wrong), ShapeError);
  wrong.pop_back();
  CHECK_THROWS_AS(load_values(net, wrong), ShapeError);
}

TEST_CASE("init: weights and biases uniform in +-1/sqrt(fan_in)", "[nn][init]") {
  Rng rng(5);
  Linear dense(400, 300, rng, Activation::relu);
  Conv2d conv(8, 16, 3, 1, 1, rng);
  auto max_abs = [](const Tensor& t) {
    double m = 0;
    for (float v : t.span()) m = std::max(m, std::fabs(double(v)));
    return m;
  };
  auto var = [](const Tensor& t) {
    double s = 0;
    for (float v : t.span()) s += double(v) * v;
    return s / t.numel();
  };
  const double dense_bound = 1 / std::sqrt(400.0), conv_bound = 1 / std::sqrt(8.0 * 9);
  CHECK(max_abs(dense.weight().value) <= dense_bound);
  CHECK(max_abs(dense.weight().value) > 0.99 * dense_bound);
  CHECK(var(dense.weight().value) == Approx(dense_bound * dense_bound / 3).epsilon(0.02));
  CHECK(max_abs(dense.bias().value) <= dense_bound);
  CHECK(max_abs(dense.bias().value) > 0.9 * dense_bound);
  CHECK(max_abs(conv.weight().value) <= conv_bound);
  CHECK(var(conv.weight().value) == Approx(conv_bound * conv_bound / 3).epsilon(0.1));
  CHECK(max_abs(conv.bias().value) <= conv_bound);
  CHECK(max_abs(conv.bias().value) > 0.5 * conv_bound);
}

TEST_CASE("loss values against hand computations", "[nn][loss]") {
  Tensor p({2, 2}, std::vector<float>{0.5f, 1.0f, -1.0f, 2.0f});
  Tensor t({2, 2}, std::vector<float>{0.0f, 1.0f, 1.0f, 1.0f});
  L1Loss l1;
  CHECK(l1.forward(p, t) == Approx((0.5 + 0 + 2 + 1) / 4));
  const Tensor& g1 = l1.backward();
  CHECK(g1[0] == Approx(0.25));
  CHECK(g1[1] == 0.0f);  // subgradient 0 at pred == target
  CHECK(g1[2] == Approx(-0.25));
  CHECK(l1_per_pixel(p, t) == Approx(3.5 / 4));
  MSELoss mse;
  CHECK(mse.forward(p, t) == Approx((0.25 + 0 + 4 + 1) / 4));
  CHECK(mse.backward()[2] == Approx(2 * -2.0 / 4));
  BCEWithLogitsLoss bce;
  double expect = 0;
  for (int i = 0; i < 4; ++i) {
    double s = 1 / (1 + std::exp(-double(p[i])));
    expect -= t[i] * std::log(s) + (1 - t[i]) * std::log(1 - s);
  }
  CHECK(bce.forward(p, t) == Approx(expect / 4));
  CHECK(bce.backward()[0] == Approx((1 / (1 + std::exp(-0.5)) - 0) / 4));
  // Stable at extreme logits: no inf, no nan.
  Tensor z({1, 2}, std::vector<float>{1000.0f, -1000.0f});
  Tensor tt({1, 2}, std::vector<float>{0.0f, 0.0f});
  CHECK(bce.forward(z, tt) == Approx(500.0));
  CHECK(std::isfinite(bce.backward()[0]));
}

TEST_CASE("fused and standalone activations agree", "[nn]") {
  Rng rng(6);
  Linear fused(10, 8, rng, Activation::tanh);
  Linear bare(10, 8, rng, Activation::none);
  load_values(bare, snapshot_values(fused));
  Sequential two;
  two.add(std::make_unique<Linear>(std::move(bare)));
  two.add<Tanh>();
  Tensor x = random_tensor({4, 10}, rng);
  CHECK(scaled_max_diff(fused.forward(x), two.forward(x)) < 1e-5);
  Tensor dy = random_tensor({4, 8}, rng);
  fused.zero_grad();
  two.zero_grad();
  CHECK(scaled_max_diff(fused.backward(dy), two.backward(dy)) < 1e-5);
}

TEST_CASE("A Linear's lazily zeroed gradients are overwritten once, then accumulate", "[nn]") {
  // zero_grad only marks a Linear's gradients stale; the next backward must write exactly what a
  // backward into zeros gives, the one after it must add, and a second zero_grad must start over.
  Rng rng(21);
  Linear lin(7, 5, rng, Activation::relu);
  Tensor x = random_tensor({6, 7}, rng), dy = random_tensor({6, 5}, rng);
  for (float& v : lin.weight().grad.span()) v = 123.0f;  // garbage an eager zero would clear
  for (float& v : lin.bias().grad.span()) v = -7.0f;
  lin.zero_grad();
  CHECK(lin.weight().grad_stale);
  (void)lin.forward(x);
  (void)lin.backward(dy);
  CHECK_FALSE(lin.weight().grad_stale);
  CHECK_FALSE(lin.bias().grad_stale);
  auto ref = reference::linear_backward(x, lin.weight().value, lin.bias().value, dy,
                                        Activation::relu);
  CHECK(scaled_max_diff(lin.weight().grad, ref.dw) < 1e-5);
  CHECK(scaled_max_diff(lin.bias().grad, ref.db) < 1e-5);
  (void)lin.forward(x);
  (void)lin.backward(dy);  // accumulates: twice the single gradient
  Tensor twice_w = ref.dw, twice_b = ref.db;
  for (float& v : twice_w.span()) v *= 2.0f;
  for (float& v : twice_b.span()) v *= 2.0f;
  CHECK(scaled_max_diff(lin.weight().grad, twice_w) < 1e-5);
  CHECK(scaled_max_diff(lin.bias().grad, twice_b) < 1e-5);
  lin.zero_grad();
  (void)lin.forward(x);
  (void)lin.backward(dy);
  CHECK(scaled_max_diff(lin.weight().grad, ref.dw) < 1e-5);
}
