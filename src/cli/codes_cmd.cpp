// aelab codes: a run's latent codes as CSV (index, split, label, z0..z{L-1}), the same library
// loader and writer as the window's "export codes".
#include <cstdio>
#include <memory>
#include <string>

#include "cli/command_registry.hpp"
#include "runs/run_text.hpp"
#include "train/run_model.hpp"

namespace aelab::cli {
namespace {

struct CodesOptions {
  int64_t run = 0;
  std::string split = "test";
  std::string out;  // empty: stdout
};

void run_codes_export(const CodesOptions& o) {
  const train::Split split = train::parse_split(o.split);  // refused before anything loads
  train::RunModel run = train::load_run_codes(runs_db(), data_dir(), o.run);
  const train::SplitCodes codes = train::split_codes(run, split);
  if (o.out.empty()) {
    std::fputs(train::codes_csv(codes).c_str(), stdout);
    return;
  }
  train::write_codes_csv(o.out, codes);
  std::fprintf(stderr, "wrote %lld %s codes (L = %lld) of run %lld (%s) to %s\n",
               static_cast<long long>(codes.codes.dim(0)), train::split_name(split),
               static_cast<long long>(codes.codes.dim(1)), static_cast<long long>(o.run),
               runs::printable(run.summary.name).c_str(), o.out.c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(45) {
  auto o = std::make_shared<CodesOptions>();
  auto* c = app.add_subcommand("codes", "A run's latent codes as CSV (index,split,label,z0,...)");
  c->add_option("--run", o->run, "Autoencoder run id (ae or adv_ae)")->required();
  c->add_option("--split", o->split, "test | train")->capture_default_str();
  c->add_option("--out", o->out, "CSV file; default stdout");
  c->callback([o] { run_codes_export(*o); });
}

}  // namespace aelab::cli
