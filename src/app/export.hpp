#pragma once
// Where the window's exports go and how they are named, and the one-call helpers a panel uses
// to write a table, a CSV text or a PNG of a screen rect there; each says where it wrote (or why
// it could not) on the status bar.
//
// The folder: $AELAB_EXPORT_DIR when set, else ~/aelab-exports (created on the first export).
// One fixed, visible folder in the home directory is easy to find from any file manager or
// shell, does not depend on the desktop's language ("Documents", "Dokumente") or on a
// user-dirs.dirs file that minimal systems lack, and every status line shows the full path.
//
//   if (tb.csv) report_export(ctx_, export_table(report::curves_table(curves), "curves-run12"));
//   if (tb.png) export_png(ctx_, frame.widget, "curves-run12");
//   -> "wrote /home/u/aelab-exports/curves-run12-20261201-2301.csv"
#include <ctime>
#include <filesystem>
#include <string>
#include <string_view>

#include "app/panel.hpp"
#include "app/widgets/screen_rect.hpp"
#include "report/table_export.hpp"

namespace aelab::app {

// $AELAB_EXPORT_DIR, else $HOME/aelab-exports, else <temp dir>/aelab-exports. Not created here.
[[nodiscard]] std::filesystem::path default_export_dir();

// "<base>-<yyyymmdd-hhmm>.<ext>" with the local time `when`; characters that are awkward in
// file names (/ \ : * ? " < > | spaces, control characters) in base become '-'.
[[nodiscard]] std::string export_file_name(std::string_view base, std::string_view ext,
                                           const std::tm& when);
// A path in dir that does not exist yet: export_file_name(now), then "-2", "-3", ... before the
// extension when two exports land in the same minute.
[[nodiscard]] std::filesystem::path unique_export_path(const std::filesystem::path& dir,
                                                       std::string_view base, std::string_view ext);

struct ExportResult {
  std::filesystem::path path;  // what was (or would have been) written
  std::string error;           // "" on success
  [[nodiscard]] bool ok() const { return error.empty(); }
  // "wrote /home/u/aelab-exports/x-20261201-2301.csv" or "could not write ...: reason".
  [[nodiscard]] std::string status_line() const;
};

// Write into dir (created on demand) under a unique timestamped name. Never throw.
ExportResult export_text(std::string_view text, std::string_view base, std::string_view ext,
                         const std::filesystem::path& dir = default_export_dir());
ExportResult export_table(const report::Table& table, std::string_view base,
                          report::TableFormat format = report::TableFormat::csv,
                          const std::filesystem::path& dir = default_export_dir());
// Puts the result's status line on the status bar (red on error).
void report_export(AppContext& ctx, const ExportResult& r);

// A PNG of the screen rect (e.g. PlotFrame::widget, Heatmap::last_rect(), ImageGrid::last_rect())
// once this frame is rendered; the status bar says where it went (or the error) a frame later.
// Returns the path it will write; an empty rect or an unusable folder is reported at once.
std::filesystem::path export_png(AppContext& ctx, const ScreenRect& rect, std::string_view base,
                                 const std::filesystem::path& dir = default_export_dir());
// The same for the last ImGui item drawn (ImGui::GetItemRectMin/Max).
std::filesystem::path export_png_last_item(AppContext& ctx, std::string_view base,
                                           const std::filesystem::path& dir = default_export_dir());

}  // namespace aelab::app
