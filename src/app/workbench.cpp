// The workbench layout (see workbench.hpp).
//
// Index
// [SECTION] Layout (pure operations)
// [SECTION] Workbench (drawing)
#include "app/workbench.hpp"

#include <algorithm>
#include <cmath>

namespace aelab::app {

// [SECTION] Layout (pure operations) ----------------------------------------------------------

int Layout::pane_of(const std::string& name) const {
  for (int p = 0; p < 2; ++p)
    if (std::find(panes[p].tabs.begin(), panes[p].tabs.end(), name) != panes[p].tabs.end())
      return p;
  return -1;
}

void Layout::raise(const std::string& name, int pane) {
  int where = pane_of(name);
  if (where < 0) {
    where = pane >= 0 ? pane : focused;
    if (where == 1 && !split) where = 0;
    panes[where].tabs.push_back(name);
  }
  panes[where].active = name;
  focused = where;
}

void Layout::move_to_other_pane(const std::string& name) {
  const int from = pane_of(name);
  if (from < 0) return;
  const int to = 1 - from;
  close(name);
  if (to == 1) split = true;
  // close() may have moved pane 1's tabs into pane 0 (when `name` was pane 0's last tab).
  const int target = (to == 0 || split) ? to : 0;
  panes[target].tabs.push_back(name);
  panes[target].active = name;
  focused = target;
  normalise();
}

void Layout::close(const std::string& name) {
  for (int pi = 0; pi < 2; ++pi) {
    Pane& p = panes[pi];
    auto it = std::find(p.tabs.begin(), p.tabs.end(), name);
    if (it == p.tabs.end()) continue;
    const size_t at = static_cast<size_t>(it - p.tabs.begin());
    p.tabs.erase(it);
    if (p.active == name) p.active = p.tabs.empty() ? "" : p.tabs[std::min(at, p.tabs.size() - 1)];
    // Closing a pane's last tab ends the split; the other pane's tabs fill the window.
    if (p.tabs.empty() && split) {
      if (pi == 0) std::swap(panes[0], panes[1]);
      split = false;
    }
  }
  normalise();
}

void Layout::set_split(bool on, const std::string& fill) {
  if (on == split) return;
  if (on) {
    split = true;
    if (panes[1].tabs.empty()) {
      std::string take = fill;
      if (take.empty() && panes[0].tabs.size() > 1)
        for (const std::string& t : panes[0].tabs)
          if (t != panes[0].active) {
            take = t;
            break;
          }
      if (!take.empty()) {
        close(take);
        split = true;  // close() may have ended it: pane 1 is still empty
        panes[1].tabs.push_back(take);
        panes[1].active = take;
      }
    }
    focused = 1;
    return;
  }
  for (const std::string& t : panes[1].tabs) panes[0].tabs.push_back(t);
  if (panes[0].active.empty()) panes[0].active = panes[1].active;
  panes[1] = Pane{};
  split = false;
  focused = 0;
}

void Layout::normalise() {
  for (Pane& p : panes)
    if (!p.tabs.empty() && std::find(p.tabs.begin(), p.tabs.end(), p.active) == p.tabs.end())
      p.active = p.tabs.front();
  if (panes[0].tabs.empty() && !panes[1].tabs.empty()) {
    panes[0] = std::move(panes[1]);
    panes[1] = Pane{};
  }
  // A split with an empty second pane stays (the user asked for it) unless pane 0 is empty too.
  if (split && panes[0].tabs.empty()) split = false;
  if (!split && !panes[1].tabs.empty()) {
    for (const std::string& t : panes[1].tabs) panes[0].tabs.push_back(t);
    panes[1] = Pane{};
  }
  ratio = std::clamp(ratio, kMinRatio, 1 - kMinRatio);
  if (!split) focused = 0;
  focused = std::clamp(focused, 0, 1);
}

std::vector<std::string> Layout::visible() const {
  std::vector<std::string> v;
  for (int p = 0; p < (split ? 2 : 1); ++p)
    if (!panes[p].active.empty()) v.push_back(panes[p].active);
  return v;
}

nlohmann::json Layout::to_json() const {
  nlohmann::json j;
  j["split"] = split;
  j["ratio"] = ratio;
  j["focused"] = focused;
  for (int p = 0; p < 2; ++p) {
    j["panes"][p]["tabs"] = panes[p].tabs;
    j["panes"][p]["active"] = panes[p].active;
  }
  return j;
}

Layout Layout::from_json(const nlohmann::json& j, const std::vector<std::string>& known) {
  Layout l;
  try {
    if (!j.is_object()) return l;
    l.split = j.value("split", false);
    l.ratio = j.value("ratio", 0.5f);
    l.focused = j.value("focused", 0);
    if (j.contains("panes") && j["panes"].is_array())
      for (size_t p = 0; p < std::min<size_t>(2, j["panes"].size()); ++p) {
        const auto& pj = j["panes"][p];
        if (pj.contains("tabs") && pj["tabs"].is_array())
          for (const auto& t : pj["tabs"]) {
            if (!t.is_string()) continue;
            const std::string name = t.get<std::string>();
            if (std::find(known.begin(), known.end(), name) != known.end() && !l.is_open(name))
              l.panes[p].tabs.push_back(name);
          }
        l.panes[p].active = pj.value("active", std::string());
      }
  } catch (const nlohmann::json::exception&) {
    return Layout{};
  }
  l.normalise();
  return l;
}

// [SECTION] Workbench (drawing) ---------------------------------------------------------------

const std::string& Workbench::title_of(const std::string& name) const {
  for (const Entry& e : catalog_)
    if (e.name == name) return e.title;
  return name;
}

void Workbench::draw(ImVec2 pos, ImVec2 size,
                     const std::function<void(const std::string& name)>& draw_panel) {
  layout_.normalise();
  rects_.clear();
  for (int p = 0; p < 2; ++p)
    if (layout_.panes[p].active != last_active_[p]) select_next_[p] = true;

  ImGui::SetNextWindowPos(pos);
  ImGui::SetNextWindowSize(size);
  const ImGuiWindowFlags host_flags =
      ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
      ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse |
      ImGuiWindowFlags_NoNavFocus;
  ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(0, 0));
  ImGui::PushStyleVar(ImGuiStyleVar_WindowRounding, 0);
  ImGui::PushStyleVar(ImGuiStyleVar_WindowBorderSize, 0);
  ImGui::Begin("##workbench", nullptr, host_flags);
  ImGui::PopStyleVar(3);

