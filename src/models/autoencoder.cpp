#include "models/autoencoder.hpp"

#include "core/error.hpp"
#include "core/json_read.hpp"
#include "nn/activation.hpp"
#include "nn/conv.hpp"
#include "nn/linear.hpp"
#include "nn/reshape.hpp"

namespace aelab::models {

using nn::Activation;

const std::vector<std::string>& autoencoder_presets() {
  static const std::vector<std::string> names{"mlp", "deep", "conv"};
  return names;
}

void validate(const AutoencoderSpec& spec) {
  const auto& names = autoencoder_presets();
  if (std::find(names.begin(), names.end(), spec.preset) == names.end())
    throw InputError("unknown autoencoder preset '" + spec.preset + "' (use mlp, deep or conv)");
  if (spec.latent < 1 || spec.latent > 4096)
    throw InputError("latent size must be between 1 and 4096, got " + std::to_string(spec.latent));
}

nlohmann::json to_json(const AutoencoderSpec& spec) {
  return {{"preset", spec.preset}, {"latent", spec.latent}};
}

AutoencoderSpec autoencoder_spec_from_json(const nlohmann::json& j) {
  AutoencoderSpec spec;
  try {
    spec.preset = json_read<std::string>(j.at("preset"), "autoencoder spec: preset");
    spec.latent = json_read<int64_t>(j.at("latent"), "autoencoder spec: latent");
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("bad autoencoder spec: ") + e.what());
  }
  validate(spec);
  return spec;
}

namespace {

// An MLP stack: widths[0] -> widths[1] -> ... with ReLU between and `last` after the final layer.
double add_mlp(nn::Sequential& net, const std::vector<int64_t>& widths, Activation last, Rng& rng) {
  double flops = 0;
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    bool final_layer = i + 2 == widths.size();
    net.add<nn::Linear>(widths[i], widths[i + 1], rng, final_layer ? last : Activation::relu);
    flops += 2.0 * widths[i] * widths[i + 1];
  }
  return flops;
}

}  // namespace

Autoencoder::Autoencoder(const AutoencoderSpec& spec, Rng& rng) : spec_(spec) {
  validate(spec);
  const int64_t L = spec.latent;
  if (spec.preset == "mlp" || spec.preset == "deep") {
    std::vector<int64_t> widths = spec.preset == "mlp"
                                      ? std::vector<int64_t>{784, 512, L}
                                      : std::vector<int64_t>{784, 500, 500, 2000, L};
    encoder_.add<nn::Flatten>();  // (N, 1, 28, 28) -> (N, 784)
    first_layer_flops_ = 2.0 * widths[0] * widths[1];
    flops_per_sample_ += add_mlp(encoder_, widths, Activation::none, rng);
    std::vector<int64_t> back(widths.rbegin(), widths.rend());
    flops_per_sample_ += add_mlp(decoder_, back, Activation::sigmoid, rng);
    decoder_.add<nn::Reshape>(Shape{1, 28, 28});
  } else {  // conv
    // x: (N,1,28,28) -> (N,32,14,14) -> (N,64,7,7) -> (N,3136) -> z: (N,L)
    encoder_.add<nn::Conv2d>(1, 32, 3, 2, 1, rng, Activation::relu);
    encoder_.add<nn::Conv2d>(32, 64, 3, 2, 1, rng, Activation::relu);
    encoder_.add<nn::Flatten>();
    encoder_.add<nn::Linear>(3136, L, rng);
    // z: (N,L) -> (N,3136) -> (N,64,7,7) -> (N,32,14,14) -> x_hat: (N,1,28,28)
    decoder_.add<nn::Linear>(L, 3136, rng, Activation::relu);
    decoder_.add<nn::Reshape>(Shape{64, 7, 7});
    decoder_.add<nn::ConvTranspose2d>(64, 32, 3, 2, 1, 1, rng, Activation::relu);
    decoder_.add<nn::ConvTranspose2d>(32, 1, 3, 2, 1, 1, rng, Activation::sigmoid);
    flops_per_sample_ = 2.0 * (14 * 14 * 32 * 9 + 7 * 7 * 64 * 32 * 9 + 3136 * L) * 2;
    first_layer_flops_ = 2.0 * 14 * 14 * 32 * 9;
  }
  // Data feeds the encoder: its input gradient is never used.
  encoder_.set_needs_input_grad(false);
}

std::vector<nn::Param*> Autoencoder::params() {
  std::vector<nn::Param*> all = encoder_.params();
  for (nn::Param* p : decoder_.params()) all.push_back(p);
  return all;
}

void Autoencoder::zero_grad() {
  encoder_.zero_grad();
  decoder_.zero_grad();
}

std::string Autoencoder::describe() const {
  return "encoder:\n" + encoder_.describe() + "\ndecoder:\n" + decoder_.describe();
}

}  // namespace aelab::models
