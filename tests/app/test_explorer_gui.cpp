// The latent explorer under a real display with real pointer events: train a short 2-D run with
// the built binary, open the explorer on it, click at two places of the scatter with xdotool and
// check that the decoded digit changed. Skipped (WARN) without DISPLAY, xdotool or mnist-10k.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "app/ui_driver.hpp"
#include "app/window_process.hpp"
#include "core/paths.hpp"

namespace fs = std::filesystem;

using aelab::test::sh;
using aelab::test::slurp;
using aelab::test::wait_until;

TEST_CASE("explorer: clicking two places of the scatter decodes two different digits") {
  const auto found = aelab::test::window_test_data_dir();
  if (!found) return;
  const fs::path data_dir = *found;
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_explorer_gui_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string bin = std::string("'") + AELAB_BINARY + "'";
  const std::string common = "AELAB_CONFIG_DIR='" + (dir / "config").string() + "' " + bin +
                             " --data-dir '" + data_dir.string() + "' --runs-db '" +
                             (dir / "runs.sqlite").string() + "'";

  // A short 2-D run (2,000 training digits, one epoch: a few seconds).
  const fs::path out = dir / "train.json";
  REQUIRE(sh(common + " train ae --latent 2 --epochs 1 --limit 2000 --threads 2 --json >'" +
             out.string() + "' 2>/dev/null") == 0);
  std::string last;
  {
    std::ifstream in(out);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) last = line;
  }
  const int64_t run = nlohmann::json::parse(last).at("run_id").get<int64_t>();
  REQUIRE(run > 0);

  // The explorer on that run, drawing until killed; it writes the scatter's rect once the codes
  // are shown and the decoded digit on each click.
  const fs::path png = dir / "decoded.png", rect = dir / "decoded.png.rect", pid = dir / "pid";
  aelab::test::WindowProcess win;
  REQUIRE(sh(common + " --panel latent_explorer --run " + std::to_string(run) +
             " --frames 1000000 --width 1000 --height 700 --decoded-png '" + png.string() +
             "' >/dev/null 2>'" + (dir / "window.log").string() + "' & echo $! >'" + pid.string() +
             "'") == 0);
  REQUIRE(win.adopt(pid));
  INFO(slurp(dir / "window.log"));
  REQUIRE(wait_until([&] { return fs::exists(rect) && !slurp(rect).empty(); }, 30));
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::istringstream(slurp(rect)) >> x0 >> y0 >> x1 >> y1;
  REQUIRE(x1 - x0 > 50);
  REQUIRE(y1 - y0 > 50);

  // The window of that process (GLFW sets _NET_WM_PID).
  const fs::path wid_file = dir / "wid";
  REQUIRE(wait_until(
      [&] {
        return sh("xdotool search --pid " + win.pid + " >'" + wid_file.string() +
                  "' 2>/dev/null") == 0 &&
               !slurp(wid_file).empty();
      },
      10));
  std::string wid;
  std::istringstream(slurp(wid_file)) >> wid;
  // Nothing else should share the display (CTest runs the window tests one at a time), but raise
  // the window anyway so a click can only land on it.
  sh("xdotool windowraise " + wid + " >/dev/null 2>&1");
  auto click = [&](float fx, float fy) {
    const int x = static_cast<int>(x0 + fx * (x1 - x0)), y = static_cast<int>(y0 + fy * (y1 - y0));
    return sh("xdotool mousemove --window " + wid + " " + std::to_string(x) + " " +
              std::to_string(y) + " sleep 0.3 click 1");
  };

  REQUIRE(click(0.3f, 0.3f) == 0);
  REQUIRE(wait_until([&] { return fs::exists(png) && fs::file_size(png) > 0; }, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the write finish
  const std::string first = slurp(png);
  REQUIRE(first.substr(1, 3) == "PNG");

  REQUIRE(click(0.75f, 0.7f) == 0);
  CHECK(wait_until([&] { return slurp(png) != first && slurp(png).size() > 8; }, 10));
}
