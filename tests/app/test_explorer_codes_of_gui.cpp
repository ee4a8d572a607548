// The latent explorer's "codes of: test | train | all" choice at scale: a Fashion-MNIST run
// (60,000 + 10,000 digits) trains in a 1024x640 window; clicking "all" makes the explorer encode
// all 70,000 digits from the live weights and draw them while the run trains, then show the run's
// final 70,000 codes. A 1920x1080 window opened on the finished run switches to "train" (60,000)
// and back to "test" (10,000). Skipped (WARN) without DISPLAY, xdotool or Fashion-MNIST.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "app/ui_driver.hpp"

namespace fs = std::filesystem;
using aelab::test::read_json_lines;
using aelab::test::UiDriver;
using aelab::test::wait_until;

namespace {

bool has_fashion() {
  if (fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) return true;
  WARN("Fashion-MNIST (dataset-fashion-mnist) is not installed: explorer codes-of test skipped");
  return false;
}

// The first codes-log line after the first `skip` ones that matches pred, waiting up to `seconds`.
template <class Pred>
std::optional<nlohmann::json> codes_line(const fs::path& log, Pred pred, double seconds,
                                         size_t skip = 0) {
  std::optional<nlohmann::json> found;
  wait_until(
      [&] {
        const auto lines = read_json_lines(log);
        for (size_t i = skip; i < lines.size() && !found; ++i)
          if (pred(lines[i])) found = lines[i];
        return found.has_value();
      },
      seconds);
  return found;
}

}  // namespace

TEST_CASE("explorer: codes of all 70,000 Fashion-MNIST digits while a run trains, then train") {
  if (!aelab::test::can_drive_windows() || !has_fashion()) return;
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_explorer_codes_of_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path db = dir / "runs.sqlite", log = dir / "codes.jsonl", log2 = dir / "codes2.jsonl";
  const std::string bin = std::string("'") + AELAB_BINARY + "' --runs-db '" + db.string() + "'";

  int64_t run_id = 0;
  {
    // 2 epochs: several snapshots to re-encode while it trains.
    UiDriver ui(dir, bin +
                         " --panel latent_explorer --train "
                         "'preset=mlp,latent=16,epochs=2,dataset=fashion,seed=1'"
                         " --frames 1000000 --width 1024 --height 640 --codes-log '" +
                         log.string() + "'");
    REQUIRE(ui.ok());
    INFO(ui.log());
    // The first live codes are the test split's 10,000.
    auto first = codes_line(
        log, [](const nlohmann::json& j) { return j.at("live").get<bool>(); }, 300);
    REQUIRE(first);
    CHECK(first->at("codes_of") == "test");
    CHECK(first->at("points").get<int>() == 10000);
    REQUIRE(ui.click("latent_explorer:codes_all"));
    // Live codes of all 70,000, drawn while the run still trains.
    auto all_live = codes_line(
        log,
        [](const nlohmann::json& j) {
          return j.at("live").get<bool>() && j.at("codes_of") == "all";
        },
        300);
    REQUIRE(all_live);
    CHECK(all_live->at("points").get<int>() == 70000);
    CHECK(all_live->at("latent").get<int>() == 16);
    run_id = all_live->at("run").get<int64_t>();
    // The finished run's 70,000 codes from the store (the choice kept).
    auto final_codes = codes_line(
        log,
        [](const nlohmann::json& j) {
          return !j.at("live").get<bool>() && j.at("codes_of") == "all";
        },
        900);
    REQUIRE(final_codes);
    CHECK(final_codes->at("points").get<int>() == 70000);
    CHECK(final_codes->at("run").get<int64_t>() == run_id);
    CHECK(ui.running());
  }  // the window is closed here

  // The finished run in a large window: "train" shows the 60,000 training digits; the caption and
  // the codes log say so.
  UiDriver ui(dir, bin + " --panel latent_explorer --run " + std::to_string(run_id) +
                       " --frames 1000000 --width 1920 --height 1080 --codes-log '" +
                       log2.string() + "'");
  REQUIRE(ui.ok());
  INFO(ui.log());
  REQUIRE(codes_line(
      log2, [](const nlohmann::json&) { return true; }, 120));
  REQUIRE(ui.click("latent_explorer:codes_train"));
  auto train = codes_line(
      log2, [](const nlohmann::json& j) { return j.at("codes_of") == "train"; }, 300);
  REQUIRE(train);
  CHECK(train->at("points").get<int>() == 60000);
  CHECK(train->at("run").get<int64_t>() == run_id);
  const size_t before = read_json_lines(log2).size();
  REQUIRE(ui.click("latent_explorer:codes_test"));
  auto test = codes_line(
      log2, [](const nlohmann::json& j) { return j.at("codes_of") == "test"; }, 120, before);
  REQUIRE(test);
  CHECK(test->at("points").get<int>() == 10000);
  CHECK(ui.running());

  // A window that is not scripted restores the user's settings. With "codes of: train" saved and
  // the run named by --run, it shows the run's training codes (it used to stay on "no run": the
  // run's test codes were loading when the saved choice arrived, and were dropped as stale).
  const fs::path log3 = dir / "codes3.jsonl";
  fs::create_directories(dir / "config");
  std::ofstream(dir / "config" / "panels.json")
      << nlohmann::json{{"version", 1},
                        {"panels", {{"latent_explorer", {{"codes_of", "train"}, {"method", 0}}}}}}
             .dump();
  UiDriver restored(dir, bin + " --panel latent_explorer --run " + std::to_string(run_id) +
                             " --width 1024 --height 640 --codes-log '" + log3.string() + "'");
  REQUIRE(restored.ok());
  INFO(restored.log());
  auto first = codes_line(
      log3, [](const nlohmann::json&) { return true; }, 120);
  REQUIRE(first);
  CHECK(first->at("codes_of") == "train");
  CHECK(first->at("points").get<int>() == 60000);
  CHECK(first->at("run").get<int64_t>() == run_id);
  CHECK(restored.running());
}
