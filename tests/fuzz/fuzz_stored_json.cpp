// Every reader of JSON that aelab stores and reads back: run configs (autoencoder, dis_net,
// classifier), the model spec, optimiser settings and presets. The first
// byte picks the reader, the rest is the stored text. Text that is not JSON is the store's
// problem (its own error); JSON that a reader refuses must be refused with InputError.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>

#include "fuzz_common.hpp"
#include "models/autoencoder.hpp"
#include "optim/optimizer_json.hpp"
#include "train/ae_trainer.hpp"
#include "train/classifier_trainer.hpp"
#include "train/disnet_trainer.hpp"
#include "train/presets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aelab;
  if (size < 1) return 0;
  const nlohmann::json j = nlohmann::json::parse(data + 1, data + size, nullptr, false);
  if (j.is_discarded()) return 0;
  fuzz::expect_input_error_only([&] {
    switch (data[0] % 6) {
      case 0:
        (void)train::ae_config_from_json(j);
        break;
      case 1:
        (void)train::disnet_config_from_json(j);
        break;
      case 2:
        (void)train::classifier_config_from_json(j);
        break;
      case 3:
        (void)models::autoencoder_spec_from_json(j);
        break;
      case 4:
        (void)optim::optimizer_config_from_json(j);
        break;
      case 5:
        (void)train::apply_preset(train::parse_preset(j, "fuzz.json"));
        break;
    }
  });
  return 0;
}
