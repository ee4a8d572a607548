// The latent explorer following a run that trains inside the window: the window starts
// a 2-D run from its training panel (--train), the explorer switches to it and swaps in the codes
// of the latest weight snapshots while it trains, then the run's final codes from the store. A
// click decodes a point, and the decoding follows the weights without another click.
// Skipped (WARN) without DISPLAY, xdotool or mnist-10k.
#include <stb_image.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/window_process.hpp"
#include "core/paths.hpp"

namespace fs = std::filesystem;
using aelab::test::sh;
using aelab::test::slurp;
using aelab::test::wait_until;

namespace {

// The explorer's --codes-log: one JSON object per set of codes it showed.

std::vector<nlohmann::json> live_lines(const std::vector<nlohmann::json>& log) {
  std::vector<nlohmann::json> out;
  for (const auto& j : log)
    if (j.at("live").get<bool>()) out.push_back(j);
  return out;
}

// Largest absolute difference between two logged code vectors.
double max_diff(const nlohmann::json& a, const nlohmann::json& b) {
  const auto x = a.get<std::vector<double>>(), y = b.get<std::vector<double>>();
  REQUIRE(x.size() == y.size());
  double d = 0;
  for (size_t i = 0; i < x.size(); ++i) d = std::max(d, std::abs(x[i] - y[i]));
  return d;
}

// Fraction of pixels in [x0, x1) x [y0, y1) that differ between two same-sized RGBA images.
double pixel_change(const fs::path& a, const fs::path& b, int x0, int y0, int x1, int y1) {
  int wa = 0, ha = 0, wb = 0, hb = 0, n = 0;
  unsigned char* pa = stbi_load(a.string().c_str(), &wa, &ha, &n, 4);
  unsigned char* pb = stbi_load(b.string().c_str(), &wb, &hb, &n, 4);
  double changed = -1;
  if (pa && pb && wa == wb && ha == hb) {
    x0 = std::clamp(x0, 0, wa), x1 = std::clamp(x1, x0, wa), y0 = std::clamp(y0, 0, ha),
    y1 = std::clamp(y1, y0, ha);
    size_t diff = 0;
    for (int y = y0; y < y1; ++y)
      for (int x = x0; x < x1; ++x) {
        const size_t i = static_cast<size_t>(y) * wa + x;
        for (int c = 0; c < 3; ++c)
          if (pa[4 * i + c] != pb[4 * i + c]) {
            ++diff;
            break;
          }
      }
    changed = static_cast<double>(diff) / std::max(1.0, static_cast<double>(x1 - x0) * (y1 - y0));
  }
  if (pa) stbi_image_free(pa);
  if (pb) stbi_image_free(pb);
  return changed;
}

}  // namespace

