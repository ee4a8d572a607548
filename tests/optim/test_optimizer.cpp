// Each optimiser against its published update rule, on hand-worked steps of a 2-element parameter
// x0 = {1, -2} with gradients g1 = {0.5, -1}, g2 = {-1, 2}, g3 = {0.25, 0.5} (all exact in float).
// Expected values are worked out in the comments. The rule checks run on double parameters, whose
// state is double, so the state compares to 1e-12; "float and double instantiations run the same
// rule" checks the float instantiation (state in float, as the networks use it) against them.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "optim/optimizer.hpp"

using namespace aelab;
using namespace aelab::optim;

namespace {

// Catch's Approx also allows a relative 1.2e-5 by default; every tolerance here is the margin.
Approx Near(double v) {
  return Approx(v).epsilon(0.0);
}

const std::vector<std::vector<float>> kGrads = {{0.5f, -1.0f}, {-1.0f, 2.0f}, {0.25f, 0.5f}};

struct Run {
  std::vector<std::vector<double>> x;                         // x after each step
  std::vector<std::map<std::string, double>> probe0, probe1;  // state of element 0 / 1
};

Run run(const OptimizerConfig& config, const std::vector<std::vector<float>>& grads = kGrads,
        std::vector<double> x0 = {1.0, -2.0}) {
  std::vector<double> x = std::move(x0), g(2, 0.0);
  auto opt = make_optimizer(config, {ParamRef64{x, g}});
  REQUIRE(opt->probe(0, 0).empty());  // no state before the first step
  Run r;
  for (const auto& gs : grads) {
    g.assign(gs.begin(), gs.end());
    opt->step();
    r.x.push_back(x);
    for (size_t i = 0; i < 2; ++i) {
      std::map<std::string, double> m;
      for (const auto& sv : opt->probe(0, i)) m[sv.name] = sv.value;
      (i == 0 ? r.probe0 : r.probe1).push_back(m);
    }
  }
  REQUIRE(opt->steps() == static_cast<long>(grads.size()));
  return r;
}

OptimizerConfig cfg(std::string name, double lr) {
  OptimizerConfig c;
  c.name = std::move(name);
  c.lr = lr;
  return c;
}

void check_x(const Run& r, size_t step, double e0, double e1) {
  INFO("step " << step + 1);
  CHECK(r.x[step][0] == Near(e0).margin(1e-6));
  CHECK(r.x[step][1] == Near(e1).margin(1e-6));
}

}  // namespace

TEST_CASE("sgd: x -= lr g") {
  // lr 0.1: x1 = {1 - 0.05, -2 + 0.1}; x2 = x1 - 0.1{-1, 2}; x3 = x2 - 0.1{0.25, 0.5}
  const Run r = run(cfg("sgd", 0.1));
  check_x(r, 0, 0.95, -1.9);
  check_x(r, 1, 1.05, -2.1);
  check_x(r, 2, 1.025, -2.15);
  CHECK(r.probe1[2].at("step") == Near(-0.05).margin(1e-9));
}

TEST_CASE("momentum (heavy ball): v = mu v + g, x -= lr v") {
  // mu 0.9, lr 0.1: v1 = g1 = {0.5, -1}, x1 = {0.95, -1.9}
  // v2 = 0.9{0.5, -1} + {-1, 2} = {-0.55, 1.1}, x2 = x1 - 0.1 v2 = {1.005, -2.01}
  // v3 = 0.9{-0.55, 1.1} + {0.25, 0.5} = {-0.245, 1.49}, x3 = {1.0295, -2.159}
  OptimizerConfig c = cfg("momentum", 0.1);
  c.momentum = 0.9;
  const Run r = run(c);
  check_x(r, 0, 0.95, -1.9);
  check_x(r, 1, 1.005, -2.01);
  check_x(r, 2, 1.0295, -2.159);
  CHECK(r.probe0[1].at("velocity") == Near(-0.55).margin(1e-12));
  CHECK(r.probe1[2].at("velocity") == Near(1.49).margin(1e-12));
  CHECK(r.probe1[2].at("step") == Near(-0.149).margin(1e-8));  // step: float, like x
}

