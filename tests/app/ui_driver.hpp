#pragma once
// Drives a real aelab window like a person: started with --ui-map and --state-log, it keeps the
// screen rects of named items ("menu:View", "tab:training", "quit:keep") in a JSON file and logs
// its visible panels; the driver clicks those rects and types with xdotool. Tests skip (WARN)
// without DISPLAY or xdotool.
#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "app/window_process.hpp"
#include "core/paths.hpp"

namespace aelab::test {

inline bool can_drive_windows() {
  const char* d = std::getenv("DISPLAY");
  if (!d || !*d) {
    WARN("DISPLAY is not set: GUI test skipped (scripts/test.sh starts Xvfb)");
    return false;
  }
  if (sh("command -v xdotool >/dev/null") != 0) {
    WARN("xdotool is not installed: GUI test skipped");
    return false;
  }
  return true;
}

// The data directory holding mnist-10k, or nullopt (with a WARN) when the window tests that need
// a display, xdotool and the embedded data cannot run here.
inline std::optional<std::filesystem::path> window_test_data_dir() {
  if (!can_drive_windows()) return std::nullopt;
  const std::filesystem::path dir = aelab::default_data_dir();
  if (!std::filesystem::exists(dir / "datasets" / "mnist-10k")) {
    WARN("mnist-10k is not imported in " + dir.string() +
         ": GUI test skipped (scripts/test.sh imports it)");
    return std::nullopt;
  }
  return dir;
}

class UiDriver {
 public:
  // `dir`: the test's scratch folder (config, logs); `args`: everything after the binary.
  UiDriver(const std::filesystem::path& dir, const std::string& env_and_args) : dir_(dir) {
    const auto pid = dir / "pid";
    std::filesystem::remove(pid);
    sh("AELAB_CONFIG_DIR='" + (dir / "config").string() + "' " + env_and_args + " --ui-map '" +
       map_path().string() + "' --state-log '" + state_path().string() + "' >/dev/null 2>'" +
       log_path().string() + "' & echo $! >'" + pid.string() + "'");
    if (!win_.adopt(pid)) return;
    const auto wid_file = dir / "wid";
    wait_until(
        [&] {
          if (!win_.running()) return true;  // it exited: no use waiting
          return sh("xdotool search --pid " + win_.pid + " >'" + wid_file.string() +
                    "' 2>/dev/null") == 0 &&
                 !slurp(wid_file).empty();
        },
        window_start_seconds);
    std::istringstream(slurp(wid_file)) >> wid_;
    if (!wid_.empty()) {
      sh("xdotool windowraise " + wid_ + " >/dev/null 2>&1");
      return;
    }
    // Said with the next assertion (the test's REQUIRE(ui.ok())), so a failure tells why.
    UNSCOPED_INFO("the window did not appear within " << window_start_seconds << " s; process "
                                                      << (win_.running() ? "still running" : "gone")
                                                      << "; its stderr:\n"
                                                      << log());
  }

  // How long a window may take to appear: generous, since ctest runs two tests at once and the
  // other may be training on both cores.
  static constexpr double window_start_seconds = 60;

  [[nodiscard]] bool ok() const { return !wid_.empty(); }
  [[nodiscard]] bool running() const { return win_.running(); }
  [[nodiscard]] std::string log() const { return slurp(log_path()); }
  [[nodiscard]] const std::string& pid() const { return win_.pid; }
  [[nodiscard]] const std::string& wid() const { return wid_; }

  // The rect of `key` once the window has drawn it (waits up to `seconds`).
  std::optional<std::array<float, 4>> rect(const std::string& key, double seconds = 10) const {
    std::optional<std::array<float, 4>> r;
    wait_until(
        [&] {
          try {
            const auto j = nlohmann::json::parse(slurp(map_path()));
            if (!j.contains(key)) return false;
            r = std::array<float, 4>{j[key][0], j[key][1], j[key][2], j[key][3]};
            return true;
          } catch (const std::exception&) {
            return false;
          }
        },
        seconds);
    return r;
  }
  // The rect of `key` once it has stopped moving: the same in two reads 0.4 s apart (a panel's
  // first frames can still shift it, e.g. when its run list arrives; a slow, loaded machine shows
  // those frames long enough for a click to land on the old place).
  std::optional<std::array<float, 4>> settled_rect(const std::string& key,
                                                   double seconds = 10) const {
    std::optional<std::array<float, 4>> r = rect(key, seconds), prev;
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    while (r && r != prev && std::chrono::steady_clock::now() < end) {
      prev = r;
      std::this_thread::sleep_for(std::chrono::milliseconds(400));
      r = rect(key, 1);
    }
    return r;
  }
  // Clicks the middle of `key`'s rect once it has settled; false when it never appeared.
  bool click(const std::string& key, int button = 1, double seconds = 10) {
    auto r = settled_rect(key, seconds);
    if (!r) return false;
    const int x = static_cast<int>(((*r)[0] + (*r)[2]) / 2),
              y = static_cast<int>(((*r)[1] + (*r)[3]) / 2);
    return sh("xdotool mousemove --window " + wid_ + " " + std::to_string(x) + " " +
              std::to_string(y) + " sleep 0.25 click " + std::to_string(button) + " sleep 0.25") ==
           0;
  }
  bool key(const std::string& keys) {
    return sh("xdotool key --window " + wid_ + " " + keys + " sleep 0.2") == 0;
  }
  bool type(const std::string& text) {
    return sh("xdotool type --window " + wid_ + " --delay 40 '" + text + "' sleep 0.2") == 0;
  }
  // The latest --state-log line matching `pred`, waiting up to `seconds` for one.
  template <class Pred>
  std::optional<nlohmann::json> state(Pred pred, double seconds = 10) const {
    std::optional<nlohmann::json> found;
    wait_until(
        [&] {
          std::istringstream in(slurp(state_path()));
          std::optional<nlohmann::json> last;
          for (std::string line; std::getline(in, line);) {
            try {
              last = nlohmann::json::parse(line);
            } catch (const std::exception&) {
            }
          }
          if (last && pred(*last)) found = last;
          return found.has_value();
        },
        seconds);
    return found;
  }
  // Sends `sig` (e.g. "TERM") to the window process, as kill(1) or a logout would.
  bool signal(const std::string& sig) { return sh("kill -" + sig + " " + win_.pid) == 0; }
  bool wait_exit(double seconds) {
    return wait_until([&] { return !win_.running(); }, seconds);
  }

 private:
  [[nodiscard]] std::filesystem::path map_path() const { return dir_ / "ui_map.json"; }
  [[nodiscard]] std::filesystem::path state_path() const { return dir_ / "state.jsonl"; }
  [[nodiscard]] std::filesystem::path log_path() const { return dir_ / "window.log"; }
  std::filesystem::path dir_;
  WindowProcess win_;
  std::string wid_;
};

}  // namespace aelab::test
