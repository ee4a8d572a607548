#include "train/disnet_scoring.hpp"

#include <cstdio>

#include "core/error.hpp"
#include "train/disnet_trainer.hpp"

namespace aelab::train {

namespace {

std::vector<float> to_vector(const Tensor& t) {
  return std::vector<float>(t.data(), t.data() + t.numel());
}

double mean(const std::vector<float>& v) {
  double s = 0;
  for (float x : v) s += x;
  return v.empty() ? 0.0 : s / double(v.size());
}

double fraction_clear(const std::vector<float>& v) {
  double n = 0;
  for (float x : v) n += x > 0.5f;
  return v.empty() ? 0.0 : n / double(v.size());
}

void progress(JobContext* ctx, double f, const std::string& line) {
  if (!ctx) return;
  ctx->checkpoint();
  ctx->report_progress(f, line);
}

}  // namespace

DisNetScores score_test_digits(const runs::RunStore& store, const ScoreRequest& request,
                               const DatasetSource& datasets, JobContext* ctx) {
  DisNetScores out;
  out.disnet_run = resolve_disnet_run(store, request.disnet_run);
  const DisNetConfig dis_config = disnet_config_from_json(store.get_run(out.disnet_run).config);
  out.dataset = dis_config.dataset;
  out.blur = request.blur.value_or(dis_config.blur);
  data::validate(out.blur);
  if (request.ae_run != 0) {
    runs::RunRecord rec = check_autoencoder_run(store, request.ae_run);
    const AeTrainConfig ae_config = ae_config_from_json(rec.config);
    if (ae_config.dataset != out.dataset)
      throw InputError("run " + std::to_string(request.ae_run) + " was trained on '" +
                       ae_config.dataset + "', dis_net run " + std::to_string(out.disnet_run) +
                       " on '" + out.dataset + "'");
  }

  progress(ctx, 0.0, "loading dis_net");
  LoadedDisNet dis = load_disnet(store.path(), out.disnet_run);
  std::shared_ptr<const data::Dataset> ds =
      datasets(dataset_request(out.disnet_run, store.get_run(out.disnet_run).config, 0));
  progress(ctx, 0.2, "clear digits");
  out.clear = to_vector(disnet_scores(dis.net, ds->test_images));
  progress(ctx, 0.5, "blurred digits");
  out.blurred = to_vector(disnet_scores(dis.net, data::gaussian_blur(ds->test_images, out.blur)));
  if (request.ae_run != 0) {
    progress(ctx, 0.7, "reconstructions of run " + std::to_string(request.ae_run));
    RunModel run = load_run_model(store, request.ae_run);
    const Tensor recon = reconstruct_all(*run.model, model_input(run.config, ds->test_images));
    out.recon = to_vector(disnet_scores(dis.net, recon));
    out.ae_run = request.ae_run;
    out.ae_name = run.summary.name;
    out.recon_mean = mean(out.recon);
    out.recon_clear_fraction = fraction_clear(out.recon);
  }
  out.clear_mean = mean(out.clear);
  out.blurred_mean = mean(out.blurred);
  out.clear_accuracy = fraction_clear(out.clear);
  out.blurred_accuracy = 1.0 - fraction_clear(out.blurred);
  out.accuracy = 0.5 * (out.clear_accuracy + out.blurred_accuracy);
  progress(ctx, 1.0, "scored");
  return out;
}

nlohmann::json to_json(const DisNetScores& s, bool per_digit) {
  nlohmann::json j = {{"disnet_run", s.disnet_run},
                      {"dataset", s.dataset},
                      {"test_count", s.clear.size()},
                      {"blur", {{"sigma", s.blur.sigma}, {"kernel", s.blur.kernel}}},
                      {"clear_mean", s.clear_mean},
                      {"blurred_mean", s.blurred_mean},
                      {"clear_accuracy", s.clear_accuracy},
                      {"blurred_accuracy", s.blurred_accuracy},
                      {"accuracy", s.accuracy}};
  if (s.ae_run != 0) {
    j["ae_run"] = s.ae_run;
    j["ae_name"] = s.ae_name;
    j["recon_mean"] = s.recon_mean;
    j["recon_clear_fraction"] = s.recon_clear_fraction;
  }
  if (per_digit) {
    j["clear"] = s.clear;
    j["blurred"] = s.blurred;
    if (s.ae_run != 0) j["recon"] = s.recon;
  }
  return j;
}

std::string format_scores(const DisNetScores& s) {
  char buf[256];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "dis_net run %lld on %zu %s test digits (blur sigma %g, kernel %d)",
                static_cast<long long>(s.disnet_run), s.clear.size(), s.dataset.c_str(),
                s.blur.sigma, s.blur.kernel);
  out += buf;
  std::snprintf(buf, sizeof buf, "\n%-28s %11s %13s", "digits", "clear score", "scored clear");
  out += buf;
  auto row = [&](const std::string& what, double mean_score, double clear_fraction) {
    std::snprintf(buf, sizeof buf, "\n%-28s %11.4f %12.2f%%", what.c_str(), mean_score,
                  100.0 * clear_fraction);
    out += buf;
  };
  row("clear", s.clear_mean, s.clear_accuracy);
  row("blurred", s.blurred_mean, 1.0 - s.blurred_accuracy);
  if (s.ae_run != 0)
    row("run " + std::to_string(s.ae_run) + " (" + s.ae_name + ")", s.recon_mean,
        s.recon_clear_fraction);
  std::snprintf(buf, sizeof buf, "\nclear vs blurred accuracy %.2f%%", 100.0 * s.accuracy);
  out += buf;
  return out;
}

}  // namespace aelab::train
