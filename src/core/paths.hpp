#pragma once
// Where aelab keeps things: the data directory (datasets, the run store) and the config directory
// (window layout). XDG paths, overridable with AELAB_DATA_DIR / AELAB_CONFIG_DIR or flags.
#include <filesystem>

namespace aelab {

[[nodiscard]] std::filesystem::path default_data_dir();    // $XDG_DATA_HOME/aelab
[[nodiscard]] std::filesystem::path default_config_dir();  // $XDG_CONFIG_HOME/aelab
[[nodiscard]] std::filesystem::path default_runs_db();     // <data dir>/runs.sqlite

}  // namespace aelab
