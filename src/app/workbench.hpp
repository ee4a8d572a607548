#pragma once
// The workbench layout (DESIGN.md "The window is a workbench"): one host area under the menu bar
// and above the status bar, holding one or two panes side by side with a draggable splitter. A
// pane is a tab bar of panels. A panel is open in at most one pane; opening it again raises it.
//
// The layout is plain data (Layout) with pure operations, so it is tested without a window; the
// Workbench draws it with ImGui and lets panels draw into the space it gives them.
#include <imgui.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace aelab::app {

struct Pane {
  std::vector<std::string> tabs;  // panel names, in tab order
  std::string active;             // the tab shown ("" when the pane is empty)
};

struct Layout {
  Pane panes[2];
  bool split = false;  // pane 1 shown beside pane 0
  float ratio = 0.5f;  // pane 0's share of the width, in [kMinRatio, 1 - kMinRatio]
  int focused = 0;     // the pane View opens panels in
  static constexpr float kMinRatio = 0.15f;

  // Pane holding `name`, or -1.
  [[nodiscard]] int pane_of(const std::string& name) const;
  [[nodiscard]] bool is_open(const std::string& name) const { return pane_of(name) >= 0; }
  // Raises `name`: selects its tab where it is, else opens it in `pane` (-1: the focused pane)
  // and selects it. The pane it ends in becomes focused.
  void raise(const std::string& name, int pane = -1);
  // Moves `name` to the other pane (splitting the view if needed) and selects it there.
  void move_to_other_pane(const std::string& name);
  void close(const std::string& name);
  // Turns the split on (an empty second pane gets `fill`, or pane 0's second tab) or off (pane 1's
  // tabs go back to pane 0).
  void set_split(bool on, const std::string& fill = "");
  // An empty pane 1 ends the split; an empty pane 0 takes pane 1's tabs; ratio is clamped.
  void normalise();
  // The panel shown in each pane (one when not split).
  [[nodiscard]] std::vector<std::string> visible() const;

  [[nodiscard]] nlohmann::json to_json() const;
  // Unknown panel names (not in `known`) are dropped; a malformed value gives the default layout.
  static Layout from_json(const nlohmann::json& j, const std::vector<std::string>& known);
};

// Draws a Layout into a screen rectangle. draw_panel(name) draws one panel's contents inside the
// child window that is its pane's content area.
class Workbench {
 public:
  struct Entry {
    std::string name, title;
  };
  explicit Workbench(std::vector<Entry> catalog) : catalog_(std::move(catalog)) {}

  Layout& layout() { return layout_; }
  [[nodiscard]] const Layout& layout() const { return layout_; }
  void set_layout(Layout l) { layout_ = std::move(l); }

  // One frame: the host window over [pos, pos + size].
  void draw(ImVec2 pos, ImVec2 size,
            const std::function<void(const std::string& name)>& draw_panel);
  // The content rectangle of each visible pane in the last frame (for layout checks).
  struct PaneRect {
    std::string panel;
    ImVec2 min, max;
  };
  [[nodiscard]] const std::vector<PaneRect>& pane_rects() const { return rects_; }
  [[nodiscard]] const std::string& title_of(const std::string& name) const;
  // Called after each tab ("tab:NAME") and pane button, for tests that click
  // (AppContext::note_item).
  std::function<void(const std::string& key)> note_item;

 private:
  void draw_pane(int index, ImVec2 size,
                 const std::function<void(const std::string& name)>& draw_panel);

  std::vector<Entry> catalog_;
  Layout layout_;
  std::vector<PaneRect> rects_;
  bool select_next_[2] = {true, true};  // re-assert the active tab after a programmatic change
  std::string last_active_[2];
};

}  // namespace aelab::app
