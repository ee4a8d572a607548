// The Report panel (see study_report.hpp).
#include "app/panels/study_report.hpp"

#include <stb_image.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "app/export.hpp"
#include "app/widgets/text_wrap.hpp"
#include "report/study_writer.hpp"

namespace aelab::app {

namespace {
const ImVec4 kRed(1.0f, 0.38f, 0.33f, 1.0f);
const ImVec4 kGreen(0.45f, 0.85f, 0.45f, 1.0f);

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}
}  // namespace

StudyReportPanel::StudyReportPanel(AppContext& ctx) : ctx_(ctx) {
  const std::string def = (default_export_dir() / "study-report").string();
  std::snprintf(out_dir_, sizeof out_dir_, "%s", def.c_str());
}

void StudyReportPanel::save(nlohmann::json& out) const {
  out["seeds"] = seeds_.value;
  out["quick"] = quick_;
  out["limit"] = limit_.value;
  out["out"] = std::string(out_dir_);
}

void StudyReportPanel::load(const nlohmann::json& in) {
  if (!in.is_object()) return;
  try {
    const int64_t s = in.value("seeds", seeds_.value);
    if (check_rule(seeds_.rule, s).empty()) seeds_.set_value(s);
    quick_ = in.value("quick", quick_);
    const int64_t l = in.value("limit", limit_.value);
    if (check_rule(limit_.rule, l).empty()) limit_.set_value(l);
    const std::string out = in.value("out", std::string(out_dir_));
    if (!out.empty()) std::snprintf(out_dir_, sizeof out_dir_, "%s", out.c_str());
  } catch (const nlohmann::json::exception&) {
  }
}

void StudyReportPanel::start() {
  report::StudyOptions o;
  o.seeds = int(seeds_.value);
  o.quick = quick_;
  o.fresh = fresh_;
  o.limit = limit_.value;
  o.data_dir = ctx_.launch().data_dir;
  o.runs_db = ctx_.launch().runs_db;
  const std::filesystem::path out = out_dir_;
  const std::string inputs =
      std::string(quick_ ? "quick" : "full") + ", " + std::to_string(o.seeds) + " seed(s)" +
      (o.limit ? ", limit " + std::to_string(o.limit) : "") + ", to " + out.string();
  open_message_.clear();
  job_.start(ctx_.jobs(), "study report", inputs, [o, out](train::JobContext& jc) {
    report::check_output_dir(out);
    std::atomic<bool> cancel{false};
    Result r;
    r.report = report::run_study(
        o,
        [&](const report::StudyProgress& p) {
          cancel = jc.cancel_requested();
          jc.report_progress(p.overall_fraction, "[" + std::to_string(p.index + 1) + "/" +
                                                     std::to_string(p.count) + " " + p.section +
                                                     "] " + p.line);
        },
        &cancel);
    if (cancel) throw train::JobCancelled();
    jc.report_progress(1, "writing the report");
    report::write_study(r.report, out);
    r.out = std::filesystem::absolute(out);
    return r;
  });
}

// The figures of a new result as textures (UI thread).
void StudyReportPanel::adopt() {
  figures_.clear();
  const Result* r = job_.result();
  if (!r) return;
  for (const report::SectionResult& s : r->report.sections)
    for (const report::Figure& f : s.figures) {
      int w = 0, h = 0, n = 0;
      unsigned char* px = stbi_load_from_memory(f.png.data(), int(f.png.size()), &w, &h, &n, 4);
      if (!px) continue;
      Shown shown{s.id, f.caption, {}};
      shown.texture.upload_rgba8(w, h, px, gl::Filter::nearest);
      stbi_image_free(px);
      figures_.push_back(std::move(shown));
    }
}

void StudyReportPanel::draw() {
  if (job_.poll()) adopt();
  draw_controls();
  if (job_.result()) {
    draw_claims();
    draw_figures();
  }
  log_state();
}

