// aelab presets / train ae --preset-file through the built binary.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Output {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Output run_aelab(const std::string& args) {
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_cli_presets_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = std::string("cd / && '") + AELAB_BINARY + "' --data-dir '" +
                          dir.string() + "' " + args + " >'" + out.string() + "' 2>'" +
                          err.string() + "'";
  const int rc = std::system(cmd.c_str());
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, slurp(out), slurp(err)};
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("aelab presets list shows the embedded presets from any directory") {
  const Output r = run_aelab("presets list");  // run from /: nothing read from the source tree
  CHECK(r.code == 0);
  for (const char* name : {"study-L2", "study-L16", "study-L256", "clustering", "b-defaults"})
    CHECK(r.out.find(name) != std::string::npos);
  const Output show = run_aelab("presets show clustering");
  CHECK(show.code == 0);
  CHECK(show.out.find("\"cluster_epochs\": 30") != std::string::npos);
  const Output none = run_aelab("presets show nope");
  CHECK(none.code == 2);
  CHECK(lines(none.err) == 1);
}

TEST_CASE("aelab train ae --preset-file: a malformed file exits 2 with one line") {
  const fs::path p =
      fs::temp_directory_path() / ("aelab_bad_preset_" + std::to_string(::getpid()) + ".json");
  for (const char* text : {R"({"name": "m", "title": "t", "config": {"epochs": 1, "limt": 5}})",
                           R"({"name": "m", "title": "t", "config": {"epochs": 1,)",
                           R"({"name": "m", "title": "t", "config": {"latent": 2}})"}) {
    INFO(text);
    {
      std::ofstream f(p, std::ios::binary | std::ios::trunc);
      f << text;
    }
    const Output r = run_aelab("train ae --preset-file '" + p.string() + "'");
    CHECK(r.code == 2);
    CHECK(lines(r.err) == 1);
    CHECK(r.err.find(p.string()) != std::string::npos);
  }
  fs::remove(p);
  const Output missing = run_aelab("train ae --preset-file /nonexistent/x.json");
  CHECK(missing.code == 2);
  CHECK(missing.err.find("cannot open") != std::string::npos);
}
