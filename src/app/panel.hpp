#pragma once
// A panel is one ImGui window of the lab (STYLE.md: a struct with its data and a draw()). The
// host owns the window (Begin/End, the View menu, placement); the panel draws its contents.
//
// Adding a panel: write panels/<name>.{hpp,cpp} with a class derived from Panel, and add one
// line to the list in panels/panel_catalog.cpp. Only panels in that list appear in the View menu.
#include <imgui.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/job_list.hpp"
#include "app/session.hpp"

namespace aelab::app {

// Where the window's data lives and what a scripted run asked for (the CLI's --data-dir,
// --runs-db, --run, --decoded-png, --train, --codes-log), set by the host before any panel is made.
struct LaunchInfo {
  std::filesystem::path data_dir;  // datasets
  std::filesystem::path runs_db;   // the run store (panels open their own connection)
  int64_t run = 0;                 // > 0: panels that show one run start with this one
  std::string decoded_png;         // the latent explorer writes each decoded digit here
  std::string train;               // --train spec: the training panel starts this run at launch
  std::string codes_log;           // the latent explorer appends a JSON line per codes it shows
};

// What the host lends every panel.
class AppContext {
 public:
  JobList& jobs() { return jobs_; }
  Session& session() { return session_; }
  [[nodiscard]] const LaunchInfo& launch() const { return launch_; }
  void set_launch(LaunchInfo launch) { launch_ = std::move(launch); }

  // Writes the screen rect [min, max] (ImGui coordinates) of this frame to a PNG once the frame
  // is rendered; `done` receives "" on success or the error, on the UI thread, next frame.
  using CaptureDone = std::function<void(const std::string& error)>;
  void request_capture(ImVec2 min, ImVec2 max, std::string path, CaptureDone done) {
    captures_.push_back(Capture{min, max, std::move(path), std::move(done)});
  }

  // A message for the status bar (errors in red); also printed to stderr.
  void report(std::string message, bool error = false);

  // Raise the panel `name` at the next frame (an "Explore" button switching to the explorer);
  // `beside`: in the other pane, splitting the view if needed, so both stay in sight.
  void show_panel(std::string name, bool beside = false) {
    show_requests_.push_back({std::move(name), beside});
  }
  struct ShowRequest {
    std::string name;
    bool beside;
  };
  std::vector<ShowRequest> take_show_requests() { return std::exchange(show_requests_, {}); }

  // For tests that click (--ui-map FILE): records the last item's screen rect under `key`
  // ("tab:training", "training:start"); the host writes the map whenever it changes.
  void note_item(const std::string& key) {
    if (ui_map_enabled_) ui_map_[key] = {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
  }
  void enable_ui_map() { ui_map_enabled_ = true; }
  struct ItemRect {
    ImVec2 min, max;
  };
  std::map<std::string, ItemRect>& ui_map() { return ui_map_; }

  // The window sleeps until input arrives or a job is running; a panel that animates on its own
  // (the playground's playback) asks for the next frame within `seconds`.
  void request_frame(double seconds = 0) { frame_within_ = std::min(frame_within_, seconds); }
  double take_frame_request() { return std::exchange(frame_within_, 1e9); }

  struct Capture {
    ImVec2 min, max;
    std::string path;
    CaptureDone done;
  };
  std::vector<Capture>& pending_captures() { return captures_; }
  struct Message {
    std::string text;
    bool error;
    double time;
  };
  [[nodiscard]] const std::vector<Message>& messages() const { return messages_; }

 private:
  JobList jobs_;
  Session session_;
  LaunchInfo launch_;
  std::vector<Capture> captures_;
  std::vector<Message> messages_;
  std::vector<ShowRequest> show_requests_;
  double frame_within_ = 1e9;
  bool ui_map_enabled_ = false;
  std::map<std::string, ItemRect> ui_map_;
};

class Panel {
 public:
  virtual ~Panel() = default;
  // The window's contents, between the host's Begin and End. Never throws for user input.
  virtual void draw() = 0;
  // Panel settings kept between launches (panels.json); load gets what save wrote, or null.
  virtual void save(nlohmann::json& out) const {}
  virtual void load(const nlohmann::json& in) {}
};

struct PanelInfo {
  const char* name;   // for --panel and the settings file: "playground"
  const char* title;  // window title and View menu entry: "Optimiser playground"
  std::function<std::unique_ptr<Panel>(AppContext&)> make;
};

// Every panel that exists (panels/panel_catalog.cpp), in menu order.
[[nodiscard]] const std::vector<PanelInfo>& panel_catalog();

}  // namespace aelab::app