void StudyReportPanel::draw_controls() {
  text_wrapped(
      "The whole study in one job: Q1 (optimisers on the bump), Q2(a) (autoencoders at L = 2, "
      "16, 256) and Q2(b) (dis_net), every finding checked. Runs already in the store are "
      "reused. The same report as `aelab report`.");
  ImGui::BeginDisabled(job_.running());
  number_field("seeds", seeds_, ImGui::GetFontSize() * 4);
  ctx_.note_item("report:seeds");
  same_line_if_fits(ImGui::GetFontSize() * 9);
  number_field("limit", limit_, ImGui::GetFontSize() * 5);
  ctx_.note_item("report:limit");
  same_line_if_fits(ImGui::GetFontSize() * 6);
  ImGui::Checkbox("quick", &quick_);
  ctx_.note_item("report:quick");
  same_line_if_fits(ImGui::GetFontSize() * 6);
  ImGui::Checkbox("fresh", &fresh_);
  ImGui::SetNextItemWidth(std::max(ImGui::GetContentRegionAvail().x - ImGui::GetFontSize() * 6,
                                   ImGui::GetFontSize() * 8));
  ImGui::InputText("folder", out_dir_, sizeof out_dir_);
  ImGui::EndDisabled();
  if (job_.running()) {
    if (ImGui::Button("Cancel")) job_.cancel();
    ctx_.note_item("report:cancel");
    ImGui::SameLine();
    ImGui::ProgressBar(float(job_.progress()), ImVec2(-1, 0), nullptr);
    text_wrapped("%s", job_.status().c_str());
  } else {
    ImGui::BeginDisabled(!all_valid(seeds_, limit_) || out_dir_[0] == 0);
    if (ImGui::Button("Write report")) start();
    ctx_.note_item("report:start");
    ImGui::EndDisabled();
  }
  if (!job_.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kRed);
    text_wrapped("%s", job_.error().c_str());
    ImGui::PopStyleColor();
  }
}

void StudyReportPanel::draw_claims() {
  const Result& r = *job_.result();
  ImGui::Separator();
  const int n = r.report.claim_count(), failed = r.report.failed_claims();
  text_wrapped("%d of %d claims passed. Written to %s (%s)", n - failed, n, r.out.c_str(),
               job_.inputs().c_str());
  if (ImGui::Button("Open folder")) open_folder();
  ctx_.note_item("report:open");
  if (!open_message_.empty()) {
    ImGui::SameLine();
    text_wrapped("%s", open_message_.c_str());
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_ScrollY;
  const float h = std::min(ImGui::GetTextLineHeightWithSpacing() * (n + 2),
                           std::max(ImGui::GetContentRegionAvail().y * 0.4f, 80.0f));
  if (ImGui::BeginTable("claims", 4, flags, ImVec2(0, h))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("section", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("claim", ImGuiTableColumnFlags_WidthStretch, 3);
    ImGui::TableSetupColumn("numbers", ImGuiTableColumnFlags_WidthStretch, 2);
    ImGui::TableSetupColumn("result", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableHeadersRow();
    for (const report::SectionResult& s : r.report.sections)
      for (const report::Claim& c : s.claims) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(s.id.c_str());
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", c.text.c_str());
        ImGui::TableNextColumn();
        ImGui::TextWrapped("%s", c.numbers.dump().c_str());
        ImGui::TableNextColumn();
        ImGui::TextColored(c.passed ? kGreen : kRed, "%s", c.passed ? "passed" : "FAILED");
      }
    ImGui::EndTable();
  }
}

void StudyReportPanel::draw_figures() {
  std::string section;
  for (const Shown& f : figures_) {
    if (f.section != section) {
      section = f.section;
      ImGui::Separator();
      ImGui::TextUnformatted(section.c_str());
    }
    const float avail = ImGui::GetContentRegionAvail().x;
    const float scale = std::min(1.0f, avail / float(std::max(f.texture.width(), 1)));
    ImGui::Image(f.texture.imgui_id(),
                 ImVec2(f.texture.width() * scale, f.texture.height() * scale));
    text_wrapped("%s", f.caption.c_str());
  }
}

void StudyReportPanel::open_folder() {
  const Result* r = job_.result();
  if (!r) return;
  const std::string cmd = "xdg-open " + shell_quote(r->out.string()) + " >/dev/null 2>&1";
  const int rc = std::system(cmd.c_str());
  open_message_ = rc == 0 ? "opened " + r->out.string()
                          : "could not open it (no xdg-open?): the report is in " + r->out.string();
  ctx_.report(open_message_, rc != 0);
}

void StudyReportPanel::log_state() {
  const std::string& path = ctx_.launch().codes_log;
  if (path.empty()) return;
  const Result* r = job_.result();
  nlohmann::json j = {{"panel", "report"},
                      {"running", job_.running()},
                      {"claims", r ? r->report.claim_count() : 0},
                      {"failed", r ? r->report.failed_claims() : 0},
                      {"figures", figures_.size()},
                      {"out", r ? r->out.string() : ""},
                      {"open", open_message_},
                      {"error", job_.error()}};
  const std::string line = j.dump();
  if (line == state_logged_) return;
  state_logged_ = line;
  std::ofstream(path, std::ios::app) << line << "\n";
}

}  // namespace aelab::app
