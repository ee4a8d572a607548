#pragma once
// The Report panel (File -> "Study report..."): runs report::run_study as a Job, the same job as
// `aelab report`, with its progress; then shows the claims table (passed / FAILED with their
// numbers), each section's figures, and where the report was written, with a button that opens
// that folder (xdg-open; the path is shown when that fails).
// For window tests, with --codes-log the panel appends a JSON state line whenever what it shows
// changes: {"panel":"report","running":bool,"claims":N,"failed":N,"figures":N,"out":"...",
// "error":"..."}.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "app/gl/texture.hpp"
#include "app/job_slot.hpp"
#include "app/panel.hpp"
#include "app/widgets/number_field.hpp"
#include "report/study.hpp"

namespace aelab::app {

class StudyReportPanel : public Panel {
 public:
  explicit StudyReportPanel(AppContext& ctx);
  void draw() override;
  void save(nlohmann::json& out) const override;
  void load(const nlohmann::json& in) override;

 private:
  struct Result {
    report::StudyReport report;
    std::filesystem::path out;
  };
  struct Shown {  // one figure as a texture
    std::string section, caption;
    gl::Texture texture;
  };

  void start();
  void adopt();
  void draw_controls();
  void draw_claims();
  void draw_figures();
  void open_folder();
  void log_state();

  AppContext& ctx_;
  IntField seeds_{1, IntRule::integer_in(1, 10)};
  // Samples per split (0: all), as `aelab report --limit`.
  IntField limit_{0, IntRule::custom([](int64_t v) {
                    return v == 0 || (v >= 100 && v <= 1000000) ? std::string()
                                                                : "0 (all) or 100 and more";
                  })};
  bool quick_ = true;
  bool fresh_ = false;
  char out_dir_[512] = {};
  JobSlot<Result> job_;
  std::vector<Shown> figures_;
  std::string open_message_;
  std::string state_logged_;
};

}  // namespace aelab::app
