#pragma once
// Experiment presets: named autoencoder configs kept as data in assets/presets/*.json (embedded
// into the binary at build time), read by the window, the CLI and the report alike.
//
// Adding a preset: drop a file into assets/presets/ (re-run cmake so the glob sees it):
//   {"name": "<file stem>", "title": "one line for a list", "group": "<optional>",
//    "config": { ...keys of train::to_json(AeTrainConfig), any subset... }}
// The config is applied over a base config (the defaults, or what a panel's fields hold): only
// the keys given change. Unknown keys anywhere are refused, so a typo never goes unnoticed.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "train/ae_trainer.hpp"

namespace aelab::train {

struct Preset {
  std::string name;
  std::string title;
  std::string group;      // "" or e.g. kStudyGroup
  nlohmann::json config;  // a partial to_json(AeTrainConfig)
};

inline constexpr const char* kStudyGroup = "study";              // study-L2, -L16, -L256
inline constexpr const char* kClusteringPreset = "clustering";   // clustering_recipe()
inline constexpr const char* kAdversarialPreset = "b-defaults";  // the Blur & dis_net panel's (b)

// The embedded presets, by name. Parsed once; a malformed embedded file is a build mistake
// (std::logic_error naming it), which the tests catch.
[[nodiscard]] const std::vector<Preset>& presets();
// InputError naming the known ones when there is no preset `name`.
[[nodiscard]] const Preset& preset(std::string_view name);
// The presets of a group, by name.
[[nodiscard]] std::vector<Preset> preset_group(std::string_view group);

// A preset from JSON; `where` names it in messages (a file path). InputError: not an object, an
// unknown or missing key, a value of the wrong type, or a config that does not apply (below).
[[nodiscard]] Preset parse_preset(const nlohmann::json& j, const std::string& where);
// A preset file (the same format); InputError when it cannot be read or parsed.
[[nodiscard]] Preset read_preset_file(const std::filesystem::path& path);

// `base` with the preset's config keys over it, validated (InputError naming the setting).
[[nodiscard]] AeTrainConfig apply_preset(const Preset& preset, const AeTrainConfig& base = {});

}  // namespace aelab::train
