// Writes the stored-JSON fuzzer's seeds: OUT_DIR/json/<reader>, first byte = the reader (see
// fuzz_stored_json.cpp), then the JSON aelab itself writes. Usage: aelab_fuzz_json_seeds OUT_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "models/autoencoder.hpp"
#include "optim/optimizer_json.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/presets.hpp"

namespace fs = std::filesystem;
using namespace aelab;

namespace {

void put(const fs::path& p, int reader, const nlohmann::json& j) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << static_cast<char>(reader) << j.dump();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: aelab_fuzz_json_seeds OUT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1];
  // Stored JSON, one seed per reader (the numbering of fuzz_stored_json.cpp).
  put(out / "json/ae", 0, train::to_json(train::AeTrainConfig{}));
  put(out / "json/disnet", 1, train::to_json(train::DisNetConfig{}));
  put(out / "json/classifier", 2, train::to_json(train::ClassifierConfig{}));
  put(out / "json/spec", 3, models::to_json(models::AutoencoderSpec{}));
  put(out / "json/optimizer", 4, optim::to_json(optim::OptimizerConfig{}));
  for (const train::Preset& p : train::presets())
    put(out / ("json/preset-" + p.name), 5,
        {{"name", p.name}, {"title", p.title}, {"group", p.group}, {"config", p.config}});
  return 0;
}
