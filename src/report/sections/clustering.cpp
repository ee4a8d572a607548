// The clustering recipe (optional: `--sections ...,clustering`): the `deep` autoencoder at L = 16
// with MSE on randomly shifted and rotated digits, then cluster refinement (IDEC: reconstruction
// + KL of the codes' soft assignment against a sharpened target), over the seeds; k-means on its
// test codes against k-means on the study MLP's L = 16 codes (the same seed), with the matched
// confusion matrix, NMI and ARI, and the refinement head's own accuracy.
#include <cmath>
#include <cstdio>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "analysis/pca.hpp"
#include "report/figure.hpp"
#include "report/sections/section_blocks.hpp"
#include "report/study_runs.hpp"
#include "report/study_sections.hpp"
#include "train/run_model.hpp"

namespace aelab::report {

namespace {

struct Clustered {
  int64_t run_id = 0;
  double head_accuracy = NAN;  // the refinement head's matched accuracy (the run's result)
  analysis::ClusterScores kmeans;
  Tensor codes;
};

Clustered measure(StudyContext& ctx, const StudyRun& run) {
  runs::RunStore store = runs::RunStore::open(ctx.options().runs_db);
  train::RunModel rm = train::load_run_codes(store, run.id, report_datasets(ctx));
  Clustered c;
  c.run_id = run.id;
  c.head_accuracy = run.result.value("test_cluster_accuracy", NAN);
  c.codes = rm.test_codes;
  analysis::KMeansConfig kc;
  kc.restarts = ctx.quick() ? 3 : 10;
  const analysis::KMeansResult km = analysis::kmeans(c.codes, kc, ctx.cancel_flag());
  ctx.check_cancel();
  c.kmeans = analysis::score_clusters(ctx.dataset().test_labels, km.labels);
  return c;
}

std::string f3(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return std::isfinite(v) ? buf : "-";
}

}  // namespace

void section_clustering(StudyContext& ctx, SectionResult& out) {
  const int seeds = ctx.seeds();
  const train::AeTrainConfig probe = study_clustering_config(ctx, 0);
  out.paragraph("The clustering recipe: the `deep` autoencoder at L = 16 trained with MSE for " +
                std::to_string(probe.epochs) + " epochs on digits shifted by up to " +
                f3(probe.augment.shift).substr(0, 3) + " px and rotated by up to " +
                f3(probe.augment.rotate).substr(0, 4) + " degrees, then " +
                std::to_string(probe.cluster_epochs) +
                " epochs of cluster refinement (reconstruction + " +
                f3(probe.cluster_weight).substr(0, 3) +
                " x KL of the codes' soft cluster assignment against its sharpened target). "
                "Beside it, for the same seed, the study MLP at L = 16 (Q2(a)'s run).");
  std::vector<Clustered> recipe, study;
  for (int s = 0; s < seeds; ++s) {
    const double lo = 0.9 * s / seeds, mid = 0.9 * (s + 0.8) / seeds, hi = 0.9 * (s + 1) / seeds;
    const StudyRun r = ensure_ae_run(ctx, out, study_clustering_config(ctx, uint64_t(s)), lo, mid,
                                     "clustering recipe seed " + std::to_string(s));
    const StudyRun m = ensure_ae_run(ctx, out, study_ae_config(ctx, 16, uint64_t(s)), mid, hi,
                                     "study MLP L = 16 seed " + std::to_string(s));
    ctx.progress(hi, "k-means on the codes of seed " + std::to_string(s));
    recipe.push_back(measure(ctx, r));
    study.push_back(measure(ctx, m));
  }

  Table t;
  t.columns = {"seed", "recipe run",    "k-means accuracy", "NMI",
               "ARI",  "head accuracy", "study MLP run",    "its k-means accuracy"};
  nlohmann::json acc = nlohmann::json::array(), study_acc = nlohmann::json::array();
  int better = 0;
  for (int s = 0; s < seeds; ++s) {
    const Clustered& r = recipe[size_t(s)];
    const Clustered& m = study[size_t(s)];
    t.add_row({s, "#" + std::to_string(r.run_id), f3(r.kmeans.match.accuracy), f3(r.kmeans.nmi),
               f3(r.kmeans.ari), f3(r.head_accuracy), "#" + std::to_string(m.run_id),
               f3(m.kmeans.match.accuracy)});
    acc.push_back(r.kmeans.match.accuracy);
    study_acc.push_back(m.kmeans.match.accuracy);
    better += r.kmeans.match.accuracy > m.kmeans.match.accuracy;
  }
  out.table(t);
  out.metrics["kmeans_accuracy"] = acc;
  out.metrics["study_mlp_kmeans_accuracy"] = study_acc;
  out.paragraph("k-means: k = 10, " + std::to_string(ctx.quick() ? 3 : 10) +
                " restarts on the test codes; accuracy Hungarian-matched. The head accuracy is the "
                "refinement's own soft assignment, matched the same way.");

  kmeans_block(out, recipe.front().kmeans, "clustering-kmeans.png", "The recipe's codes (seed 0)",
               "the recipe's 16-D test codes", ctx.dataset().name);
  const Tensor& codes = recipe.front().codes;
  out.figure(
      {"clustering-pca.png",
       "The recipe's 16-D test codes (seed 0) on their first two principal components, "
       "coloured by digit (legend at the top: 0..9).",
       scatter_chart(analysis::fit_pca(codes, 2).project(codes), ctx.dataset().test_labels)});

  const std::string of_seeds = std::to_string(better) + " of " + std::to_string(seeds);
  out.claim(
      "the recipe's codes cluster better than the study MLP's at L = 16 in every seed "
      "(k-means matched accuracy)",
      {{"recipe", acc}, {"study_mlp", study_acc}, {"seeds_better", of_seeds}}, better == seeds);
  double worst = 1;
  for (const Clustered& r : recipe) worst = std::min(worst, r.kmeans.match.accuracy);
  out.claim(
      "k-means finds the digits in the recipe's codes with matched accuracy > 0.8 in every "
      "seed",
      {{"recipe", acc}, {"lowest", worst}}, worst > 0.8);
}

}  // namespace aelab::report
