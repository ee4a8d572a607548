#pragma once
// What the CLI tests read back from a finished `aelab` process: exit code, stdout, stderr.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace aelab::test
