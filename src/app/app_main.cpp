// The window's main loop, in the order of Dear ImGui's example_glfw_opengl3/main.cpp: window,
// context, backends, state, loop (poll, three NewFrame calls, UI, Render, swap), shutdown in
// reverse.
//
// Index
// [SECTION] Options
// [SECTION] Host state (panels, layout, settings)
// [SECTION] Menu bar, status bar, quit dialog
// [SECTION] Captures (screenshots, PNG exports)
// [SECTION] run_window
#include "app/app_main.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include "app/gl/framebuffer.hpp"
#include "app/gl/gl.hpp"
#include "app/input_queue.hpp"
#include "app/panel.hpp"
#include "app/panels/training.hpp"
#include "app/png.hpp"
#include "app/scripted.hpp"
#include "app/settings.hpp"
#include "app/workbench.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "train/job.hpp"

namespace aelab::app {

// [SECTION] Options ---------------------------------------------------------------------------

void add_window_options(CLI::App& app, WindowOptions& o) {
  std::string names;
  for (const PanelInfo& p : panel_catalog())
    names += (names.empty() ? "" : ", ") + std::string(p.name);
  app.add_option("--panel", o.panel, "Window: open this panel focused (" + names + ")");
  app.add_option("--frames", o.frames, "Window: draw N frames, then exit 0")
      ->check(CLI::PositiveNumber);
  app.add_option("--screenshot", o.screenshot, "Window: write the last frame to this PNG");
  app.add_option("--frame-times", o.frame_times, "Window: write each frame's CPU time (ms) to CSV");
  app.add_option("--width", o.width,
                 "Window width in pixels (default 1400, or less to fit the screen)")
      ->check(CLI::Range(kMinWindowWidth, kMaxWindowSide))
      ->each([&o](const std::string&) { o.width_given = true; });
  app.add_option("--height", o.height,
                 "Window height in pixels (default 900, or less to fit the screen)")
      ->check(CLI::Range(kMinWindowHeight, kMaxWindowSide))
      ->each([&o](const std::string&) { o.height_given = true; });
  app.add_option("--run", o.run,
                 "Window: show this run (id) in the latent explorer and k-means view");
  app.add_option("--compare", o.compare,
                 "Window: open the Compare panel on these runs (ids, comma-separated)")
      ->delimiter(',');
  app.add_option("--decoded-png", o.decoded_png,
                 "Window: the latent explorer writes each decoded digit to this PNG (for tests)");
  app.add_option("--train", o.train,
                 "Window: start this autoencoder run from the training panel and follow it in the "
                 "explorer, e.g. \"preset=mlp,latent=2,epochs=3\" (keys: preset, latent, loss, "
                 "optimizer, lr, batch, epochs, seed, dataset, limit, threads, name)");
  app.add_option("--screenshot-every", o.screenshot_every,
                 "Window: with --screenshot, also write <name>-01.png, -02.png, ... every SECONDS")
      ->check(CLI::PositiveNumber);
  app.add_option(
      "--codes-log", o.codes_log,
      "Window: the latent explorer appends one JSON line per set of codes it shows (for tests)");
  app.add_option("--split", o.split,
                 "Window: open this panel in a second pane beside --panel (" + names + ")");
  app.add_option("--ui-map", o.ui_map,
                 "Window: keep a JSON map of named items' screen rects in this file (for tests)");
  app.add_option(
      "--state-log", o.state_log,
      "Window: append a JSON line with the visible panels whenever they change (for tests)");
  app.add_option("--layout-report", o.layout_report,
                 "Window: write a JSON line per panel drawn past its pane, and each pane's rect "
                 "(for tests)");
}

void AppContext::report(std::string message, bool error) {
  std::fprintf(stderr, "aelab: %s%s\n", error ? "error: " : "", message.c_str());
  messages_.push_back(Message{std::move(message), error, ImGui::GetTime()});
  if (messages_.size() > 50) messages_.erase(messages_.begin());
}

namespace {

std::string g_glfw_error;  // the last GLFW error, for the messages below
void glfw_error_callback(int code, const char* description) {
  g_glfw_error = std::string(description) + " (GLFW error " + std::to_string(code) + ")";
}

// Input arrived since the loop last looked: the window draws a few frames, then sleeps again.
// Installed before ImGui's backend, which chains to them.
int g_input_events = 0;
// Between GLFW and ImGui's backend: no keystroke or click lost between two frames
// (input_queue.hpp).
InputQueue* g_input_queue = nullptr;
void queue_key(GLFWwindow*, int key, int scancode, int action, int mods) {
  if (g_input_queue) g_input_queue->key(key, scancode, action, mods);
}
void queue_button(GLFWwindow*, int button, int action, int mods) {
  if (g_input_queue) g_input_queue->button(button, action, mods);
}
void queue_char(GLFWwindow*, unsigned int c) {
  if (g_input_queue) g_input_queue->character(c);
}
void on_cursor(GLFWwindow*, double, double) {
  ++g_input_events;
}
void on_button(GLFWwindow*, int, int, int) {
  ++g_input_events;
}
void on_scroll(GLFWwindow*, double, double) {
  ++g_input_events;
}
void on_key(GLFWwindow*, int, int, int, int) {
  ++g_input_events;
}
void on_char(GLFWwindow*, unsigned int) {
  ++g_input_events;
}
void on_size(GLFWwindow*, int, int) {
  ++g_input_events;
}
void on_focus(GLFWwindow*, int) {
  ++g_input_events;
}
void on_enter(GLFWwindow*, int) {
  ++g_input_events;
}

// SIGTERM (kill, a logout) and SIGINT (Ctrl+C in the terminal) ask the window to close the way
// "Stop and keep" does: running training stops at its checkpoint and stays resumable, settings
// and layout are saved, then the window exits 0. Nobody may be there to answer a dialog, so it
// does not ask. The handler only records the signal (the loop wakes at least every 0.5 s) and
// restores the default action: a second signal ends the process at once.
volatile std::sig_atomic_t g_stop_signal = 0;
extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
  std::signal(sig, SIG_DFL);
}

// [SECTION] Host state (panels, layout, settings) ---------------------------------------------

struct PanelSlot {
  const PanelInfo* info = nullptr;
  std::unique_ptr<Panel> panel;  // made when first shown, kept until the window closes
  std::string failure;           // construction failed: shown instead of the panel
};

std::vector<Workbench::Entry> catalog_entries() {
  std::vector<Workbench::Entry> e;
  for (const PanelInfo& p : panel_catalog()) e.push_back({p.name, p.title});
  return e;
}

std::vector<std::string> catalog_names() {
  std::vector<std::string> n;
  for (const PanelInfo& p : panel_catalog()) n.push_back(p.name);
  return n;
}

// The first launch: the playground, with the training panel beside the explorer a tab away.
Layout default_layout() {
  Layout l;
  l.panes[0].tabs = {"playground", "training", "latent_explorer", "kmeans", "blur_disnet", "runs"};
  l.panes[0].active = "playground";
  return l;
}

struct QuitState {
  bool asking = false;    // the dialog is open
  bool stopping = false;  // the user chose to stop; the window closes once every job has ended
};

struct Host {
  AppContext ctx;
  std::vector<PanelSlot> slots;
  Workbench bench{catalog_entries()};
  WindowSettings settings;
  bool persist = true;  // scripted runs (--frames) neither read nor write the user's settings
  GLFWwindow* window = nullptr;  // its size is saved with the settings
  std::filesystem::path config_dir;
  std::string saved_layout;  // the layout last written, to save only on change

