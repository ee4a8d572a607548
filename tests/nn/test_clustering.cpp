// The DEC clustering head: finite-difference gradients of SoftAssignment and KLDivLoss, their
// composition against the closed form of Xie et al. (2016, eq. 4-5), and the target distribution
// on a hand-computed example.
#include <catch2/catch.hpp>
#include <cmath>

#include "core/error.hpp"
#include "nn/clustering.hpp"
#include "nn/gradcheck.hpp"
#include "nn_test_util.hpp"

using namespace aelab;
using namespace aelab::nn;
using test::random_tensor;

namespace {

SoftAssignment random_head(int64_t k, int64_t d, Rng& rng) {
  SoftAssignment head(k, d);
  head.set_centres(random_tensor({k, d}, rng, -1.5, 1.5));
  return head;
}

}  // namespace

TEST_CASE("SoftAssignment rows are Student's t kernels normalised to 1", "[nn][clustering]") {
  SoftAssignment head(2, 1);
  head.set_centres(Tensor({2, 1}, std::vector<float>{0.0f, 2.0f}));
  Tensor z({1, 1}, std::vector<float>{1.0f});
  const Tensor& q = head.forward(z);  // equidistant: both w = 1/2
  CHECK(q[0] == Approx(0.5));
  CHECK(q[1] == Approx(0.5));
  Tensor z2({1, 1}, std::vector<float>{0.0f});  // w = 1 and 1/5
  const Tensor& q2 = head.forward(z2);
  CHECK(q2[0] == Approx(5.0 / 6.0));
  CHECK(q2[1] == Approx(1.0 / 6.0));
}

TEST_CASE("SoftAssignment gradients match finite differences", "[nn][clustering][gradcheck]") {
  Rng rng(3);
  for (auto [k, d] : {std::pair<int64_t, int64_t>{3, 2}, {10, 16}, {1, 4}}) {
    DYNAMIC_SECTION("K " << k << ", D " << d) {
      SoftAssignment head = random_head(k, d, rng);
      Tensor z = random_tensor({5, d}, rng, -1.5, 1.5);
      GradCheckReport r = check_module_gradients(head, z);
      INFO(r.summary());
      CHECK(r.at("dx").max_rel_error < 3e-3);
      CHECK(r.at("0.centres").max_rel_error < 3e-3);
    }
  }
}

TEST_CASE("KLDivLoss gradient matches finite differences", "[nn][clustering][gradcheck]") {
  Rng rng(4);
  SoftAssignment head = random_head(4, 3, rng);
  Tensor q = head.forward(random_tensor({6, 3}, rng));
  Tensor p = target_distribution(q);
  KLDivLoss kl;
  GradCheckOptions opt;
  opt.eps = 1e-3;  // q is a probability: keep the perturbed values positive
  TensorGradError e = check_loss_gradient(kl, q, p, opt);
  CHECK(e.max_rel_error < 3e-3);
  CHECK(kl.forward(p, p) == Approx(0.0).margin(1e-7));
  CHECK(kl.forward(q, p) > 0.0);
}

TEST_CASE("the head's gradient is DEC's closed form", "[nn][clustering]") {
  // dL/dz_i = 2/N sum_j w_ij (p_ij - q_ij)(z_i - mu_j), dL/dmu_j = -2/N sum_i (same terms).
  Rng rng(5);
  const int64_t n = 7, k = 5, d = 3;
  SoftAssignment head = random_head(k, d, rng);
  Tensor z = random_tensor({n, d}, rng, -2.0, 2.0);
  Tensor q = head.forward(z);
  Tensor p = target_distribution(q);
  KLDivLoss kl;
  kl.forward(head.forward(z), p);
  head.zero_grad();
  Tensor dz = head.backward(kl.backward());
  const Tensor& mu = head.centres();
  Tensor want_dz({n, d}), want_dmu({k, d});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) {
      double dist = 0;
      for (int64_t c = 0; c < d; ++c) dist += std::pow(z[i * d + c] - mu[j * d + c], 2);
      double coef = 2.0 / n / (1.0 + dist) * (p[i * k + j] - q[i * k + j]);
      for (int64_t c = 0; c < d; ++c) {
        want_dz[i * d + c] += float(coef * (z[i * d + c] - mu[j * d + c]));
        want_dmu[j * d + c] -= float(coef * (z[i * d + c] - mu[j * d + c]));
      }
    }
  CHECK(test::scaled_max_diff(dz, want_dz) < 1e-4);
  CHECK(test::scaled_max_diff(head.params()[0]->grad, want_dmu) < 1e-4);
}

TEST_CASE("the target distribution sharpens and balances", "[nn][clustering]") {
  // f = (1.4, 0.6); row 0: (.25/1.4, .25/.6) -> (0.3, 0.7); row 1: (.81/1.4, .01/.6) normalised.
  Tensor q({2, 2}, std::vector<float>{0.5f, 0.5f, 0.9f, 0.1f});
  Tensor p = target_distribution(q);
  CHECK(p[0] == Approx(0.3));
  CHECK(p[1] == Approx(0.7));
  const double a = 0.81 / 1.4, b = 0.01 / 0.6;
  CHECK(p[2] == Approx(a / (a + b)));
  CHECK(p[3] == Approx(b / (a + b)));
  CHECK(hard_assignments(p) == std::vector<int>{1, 0});
}

TEST_CASE("the clustering head refuses bad shapes and targets", "[nn][clustering]") {
  SoftAssignment head(3, 2);
  CHECK_THROWS_AS(head.set_centres(Tensor({2, 2})), ShapeError);
  CHECK_THROWS_AS(head.forward(Tensor({4, 3})), ShapeError);
  CHECK_THROWS_AS(SoftAssignment(0, 2), InputError);
  KLDivLoss kl;
  Tensor q({1, 2}, std::vector<float>{0.0f, 1.0f});
  Tensor p({1, 2}, std::vector<float>{0.5f, 0.5f});
  CHECK_THROWS_AS(kl.forward(q, p), InputError);  // q = 0 where p > 0: infinite divergence
  Tensor bad({1, 2}, std::vector<float>{NAN, 1.0f});
  CHECK_THROWS_AS(kl.forward(p, bad), InputError);
}
