// The Report panel in the real window: File -> "Study report..." raises it, "Write report" runs
// the same job as `aelab report` (quick, 300 digits a split, set through the panel's saved
// settings), and the panel then shows every claim and figure and the folder it wrote, and says
// what happened when asked to open that folder. Skipped (WARN) without DISPLAY, xdotool or
// mnist-10k.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "app/ui_driver.hpp"
#include "core/paths.hpp"

namespace fs = std::filesystem;
using aelab::test::UiDriver;

TEST_CASE("report window: File -> Study report... writes the report and shows its claims") {
  if (!aelab::test::can_drive_windows()) return;
  const auto data_dir = aelab::test::window_test_data_dir();
  if (!data_dir) return;
  const fs::path dir =
      fs::temp_directory_path() / ("aelab_report_gui_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "config");
  const fs::path out = dir / "rep";
  std::ofstream(dir / "config" / "panels.json") << nlohmann::json{
      {"version", 1},
      {"panels",
       {{"report",
         {{"seeds", 1},
          {"quick", true},
          {"limit", 300},
          {"out", out.string()}}}}}}.dump();
  const std::string bin = std::string("'") + AELAB_BINARY + "' --data-dir '" + data_dir->string() +
                          "' --runs-db '" + (dir / "runs.sqlite").string() + "'";
  UiDriver ui(dir, bin + " --panel playground --width 1280 --height 720 --codes-log '" +
                       (dir / "codes.jsonl").string() + "'");
  REQUIRE(ui.ok());
  INFO(ui.log());
  REQUIRE(ui.click("menu:File"));
  REQUIRE(ui.click("file:report"));
  REQUIRE(ui.state([](const auto& s) { return s["visible"] == nlohmann::json{"report"}; }));
  REQUIRE(ui.click("report:start"));

  // The panel's own state lines (--codes-log): running, then the finished report.
  const fs::path log = dir / "codes.jsonl";
  nlohmann::json last;
  const bool done = aelab::test::wait_until(
      [&] {
        for (const auto& j : aelab::test::read_json_lines(log))
          if (j.value("panel", "") == "report") last = j;
        return last.value("claims", 0) > 0 || !last.value("error", "").empty();
      },
      420);
  INFO(last.dump());
  REQUIRE(done);
  CHECK(last["error"] == "");
  CHECK(last["claims"] == 15);
  CHECK(last["figures"] == 14);
  CHECK(last["out"] == fs::absolute(out).string());
  CHECK(fs::exists(out / "report.html"));
  CHECK(fs::exists(out / "metrics.json"));

  REQUIRE(ui.click("report:open"));
  CHECK(aelab::test::wait_until(
      [&] {
        for (const auto& j : aelab::test::read_json_lines(log))
          if (j.value("panel", "") == "report") last = j;
        const std::string m = last.value("open", "");
        return m.find(fs::absolute(out).string()) != std::string::npos;
      },
      20));
  fs::remove_all(dir);
}
