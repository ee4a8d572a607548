#pragma once
// A StudyReport as files: DIR/report.md, DIR/report.html (one self-contained file: the figures
// inline as base64 data URIs), DIR/metrics.json (provenance, per-section metrics and every claim)
// and DIR/figures/*.png. Everything is written into a temporary folder beside DIR and renamed
// into place at the end, so DIR is never half-written: a failure or Ctrl-C leaves the previous
// DIR (if any) as it was.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "report/study.hpp"

namespace aelab::report {

[[nodiscard]] std::string study_markdown(const StudyReport& report);
[[nodiscard]] std::string study_html(const StudyReport& report);
[[nodiscard]] nlohmann::json study_metrics(const StudyReport& report);

// Refuses (InputError, one line) an output folder that cannot be written: its parent cannot be
// created or written, or DIR is an existing file, or a non-empty folder that is not a report
// (no report.md in it). Call before the work so a long report never fails at the very end.
void check_output_dir(const std::filesystem::path& dir);
// Writes everything, then renames the temporary folder to `dir` (replacing an older report).
void write_study(const StudyReport& report, const std::filesystem::path& dir);

// RFC 4648 base64, for the inline figures.
[[nodiscard]] std::string base64(std::span<const unsigned char> bytes);

}  // namespace aelab::report
