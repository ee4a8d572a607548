// The step profile: what a Linear layer's forward and backward record, with the GEMMs' FLOPs
// counted by hand, nothing recorded while no profile is on, and a Sequential's per-layer entries.
#include <catch2/catch.hpp>

#include "core/rng.hpp"
#include "nn/conv.hpp"
#include "nn/linear.hpp"
#include "nn/pool.hpp"
#include "nn/reshape.hpp"
#include "nn/sequential.hpp"
#include "nn/step_profile.hpp"

using namespace aelab;
using namespace aelab::nn;

namespace {

const ProfileEntry* find(const StepProfile& p, const std::string& suffix) {
  for (const ProfileEntry& e : p.entries())
    if (e.name.size() >= suffix.size() &&
        e.name.compare(e.name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return &e;
  return nullptr;
}

}  // namespace

TEST_CASE("A Linear layer records its GEMMs and element-wise passes into the step profile") {
  // in % 256 == 0 and the copy forced: backward reads a W^T copy, whose reorder is profiled too
  nn::detail::set_transposed_copy(nn::detail::TransposedCopy::always);
  struct Restore {
    ~Restore() { nn::detail::set_transposed_copy(nn::detail::TransposedCopy::automatic); }
  } restore;
  Rng rng(1);
  Linear layer(512, 24, rng, Activation::relu);
  Tensor x({8, 512});
  for (float& v : x.span()) v = float(rng.normal());
  Tensor dy({8, 24}, 1.0f);

  StepProfile prof;
  {
    ProfileOn on(prof);
    for (int step = 0; step < 3; ++step) {
      (void)layer.forward(x);
      (void)layer.backward(dy);
    }
  }
  const double gemm = 2.0 * 8 * 512 * 24;
  const ProfileEntry* fwd = find(prof, "forward GEMM (+ bias, activation)");
  const ProfileEntry* wgrad = find(prof, "weight-gradient GEMM (dz^T x)");
  const ProfileEntry* xgrad = find(prof, "input-gradient GEMM (dz W)");
  REQUIRE(fwd);
  REQUIRE(wgrad);
  REQUIRE(xgrad);
  CHECK(fwd->calls == 3);
  CHECK(fwd->flops == 3 * gemm);
  CHECK(wgrad->flops == 3 * gemm);
  CHECK(xgrad->flops == 3 * gemm);
  CHECK(fwd->name == "Linear(512 -> 24) + relu: forward GEMM (+ bias, activation)");
  REQUIRE(find(prof, "activation backward"));
  REQUIRE(find(prof, "bias gradient"));
  REQUIRE(find(prof, "W transposed copy"));
  CHECK(find(prof, "W transposed copy")->flops == 0);
  CHECK(prof.entries().size() == 6);
  CHECK(prof.total_seconds() > 0);

  // Switched off again: further steps leave the profile as it was.
  (void)layer.forward(x);
  (void)layer.backward(dy);
  CHECK(fwd->calls == 3);
}

TEST_CASE("StepProfile sums repeated parts and keeps first-seen order") {
  StepProfile p;
  p.add("b", 0.5, 0);
  p.add("a", 0.25, 10);
  p.add("b", 0.5, 0);
  REQUIRE(p.entries().size() == 2);
  CHECK(p.entries()[0].name == "b");
  CHECK(p.entries()[0].seconds == 1.0);
  CHECK(p.entries()[0].calls == 2);
  CHECK(p.entries()[1].flops == 10);
  CHECK(p.total_seconds() == 1.25);
}

TEST_CASE("A Sequential times the layers that do not profile themselves, once each") {
  // Conv, pool and flatten get one entry per pass from the Sequential; the Linear records its own
  // parts and gets no whole-layer entry on top (that would count its time twice).
  Rng rng(2);
  Sequential net;
  net.add<Conv2d>(1, 4, 3, 1, 1, rng, Activation::relu);
  net.add<MaxPool2d>(2, 2);
  net.add<Flatten>();
  net.add<Linear>(4 * 3 * 3, 2, rng);
  Tensor x({3, 1, 6, 6});
  for (float& v : x.span()) v = float(rng.normal());
  StepProfile prof;
  {
    ProfileOn on(prof);
    (void)net.forward(x);
    (void)net.backward(Tensor({3, 2}, 1.0f));
  }
  std::vector<std::string> names;
  for (const ProfileEntry& e : prof.entries()) names.push_back(e.name);
  INFO(Catch::Detail::stringify(names));
  REQUIRE(find(prof, "Conv2d(1 -> 4, k3 s1 p1) + relu: forward"));
  REQUIRE(find(prof, "Conv2d(1 -> 4, k3 s1 p1) + relu: backward"));
  REQUIRE(find(prof, "MaxPool2d(k2 s2): forward"));
  REQUIRE(find(prof, "MaxPool2d(k2 s2): backward"));
  REQUIRE(find(prof, "Flatten: backward"));
  CHECK(find(prof, "Conv2d(1 -> 4, k3 s1 p1) + relu: forward")->calls == 1);
  CHECK_FALSE(find(prof, "Linear(36 -> 2): forward"));
  CHECK(find(prof, "Linear(36 -> 2): forward GEMM (+ bias, activation)"));
  // Every entry is a distinct part: the conv, pool and flatten passes plus the Linear's own.
  CHECK(prof.entries().size() == 6 + 4);
}
