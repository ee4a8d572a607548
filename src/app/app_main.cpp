// The window's main loop, in the order of Dear ImGui's example_glfw_opengl3/main.cpp: window,
// context, backends, state, loop (poll, three NewFrame calls, UI, Render, swap), shutdown in
// reverse.
//
// Index
// [SECTION] Options
// [SECTION] Host state (panels, settings)
// [SECTION] Menu bar and status bar
// [SECTION] Captures (screenshots, PNG exports)
// [SECTION] run_window
#include "app/app_main.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include "app/gl/framebuffer.hpp"
#include "app/gl/gl.hpp"
#include "app/panel.hpp"
#include "app/panels/training.hpp"
#include "app/png.hpp"
#include "app/settings.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"

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
  app.add_option("--width", o.width, "Window width in pixels")->check(CLI::Range(200, 16384));
  app.add_option("--height", o.height, "Window height in pixels")->check(CLI::Range(150, 16384));
  app.add_option("--run", o.run,
                 "Window: show this run (id) in the latent explorer and k-means view");
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

// [SECTION] Host state (panels, settings) -----------------------------------------------------

struct PanelSlot {
  const PanelInfo* info = nullptr;
  std::unique_ptr<Panel> panel;  // made on first open
  bool open = false;
  bool focus_next = false;
  int place_frames = 0;  // > 0: fill the work area (a scripted --panel run); 2 frames, because
                         // the menu bar's height reaches WorkPos one frame late
  std::string failure;   // construction failed: shown instead of the panel
};

struct Host {
  AppContext ctx;
  std::vector<PanelSlot> slots;
  WindowSettings settings;
  bool persist = true;  // scripted runs (--frames) neither read nor write the user's settings
  std::filesystem::path config_dir;

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
  void save() {
    if (!persist) return;
    settings.imgui_ini = ImGui::SaveIniSettingsToMemory();
    for (PanelSlot& s : slots) {
      settings.open[s.info->name] = s.open;
      if (s.panel) {
        nlohmann::json j = nlohmann::json::object();
        s.panel->save(j);
        settings.panels[s.info->name] = j;
      }
    }
    try {
      save_window_settings(config_dir, settings);
    } catch (const std::exception& e) {
      ctx.report(std::string("settings not saved: ") + e.what(), true);
    }
  }
};

// [SECTION] Menu bar and status bar ----------------------------------------------------------

void draw_menu_bar(Host& host, bool& quit) {
  if (!ImGui::BeginMainMenuBar()) return;
  if (ImGui::BeginMenu("File")) {
    if (ImGui::MenuItem("Save layout")) host.save();
    if (ImGui::MenuItem("Quit", "Ctrl+Q")) quit = true;
    ImGui::EndMenu();
  }
  if (ImGui::BeginMenu("View")) {
    for (PanelSlot& s : host.slots) {
      bool was = s.open;
      if (ImGui::MenuItem(s.info->title, nullptr, &s.open) && s.open && !was) s.focus_next = true;
    }
    ImGui::EndMenu();
  }
  ImGui::EndMainMenuBar();
}

void draw_status_bar(Host& host, float height) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(vp->WorkPos.x, vp->WorkPos.y + vp->WorkSize.y - height));
  ImGui::SetNextWindowSize(ImVec2(vp->WorkSize.x, height));
  ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                           ImGuiWindowFlags_NoSavedSettings | ImGuiWindowFlags_NoFocusOnAppearing |
                           ImGuiWindowFlags_NoNav | ImGuiWindowFlags_NoBringToFrontOnFocus;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(8, 3));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0);
  ImGui::Begin("##status", nullptr, flags);
  const auto& jobs = host.ctx.jobs().update();
  if (jobs.empty()) ImGui::TextDisabled("no jobs running");
  for (const JobList::Entry& e : jobs) {
    ImGui::SameLine(0, 16);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(e.label.c_str());
    ImGui::SameLine();
    if (e.view.running && e.view.progress >= 0) {
      char pct[16];
      std::snprintf(pct, sizeof pct, "%.0f%%", e.view.progress * 100);
      ImGui::ProgressBar(e.view.progress, ImVec2(ImGui::GetFontSize() * 7, 0), pct);
      ImGui::SameLine();
    }
    if (e.view.failed)
      ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "%s", e.view.line.c_str());
    else if (e.view.running)
      ImGui::TextUnformatted(e.view.line.c_str());
    else
      ImGui::TextDisabled("%s", e.view.line.empty() ? "done" : e.view.line.c_str());
  }
  // The latest message, for 8 s, at the right.
  const auto& msgs = host.ctx.messages();
  char fps[32];
  std::snprintf(fps, sizeof fps, "%.0f fps", ImGui::GetIO().Framerate);
  float right = ImGui::GetWindowWidth() - ImGui::CalcTextSize(fps).x - 10;
  if (!msgs.empty() && ImGui::GetTime() - msgs.back().time < 8.0) {
    const auto& m = msgs.back();
    float w = ImGui::CalcTextSize(m.text.c_str()).x;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX() + 16, right - w - 24));
    ImGui::TextColored(m.error ? ImVec4(1, 0.35f, 0.3f, 1) : ImVec4(0.6f, 0.85f, 0.6f, 1), "%s",
                       m.text.c_str());
  }
  ImGui::SameLine(right);
  ImGui::TextDisabled("%s", fps);
  ImGui::End();
  ImGui::PopStyleVar(2);
}

