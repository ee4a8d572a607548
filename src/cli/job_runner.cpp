#include "cli/job_runner.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <string>

namespace aelab::cli {
namespace {

std::atomic<bool> g_interrupted{false};

void on_sigint(int) {
  g_interrupted.store(true);
}

std::string format_eta(double seconds) {
  if (!(seconds >= 0) || seconds > 1e6) return "--:--";
  int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%02d:%02d", s / 60, s % 60);
  return buf;
}

}  // namespace

void run_job_in_terminal(train::Job& job, bool quiet) {
  const bool tty = !quiet && isatty(STDERR_FILENO);
  g_interrupted.store(false);
  auto previous = std::signal(SIGINT, on_sigint);
  bool cancelled = false;
  while (!job.wait_for(std::chrono::milliseconds(tty ? 200 : 500))) {
    if (g_interrupted.load() && !cancelled) {
      std::fprintf(stderr, "\ncancelling %s...\n", job.name().c_str());
      job.cancel();
      cancelled = true;
    }
    if (tty) {
      double p = job.progress();
      double t = job.elapsed_seconds();
      double eta = p > 0.001 ? t * (1 - p) / p : -1;
      constexpr int kWidth = 30;
      int filled = static_cast<int>(p * kWidth);
      std::string bar(filled, '#');
      bar.resize(kWidth, '.');
      std::fprintf(stderr, "\r[%s] %5.1f%%  ETA %s  %s\033[K", bar.c_str(), 100 * p,
                   format_eta(eta).c_str(), job.status_line().c_str());
      std::fflush(stderr);
    }
  }
  if (tty) std::fprintf(stderr, "\r\033[K");
  std::signal(SIGINT, previous);
  if (job.state() == train::JobState::failed && job.error()) std::rethrow_exception(job.error());
  if (job.state() == train::JobState::cancelled)
    throw std::runtime_error(job.name() + " was cancelled; the run is recorded as cancelled");
}

}  // namespace aelab::cli