  PanelSlot* find(const std::string& name) {
    for (PanelSlot& s : slots)
      if (name == s.info->name) return &s;
    return nullptr;
  }
  void ensure_made(PanelSlot& s) {
    if (s.panel || !s.failure.empty()) return;
    try {
      s.panel = s.info->make(ctx);
      auto it = settings.panels.find(s.info->name);
      if (it != settings.panels.end()) s.panel->load(*it);
    } catch (const std::exception& e) {
      s.failure = e.what();
      ctx.report(std::string(s.info->title) + ": " + e.what(), true);
    }
  }
  void draw_panel(const std::string& name) {
    PanelSlot* s = find(name);
    if (!s) return;
    ensure_made(*s);
    if (s->panel)
      s->panel->draw();
    else
      ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "This panel could not start: %s",
                         s->failure.c_str());
  }
  void save() {
    if (!persist) return;
    settings.imgui_ini = ImGui::SaveIniSettingsToMemory();
    if (window) {
      int w = 0, h = 0;
      glfwGetWindowSize(window, &w, &h);
      if (w >= kMinWindowWidth && h >= kMinWindowHeight)
        settings.window_width = w, settings.window_height = h;
    }
    settings.layout = bench.layout().to_json();
    for (PanelSlot& s : slots)
      if (s.panel) {
        nlohmann::json j = nlohmann::json::object();
        s.panel->save(j);
        settings.panels[s.info->name] = j;
      }
    try {
      save_window_settings(config_dir, settings);
      saved_layout = settings.layout.dump();
    } catch (const std::exception& e) {
      ctx.report(std::string("settings not saved: ") + e.what(), true);
    }
  }
  // --ui-map / --state-log (tests): written when they change.
  std::string ui_map_path, state_log_path, ui_map_written, state_written;
  void write_test_hooks(const QuitState& quit) {
    if (!ui_map_path.empty()) {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, r] : ctx.ui_map()) j[k] = {r.min.x, r.min.y, r.max.x, r.max.y};
      std::string text = j.dump();
      if (text != ui_map_written) {
        try {
          write_file_atomic(ui_map_path, text + "\n");
          ui_map_written = std::move(text);
        } catch (const std::exception& e) {
          ctx.report(std::string("--ui-map: ") + e.what(), true);
          ui_map_path.clear();
        }
      }
    }
    if (!state_log_path.empty()) {
      const Layout& l = bench.layout();
      nlohmann::json j = {{"visible", l.visible()},
                          {"split", l.split},
                          {"tabs0", l.panes[0].tabs},
                          {"tabs1", l.panes[1].tabs},
                          {"quit_asking", quit.asking},
                          {"quit_stopping", quit.stopping},
                          {"jobs_running", ctx.jobs().any_running()}};
      std::string text = j.dump();
      if (text != state_written) {
        std::ofstream(state_log_path, std::ios::app) << text << "\n";
        state_written = std::move(text);
      }
    }
  }
  void save_layout_if_changed() {
    if (persist && bench.layout().to_json().dump() != saved_layout) save();
  }
};

