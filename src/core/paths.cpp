#include "core/paths.hpp"

#include <cstdlib>

namespace aelab {
namespace {

std::filesystem::path xdg(const char* override_var, const char* xdg_var, const char* fallback) {
  if (const char* o = std::getenv(override_var); o && *o) return o;
  if (const char* x = std::getenv(xdg_var); x && *x) return std::filesystem::path(x) / "aelab";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / fallback / "aelab";
}

}  // namespace

std::filesystem::path default_data_dir() {
  return xdg("AELAB_DATA_DIR", "XDG_DATA_HOME", ".local/share");
}

std::filesystem::path default_config_dir() {
  return xdg("AELAB_CONFIG_DIR", "XDG_CONFIG_HOME", ".config");
}

std::filesystem::path default_runs_db() {
  if (const char* o = std::getenv("AELAB_RUNS_DB"); o && *o) return o;
  return default_data_dir() / "runs.sqlite";
}

}  // namespace aelab
