#pragma once
// The window's colours are the report's (report/colours.hpp), so a figure in the report and the
// same view in the window look alike; plus packing for ImGui.
#include <cstdint>

#include "report/colours.hpp"

namespace aelab::app {

using report::colormap;
using report::colormap_stops;
using report::digit_palette;
using report::kColormapStops;
using report::Rgb;

// As ImGui's packed ABGR (IM_COL32 layout) with the given alpha.
[[nodiscard]] uint32_t pack_rgba(Rgb c, float alpha = 1.0f);

}  // namespace aelab::app
