// Q2(a): the study MLP (784-512-L-512-784) at L = 2, 16 and 256 with L1 loss, over the seeds:
// curves, test L1, reconstructions with their sharpness (and dis_net's clear score when Q2(b) is
// part of the report), the 2-D latent map, PCA and t-SNE of the 16/256-D codes, and k-means with
// the Hungarian-matched confusion matrix.
#include <cmath>
#include <cstdio>
#include <optional>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "analysis/pca.hpp"
#include "analysis/sharpness.hpp"
#include "analysis/tsne.hpp"
#include "report/compare.hpp"
#include "report/figure.hpp"
#include "report/sections/section_blocks.hpp"
#include "report/study_runs.hpp"
#include "report/study_sections.hpp"
#include "runs/metric_names.hpp"
#include "train/disnet_trainer.hpp"
#include "train/run_model.hpp"

namespace aelab::report {

namespace {

constexpr int kLatents[] = {2, 16, 256};

struct MeanSd {
  double mean = 0, sd = 0;
};
MeanSd mean_sd(const std::vector<double>& v) {
  MeanSd m;
  for (double x : v) m.mean += x;
  m.mean /= std::max<size_t>(v.size(), 1);
  for (double x : v) m.sd += (x - m.mean) * (x - m.mean);
  m.sd = v.size() > 1 ? std::sqrt(m.sd / (v.size() - 1)) : 0;
  return m;
}

std::string pm(const MeanSd& m, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f +- %.*f", digits, m.mean, digits, m.sd);
  return buf;
}

// The rows `idx` of (N, 1, 28, 28) images.
Tensor take(const Tensor& images, std::span<const int64_t> idx) {
  Tensor out({int64_t(idx.size()), 1, 28, 28});
  for (size_t k = 0; k < idx.size(); ++k)
    std::copy_n(images.data() + idx[k] * 784, 784, out.data() + int64_t(k) * 784);
  return out;
}

// One (a) run measured on the test split.
struct Measured {
  int latent = 0;
  uint64_t seed = 0;
  int64_t run_id = 0;
  double test_l1 = 0;
  bool collapsed = false;
  double sharpness = 0;
  double clear = -1;  // < 0: no dis_net
  analysis::ClusterScores clusters;
  Tensor codes;  // (M, L)
  Tensor strip;  // (10, 1, 28, 28) reconstructions of the strip digits
  runs::MetricSeries curve;
};

}  // namespace

void section_q2a(StudyContext& ctx, SectionResult& out) {
  const data::Dataset& ds = ctx.dataset();
  const int seeds = ctx.seeds();
  out.paragraph(
      "The study's autoencoder: an MLP 784-512-L-512-784 (ReLU, sigmoid output) trained with L1 "
      "reconstruction loss (Adam, lr 1e-3, batch 256) for " +
      std::to_string(study_ae_config(ctx, 16, 0).epochs) + " epochs on " + ds.name + " (" +
      std::to_string(ds.train_images.dim(0)) +
      " training digits), latent sizes L = 2, 16 and "
      "256, seeds 0.." +
      std::to_string(seeds - 1) + ". Test numbers are on the " +
      std::to_string(ds.test_images.dim(0)) + " test digits.");

  // [SECTION] Train or reuse the runs
  const int total = seeds * 3;
  std::vector<Measured> runs;
  int k = 0;
  for (int s = 0; s < seeds; ++s)
    for (int latent : kLatents) {
      const train::AeTrainConfig cfg = study_ae_config(ctx, latent, uint64_t(s));
      const double lo = 0.75 * k / total, hi = 0.75 * (k + 1) / total;
      const StudyRun r = ensure_ae_run(
          ctx, out, cfg, lo, hi, "L = " + std::to_string(latent) + " seed " + std::to_string(s));
      Measured m;
      m.latent = latent;
      m.seed = uint64_t(s);
      m.run_id = r.id;
      m.test_l1 = r.result.value("test_l1", NAN);
      m.collapsed = r.result.value("collapsed", false);
      runs.push_back(std::move(m));
      ++k;
    }

  // dis_net's clear score only when Q2(b) is in the report (it trains the same dis_net there).
  std::optional<train::LoadedDisNet> dis;
  if (ctx.selected("q2b")) {
    const StudyRun d = ensure_disnet_run(ctx, out, study_disnet_config(ctx), 0.75, 0.8, "dis_net");
    dis = train::load_disnet(ctx.options().runs_db, d.id);
  }

  // [SECTION] Measure each run
  const std::vector<int64_t> strip_idx = pick_strip(ds.test_labels, 10);
  const Tensor strip_originals = take(ds.test_images, strip_idx);
  runs::RunStore store = runs::RunStore::open(ctx.options().runs_db);
  const train::DatasetSource source = report_datasets(ctx);
  for (size_t i = 0; i < runs.size(); ++i) {
    Measured& m = runs[i];
    ctx.progress(0.8 + 0.1 * i / runs.size(), "measuring run #" + std::to_string(m.run_id));
    train::RunModel rm = train::load_run_codes(store, m.run_id, source);
    const Tensor recon = train::reconstruct_all(*rm.model, ds.test_images);
    m.sharpness = analysis::sharpness_ratio(recon, ds.test_images);
    if (dis) {
      const Tensor sc = train::disnet_scores(dis->net, recon);
      double sum = 0;
      for (int64_t j = 0; j < sc.numel(); ++j) sum += sc[j];
      m.clear = sum / std::max<int64_t>(sc.numel(), 1);
    }
    m.strip = train::reconstruct_all(*rm.model, strip_originals);
    m.codes = rm.test_codes;
    m.curve = store.metric_series(m.run_id, runs::metric::test_l1);
    analysis::KMeansConfig kc;
    kc.restarts = ctx.quick() ? 3 : 10;
    const analysis::KMeansResult km = analysis::kmeans(m.codes, kc, ctx.cancel_flag());
    ctx.check_cancel();
    m.clusters = analysis::score_clusters(ds.test_labels, km.labels);
  }
  auto find = [&](int latent, int seed) -> const Measured& {
    for (const Measured& m : runs)
      if (m.latent == latent && int(m.seed) == seed) return m;
    throw std::logic_error("q2a: missing run");
  };

  // [SECTION] Numbers
  out.heading("Test L1 and what the reconstructions look like");
  Table t;
  t.columns = {"L",           "test L1 (mean +- sd)", "per seed", "sharpness ratio",
               "clear score", "k-means accuracy",     "NMI",      "ARI"};
  nlohmann::json per_l = nlohmann::json::object();
  for (int latent : kLatents) {
    std::vector<double> l1, sharp, clear, acc, nmi, ari;
    std::string seeds_text;
    for (int s = 0; s < seeds; ++s) {
      const Measured& m = find(latent, s);
      l1.push_back(m.test_l1);
      sharp.push_back(m.sharpness);
      clear.push_back(m.clear);
      acc.push_back(m.clusters.match.accuracy);
      nmi.push_back(m.clusters.nmi);
      ari.push_back(m.clusters.ari);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.4f", s ? ", " : "", m.test_l1);
      seeds_text += buf;
    }
    t.add_row({latent, pm(mean_sd(l1)), seeds_text, pm(mean_sd(sharp), 3),
               dis ? pm(mean_sd(clear), 3) : std::string("(with q2b)"), pm(mean_sd(acc), 3),
               pm(mean_sd(nmi), 3), pm(mean_sd(ari), 3)});
    per_l[std::to_string(latent)] = {{"test_l1", l1},
                                     {"test_l1_mean", mean_sd(l1).mean},
                                     {"test_l1_sd", mean_sd(l1).sd},
                                     {"sharpness_ratio", sharp},
                                     {"clear_score", clear},
                                     {"kmeans_accuracy", acc},
                                     {"nmi", nmi},
                                     {"ari", ari}};
  }
  out.table(t);
  out.metrics["by_latent"] = per_l;
  out.paragraph(
      "Sharpness is the variance of the 3x3 Laplacian, as a ratio of the reconstructions' to "
      "the originals' (1 = as sharp). The clear score is dis_net's mean probability that a "
      "reconstruction is a clear (not blurred) digit. k-means: k = 10 on the test codes, "
      "accuracy Hungarian-matched, NMI arithmetic-normalised, ARI adjusted Rand index.");

  // [SECTION] Figures
  std::vector<Series> curves;
  for (const Measured& m : runs) {
    Series s;
    s.x = m.curve.epochs;
    s.y = m.curve.values;
    s.colour = digit_palette()[m.latent == 2 ? 0 : m.latent == 16 ? 1 : 2];
    s.points = s.x.size() < 8;
    curves.push_back(std::move(s));
  }
  out.figure({"q2a-curves.png",
              "Test L1 after each epoch (x: epoch, y: mean |x_hat - x| per pixel, log scale); "
              "blue L = 2, orange L = 16, green L = 256, one line per seed.",
              line_chart(curves, {.log_y = true})});

  Tensor grid({4 * 10, 1, 28, 28});
  std::copy_n(strip_originals.data(), 10 * 784, grid.data());
  for (int r = 0; r < 3; ++r)
    std::copy_n(find(kLatents[r], 0).strip.data(), 10 * 784, grid.data() + (r + 1) * 10 * 784);
  out.figure({"q2a-reconstructions.png",
              "Rows: the original test digits (one per class), then their reconstructions at "
              "L = 2, 16 and 256 (seed 0). Small L draws a blurred, averaged digit and sometimes "
              "the wrong one; larger L keeps more detail, but every reconstruction is smoother "
              "than its original (sharpness ratio < 1 above).",
              image_grid(grid, 10, 3)});

  const std::span<const uint8_t> labels = ds.test_labels;
  out.figure({"q2a-latent-2d.png",
              "The 2-D codes of the test digits (L = 2, seed 0), one colour per digit (legend at "
              "the top: 0..9).",
              scatter_chart(find(2, 0).codes, labels)});
  for (int latent : {16, 256}) {
    ctx.progress(0.92, "PCA and t-SNE of the " + std::to_string(latent) + "-D codes");
    const Tensor& codes = find(latent, 0).codes;
    const analysis::Pca pca = analysis::fit_pca(codes, 2);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%.0f %%",
                  100 * (pca.explained_variance_ratio[0] + pca.explained_variance_ratio[1]));
    out.figure({"q2a-pca-" + std::to_string(latent) + ".png",
                "The " + std::to_string(latent) +
                    "-D test codes (seed 0) on their first two principal components (" + buf +
                    " of the variance), coloured by digit.",
                scatter_chart(pca.project(codes), labels)});
    analysis::TsneConfig tc;
    tc.iterations = ctx.quick() ? 300 : 1000;
    tc.exaggeration_iters = ctx.quick() ? 100 : 250;
    tc.perplexity = std::min(30.0, (codes.dim(0) - 1) / 3.0);
    const analysis::TsneResult ts = analysis::tsne(codes, tc, ctx.cancel_flag());
    ctx.check_cancel();
    const double knn = analysis::knn_label_accuracy(ts.y, labels);
    std::snprintf(buf, sizeof buf, "%.3f", knn);
    out.figure({"q2a-tsne-" + std::to_string(latent) + ".png",
                "t-SNE of the " + std::to_string(latent) + "-D test codes (seed 0, perplexity " +
                    std::to_string(int(tc.perplexity)) + ", " + std::to_string(tc.iterations) +
                    " iterations), coloured by digit; 10-NN label accuracy in the map " + buf + ".",
                scatter_chart(ts.y, labels)});
    out.metrics["tsne_knn_accuracy_" + std::to_string(latent)] = knn;
  }

