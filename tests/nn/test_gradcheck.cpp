// Finite-difference gradient checks for every layer, every loss and a small conv net end to end.
#include <catch2/catch.hpp>

#include "nn/activation.hpp"
#include "nn/conv.hpp"
#include "nn/gradcheck.hpp"
#include "nn/linear.hpp"
#include "nn/loss.hpp"
#include "nn/pool.hpp"
#include "nn/reshape.hpp"
#include "nn/sequential.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;

namespace {

constexpr double kTol = 3e-3;  // float forwards, eps 1e-2: errors seen are up to ~5e-4

void require_gradients_ok(Module& m, const Tensor& x, int min_checked = 8,
                          const GradCheckOptions& opt = {}) {
  GradCheckReport r = check_module_gradients(m, x, opt);
  INFO(m.describe() << "\n" << r.summary());
  for (const auto& t : r.tensors) {
    CHECK(t.max_rel_error < kTol);
    CHECK(t.checked >= std::min<int64_t>(min_checked, t.checked + t.skipped));
    CHECK(t.skipped <= t.checked);  // a handful of kinks, never most of the sample
  }
}

}  // namespace

TEST_CASE("the gradient checker catches a wrong gradient", "[nn][gradcheck]") {
  // A module whose backward is off by a factor: the checker must report a large error.
  struct Doubler : Module {
    Tensor y, dx;
    const Tensor& forward(const Tensor& x) override {
      y = x;
      for (float& v : y.span()) v *= 2.0f;
      return y;
    }
    const Tensor& backward(const Tensor& dy) override {
      dx = dy;
      for (float& v : dx.span()) v *= 2.2f;  // wrong on purpose
      return dx;
    }
    std::string describe() const override { return "Doubler"; }
  } wrong;
  Rng rng(1);
  GradCheckReport r = check_module_gradients(wrong, random_tensor({3, 4}, rng));
  CHECK(r.at("dx").max_rel_error > 0.05);
}

TEST_CASE("Linear gradients, with and without fused activations", "[nn][gradcheck]") {
  const Activation acts[] = {Activation::none, Activation::relu, Activation::leaky_relu,
                             Activation::sigmoid, Activation::tanh};
  for (Activation a : acts) {
    DYNAMIC_SECTION(activation_name(a)) {
      Rng rng(5);
      Linear lin(9, 7, rng, a, 0.1f);
      // Weights at He scale and biases spread over [-0.5, 0.5]: pre-activations spread wide, so
      // few sampled coordinates sit within a step of a kink.
      lin.weight().value = random_tensor({7, 9}, rng, -0.8, 0.8);
      lin.bias().value = random_tensor({7}, rng, -0.5, 0.5);
      require_gradients_ok(lin, random_tensor({5, 9}, rng));
    }
  }
}

TEST_CASE("Conv2d and ConvTranspose2d gradients", "[nn][gradcheck]") {
  Rng rng(6);
  SECTION("Conv2d stride 2 pad 1, relu fused") {
    Conv2d conv(2, 3, 3, 2, 1, rng, Activation::relu);
    conv.bias().value = random_tensor({3}, rng, -0.3, 0.3);
    require_gradients_ok(conv, random_tensor({2, 2, 7, 6}, rng));
  }
  SECTION("Conv2d stride 1 no pad, tanh fused") {
    Conv2d conv(3, 2, 2, 1, 0, rng, Activation::tanh);
    require_gradients_ok(conv, random_tensor({2, 3, 5, 5}, rng));
  }
  SECTION("ConvTranspose2d stride 2 pad 1 output_pad 1, sigmoid fused") {
    ConvTranspose2d deconv(3, 2, 3, 2, 1, 1, rng, Activation::sigmoid);
    require_gradients_ok(deconv, random_tensor({2, 3, 4, 5}, rng));
  }
  SECTION("ConvTranspose2d k4 s2 p1, no activation") {
    ConvTranspose2d deconv(2, 2, 4, 2, 1, 0, rng);
    require_gradients_ok(deconv, random_tensor({1, 2, 3, 3}, rng));
  }
}

