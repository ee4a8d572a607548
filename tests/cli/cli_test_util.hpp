#pragma once
// The built binary run from a CLI test: its exit code, stdout and stderr, and a private store.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
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

// A scratch folder holding runs.sqlite; aelab(args) runs the binary inside it on that store.
struct CliStore {
  std::filesystem::path dir;
  std::filesystem::path db;
  explicit CliStore(const std::string& tag)
      : dir(std::filesystem::temp_directory_path() /
            ("aelab_cli_" + tag + "_" + std::to_string(::getpid()))),
        db(dir / "runs.sqlite") {
    std::filesystem::create_directories(dir);
  }
  ~CliStore() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  [[nodiscard]] Out aelab(const std::string& args) const {
    const std::string cmd = "cd '" + dir.string() + "' && '" + AELAB_BINARY + "' --runs-db '" +
                            db.string() + "' " + args + " >'" + (dir / "out.txt").string() +
                            "' 2>'" + (dir / "err.txt").string() + "'";
    const int rc = std::system(cmd.c_str());
    return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(dir / "out.txt"), slurp(dir / "err.txt")};
  }
};

}  // namespace aelab::test
