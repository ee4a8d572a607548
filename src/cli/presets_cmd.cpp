// aelab presets list | show NAME: the experiment presets embedded from assets/presets/.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command_registry.hpp"
#include "train/presets.hpp"

namespace aelab::cli {
namespace {

void list_presets(bool json) {
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const train::Preset& p : train::presets())
      all.push_back(
          {{"name", p.name}, {"title", p.title}, {"group", p.group}, {"config", p.config}});
    print_json(all);
    return;
  }
  size_t w = 4;
  for (const train::Preset& p : train::presets()) w = std::max(w, p.name.size());
  for (const train::Preset& p : train::presets())
    std::printf("%-*s  %-6s  %s\n", static_cast<int>(w), p.name.c_str(),
                p.group.empty() ? "-" : p.group.c_str(), p.title.c_str());
}

void show_preset(const std::string& name) {
  const train::Preset& p = train::preset(name);
  nlohmann::json j = {{"name", p.name}, {"title", p.title}, {"config", p.config}};
  if (!p.group.empty()) j["group"] = p.group;
  std::printf("%s\n", j.dump(2).c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(60) {
  auto* presets = app.add_subcommand("presets", "Experiment presets (assets/presets/*.json)");
  presets->require_subcommand(1);
  auto json = std::make_shared<bool>(false);
  auto* list = presets->add_subcommand("list", "Name, group and title of every preset");
  list->add_flag("--json", *json, "Print one JSON array with the configs");
  list->callback([json] { list_presets(*json); });
  auto name = std::make_shared<std::string>();
  auto* show = presets->add_subcommand(
      "show", "A preset as JSON (a starting point for aelab train ae --preset-file)");
  show->add_option("name", *name, "Preset name")->required();
  show->callback([name] { show_preset(*name); });
}

}  // namespace aelab::cli
