#pragma once
// A rectangle in ImGui screen coordinates: where a widget drew itself in the last frame, for PNG
// export (app/export.hpp: export_png) and for GUI tests that check nothing ran past its pane.
#include <imgui.h>

namespace aelab::app {

struct ScreenRect {
  ImVec2 min{0, 0}, max{0, 0};
  [[nodiscard]] bool empty() const { return !(max.x > min.x && max.y > min.y); }
  [[nodiscard]] float width() const { return max.x - min.x; }
  [[nodiscard]] float height() const { return max.y - min.y; }
};

}  // namespace aelab::app
