#pragma once
// Window settings kept between launches in the config directory (default_config_dir()):
// imgui.ini (ImGui's window layout) and panels.json (which panels are open, each panel's own
// settings). Written atomically (temp file + rename), so a crash never leaves half a file.
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace aelab::app {

// The window sizes --width / --height accept, and the settings file may bring back.
inline constexpr int kMinWindowWidth = 200, kMinWindowHeight = 150, kMaxWindowSide = 16384;

struct WindowSettings {
  std::string imgui_ini;                             // ImGui::SaveIniSettingsToMemory()
  std::map<std::string, bool> open;                  // panel name -> open (before layouts)
  nlohmann::json layout;                             // Layout::to_json(); null: none saved
  nlohmann::json panels = nlohmann::json::object();  // panel name -> its settings
  float ui_scale = 0.0f;                             // 0: from the monitor's content scale
  int window_width = 0, window_height = 0;           // the window's size at the last save; 0: none
};

// Missing files give defaults; a corrupt panels.json is ignored with a warning in `warning`.
[[nodiscard]] WindowSettings load_window_settings(const std::filesystem::path& dir,
                                                  std::string* warning = nullptr);
// Throws std::runtime_error with the path when the directory or files cannot be written.
void save_window_settings(const std::filesystem::path& dir, const WindowSettings& s);

// Writes `bytes` to `path` through `path.tmp` + rename (same directory, so the rename is atomic).
void write_file_atomic(const std::filesystem::path& path, const std::string& bytes);

}  // namespace aelab::app
