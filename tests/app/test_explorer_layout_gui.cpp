// The latent explorer lays out from its pane: at 1024x640, at 1920x1080 and as the right half of a
// split at 1024x640, for a 16-D run (PCA, t-SNE controls) and a 2-D run (manifold tab), nothing is
// drawn past the pane (the --layout-report has no overflow line of the explorer), the scatter and
// the side column lie inside the pane, and in the narrow split the side column sits under the
// scatter. Skipped (WARN) without DISPLAY or mnist-10k.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/window_process.hpp"
#include "core/paths.hpp"

namespace fs = std::filesystem;
using aelab::test::sh;
using aelab::test::slurp;

namespace {

// Trains a one-epoch autoencoder on 2,000 digits into the store; returns its run id.
int64_t train_run(const std::string& common, const fs::path& dir, int latent) {
  const fs::path out = dir / ("train-" + std::to_string(latent) + ".json");
  REQUIRE(sh(common + " train ae --latent " + std::to_string(latent) +
             " --epochs 1 --limit 2000 --threads 2 --json >'" + out.string() + "' 2>/dev/null") ==
          0);
  std::string last;
  std::istringstream in(slurp(out));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) last = line;
  return nlohmann::json::parse(last).at("run_id").get<int64_t>();
}

}  // namespace

TEST_CASE("explorer: nothing past its pane at 1024x640, 1920x1080 and as half of a split") {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) {
    WARN("DISPLAY is not set: explorer layout test skipped (scripts/test.sh starts Xvfb)");
    return;
  }
  const fs::path data_dir = aelab::default_data_dir();
  if (!fs::exists(data_dir / "datasets" / "mnist-10k")) {
    WARN("mnist-10k is not imported in " + data_dir.string() + ": explorer layout test skipped");
    return;
  }
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_explorer_layout_gui_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string common = "AELAB_CONFIG_DIR='" + (dir / "config").string() + "' '" +
                             AELAB_BINARY + "' --data-dir '" + data_dir.string() + "' --runs-db '" +
                             (dir / "runs.sqlite").string() + "'";
  const int64_t wide = train_run(common, dir, 16), flat = train_run(common, dir, 2);

  struct Case {
    const char* name;
    int w, h;
    bool split;
  };
  for (const Case& c : {Case{"1024x640", 1024, 640, false}, Case{"1920x1080", 1920, 1080, false},
                        Case{"split-1024x640", 1024, 640, true}}) {
    for (int64_t run : {wide, flat}) {
      const std::string tag = std::string(c.name) + "-run" + std::to_string(run);
      {
        INFO(tag);
        const fs::path report = dir / (tag + ".jsonl"), map = dir / (tag + ".json"),
                       err = dir / (tag + ".log");
        const std::string panels =
            c.split ? "--panel playground --split latent_explorer" : "--panel latent_explorer";
        REQUIRE(sh(common + " " + panels + " --run " + std::to_string(run) +
                   " --frames 20 --width " + std::to_string(c.w) + " --height " +
                   std::to_string(c.h) + " --layout-report '" + report.string() + "' --ui-map '" +
                   map.string() + "' --screenshot '" + (dir / (tag + ".png")).string() +
                   "' >/dev/null 2>'" + err.string() + "'") == 0);
        INFO(slurp(err));
        const auto lines = aelab::test::read_json_lines(report);
        std::vector<float> pane;
        for (const auto& j : lines) {
          if (j.value("panel", "") != "latent_explorer") continue;
          if (j.contains("pane")) {
            pane = j.at("pane").get<std::vector<float>>();
          } else {
            INFO(j.dump());
            CHECK(j.value("right", 0.0) <= 0);
            CHECK(j.value("bottom", 0.0) <= 0);
          }
        }
        REQUIRE(pane.size() == 4);  // the explorer was drawn in a pane
        if (c.split) CHECK(pane[0] > c.w / 3.0f);
        const nlohmann::json ui = nlohmann::json::parse(slurp(map));
        REQUIRE(ui.contains("latent_explorer:scatter"));
        REQUIRE(ui.contains("latent_explorer:decoded_caption") == false);  // nothing clicked
        const auto sc = ui.at("latent_explorer:scatter").get<std::vector<float>>();
        INFO("scatter " << sc[0] << " " << sc[1] << " " << sc[2] << " " << sc[3] << " in pane "
                        << pane[0] << " " << pane[1] << " " << pane[2] << " " << pane[3]);
        CHECK(sc[0] >= pane[0] - 1);
        CHECK(sc[2] <= pane[2] + 1);
        CHECK(sc[1] >= pane[1] - 1);
        const float pane_w = pane[2] - pane[0], scatter_w = sc[2] - sc[0];
        CHECK(sc[3] - sc[1] > 100);  // a usable scatter, not a sliver
        if (c.split)
          CHECK(scatter_w > 0.9f * pane_w);  // stacked: the side column is under the scatter
        else
          CHECK(scatter_w < 0.8f * pane_w);  // side by side
        CHECK(scatter_w > 0.45f * pane_w);
        REQUIRE(ui.contains("latent_explorer:side"));
        const auto side = ui.at("latent_explorer:side").get<std::vector<float>>();
        CHECK(side[2] <= pane[2] + 1);
        CHECK(side[2] - side[0] > 150);
        if (c.split)
          CHECK(side[1] >= sc[3]);  // under the scatter
        else
          CHECK(side[0] >= sc[2]);  // beside it
      }
    }
  }
}
