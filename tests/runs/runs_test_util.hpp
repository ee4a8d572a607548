#pragma once
// A temporary folder for a test's run store, removed with everything in it at the end.
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace aelab::test {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag = "runs_test") {
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("aelab_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace aelab::test