// [SECTION] Menu bar, status bar, quit dialog --------------------------------------------------

void draw_menu_bar(Host& host, bool& quit) {
  if (!ImGui::BeginMainMenuBar()) return;
  Layout& layout = host.bench.layout();
  const bool file_open = ImGui::BeginMenu("File");
  host.ctx.note_item("menu:File");
  if (file_open) {
    if (ImGui::MenuItem("Study report...")) layout.raise("report");
    host.ctx.note_item("file:report");
    if (ImGui::MenuItem("Save layout and settings")) host.save();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit = true;
    host.ctx.note_item("file:quit");
    ImGui::EndMenu();
  }
  const bool view_open = ImGui::BeginMenu("View");
  host.ctx.note_item("menu:View");
  if (view_open) {
    // Choosing a panel raises it; it never closes one (close a tab with its x).
    for (const PanelSlot& s : host.slots) {
      const bool shown = layout.is_open(s.info->name);
      if (ImGui::MenuItem(s.info->title, nullptr, shown)) layout.raise(s.info->name);
      host.ctx.note_item(std::string("view:") + s.info->name);
    }
    ImGui::Separator();
    bool split = layout.split;
    if (ImGui::MenuItem("Split view", "Ctrl+\\", &split)) layout.set_split(split);
    host.ctx.note_item("view:split");
    if (ImGui::MenuItem("Reset layout")) host.bench.set_layout(default_layout());
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

void draw_status_bar(Host& host, ImVec2 pos, ImVec2 size) {
  ImGui::SetNextWindowPos(pos);
  ImGui::SetNextWindowSize(size);
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                           ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 3));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0);
  ImGui::Begin("##status", nullptr, flags);
  const auto& jobs = host.ctx.jobs().entries();
  // The right end holds the frame rate; the latest message (8 s) sits left of it; jobs fill the
  // rest and are cut (with a tooltip listing all) when they do not fit.
  char fps[32];
  std::snprintf(fps, sizeof fps, "%.0f fps", ImGui::GetIO().Framerate);
  const float fps_w = ImGui::CalcTextSize(fps).x;
  const auto& msgs = host.ctx.messages();
  const bool show_msg = !msgs.empty() && ImGui::GetTime() - msgs.back().time < 8.0;
  const float right_edge = ImGui::GetWindowContentRegionMax().x;
  float msg_w = 0;
  if (show_msg) msg_w = std::min(ImGui::CalcTextSize(msgs.back().text.c_str()).x, size.x * 0.55f);
  const float jobs_end = right_edge - fps_w - (show_msg ? msg_w + 24 : 0) - 16;
  if (jobs.empty()) ImGui::TextDisabled("no jobs running");
  std::string all_jobs;
  for (const JobList::Entry& e : jobs) {
    std::string line = e.label + ": " + e.view.line;  // never empty (JobList::add)
    all_jobs += line + "\n";
    const float bar_w = ImGui::GetFontSize() * 5;
    const float need = ImGui::CalcTextSize(line.c_str()).x + bar_w + 24;
    if (ImGui::GetCursorPosX() + need > jobs_end && &e != &jobs.front()) {
      ImGui::SameLine();
      ImGui::TextDisabled("...");
      break;
    }
    if (&e != &jobs.front()) ImGui::SameLine(0, 16);
    ImGui::AlignTextToFramePadding();
    if (e.view.running && e.view.progress >= 0) {
      char pct[16];
      std::snprintf(pct, sizeof pct, "%.0f%%", e.view.progress * 100);
      ImGui::ProgressBar(e.view.progress, ImVec2(bar_w, 0), pct);
      ImGui::SameLine();
    }
    const float room = std::max(10.0f, jobs_end - ImGui::GetCursorPosX());
    ImGui::PushClipRect(
        ImGui::GetCursorScreenPos(),
        ImVec2(ImGui::GetCursorScreenPos().x + room, ImGui::GetWindowPos().y + size.y), true);
    const ImVec4 col = e.view.failed    ? ImVec4(1, 0.35f, 0.3f, 1)
                       : e.view.running ? ImGui::GetStyleColorVec4(ImGuiCol_Text)
                                        : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
    ImGui::TextColored(col, "%s", line.c_str());
    ImGui::PopClipRect();
  }
  if (!all_jobs.empty() && ImGui::IsWindowHovered() &&
      ImGui::GetMousePos().x < ImGui::GetWindowPos().x + jobs_end)
    ImGui::SetTooltip("%s", all_jobs.c_str());
  if (show_msg) {
    const auto& m = msgs.back();
    ImGui::SameLine(right_edge - fps_w - msg_w - 16);
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::PushClipRect(p, ImVec2(p.x + msg_w, p.y + size.y), true);
    ImGui::TextColored(m.error ? ImVec4(1, 0.35f, 0.3f, 1) : ImVec4(0.6f, 0.85f, 0.6f, 1), "%s",
                       m.text.c_str());
    ImGui::PopClipRect();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", m.text.c_str());
  }
  ImGui::SameLine(right_edge - fps_w);
  ImGui::TextDisabled("%s", fps);
  ImGui::End();
  ImGui::PopStyleVar(2);
}

