// aelab runs compare ID... | runs export [ID...]: runs side by side headless, the twins of the
// window's Compare panel (report/run_table, run_curves, run_views) and of its exports.
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "report/curve_figure.hpp"
#include "report/figure.hpp"
#include "report/run_curves.hpp"
#include "report/run_table.hpp"
#include "report/run_views.hpp"
#include "report/table_export.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_store.hpp"
#include "runs/run_text.hpp"
#include "train/run_model.hpp"

namespace aelab::cli {

namespace {

struct RunsCompareOptions {
  std::vector<int64_t> runs;
  int64_t baseline = 0;
  bool group_seeds = false;
  bool all_settings = false;
  std::string metric;
  bool json = false, csv = false, md = false;
  std::string png, images, latent, latent_csv;
  std::string map = "pca";
  std::string x_axis = "epoch";
  double smooth = 0;
  bool log_y = false;
  std::string pick = "first";
  int digits = 10;
  uint64_t seed = 0;
  int64_t disnet = 0;
  int threads = 0;
};

// The runs as the store has them, every id checked (unknown or deleted: one line naming it).
std::vector<runs::RunSummary> load_summaries(const runs::RunStore& store,
                                             const std::vector<int64_t>& ids) {
  std::vector<runs::RunSummary> out;
  for (int64_t id : ids) {
    if (id <= 0 || !store.has_run(id))
      throw InputError("there is no run " + std::to_string(id) +
                       " (unknown or deleted; see aelab runs list)");
    out.push_back(store.get_summary(id));
  }
  return out;
}

std::string default_curve(const std::vector<runs::RunSummary>& rs) {
  return runs::is_autoencoder(rs.front().kind) ? runs::metric::test_l1
                                               : runs::metric::test_accuracy;
}

std::string label_of(const runs::RunSummary& r) {
  return "#" + std::to_string(r.id) + " " + runs::printable(r.name);
}

void write_curves_png(const runs::RunStore& store, const report::RunComparison& c,
                      const std::string& metric, const RunsCompareOptions& o) {
  const report::XAxis axis = report::parse_x_axis(o.x_axis);
  std::vector<report::XyCurve> aligned;
  for (const runs::RunSummary& r : c.runs) {
    const runs::MetricSeries s = store.metric_series(r.id, metric);
    const runs::MetricSeries secs = store.metric_series(r.id, runs::metric::seconds);
    aligned.push_back(report::align(s, axis, &secs));
  }
  std::vector<report::BandCurve> bands;
  std::vector<report::FigureCurve> fig;
  auto add = [&](const std::string& label, const report::XyCurve& xy, uint32_t col,
                 const report::BandCurve* band) {
    if (o.smooth > 0) {
      fig.push_back({"", xy, col, true, nullptr});
      fig.push_back({label, {xy.x, report::ema(xy.y, o.smooth)}, col, false, band});
    } else {
      fig.push_back({label, xy, col, false, band});
    }
  };
  if (c.grouped) {
    bands.reserve(c.groups.size());
    for (size_t g = 0; g < c.groups.size(); ++g) {
      std::vector<report::XyCurve> members;
      for (size_t m : c.groups[g].members) members.push_back(aligned[m]);
      bands.push_back(report::group_curve(members));
      const report::BandCurve& b = bands.back();
      std::string label = label_of(c.runs[c.groups[g].members.front()]);
      if (c.groups[g].members.size() > 1) label += " (" + c.groups[g].label + ", mean, min-max)";
      add(label, {b.x, b.mean}, report::palette_colour(g), &b);
    }
  } else {
    for (size_t r = 0; r < c.runs.size(); ++r)
      add(label_of(c.runs[r]) + (int(r) == c.baseline ? " (baseline)" : ""), aligned[r],
          report::palette_colour(r), nullptr);
  }
  report::FigureSpec spec;
  spec.x_label =
      axis == report::XAxis::wall_time ? "training time (s)" : std::string(report::to_string(axis));
  spec.y_label = metric;
  spec.log_y = o.log_y;
  if (o.smooth > 0)
    spec.title =
        "EMA " + std::to_string(o.smooth).substr(0, 4) + " (bias-corrected) over the raw curves";
  report::write_png(o.png, report::curves_figure(fig, spec));
}

void run_runs_compare(const RunsCompareOptions& o) {
  if (o.threads < 0) throw InputError("--threads must be >= 0 (0 = all cores)");
  if ((o.json ? 1 : 0) + (o.csv ? 1 : 0) + (o.md ? 1 : 0) > 1)
    throw InputError("choose one of --json, --csv and --md");
  if (!(o.smooth >= 0 && o.smooth < 1)) throw InputError("--smooth must be in [0, 1)");
  (void)report::parse_x_axis(o.x_axis);
  const report::ImagePick pick = report::parse_image_pick(o.pick);
  const report::MapMethod map = report::parse_map_method(o.map);
  runs::RunStore store = runs::RunStore::open(runs_db());
  const std::vector<runs::RunSummary> rs = load_summaries(store, o.runs);
  for (const runs::RunSummary& r : rs)
    if (store.metric_names(r.id).empty())
      throw InputError("run " + std::to_string(r.id) + " (" + runs::printable(r.name) +
                       ") has no metric points yet: nothing to compare");
  // --metric names a measure of the table, a stored curve, or both (test_l1).
  std::string curve = o.metric.empty() ? default_curve(rs) : o.metric;
  bool has_curve = false;
  for (const runs::RunSummary& r : rs)
    for (const std::string& n : store.metric_names(r.id)) has_curve |= n == curve;
  const report::RunColumn* col = report::find_column(o.metric);
  const bool is_measure = col && col->group == report::ColumnGroup::measure;
  if (!o.metric.empty() && !is_measure && !has_curve)
    throw InputError("no run compared has a measure or curve called '" + o.metric + "'");
  report::CompareSpec spec;
  spec.baseline = o.baseline;
  spec.group_seeds = o.group_seeds;
  spec.all_settings = o.all_settings;
  spec.metric = is_measure ? o.metric : "";
  const report::RunComparison c = report::compare_summaries(rs, spec);

  if (!o.png.empty()) {
    if (!has_curve) throw InputError("no run compared has a '" + curve + "' curve for --png");
    write_curves_png(store, c, curve, o);
  }
  const bool maps = !o.latent.empty() || !o.latent_csv.empty();
  if (!o.images.empty() || maps) {
    set_num_threads(o.threads);
    report::ViewSpec vs;
    vs.pick = pick;
    vs.count = o.digits;
    vs.seed = o.seed;
    vs.baseline = o.baseline;
    vs.disnet_run = o.disnet;
    vs.latent = maps;
    vs.map = map;
    const report::RunViews v =
        report::load_run_views(runs_db(), o.runs, train::datasets_from(data_dir()), vs);
    if (!o.images.empty()) report::write_gray_png(o.images, report::views_image(v), 2);
    if (!o.latent.empty()) {
      std::vector<std::vector<float>> xy;
      for (const report::LatentMap& m : v.maps) xy.push_back(m.xy);
      const std::vector<unsigned char> png = report::scatter_row(xy, v.labels);
      report::write_text_atomic(
          o.latent, std::string_view(reinterpret_cast<const char*>(png.data()), png.size()));
    }
    if (!o.latent_csv.empty())
      report::write_text_atomic(o.latent_csv, report::latent_maps_csv(v.run_ids, v.maps, v.labels));
  }
  if (o.json) {
    std::printf(
        "%s\n",
        report::to_json(c).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else if (o.csv || o.md) {
    const auto f = o.csv ? report::TableFormat::csv : report::TableFormat::markdown;
    std::fputs(report::to_text(report::comparison_table(c), f).c_str(), stdout);
  } else {
    std::printf("%s\n", report::format_comparison(c).c_str());
    if (!o.png.empty()) std::printf("curves of %s: %s\n", curve.c_str(), o.png.c_str());
    if (!o.images.empty())
      std::printf("digits (columns: original, then each run): %s\n", o.images.c_str());
    if (!o.latent.empty())
      std::printf("latent maps (one per run, aligned to the first; wider codes by %s): %s\n",
                  o.map.c_str(), o.latent.c_str());
    if (!o.latent_csv.empty()) std::printf("latent maps as CSV: %s\n", o.latent_csv.c_str());
  }
}

// [SECTION] aelab runs export

struct ExportOptions {
  std::vector<int64_t> runs;
  std::string format = "csv";
  std::string out = "runs-export";
};

void run_runs_export(const ExportOptions& o) {
  if (o.format != "csv" && o.format != "json")
    throw InputError("--format must be csv or json, got '" + o.format + "'");
  runs::RunStore store = runs::RunStore::open(runs_db());
  std::vector<runs::RunSummary> rs =
      o.runs.empty() ? store.list_runs() : load_summaries(store, o.runs);
  if (rs.empty()) throw InputError("the run store " + store.path().string() + " has no runs");
  const std::filesystem::path dir = o.out;
  const auto replace = nlohmann::json::error_handler_t::replace;
  if (o.format == "csv") {
    report::Table t = report::run_table(rs);
    t.columns.push_back("config");
    t.columns.push_back("result");
    for (size_t i = 0; i < rs.size(); ++i) {
      t.rows[i].push_back(report::Cell(rs[i].config.dump(-1, ' ', false, replace)));
      t.rows[i].push_back(report::Cell(rs[i].result.dump(-1, ' ', false, replace)));
    }
    report::Table points;
    points.columns = {"run", "name", "metric", "step", "epoch", "value"};
    for (const runs::RunSummary& r : rs)
      for (const std::string& m : store.metric_names(r.id)) {
        const runs::MetricSeries s = store.metric_series(r.id, m);
        for (size_t k = 0; k < s.size(); ++k)
          points.add_row({report::Cell(r.id), report::Cell(runs::printable(r.name)),
                          report::Cell(m), report::Cell(int64_t(s.steps[k])),
                          report::Cell(s.epochs[k]), report::Cell(s.values[k])});
      }
    report::write_table(dir / "runs.csv", t, report::TableFormat::csv);
    report::write_table(dir / "metrics.csv", points, report::TableFormat::csv);
    std::printf("%zu runs: %s, %s (%zu metric points)\n", rs.size(), (dir / "runs.csv").c_str(),
                (dir / "metrics.csv").c_str(), points.rows.size());
    return;
  }
  const report::Table t = report::run_table(rs);
  nlohmann::json all = nlohmann::json::array();
  const nlohmann::json rows = report::to_json(t);
  size_t points = 0;
  for (size_t i = 0; i < rs.size(); ++i) {
    nlohmann::json j = rows[i];
    j["config"] = rs[i].config;
    j["result"] = rs[i].result;
    nlohmann::json metrics = nlohmann::json::object();
    for (const std::string& m : store.metric_names(rs[i].id)) {
      const runs::MetricSeries s = store.metric_series(rs[i].id, m);
      nlohmann::json values = nlohmann::json::array();
      for (double v : s.values)
        values.push_back(std::isfinite(v) ? nlohmann::json(v) : nlohmann::json());
      metrics[m] = {{"steps", s.steps}, {"epochs", s.epochs}, {"values", values}};
      points += s.size();
    }
    j["metrics"] = metrics;
    all.push_back(std::move(j));
  }
  report::write_text_atomic(dir / "runs.json", all.dump(1, ' ', false, replace) + "\n");
  std::printf("%zu runs: %s (%zu metric points)\n", rs.size(), (dir / "runs.json").c_str(), points);
}

// [SECTION] aelab runs populate (hidden): a large store for the window's speed figures

// N finished autoencoder runs without weights (configs, results and per-epoch metric points
// like a study's), so the Runs panel can be measured with a store of 1,000 runs without training
// them. Marked "synthetic" in their config.
void run_populate(int count, int epochs, uint64_t seed) {
  if (count < 1 || count > 100000) throw InputError("the count must be between 1 and 100000");
  if (epochs < 1 || epochs > 1000) throw InputError("--epochs must be between 1 and 1000");
  runs::RunStore store = runs::RunStore::open(runs_db());
  const int latents[] = {2, 16, 256};
  const char* presets[] = {"mlp", "deep", "conv"};
  const double lrs[] = {1e-3, 3e-4, 3e-3};
  for (int i = 0; i < count; ++i) {
    const int l = latents[i % 3];
    const char* preset = presets[(i / 3) % 3];
    const double lr = lrs[(i / 9) % 3];
    const uint64_t run_seed = seed + uint64_t(i / 27);
    const nlohmann::json config = {{"model", {{"preset", preset}, {"latent", l}}},
                                   {"loss", "l1"},
                                   {"optimizer", {{"name", "adam"}, {"lr", lr}}},
                                   {"batch", 256},
                                   {"epochs", epochs},
                                   {"seed", run_seed},
                                   {"dataset", "mnist-10k"},
                                   {"limit", 0},
                                   {"synthetic", true}};
    const std::string name = std::string("synthetic-") + preset + "-L" + std::to_string(l) + "-s" +
                             std::to_string(run_seed);
    const int64_t id = store.create_run(runs::RunKind::ae, name, config);
    std::vector<runs::MetricPoint> pts;
    const double floor = l == 2 ? 0.10 : 0.049, wiggle = 0.002 * double((i * 7919) % 11) / 10;
    double l1 = 0;
    for (int e = 1; e <= epochs; ++e) {
      l1 = floor + wiggle + 0.15 * std::exp(-0.3 * e);
      const long step = long(e) * 32;
      pts.push_back({step, double(e), runs::metric::test_l1, l1});
      pts.push_back({step, double(e), runs::metric::train_loss, l1 * 0.97});
      pts.push_back({step, double(e), runs::metric::lr, lr});
      pts.push_back({step, double(e), runs::metric::seconds, 1.5 * e});
    }
    store.add_metrics(id, pts);
    store.finish_run(id, runs::RunStatus::finished, "",
                     {{"test_l1", l1},
                      {"test_mse", l1 * 0.4},
                      {"epochs_done", epochs},
                      {"train_seconds", 1.5 * epochs},
                      {"samples_per_s", 5000.0 + double(i % 100)}});
  }
  std::printf("added %d synthetic runs to %s\n", count, store.path().c_str());
}

}  // namespace

// After runs_cmd.cpp (order 80) made `aelab runs`.
AELAB_REGISTER_COMMANDS(81) {
  CLI::App* runs = app.get_subcommand("runs");
  auto o = std::make_shared<RunsCompareOptions>();
  CLI::App* cmp = runs->add_subcommand(
      "compare",
      "Runs side by side: the settings that differ, measures, deltas to a baseline, seed groups");
  cmp->add_option("ID", o->runs, "Run ids (see aelab runs list)")->required();
  cmp->add_option("--baseline", o->baseline, "Show every measure's delta to this run");
  cmp->add_flag("--group-seeds", o->group_seeds,
                "Group runs whose configs differ only in seed (mean, sd, n, min, max)");
  cmp->add_flag("--all-settings", o->all_settings,
                "List every setting, not only those that differ");
  cmp->add_option("--metric", o->metric,
                  "Only this measure in the table (e.g. test_l1), and the curve for --png");
  cmp->add_flag("--json", o->json, "Print JSON");
  cmp->add_flag("--csv", o->csv, "Print the table as CSV");
  cmp->add_flag("--md", o->md, "Print the table as Markdown");
  cmp->add_option("--png", o->png, "Write the curves of --metric (default test_l1) to this PNG");
  cmp->add_option("--x", o->x_axis, "x axis of --png: epoch, step or wall_time")
      ->capture_default_str();
  cmp->add_option("--smooth", o->smooth, "EMA weight in [0, 1) for --png (raw curves stay faint)")
      ->capture_default_str();
  cmp->add_flag("--log-y", o->log_y, "log10 y axis in --png");
  cmp->add_option("--images", o->images,
                  "Write the same test digits through every run to this PNG (autoencoders)");
  cmp->add_option("--pick", o->pick, "Which digits: first, random, disagree or worst (baseline's)")
      ->capture_default_str();
  cmp->add_option("--digits", o->digits, "How many digits in --images")->capture_default_str();
  cmp->add_option("--seed", o->seed, "Seed of --pick random")->capture_default_str();
  cmp->add_option("--disnet", o->disnet, "dis_net run scoring the digits (--images)");
  cmp->add_option("--latent", o->latent,
                  "Write the runs' latent maps of the test digits side by side to this PNG");
  cmp->add_option("--latent-csv", o->latent_csv, "Write the maps as CSV: run,index,label,method,x,y");
  cmp->add_option("--map", o->map, "How codes wider than 2 are mapped: pca or tsne")
      ->capture_default_str();
  cmp->add_option("--threads", o->threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  cmp->callback([o] { run_runs_compare(*o); });

  auto e = std::make_shared<ExportOptions>();
  CLI::App* ex = runs->add_subcommand(
      "export", "Every run's table row, config, result and metric series in one go");
  ex->add_option("ID", e->runs, "Run ids (default: every run)");
  ex->add_option("--format", e->format, "csv (runs.csv + metrics.csv) or json (runs.json)")
      ->capture_default_str();
  ex->add_option("--out", e->out, "Folder to write into (created)")->capture_default_str();
  ex->callback([e] { run_runs_export(*e); });

  struct PopulateOptions {
    int count = 1000, epochs = 10;
    uint64_t seed = 0;
  };
  auto p = std::make_shared<PopulateOptions>();
  CLI::App* pop = runs->add_subcommand(
      "populate", "Add N synthetic finished runs (no weights) for speed measurements");
  pop->group("");  // hidden: for scripts/many_runs.sh
  pop->add_option("N", p->count, "How many runs")->capture_default_str();
  pop->add_option("--epochs", p->epochs, "Metric points per curve")->capture_default_str();
  pop->add_option("--seed", p->seed, "First seed")->capture_default_str();
  pop->callback([p] { run_populate(p->count, p->epochs, p->seed); });
}

}  // namespace aelab::cli
