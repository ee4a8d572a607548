#pragma once
// Wrapped text that stays inside the width it is wrapped to. Use these instead of
// ImGui::TextWrapped / ImGui::PushTextWrapPos:
//
//   text_wrapped("computed from %s", what.c_str());      // wraps at the content region's edge
//   push_text_wrap(ImGui::GetCursorPosX() + column_w);    // a block wrapped to a column
//   ImGui::TextDisabled("...");
//   ImGui::PopTextWrapPos();
//
// Why: ImGui 1.86 rounds a text's width up as floor(w + 0.99999f), and in float arithmetic that
// turns an exact whole width above 256 px into w + 1. A wrapped line that fills its wrap width
// exactly (a monospace font fills it whenever the width is a multiple of the glyph advance) is
// then laid out one pixel wider than the space it was wrapped into, past the pane's edge when it
// spans the pane. Wrapping one pixel short of the edge keeps the laid-out line inside it.
#include <imgui.h>

namespace aelab::app {

// PushTextWrapPos for text that must end at or before `local_x` (window coordinates, as
// PushTextWrapPos takes them; 0 = the content region's right edge). Pop with PopTextWrapPos.
void push_text_wrap(float local_x = 0);

// ImGui::SameLine() when an item `width` wide still fits on the current line after the last item
// (with `spacing`, < 0: the style's item spacing), else nothing: the next item starts a new line.
// Rows of fields and buttons wrap this way instead of running past a narrow pane.
void same_line_if_fits(float width, float spacing = -1);

// TextWrapped that ends inside the wrap position: an enclosing push_text_wrap's, else the content
// region's right edge.
void text_wrapped(const char* fmt, ...) IM_FMTARGS(1);

}  // namespace aelab::app
