// Experiment presets: every embedded file parses and gives a valid config, the study group and
// the (b) defaults hold the study's numbers, and malformed preset files are refused.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>

#include "core/error.hpp"
#include "train/presets.hpp"

using namespace aelab;
namespace fs = std::filesystem;

namespace {

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

// The message read_preset_file gives for a file holding `text`.
std::string file_refusal(const std::string& text) {
  const fs::path p =
      fs::temp_directory_path() / ("aelab-preset-" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f << text;
  }
  const std::string m = refusal([&] { (void)train::read_preset_file(p); });
  fs::remove(p);
  return m;
}

}  // namespace

TEST_CASE("presets: every embedded preset parses and gives a valid config", "[train][presets]") {
  const std::vector<train::Preset>& all = train::presets();  // a malformed one throws here
  REQUIRE(all.size() >= 5);
  std::set<std::string> names;
  for (const train::Preset& p : all) {
    INFO(p.name);
    CHECK(names.insert(p.name).second);
    CHECK_FALSE(p.title.empty());
    train::AeTrainConfig c;
    REQUIRE_NOTHROW(c = train::apply_preset(p));
    CHECK_NOTHROW(train::validate(c));
    CHECK(&train::preset(p.name) != nullptr);
  }
  CHECK(refusal([] { (void)train::preset("no-such"); }).find("study-L2") != std::string::npos);
}

TEST_CASE("presets: the study runs, the clustering recipe and the (b) defaults",
          "[train][presets]") {
  const std::vector<train::Preset> study = train::preset_group(train::kStudyGroup);
  REQUIRE(study.size() == 3);
  std::set<int64_t> latents;
  train::AeTrainConfig base;
  base.seed = 7;
  base.epochs = 12;
  base.optimizer.lr = 2e-3;
  for (const train::Preset& p : study) {
    const train::AeTrainConfig c = train::apply_preset(p, base);
    CHECK(c.model.preset == "mlp");
    CHECK(c.loss == "l1");
    latents.insert(c.model.latent);
    // What the preset does not name stays as the base had it.
    CHECK(c.seed == 7);
    CHECK(c.epochs == 12);
    CHECK(c.optimizer.lr == 2e-3);
  }
  CHECK(latents == std::set<int64_t>{2, 16, 256});

  const train::AeTrainConfig r = train::clustering_recipe();
  CHECK(r.model.preset == "deep");
  CHECK(r.model.latent == 16);
  CHECK(r.loss == "mse");
  CHECK(r.epochs == 150);
  CHECK(r.augment.shift == 3.0);
  CHECK(r.augment.rotate == 15.0);
  CHECK(r.cluster_epochs == 30);
  CHECK(r.cluster_weight == 1.0);

  const train::AeTrainConfig b = train::apply_preset(train::preset(train::kAdversarialPreset));
  CHECK(b.adversarial == "frozen");
  CHECK(b.model.preset == "mlp");
  CHECK(b.model.latent == 16);
  CHECK(b.epochs == 15);
  CHECK(b.lambda == 0.05);
}

TEST_CASE("presets: malformed preset files are refused with the problem named",
          "[train][presets]") {
  const std::string ok = R"({"name": "mine", "title": "t", "config": {"epochs": 2}})";
  CHECK(file_refusal(ok) == "(no InputError)");
  CHECK(file_refusal(R"({"name": "mine", "title": "t", "config": {"epochs": 2})")
            .find("not valid JSON") != std::string::npos);
  CHECK(file_refusal("[1, 2]").find("JSON object") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {}, "colour": 1})")
            .find("unknown key \"colour\"") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"epoch": 2}})")
            .find("unknown key \"config.epoch\"") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"model": {"size": 2}}})")
            .find("unknown key \"config.model.size\"") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"epochs": "two"}})")
            .find("\"config.epochs\" must be a number") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"epochs": 2.5}})")
            .find("whole number") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"model": 16}})")
            .find("must be an object") != std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"loss": "huber"}})").find("huber") !=
        std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t", "config": {"optimizer": {"lr": -1}}})")
            .find("learning rate") != std::string::npos);
  CHECK(file_refusal(R"({"title": "t", "config": {}})").find("missing \"name\"") !=
        std::string::npos);
  CHECK(file_refusal(R"({"name": "m", "title": "t"})").find("missing \"config\"") !=
        std::string::npos);
  CHECK(refusal([] { (void)train::read_preset_file("/nonexistent/p.json"); }).find("cannot open") !=
        std::string::npos);
}

// Found by the stored-JSON fuzzer: the key came back raw in the message, on two lines.
TEST_CASE("a preset with a newline in a key is refused in one line", "[train]") {
  const auto j = nlohmann::json::parse(R"({"config":{"loss":"l2","model":{"lat\nt":16,"preset":"mlp"}},"group":"study",)"
      R"("name":"study-L16","title":"Study run"})");
  try {
    (void)aelab::train::apply_preset(aelab::train::parse_preset(j, "fuzz.json"));
    FAIL("the preset was accepted");
  } catch (const InputError& e) {
    const std::string msg = e.what();
    CHECK(msg.find('\n') == std::string::npos);
    CHECK_THAT(msg, Catch::Contains("lat\\x0at"));
  }
}