TEST_CASE("nesterov (PyTorch): b = mu b + g, x -= lr (g + mu b)") {
  // mu 0.9, lr 0.1: b1 = {0.5, -1}, update g1 + 0.9 b1 = {0.95, -1.9}, x1 = {0.905, -1.81}
  // b2 = {-0.55, 1.1}, update {-1 - 0.495, 2 + 0.99} = {-1.495, 2.99}, x2 = {1.0545, -2.109}
  // b3 = {-0.245, 1.49}, update {0.25 - 0.2205, 0.5 + 1.341} = {0.0295, 1.841},
  // x3 = {1.0545 - 0.00295, -2.109 - 0.1841} = {1.05155, -2.2931}
  OptimizerConfig c = cfg("nesterov", 0.1);
  c.momentum = 0.9;
  const Run r = run(c);
  check_x(r, 0, 0.905, -1.81);
  check_x(r, 1, 1.0545, -2.109);
  check_x(r, 2, 1.05155, -2.2931);
  CHECK(r.probe0[2].at("velocity") == Near(-0.245).margin(1e-12));
}

TEST_CASE("adagrad: s += g^2, x -= lr g / (sqrt(s) + eps)") {
  // lr 0.1, eps 0: s1 = {0.25, 1}, step = -0.1{0.5/0.5, -1/1} = {-0.1, 0.1}, x1 = {0.9, -1.9}
  // s2 = {1.25, 5}, step = -0.1{-1/1.118034, 2/2.236068} = {+0.0894427, -0.0894427}
  // s3 = {1.3125, 5.25}, step = -0.1{0.25/1.145644, 0.5/2.291288} = {-0.0218218, -0.0218218}
  OptimizerConfig c = cfg("adagrad", 0.1);
  c.eps = 0.0;
  const Run r = run(c);
  check_x(r, 0, 0.9, -1.9);
  check_x(r, 1, 0.989442719, -1.989442719);
  check_x(r, 2, 0.967620930, -2.011264508);
  CHECK(r.probe1[2].at("sum_sq") == Near(5.25).margin(1e-12));
}

TEST_CASE("rmsprop: v = rho v + (1-rho) g^2, x -= lr g / (sqrt(v) + eps)") {
  // lr 0.1, rho 0.9, eps 0.1 (large, so its place in the formula shows):
  // v1 = 0.1{0.25, 1} = {0.025, 0.1}, den = {0.1581139 + 0.1, 0.3162278 + 0.1},
  // step = -0.1{0.5/0.2581139, -1/0.4162278} = {-0.1937129, 0.2402531}
  // v2 = {0.0225 + 0.1, 0.09 + 0.4} = {0.1225, 0.49}, den = {0.45, 0.8},
  // step = -0.1{-1/0.45, 2/0.8} = {0.2222222, -0.25}
  OptimizerConfig c = cfg("rmsprop", 0.1);
  c.rho = 0.9;
  c.eps = 0.1;
  const Run r = run(c);
  check_x(r, 0, 0.806287057, -1.759746927);
  check_x(r, 1, 1.028509279, -2.009746927);
  check_x(r, 2, 0.971861165, -2.073633103);
  CHECK(r.probe0[1].at("square_avg") == Near(0.1225).margin(1e-12));
  CHECK(r.probe1[1].at("step") == Near(-0.25).margin(1e-12));
}

TEST_CASE("adam: bias-corrected moments, eps = 0") {
  // lr 0.1, b1 0.9, b2 0.999, eps 0.
  // t1: m = 0.1 g1 = {0.05, -0.1}, v = 0.001 g1^2 = {0.00025, 0.001}; m_hat = g1, v_hat = g1^2,
  //     so the first step is -lr sign(g): x1 = {0.9, -1.9}.
  // t2: m = 0.9{0.05, -0.1} + 0.1{-1, 2} = {-0.055, 0.11}
  //     v = 0.999{0.00025, 0.001} + 0.001{1, 4} = {0.00124975, 0.004999}
  //     m_hat = m/0.19 = {-0.2894737, 0.5789474}, v_hat = v/0.001999 = {0.6251876, 2.5007504}
  //     step = -0.1 m_hat/sqrt(v_hat) = {+0.0366104, -0.0366104}
  // t3: m = {-0.0245, 0.149}, v = {0.001311, 0.005244001}, m_hat = m/0.271, v_hat = v/0.002997001
  OptimizerConfig c = cfg("adam", 0.1);
  c.eps = 0.0;
  const Run r = run(c);
  check_x(r, 0, 0.9, -1.9);
  check_x(r, 1, 0.936610353, -1.936610353);
  check_x(r, 2, 0.950279419, -1.978175473);
  const auto& p = r.probe0[1];
  CHECK(p.at("m") == Near(-0.055).margin(1e-12));
  CHECK(p.at("v") == Near(0.00124975).margin(1e-12));
  CHECK(p.at("m_hat") == Near(-0.289473684).margin(1e-9));
  CHECK(p.at("v_hat") == Near(0.625187594).margin(1e-9));
  CHECK(p.at("step") == Near(0.036610353).margin(1e-8));  // float, like x
  CHECK(r.probe1[2].at("v_hat") == Near(1.7497495).margin(1e-7));
}

