#pragma once
// Each cli/*.cpp file registers its subcommands with a file-scope AELAB_REGISTER_COMMANDS block,
// so adding a subcommand touches one file. Commands call library functions only; the window calls
// the same ones.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace aelab::cli {

// Options every subcommand may read (set on the top-level app).
struct GlobalOptions {
  std::string data_dir;  // empty: default_data_dir()
  std::string runs_db;   // empty: default_runs_db()
};
[[nodiscard]] GlobalOptions& global_options();
// The data directory and run store in force (flags, then environment, then XDG defaults).
[[nodiscard]] std::filesystem::path data_dir();
[[nodiscard]] std::filesystem::path runs_db();

// For unsigned options such as seeds: only digits, since CLI11 would turn "-1" into 2^64 - 1.
[[nodiscard]] inline CLI::Validator whole_number_at_least_0() {
  return CLI::Validator(
      [](std::string& s) -> std::string {
        if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos)
          return "must be a whole number >= 0, got '" + s + "'";
        return "";
      },
      "UINT");
}

// Every --json output: one document on stdout. Text that is not UTF-8 (a run an older aelab named
// with broken bytes) comes out as U+FFFD instead of failing the whole output.
inline void print_json(const nlohmann::json& j, int indent = -1) {
  std::printf("%s\n", j.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

using CommandAdder = std::function<void(CLI::App&)>;
struct RegisterCommands {
  RegisterCommands(int order, CommandAdder adder);
};
void add_registered_commands(CLI::App& app);

}  // namespace aelab::cli

#define AELAB_CLI_CONCAT2(a, b) a##b
#define AELAB_CLI_CONCAT(a, b) AELAB_CLI_CONCAT2(a, b)
// AELAB_REGISTER_COMMANDS(order) { ...add subcommands to `app`... }
#define AELAB_REGISTER_COMMANDS(order)                                                    \
  static void AELAB_CLI_CONCAT(aelab_cli_add_, __LINE__)(CLI::App & app);                 \
  static const ::aelab::cli::RegisterCommands AELAB_CLI_CONCAT(aelab_cli_reg_, __LINE__)( \
      order, AELAB_CLI_CONCAT(aelab_cli_add_, __LINE__));                                 \
  static void AELAB_CLI_CONCAT(aelab_cli_add_, __LINE__)(CLI::App & app)
