// The optimiser playground and the k-means view in the real window: both lay out inside their
// pane at 1024x640, 1920x1080 and as the right half of a split (the layout report has no
// overflow line for them); the playground's escape height is marked stale after a new lr is
// typed into its field; the k-means view shows a refused k with its message and no old result.
// Skipped (WARN) without DISPLAY, xdotool (the click tests) or mnist-10k.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/window_process.hpp"
#include "core/paths.hpp"

namespace fs = std::filesystem;
using aelab::test::sh;
using aelab::test::slurp;
using aelab::test::wait_until;

namespace {

nlohmann::json read_map(const fs::path& p) {
  try {
    return nlohmann::json::parse(slurp(p));
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();
  }
}

// Why the environment cannot run these tests, or "".
std::string missing(bool need_xdotool) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) return "DISPLAY is not set (scripts/test.sh starts Xvfb)";
  if (need_xdotool && sh("command -v xdotool >/dev/null") != 0) return "xdotool is not installed";
  if (!fs::exists(aelab::default_data_dir() / "datasets" / "mnist-10k"))
    return "mnist-10k is not imported (scripts/test.sh imports it)";
  return "";
}

struct TempDir {
  fs::path path;
  explicit TempDir(const std::string& name)
      : path(fs::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

std::string window_cmd(const fs::path& dir) {
  return "AELAB_CONFIG_DIR='" + (dir / "config").string() + "' AELAB_EXPORT_DIR='" +
         (dir / "exports").string() + "' '" + AELAB_BINARY + "' --data-dir '" +
         aelab::default_data_dir().string() + "' --runs-db '" + (dir / "runs.sqlite").string() +
         "'";
}

// A 2-D autoencoder run of one epoch in the test's store (about a second); its id.
int64_t train_small_run(const fs::path& dir) {
  const fs::path out = dir / "train.json";
  REQUIRE(sh(window_cmd(dir) + " train ae --latent 2 --epochs 1 --threads 1 --json >'" +
             out.string() + "' 2>/dev/null") == 0);
  std::istringstream in(slurp(out));
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  const nlohmann::json j = nlohmann::json::parse(last);
  return j.at("run_id").get<int64_t>();
}

// The overflow lines of `panel` in a layout report; REQUIREs the panel's pane line (so a panel
// that was not drawn does not pass).
std::vector<nlohmann::json> overflows(const fs::path& report, const std::string& panel) {
  std::vector<nlohmann::json> out;
  bool pane = false;
  for (const auto& j : aelab::test::read_json_lines(report)) {
    if (j.value("panel", "") != panel) continue;
    if (j.contains("pane")) pane = true;
    if (j.value("right", 0.0) > 0 || j.value("bottom", 0.0) > 0) out.push_back(j);
  }
  REQUIRE(pane);
  return out;
}

std::string window_id(const std::string& pid, const fs::path& dir) {
  const fs::path wid_file = dir / "wid";
  REQUIRE(wait_until(
      [&] {
        return sh("xdotool search --pid " + pid + " >'" + wid_file.string() + "' 2>/dev/null") ==
                   0 &&
               !slurp(wid_file).empty();
      },
      10));
  std::string wid;
  std::istringstream(slurp(wid_file)) >> wid;
  sh("xdotool windowraise " + wid + " >/dev/null 2>&1");
  return wid;
}

// Types `text` into the focused field and presses Enter, held for a few frames: the window's
// Dear ImGui (1.86) misses a press and release that arrive between two frames. (xdotool's type
// takes every word after it as text, hence two commands.)
void type_and_enter(const std::string& text) {
  REQUIRE(sh("xdotool type --delay 50 '" + text + "'") == 0);
  REQUIRE(sh("xdotool sleep 0.2 keydown Return sleep 0.2 keyup Return") == 0);
}

// Clicks the middle of rect r (x0, y0, x1, y1).
void click_rect(const std::string& wid, const std::vector<float>& r) {
  const int x = static_cast<int>((r[0] + r[2]) / 2), y = static_cast<int>((r[1] + r[3]) / 2);
  REQUIRE(sh("xdotool mousemove --window " + wid + " " + std::to_string(x) + " " +
             std::to_string(y) + " sleep 0.2 click 1 sleep 0.3") == 0);
}

// Clicks the middle of the ui-map rect `key` once it has settled (the same in two reads 0.4 s
// apart: a result line appearing above can still move it).
void click(const std::string& wid, const fs::path& map_file, const std::string& key) {
  INFO(key);
  auto rect_of = [&] {
    const nlohmann::json m = read_map(map_file);
    return m.contains(key) ? m.at(key).get<std::vector<float>>() : std::vector<float>{};
  };
  std::vector<float> r = rect_of(), prev;
  for (int i = 0; i < 25 && (r.size() != 4 || r != prev); ++i) {
    prev = r;
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    r = rect_of();
  }
  REQUIRE(r.size() == 4);
  click_rect(wid, r);
}

}  // namespace

TEST_CASE("playground and k-means: nothing drawn past the pane at 1024x640, 1920x1080, split") {
  if (const std::string why = missing(false); !why.empty()) {
    WARN(why + ": playground/k-means layout test skipped");
    return;
  }
  TempDir dir("aelab_playground_kmeans_layout");
  const int64_t run = train_small_run(dir.path);
  struct Case {
    std::string panel, other;
    int w, h;
  };
  const std::vector<Case> cases = {
      {"playground", "", 1024, 640},       {"playground", "", 1920, 1080},
      {"playground", "kmeans", 1024, 640}, {"kmeans", "", 1024, 640},
      {"kmeans", "", 1920, 1080},          {"kmeans", "playground", 1024, 640}};
  for (const Case& c : cases) {
    const std::string name =
        c.panel + "-" + std::to_string(c.w) + (c.other.empty() ? "" : "-split");
    INFO(name);
    const fs::path report = dir.path / (name + ".jsonl"), log = dir.path / (name + ".log"),
                   state = dir.path / (name + "-state.jsonl");
    // Split: the panel under test is the right half (--split puts the named panel beside).
    const std::string panels =
        c.other.empty() ? "--panel " + c.panel : "--panel " + c.other + " --split " + c.panel;
    REQUIRE(sh(window_cmd(dir.path) + " " + panels + " --run " + std::to_string(run) +
               " --frames " + std::string(c.panel == "kmeans" ? "300" : "60") + " --width " +
               std::to_string(c.w) + " --height " + std::to_string(c.h) + " --layout-report '" +
               report.string() + "' --codes-log '" + state.string() + "' >/dev/null 2>'" +
               log.string() + "'") == 0);
    INFO(slurp(log));
    if (c.panel == "kmeans") {  // the result was on screen in the frames checked
      const auto lines = aelab::test::read_json_lines(state);
      REQUIRE(!lines.empty());
      CHECK(!lines.back().at("result").get<std::string>().empty());
    }
    const auto over = overflows(report, c.panel);
    CHECK(over.empty());
    if (!over.empty()) INFO(over.front().dump());
  }
}

TEST_CASE("playground: the escape height is marked stale after a new lr is typed") {
  if (const std::string why = missing(true); !why.empty()) {
    WARN(why + ": playground stale test skipped");
    return;
  }
  TempDir dir("aelab_playground_stale");
  const fs::path map_file = dir.path / "ui.json", pid = dir.path / "pid",
                 log = dir.path / "window.log";
  aelab::test::WindowProcess win;
  REQUIRE(sh(window_cmd(dir.path) +
             " --panel playground --frames 1000000 --width 1280 --height 800 --ui-map '" +
             map_file.string() + "' >/dev/null 2>'" + log.string() + "' & echo $! >'" +
             pid.string() + "'") == 0);
  REQUIRE(win.adopt(pid));
  INFO(slurp(log));
  REQUIRE(wait_until([&] { return read_map(map_file).contains("playground:escape-compute"); }, 20));
  const std::string wid = window_id(win.pid, dir.path);
  click(wid, map_file, "playground:escape-compute");
  REQUIRE(wait_until([&] { return read_map(map_file).contains("playground:escape-result"); }, 20));
  CHECK_FALSE(read_map(map_file).contains("playground:escape-stale"));  // current, not stale
  click(wid, map_file, "playground:lr");
  type_and_enter("0.25");
  CHECK(wait_until([&] { return read_map(map_file).contains("playground:escape-stale"); }, 10));
}

TEST_CASE("k-means: a refused k shows its message and no old result") {
  if (const std::string why = missing(true); !why.empty()) {
    WARN(why + ": k-means refused-k test skipped");
    return;
  }
  TempDir dir("aelab_kmeans_refused");
  const int64_t run = train_small_run(dir.path);
  const fs::path map_file = dir.path / "ui.json", state = dir.path / "state.jsonl",
                 pid = dir.path / "pid", log = dir.path / "window.log";
  aelab::test::WindowProcess win;
  REQUIRE(sh(window_cmd(dir.path) + " --panel kmeans --run " + std::to_string(run) +
             " --frames 1000000 --width 1280 --height 800 --ui-map '" + map_file.string() +
             "' --codes-log '" + state.string() + "' >/dev/null 2>'" + log.string() +
             "' & echo $! >'" + pid.string() + "'") == 0);
  REQUIRE(win.adopt(pid));
  INFO(slurp(log));
  auto last = [&] {
    const auto lines = aelab::test::read_json_lines(state);
    return lines.empty() ? nlohmann::json::object() : lines.back();
  };
  // The run's clusters at launch: a current result.
  REQUIRE(wait_until([&] { return !last().value("result", "").empty(); }, 30));
  CHECK_FALSE(last().at("stale").get<bool>());
  const std::string wid = window_id(win.pid, dir.path);

  // "abc" in k: refused beside the field; the shown result is marked stale.
  // (the field's rect from before: with a message, the ui-map key holds the message's rect)
  const nlohmann::json map0 = read_map(map_file);
  click(wid, map_file, "kmeans:k");
  type_and_enter("abc");
  CHECK(wait_until([&] { return last().value("stale", false); }, 10));

  // k larger than the 2004 test points: the run is refused and the old result goes.
  click_rect(wid, map0.at("kmeans:k").get<std::vector<float>>());
  type_and_enter("5000");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  click(wid, map_file, "kmeans:run");
  REQUIRE(wait_until([&] { return !last().value("error", "").empty(); }, 20));
  const nlohmann::json s = last();
  INFO(s.dump());
  CHECK(s.at("error").get<std::string>().find("5000") != std::string::npos);
  CHECK(s.at("result").get<std::string>().empty());
}
