// The latent explorer never shows one run's projection under another's name: with t-SNE chosen
// (a real click on the radio) for run A, picking run B in the run combo (real clicks) clears A's
// t-SNE; the scatter then shows nothing until B's own t-SNE arrives, labelled for B, and the radio
// stays on t-SNE throughout (the --codes-log lines name the projection shown, its run and the
// radio's state). Two runs in a private store. Skipped (WARN) without DISPLAY, xdotool or
// mnist-10k.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/ui_driver.hpp"
#include "app/window_process.hpp"
#include "core/paths.hpp"

namespace fs = std::filesystem;
using aelab::test::sh;
using aelab::test::slurp;
using aelab::test::wait_until;

namespace {

int64_t train_run(const std::string& common, const fs::path& out) {
  REQUIRE(sh(common + " train ae --latent 8 --epochs 1 --limit 600 --threads 2 --json >'" +
             out.string() + "' 2>/dev/null") == 0);
  std::string last;
  std::istringstream in(slurp(out));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) last = line;
  return nlohmann::json::parse(last).at("run_id").get<int64_t>();
}

}  // namespace

TEST_CASE("explorer: t-SNE of run A is not shown for run B, and the radio matches the scatter") {
  const auto found = aelab::test::window_test_data_dir();
  if (!found) return;
  const fs::path data_dir = *found;
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_explorer_stale_gui_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string common = "AELAB_CONFIG_DIR='" + (dir / "config").string() + "' '" +
                             AELAB_BINARY + "' --data-dir '" + data_dir.string() + "' --runs-db '" +
                             (dir / "runs.sqlite").string() + "'";
  const int64_t a = train_run(common, dir / "a.json"), b = train_run(common, dir / "b.json");
  REQUIRE(b > a);  // B is newer: first in the combo

  const fs::path log = dir / "codes.jsonl", map = dir / "ui.json", pid = dir / "pid",
                 window_log = dir / "window.log";
  aelab::test::WindowProcess win;
  REQUIRE(sh(common + " --panel latent_explorer --run " + std::to_string(a) +
             " --frames 1000000 --width 1200 --height 800 --ui-map '" + map.string() +
             "' --codes-log '" + log.string() + "' >/dev/null 2>'" + window_log.string() +
             "' & echo $! >'" + pid.string() + "'") == 0);
  REQUIRE(win.adopt(pid));
  INFO(slurp(window_log));
  REQUIRE(wait_until([&] { return !aelab::test::read_json_lines(log).empty(); }, 30));
  {
    const auto first = aelab::test::read_json_lines(log).front();
    CHECK(first.at("run").get<int64_t>() == a);
    CHECK(first.at("method") == "pca");
    CHECK(first.at("radio") == "pca");
  }

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
  sh("xdotool windowraise " + wid + " >/dev/null 2>&1");
  auto rect = [&](const std::string& key) {
    const auto ui = nlohmann::json::parse(slurp(map));
    REQUIRE(ui.contains(key));
    return ui.at(key).get<std::vector<float>>();
  };
  auto click = [&](float x, float y) {
    return sh("xdotool mousemove --window " + wid + " " + std::to_string(static_cast<int>(x)) +
              " " + std::to_string(static_cast<int>(y)) + " sleep 0.3 click 1");
  };

  // t-SNE for A: the radio, then A's own map, named for A.
  const auto tsne = rect("latent_explorer:tsne");
  REQUIRE(click((tsne[0] + tsne[2]) / 2, (tsne[1] + tsne[3]) / 2) == 0);
  REQUIRE(wait_until(
      [&] {
        const auto l = aelab::test::read_json_lines(log);
        return !l.empty() && l.back().at("method") == "tsne";
      },
      30));
  {
    const auto last = aelab::test::read_json_lines(log).back();
    CHECK(last.at("run").get<int64_t>() == a);
    CHECK(last.at("tsne_run").get<int64_t>() == a);
    CHECK(last.at("radio") == "tsne");
    CHECK(last.at("perplexity").get<double>() == Approx(30));
  }
  const size_t before_switch = aelab::test::read_json_lines(log).size();

  // Run B from the combo: open it, click its first entry (the newest run).
  const auto combo = rect("latent_explorer:run");
  REQUIRE(click((combo[0] + combo[2]) / 2, (combo[1] + combo[3]) / 2) == 0);
  REQUIRE(click(combo[0] + 150, combo[3] + 15) == 0);
  REQUIRE(wait_until(
      [&] {
        const auto l = aelab::test::read_json_lines(log);
        return l.size() > before_switch && l.back().at("run").get<int64_t>() == b &&
               l.back().at("method") == "tsne";
      },
      40));
  const auto l = aelab::test::read_json_lines(log);
  // Every line after the switch: B's codes, the radio on t-SNE, and a scatter that shows either
  // nothing (B's t-SNE computing) or B's own t-SNE, never PCA and never A's map.
  bool saw_b = false;
  for (size_t i = before_switch; i < l.size(); ++i) {
    INFO(l[i].dump());
    if (l[i].at("run").get<int64_t>() != b) continue;
    saw_b = true;
    CHECK(l[i].at("radio") == "tsne");
    CHECK(l[i].at("method") != "pca");
    if (l[i].at("method") == "tsne") {
      CHECK(l[i].at("tsne_run").get<int64_t>() == b);
      CHECK(l[i].at("stale") == false);
    } else {
      CHECK(l[i].at("method") == "none");
      CHECK(l[i].at("points").get<int>() == 0);
    }
  }
  CHECK(saw_b);
  CHECK(l.back().at("points").get<int>() > 0);
  CHECK(win.running());
}