  // Whole pixels: fractional pane widths round differently inside and outside, a pixel off.
  const float splitter = std::floor(std::max(4.0f, ImGui::GetFontSize() * 0.4f));
  size = ImVec2(std::floor(size.x), std::floor(size.y));
  if (!layout_.split) {
    draw_pane(0, size, draw_panel);
  } else {
    const float usable = std::max(1.0f, size.x - splitter);
    const float w0 = std::floor(usable * layout_.ratio);
    draw_pane(0, ImVec2(w0, size.y), draw_panel);
    ImGui::SameLine(0, 0);
    ImGui::InvisibleButton("##splitter", ImVec2(splitter, size.y));
    const bool active = ImGui::IsItemActive(), hovered = ImGui::IsItemHovered();
    if (active || hovered) ImGui::SetMouseCursor(ImGuiMouseCursor_ResizeEW);
    if (active) layout_.ratio += ImGui::GetIO().MouseDelta.x / usable;
    if (hovered && ImGui::IsMouseDoubleClicked(0)) layout_.ratio = 0.5f;
    if (hovered) ImGui::SetTooltip("Drag to resize the panes; double-click for half and half");
    const ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
    ImGui::GetWindowDrawList()->AddRectFilled(
        ImVec2(a.x + splitter * 0.25f, a.y), ImVec2(b.x - splitter * 0.25f, b.y),
        ImGui::GetColorU32(active    ? ImGuiCol_SeparatorActive
                           : hovered ? ImGuiCol_SeparatorHovered
                                     : ImGuiCol_Separator));
    ImGui::SameLine(0, 0);
    draw_pane(1, ImVec2(std::max(1.0f, std::floor(usable - w0)), size.y), draw_panel);
  }
  ImGui::End();
  layout_.normalise();
  for (int p = 0; p < 2; ++p) last_active_[p] = layout_.panes[p].active;
}

