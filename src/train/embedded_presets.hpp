#pragma once
// The files of assets/presets/, embedded at build time (cmake/embed_presets.cmake); read them
// through train/presets.hpp.
#include <span>

namespace aelab::train::embedded {
struct PresetFile {
  const char* file_name;  // "study-L2.json"
  const char* text;
};
[[nodiscard]] std::span<const PresetFile> preset_files();
}  // namespace aelab::train::embedded
