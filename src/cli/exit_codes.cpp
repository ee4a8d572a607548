#include "cli/exit_codes.hpp"

#include <cstdio>

#include "runs/run_text.hpp"

namespace aelab::cli {

std::string one_line(std::string_view what) {
  std::string flat;
  flat.reserve(what.size());
  for (char c : what) {
    const bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space) {
      if (!flat.empty() && flat.back() != ' ') flat += ' ';
    } else {
      flat += c;
    }
  }
  while (!flat.empty() && flat.back() == ' ') flat.pop_back();
  return runs::printable(flat);
}

std::string command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* at = &app;
  while (true) {
    auto subs = at->get_subcommands();
    if (subs.empty()) break;
    at = subs.front();
    path += (path.empty() ? "" : " ") + at->get_name();
  }
  return path;
}

int report_error(ErrorKind kind, std::string_view what, const std::string& command) {
  std::string line = one_line(what);
  if (line.empty()) line = "failed (no message)";
  if (kind == ErrorKind::parse)
    line += " (see `aelab " + (command.empty() ? std::string() : command + " ") + "--help`)";
  std::fprintf(stderr, "aelab: %s%s\n", kind == ErrorKind::unexpected ? "error: " : "",
               line.c_str());
  return kind == ErrorKind::unexpected ? kExitUnexpected : kExitInput;
}

}  // namespace aelab::cli
