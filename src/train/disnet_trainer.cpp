#include "train/disnet_trainer.hpp"

#include <chrono>
#include <cmath>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "data/batcher.hpp"
#include "models/dis_net.hpp"
#include "nn/loss.hpp"
#include "optim/optimizer.hpp"
#include "optim/optimizer_json.hpp"
#include "runs/metric_names.hpp"
#include "train/network_optimizer.hpp"
#include "train/run_checkpoint.hpp"
#include "train/run_ending.hpp"

namespace aelab::train {

// [SECTION] Config

void validate(const DisNetConfig& c) {
  data::validate(c.blur);
  if (c.batch < 2 || c.batch > 65536)
    throw InputError("batch size must be between 2 and 65536 (half clear, half blurred), got " +
                     std::to_string(c.batch));
  if (c.epochs < 1 || c.epochs > 100000)
    throw InputError("epochs must be between 1 and 100000, got " + std::to_string(c.epochs));
  if (!(c.lr > 0) || !std::isfinite(c.lr))
    throw InputError("learning rate must be > 0, got " + std::to_string(c.lr));
  if (c.threads < 0 || c.threads > 1024)
    throw InputError("threads must be >= 0 (0 = all cores), got " + std::to_string(c.threads));
  if (c.limit < 0) throw InputError("limit must be >= 0");
  validate_checkpoint_seconds(c.checkpoint_seconds);
}

namespace {
// The optimiser the trainer runs: Adam with the defaults at the config's rate.
optim::OptimizerConfig adam_at(double lr) {
  optim::OptimizerConfig oc;
  oc.lr = lr;
  return oc;
}
}  // namespace

nlohmann::json to_json(const DisNetConfig& c) {
  return {{"blur", {{"sigma", c.blur.sigma}, {"kernel", c.blur.kernel}}},
          {"epochs", c.epochs},
          {"batch", c.batch},
          {"optimizer", optim::to_json(adam_at(c.lr))},
          {"seed", c.seed},
          {"threads", c.threads},
          {"dataset", c.dataset},
          {"limit", c.limit},
          {"name", c.name},
          {"checkpoint_seconds", c.checkpoint_seconds},
          {"data_source", to_json(c.source)}};
}

DisNetConfig disnet_config_from_json(const nlohmann::json& j) {
  DisNetConfig c;
  try {
    if (j.contains("blur")) {
      c.blur.sigma = json_value(j.at("blur"), "sigma", c.blur.sigma, "dis_net config \"blur\"");
      c.blur.kernel = json_value(j.at("blur"), "kernel", c.blur.kernel, "dis_net config \"blur\"");
    }
    c.epochs = json_value(j, "epochs", c.epochs, "dis_net config");
    c.batch = json_value(j, "batch", c.batch, "dis_net config");
    if (j.contains("optimizer")) c.lr = optim::optimizer_config_from_json(j.at("optimizer")).lr;
    c.seed = json_value(j, "seed", c.seed, "dis_net config");
    c.threads = json_value(j, "threads", c.threads, "dis_net config");
    c.dataset = json_value(j, "dataset", c.dataset, "dis_net config");
    c.limit = json_value(j, "limit", c.limit, "dis_net config");
    c.name = json_value(j, "name", c.name, "dis_net config");
    c.checkpoint_seconds =
        json_value(j, "checkpoint_seconds", c.checkpoint_seconds, "dis_net config");
    c.source = data_source_from_json(j.value("data_source", nlohmann::json::object()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("bad dis_net config: ") + e.what());
  }
  validate(c);
  return c;
}

std::string default_run_name(const DisNetConfig& c) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "disnet-sigma%g-k%d-s%llu", c.blur.sigma, c.blur.kernel,
                static_cast<unsigned long long>(c.seed));
  return buf;
}

