#pragma once
// The window: `aelab` with no subcommand. Options are added to the CLI's top-level app so that
// `aelab --panel playground --frames 30 --screenshot pg.png` works for tests and docs.
#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace aelab::app {

struct WindowOptions {
  std::string panel;        // open this panel focused ("playground", ...); empty: last session's
  int frames = 0;           // > 0: draw this many frames, then exit 0 (scripted run)
  std::string screenshot;   // PNG of the last frame (implies --frames 10 if --frames is not given)
  std::string frame_times;  // CSV: frame, cpu_ms
  int width = 1400, height = 900;          // at most the screen's work area unless given
  bool width_given = false, height_given = false;  // --width / --height on the command line
  int64_t run = 0;               // --run: open this run in the explorer / k-means view
  std::vector<int64_t> compare;  // --compare 3,4,5: these runs ticked for the Compare panel
  std::string decoded_png;       // --decoded-png: the explorer writes each decoded digit here
  std::string train;  // --train "preset=mlp,latent=2,epochs=3": the training panel starts it
  double screenshot_every = 0;  // > 0: also write <screenshot stem>-NN.png every this many seconds
  std::string codes_log;        // --codes-log: the explorer appends a JSON line per codes it shows
  std::string split;            // --split: open this panel in a second pane beside --panel
  std::string layout_report;    // --layout-report: JSON lines of what drew past its pane
  std::string ui_map;           // --ui-map: JSON of named items' screen rects (tests click them)
  std::string state_log;        // --state-log: a JSON line whenever the layout or a quit changes
  std::string data_dir, runs_db;  // resolved by main() from --data-dir / --runs-db
};

void add_window_options(CLI::App& app, WindowOptions& options);
// The window's first size: --width / --height when given, else the size it had when the settings
// were last saved (saved_w x saved_h; 0: none), else the defaults; those two made to fit a monitor
// work area of area_w x area_h (0: unknown), less room for the window's frame.
[[nodiscard]] std::pair<int, int> initial_window_size(const WindowOptions& options, int area_w,
                                                      int area_h, int saved_w = 0, int saved_h = 0);
// Runs the window until it is closed (or --frames are drawn). Returns the process exit code:
// 0, or 1 with a readable message on stderr when no window/OpenGL 3.3 context can be had.
// Throws InputError for an unknown --panel.
int run_window(const WindowOptions& options);

}  // namespace aelab::app
