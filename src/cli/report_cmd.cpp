// aelab report: the whole study in one command (report/study.hpp): report.md, report.html,
// metrics.json and figures/*.png in --out, with a progress line per section and an overall ETA.
// The window's File -> "Study report..." runs the same report::run_study.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "report/study.hpp"
#include "report/study_writer.hpp"

namespace aelab::cli {
namespace {

struct ReportOptions {
  report::StudyOptions study;
  std::string out;
  std::string source_dir;
  std::vector<std::string> sections;
  bool strict = false;
};

std::atomic<bool> g_cancel{false};
void on_sigint(int) {
  g_cancel.store(true);
}

std::string clock_text(double seconds) {
  if (!(seconds >= 0) || seconds > 1e6) return "--:--";
  const int s = int(seconds + 0.5);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", s / 60, s % 60);
  return buf;
}

int run_report(ReportOptions& o) {
  report::StudyOptions& s = o.study;
  s.sections = o.sections;
  s.data_dir = data_dir();
  s.runs_db = runs_db();
  s.source_dir = o.source_dir;
  report::validate(s);  // unknown section, seeds, ...
  const std::filesystem::path out =
      o.out.empty() ? std::filesystem::path("aelab-report") : std::filesystem::path(o.out);
  report::check_output_dir(out);

  const bool tty = isatty(STDERR_FILENO);
  std::string last_section;
  double last_logged = -1;
  auto progress = [&](const report::StudyProgress& p) {
    if (p.section != last_section) {
      if (tty && !last_section.empty()) std::fprintf(stderr, "\n");
      last_section = p.section;
    }
    // A log (not a terminal) gets a line at each section's end and every 5 %.
    // Not at a section's start, so a refusal there (a run still running elsewhere) stays the
    // only line.
    if (!tty && p.section_fraction < 1 &&
        (p.section_fraction <= 0 || p.overall_fraction < last_logged + 0.05))
      return;
    last_logged = p.overall_fraction;
    std::fprintf(stderr, "%s[%d/%d %s] %3.0f%%  overall %3.0f%%  ETA %s  %s%s", tty ? "\r" : "",
                 p.index + 1, p.count, p.section.c_str(), 100 * p.section_fraction,
                 100 * p.overall_fraction, clock_text(p.eta_seconds).c_str(),
                 p.line.substr(0, 70).c_str(), tty ? "\033[K" : "\n");
    std::fflush(stderr);
  };
  g_cancel.store(false);
  auto previous = std::signal(SIGINT, on_sigint);
  report::StudyReport r;
  try {
    r = report::run_study(s, progress, &g_cancel);
  } catch (const report::StudyCancelled&) {
    std::signal(SIGINT, previous);
    std::fprintf(stderr,
                 "\nreport cancelled: nothing written; finished runs stay in the store "
                 "and a rerun continues from them\n");
    return 130;
  } catch (...) {
    std::signal(SIGINT, previous);
    if (tty) std::fprintf(stderr, "\r\033[K");  // the error replaces the progress line
    throw;
  }
  std::signal(SIGINT, previous);
  if (tty) std::fprintf(stderr, "\n");
  report::write_study(r, out);
  const std::filesystem::path abs = std::filesystem::absolute(out);
  std::printf("%d of %d claims passed%s\n", r.claim_count() - r.failed_claims(), r.claim_count(),
              r.failed_claims() ? " (see the FAILED rows)" : "");
  for (const auto& sec : r.sections)
    for (const auto& c : sec.claims)
      if (!c.passed)
        std::printf("  FAILED [%s] %s: %s\n", sec.id.c_str(), c.text.c_str(),
                    c.numbers.dump().c_str());
  std::printf("wrote %s/report.md, report.html, metrics.json and figures/\n", abs.c_str());
  return o.strict && r.failed_claims() > 0 ? 1 : 0;
}

}  // namespace

AELAB_REGISTER_COMMANDS(60) {
  auto o = std::make_shared<ReportOptions>();
  auto* cmd = app.add_subcommand(
      "report", "The whole study in one report: Markdown, HTML, metrics JSON and figures");
  cmd->add_option("--out", o->out, "Folder to write (default ./aelab-report)");
  cmd->add_option("--dataset", o->study.dataset, "mnist-10k, fashion or mnist")
      ->capture_default_str();
  cmd->add_option("--data", o->source_dir, "Folder holding the dataset's four IDX files");
  cmd->add_option("--seeds", o->study.seeds, "Seeds per autoencoder run (1-10)")
      ->capture_default_str();
  cmd->add_flag("--quick", o->study.quick, "Few epochs: the same sections and claims in ~1 min");
  cmd->add_flag("--fresh", o->study.fresh, "Retrain even runs the store already has");
  cmd->add_flag("--strict", o->strict, "Exit 1 when any claim fails");
  cmd->add_option("--sections", o->sections, "Comma-separated section ids (default q1,q2a,q2b)")
      ->delimiter(',');
  cmd->add_option("--limit", o->study.limit, "At most this many samples per split (0 = all)");
  cmd->add_option("--threads", o->study.threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  cmd->callback([o] {
    const int rc = run_report(*o);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace aelab::cli
