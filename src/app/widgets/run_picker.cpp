// Run picker (see run_picker.hpp).
#include "app/widgets/run_picker.hpp"

#include <algorithm>
#include <string>

#include "runs/run_summary.hpp"

namespace aelab::app {

ImVec4 status_colour(runs::RunStatus status) {
  switch (status) {
    case runs::RunStatus::running:
      return ImVec4(0.45f, 0.75f, 1.0f, 1);
    case runs::RunStatus::finished:
      return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    case runs::RunStatus::cancelled:
      return ImVec4(0.65f, 0.65f, 0.65f, 1);
    case runs::RunStatus::interrupted:
      return ImVec4(0.95f, 0.75f, 0.35f, 1);
    case runs::RunStatus::diverged:
      return ImVec4(0.95f, 0.5f, 0.85f, 1);
    case runs::RunStatus::failed:
      return ImVec4(1, 0.35f, 0.3f, 1);
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

const runs::RunSummary* find_run(std::span<const runs::RunSummary> runs, int64_t id) {
  for (const runs::RunSummary& r : runs)
    if (r.id == id) return &r;
  return nullptr;
}

bool run_picker(const char* label, int64_t& selected, std::span<const runs::RunSummary> runs,
                const RunFilter& usable, const char* none_label, float width) {
  const runs::RunSummary* cur = selected > 0 ? find_run(runs, selected) : nullptr;
  std::string preview;
  if (selected <= 0)
    preview = none_label ? none_label : "pick a run";
  else if (!cur)
    preview = "run #" + std::to_string(selected) + " is not in the store any more";
  else
    preview = runs::summary_line(*cur);
  if (width <= 0) {
    const float label_w = ImGui::CalcTextSize(label, nullptr, true).x;
    width = ImGui::GetContentRegionAvail().x -
            (label_w > 0 ? label_w + ImGui::GetStyle().ItemInnerSpacing.x : 0);
  }
  ImGui::SetNextItemWidth(std::max(width, ImGui::GetFontSize() * 6));
  bool changed = false;
  const bool gone = selected > 0 && !cur;
  if (gone) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1, 0.35f, 0.3f, 1));
  const bool open = ImGui::BeginCombo(label, preview.c_str(), ImGuiComboFlags_HeightLarge);
  if (gone) ImGui::PopStyleColor();
  // The whole line (a narrow combo cuts it), and the status with its message when the line
  // does not hold it (a finished run's remark).
  if (ImGui::IsItemHovered() && cur) {
    const std::string status = runs::status_text(*cur);
    const bool apart = preview.find(status) == std::string::npos;
    ImGui::SetTooltip("%s%s%s", preview.c_str(), apart ? "\n" : "", apart ? status.c_str() : "");
  }
  if (open) {
    if (none_label && ImGui::Selectable(none_label, selected == 0)) selected = 0, changed = true;
    int offered = 0;
    for (const runs::RunSummary& r : runs) {
      if (usable && !usable(r)) continue;
      ++offered;
      ImGui::PushID(static_cast<int>(r.id));
      ImGui::PushStyleColor(ImGuiCol_Text, status_colour(r.status));
      if (ImGui::Selectable(runs::summary_line(r).c_str(), r.id == selected)) {
        changed = r.id != selected;
        selected = r.id;
      }
      ImGui::PopStyleColor();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", runs::status_text(r).c_str());
      ImGui::PopID();
    }
    if (offered == 0) ImGui::TextDisabled("no run in the store can be used here yet");
    ImGui::EndCombo();
  }
  return changed;
}

}  // namespace aelab::app
