#include "app/widgets/text_wrap.hpp"

#include <imgui_internal.h>

#include <algorithm>
#include <cstdarg>

namespace aelab::app {

void push_text_wrap(float local_x) {
  const float right = local_x > 0 ? local_x : ImGui::GetContentRegionMax().x;
  // The one pixel ImGui's rounding may add (see the header); PushTextWrapPos(0) would mean "the
  // content edge", so the position stays positive.
  ImGui::PushTextWrapPos(std::max(right - 1, 1.0f));
}

void text_wrapped(const char* fmt, ...) {
  const bool own = ImGui::GetCurrentWindow()->DC.TextWrapPos < 0;  // no enclosing wrap position
  if (own) push_text_wrap(0);
  va_list args;
  va_start(args, fmt);
  ImGui::TextV(fmt, args);
  va_end(args);
  if (own) ImGui::PopTextWrapPos();
}

void same_line_if_fits(float width, float spacing) {
  const float right = ImGui::GetWindowPos().x + ImGui::GetWindowContentRegionMax().x;
  const float gap = spacing >= 0 ? spacing : ImGui::GetStyle().ItemSpacing.x;
  if (ImGui::GetItemRectMax().x + gap + width <= right) ImGui::SameLine(0, spacing);
}

}  // namespace aelab::app
