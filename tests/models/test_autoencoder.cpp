#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "models/autoencoder.hpp"
#include "models/dis_net.hpp"
#include "nn/gradcheck.hpp"
#include "nn/loss.hpp"
#include "nn/params.hpp"

using namespace aelab;

namespace {
Tensor random_images(int64_t n, Rng& rng) {
  Tensor x({n, 1, 28, 28});
  for (float& v : x.span()) v = static_cast<float>(rng.uniform());
  return x;
}
}  // namespace

TEST_CASE("every preset maps images to codes of size L and back to images", "[models]") {
  Rng rng(1);
  Tensor x = random_images(3, rng);
  for (const std::string& preset : models::autoencoder_presets()) {
    for (int64_t latent : {2, 16}) {
      models::Autoencoder ae({preset, latent}, rng);
      const Tensor& z = ae.encode(x);
      REQUIRE(z.shape() == Shape{3, latent});
      Tensor zc = z;
      const Tensor& y = ae.decode(zc);
      REQUIRE(y.shape() == x.shape());
      for (float v : y.span()) REQUIRE((v >= 0.0f && v <= 1.0f));
    }
  }
}

TEST_CASE("the study MLP has the study's layer sizes", "[models]") {
  Rng rng(0);
  models::Autoencoder ae({"mlp", 16}, rng);
  // 784*512+512 + 512*16+16 + 16*512+512 + 512*784+784
  const int64_t expected = 784 * 512 + 512 + 512 * 16 + 16 + 16 * 512 + 512 + 512 * 784 + 784;
  int64_t n = 0;
  for (nn::Param* p : ae.params()) n += p->value.numel();
  REQUIRE(n == expected);
}

TEST_CASE("bad autoencoder specs are refused", "[models]") {
  REQUIRE_THROWS_AS(models::validate({"resnet", 16}), InputError);
  REQUIRE_THROWS_AS(models::validate({"mlp", 0}), InputError);
  REQUIRE_THROWS_AS(models::autoencoder_spec_from_json({{"preset", "mlp"}}), InputError);
  REQUIRE(models::autoencoder_spec_from_json({{"preset", "conv"}, {"latent", 256}}).latent == 256);
}

TEST_CASE("every preset's encoder and decoder pass the finite-difference gradient check",
          "[models]") {
  Rng rng(3);
  Tensor x = random_images(2, rng);
  for (const std::string& preset : models::autoencoder_presets()) {
    models::Autoencoder ae({preset, 4}, rng);
    ae.encoder().set_needs_input_grad(true);
    // Biases of 0.5 keep most pre-activations on the open side of the ReLUs: the check then
    // exercises the wiring instead of sampling coordinates that sit on a kink.
    for (nn::Param* p : ae.params())
      if (p->name == "bias") p->value.fill(0.5f);
    // Each layer is held to 3e-3 in tests/nn. Here up to eight float layers stack, so rounding
    // and second-order terms reach a few 1e-2; what this test guards is the wiring (a layer left
    // out of backward, a wrong reshape), which gives errors of order 1.
    nn::GradCheckOptions opt;
    nn::GradCheckReport enc = nn::check_module_gradients(ae.encoder(), x, opt);
    Tensor z = ae.encode(x);
    nn::GradCheckReport dec = nn::check_module_gradients(ae.decoder(), z, opt);
    INFO(preset << "\nencoder:\n" << enc.summary() << "\ndecoder:\n" << dec.summary());
    CHECK(enc.max_error() < 0.1);
    CHECK(dec.max_error() < 0.1);
  }
}

TEST_CASE("dis_net gives one logit and the judge ten", "[models]") {
  Rng rng(5);
  Tensor x = random_images(4, rng);
  nn::Sequential d = models::build_dis_net(rng);
  REQUIRE(d.forward(x).shape() == Shape{4, 1});
  nn::Sequential c = models::build_digit_classifier(rng);
  REQUIRE(c.forward(x).shape() == Shape{4, 10});
}
