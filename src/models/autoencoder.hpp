#pragma once
// Autoencoder presets (DESIGN.md, models/):
//   mlp  — the study's 784-512-L-512-784, ReLU hidden layers, linear code, sigmoid output;
//   deep — 784-500-500-2000-L (ReLU, linear code) and its mirror, the DEC-style encoder whose
//          codes cluster well;
//   conv — conv 1->32 s2, conv 32->64 s2, dense 3136->L; mirrored with transposed convolutions.
// Every preset takes images x: (N, 1, 28, 28) and returns reconstructions of the same shape in
// [0, 1] (sigmoid output).
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "nn/sequential.hpp"

namespace aelab::models {

struct AutoencoderSpec {
  std::string preset = "mlp";  // mlp | deep | conv
  int64_t latent = 16;
};

[[nodiscard]] const std::vector<std::string>& autoencoder_presets();
// Throws InputError on an unknown preset or a latent size outside [1, 4096].
void validate(const AutoencoderSpec& spec);
[[nodiscard]] nlohmann::json to_json(const AutoencoderSpec& spec);
[[nodiscard]] AutoencoderSpec autoencoder_spec_from_json(const nlohmann::json& j);

class Autoencoder {
 public:
  Autoencoder(const AutoencoderSpec& spec, Rng& rng);

  // x: (N, 1, 28, 28) -> z: (N, L)
  const Tensor& encode(const Tensor& x) { return encoder_.forward(x); }
  // z: (N, L) -> x_hat: (N, 1, 28, 28)
  const Tensor& decode(const Tensor& z) { return decoder_.forward(z); }
  // x -> x_hat through both halves (the code stays readable in code() until the next call).
  const Tensor& forward(const Tensor& x) { return decode(encode(x)); }
  // d loss / d x_hat -> accumulates every gradient. The input gradient is never needed.
  void backward(const Tensor& dx_hat) { encoder_.backward(decoder_.backward(dx_hat)); }

  [[nodiscard]] std::vector<nn::Param*> params();
  void zero_grad();
  [[nodiscard]] const AutoencoderSpec& spec() const { return spec_; }
  [[nodiscard]] nn::Sequential& encoder() { return encoder_; }
  [[nodiscard]] nn::Sequential& decoder() { return decoder_; }
  [[nodiscard]] std::string describe() const;
  // FLOPs (2 per multiply-add) of one sample's forward pass through dense and conv layers.
  [[nodiscard]] double forward_flops_per_sample() const { return flops_per_sample_; }
  // FLOPs of one sample's training step: forward, weight gradient and input gradient of every
  // dense and conv layer but the first, whose input gradient nobody needs (the data's).
  [[nodiscard]] double training_flops_per_sample() const {
    return 3.0 * flops_per_sample_ - first_layer_flops_;
  }

 private:
  AutoencoderSpec spec_;
  nn::Sequential encoder_, decoder_;
  double flops_per_sample_ = 0;
  double first_layer_flops_ = 0;  // forward FLOPs of the first dense or conv layer
};

}  // namespace aelab::models
