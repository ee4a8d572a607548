// aelab kmeans | project | knn: clustering and 2-D maps of a run's test-set codes (or raw pixels,
// or anyone's codes file), the same library calls the window's k-means view and latent explorer
// make.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "analysis/cluster_metrics.hpp"
#include "analysis/kmeans.hpp"
#include "analysis/pca.hpp"
#include "analysis/tsne.hpp"
#include "cli/command_registry.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "data/matrix_file.hpp"
#include "runs/run_text.hpp"
#include "train/run_model.hpp"

namespace aelab::cli {
namespace {

// [SECTION] Inputs: a run's codes with the test labels, or the test pixels

struct Points {
  Tensor x;  // (M, D)
  std::vector<uint8_t> labels;
  std::string what;     // "run 3 (mlp-L16-l1) codes, 2004 x 16"
  std::string dataset;  // whose label names the labels get; "": plain classes (data::label_names)
};

Points run_codes(int64_t run_id) {
  train::RunModel run = train::load_run_codes(runs_db(), data_dir(), run_id);
  Points p;
  p.x = std::move(run.test_codes);
  p.labels = run.dataset->test_labels;
  p.dataset = run.dataset->name;
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

Points file_codes(const std::string& path, const std::string& format_flag,
                  const std::string& labels_column, const std::string& labels_path);

// [SECTION] aelab kmeans

struct KMeansOptions {
  int64_t run = 0;
  std::string codes, format, labels_column, labels;
  bool pixels = false;
  std::string dataset;  // --pixels: its dataset (default mnist-10k); --codes: its labels' names
  analysis::KMeansConfig config;
  int repeat = 1;  // times the same clustering runs; `seconds` is the fastest
  bool json = false;
};

// The seconds to report of `each` (one per run of the same work in this process): the fastest,
// as `aelab bench` keeps the best of its timed blocks. The first run pays what a process pays
// once (oneDNN's GEMM code generation, the OpenMP pool, first touch of the buffers' pages: 25-40
// ms of a 100-150 ms k-means of 10,000 x 256 codes); it is reported apart as first_seconds.
// bench.sh times scikit-learn's fits the same way.
double fastest_seconds(const std::vector<double>& each) {
  return *std::min_element(each.begin(), each.end());
}

void run_kmeans(const KMeansOptions& o) {
  if (int(o.run > 0) + int(o.pixels) + int(!o.codes.empty()) != 1)
    throw InputError("give exactly one of --run ID, --codes FILE or --pixels");
  Points p = o.pixels          ? test_pixels(o.dataset.empty() ? data::kDefaultDataset : o.dataset)
             : o.codes.empty() ? run_codes(o.run)
                               : file_codes(o.codes, o.format, o.labels_column, o.labels);
  if (!o.codes.empty()) p.dataset = o.dataset;  // a codes file does not say whose labels it has
  if (o.config.k < 1 || o.config.k > p.x.dim(0))
    throw InputError("--k " + std::to_string(o.config.k) + " must be in [1, " +
                     std::to_string(p.x.dim(0)) + "] (the number of points)");
  analysis::KMeansResult km;
  std::vector<double> each;
  for (int i = 0; i < o.repeat; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    analysis::KMeansResult r = analysis::kmeans(p.x, o.config);
    each.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (i > 0 && (r.labels != km.labels || r.inertia != km.inertia))
      throw std::logic_error("k-means gave two answers for one seed (run 1 and run " +
                             std::to_string(i + 1) + ")");
    km = std::move(r);
  }
  const double secs = fastest_seconds(each);
  // --repeat: every run's seconds and the first's apart (the one-time costs it paid).
  auto add_timing = [&](nlohmann::json& j) {
    if (o.repeat == 1) return;
    j["repeat"] = o.repeat;
    j["first_seconds"] = each[0];
    j["seconds_each"] = each;
  };
  if (p.labels.empty()) {  // a codes file without labels: no matching to score
    nlohmann::json j = {{"input", p.what},
                        {"k", o.config.k},
                        {"restarts", o.config.restarts},
                        {"inertia", km.inertia},
                        {"iterations", km.iterations},
                        {"seconds", secs},
                        {"threads", num_threads()}};
    add_timing(j);
    print_json(j, o.json ? -1 : 2);
    return;
  }
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
                        {"seconds", secs},
                        {"threads", num_threads()},
                        {"cluster_of_column", sc.match.column_order},
                        {"confusion", rows}};
    add_timing(j);
    print_json(j);
    return;
  }
  std::printf("k-means on %s: k = %d, %d restarts\n", p.what.c_str(), o.config.k,
              o.config.restarts);
  std::printf("matched accuracy %.4f  NMI %.4f  ARI %.4f  inertia %.6g  (%d iterations)\n",
              sc.match.accuracy, sc.nmi, sc.ari, km.inertia, km.iterations);
  if (o.repeat == 1)
    std::printf("%.3f s on %d threads\n", secs, num_threads());
  else
    std::printf("%.3f s on %d threads (the fastest of %d runs; the first took %.3f s)\n", secs,
                num_threads(), o.repeat, each[0]);
  // Rows named for the dataset ("digit 7" | "ankle boot" | "class 7"), padded to the longest.
  const data::LabelNames& names = data::label_names(p.dataset);
  std::vector<std::string> row_names;
  size_t wide = 0;
  for (int r = 0; r < cm.rows; ++r) {
    row_names.push_back(names.numbers ? std::to_string(r) : data::label_name(p.dataset, r));
    wide = std::max(wide, row_names.back().size());
  }
  std::printf("confusion (rows: %s, columns: matched cluster)\n%*s", names.noun, int(wide) + 5,
              "");
  for (int c = 0; c < cm.cols; ++c) std::printf(" c%-5d", sc.match.column_order[c]);
  std::printf("\n");
  for (int r = 0; r < cm.rows; ++r) {
    std::printf("  %-*s : ", int(wide), row_names[size_t(r)].c_str());
    for (int c = 0; c < cm.cols; ++c) std::printf(" %6lld", static_cast<long long>(cm.at(r, c)));
    std::printf("\n");
  }
}

// [SECTION] aelab project, aelab knn

struct ProjectOptions {
  int64_t run = 0;
  std::string codes;          // a codes file from anyone (instead of --run)
  std::string format;         // csv | npy; empty: from the extension
  std::string labels_column;  // CSV: the label column (name or 0-based index)
  std::string labels;         // .npy (or CSV) of labels for an .npy codes file
  std::string method = "pca";
  double perplexity = 30;
  uint64_t seed = 0;
  int iterations = 1000;
  std::string out;
  bool json = false;
};

std::string format_of(const std::string& path, const std::string& format) {
  if (!format.empty()) {
    if (format != "csv" && format != "npy")
      throw InputError("--format must be csv or npy, not '" + format + "'");
    return format;
  }
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return "npy";
  if (ext == ".csv" || ext == ".txt") return "csv";
  throw InputError(path + ": cannot tell the format from the extension; give --format csv|npy");
}

// Codes (and labels when there are any) from a file another program may have written.
Points file_codes(const std::string& path, const std::string& format_flag,
                  const std::string& labels_column, const std::string& labels_path) {
  const std::string format = format_of(path, format_flag);
  Points p;
  std::vector<int> labels;
  if (format == "npy") {
    if (!labels_column.empty())
      throw InputError("--labels-column is for CSV codes; give --labels FILE for .npy codes");
    p.x = data::read_npy_matrix(path);
  } else {
    data::CsvMatrix m = data::read_csv_matrix(path, {labels_column});
    p.x = std::move(m.x);
    labels = std::move(m.labels);
  }
  if (!labels_path.empty()) {
    if (!labels.empty())
      throw InputError("the codes CSV has a label column and --labels was given");
    if (std::filesystem::path(labels_path).extension() != ".npy")
      throw InputError(labels_path + ": --labels takes a .npy file of integers");
    labels = data::read_npy_labels(labels_path);
    if (int64_t(labels.size()) != p.x.dim(0))
      throw InputError(labels_path + ": " + std::to_string(labels.size()) + " labels for " +
                       std::to_string(p.x.dim(0)) + " codes");
  }
  for (int l : labels)
    if (l > 255) throw InputError(path + ": label " + std::to_string(l) + " is above 255");
  p.labels.assign(labels.begin(), labels.end());
  p.what = path + ", " + std::to_string(p.x.dim(0)) + " x " + std::to_string(p.x.dim(1));
  return p;
}

void write_map(const std::string& out, const Tensor& y, const std::vector<uint8_t>& labels) {
  if (!out.empty() && std::filesystem::path(out).extension() == ".npy") {
    data::write_npy(out, y);
    return;
  }
  std::string csv = labels.empty() ? "x,y\n" : "x,y,label\n";
  for (int64_t i = 0; i < y.dim(0); ++i) {
    char line[96];
    if (labels.empty())
      std::snprintf(line, sizeof line, "%.7g,%.7g\n", y[2 * i], y[2 * i + 1]);
    else
      std::snprintf(line, sizeof line, "%.7g,%.7g,%d\n", y[2 * i], y[2 * i + 1], int(labels[i]));
    csv += line;
  }
  if (out.empty()) {
    std::fputs(csv.c_str(), stdout);
    return;
  }
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (!(f << csv) || !f.flush()) throw InputError(out + ": cannot write the CSV");
}

double knn10(const Tensor& y, const std::vector<uint8_t>& labels) {
  if (labels.empty() || y.dim(0) < 12) return std::nan("");
  return analysis::knn_label_accuracy(y, labels, 10);
}

void run_project(const ProjectOptions& o) {
  if (o.method != "pca" && o.method != "tsne")
    throw InputError("--method must be pca or tsne, not '" + o.method + "'");
  if ((o.run > 0) == !o.codes.empty())
    throw InputError("give exactly one of --run ID or --codes FILE");
  if (o.run > 0 && (!o.format.empty() || !o.labels_column.empty() || !o.labels.empty()))
    throw InputError("--format, --labels-column and --labels go with --codes FILE");
  Points p =
      o.run > 0 ? run_codes(o.run) : file_codes(o.codes, o.format, o.labels_column, o.labels);
  if (p.x.dim(1) == 1) throw InputError(p.what + ": 1-D codes, nothing to project");
  const auto t0 = std::chrono::steady_clock::now();
  Tensor y;
  double kl = std::nan("");
  if (o.method == "pca") {
    y = analysis::fit_pca(p.x, 2).project(p.x);
  } else {
    analysis::TsneConfig tc;
    tc.perplexity = o.perplexity;
    tc.seed = o.seed;
    tc.iterations = o.iterations;
    analysis::TsneResult r = analysis::tsne(p.x, tc);
    y = std::move(r.y);
    kl = r.kl;
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  write_map(o.out, y, p.labels);
  if (o.json) {
    const double acc = knn10(y, p.labels);
    nlohmann::json j = {{"input", p.what},    {"n", p.x.dim(0)}, {"d", p.x.dim(1)},
                        {"method", o.method}, {"seconds", secs}, {"threads", num_threads()},
                        {"out", o.out}};
    if (std::isfinite(acc)) j["knn10_accuracy"] = acc;
    if (std::isfinite(kl)) j["kl"] = kl;
    std::fprintf(o.out.empty() ? stderr : stdout, "%s\n", j.dump().c_str());
  } else if (!o.out.empty()) {
    std::fprintf(stderr, "wrote %lld points of %s (%s, %.2f s) to %s\n",
                 static_cast<long long>(y.dim(0)), p.what.c_str(), o.method.c_str(), secs,
                 o.out.c_str());
  }
}

struct KnnOptions {
  std::string map;
  std::string format;
  std::string labels_column;
  std::string labels;
  int k = 10;
};

// 10-NN label accuracy of any 2-D map (ours or another program's), one definition for all.
void run_knn(const KnnOptions& o) {
  Points p = file_codes(o.map, o.format, o.labels_column, o.labels);
  if (p.x.dim(1) != 2)
    throw InputError(o.map + ": a map has 2 columns besides the labels, this has " +
                     std::to_string(p.x.dim(1)));
  if (p.labels.empty()) throw InputError(o.map + ": no labels (a 'label' column or --labels FILE)");
  const double acc = analysis::knn_label_accuracy(p.x, p.labels, o.k);
  std::printf("%s\n",
              nlohmann::json({{"map", o.map}, {"n", p.x.dim(0)}, {"k", o.k}, {"knn_accuracy", acc}})
                  .dump()
                  .c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(40) {
  auto k = std::make_shared<KMeansOptions>();
  auto* km = app.add_subcommand("kmeans", "k-means on a run's test-set codes or on raw pixels");
  km->add_option("--run", k->run, "Run id whose test-set codes to cluster");
  km->add_option("--codes", k->codes, "Codes file (CSV or .npy), e.g. from `aelab codes`");
  km->add_option("--format", k->format, "csv | npy (default: from the extension)");
  km->add_option("--labels-column", k->labels_column, "CSV label column (name or index)");
  km->add_option("--labels", k->labels, "Labels for .npy codes (.npy, 1-D integers)");
  km->add_flag("--pixels", k->pixels, "Cluster the test images' raw pixels (the baseline)");
  km->add_option("--dataset", k->dataset,
                 "With --pixels: the dataset (default mnist-10k); with --codes: whose label "
                 "names the labels get (default: plain classes)");
  km->add_option("--k", k->config.k, "Number of clusters")->capture_default_str();
  km->add_option("--restarts", k->config.restarts, "k-means++ restarts")->capture_default_str();
  km->add_option("--max-iter", k->config.max_iter, "Lloyd iterations per restart")
      ->capture_default_str();
  km->add_option("--tol", k->config.tol, "Convergence tolerance (relative)")->capture_default_str();
  km->add_option("--seed", k->config.seed)->check(whole_number_at_least_0())->capture_default_str();
  km->add_option("--repeat", k->repeat,
                 "Run the clustering N times (1-100) and report the fastest; the first pays the "
                 "process's one-time costs (reported as first_seconds)")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  km->add_flag("--json", k->json, "Print one JSON object");
  km->callback([k] { run_kmeans(*k); });

  auto p = std::make_shared<ProjectOptions>();
  auto* pr = app.add_subcommand(
      "project", "2-D map (PCA or t-SNE) of a run's test-set codes or of a codes file, as CSV");
  pr->add_option("--run", p->run, "Run id");
  pr->add_option("--codes", p->codes, "Codes file (CSV with or without header, or .npy 2-D float)");
  pr->add_option("--format", p->format, "csv | npy (default: from the extension)");
  pr->add_option("--labels-column", p->labels_column,
                 "CSV label column, name or 0-based index (default: a column named 'label')");
  pr->add_option("--labels", p->labels, "Labels for .npy codes (.npy, 1-D integers)");
  pr->add_option("--method", p->method, "pca | tsne")->capture_default_str();
  pr->add_option("--perplexity", p->perplexity, "t-SNE perplexity")->capture_default_str();
  pr->add_option("--iterations", p->iterations, "t-SNE iterations")->capture_default_str();
  pr->add_option("--seed", p->seed, "t-SNE seed")
      ->check(whole_number_at_least_0())
      ->capture_default_str();
  pr->add_option("--out", p->out, "CSV (x,y[,label]) or .npy (N, 2) file; default stdout");
  pr->add_flag("--json", p->json, "Print a JSON summary (time, 10-NN label accuracy)");
  pr->callback([p] { run_project(*p); });

  auto kn = std::make_shared<KnnOptions>();
  auto* kc = app.add_subcommand("knn", "k-NN label accuracy of a 2-D map file (any program's)");
  kc->add_option("--map", kn->map, "Map file: CSV x,y,label or .npy (N, 2)")->required();
  kc->add_option("--format", kn->format, "csv | npy (default: from the extension)");
  kc->add_option("--labels-column", kn->labels_column, "CSV label column (name or index)");
  kc->add_option("--labels", kn->labels, "Labels for an .npy map (.npy, 1-D integers)");
  kc->add_option("--k", kn->k, "Neighbours")->capture_default_str();
  kc->callback([kn] { run_knn(*kn); });
}

}  // namespace aelab::cli