nlohmann::json DisNetResult::to_json() const {
  return {{"run_id", run_id},
          {"epochs_done", epochs_done},
          {"steps", steps},
          {"train_loss", train_loss},
          {"test_accuracy", test_accuracy},
          {"clear_accuracy", clear_accuracy},
          {"blurred_accuracy", blurred_accuracy},
          {"clear_score_mean", clear_score_mean},
          {"blurred_score_mean", blurred_score_mean},
          {"train_seconds", train_seconds},
          {"samples_per_s", samples_per_s}};
}

// [SECTION] Shared CNN helpers

namespace {
constexpr int64_t kEvalBatch = 500;
}

Tensor forward_all(nn::Sequential& net, const Tensor& images) {
  const int64_t m = images.dim(0);
  Tensor out;
  Tensor batch;
  for (int64_t b = 0; b < m; b += kEvalBatch) {
    const int64_t e = std::min(m, b + kEvalBatch);
    batch = slice_rows(images, b, e);
    const Tensor& y = net.forward(batch);  // (e - b, K)
    const int64_t k = y.numel() / (e - b);
    if (b == 0) out = Tensor({m, k});
    std::copy_n(y.data(), y.numel(), out.data() + b * k);
  }
  return out;
}

Tensor disnet_scores(nn::Sequential& net, const Tensor& images) {
  Tensor logits = forward_all(net, images);  // (M, 1)
  Tensor s({images.dim(0)});
  for (int64_t i = 0; i < s.numel(); ++i) s[i] = float(1.0 / (1.0 + std::exp(-double(logits[i]))));
  return s;
}

void set_weights(nn::Sequential& net, const runs::NamedTensors& weights) {
  std::vector<nn::Param*> params = net.params();
  if (params.size() != weights.size())
    throw InputError("checkpoint has " + std::to_string(weights.size()) + " tensors, the model " +
                     std::to_string(params.size()));
  for (size_t i = 0; i < params.size(); ++i)
    if (params[i]->value.shape() != weights[i].value.shape())
      throw InputError("checkpoint tensor " + std::to_string(i) + " has shape " +
                       shape_str(weights[i].value.shape()) + ", the model wants " +
                       shape_str(params[i]->value.shape()));
  for (size_t i = 0; i < params.size(); ++i) params[i]->value = weights[i].value;
}

int64_t resolve_finished_run(const runs::RunStore& store, int64_t run_id, runs::RunKind kind,
                             const std::string& what, const std::string& how) {
  if (run_id <= 0) {
    auto latest = store.latest_run_of_kind(kind, /*finished_only=*/true);
    if (!latest)
      throw InputError("no finished " + what + " run in " + store.path().string() +
                       "; train one first: " + how);
    return latest->id;
  }
  if (!store.has_run(run_id)) throw InputError("there is no run " + std::to_string(run_id));
  runs::RunSummary s = store.get_summary(run_id);
  if (s.kind != kind)
    throw InputError("run " + std::to_string(run_id) + " is a '" +
                     std::string(runs::to_string(s.kind)) + "' run, not a " + what + " run");
  if (s.status != runs::RunStatus::finished)
    throw InputError("run " + std::to_string(run_id) + " (" + what + ") is " +
                     std::string(runs::to_string(s.status)) + ", not finished");
  return run_id;
}

int64_t resolve_disnet_run(const runs::RunStore& store, int64_t run_id) {
  return resolve_finished_run(store, run_id, runs::RunKind::disnet, "dis_net",
                              "aelab train disnet");
}

LoadedDisNet load_disnet(const std::filesystem::path& runs_db, int64_t run_id) {
  runs::RunStore store = runs::RunStore::open(runs_db);
  LoadedDisNet out;
  out.run_id = resolve_disnet_run(store, run_id);
  out.config = disnet_config_from_json(store.get_run(out.run_id).config);
  Rng rng(out.config.seed);
  out.net = models::build_dis_net(rng);
  set_weights(out.net, store.load_checkpoint(out.run_id, runs::kFinalCheckpoint));
  return out;
}

// [SECTION] Training