// Quitting with work running asks first (DESIGN.md). "Stop and keep" ends every run at its next
// step as interrupted with its last epoch's checkpoint (resumable); the window closes once all
// have ended, without blocking the UI meanwhile.
struct QuitDialog : QuitState {
  int frames_open = 0;  // shortcuts count from the frame after the one that opened the dialog

  // Only work that records a run (trainers publish its run_id) is worth asking about; listing,
  // encoding or clustering jobs are simply cancelled.
  static std::vector<std::shared_ptr<train::Job>> recording_jobs(Host& host) {
    auto running = host.ctx.jobs().running_jobs();
    std::erase_if(running, [](const auto& j) { return !j->info().get().contains("run_id"); });
    return running;
  }
  void stop(const std::vector<std::shared_ptr<train::Job>>& running, train::StopReason why) {
    for (const auto& j : running) j->cancel(why);
    asking = false;
    stopping = true;
  }

  // True when the window may close now.
  bool update(Host& host, bool quit_requested) {
    const auto running = recording_jobs(host);
    if (stopping) return running.empty();
    if (quit_requested && !asking) {
      if (running.empty()) return true;
      asking = true;
      frames_open = 0;
      ImGui::OpenPopup("Quit aelab?");
    }
    if (!asking) return false;
    if (running.empty()) return true;  // the work ended while the dialog was open
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Always,
                            ImVec2(0.5f, 0.5f));
    if (ImGui::BeginPopupModal("Quit aelab?", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) {
      ImGui::Text("%zu job%s still running:", running.size(),
                  running.size() == 1 ? " is" : "s are");
      for (const auto& j : running)
        ImGui::BulletText("%s  (%.0f%%)", j->name().c_str(), j->progress() * 100);
      ImGui::Spacing();
      ImGui::TextWrapped(
          "Stop and keep: training runs stop now and keep their last epoch's weights; resume "
          "them from the Runs panel or with `aelab train resume ID`.");
      ImGui::Spacing();
      const bool wait = ImGui::Button("Wait (Esc)");
      host.ctx.note_item("quit:wait");
      ImGui::SameLine();
      const bool keep = ImGui::Button("Stop and keep (S)");
      host.ctx.note_item("quit:keep");
      ImGui::SameLine();
      const bool anyway = ImGui::Button("Quit anyway (Q)");
      host.ctx.note_item("quit:anyway");
      // The Ctrl+Q that opened the dialog must not also answer it.
      const bool keys = frames_open++ > 0 && !ImGui::GetIO().KeyCtrl;
      if (wait || (keys && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))) {
        asking = false;
        ImGui::CloseCurrentPopup();
      } else if (keep || (keys && ImGui::IsKeyPressed(GLFW_KEY_S, false))) {
        stop(running, train::StopReason::quit);
        ImGui::CloseCurrentPopup();
      } else if (anyway || (keys && ImGui::IsKeyPressed(GLFW_KEY_Q, false))) {
        stop(running, train::StopReason::user);
        ImGui::CloseCurrentPopup();
      }
      ImGui::EndPopup();
    }
    return false;  // asked; the answer comes in a later frame
  }

  // A stop signal: "Stop and keep" without asking.
  void stop_and_keep(Host& host) { stop(recording_jobs(host), train::StopReason::quit); }

  void draw_stopping(Host& host) {
    if (!stopping) return;
    ImGui::SetNextWindowPos(ImGui::GetMainViewport()->GetCenter(), ImGuiCond_Always,
                            ImVec2(0.5f, 0.5f));
    ImGui::Begin("##stopping", nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize |
                     ImGuiWindowFlags_NoSavedSettings);
    ImGui::Text("Stopping %zu job(s) and saving their state...",
                host.ctx.jobs().running_jobs().size());
    host.ctx.request_frame(0.1);
    ImGui::End();
  }
};

