// aelab codes: a run's latent codes as CSV (index, split, label, z0..z{L-1}), the same library
// loader and writer as the window's "export codes"; or as .npy (codes (M, L) float32, and the
// labels as uint8 beside them in NAME.labels.npy) for NumPy, PyTorch and R to read.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/command_registry.hpp"
#include "core/error.hpp"
#include "data/matrix_file.hpp"
#include "runs/run_text.hpp"
#include "train/run_model.hpp"

namespace aelab::cli {
namespace {

struct CodesOptions {
  int64_t run = 0;
  std::string split = "test";
  std::string out;  // empty: stdout
  std::string format = "csv";
};

// codes.npy -> codes.labels.npy
std::filesystem::path labels_path_for(const std::filesystem::path& codes) {
  std::filesystem::path p = codes;
  return p.replace_extension(".labels.npy");
}

void run_codes_export(const CodesOptions& o) {
  const train::Split split = train::parse_split(o.split);  // refused before anything loads
  if (o.format != "csv" && o.format != "npy")
    throw InputError("--format must be csv or npy, not '" + o.format + "'");
  if (o.format == "npy" && (o.out.empty() || std::filesystem::path(o.out).extension() != ".npy"))
    throw InputError("--format npy needs --out FILE.npy");
  train::RunModel run = train::load_run_codes(runs_db(), data_dir(), o.run);
  const train::SplitCodes codes = train::split_codes(run, split);
  if (o.out.empty()) {
    std::fputs(train::codes_csv(codes).c_str(), stdout);
    return;
  }
  std::string also;
  if (o.format == "npy") {
    if (codes.codes.dim(0) != int64_t(codes.labels.size()))
      throw InputError("codes: " + std::to_string(codes.codes.dim(0)) + " codes for " +
                       std::to_string(codes.labels.size()) + " labels");
    data::write_npy(o.out, codes.codes);
    data::write_npy(labels_path_for(o.out), codes.labels);
    also = " (labels in " + labels_path_for(o.out).string() + ")";
  } else {
    train::write_codes_csv(o.out, codes);
  }
  std::fprintf(stderr, "wrote %lld %s codes (L = %lld) of run %lld (%s) to %s%s\n",
               static_cast<long long>(codes.codes.dim(0)), train::split_name(split),
               static_cast<long long>(codes.codes.dim(1)), static_cast<long long>(o.run),
               runs::printable(run.summary.name).c_str(), o.out.c_str(), also.c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(45) {
  auto o = std::make_shared<CodesOptions>();
  auto* c =
      app.add_subcommand("codes", "A run's latent codes as CSV (index,split,label,z0,...) or .npy");
  c->add_option("--run", o->run, "Autoencoder run id (ae or adv_ae)")->required();
  c->add_option("--split", o->split, "test | train")->capture_default_str();
  c->add_option("--out", o->out, "CSV or .npy file; default stdout (CSV)");
  c->add_option("--format", o->format, "csv | npy (codes .npy, labels in NAME.labels.npy)")
      ->capture_default_str();
  c->callback([o] { run_codes_export(*o); });
}

}  // namespace aelab::cli