void draw_panels(Host& host, float status_height) {
  const ImGuiViewport* vp = ImGui::GetMainViewport();
  const ImVec2 area_pos = vp->WorkPos;
  const ImVec2 area_size(vp->WorkSize.x, vp->WorkSize.y - status_height);
  for (PanelSlot& s : host.slots) {
    if (!s.open) continue;
    host.ensure_made(s);
    ImGuiCond cond = s.place_frames > 0 ? ImGuiCond_Always : ImGuiCond_FirstUseEver;
    ImGui::SetNextWindowPos(area_pos, cond);
    ImGui::SetNextWindowSize(area_size, cond);
    if (s.place_frames > 0) --s.place_frames;
    if (s.focus_next) {
      ImGui::SetNextWindowFocus();
      s.focus_next = false;
    }
    if (ImGui::Begin(s.info->title, &s.open)) {
      if (s.panel)
        s.panel->draw();
      else
        ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "This panel could not start: %s",
                           s.failure.c_str());
    }
    ImGui::End();
  }
}

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

}  // namespace

// [SECTION] run_window ------------------------------------------------------------------------

int run_window(const WindowOptions& opt) {
  if (!opt.panel.empty()) {
    bool known = std::any_of(panel_catalog().begin(), panel_catalog().end(),
                             [&](const PanelInfo& p) { return opt.panel == p.name; });
    if (!known) {
      std::string names;
      for (const PanelInfo& p : panel_catalog())
        names += (names.empty() ? "" : ", ") + std::string(p.name);
      throw InputError("unknown panel '" + opt.panel + "'; panels: " + names);
    }
  }
  if (!opt.train.empty()) (void)parse_training_spec(opt.train);  // a bad spec: exit 2, no window
  if (opt.screenshot_every > 0 && opt.screenshot.empty())
    throw InputError(
        "--screenshot-every needs --screenshot (the name the numbered PNGs are made from)");
  const bool scripted = opt.frames > 0 || !opt.screenshot.empty();
  const int frames = opt.frames > 0 ? opt.frames : (scripted ? 10 : 0);

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
  GLFWwindow* window = glfwCreateWindow(opt.width, opt.height, "aelab", nullptr, nullptr);
  if (!window) {
    std::fprintf(
        stderr,
        "aelab: cannot create an OpenGL 3.3 core context: %s.\n"
        "  The window needs OpenGL 3.3. Update the graphics driver, or try Mesa's software "
        "renderer (LIBGL_ALWAYS_SOFTWARE=1); the headless commands work without it: aelab "
        "--help.\n",
        g_glfw_error.c_str());
    glfwTerminate();
    return 1;
  }
  glfwMakeContextCurrent(window);
  glfwSwapInterval(scripted ? 0 : 1);  // scripted runs measure frames, not vsync

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
  host.persist = !scripted;
  host.config_dir = default_config_dir();
  if (host.persist) {
    std::string warning;
    host.settings = load_window_settings(host.config_dir, &warning);
    if (!warning.empty()) host.ctx.report(warning, true);
    if (!host.settings.imgui_ini.empty())
      ImGui::LoadIniSettingsFromMemory(host.settings.imgui_ini.c_str(),
                                       host.settings.imgui_ini.size());
  }
  float xscale = 1, yscale = 1;
  glfwGetWindowContentScale(window, &xscale, &yscale);
  const float scale = host.settings.ui_scale > 0 ? host.settings.ui_scale : std::max(1.0f, xscale);
  ImGui::StyleColorsDark();
  ImGuiStyle& style = ImGui::GetStyle();
  style.WindowRounding = 3;
  style.FrameRounding = 2;
  style.Colors[ImGuiCol_WindowBg].w = 1.0f;  // panels stacked on one another do not show through
  style.ScaleAllSizes(scale);
  ImFontConfig font_cfg;
  font_cfg.SizePixels = 13.0f * scale;
  io.Fonts->AddFontDefault(&font_cfg);

  ImGui_ImplGlfw_InitForOpenGL(window, true);
  ImGui_ImplOpenGL3_Init("#version 330 core");

  for (const PanelInfo& p : panel_catalog()) {
    PanelSlot s;
    s.info = &p;
    host.slots.push_back(std::move(s));
  }
  bool any_open = false;
  for (PanelSlot& s : host.slots) {
    auto it = host.settings.open.find(s.info->name);
    s.open = it != host.settings.open.end() && it->second;
    any_open |= s.open;
  }
  if (!opt.train.empty()) host.find("training")->open = true;  // it starts the run
  if (!opt.panel.empty()) {
    PanelSlot* s = host.find(opt.panel);
    s->open = s->focus_next = true;
    s->place_frames = scripted ? 2 : 0;
  } else if (!any_open && !host.slots.empty()) {
    host.slots.front().open = true;  // first launch: show the first panel, not an empty window
  }
  for (PanelSlot& s : host.slots)
    if (s.open) host.ensure_made(s);
  if (std::string e = gl::take_errors("window setup"); !e.empty()) host.ctx.report(e, true);

  // Main loop.
  std::vector<double> frame_ms;
  const auto started = std::chrono::steady_clock::now();
  int shots_taken = 0;  // --screenshot-every
  bool quit = false;
  int screenshot_status = 0;
  const ImVec4 clear(0.10f, 0.11f, 0.12f, 1.0f);
  for (int frame = 0; !glfwWindowShouldClose(window) && !quit; ++frame) {
    const auto t0 = std::chrono::steady_clock::now();
    glfwPollEvents();
    ImGui_ImplOpenGL3_NewFrame();
    ImGui_ImplGlfw_NewFrame();
    ImGui::NewFrame();
    if (io.KeyCtrl && ImGui::IsKeyPressed(GLFW_KEY_Q, false)) quit = true;

    const float status_height = ImGui::GetFrameHeight() + 6;
    draw_menu_bar(host, quit);
    draw_panels(host, status_height);
    draw_status_bar(host, status_height);

    ImGui::Render();
    int fw = 0, fh = 0;
    glfwGetFramebufferSize(window, &fw, &fh);
    glViewport(0, 0, fw, fh);
    glClearColor(clear.x, clear.y, clear.z, clear.w);
    glClear(GL_COLOR_BUFFER_BIT);
    ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

    const bool last = scripted && frame + 1 >= frames;
    if (opt.screenshot_every > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            opt.screenshot_every * (shots_taken + 1)) {
      ++shots_taken;
      char num[16];
      std::snprintf(num, sizeof num, "-%02d", shots_taken);
      std::filesystem::path p(opt.screenshot);
      p.replace_filename(p.stem().string() + num + p.extension().string());
      int ww = 0, wh = 0;
      glfwGetWindowSize(window, &ww, &wh);
      host.ctx.request_capture(ImVec2(0, 0), ImVec2(static_cast<float>(ww), static_cast<float>(wh)),
                               p.string(), [](const std::string& err) {
                                 if (!err.empty())
                                   std::fprintf(stderr, "aelab: screenshot: %s\n", err.c_str());
                               });
    }
    if (last && !opt.screenshot.empty()) {
      int ww = 0, wh = 0;
      glfwGetWindowSize(window, &ww, &wh);
      host.ctx.request_capture(ImVec2(0, 0), ImVec2(static_cast<float>(ww), static_cast<float>(wh)),
                               opt.screenshot, [&](const std::string& err) {
                                 if (!err.empty()) {
                                   std::fprintf(stderr, "aelab: screenshot: %s\n", err.c_str());
                                   screenshot_status = 1;
                                 }
                               });
    }
    // CPU time of the frame; screenshots/exports below are file I/O, not drawing.
    frame_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    run_captures(host.ctx, window);
    if (std::string e = gl::take_errors("drawing the frame"); !e.empty()) {
      static int reported = 0;
      if (reported++ < 5) host.ctx.report(e, true);  // once per kind is enough, not every frame
    }
    glfwSwapBuffers(window);
    // Scripted runs time the UI thread's own work: with a software GL (Mesa llvmpipe under Xvfb)
    // the previous frame's rasterisation would otherwise land in the next frame's timing.
    if (scripted) glFinish();
    if (io.WantSaveIniSettings && host.persist) {
      io.WantSaveIniSettings = false;
      host.save();
    }
    if (last) break;
  }
  host.save();

  int status = screenshot_status;
  if (!opt.frame_times.empty()) {
    std::string csv = "frame,cpu_ms\n";
    for (size_t i = 0; i < frame_ms.size(); ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "%zu,%.4f\n", i, frame_ms[i]);
      csv += line;
    }
    try {
      write_file_atomic(opt.frame_times, csv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "aelab: frame times: %s\n", e.what());
      status = 1;
    }
  }

  // Shutdown in reverse.
  host.slots.clear();  // panels release GL objects while the context is current
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window);
  glfwTerminate();
  return status;
}

}  // namespace aelab::app