TEST_CASE(
    "explorer: follows a run training in the window, codes and decodings move with the weights") {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    WARN("DISPLAY is not set: explorer training GUI test skipped (scripts/test.sh starts Xvfb)");
    return;
  }
  if (sh("command -v xdotool >/dev/null") != 0) {
    WARN("xdotool is not installed: explorer training GUI test skipped");
    return;
  }
  const fs::path data_dir = aelab::default_data_dir();
  if (!fs::exists(data_dir / "datasets" / "mnist-10k")) {
    WARN("mnist-10k is not imported in " + data_dir.string() +
         ": explorer training GUI test skipped (scripts/test.sh imports it)");
    return;
  }
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_explorer_training_gui_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path log = dir / "codes.jsonl", decoded = dir / "decoded.png", shot = dir / "shot.png",
                 pid = dir / "pid", window_log = dir / "window.log";

  // The study's 2-D MLP for 10 epochs of mnist-10k (several updates, 1-3 s apart, even on an
  // idle machine),
  // started by the window's training panel; the explorer is in front. A screenshot every second,
  // the codes log, the decoded digit.
  aelab::test::WindowProcess win;
  REQUIRE(sh("AELAB_CONFIG_DIR='" + (dir / "config").string() + "' '" + AELAB_BINARY +
             "' --data-dir '" + data_dir.string() + "' --runs-db '" +
             (dir / "runs.sqlite").string() +
             "' --panel latent_explorer --train 'preset=mlp,latent=2,epochs=10,seed=1'"
             " --frames 1000000 --width 1200 --height 800 --screenshot '" +
             shot.string() + "' --screenshot-every 1 --codes-log '" + log.string() +
             "' --decoded-png '" + decoded.string() + "' >/dev/null 2>'" + window_log.string() +
             "' & echo $! >'" + pid.string() + "'") == 0);
  REQUIRE(win.adopt(pid));
  INFO(slurp(window_log));

  // The first live codes: the explorer switched to the new run and encoded a snapshot.
  REQUIRE(wait_until([&] { return !live_lines(aelab::test::read_json_lines(log)).empty(); }, 120));
  const nlohmann::json first = live_lines(aelab::test::read_json_lines(log)).front();
  CHECK(first.at("points").get<int>() == 2004);  // mnist-10k's test split, all shown
  CHECK(first.at("latent").get<int>() == 2);
  CHECK(first.at("snapshot").get<int>() >= 1);

  // A click in the scatter decodes a point (real pointer events, as a person would).
  const fs::path rect = fs::path(decoded.string() + ".rect"), wid_file = dir / "wid";
  REQUIRE(wait_until([&] { return fs::exists(rect) && !slurp(rect).empty(); }, 30));
  float x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::istringstream(slurp(rect)) >> x0 >> y0 >> x1 >> y1;
  REQUIRE(wait_until(
      [&] {
        return sh("xdotool search --pid " + win.pid + " >'" + wid_file.string() +
                  "' 2>/dev/null") == 0 &&
               !slurp(wid_file).empty();
      },
      10));
  std::string wid;
  std::istringstream(slurp(wid_file)) >> wid;
  sh("xdotool windowraise " + wid + " >/dev/null 2>&1");
  REQUIRE(sh("xdotool mousemove --window " + wid + " " +
             std::to_string(static_cast<int>((x0 + x1) / 2)) + " " +
             std::to_string(static_cast<int>((y0 + y1) / 2)) + " sleep 0.3 click 1") == 0);
  REQUIRE(wait_until([&] { return fs::exists(decoded) && fs::file_size(decoded) > 8; }, 10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // let the write finish
  const std::string decoded_first = slurp(decoded);
  const size_t lines_at_click = aelab::test::read_json_lines(log).size();
  // Move the pointer off the scatter so that hovering does not keep the scatter busy.
  sh("xdotool mousemove --window " + wid + " 2 2 >/dev/null 2>&1");

  // Later live codes from a newer snapshot differ from the first: the map moves while it learns.
  // And the same latent point decodes to a different image with the newer weights, unclicked.
  REQUIRE(wait_until(
      [&] {
        auto live = live_lines(aelab::test::read_json_lines(log));
        return live.size() >= 3 && aelab::test::read_json_lines(log).size() > lines_at_click;
      },
      120));
  const auto live = live_lines(aelab::test::read_json_lines(log));
  const nlohmann::json& later = live.back();
  CHECK(later.at("snapshot").get<int>() > first.at("snapshot").get<int>());
  CHECK(max_diff(first.at("head"), later.at("head")) > 1e-3);
  CHECK(max_diff(first.at("mean"), later.at("mean")) > 1e-3);
  // The UI kept drawing between updates (it never waited for the training or the encoding).
  for (size_t i = 1; i < live.size(); ++i)
    CHECK(live[i].at("frame").get<int>() > live[i - 1].at("frame").get<int>() + 1);
  CHECK(
      wait_until([&] { return slurp(decoded) != decoded_first && slurp(decoded).size() > 8; }, 30));

  // Once the run ends, the explorer shows its final codes from the run store (live = false).
  REQUIRE(wait_until(
      [&] {
        const auto all = aelab::test::read_json_lines(log);
        return !all.empty() && !all.back().at("live").get<bool>();
      },
      300));
  const auto all = aelab::test::read_json_lines(log);
  CHECK(all.back().at("points").get<int>() == 2004);
  CHECK(all.back().at("run").get<int>() == first.at("run").get<int>());
  CHECK(win.running());

  // The scatter in a screenshot early in the training (shot-K is taken K s after the window
  // opened, about when the explorer started its clock) and in the last one differ.
  auto shot_path = [&](int k) {
    return dir / ("shot-" + std::string(k < 10 ? "0" : "") + std::to_string(k) + ".png");
  };
  int last = 0;
  while (fs::exists(shot_path(last + 1))) ++last;
  const int early = static_cast<int>(std::ceil(first.at("seconds").get<double>() + 0.5));
  REQUIRE(last > early);
  const double change =
      pixel_change(shot_path(early), shot_path(last), static_cast<int>(x0) + 2,
                   static_cast<int>(y0) + 2, static_cast<int>(x1) - 2, static_cast<int>(y1) - 2);
  INFO("early " << shot_path(early) << ", late " << shot_path(last));
  CHECK(change > 0.005);
}
