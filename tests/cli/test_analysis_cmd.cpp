// aelab kmeans / project through the built binary: bad input ends with exit code 2 and one line.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {

struct Run {
  int code;
  std::string err;
};

Run aelab(const std::string& args) {
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_cli_analysis_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path err = dir / "stderr.txt";
  std::string cmd = std::string("'") + AELAB_BINARY + "' --data-dir '" + dir.string() + "' " +
                    args + " >/dev/null 2>'" + err.string() + "'";
  int rc = std::system(cmd.c_str());
  std::ifstream in(err);
  std::stringstream ss;
  ss << in.rdbuf();
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, ss.str()};
}

size_t lines(const std::string& s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("aelab kmeans: bad input exits 2 with one line") {
  Run r = aelab("kmeans --run 42");
  CHECK(r.code == 2);
  CHECK(r.err.find("no run with id 42") != std::string::npos);
  CHECK(lines(r.err) == 1);

  r = aelab("kmeans");
  CHECK(r.code == 2);
  CHECK(r.err.find("exactly one of --run ID or --pixels") != std::string::npos);

  r = aelab("kmeans --run 1 --pixels");
  CHECK(r.code == 2);

  // The data dir is empty: no dataset for the pixel baseline, with the way to get it.
  r = aelab("kmeans --pixels");
  CHECK(r.code == 2);
  CHECK(lines(r.err) >= 1);
}

TEST_CASE("aelab project: bad input exits 2 with one line") {
  Run r = aelab("project --run 7 --method pca");
  CHECK(r.code == 2);
  CHECK(r.err.find("no run with id 7") != std::string::npos);
  r = aelab("project --run 7 --method umap");
  CHECK(r.code == 2);
  CHECK(r.err.find("pca or tsne") != std::string::npos);
  CHECK(lines(r.err) == 1);
}