void Workbench::draw_pane(int index, ImVec2 size,
                          const std::function<void(const std::string& name)>& draw_panel) {
  Pane& pane = layout_.panes[index];
  ImGui::PushID(index);
  ImGui::BeginChild("##pane", size, false,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse);
  // A strip in the accent colour over the focused pane when there are two.
  if (layout_.split && layout_.focused == index) {
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::GetWindowDrawList()->AddRectFilled(p, ImVec2(p.x + size.x, p.y + 2),
                                              ImGui::GetColorU32(ImGuiCol_TabActive));
  }
  std::string action_close, action_move, action_add;
  bool toggle_split = false;
  const ImGuiTabBarFlags bar_flags = ImGuiTabBarFlags_Reorderable |
                                     ImGuiTabBarFlags_FittingPolicyScroll |
                                     ImGuiTabBarFlags_TabListPopupButton;
  if (ImGui::BeginTabBar("##tabs", bar_flags)) {
    for (const std::string& name : pane.tabs) {
      bool open = true;
      ImGuiTabItemFlags f = 0;
      if (select_next_[index] && name == pane.active) f |= ImGuiTabItemFlags_SetSelected;
      const std::string label = title_of(name) + "###" + name;
      const bool selected = ImGui::BeginTabItem(label.c_str(), &open, f);
      if (note_item) note_item("tab:" + name);
      if (ImGui::BeginPopupContextItem()) {
        if (ImGui::MenuItem(index == 0 ? "Move to the right pane" : "Move to the left pane"))
          action_move = name;
        if (ImGui::MenuItem("Close")) action_close = name;
        ImGui::EndPopup();
      }
      if (selected) {
        if (!select_next_[index] && pane.active != name) pane.active = name;
        ImGui::EndTabItem();
      }
      if (!open) action_close = name;
    }
    if (ImGui::TabItemButton("+", ImGuiTabItemFlags_Trailing | ImGuiTabItemFlags_NoTooltip))
      ImGui::OpenPopup("##add");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open a panel in this pane");
    if (index == 0 && !layout_.split) {
      if (ImGui::TabItemButton("||", ImGuiTabItemFlags_Trailing | ImGuiTabItemFlags_NoTooltip))
        toggle_split = true;
      if (note_item) note_item("pane:split");
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("Split: a second pane beside this one");
    } else if (index == 1) {
      if (ImGui::TabItemButton("x", ImGuiTabItemFlags_Trailing | ImGuiTabItemFlags_NoTooltip))
        toggle_split = true;
      if (note_item) note_item("pane:unsplit");
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip("Unsplit: this pane's tabs go back to the left");
    }
    if (ImGui::BeginPopup("##add")) {
      for (const Entry& e : catalog_) {
        const int where = layout_.pane_of(e.name);
        const char* note = where == index ? "open" : where >= 0 ? "in the other pane" : "";
        if (ImGui::MenuItem(e.title.c_str(), note)) action_add = e.name;
      }
      ImGui::EndPopup();
    }
    ImGui::EndTabBar();
  }
  select_next_[index] = false;

  ImGui::BeginChild("##content", ImVec2(0, 0), false);
  const ImVec2 cmin = ImGui::GetWindowPos();
  const ImVec2 csize = ImGui::GetWindowSize();
  if (!pane.active.empty()) {
    rects_.push_back(PaneRect{pane.active, cmin, ImVec2(cmin.x + csize.x, cmin.y + csize.y)});
    ImGui::PushID(pane.active.c_str());
    draw_panel(pane.active);
    ImGui::PopID();
  } else {
    ImGui::TextDisabled("Empty pane: open a panel with + above or from the View menu.");
  }
  ImGui::EndChild();
  if (ImGui::IsWindowHovered(ImGuiHoveredFlags_ChildWindows |
                             ImGuiHoveredFlags_AllowWhenBlockedByActiveItem) &&
      (ImGui::IsMouseClicked(0) || ImGui::IsMouseClicked(1)))
    layout_.focused = index;
  ImGui::EndChild();
  ImGui::PopID();

  // Structural changes after the pane is drawn, so this frame's ImGui calls stay paired.
  if (!action_close.empty()) layout_.close(action_close);
  if (!action_move.empty()) layout_.move_to_other_pane(action_move);
  if (!action_add.empty()) {
    if (layout_.pane_of(action_add) >= 0 && layout_.pane_of(action_add) != index)
      layout_.move_to_other_pane(action_add);
    else
      layout_.raise(action_add, index);
  }
  if (toggle_split) layout_.set_split(!layout_.split);
}

}  // namespace aelab::app