TEST_CASE("pooling, activation and reshape layers' input gradients", "[nn][gradcheck]") {
  Rng rng(8);
  SECTION("MaxPool2d") {
    MaxPool2d pool(2, 2);
    require_gradients_ok(pool, random_tensor({2, 2, 6, 7}, rng));
  }
  SECTION("MaxPool2d overlapping windows") {
    MaxPool2d pool(3, 2);
    require_gradients_ok(pool, random_tensor({1, 2, 7, 7}, rng));
  }
  SECTION("ReLU away from the kink") {
    ReLU relu;
    require_gradients_ok(relu, random_tensor({4, 10}, rng, -1, 1, 0.05));
  }
  SECTION("LeakyReLU") {
    LeakyReLU leaky(0.2f);
    require_gradients_ok(leaky, random_tensor({4, 10}, rng, -1, 1, 0.05));
  }
  SECTION("Sigmoid") {
    Sigmoid s;
    require_gradients_ok(s, random_tensor({4, 10}, rng, -3, 3));
  }
  SECTION("Tanh") {
    Tanh t;
    require_gradients_ok(t, random_tensor({4, 10}, rng, -2, 2));
  }
  SECTION("Flatten and Reshape") {
    Flatten f;
    require_gradients_ok(f, random_tensor({2, 3, 2, 2}, rng));
    Reshape r({2, 3, 2});
    require_gradients_ok(r, random_tensor({2, 12}, rng));
  }
}

TEST_CASE("a small conv net end to end, input gradient included", "[nn][gradcheck]") {
  // The shape of dis_net: the adversarial autoencoder trains through this input gradient.
  Rng rng(9);
  Sequential net;
  net.add<Conv2d>(1, 6, 3, 1, 1, rng);
  net.add<ReLU>();
  net.add<MaxPool2d>(2, 2);
  net.add<Flatten>();
  net.add<Linear>(6 * 3 * 3, 3, rng);
  Tensor x = random_tensor({2, 1, 6, 6}, rng, 0.0, 1.0);
  // A conv weight or bias moves every position of its channel at once, so a smaller step keeps
  // the ReLU kinks out of reach; the pooling windows' winners also stay put.
  GradCheckOptions opt;
  opt.eps = 3e-3;
  // Weights at He scale spread the conv outputs, so few pooling windows hold near-ties.
  static_cast<Conv2d&>(net.layer(0)).weight().value = random_tensor({6, 1, 3, 3}, rng, -0.8, 0.8);
  GradCheckReport r = check_module_gradients(net, x, opt);
  INFO(r.summary());
  CHECK(r.at("dx").max_rel_error < kTol);
  CHECK(r.at("dx").checked >= 12);
  CHECK(r.max_error() < kTol);
  CHECK(r.tensors.size() == 5);  // dx, conv w/b, linear w/b
  // Kinks are real here (a conv bias shifts 72 pre-activations at once) but must stay a minority.
  int checked = 0, skipped = 0;
  for (const auto& t : r.tensors) {
    CHECK(t.checked >= 1);
    checked += t.checked, skipped += t.skipped;
  }
  CHECK(skipped * 4 <= checked);
}

TEST_CASE("loss gradients", "[nn][gradcheck][loss]") {
  Rng rng(10);
  Tensor target = random_tensor({3, 5}, rng, 0.0, 1.0);
  SECTION("L1 away from pred == target") {
    Tensor pred = target;
    for (int64_t i = 0; i < pred.numel(); ++i) pred[i] += (i % 2 ? 0.3f : -0.2f);
    L1Loss l1;
    TensorGradError e = check_loss_gradient(l1, pred, target);
    CHECK(e.max_rel_error < kTol);
    CHECK(e.checked == pred.numel());
  }
  SECTION("MSE") {
    MSELoss mse;
    TensorGradError e = check_loss_gradient(mse, random_tensor({3, 5}, rng), target);
    CHECK(e.max_rel_error < kTol);
    CHECK(e.checked == 15);
  }
  SECTION("BCE with logits") {
    BCEWithLogitsLoss bce;
    TensorGradError e = check_loss_gradient(bce, random_tensor({3, 5}, rng, -4, 4), target);
    CHECK(e.max_rel_error < kTol);
    CHECK(e.checked == 15);
  }
}
