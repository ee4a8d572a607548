// aelab: with no subcommand, the window; with one, the same work headless.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_registry.hpp"
#include "cli/exit_codes.hpp"
#include "core/error.hpp"
#include "core/paths.hpp"
#include "runs/store_wait.hpp"

#ifdef AELAB_HAS_APP
#include "app/app_main.hpp"
#endif

namespace aelab::cli {

GlobalOptions& global_options() {
  static GlobalOptions options;
  return options;
}

std::filesystem::path data_dir() {
  const std::string& d = global_options().data_dir;
  return d.empty() ? default_data_dir() : std::filesystem::path(d);
}

std::filesystem::path runs_db() {
  const GlobalOptions& g = global_options();
  if (!g.runs_db.empty()) return g.runs_db;
  if (!g.data_dir.empty()) return std::filesystem::path(g.data_dir) / "runs.sqlite";
  return default_runs_db();
}

namespace {
std::multimap<int, CommandAdder>& registry() {
  static std::multimap<int, CommandAdder> adders;
  return adders;
}
}  // namespace

RegisterCommands::RegisterCommands(int order, CommandAdder adder) {
  registry().emplace(order, std::move(adder));
}

void add_registered_commands(CLI::App& app) {
  for (auto& [order, adder] : registry()) adder(app);
}

}  // namespace aelab::cli

namespace {

// OpenMP threads that sleep as soon as they wait (OMP_WAIT_POLICY=passive, once the window's
// choice) wake and sleep ~1,400 times a second in a training step's gaps between oneDNN calls; on
// a VM every sleep idles a virtual CPU, which the host then gives away: 10-30 % steal time and a
// run training in the window at 0.57-0.80 of headless, against 0-3 % and 0.87-0.94 when they spin
// first (2026-12-03, scripts/window_training_speed.sh prints the steal). A spin of ~100k
// iterations between oneDNN calls is also worth 7 points of GEMM peak at two threads on the
// study MLP, so every mode spins that long before it sleeps (libgomp's default spins 3x longer;
// an idle window has no OpenMP thread waiting, so nothing spins). libgomp reads the variable
// once, when it loads, so the only way to choose for the user is to start again with it set. An
// explicit OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
void choose_openmp_wait_policy(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  setenv("GOMP_SPINCOUNT", "100000", 1);
  execv("/proc/self/exe", argv);  // returns only on failure: then run with the default policy
}

}  // namespace

int main(int argc, char** argv) {
  using namespace aelab;
  CLI::App app{
      "aelab: a lab for optimisers and autoencoders on MNIST.\n"
      "Without a subcommand it opens the window."};
  app.set_version_flag("--version", "aelab 0.1");
  auto& g = cli::global_options();
  app.add_option("--data-dir", g.data_dir, "Data directory (default $XDG_DATA_HOME/aelab)");
  app.add_option("--runs-db", g.runs_db, "Run store (default <data dir>/runs.sqlite)");
#ifdef AELAB_HAS_APP
  app::WindowOptions window;
  app::add_window_options(app, window);
#endif
  cli::add_registered_commands(app);
  choose_openmp_wait_policy(argv);
  // A command that waits for a busy run store says so on a terminal (one line, overwritten; a
  // training shows it in its progress line instead).
  if (isatty(STDERR_FILENO))
    runs::set_default_store_wait_listener([](const runs::StoreWait& w) {
      if (w.done)
        std::fputs("\r\033[K", stderr);
      else
        std::fprintf(stderr, "\raelab: %s\033[K", runs::store_wait_text(w).c_str());
      std::fflush(stderr);
    });
  try {
    app.parse(argc, argv);
#ifdef AELAB_HAS_APP
    if (app.get_subcommands().empty()) {
      window.data_dir = cli::data_dir().string();
      window.runs_db = cli::runs_db().string();
      return app::run_window(window);
    }
#else
    if (app.get_subcommands().empty()) {
      std::fputs(app.help().c_str(), stdout);
      return 0;
    }
#endif
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version: printed to stdout, exit 0
  } catch (const CLI::ParseError& e) {
    return cli::report_error(cli::ErrorKind::parse, e.what(), cli::command_path(app));
  } catch (const InputError& e) {
    return cli::report_error(cli::ErrorKind::input, e.what());
  } catch (const nlohmann::json::exception& e) {
    // JSON only ever comes from outside (preset files, flags, rows of the run store); the readers
    // turn what they check into InputError, the rest is still the input's fault.
    return cli::report_error(cli::ErrorKind::input, std::string("malformed JSON: ") + e.what());
  } catch (const std::exception& e) {
    return cli::report_error(cli::ErrorKind::unexpected, e.what());
  }
  return 0;
}