TEST_CASE("adam with eps = 0 and a zero gradient steps by 0, not NaN") {
  OptimizerConfig c = cfg("adam", 0.3);
  c.eps = 0.0;
  const Run r = run(c, {{0.0f, 1.0f}, {0.0f, 1.0f}});
  CHECK(r.x[1][0] == 1.0f);
  CHECK(r.probe0[1].at("step") == 0.0);
  CHECK(r.x[1][1] == Near(-2.6).margin(1e-6));  // two steps of -lr sign(g)
  for (const char* name : {"adagrad", "rmsprop", "amsgrad"}) {
    OptimizerConfig d = cfg(name, 0.3);
    d.eps = 0.0;
    const Run q = run(d, {{0.0f, 1.0f}});
    INFO(name);
    CHECK(q.x[0][0] == 1.0f);
    CHECK(q.probe0[0].at("step") == 0.0);
  }
}

TEST_CASE("adamw: decoupled decay x *= 1 - lr wd, then the adam step") {
  // wd 0.1, lr 0.1: x1 = 0.99 x0 - 0.1 sign(g1) = {0.99 - 0.1, -1.98 + 0.1} = {0.89, -1.88}
  // t2: decay -0.01 x1 = {-0.0089, 0.0188} plus the same adam part as above (+-0.0366104)
  OptimizerConfig c = cfg("adamw", 0.1);
  c.eps = 0.0;
  c.weight_decay = 0.1;
  const Run r = run(c);
  check_x(r, 0, 0.89, -1.88);
  check_x(r, 1, 0.917710353, -1.897810353);
  check_x(r, 2, 0.922202315, -1.920397369);
  // Adam with the same weight_decay couples it into the gradient instead: g' = g + 0.1 x,
  // t1: g' = {0.6, -1.2}, still a -lr sign step: {0.9, -1.9} -- different from adamw's 0.89.
  c.name = "adam";
  const Run a = run(c);
  check_x(a, 0, 0.9, -1.9);
}

TEST_CASE("amsgrad: v_max = max(v_max, v), v_hat = v_max / (1 - b2^t)") {
  // lr 0.1, b1 0.9, b2 0.9, eps 0; g1 = {1, 2}, g2 = {0.1, 0.1} (v falls, v_max does not)
  // t1: m = {0.1, 0.2}, v = v_max = {0.1, 0.4}, step -0.1 sign: x1 = {0.9, -2.1}
  // t2: m = {0.1, 0.19}, v = {0.091, 0.361}, v_max = {0.1, 0.4}; m_hat = m/0.19 = {0.5263158, 1},
  //     v_hat = v_max/0.19 = {0.5263158, 2.1052632}; step = {-0.0725476, -0.0689202}
  OptimizerConfig c = cfg("amsgrad", 0.1);
  c.beta2 = 0.9;
  c.eps = 0.0;
  const Run r = run(c, {{1.0f, 2.0f}, {0.1f, 0.1f}});
  check_x(r, 0, 0.9, -2.1);
  check_x(r, 1, 0.827452375, -2.168920244);
  CHECK(r.probe0[1].at("v") == Near(0.091).margin(1e-8));
  CHECK(r.probe0[1].at("v_max") == Near(0.1).margin(1e-8));
  CHECK(r.probe1[1].at("v_hat") == Near(2.105263158).margin(1e-8));
}

TEST_CASE("a learning-rate change mid-run takes effect at the next step") {
  std::vector<float> x = {1.0f}, g = {1.0f};
  auto sgd = make_optimizer(cfg("sgd", 0.1), {ParamRef{x, g}});
  sgd->step();
  CHECK(x[0] == Near(0.9).margin(1e-7));
  sgd->set_lr(0.5);
  CHECK(sgd->lr() == 0.5);
  sgd->step();
  CHECK(x[0] == Near(0.4).margin(1e-7));
  // Adam: with |g| constant every step is -lr, so the step size is the learning rate itself.
  std::vector<double> y = {0.0}, gy = {-1.0};
  OptimizerConfig c = cfg("adam", 0.3);
  c.eps = 0.0;
  auto adam = make_optimizer(c, {ParamRef64{y, gy}});
  adam->step();
  adam->step();
  CHECK(y[0] == Near(0.6).margin(1e-12));
  adam->set_lr(0.05);
  adam->step();
  CHECK(y[0] == Near(0.65).margin(1e-12));
  CHECK_THROWS_AS(adam->set_lr(0.0), InputError);
  CHECK_THROWS_AS(adam->set_lr(std::numeric_limits<double>::quiet_NaN()), InputError);
  CHECK(adam->lr() == 0.05);
}

