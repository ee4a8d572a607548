// The window's --train spec: keys over AeTrainConfig's defaults, and a usage error (exit 2, before
// any window opens) for anything it cannot mean.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "app/panels/training.hpp"
#include "core/error.hpp"

using aelab::InputError;
using aelab::app::parse_training_spec;

TEST_CASE("window: the --train spec: keys set the config, the rest keeps the defaults") {
  const aelab::train::AeTrainConfig defaults;
  auto c = parse_training_spec(
      "preset=deep,latent=16,epochs=3,lr=0.002,batch=64,seed=7,threads=1,"
      "dataset=fashion,limit=500,loss=mse,optimizer=sgd,name=watch me");
  CHECK(c.model.preset == "deep");
  CHECK(c.model.latent == 16);
  CHECK(c.epochs == 3);
  CHECK(c.optimizer.lr == Approx(0.002));
  CHECK(c.batch == 64);
  CHECK(c.seed == 7);
  CHECK(c.threads == 1);
  CHECK(c.dataset == "fashion");
  CHECK(c.limit == 500);
  CHECK(c.loss == "mse");
  CHECK(c.optimizer.name == "sgd");
  CHECK(c.name == "watch me");

  auto d = parse_training_spec("latent=2");
  CHECK(d.model.latent == 2);
  CHECK(d.model.preset == defaults.model.preset);
  CHECK(d.epochs == defaults.epochs);
  CHECK(d.optimizer.lr == defaults.optimizer.lr);
  CHECK(parse_training_spec("").epochs == defaults.epochs);
  CHECK(parse_training_spec("optimiser=adamw").optimizer.name == "adamw");
}

TEST_CASE(
    "window: the --train spec: unknown keys, bad numbers and impossible configs are InputErrors") {
  CHECK_THROWS_AS(parse_training_spec("bogus=1"), InputError);
  CHECK_THROWS_AS(parse_training_spec("latent"), InputError);
  CHECK_THROWS_AS(parse_training_spec("=2"), InputError);
  CHECK_THROWS_AS(parse_training_spec("latent=two"), InputError);
  CHECK_THROWS_AS(parse_training_spec("latent=2.5"), InputError);
  CHECK_THROWS_AS(parse_training_spec("epochs=3x"), InputError);
  CHECK_THROWS_AS(parse_training_spec("lr=nan"), InputError);
  CHECK_THROWS_AS(parse_training_spec("epochs=0"), InputError);
  CHECK_THROWS_AS(parse_training_spec("lr=-1"), InputError);
  CHECK_THROWS_AS(parse_training_spec("preset=huge"), InputError);
  CHECK_THROWS_AS(parse_training_spec("latent=0"), InputError);
  CHECK_THROWS_AS(parse_training_spec("optimizer=magic"), InputError);
  CHECK_THROWS_AS(parse_training_spec("dataset=cifar"), InputError);
  CHECK_THROWS_WITH(parse_training_spec("bogus=1"), Catch::Contains("unknown key 'bogus'"));
}

TEST_CASE("window: the --train spec: a bad one is a usage error before any window opens") {
  const std::string cmd =
      std::string("'") + AELAB_BINARY + "' --train 'latent=two' --frames 1 2>/dev/null";
  const int rc = std::system(cmd.c_str());
  CHECK((WIFEXITED(rc) ? WEXITSTATUS(rc) : -1) == 2);
}