// [SECTION] Captures (screenshots, PNG exports) ----------------------------------------------

// Runs after RenderDrawData, before the swap: the back buffer holds exactly this frame.
void run_captures(AppContext& ctx, GLFWwindow* window) {
  auto& caps = ctx.pending_captures();
  if (caps.empty()) return;
  int fw = 0, fh = 0, ww = 0, wh = 0;
  glfwGetFramebufferSize(window, &fw, &fh);
  glfwGetWindowSize(window, &ww, &wh);
  const float sx = ww > 0 ? static_cast<float>(fw) / ww : 1,
              sy = wh > 0 ? static_cast<float>(fh) / wh : 1;
  glBindFramebuffer(GL_READ_FRAMEBUFFER, 0);
  glReadBuffer(GL_BACK);
  for (auto& c : caps) {
    int x0 = std::clamp(static_cast<int>(c.min.x * sx), 0, fw),
        y0 = std::clamp(static_cast<int>(c.min.y * sy), 0, fh);
    int x1 = std::clamp(static_cast<int>(c.max.x * sx), 0, fw),
        y1 = std::clamp(static_cast<int>(c.max.y * sy), 0, fh);
    auto px = gl::read_pixels_top_down(x0, y0, x1 - x0, y1 - y0, fh);
    for (size_t i = 3; i < px.size(); i += 4) px[i] = 255;  // the window is opaque
    std::string err = write_png(c.path, x1 - x0, y1 - y0, px);
    if (c.done) c.done(err);
  }
  caps.clear();
}

