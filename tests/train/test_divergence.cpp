// Divergence: a non-finite loss, gradient or weight ends a run as diverged at its step, keeps only
// finite checkpoints, and the optimisers the study compares, at absurd learning rates on the
// study MLP, either diverge or finish with finite weights. Runs that cannot give finite weights
// are refused as starting points.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "nn/linear.hpp"
#include "train/ae_trainer.hpp"
#include "train/network_optimizer.hpp"
#include "train/run_checkpoint.hpp"
#include "train/train_test_util.hpp"

using namespace aelab;

namespace {

using test::run_job;
using test::stroke_dataset;
using test::TempDb;

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

nn::Param param(const std::string& name, std::vector<float> values, std::vector<float> grads) {
  nn::Param p;
  p.name = name;
  p.value = Tensor({int64_t(values.size())}, values);
  p.grad = Tensor({int64_t(grads.size())}, grads);
  return p;
}

std::string diverged_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const DivergedError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("all_finite: NaN, +inf and -inf anywhere, and huge finite values",
          "[train][divergence]") {
  const float big = std::numeric_limits<float>::max();
  CHECK(train::all_finite(std::vector<float>{}));
  CHECK(train::all_finite(std::vector<float>{1, -2, 3.5f}));
  // A float sum would overflow here; the double one does not: still finite.
  CHECK(train::all_finite(std::vector<float>(1000, big)));
  CHECK(train::all_finite(std::vector<float>{big, -big, big}));
  for (float bad : {kNaN, kInf, -kInf}) {
    CHECK(!train::all_finite(std::vector<float>{bad, 1, 2}));
    CHECK(!train::all_finite(std::vector<float>{1, 2, bad}));
  }
  // +inf and -inf in one buffer sum to NaN: still caught.
  CHECK(!train::all_finite(std::vector<float>{kInf, -kInf}));
}

TEST_CASE("the divergence guard names the step and what was non-finite", "[train][divergence]") {
  const train::DivergenceGuard guard;
  CHECK_NOTHROW(guard.check_loss(0.25, 3));
  CHECK(diverged_message([&] { guard.check_loss(std::nan(""), 7); }) ==
        "diverged at step 7: loss is nan");
  CHECK(diverged_message([&] { guard.check_loss(HUGE_VAL, 9); }) ==
        "diverged at step 9: loss is infinite");

  nn::Param w = param("weight", {1, 2, 3}, {0.1f, 0.2f, 0.3f});
  nn::Param b = param("bias", {0, 0}, {kNaN, 0});
  std::vector<nn::Param*> params{&w, &b};
  const long every = train::DivergenceGuard::kCheckEvery;
  // Between checks nothing is looked at; at a multiple of the interval, or forced, it is.
  CHECK_NOTHROW(guard.check_params(params, every + 1));
  CHECK(diverged_message([&] { guard.check_params(params, 2 * every); }) ==
        "diverged at step " + std::to_string(2 * every) +
            ": the gradient of parameter 1 (bias) is nan");
  CHECK(diverged_message([&] { guard.check_params(params, every + 1, true); }) ==
        "diverged at step " + std::to_string(every + 1) +
            ": the gradient of parameter 1 (bias) is nan");
  b.grad[0] = 0;
  w.value[2] = -kInf;  // weights gone while the gradients look fine (a dead ReLU downstream)
  CHECK(diverged_message([&] { guard.check_params(params, 0); }) ==
        "diverged at step 0: a weight of parameter 0 (weight) is infinite");
  w.value[2] = 3;
  CHECK_NOTHROW(guard.check_params(params, 0));
}

TEST_CASE("absurd learning rates on the study MLP end diverged or with finite weights",
          "[train][divergence]") {
  TempDb db;
  const data::Dataset ds = stroke_dataset(64, 16);
  int diverged = 0, finished = 0;
  for (const char* name : {"adam", "sgd", "momentum", "rmsprop", "adagrad"}) {
    for (double lr : {10.0, 100.0, 1e30}) {
      train::AeTrainConfig c;
      c.model = {"mlp", 16};  // 784-512-16-512-784
      c.optimizer.name = name;
      c.optimizer.lr = lr;
      c.epochs = 2;
      c.batch = 16;  // 4 steps an epoch
      c.threads = 1;
      c.name = std::string(name) + "-" + std::to_string(lr);
      INFO(c.name);
      bool threw_diverged = false;
      try {
        (void)run_job<train::AeResult>(
            [&](train::JobContext& ctx) { return train_autoencoder(c, ds, db.path, ctx); });
      } catch (const DivergedError&) {
        threw_diverged = true;
      }
      runs::RunStore store = runs::RunStore::open(db.path);
      const runs::RunSummary s = store.list_runs().at(0);
      REQUIRE(s.name == c.name);
      if (s.status == runs::RunStatus::diverged) {
        ++diverged;
        CHECK(threw_diverged);
        CHECK_THAT(s.message, Catch::StartsWith("diverged at step "));
        CHECK(!s.has_final_weights);
        // Whatever checkpoint it kept is the last finite one.
        if (store.has_checkpoint(s.id, runs::kLastCheckpoint))
          CHECK(train::all_finite(store.load_checkpoint(s.id, runs::kLastCheckpoint)));
      } else {
        ++finished;
        REQUIRE(s.status == runs::RunStatus::finished);
        CHECK(train::all_finite(store.load_checkpoint(s.id, runs::kFinalCheckpoint)));
        CHECK(train::all_finite(store.load_tensor_artefact(s.id, runs::kTestCodesArtefact)));
      }
      // At 1e30 one step moves weights by ~1e30: no float forward pass survives that.
      if (lr == 1e30) CHECK(s.status == runs::RunStatus::diverged);
    }
  }
  CHECK(diverged + finished == 15);
}

TEST_CASE("a run with non-finite final weights is refused as a starting point",
          "[train][divergence]") {
  TempDb db;
  const data::Dataset ds = stroke_dataset(32, 16);
  train::AeTrainConfig c;
  c.model = {"mlp", 2};
  c.epochs = 1;
  c.batch = 16;
  c.threads = 1;
  const train::AeResult from = run_job<train::AeResult>(
      [&](train::JobContext& ctx) { return train_autoencoder(c, ds, db.path, ctx); });
  runs::RunStore store = runs::RunStore::open(db.path);
  runs::NamedTensors w = store.load_checkpoint(from.run_id, runs::kFinalCheckpoint);
  w.at(2).value[1] = kNaN;
  store.save_checkpoint(from.run_id, runs::kFinalCheckpoint, w);
  const size_t runs_before = store.list_runs().size();
  c.init_run = from.run_id;
  try {
    (void)run_job<train::AeResult>(
        [&](train::JobContext& ctx) { return train_autoencoder(c, ds, db.path, ctx); });
    FAIL("a NaN starting point was accepted");
  } catch (const InputError& e) {
    CHECK_THAT(e.what(), Catch::Contains("not finite"));
    CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  CHECK(store.list_runs().size() == runs_before);  // refused before a run was recorded
}

TEST_CASE("An optimiser step on a stale gradient steps as on a zero one", "[train][divergence]") {
  // A Linear zero_grad-ed but left out of backward: its old gradient must not move the weights.
  Rng r1(4), r2(4);
  nn::Linear lazy(3, 2, r1), eager(3, 2, r2);
  for (nn::Linear* l : {&lazy, &eager})
    for (float& v : l->weight().grad.span()) v = 0.5f;
  auto opt_lazy = train::make_network_optimizer({}, lazy.params());
  auto opt_eager = train::make_network_optimizer({}, eager.params());
  opt_lazy->step(), opt_eager->step();  // both have momentum now
  lazy.zero_grad();
  for (nn::Param* p : eager.params()) p->grad.zero();
  opt_lazy->step(), opt_eager->step();
  CHECK_FALSE(lazy.weight().grad_stale);
  for (int64_t i = 0; i < lazy.weight().value.numel(); ++i) {
    CHECK(lazy.weight().value[i] == eager.weight().value[i]);
    CHECK(lazy.weight().grad[i] == 0.0f);
  }
}

TEST_CASE("The divergence guard reads a stale gradient as zero", "[train][divergence]") {
  // A NaN left in a lazily zeroed gradient is an old step's, not this one's: no divergence.
  nn::Param p = param("weight", {1.0f, 2.0f}, {kNaN, 0.0f});
  p.lazy_zero = true;
  p.grad_stale = true;
  const train::DivergenceGuard guard;
  CHECK_NOTHROW(guard.check_params({&p}, 1, true));
  p.grad_stale = false;
  CHECK_THROWS_AS(guard.check_params({&p}, 1, true), DivergedError);
}
