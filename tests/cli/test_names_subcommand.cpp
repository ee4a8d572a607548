// names_subcommand: whether a command line runs a subcommand (headless) or opens the window, read
// before parsing. An option's value that happens to be a subcommand's name ("--panel runs") is
// not a subcommand.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"

namespace {

bool headless(std::vector<std::string> words) {
  CLI::App app;
  std::string panel, dir;
  bool flag = false;
  app.add_option("--panel", panel);
  app.add_option("--data-dir", dir);
  app.add_flag("--verbose", flag);
  app.add_subcommand("runs", "");
  app.add_subcommand("train", "");
  words.insert(words.begin(), "aelab");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return aelab::cli::names_subcommand(app, static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("names_subcommand: an option's value named like a subcommand opens the window") {
  CHECK_FALSE(headless({}));
  CHECK_FALSE(headless({"--panel", "runs"}));
  CHECK_FALSE(headless({"--panel", "train", "--verbose"}));
  CHECK_FALSE(headless({"--panel=runs"}));
  CHECK_FALSE(headless({"--", "runs"}));
}

TEST_CASE("names_subcommand: a subcommand after options and flags is headless") {
  CHECK(headless({"runs", "list"}));
  CHECK(headless({"--data-dir", "/tmp/x", "runs", "list"}));
  CHECK(headless({"--verbose", "train"}));
  CHECK(headless({"--data-dir=/tmp/x", "train"}));
  CHECK(headless({"--unknown", "runs"}));  // unknown options take no value: CLI11 refuses them
}
