// OptimizerConfig <-> JSON: every setting survives the round trip, defaults fill missing keys, and
// malformed input (unknown key or name, wrong type, out-of-range value) is an InputError.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.hpp"
#include "optim/optimizer_json.hpp"

using namespace aelab;
using namespace aelab::optim;

namespace {

// The InputError's message, or "" when the parse succeeds.
std::string refusal(const nlohmann::json& j) {
  try {
    (void)optimizer_config_from_json(j);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("optimizer config: every setting survives a round trip through JSON") {
  OptimizerConfig c;
  c.name = "rmsprop";
  c.lr = 0.0125;
  c.momentum = 0.5;
  c.beta1 = 0.8;
  c.beta2 = 0.99;
  c.rho = 0.95;
  c.eps = 0.0;
  c.weight_decay = 1e-4;
  const nlohmann::json j = to_json(c);
  CHECK(j.size() == 8);
  CHECK(j.at("name") == "rmsprop");
  CHECK(j.at("rho").get<double>() == 0.95);
  // Through text too, as a run config is stored.
  const OptimizerConfig back = optimizer_config_from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.name == c.name);
  CHECK(back.lr == c.lr);
  CHECK(back.momentum == c.momentum);
  CHECK(back.beta1 == c.beta1);
  CHECK(back.beta2 == c.beta2);
  CHECK(back.rho == c.rho);
  CHECK(back.eps == c.eps);
  CHECK(back.weight_decay == c.weight_decay);
}

TEST_CASE("optimizer config: missing keys keep the defaults") {
  const OptimizerConfig d;
  const OptimizerConfig c = optimizer_config_from_json({{"name", "sgd"}, {"lr", 0.3}});
  CHECK(c.name == "sgd");
  CHECK(c.lr == 0.3);
  CHECK(c.beta2 == d.beta2);
  CHECK(c.eps == d.eps);
  CHECK(optimizer_config_from_json(nlohmann::json::object()).name == d.name);
}

TEST_CASE("optimizer config: malformed JSON is refused with the key named") {
  CHECK(refusal(nlohmann::json::array()).find("JSON object") != std::string::npos);
  CHECK(refusal({{"name", "adamax"}}).find("unknown optimizer 'adamax'") != std::string::npos);
  CHECK(refusal({{"learning_rate", 0.1}}).find("unknown key \"learning_rate\"") !=
        std::string::npos);
  CHECK(refusal({{"lr", "fast"}}).find("\"lr\" must be a number") != std::string::npos);
  CHECK(refusal({{"name", 3}}).find("\"name\" must be a string") != std::string::npos);
  CHECK(refusal({{"lr", 0.0}}).find("learning rate") != std::string::npos);
  CHECK(refusal({{"lr", -1.0}}).find("learning rate") != std::string::npos);
  CHECK(refusal({{"beta1", 1.0}}).find("beta1") != std::string::npos);
  CHECK(refusal({{"rho", -0.1}}).find("rho") != std::string::npos);
  CHECK(refusal({{"eps", -1e-8}}).find("eps") != std::string::npos);
  CHECK(refusal({{"weight_decay", -1.0}}).find("weight_decay") != std::string::npos);
  CHECK(refusal({{"name", "adam"}, {"lr", 0.001}}).empty());
}
