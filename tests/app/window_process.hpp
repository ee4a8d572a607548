#pragma once
// Helpers of the window tests that drive the built binary under a display: shell commands,
// polling for files the window writes, and a window process that is killed when the test ends.
#include <sys/wait.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace aelab::test {

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// The JSON lines of a log the window appends to (--codes-log, --layout-report), up to a line
// still being written.
inline std::vector<nlohmann::json> read_json_lines(const std::filesystem::path& p) {
  std::vector<nlohmann::json> out;
  std::istringstream in(slurp(p));
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    try {
      out.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      break;
    }
  }
  return out;
}

// Polls `ready` every 100 ms for up to `seconds`.
template <class F>
bool wait_until(F ready, double seconds) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return ready();
}

// A window started in the background by `sh("... & echo $! >pid_file")`; killed on scope exit.
struct WindowProcess {
  std::string pid;
  bool adopt(const std::filesystem::path& pid_file) {
    if (!wait_until([&] { return std::filesystem::exists(pid_file) && !slurp(pid_file).empty(); },
                    5))
      return false;
    pid = slurp(pid_file);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    return !pid.empty();
  }
  // Alive and not a zombie: the window was started by a shell that has exited, so it is reaped by
  // init, which in a container may take seconds; until then kill -0 still succeeds.
  [[nodiscard]] bool running() const {
    if (pid.empty()) return false;
    std::ifstream stat("/proc/" + pid + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');  // "pid (comm) S ...": comm may hold spaces
    if (close == std::string::npos || close + 2 >= text.size()) return false;
    return text[close + 2] != 'Z' && text[close + 2] != 'X';
  }
  ~WindowProcess() {
    if (!pid.empty()) sh("kill " + pid + " 2>/dev/null");
  }
};

}  // namespace aelab::test
