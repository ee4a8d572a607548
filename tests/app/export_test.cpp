// The export folder, file names and the table/text helpers of app/export.hpp.
#include "app/export.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace aelab;
using namespace aelab::app;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("aelab_export_test_" + std::to_string(::getpid()));
  TempDir() { fs::remove_all(path); }
  ~TempDir() { fs::remove_all(path); }
};
std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("export folder: AELAB_EXPORT_DIR, else ~/aelab-exports") {
  const char* old_dir = std::getenv("AELAB_EXPORT_DIR");
  const std::string saved = old_dir ? old_dir : "";
  ::setenv("AELAB_EXPORT_DIR", "/tmp/somewhere", 1);
  CHECK(default_export_dir() == fs::path("/tmp/somewhere"));
  ::unsetenv("AELAB_EXPORT_DIR");
  const char* home = std::getenv("HOME");
  if (home && *home) CHECK(default_export_dir() == fs::path(home) / "aelab-exports");
  if (old_dir) ::setenv("AELAB_EXPORT_DIR", saved.c_str(), 1);
}

TEST_CASE("export file names: base, local minute, extension, awkward characters replaced") {
  std::tm t{};
  t.tm_year = 2026 - 1900;
  t.tm_mon = 11;
  t.tm_mday = 1;
  t.tm_hour = 23;
  t.tm_min = 1;
  CHECK(export_file_name("confusion-run12", "csv", t) == "confusion-run12-20261201-2301.csv");
  CHECK(export_file_name("a/b c:d", "png", t) == "a-b-c-d-20261201-2301.png");
  CHECK(export_file_name("", "md", t) == "export-20261201-2301.md");
  CHECK(export_file_name("größe", "csv", t) == "größe-20261201-2301.csv");  // UTF-8 kept
}

TEST_CASE("export_text: writes a unique file in the folder and says where") {
  TempDir tmp;
  ExportResult a = export_text("x,y\r\n1,2\r\n", "curves run12", "csv", tmp.path);
  REQUIRE(a.ok());
  CHECK(a.path.parent_path() == tmp.path);
  CHECK(a.path.filename().string().rfind("curves-run12-", 0) == 0);
  CHECK(a.path.extension() == ".csv");
  CHECK(slurp(a.path) == "x,y\r\n1,2\r\n");
  CHECK(a.status_line() == "wrote " + a.path.string());
  // Same base in the same minute: a second file, the first is kept.
  ExportResult b = export_text("second", "curves run12", "csv", tmp.path);
  REQUIRE(b.ok());
  CHECK(b.path != a.path);
  CHECK(slurp(a.path) == "x,y\r\n1,2\r\n");
  CHECK(slurp(b.path) == "second");
  report::Table t;
  t.columns = {"a"};
  t.add_row({1});
  ExportResult c = export_table(t, "tbl", report::TableFormat::markdown, tmp.path);
  REQUIRE(c.ok());
  CHECK(c.path.extension() == ".md");
  CHECK(slurp(c.path) == report::to_markdown(t));
  // A file where the folder should be: an error naming it, no throw.
  std::ofstream(tmp.path / "not-a-dir") << "x";
  ExportResult bad = export_text("x", "t", "csv", tmp.path / "not-a-dir");
  CHECK(!bad.ok());
  CHECK(bad.status_line().rfind("could not write", 0) == 0);
  CHECK(bad.status_line().find("not-a-dir") != std::string::npos);
}
