#pragma once
// The built aelab binary run through sh on a private run store: exit code, stdout and stderr.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <system_error>

namespace aelab::test {

struct Out {
  int code;
  std::string out, err;
};

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// A temporary folder with a run store (dir/runs.sqlite) the commands use through --runs-db.
struct Store {
  std::filesystem::path dir;
  Store() {
    std::random_device rd;
    dir = std::filesystem::temp_directory_path() /
          ("aelab_cli_runs_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    std::filesystem::create_directories(dir);
  }
  ~Store() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  [[nodiscard]] std::filesystem::path db() const { return dir / "runs.sqlite"; }
  // `args` go through sh (dash: no $'...'; use "$(printf ...)" for control characters).
  Out aelab(const std::string& args) const {
    return run("--runs-db '" + db().string() + "' " + args);
  }
  // Without the --runs-db this store adds.
  Out run(const std::string& args) const {
    std::string cmd = std::string("'") + AELAB_BINARY + "' " + args + " >'" +
                      (dir / "out.txt").string() + "' 2>'" + (dir / "err.txt").string() + "'";
    int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }
};

}  // namespace aelab::test
