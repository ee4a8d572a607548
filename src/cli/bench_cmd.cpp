// aelab bench: speed figures as ratios measured in one run (DESIGN.md; the README's table).
// Each figure sits next to its yardstick measured in the same process: the study MLP's training
// GFLOP/s against oneDNN's own f32 GEMM peak at the same thread count.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/kmeans.hpp"
#include "analysis/tsne.hpp"
#include "cli/command_registry.hpp"
#include "core/dnnl_context.hpp"
#include "models/autoencoder.hpp"
#include "models/dis_net.hpp"
#include "nn/gemm_peak.hpp"
#include "nn/loss.hpp"
#include "train/network_optimizer.hpp"

namespace aelab::cli {
namespace {

struct BenchOptions {
  int steps = 60;
  int64_t batch = 256;
  std::vector<std::string> only;  // empty: every figure
  bool json = false;
  [[nodiscard]] bool wants(const std::string& name) const {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
  }
};

using Clock = std::chrono::steady_clock;

// Samples/s of full training steps (zero grad, forward, L1, backward, Adam) of the study MLP.
double mlp_training_samples_per_s(int64_t latent, int64_t batch, int steps) {
  Rng rng(0);
  models::Autoencoder ae({"mlp", latent}, rng);
  Tensor x({batch, 1, 28, 28});
  for (float& v : x.span()) v = static_cast<float>(rng.uniform());
  auto opt = train::make_network_optimizer({}, ae.params());
  nn::L1Loss loss;
  auto step = [&] {
    ae.zero_grad();
    loss.forward(ae.forward(x), x);
    ae.backward(loss.backward());
    opt->step();
  };
  for (int i = 0; i < 5; ++i) step();  // primitives built, caches warm
  // Best of three timed blocks: a neighbour's burst of load should not set the figure.
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) step();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return double(batch) * steps / best;
}

// n points in d dimensions around 10 centres (the shape of a trained autoencoder's codes: digits
// as loose clusters), with their cluster as the label.
Tensor clustered_points(int64_t n, int64_t d, double spread, std::vector<uint8_t>& labels,
                        Rng& rng) {
  Tensor centres({10, d});
  for (float& v : centres.span()) v = static_cast<float>(rng.normal());
  Tensor x({n, d});
  labels.resize(n);
  for (int64_t i = 0; i < n; ++i) {
    labels[i] = static_cast<uint8_t>(i % 10);
    for (int64_t j = 0; j < d; ++j)
      x[i * d + j] = centres[labels[i] * d + j] + static_cast<float>(spread * rng.normal());
  }
  return x;
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// dis_net training steps (BCE on logits) at one thread: samples/s.
double disnet_samples_per_s(int64_t batch, int steps) {
  Rng rng(0);
  nn::Sequential net = models::build_dis_net(rng);
  net.set_needs_input_grad(false);
  Tensor x({batch, 1, 28, 28}), y({batch, 1});
  for (float& v : x.span()) v = static_cast<float>(rng.uniform());
  for (int64_t i = 0; i < batch; ++i) y[i] = static_cast<float>(i % 2);
  auto opt = train::make_network_optimizer({}, net.params());
  nn::BCEWithLogitsLoss loss;
  auto step = [&] {
    net.zero_grad();
    loss.forward(net.forward(x), y);
    net.backward(loss.backward());
    opt->step();
  };
  for (int i = 0; i < 3; ++i) step();
  double best = 1e30;
  for (int rep = 0; rep < 3; ++rep) {
    auto t0 = Clock::now();
    for (int i = 0; i < steps; ++i) step();
    best = std::min(best, seconds_since(t0));
  }
  return double(batch) * steps / best;
}

void run_bench(const BenchOptions& o) {
  nlohmann::json out;
  out["machine"] = {{"cores", num_threads()}};
  // Forward FLOPs of one sample; a training step does three GEMMs per layer (forward, backward
  // data, backward weights), so 3x that per sample.
  Rng rng(0);
  const double flops_per_sample =
      3.0 * models::Autoencoder({"mlp", 16}, rng).forward_flops_per_sample();
  if (!o.json)
    std::printf("%-34s %12s %12s %12s %8s\n", "figure", "samples/s", "GFLOP/s", "peak GF/s",
                "ratio");
  for (int threads : {1, 2}) {
    if (!o.wants("mlp")) break;
    set_num_threads(threads);
    double peak = nn::measure_gemm_peak_gflops(1024, 1024, 1024, 10);
    double sps = mlp_training_samples_per_s(16, o.batch, o.steps);
    double gflops = sps * flops_per_sample / 1e9;
    std::string key = "mlp_train_t" + std::to_string(threads);
    out[key] = {{"threads", threads}, {"batch", o.batch},         {"samples_per_s", sps},
                {"gflops", gflops},   {"gemm_peak_gflops", peak}, {"ratio_to_peak", gflops / peak}};
    if (!o.json)
      std::printf("%-34s %12.0f %12.1f %12.1f %7.1f%%\n",
                  ("study MLP L=16 train, " + std::to_string(threads) + " thread(s)").c_str(), sps,
                  gflops, peak, 100 * gflops / peak);
  }
  set_num_threads(2);
  if (o.wants("kmeans")) {
    Rng rng(1);
    std::vector<uint8_t> labels;
    Tensor x = clustered_points(7996, 256, 0.6, labels, rng);
    analysis::KMeansConfig cfg;
    auto t0 = Clock::now();
    analysis::KMeansResult r = analysis::kmeans(x, cfg);
    double secs = seconds_since(t0);
    out["kmeans"] = {{"n", 7996},      {"d", 256},        {"k", 10},
                     {"restarts", 10}, {"seconds", secs}, {"inertia", r.inertia}};
    if (!o.json)
      std::printf("%-34s %12.3f s   inertia %.1f\n", "k-means 7996x256, k 10, 10 restarts", secs,
                  r.inertia);
  }
  if (o.wants("tsne")) {
    Rng rng(2);
    std::vector<uint8_t> labels;
    Tensor x = clustered_points(7996, 16, 0.8, labels, rng);
    auto t0 = Clock::now();
    analysis::TsneResult r = analysis::tsne(x, analysis::TsneConfig{});
    double secs = seconds_since(t0);
    double knn = analysis::knn_label_accuracy(r.y, labels, 10);
    out["tsne"] = {{"n", 7996},       {"d", 16},    {"perplexity", 30},
                   {"seconds", secs}, {"kl", r.kl}, {"knn10_accuracy", knn}};
    if (!o.json)
      std::printf("%-34s %12.2f s   10-NN accuracy %.3f\n", "t-SNE 7996x16, perplexity 30", secs,
                  knn);
  }
  if (o.wants("disnet")) {
    set_num_threads(1);
    double sps = disnet_samples_per_s(128, std::max(5, o.steps / 6));
    double peak = nn::measure_gemm_peak_gflops(1024, 1024, 1024, 10);
    // Effective GFLOP/s: the direct convolution's FLOPs over the time taken, whatever algorithm
    // ran (Winograd does fewer multiplies, so this can pass the GEMM peak).
    double gflops = sps * 3.0 * models::cnn_forward_flops_per_sample(1) / 1e9;
    const char* algorithms = models::cnn_conv_algorithms();
    out["disnet_train_t1"] = {{"threads", 1},
                              {"batch", 128},
                              {"samples_per_s", sps},
                              {"conv_algorithms", algorithms},
                              {"gflops", gflops},
                              {"effective_gflops", gflops},
                              {"gemm_peak_gflops", peak},
                              {"ratio_to_peak", gflops / peak}};
    if (!o.json)
      std::printf(
          "%-34s %12.0f %12.1f %12.1f %7.1f%%\n"
          "%-34s %s; GFLOP/s effective (direct-conv FLOPs / time)\n",
          "dis_net train, 1 thread", sps, gflops, peak, 100 * gflops / peak, "  convolutions",
          algorithms);
  }
  if (o.json) print_json(out);
}

}  // namespace

AELAB_REGISTER_COMMANDS(90) {
  auto o = std::make_shared<BenchOptions>();
  auto* bench = app.add_subcommand(
      "bench", "Speed figures, each against a yardstick measured in the same run");
  bench->add_option("--steps", o->steps, "Timed training steps per block")->capture_default_str();
  bench->add_option("--batch", o->batch)->capture_default_str();
  bench
      ->add_option("--only", o->only, "Figures to measure: mlp, kmeans, tsne, disnet (default all)")
      ->delimiter(',');
  bench->add_flag("--json", o->json, "One JSON object");
  bench->callback([o] { run_bench(*o); });
}

}  // namespace aelab::cli
