#pragma once
// The exit-code contract (DESIGN.md "Errors"): 0 done; 2 the user's input was refused (a flag that
// does not parse, an impossible setting, a malformed file, an unknown run); 1 an unexpected
// failure. Either way stderr gets exactly one line, "aelab: <what>", with control characters and
// broken UTF-8 escaped, so a message quoting a stored name or a file cannot span lines or colour
// the terminal.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace aelab::cli {

inline constexpr int kExitDone = 0;
inline constexpr int kExitInput = 2;
inline constexpr int kExitUnexpected = 1;

enum class ErrorKind {
  parse,       // CLI11 could not parse the command line: exit 2, with where to find --help
  input,       // InputError and the like: exit 2
  unexpected,  // anything else: exit 1
};

// Writes the one line to stderr and returns the exit code for `kind`. `command` ("train ae"),
// when given, names the subcommand whose --help lists the flags.
int report_error(ErrorKind kind, std::string_view what, const std::string& command = "");
// The message as one printable line: newlines and tabs become spaces (runs of them one space,
// trimmed at both ends), other control characters and broken UTF-8 are escaped (\xNN).
[[nodiscard]] std::string one_line(std::string_view what);
// The subcommands selected on the command line, space-separated ("runs show"); "" for none.
[[nodiscard]] std::string command_path(const CLI::App& app);

}  // namespace aelab::cli
