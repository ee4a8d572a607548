// CrossEntropyLoss: hand values, numerical stability at huge logits, finite-difference gradient,
// malformed labels.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "nn/gradcheck.hpp"
#include "nn/loss.hpp"

using namespace aelab;
using namespace aelab::nn;

namespace {

Tensor make(Shape shape, std::initializer_list<float> values) {
  Tensor t(std::move(shape));
  int64_t i = 0;
  for (float v : values) t[i++] = v;
  return t;
}

}  // namespace

TEST_CASE("cross-entropy matches hand-computed values", "[loss][cross_entropy]") {
  CrossEntropyLoss ce;
  SECTION("uniform logits give log K") {
    Tensor z({2, 10});
    z.fill(0.5f);
    Tensor y = make({2}, {3, 7});
    CHECK(ce.forward(z, y) == Approx(std::log(10.0)).epsilon(1e-6));
    const Tensor& g = ce.backward();
    // (0.1 - onehot) / 2
    CHECK(g[0] == Approx(0.05).epsilon(1e-6));
    CHECK(g[3] == Approx(-0.45).epsilon(1e-6));
    CHECK(g[10 + 7] == Approx(-0.45).epsilon(1e-6));
  }
  SECTION("two samples, three classes") {
    Tensor z = make({2, 3}, {1, 2, 3, 0, 0, 2});
    Tensor y = make({2}, {2, 0});
    // sample 0: lse = log(e + e^2 + e^3) = 3.40760596; loss = 0.40760596
    // sample 1: lse = log(2 + e^2) = log(9.3890561) = 2.23954477; loss = 2.23954477
    const double l0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0;
    const double l1 = std::log(2.0 + std::exp(2.0)) - 0.0;
    CHECK(l0 == Approx(0.40760596).epsilon(1e-7));
    CHECK(l1 == Approx(2.23954477).epsilon(1e-7));
    CHECK(ce.forward(z, y) == Approx((l0 + l1) / 2).epsilon(1e-6));
    const Tensor& g = ce.backward();
    const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    CHECK(g[0] == Approx(std::exp(1.0) / s / 2).epsilon(1e-5));
    CHECK(g[2] == Approx((std::exp(3.0) / s - 1) / 2).epsilon(1e-5));
    CHECK(g[3] == Approx((1 / (2 + std::exp(2.0)) - 1) / 2).epsilon(1e-5));
    // each row of the gradient sums to zero
    CHECK(g[0] + g[1] + g[2] == Approx(0).margin(1e-7));
    CHECK(g[3] + g[4] + g[5] == Approx(0).margin(1e-7));
  }
  SECTION("huge logits stay finite") {
    Tensor z = make({2, 3}, {1000, 0, -1000, -5000, 5000, 0});
    Tensor y = make({2}, {0, 0});
    // sample 0 is right with certainty (loss 0), sample 1 is wrong by 10000
    CHECK(ce.forward(z, y) == Approx(5000.0).epsilon(1e-6));
    const Tensor& g = ce.backward();
    for (int64_t i = 0; i < g.numel(); ++i) CHECK(std::isfinite(g[i]));
    CHECK(g[0] == Approx(0).margin(1e-7));
    CHECK(g[3] == Approx(-0.5).epsilon(1e-6));
    CHECK(g[4] == Approx(0.5).epsilon(1e-6));
  }
}

TEST_CASE("cross-entropy gradient matches finite differences", "[loss][cross_entropy][gradcheck]") {
  Rng rng(5);
  Tensor z({6, 10});
  for (int64_t i = 0; i < z.numel(); ++i) z[i] = float(rng.uniform() * 6 - 3);
  Tensor y = make({6, 1}, {0, 9, 4, 4, 1, 7});
  CrossEntropyLoss ce;
  GradCheckOptions opt;
  opt.samples = 60;
  TensorGradError e = check_loss_gradient(ce, z, y, opt);
  CHECK(e.checked == 60);
  CHECK(e.max_rel_error < 3e-3);
}

TEST_CASE("cross-entropy refuses malformed labels", "[loss][cross_entropy]") {
  CrossEntropyLoss ce;
  Tensor z({2, 3});
  z.fill(0);
  CHECK_THROWS_AS(ce.forward(z, make({2}, {0, 3})), InputError);     // class out of range
  CHECK_THROWS_AS(ce.forward(z, make({2}, {0, -1})), InputError);    // negative
  CHECK_THROWS_AS(ce.forward(z, make({2}, {0, 1.5f})), InputError);  // not an integer
  CHECK_THROWS_AS(ce.forward(z, make({3}, {0, 1, 2})), ShapeError);  // count mismatch
  CHECK_THROWS_AS(ce.forward(Tensor({2}), make({2}, {0, 1})), ShapeError);
  CHECK_THROWS_AS(ce.backward(), std::logic_error);  // nothing remembered after failures
  std::vector<uint8_t> labels{2, 0, 9};
  Tensor t = CrossEntropyLoss::label_tensor(labels);
  REQUIRE(t.numel() == 3);
  CHECK(t[2] == 9.0f);
}