// How long the loop may sleep waiting for input: not at all right after input (ImGui settles
// over a few frames), 2 frames a second while work runs and nobody touches the window (progress,
// live curves; a job that ends wakes the loop at once; a panel that animates asks for more),
// else until an event. Each frame under a software GL (Mesa llvmpipe, 1280x720) costs about
// 10 ms on both cores, taken from the training job: at 30 fps a run trained at 0.55 of its
// headless speed on 2 cores, at 4 fps at 0.71-0.87 (scripts/window_training_speed.sh).
double wait_seconds(Host& host, int& hot_frames) {
  const double asked = host.ctx.take_frame_request();
  if (hot_frames > 0) {
    --hot_frames;
    return 0;
  }
  const double wait = 0.5;  // at least twice a second: a stop signal, a store change
  return std::max(0.0, std::min(wait, asked));
}

}  // namespace

// [SECTION] run_window ------------------------------------------------------------------------

std::pair<int, int> initial_window_size(const WindowOptions& opt, int area_w, int area_h,
                                        int saved_w, int saved_h) {
  int width = opt.width_given || saved_w <= 0 ? opt.width : saved_w;
  int height = opt.height_given || saved_h <= 0 ? opt.height : saved_h;
  if (area_w > 0 && !opt.width_given)
    width = std::min(width, std::max(kMinWindowWidth, area_w - 16));
  if (area_h > 0 && !opt.height_given)
    height = std::min(height, std::max(kMinWindowHeight, area_h - 48));
  return {width, height};
}

