#pragma once
// Scripted window runs, for tests and documentation: draw N frames and exit (--frames), write the
// last frame (--screenshot) and numbered ones on a timer (--screenshot-every), each frame's CPU
// time (--frame-times), and a layout report (--layout-report): for every panel on screen, whether
// anything was drawn past its pane. Kept out of the main loop so run_window reads like Dear ImGui's
// example main.
#include <imgui.h>

#include <chrono>
#include <string>
#include <vector>

#include "app/app_main.hpp"

struct GLFWwindow;

namespace aelab::app {

class AppContext;
class Workbench;

// What drew past its pane: one entry per offending ImGui window inside a pane.
struct LayoutOverflow {
  std::string panel;   // the panel whose pane it is in
  std::string window;  // the ImGui window (the pane's content or a child of it)
  float right = 0;     // pixels past the right edge (no horizontal scrollbar to reach them)
  float bottom = 0;    // pixels past the bottom of a window that cannot scroll
};

// Every window drawn inside the workbench this frame whose content runs past its visible area
// without a scrollbar to reach it. Call after ImGui::Render().
[[nodiscard]] std::vector<LayoutOverflow> find_layout_overflows(const Workbench& bench);

class ScriptedRun {
 public:
  explicit ScriptedRun(const WindowOptions& options);
  [[nodiscard]] bool active() const { return active_; }

  // After the frame is rendered, before the swap: asks for the captures due now. Returns true when
  // this was the last scripted frame.
  bool end_frame(int frame, AppContext& ctx, GLFWwindow* window, const Workbench& bench);
  void add_frame_time(double ms) { frame_ms_.push_back(ms); }
  // Writes the frame times and the layout report; the exit status so far (0, or 1 on a failure).
  [[nodiscard]] int finish();

 private:
  const WindowOptions& opt_;
  bool active_ = false;
  int frames_ = 0;
  int status_ = 0;
  int shots_taken_ = 0;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<double> frame_ms_;
  std::vector<std::string> layout_lines_;  // JSON objects, one per checked pane
};

}  // namespace aelab::app
