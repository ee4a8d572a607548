// aelab kmeans | project: clustering and 2-D maps of a run's test-set codes (or raw pixels), the
// same library calls the window's k-means view and latent explorer make.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "analysis/pca.hpp"
#include "analysis/tsne.hpp"
#include "cli/command_registry.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "runs/run_text.hpp"
#include "train/run_model.hpp"

namespace aelab::cli {
namespace {

// [SECTION] Inputs: a run's codes with the test labels, or the test pixels

struct Points {
  Tensor x;  // (M, D)
  std::vector<uint8_t> labels;
  std::string what;  // "run 3 (mlp-L16-l1) codes, 2004 x 16"
};

Points run_codes(int64_t run_id) {
  train::RunModel run = train::load_run_codes(runs_db(), data_dir(), run_id);
  Points p;
  p.x = std::move(run.test_codes);
  p.labels = run.dataset->test_labels;
  p.what = "run " + std::to_string(run_id) + " (" + runs::printable(run.summary.name) +
           ") codes, " + std::to_string(p.x.dim(0)) + " x " + std::to_string(p.x.dim(1));
  return p;
}

Points test_pixels(const std::string& dataset) {
  data::Dataset ds = data::load_dataset(dataset, data_dir());
  Points p;
  const int64_t m = ds.test_images.dim(0);
  p.x = ds.test_images.reshaped({m, 784});
  p.labels = ds.test_labels;
  p.what = dataset + " test pixels, " + std::to_string(m) + " x 784";
  return p;
}

// [SECTION] aelab kmeans

struct KMeansOptions {
  int64_t run = 0;
  bool pixels = false;
  std::string dataset = data::kDefaultDataset;
  analysis::KMeansConfig config;
  bool json = false;
};

void run_kmeans(const KMeansOptions& o) {
  if ((o.run > 0) == o.pixels) throw InputError("give exactly one of --run ID or --pixels");
  Points p = o.pixels ? test_pixels(o.dataset) : run_codes(o.run);
  if (o.config.k < 1 || o.config.k > p.x.dim(0))
    throw InputError("--k " + std::to_string(o.config.k) + " must be in [1, " +
                     std::to_string(p.x.dim(0)) + "] (the number of points)");
  analysis::KMeansResult km = analysis::kmeans(p.x, o.config);
  analysis::ClusterScores sc = analysis::score_clusters(p.labels, km.labels);
  const analysis::ConfusionMatrix& cm = sc.match.permuted;
  if (o.json) {
    nlohmann::json rows = nlohmann::json::array();
    for (int r = 0; r < cm.rows; ++r) {
      nlohmann::json row = nlohmann::json::array();
      for (int c = 0; c < cm.cols; ++c) row.push_back(cm.at(r, c));
      rows.push_back(row);
    }
    nlohmann::json j = {{"input", p.what},
                        {"k", o.config.k},
                        {"restarts", o.config.restarts},
                        {"matched_accuracy", sc.match.accuracy},
                        {"nmi", sc.nmi},
                        {"ari", sc.ari},
                        {"inertia", km.inertia},
                        {"iterations", km.iterations},
                        {"cluster_of_column", sc.match.column_order},
                        {"confusion", rows}};
    print_json(j);
    return;
  }
  std::printf("k-means on %s: k = %d, %d restarts\n", p.what.c_str(), o.config.k,
              o.config.restarts);
  std::printf("matched accuracy %.4f  NMI %.4f  ARI %.4f  inertia %.6g  (%d iterations)\n",
              sc.match.accuracy, sc.nmi, sc.ari, km.inertia, km.iterations);
  std::printf("confusion (rows: digit, columns: matched cluster)\n      ");
  for (int c = 0; c < cm.cols; ++c) std::printf(" c%-5d", sc.match.column_order[c]);
  std::printf("\n");
  for (int r = 0; r < cm.rows; ++r) {
    std::printf("  %d : ", r);
    for (int c = 0; c < cm.cols; ++c) std::printf(" %6lld", static_cast<long long>(cm.at(r, c)));
    std::printf("\n");
  }
}

// [SECTION] aelab project

struct ProjectOptions {
  int64_t run = 0;
  std::string method = "pca";
  double perplexity = 30;
  uint64_t seed = 0;
  std::string out;
};

void run_project(const ProjectOptions& o) {
  if (o.method != "pca" && o.method != "tsne")
    throw InputError("--method must be pca or tsne, not '" + o.method + "'");
  Points p = run_codes(o.run);
  Tensor y;
  if (p.x.dim(1) == 1)
    throw InputError("run " + std::to_string(o.run) + " has 1-D codes: nothing to project");
  if (o.method == "pca") {
    y = analysis::fit_pca(p.x, 2).project(p.x);
  } else {
    analysis::TsneConfig tc;
    tc.perplexity = o.perplexity;
    tc.seed = o.seed;
    y = analysis::tsne(p.x, tc).y;
  }
  std::string csv = "x,y,label\n";
  for (int64_t i = 0; i < y.dim(0); ++i) {
    char line[96];
    std::snprintf(line, sizeof line, "%.6g,%.6g,%d\n", y[2 * i], y[2 * i + 1], int(p.labels[i]));
    csv += line;
  }
  if (o.out.empty()) {
    std::fputs(csv.c_str(), stdout);
    return;
  }
  {
    std::ofstream f(o.out, std::ios::binary | std::ios::trunc);
    if (!(f << csv) || !f.flush()) throw InputError(o.out + ": cannot write the CSV");
  }
  std::fprintf(stderr, "wrote %lld points of %s (%s) to %s\n", static_cast<long long>(y.dim(0)),
               p.what.c_str(), o.method.c_str(), o.out.c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(40) {
  auto k = std::make_shared<KMeansOptions>();
  auto* km = app.add_subcommand("kmeans", "k-means on a run's test-set codes or on raw pixels");
  km->add_option("--run", k->run, "Run id whose test-set codes to cluster");
  km->add_flag("--pixels", k->pixels, "Cluster the test images' raw pixels (the baseline)");
  km->add_option("--dataset", k->dataset, "Dataset for --pixels")->capture_default_str();
  km->add_option("--k", k->config.k, "Number of clusters")->capture_default_str();
  km->add_option("--restarts", k->config.restarts, "k-means++ restarts")->capture_default_str();
  km->add_option("--max-iter", k->config.max_iter, "Lloyd iterations per restart")
      ->capture_default_str();
  km->add_option("--tol", k->config.tol, "Convergence tolerance (relative)")->capture_default_str();
  km->add_option("--seed", k->config.seed)->check(whole_number_at_least_0())->capture_default_str();
  km->add_flag("--json", k->json, "Print one JSON object");
  km->callback([k] { run_kmeans(*k); });

  auto p = std::make_shared<ProjectOptions>();
  auto* pr =
      app.add_subcommand("project", "2-D map (PCA or t-SNE) of a run's test-set codes, as CSV");
  pr->add_option("--run", p->run, "Run id")->required();
  pr->add_option("--method", p->method, "pca | tsne")->capture_default_str();
  pr->add_option("--perplexity", p->perplexity, "t-SNE perplexity")->capture_default_str();
  pr->add_option("--seed", p->seed, "t-SNE seed")
      ->check(whole_number_at_least_0())
      ->capture_default_str();
  pr->add_option("--out", p->out, "CSV file (x,y,label); default stdout");
  pr->callback([p] { run_project(*p); });
}

}  // namespace aelab::cli
