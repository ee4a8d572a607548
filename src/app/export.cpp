#include "app/export.hpp"

#include <imgui.h>

#include <cstdlib>

namespace aelab::app {

namespace fs = std::filesystem;

fs::path default_export_dir() {
  if (const char* d = std::getenv("AELAB_EXPORT_DIR"); d && *d) return fs::path(d);
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / "aelab-exports";
  std::error_code ec;
  fs::path tmp = fs::temp_directory_path(ec);
  return (ec ? fs::path("/tmp") : tmp) / "aelab-exports";
}

std::string export_file_name(std::string_view base, std::string_view ext, const std::tm& when) {
  std::string name;
  for (unsigned char c : base) {
    const bool awkward = c < 0x20 || c == 0x7f || c == ' ' || c == '/' || c == '\\' || c == ':' ||
                         c == '*' || c == '?' || c == '"' || c == '<' || c == '>' || c == '|';
    name += awkward ? '-' : static_cast<char>(c);
  }
  if (name.empty()) name = "export";
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M", &when);
  name += "-";
  name += stamp;
  if (!ext.empty()) {
    name += ".";
    name += ext;
  }
  return name;
}

fs::path unique_export_path(const fs::path& dir, std::string_view base, std::string_view ext) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  const fs::path first = dir / export_file_name(base, ext, local);
  std::error_code ec;
  if (!fs::exists(first, ec)) return first;
  const std::string stem = first.stem().string(), dot_ext = first.extension().string();
  for (int n = 2;; ++n) {
    fs::path p = dir / (stem + "-" + std::to_string(n) + dot_ext);
    if (!fs::exists(p, ec)) return p;
  }
}

std::string ExportResult::status_line() const {
  if (ok()) return "wrote " + path.string();
  return "could not write " + path.string() + ": " + error;
}

namespace {

// The folder exists (or the error says why not).
std::string make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message();
  return {};
}

}  // namespace

ExportResult export_text(std::string_view text, std::string_view base, std::string_view ext,
                         const fs::path& dir) {
  ExportResult r;
  r.path = dir / export_file_name(base, ext, std::tm{});
  if (std::string e = make_dir(dir); !e.empty()) {
    r.error = e;
    return r;
  }
  try {
    r.path = unique_export_path(dir, base, ext);
    report::write_text_atomic(r.path, text);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

ExportResult export_table(const report::Table& table, std::string_view base,
                          report::TableFormat format, const fs::path& dir) {
  return export_text(report::to_text(table, format), base, report::extension(format), dir);
}

void report_export(AppContext& ctx, const ExportResult& r) {
  ctx.report(r.status_line(), !r.ok());
}

fs::path export_png(AppContext& ctx, const ScreenRect& rect, std::string_view base,
                    const fs::path& dir) {
  if (rect.empty()) {
    ctx.report("nothing to save as PNG yet (" + std::string(base) + " has not been drawn)", true);
    return {};
  }
  if (std::string e = make_dir(dir); !e.empty()) {
    ctx.report("could not save " + std::string(base) + ".png: " + e, true);
    return {};
  }
  fs::path path = unique_export_path(dir, base, "png");
  ctx.request_capture(rect.min, rect.max, path.string(), [&ctx, path](const std::string& error) {
    if (error.empty())
      ctx.report("wrote " + path.string());
    else
      ctx.report("could not write " + path.string() + ": " + error, true);
  });
  return path;
}

fs::path export_png_last_item(AppContext& ctx, std::string_view base, const fs::path& dir) {
  return export_png(ctx, ScreenRect{ImGui::GetItemRectMin(), ImGui::GetItemRectMax()}, base, dir);
}

}  // namespace aelab::app
