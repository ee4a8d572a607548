// aelab compare RUN_ID RUN_ID ...: (a) against (b) headless. The same report::compare_runs the
// window's comparison section calls: a table (or one JSON object) and optionally the image strip.
#include <stb_image_write.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/command_registry.hpp"
#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "report/compare.hpp"
#include "runs/run_store.hpp"
#include "train/run_model.hpp"

namespace aelab::cli {
namespace {

struct CompareOptions {
  std::vector<int64_t> runs;
  int64_t disnet = 0;
  int64_t judge = 0;
  std::string dataset;  // empty: the first run's
  int digits = 10;
  int threads = 0;
  int scale = 2;
  bool json = false;
  std::string png;
  std::string csv, markdown;  // the table as files (report::comparison_table)
};

// The strip as an 8-bit grayscale PNG, each pixel repeated scale x scale.
void write_strip_png(const report::Comparison& c, const std::string& path, int scale) {
  Tensor img = report::strip_image(c);
  if (img.numel() == 0) throw InputError("nothing to draw: the test split has no digits to show");
  const int h = int(img.dim(0)), w = int(img.dim(1)), sh = h * scale, sw = w * scale;
  std::vector<unsigned char> px(size_t(sh) * sw);
  for (int y = 0; y < sh; ++y)
    for (int x = 0; x < sw; ++x)
      px[size_t(y) * sw + x] = static_cast<unsigned char>(
          std::clamp(img[(y / scale) * w + x / scale], 0.0f, 1.0f) * 255.0f + 0.5f);
  if (!stbi_write_png(path.c_str(), sw, sh, 1, px.data(), sw))
    throw InputError("cannot write PNG '" + path + "'");
}

void run_compare(const CompareOptions& o) {
  for (int64_t id : o.runs)
    if (id <= 0)
      throw InputError("run ids are positive integers (see aelab runs list), got " +
                       std::to_string(id));
  if (o.scale < 1 || o.scale > 16) throw InputError("--scale must be between 1 and 16");
  if (o.threads < 0) throw InputError("--threads must be >= 0 (0 = all cores)");
  set_num_threads(o.threads);
  data::Dataset ds;
  if (o.dataset.empty()) {  // the first run's, from where it recorded reading it
    runs::RunStore store = runs::RunStore::open(runs_db());
    if (!store.has_run(o.runs.front()))
      throw InputError("there is no run " + std::to_string(o.runs.front()) +
                       " (see aelab runs list)");
    ds = train::load_requested_dataset(
        train::dataset_request(o.runs.front(), store.get_summary(o.runs.front()).config, 0),
        data_dir());
  } else {
    ds = data::load_dataset(o.dataset, data_dir());
  }
  report::Comparison c = report::compare_runs(runs_db(), o.runs, ds, o.disnet, o.judge, o.digits);
  if (!o.png.empty()) write_strip_png(c, o.png, o.scale);
  if (!o.csv.empty())
    report::write_table(o.csv, report::comparison_table(c), report::TableFormat::csv);
  if (!o.markdown.empty())
    report::write_table(o.markdown, report::comparison_table(c), report::TableFormat::markdown);
  if (o.json) {
    print_json(report::to_json(c));
  } else {
    std::printf("%s\n", report::format_table(c).c_str());
    if (!o.png.empty())
      std::printf("image strip (original, then each run, one column each): %s\n", o.png.c_str());
  }
}

}  // namespace

AELAB_REGISTER_COMMANDS(55) {
  auto o = std::make_shared<CompareOptions>();
  auto* cmp = app.add_subcommand(
      "compare",
      "Autoencoder runs side by side: test L1, dis_net clear score, sharpness, judge accuracy");
  cmp->add_option("runs", o->runs, "Autoencoder run ids (ae or adv_ae; see aelab runs list)")
      ->required();
  cmp->add_option("--disnet", o->disnet, "dis_net run (default: the latest finished one)");
  cmp->add_option("--judge", o->judge,
                  "Classifier run used as judge (default: the latest finished one)");
  cmp->add_option("--dataset", o->dataset,
                  "Dataset whose test split to use (default: the first run's)");
  cmp->add_option("--digits", o->digits, "Digits in the image strip (one per class)")
      ->capture_default_str();
  cmp->add_option("--threads", o->threads, "oneDNN/OpenMP threads (0 = all cores)")
      ->capture_default_str();
  cmp->add_flag("--json", o->json, "Print one JSON object");
  cmp->add_option("--png", o->png,
                  "Write the image strip (columns: original, each run) to this PNG");
  cmp->add_option("--csv", o->csv, "Write the table to this CSV file");
  cmp->add_option("--markdown", o->markdown, "Write the table to this Markdown file");
  cmp->add_option("--scale", o->scale, "PNG pixels per image pixel")->capture_default_str();
  cmp->callback([o] { run_compare(*o); });
}

}  // namespace aelab::cli