  out.heading("k-means on the codes");
  for (int latent : {16, 256})
    kmeans_block(out, find(latent, 0).clusters, "q2a-kmeans-" + std::to_string(latent) + ".png",
                 "L = " + std::to_string(latent) + " (seed 0)",
                 "the " + std::to_string(latent) + "-D test codes", ctx.dataset().name);

  // [SECTION] Claims
  int falls = 0, falls_again = 0, collapsed = 0, blurrier = 0;
  nlohmann::json l1s = nlohmann::json::object();
  for (int s = 0; s < seeds; ++s) {
    falls += find(16, s).test_l1 < find(2, s).test_l1;
    falls_again += find(256, s).test_l1 < find(16, s).test_l1;
    for (int latent : kLatents) {
      collapsed += find(latent, s).collapsed;
      blurrier += find(latent, s).sharpness < 1;
    }
  }
  const std::string of_seeds = " of " + std::to_string(seeds);
  out.claim("test L1 falls from L = 2 to L = 16 in every seed",
            {{"L2", per_l["2"]["test_l1"]},
             {"L16", per_l["16"]["test_l1"]},
             {"seeds_falling", std::to_string(falls) + of_seeds}},
            falls == seeds);
  out.claim("test L1 falls again from L = 16 to L = 256 in every seed",
            {{"L16", per_l["16"]["test_l1"]},
             {"L256", per_l["256"]["test_l1"]},
             {"seeds_falling", std::to_string(falls_again) + of_seeds}},
            falls_again == seeds);
  out.claim("reconstructions are blurrier than the originals at every L (sharpness ratio < 1)",
            {{"L2", per_l["2"]["sharpness_ratio"]},
             {"L16", per_l["16"]["sharpness_ratio"]},
             {"L256", per_l["256"]["sharpness_ratio"]}},
            blurrier == 3 * seeds);
  out.claim("no run collapsed to a near-constant output", {{"collapsed_runs", collapsed}},
            collapsed == 0);
  const double acc16 = mean_sd(per_l["16"]["kmeans_accuracy"].get<std::vector<double>>()).mean;
  out.claim(
      "k-means on the 16-D codes finds the digits far better than chance (matched "
      "accuracy > 0.5; chance is about 0.1)",
      {{"accuracy_L16", acc16}}, acc16 > 0.5);
}

}  // namespace aelab::report
