#include "app/settings.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

namespace aelab::app {

namespace {
bool read_file(const std::filesystem::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}
}  // namespace

void write_file_atomic(const std::filesystem::path& path, const std::string& bytes) {
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  auto tmp = path;
  tmp += ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string() + " (disk full?)");
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw std::runtime_error("cannot replace " + path.string() + ": " + ec.message());
  }
}

WindowSettings load_window_settings(const std::filesystem::path& dir, std::string* warning) {
  WindowSettings s;
  read_file(dir / "imgui.ini", s.imgui_ini);
  std::string text;
  if (!read_file(dir / "panels.json", text)) return s;
  try {
    auto j = nlohmann::json::parse(text);
    if (j.contains("open") && j["open"].is_object())
      for (auto& [k, v] : j["open"].items())
        if (v.is_boolean()) s.open[k] = v.get<bool>();
    if (j.contains("panels") && j["panels"].is_object()) s.panels = j["panels"];
    if (j.contains("layout") && j["layout"].is_object()) s.layout = j["layout"];
    if (j.contains("ui_scale") && j["ui_scale"].is_number())
      s.ui_scale = j["ui_scale"].get<float>();
    // Only sizes --width / --height would accept; anything else (hand-edited, hostile) is ignored.
    const auto size = [&](const char* key, int lo) {
      const auto it = j.find(key);
      if (it == j.end() || !it->is_number_integer()) return 0;
      const int64_t v = it->get<int64_t>();
      return v >= lo && v <= kMaxWindowSide ? static_cast<int>(v) : 0;
    };
    s.window_width = size("window_width", kMinWindowWidth);
    s.window_height = size("window_height", kMinWindowHeight);
  } catch (const nlohmann::json::exception& e) {
    if (warning)
      *warning = (dir / "panels.json").string() + " is corrupt, using defaults: " + e.what();
  }
  return s;
}

void save_window_settings(const std::filesystem::path& dir, const WindowSettings& s) {
  nlohmann::json j;
  j["version"] = 1;
  j["open"] = s.open;
  if (!s.layout.is_null()) j["layout"] = s.layout;
  j["panels"] = s.panels;
  j["ui_scale"] = s.ui_scale;
  if (s.window_width > 0 && s.window_height > 0) {
    j["window_width"] = s.window_width;
    j["window_height"] = s.window_height;
  }
  write_file_atomic(dir / "imgui.ini", s.imgui_ini);
  write_file_atomic(dir / "panels.json", j.dump(2) + "\n");
}

}  // namespace aelab::app