int run_window(const WindowOptions& opt) {
  const std::vector<std::string> names = catalog_names();
  auto check_panel = [&](const std::string& name, const char* flag) {
    if (name.empty() || std::find(names.begin(), names.end(), name) != names.end()) return;
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    throw InputError(std::string(flag) + ": unknown panel '" + name + "'; panels: " + list);
  };
  check_panel(opt.panel, "--panel");
  check_panel(opt.split, "--split");
  if (!opt.train.empty()) (void)parse_training_spec(opt.train);  // a bad spec: exit 2, no window
  if (opt.screenshot_every > 0 && opt.screenshot.empty())
    throw InputError(
        "--screenshot-every needs --screenshot (the name the numbered PNGs are made from)");
  ScriptedRun script(opt);

  // Window and GL 3.3 core context.
  glfwSetErrorCallback(glfw_error_callback);
  if (!glfwInit()) {
    std::fprintf(stderr,
                 "aelab: cannot open a window: %s.\n"
                 "  Is a display available (DISPLAY / WAYLAND_DISPLAY)? The headless commands work "
                 "without one: aelab --help.\n",
                 g_glfw_error.c_str());
    return 1;
  }
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
  // The default size fits the screen (a 1366x768 laptop, a 1024x640 display): at most the primary
  // monitor's work area, less room for the window's frame. A size given on the command line stays.
  int area_w = 0, area_h = 0;
  if (GLFWmonitor* monitor = glfwGetPrimaryMonitor()) {
    int x = 0, y = 0;
    glfwGetMonitorWorkarea(monitor, &x, &y, &area_w, &area_h);
  }
  const auto [width, height] = initial_window_size(opt, area_w, area_h);
  GLFWwindow* window = glfwCreateWindow(width, height, "aelab", nullptr, nullptr);
  if (!window) {
    std::fprintf(stderr,
                 "aelab: cannot create an OpenGL 3.3 core context: %s.\n"
                 "  The window needs OpenGL 3.3. Update the graphics driver, or try Mesa's "
                 "software renderer (LIBGL_ALWAYS_SOFTWARE=1); the headless commands work without "
                 "it: aelab --help.\n",
                 g_glfw_error.c_str());
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  // A job that ends wakes the loop, so its result shows at once, not at the next timed frame.
  train::set_job_end_listener([] { glfwPostEmptyEvent(); });
  glfwSwapInterval(script.active() ? 0 : 1);  // scripted runs measure frames, not vsync
  glfwSetCursorPosCallback(window, on_cursor);
  glfwSetMouseButtonCallback(window, on_button);
  glfwSetScrollCallback(window, on_scroll);
  glfwSetKeyCallback(window, on_key);
  glfwSetCharCallback(window, on_char);
  glfwSetWindowSizeCallback(window, on_size);
  glfwSetWindowFocusCallback(window, on_focus);
  glfwSetCursorEnterCallback(window, on_enter);

  // Dear ImGui context, settings, style, HiDPI font scale.
  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;  // we load/save it ourselves, atomically, in the config dir
  io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;

  Host host;
  host.ctx.set_launch(
      LaunchInfo{opt.data_dir.empty() ? default_data_dir() : std::filesystem::path(opt.data_dir),
                 opt.runs_db.empty() ? default_runs_db() : std::filesystem::path(opt.runs_db),
                 opt.run, opt.decoded_png, opt.train, opt.codes_log});
  host.ctx.session().set_runs_db(host.ctx.launch().runs_db);
  host.ctx.session().compare_runs = opt.compare;
  host.persist = !script.active();
  host.ui_map_path = opt.ui_map;
  host.state_log_path = opt.state_log;
  if (!opt.ui_map.empty()) {
    host.ctx.enable_ui_map();
    host.bench.note_item = [&host](const std::string& key) { host.ctx.note_item(key); };
  }
  host.config_dir = default_config_dir();
  if (host.persist) {
    std::string warning;
    host.settings = load_window_settings(host.config_dir, &warning);
    if (!warning.empty()) host.ctx.report(warning, true);
    if (!host.settings.imgui_ini.empty())
      ImGui::LoadIniSettingsFromMemory(host.settings.imgui_ini.c_str(),
                                       host.settings.imgui_ini.size());
    // The size the window had when it was last closed (fitted to this screen), unless given.
    if (host.settings.window_width > 0 && (!opt.width_given || !opt.height_given)) {
      const auto [w, h] = initial_window_size(opt, area_w, area_h, host.settings.window_width,
                                              host.settings.window_height);
      if (w != width || h != height) glfwSetWindowSize(window, w, h);
    }
  }
  host.window = window;
  float xscale = 1, yscale = 1;
  glfwGetWindowContentScale(window, &xscale, &yscale);
  const float scale = host.settings.ui_scale > 0 ? host.settings.ui_scale : std::max(1.0f, xscale);
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 3;
  style.FrameRounding = 2;
  style.ScaleAllSizes(scale);
  ImFontConfig font_cfg;
  font_cfg.SizePixels = 13.0f * scale;
  io.Fonts->AddFontDefault(&font_cfg);

  ImGui_ImplGlfw_InitForOpenGL(window, true);
  // The backend's key, button and char callbacks (which call ours above) now get their events
  // through the queue, one change per key or button per frame.
  InputQueue input_queue(
      InputQueue::Sinks{
          [window](int k, int sc, int a, int m) {
            ImGui_ImplGlfw_KeyCallback(window, k, sc, a, m);
          },
          [window](int b, int a, int m) { ImGui_ImplGlfw_MouseButtonCallback(window, b, a, m); },
          [window](unsigned c) { ImGui_ImplGlfw_CharCallback(window, c); }},
      [](int key) { return key >= GLFW_KEY_LEFT_SHIFT && key <= GLFW_KEY_RIGHT_SUPER; });
  g_input_queue = &input_queue;
  glfwSetKeyCallback(window, queue_key);
  glfwSetMouseButtonCallback(window, queue_button);
  glfwSetCharCallback(window, queue_char);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  for (const PanelInfo& p : panel_catalog()) host.slots.push_back(PanelSlot{&p, nullptr, {}});

  // Layout: the saved one, else the panels open in an older settings file, else the default.
  Layout layout =
      host.settings.layout.is_null() ? Layout{} : Layout::from_json(host.settings.layout, names);
  if (layout.panes[0].tabs.empty())
    for (const auto& [name, open] : host.settings.open)
      if (open && std::find(names.begin(), names.end(), name) != names.end()) layout.raise(name);
  if (layout.panes[0].tabs.empty()) layout = default_layout();
  if (!opt.train.empty()) layout.raise("training");   // it starts the run
  if (!opt.compare.empty()) layout.raise("compare");  // the runs it names, side by side
  if (!opt.panel.empty()) layout.raise(opt.panel, 0);
  if (!opt.split.empty()) {
    if (layout.pane_of(opt.split) >= 0) layout.close(opt.split);
    layout.set_split(true, opt.split);
    layout.raise(opt.split, 1);
    if (!opt.panel.empty()) layout.raise(opt.panel, 0);
  }
  host.bench.set_layout(layout);
  host.saved_layout = layout.to_json().dump();
  for (const std::string& name : layout.visible()) host.ensure_made(*host.find(name));
  if (!opt.train.empty()) host.ensure_made(*host.find("training"));
  if (std::string e = gl::take_errors("window setup"); !e.empty()) host.ctx.report(e, true);

  // Main loop.
  QuitDialog quit_dialog;
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  int hot_frames = 3;
  int seen_events = g_input_events;
  auto last_layout_check = std::chrono::steady_clock::now();
  const ImVec4 clear(0.10f, 0.11f, 0.12f, 1.0f);
  for (int frame = 0;; ++frame) {
    input_queue.begin_frame();
    if (script.active()) {
      glfwPollEvents();
    } else {
      // Input held back for this frame or later: no sleeping.
      const double wait = input_queue.pending() ? 0 : wait_seconds(host, hot_frames);
      if (wait > 0)
        glfwWaitEventsTimeout(wait);
      else
        glfwPollEvents();
      if (g_input_events != seen_events) seen_events = g_input_events, hot_frames = 3;
    }
    const auto t0 = std::chrono::steady_clock::now();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    bool quit = false;
    if (glfwWindowShouldClose(window)) {
      quit = true;
      glfwSetWindowShouldClose(window, GLFW_FALSE);  // the dialog decides
    }
    if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q, false)) quit = true;
    if (const int sig = g_stop_signal; sig != 0 && !quit_dialog.stopping) {
      std::fprintf(stderr,
                   "aelab: %s: stopping; running training keeps its last epoch and can be "
                   "resumed (aelab train resume ID). Send it again to end at once.\n",
                   sig == SIGINT ? "interrupted (SIGINT)" : "asked to end (SIGTERM)");
      quit_dialog.stop_and_keep(host);
    }
    if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_BACKSLASH, false))
      host.bench.layout().set_split(!host.bench.layout().split);
    for (auto& r : host.ctx.take_show_requests()) {
      Layout& l = host.bench.layout();
      if (r.beside && l.pane_of(r.name) == l.focused) l.move_to_other_pane(r.name);
      if (r.beside && !l.is_open(r.name)) {
        l.set_split(true);
        l.raise(r.name, 1 - l.focused);
      } else {
        l.raise(r.name);
      }
    }

    host.ctx.jobs().update();
    host.ctx.session().poll();
    draw_menu_bar(host, quit);
    const ImGuiViewport* vp = ImGui::GetMainViewport();
    const float status_h = ImGui::GetFrameHeight() + 6;
    host.bench.draw(vp->WorkPos, ImVec2(vp->WorkSize.x, std::max(1.0f, vp->WorkSize.y - status_h)),
                    [&](const std::string& name) { host.draw_panel(name); });
    draw_status_bar(host, ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - status_h),
                    ImVec2(vp->WorkSize.x, status_h));
    const bool close_now = quit_dialog.update(host, quit);
    quit_dialog.draw_stopping(host);

    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(clear.x, clear.y, clear.z, clear.w);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    const bool last = script.end_frame(frame, host.ctx, window, host.bench);
    // CPU time of the frame; screenshots/exports below are file I/O, not drawing.
    script.add_frame_time(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    run_captures(host.ctx, window);
    if (std::string e = gl::take_errors("drawing the frame"); !e.empty()) {
      static int reported = 0;
      if (reported++ < 5) host.ctx.report(e, true);  // once per kind is enough, not every frame
    }
    glfwSwapBuffers(window);
    // Scripted runs time the UI thread's own work: with a software GL (Mesa llvmpipe under Xvfb)
    // the previous frame's rasterisation would otherwise land in the next frame's timing.
    if (script.active()) glFinish();
    if (std::chrono::steady_clock::now() - last_layout_check > std::chrono::seconds(1)) {
      last_layout_check = std::chrono::steady_clock::now();
      host.save_layout_if_changed();
    }
    host.write_test_hooks(quit_dialog);
    if (last || close_now) break;
  }
  host.save();
  const int status = script.finish();

  // Shutdown in reverse.
  train::set_job_end_listener(nullptr);
  host.slots.clear();  // panels release GL objects while the context is current
  ImGui_ImplOpenGL3_Shutdown();
  glfwSetKeyCallback(window, nullptr);
  glfwSetMouseButtonCallback(window, nullptr);
  glfwSetCharCallback(window, nullptr);
  g_input_queue = nullptr;
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return status;
}

}  // namespace aelab::app