namespace {

struct Accuracy {
  double all = 0, clear = 0, blurred = 0, clear_score = 0, blurred_score = 0;
};

Accuracy evaluate(nn::Sequential& net, const Tensor& clear, const Tensor& blurred) {
  Tensor sc = disnet_scores(net, clear), sb = disnet_scores(net, blurred);
  Accuracy a;
  for (int64_t i = 0; i < sc.numel(); ++i) {
    a.clear += sc[i] > 0.5f;
    a.clear_score += sc[i];
  }
  for (int64_t i = 0; i < sb.numel(); ++i) {
    a.blurred += sb[i] <= 0.5f;
    a.blurred_score += sb[i];
  }
  const double n = std::max<int64_t>(sc.numel(), 1);
  a.all = (a.clear + a.blurred) / (2 * n);
  a.clear /= n;
  a.blurred /= n;
  a.clear_score /= n;
  a.blurred_score /= n;
  return a;
}

}  // namespace

namespace {

void restore_result(DisNetResult& r, const nlohmann::json& j) {
  constexpr const char* kResult = "the checkpoint's result";
  if (!j.is_object()) return;
  r.epochs_done = json_value(j, "epochs_done", r.epochs_done, kResult);
  r.steps = json_value(j, "steps", r.steps, kResult);
  r.train_loss = json_value(j, "train_loss", r.train_loss, kResult);
  r.test_accuracy = json_value(j, "test_accuracy", r.test_accuracy, kResult);
  r.clear_accuracy = json_value(j, "clear_accuracy", r.clear_accuracy, kResult);
  r.blurred_accuracy = json_value(j, "blurred_accuracy", r.blurred_accuracy, kResult);
  r.clear_score_mean = json_value(j, "clear_score_mean", r.clear_score_mean, kResult);
  r.blurred_score_mean = json_value(j, "blurred_score_mean", r.blurred_score_mean, kResult);
}

// The loop of a new run (resume null) or of one continued from its "last" checkpoint: "w.*"
// the weights, "m.*" Adam, "rng" (the batcher's draws), "result" the result so far.
DisNetResult run_disnet(const DisNetConfig& config, const data::Dataset& ds, runs::RunStore& store,
                        DisNetResult result, const std::string& name,
                        const runs::Checkpoint* resume, JobContext& ctx) {
  nlohmann::json info = {{"run_id", result.run_id}, {"run_name", name}, {"epochs", config.epochs}};
  ctx.publish_info(info);

  try {
    Rng rng(config.seed);
    nn::Sequential net = models::build_dis_net(rng);
    net.set_needs_input_grad(false);  // fed with data: no input gradient
    std::vector<nn::Param*> params = net.params();
    auto opt = make_network_optimizer(adam_at(config.lr), params);
    nn::BCEWithLogitsLoss bce;

    // Blur both splits once up front; a batch is then two gathers.
    const Tensor& train_clear = ds.train_images;
    const Tensor train_blurred = data::gaussian_blur(train_clear, config.blur);
    const Tensor test_blurred = data::gaussian_blur(ds.test_images, config.blur);

    const int64_t half = config.batch / 2;
    data::Batcher batcher(train_clear.dim(0), half, rng);
    const long total_steps = batcher.batches_per_epoch() * config.epochs;
    std::span<const int64_t> idx;
    Tensor part, batch, target;
    LoopPosition at;
    nlohmann::json resumed_sums;
    if (resume) {
      const CheckpointReader ckpt(*resume, result.run_id);
      at = ckpt.position();
      ckpt.load_rng("rng", rng);
      ckpt.load_params("w.", params);
      ckpt.load_optimizer("m.", *opt);
      restore_result(result, ckpt.state().value("result", nlohmann::json::object()));
      if (ckpt.mid_epoch()) resumed_sums = ckpt.load_batcher(batcher);
      if (at.epoch > config.epochs)
        throw InputError("run " + std::to_string(result.run_id) + "'s checkpoint is at epoch " +
                         std::to_string(at.epoch) + " of " + std::to_string(config.epochs));
      ctx.publish_snapshot(values_of(params));
    }
    long& step = at.step;
    double& train_seconds = at.train_seconds;
    const DivergenceGuard guard;
    CheckpointTimer timer(config.checkpoint_seconds);
    auto write_checkpoint = [&](int epochs_done, double seconds,
                                std::span<const runs::MetricPoint> points,
                                const nlohmann::json* epoch_sums) {
      guard.check_params(params, step, /*force=*/true);
      CheckpointWriter w({epochs_done, step, seconds}, ds);
      w.put_params("w.", params);
      w.put_optimizer("m.", *opt);
      w.put_rng("rng", rng);
      w.state["result"] = result.to_json();
      if (epoch_sums) w.put_batcher(batcher, *epoch_sums);
      w.record(store, result.run_id, points,
               progress_message(epochs_done, config.epochs, epoch_sums != nullptr, step),
               result.to_json());
      timer.restart();
    };

    // A checkpoint of the start (the initial weights and generators): a run killed before its
    // first epoch ends resumes from here to the numbers of a run never killed.
    if (!resume) write_checkpoint(0, 0.0, {}, nullptr);
    for (int epoch = at.epoch; epoch < config.epochs; ++epoch) {
      auto epoch_start = std::chrono::steady_clock::now();
      double loss_sum = 0;
      int64_t seen = 0, correct = 0, window_seen = 0;
      if (!resumed_sums.is_null()) {  // the epoch a mid-epoch checkpoint stopped in
        constexpr const char* kSums = "the mid-epoch checkpoint's sums";
        loss_sum = json_value(resumed_sums, "loss", 0.0, kSums);
        seen = json_value(resumed_sums, "seen", int64_t{0}, kSums);
        correct = json_value(resumed_sums, "correct", int64_t{0}, kSums);
        window_seen = json_value(resumed_sums, "window_seen", int64_t{0}, kSums);
        resumed_sums = nullptr;
      }
      while (batcher.next(idx)) {
        ctx.checkpoint();
        if (auto lr = ctx.take_lr_request()) {
          opt->set_lr(*lr);
          ctx.publish_metric({step, double(epoch), runs::metric::lr, *lr});
        }
        // batch: (2n, 1, 28, 28), clear digits first (target 1), then the same digits blurred (0)
        const int64_t n = static_cast<int64_t>(idx.size());
        batch.resize({2 * n, 1, 28, 28});
        gather_rows_into(train_clear, idx, part);
        std::copy_n(part.data(), part.numel(), batch.data());
        gather_rows_into(train_blurred, idx, part);
        std::copy_n(part.data(), part.numel(), batch.data() + part.numel());
        target.resize({2 * n, 1});
        for (int64_t i = 0; i < 2 * n; ++i) target[i] = i < n ? 1.0f : 0.0f;

        net.zero_grad();
        const Tensor& logits = net.forward(batch);  // (2n, 1)
        float l = bce.forward(logits, target);
        guard.check_loss(l, step);
        for (int64_t i = 0; i < 2 * n; ++i) correct += (logits[i] > 0) == (target[i] > 0.5f);
        net.backward(bce.backward());
        opt->step();
        guard.check_params(params, step);
        loss_sum += double(l) * 2 * n;
        seen += 2 * n;
        window_seen += 2 * n;
        ++step;
        if (step % 10 == 0) {
          const double ep = epoch + double(seen) / (2.0 * train_clear.dim(0));
          ctx.publish_metrics(std::vector<runs::MetricPoint>{
              {step, ep, runs::metric::train_loss_step, l},
              {step, ep, runs::metric::train_acc_step,
               double(correct) / std::max<int64_t>(window_seen, 1)}});
          correct = window_seen = 0;
        }
        ctx.report_progress(double(step) / total_steps, "epoch " + std::to_string(epoch + 1) + "/" +
                                                            std::to_string(config.epochs) +
                                                            ", loss " + std::to_string(l));
        if (timer.due()) {
          const nlohmann::json sums = {{"loss", loss_sum},
                                       {"seen", seen},
                                       {"correct", correct},
                                       {"window_seen", window_seen}};
          write_checkpoint(epoch, train_seconds + seconds_since(epoch_start), {}, &sums);
        }
      }
      train_seconds += seconds_since(epoch_start);

      Accuracy acc = evaluate(net, ds.test_images, test_blurred);
      result.epochs_done = epoch + 1;
      result.steps = step;
      result.train_loss = loss_sum / std::max<int64_t>(seen, 1);
      result.test_accuracy = acc.all;
      result.clear_accuracy = acc.clear;
      result.blurred_accuracy = acc.blurred;
      result.clear_score_mean = acc.clear_score;
      result.blurred_score_mean = acc.blurred_score;
      const double ep = epoch + 1;
      namespace m = runs::metric;
      std::vector<runs::MetricPoint> points{{step, ep, m::train_loss, result.train_loss},
                                            {step, ep, m::test_accuracy, acc.all},
                                            {step, ep, m::clear_score_mean, acc.clear_score},
                                            {step, ep, m::blurred_score_mean, acc.blurred_score},
                                            {step, ep, m::seconds, train_seconds}};
      write_checkpoint(epoch + 1, train_seconds, points, nullptr);
      ctx.publish_metrics(points);
      ctx.publish_snapshot(values_of(params));
      info["epoch"] = epoch + 1;
      info["test_accuracy"] = acc.all;
      ctx.publish_info(info);
    }

    result.train_seconds = train_seconds;
    result.samples_per_s =
        train_seconds > 0 ? 2.0 * double(train_clear.dim(0)) * result.epochs_done / train_seconds
                          : 0.0;
    guard.check_params(params, step, /*force=*/true);
    store.save_checkpoint(result.run_id, runs::kFinalCheckpoint,
                          runs::name_in_order(values_of(params)));
    store.finish_run(result.run_id, runs::RunStatus::finished, "", result.to_json());
    store.delete_checkpoint(result.run_id, runs::kLastCheckpoint);  // a finished run keeps "final"
    ctx.report_progress(1.0, name + ": test accuracy " + std::to_string(result.test_accuracy));
    return result;
  } catch (...) {
    record_run_ending(store, result.run_id, result.to_json());
    throw;
  }
}

}  // namespace