TEST_CASE("float and double instantiations run the same rule") {
  for (const auto& name : optimizer_names()) {
    OptimizerConfig c = cfg(name, 0.1);
    c.weight_decay = 0.01;
    std::vector<float> xf = {1.0f, -2.0f}, gf(2);
    std::vector<double> xd = {1.0, -2.0}, gd(2);
    auto of = make_optimizer(c, {ParamRef{xf, gf}});
    auto od = make_optimizer(c, {ParamRef64{xd, gd}});
    for (const auto& gs : kGrads) {
      gf = gs;
      gd = {gs[0], gs[1]};
      of->step();
      od->step();
    }
    INFO(name);
    CHECK(xf[0] == Near(xd[0]).margin(1e-6));
    CHECK(xf[1] == Near(xd[1]).margin(1e-6));
    CHECK(xd[0] != 1.0);
  }
}

TEST_CASE("a large parameter (OpenMP path) matches a plain per-element Adam") {
  const size_t n = 100000;  // above the threshold that splits the loop over threads
  Rng rng(7);
  std::vector<float> x(n), g(n);
  for (auto& v : x) v = static_cast<float>(rng.normal());
  std::vector<double> ref(x.begin(), x.end()), m(n, 0.0), v(n, 0.0);
  OptimizerConfig c = cfg("adam", 0.01);
  auto opt = make_optimizer(c, {ParamRef{x, g}});
  for (int t = 1; t <= 3; ++t) {
    for (auto& gi : g) gi = static_cast<float>(rng.normal());
    opt->step();
    for (size_t i = 0; i < n; ++i) {  // Kingma & Ba, Algorithm 1
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * double(g[i]) * g[i];
      const double mh = m[i] / (1 - std::pow(0.9, t)), vh = v[i] / (1 - std::pow(0.999, t));
      ref[i] = static_cast<float>(ref[i] - 0.01 * mh / (std::sqrt(vh) + 1e-8));
    }
  }
  size_t bad = 0;
  for (size_t i = 0; i < n; ++i) bad += std::abs(x[i] - ref[i]) > 1e-6;
  CHECK(bad == 0);
  CHECK(opt->probe(0, n - 1).back().value != 0.0);
  CHECK_THROWS_AS(opt->probe(0, n), std::out_of_range);
  CHECK_THROWS_AS(opt->probe(1, 0), std::out_of_range);
}

TEST_CASE("impossible settings are refused with InputError") {
  std::vector<float> x(2), g(2);
  auto refuse = [&](OptimizerConfig c) {
    INFO(c.name << " lr=" << c.lr << " b1=" << c.beta1 << " b2=" << c.beta2 << " eps=" << c.eps);
    CHECK_THROWS_AS(make_optimizer(c, {ParamRef{x, g}}), InputError);
    CHECK_THROWS_AS(validate(c), InputError);
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (double lr : {0.0, -0.1, nan, inf}) refuse(cfg("adam", lr));
  for (double b : {1.0, -0.1, 1.5, nan}) {
    OptimizerConfig c = cfg("adam", 0.1);
    c.beta1 = b;
    refuse(c);
    c = cfg("adam", 0.1);
    c.beta2 = b;
    refuse(c);
    c = cfg("momentum", 0.1);
    c.momentum = b;
    refuse(c);
    c = cfg("rmsprop", 0.1);
    c.rho = b;
    refuse(c);
  }
  for (double e : {-1e-8, nan, inf}) {
    OptimizerConfig c = cfg("adam", 0.1);
    c.eps = e;
    refuse(c);
  }
  OptimizerConfig wd = cfg("adamw", 0.1);
  wd.weight_decay = -0.1;
  refuse(wd);
  try {
    (void)make_optimizer(cfg("adamax", 0.1), {ParamRef{x, g}});
    FAIL("unknown name accepted");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find("adamax") != std::string::npos);
    for (const auto& n : optimizer_names()) CHECK(msg.find(n) != std::string::npos);
  }
  // beta = 0 is a legal (memoryless) setting, eps = 0 too.
  OptimizerConfig ok = cfg("adam", 0.1);
  ok.beta1 = 0.0;
  ok.eps = 0.0;
  CHECK_NOTHROW(make_optimizer(ok, {ParamRef{x, g}}));
  std::vector<float> short_grad(1);
  CHECK_THROWS_AS(make_optimizer(ok, {ParamRef{x, short_grad}}), ShapeError);
}
