// aelab score: dis_net's clear score on the clear, blurred and (with --run) reconstructed test
// digits, the same library call as the Blur & dis_net panel's histogram.
#include <cstdio>
#include <memory>

#include "cli/command_registry.hpp"
#include "train/disnet_scoring.hpp"
#include "train/disnet_trainer.hpp"

namespace aelab::cli {
namespace {

struct ScoreOptions {
  train::ScoreRequest request;
  data::BlurSpec blur;  // used when --sigma or --kernel is given
  bool json = false, per_digit = false;
};

void run_score(const ScoreOptions& o) {
  runs::RunStore store = runs::RunStore::open(runs_db());
  train::DisNetScores s =
      train::score_test_digits(store, o.request, train::datasets_from(data_dir()));
  if (o.json)
    print_json(train::to_json(s, o.per_digit));
  else
    std::printf("%s\n", train::format_scores(s).c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(46) {
  auto o = std::make_shared<ScoreOptions>();
  auto* c = app.add_subcommand(
      "score", "dis_net's clear score on clear, blurred and reconstructed test digits");
  c->add_option("--disnet", o->request.disnet_run, "dis_net run id")->required();
  c->add_option("--run", o->request.ae_run, "Autoencoder run whose reconstructions to score");
  auto* sigma = c->add_option("--sigma", o->blur.sigma,
                              "Blur sigma of the blurred set (default: the dis_net run's)");
  auto* kernel = c->add_option("--kernel", o->blur.kernel,
                               "Blur kernel of the blurred set (default: the dis_net run's)");
  c->add_flag("--json", o->json, "Print one JSON object");
  c->add_flag("--per-digit", o->per_digit, "With --json: every digit's scores too");
  c->callback([o, sigma, kernel] {
    if (sigma->count() > 0 || kernel->count() > 0) {
      // The flag not given keeps the dis_net run's value: fill it in from the run first.
      runs::RunStore store = runs::RunStore::open(runs_db());
      const int64_t id = train::resolve_disnet_run(store, o->request.disnet_run);
      data::BlurSpec b = train::disnet_config_from_json(store.get_run(id).config).blur;
      if (sigma->count() > 0) b.sigma = o->blur.sigma;
      if (kernel->count() > 0) b.kernel = o->blur.kernel;
      o->request.blur = b;
    }
    run_score(*o);
  });
}

}  // namespace aelab::cli