DisNetResult train_disnet(const DisNetConfig& config, const data::Dataset& ds,
                          const std::filesystem::path& runs_db, JobContext& ctx) {
  validate(config);
  require_both_splits(ds);
  set_num_threads(config.threads);
  runs::RunStore store = runs::RunStore::open(runs_db);
  DisNetResult result;
  const std::string wanted = config.name.empty() ? default_run_name(config) : config.name;
  result.run_id = store.create_run(runs::RunKind::disnet, wanted, to_json(config));
  const std::string name = store.get_summary(result.run_id).name;  // made unique by the store
  ctx.name_run(wanted, name);
  return run_disnet(config, ds, store, std::move(result), name, nullptr, ctx);
}

DisNetResult resume_disnet(int64_t run_id, const data::Dataset& ds,
                           const std::filesystem::path& runs_db, JobContext& ctx) {
  runs::RunStore store = runs::RunStore::open(runs_db);
  const runs::RunSummary s = check_resumable_run(
      store, run_id, [](runs::RunKind k) { return k == runs::RunKind::disnet; }, "a dis_net run");
  const DisNetConfig config = disnet_config_from_json(s.config);
  set_num_threads(config.threads);
  // No checkpoint: it starts again from the beginning (its seed gives the same run).
  const std::optional<runs::Checkpoint> ckpt = reopen_for_resume(store, s, ds);
  DisNetResult result;
  result.run_id = run_id;
  return run_disnet(config, ds, store, std::move(result), s.name, ckpt ? &*ckpt : nullptr, ctx);
}

}  // namespace aelab::train
