// Scripted window runs (see scripted.hpp).
#include "app/scripted.hpp"

#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "app/panel.hpp"
#include "app/settings.hpp"
#include "app/workbench.hpp"

namespace aelab::app {

std::vector<LayoutOverflow> find_layout_overflows(const Workbench& bench) {
  std::vector<LayoutOverflow> out;
  ImGuiContext& g = *GImGui;
  ImGuiWindow* host = ImGui::FindWindowByName("##workbench");
  if (!host) return out;
  for (ImGuiWindow* w : g.Windows) {
    if (!w->Active || w == host || w->RootWindow != host || w->Hidden) continue;
    const ImVec2 c = w->Pos;
    const Workbench::PaneRect* pane = nullptr;
    for (const auto& r : bench.pane_rects())
      if (c.x >= r.min.x - 1 && c.y >= r.min.y - 1 && c.x <= r.max.x && c.y <= r.max.y) pane = &r;
    if (!pane) continue;  // the pane frames and tab bars themselves
    LayoutOverflow o;
    o.panel = pane->panel;
    o.window = w->Name;
    // Content past the visible area with no scrollbar to reach it is cut off.
    const float visible_right = std::min(w->InnerRect.Max.x, pane->max.x);
    if (!w->ScrollbarX) o.right = std::max(0.0f, w->DC.CursorMaxPos.x - visible_right - 0.5f);
    if (!w->ScrollbarY && (w->Flags & ImGuiWindowFlags_NoScrollbar))
      o.bottom = std::max(0.0f, w->DC.CursorMaxPos.y - w->InnerRect.Max.y - 0.5f);
    // A child window larger than its pane is cut off however it scrolls inside.
    o.right = std::max(o.right, w->Pos.x + w->Size.x - pane->max.x - 0.5f);
    if (o.right > 0 || o.bottom > 0) out.push_back(o);
  }
  return out;
}

ScriptedRun::ScriptedRun(const WindowOptions& options) : opt_(options) {
  active_ = options.frames > 0 || !options.screenshot.empty();
  frames_ = options.frames > 0 ? options.frames : (active_ ? 10 : 0);
}

bool ScriptedRun::end_frame(int frame, AppContext& ctx, GLFWwindow* window,
                            const Workbench& bench) {
  if (!active_) return false;
  const bool last = frame + 1 >= frames_;
  int ww = 0, wh = 0;
  glfwGetWindowSize(window, &ww, &wh);
  const ImVec2 whole(static_cast<float>(ww), static_cast<float>(wh));
  if (opt_.screenshot_every > 0 &&
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count() >=
          opt_.screenshot_every * (shots_taken_ + 1)) {
    ++shots_taken_;
    char num[16];
    std::snprintf(num, sizeof num, "-%02d", shots_taken_);
    std::filesystem::path p(opt_.screenshot);
    p.replace_filename(p.stem().string() + num + p.extension().string());
    ctx.request_capture(ImVec2(0, 0), whole, p.string(), [](const std::string& err) {
      if (!err.empty()) std::fprintf(stderr, "aelab: screenshot: %s\n", err.c_str());
    });
  }
  if (last && !opt_.screenshot.empty())
    ctx.request_capture(ImVec2(0, 0), whole, opt_.screenshot, [this](const std::string& err) {
      if (!err.empty()) {
        std::fprintf(stderr, "aelab: screenshot: %s\n", err.c_str());
        status_ = 1;
      }
    });
  // The layout settles within two frames (the menu bar's height reaches WorkPos one frame late).
  if (!opt_.layout_report.empty() && frame >= 2) {
    for (const LayoutOverflow& o : find_layout_overflows(bench)) {
      nlohmann::json j = {{"frame", frame},
                          {"panel", o.panel},
                          {"window", o.window},
                          {"right", o.right},
                          {"bottom", o.bottom}};
      layout_lines_.push_back(j.dump());
    }
    if (last)
      for (const auto& r : bench.pane_rects()) {
        nlohmann::json j = {{"frame", frame},
                            {"panel", r.panel},
                            {"pane", {r.min.x, r.min.y, r.max.x, r.max.y}},
                            {"window", {ww, wh}}};
        layout_lines_.push_back(j.dump());
      }
  }
  return last;
}

int ScriptedRun::finish() {
  if (!opt_.frame_times.empty()) {
    std::string csv = "frame,cpu_ms\n";
    for (size_t i = 0; i < frame_ms_.size(); ++i) {
      char line[64];
      std::snprintf(line, sizeof line, "%zu,%.4f\n", i, frame_ms_[i]);
      csv += line;
    }
    try {
      write_file_atomic(opt_.frame_times, csv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "aelab: frame times: %s\n", e.what());
      status_ = 1;
    }
  }
  if (!opt_.layout_report.empty()) {
    std::string text;
    for (const std::string& l : layout_lines_) text += l + "\n";
    try {
      write_file_atomic(opt_.layout_report, text);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "aelab: layout report: %s\n", e.what());
      status_ = 1;
    }
  }
  return status_;
}

}  // namespace aelab::app
