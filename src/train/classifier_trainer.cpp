#include "train/classifier_trainer.hpp"

#include <chrono>
#include <cmath>

#include "core/dnnl_context.hpp"
#include "core/error.hpp"
#include "core/json_read.hpp"
#include "data/augment.hpp"
#include "data/batcher.hpp"
#include "models/dis_net.hpp"
#include "nn/loss.hpp"
#include "optim/optimizer.hpp"
#include "optim/optimizer_json.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_store.hpp"
#include "train/disnet_trainer.hpp"
#include "train/network_optimizer.hpp"
#include "train/run_checkpoint.hpp"
#include "train/run_ending.hpp"

namespace aelab::train {

// [SECTION] Config

void validate(const ClassifierConfig& c) {
  if (c.batch < 1 || c.batch > 65536)
    throw InputError("batch size must be between 1 and 65536, got " + std::to_string(c.batch));
  if (c.epochs < 1 || c.epochs > 100000)
    throw InputError("epochs must be between 1 and 100000, got " + std::to_string(c.epochs));
  if (!(c.lr > 0) || !std::isfinite(c.lr))
    throw InputError("learning rate must be > 0, got " + std::to_string(c.lr));
  if (c.threads < 0 || c.threads > 1024)
    throw InputError("threads must be >= 0 (0 = all cores), got " + std::to_string(c.threads));
  if (c.limit < 0) throw InputError("limit must be >= 0");
  if (c.lr_schedule != "constant" && c.lr_schedule != "cosine")
    throw InputError("lr schedule must be 'constant' or 'cosine', got '" + c.lr_schedule + "'");
  if (c.shift < 0 || c.shift > 4)
    throw InputError("shift must be between 0 and 4 pixels, got " + std::to_string(c.shift));
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

nlohmann::json to_json(const ClassifierConfig& c) {
  return {{"epochs", c.epochs},
          {"batch", c.batch},
          {"optimizer", optim::to_json(adam_at(c.lr))},
          {"lr_schedule", c.lr_schedule},
          {"shift", c.shift},
          {"seed", c.seed},
          {"threads", c.threads},
          {"dataset", c.dataset},
          {"limit", c.limit},
          {"name", c.name},
          {"checkpoint_seconds", c.checkpoint_seconds},
          {"data_source", to_json(c.source)}};
}

ClassifierConfig classifier_config_from_json(const nlohmann::json& j) {
  ClassifierConfig c;
  try {
    c.epochs = json_value(j, "epochs", c.epochs, "classifier config");
    c.batch = json_value(j, "batch", c.batch, "classifier config");
    if (j.contains("optimizer")) c.lr = optim::optimizer_config_from_json(j.at("optimizer")).lr;
    // Runs recorded before these settings existed trained without them.
    c.lr_schedule = json_value(j, "lr_schedule", std::string("constant"), "classifier config");
    c.shift = json_value(j, "shift", 0, "classifier config");
    c.seed = json_value(j, "seed", c.seed, "classifier config");
    c.threads = json_value(j, "threads", c.threads, "classifier config");
    c.dataset = json_value(j, "dataset", c.dataset, "classifier config");
    c.limit = json_value(j, "limit", c.limit, "classifier config");
    c.name = json_value(j, "name", c.name, "classifier config");
    c.checkpoint_seconds =
        json_value(j, "checkpoint_seconds", c.checkpoint_seconds, "classifier config");
    c.source = data_source_from_json(j.value("data_source", nlohmann::json::object()));
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("bad classifier config: ") + e.what());
  }
  validate(c);
  return c;
}

nlohmann::json ClassifierResult::to_json() const {
  return {{"run_id", run_id},
          {"epochs_done", epochs_done},
          {"steps", steps},
          {"train_loss", train_loss},
          {"test_accuracy", test_accuracy},
          {"train_seconds", train_seconds},
          {"samples_per_s", samples_per_s}};
}

// [SECTION] Inference

std::vector<uint8_t> classify(nn::Sequential& net, const Tensor& images) {
  Tensor logits = forward_all(net, images);  // (M, 10)
  const int64_t m = images.dim(0), k = m > 0 ? logits.numel() / m : 0;
  std::vector<uint8_t> out(static_cast<size_t>(m));
  for (int64_t i = 0; i < m; ++i) {
    const float* r = logits.data() + i * k;
    out[i] = static_cast<uint8_t>(std::max_element(r, r + k) - r);
  }
  return out;
}

double accuracy(std::span<const uint8_t> predicted, std::span<const uint8_t> labels) {
  if (predicted.size() != labels.size())
    throw ShapeError("accuracy: " + std::to_string(predicted.size()) + " predictions for " +
                     std::to_string(labels.size()) + " labels");
  if (labels.empty()) return 0.0;
  size_t right = 0;
  for (size_t i = 0; i < labels.size(); ++i) right += predicted[i] == labels[i];
  return double(right) / double(labels.size());
}

LoadedClassifier load_classifier(const std::filesystem::path& runs_db, int64_t run_id) {
  runs::RunStore store = runs::RunStore::open(runs_db);
  LoadedClassifier out;
  out.run_id = resolve_finished_run(store, run_id, runs::RunKind::classifier, "classifier (judge)",
                                    "aelab train classifier");
  ClassifierConfig c = classifier_config_from_json(store.get_run(out.run_id).config);
  Rng rng(c.seed);
  out.net = models::build_digit_classifier(rng);
  set_weights(out.net, store.load_checkpoint(out.run_id, runs::kFinalCheckpoint));
  return out;
}

// [SECTION] Training

namespace {

// Moves each image of `batch` (n, 1, 28, 28) in place by a random (dx, dy) in [-shift, shift]^2,
// filling with 0 (the background): the judge should not care where exactly a digit sits.
void random_shift(Tensor& batch, int shift, Rng& rng) {
  if (shift <= 0) return;
  const int64_t n = batch.dim(0), h = batch.dim(2), w = batch.dim(3);
  std::vector<float> src(static_cast<size_t>(h * w));
  for (int64_t i = 0; i < n; ++i) {
    float* img = batch.data() + i * h * w;
    const int64_t dx = rng.below(2 * shift + 1) - shift, dy = rng.below(2 * shift + 1) - shift;
    if (dx == 0 && dy == 0) continue;
    std::copy(img, img + h * w, src.begin());
    data::affine_warp(src.data(), img, h, w, 0.0, double(dx), double(dy));  // exact at whole pixels
  }
}

// Cosine from lr at step 0 to lr / 20 at the last step.
double scheduled_lr(const ClassifierConfig& c, long step, long total_steps) {
  if (c.lr_schedule != "cosine" || total_steps <= 1) return c.lr;
  const double t = double(step) / double(total_steps - 1);
  const double floor = c.lr / 20;
  return floor + 0.5 * (c.lr - floor) * (1 + std::cos(3.141592653589793 * t));
}

void restore_result(ClassifierResult& r, const nlohmann::json& j) {
  constexpr const char* kResult = "the checkpoint's result";
  if (!j.is_object()) return;
  r.epochs_done = json_value(j, "epochs_done", r.epochs_done, kResult);
  r.steps = json_value(j, "steps", r.steps, kResult);
  r.train_loss = json_value(j, "train_loss", r.train_loss, kResult);
  r.test_accuracy = json_value(j, "test_accuracy", r.test_accuracy, kResult);
}

// The loop of a new run (resume null) or of one continued from its "last" checkpoint: "w.*"
// the weights, "m.*" Adam, "rng" and "aug_rng", "scheduled" (false once the user set an lr),
// "result" the result so far.
ClassifierResult run_classifier(const ClassifierConfig& config, const data::Dataset& ds,
                                runs::RunStore& store, ClassifierResult result,
                                const std::string& name, const runs::Checkpoint* resume,
                                JobContext& ctx) {
  nlohmann::json info = {{"run_id", result.run_id}, {"run_name", name}, {"epochs", config.epochs}};
  ctx.publish_info(info);

  try {
    Rng rng(config.seed);
    nn::Sequential net = models::build_digit_classifier(rng);
    net.set_needs_input_grad(false);
    std::vector<nn::Param*> params = net.params();
    auto opt = make_network_optimizer(adam_at(config.lr), params);
    nn::CrossEntropyLoss ce;
    const Tensor all_labels = nn::CrossEntropyLoss::label_tensor(ds.train_labels);

    data::Batcher batcher(ds.train_images.dim(0), config.batch, rng);
    const long total_steps = batcher.batches_per_epoch() * config.epochs;
    std::span<const int64_t> idx;
    Tensor batch, labels;
    Rng aug_rng = rng.split();
    bool scheduled = config.lr_schedule == "cosine";
    LoopPosition at;
    nlohmann::json resumed_sums;
    if (resume) {
      const CheckpointReader ckpt(*resume, result.run_id);
      at = ckpt.position();
      ckpt.load_rng("rng", rng);
      ckpt.load_rng("aug_rng", aug_rng);
      ckpt.load_params("w.", params);
      ckpt.load_optimizer("m.", *opt);
      scheduled = ckpt.value<bool>("scheduled");
      restore_result(result, ckpt.state().value("result", nlohmann::json::object()));
      if (ckpt.mid_epoch()) resumed_sums = ckpt.load_batcher(batcher);
      if (at.epoch > config.epochs)
        throw InputError("run " + std::to_string(result.run_id) + "'s checkpoint is at epoch " +
                         std::to_string(at.epoch) + " of " + std::to_string(config.epochs));
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
      w.put_rng("aug_rng", aug_rng);
      w.state["scheduled"] = scheduled;
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
      int64_t seen = 0;
      if (!resumed_sums.is_null()) {  // the epoch a mid-epoch checkpoint stopped in
        constexpr const char* kSums = "the mid-epoch checkpoint's sums";
        loss_sum = json_value(resumed_sums, "loss", 0.0, kSums);
        seen = json_value(resumed_sums, "seen", int64_t{0}, kSums);
        resumed_sums = nullptr;
      }
      while (batcher.next(idx)) {
        ctx.checkpoint();
        // A user's lr request ends the schedule: their value holds from then on.
        if (auto lr = ctx.take_lr_request()) {
          opt->set_lr(*lr);
          scheduled = false;
        } else if (scheduled) {
          opt->set_lr(scheduled_lr(config, step, total_steps));
        }
        gather_rows_into(ds.train_images, idx, batch);
        random_shift(batch, config.shift, aug_rng);
        labels.resize({static_cast<int64_t>(idx.size())});
        for (size_t i = 0; i < idx.size(); ++i) labels[int64_t(i)] = all_labels[idx[i]];
        net.zero_grad();
        float l = ce.forward(net.forward(batch), labels);
        guard.check_loss(l, step);
        net.backward(ce.backward());
        opt->step();
        guard.check_params(params, step);
        loss_sum += double(l) * idx.size();
        seen += static_cast<int64_t>(idx.size());
        ++step;
        if (step % 10 == 0)
          ctx.publish_metric({step, epoch + double(seen) / ds.train_images.dim(0),
                              runs::metric::train_loss_step, l});
        ctx.report_progress(double(step) / total_steps, "epoch " + std::to_string(epoch + 1) + "/" +
                                                            std::to_string(config.epochs) +
                                                            ", loss " + std::to_string(l));
        if (timer.due()) {
          const nlohmann::json sums = {{"loss", loss_sum}, {"seen", seen}};
          write_checkpoint(epoch, train_seconds + seconds_since(epoch_start), {}, &sums);
        }
      }
      train_seconds += seconds_since(epoch_start);
      result.epochs_done = epoch + 1;
      result.steps = step;
      result.train_loss = loss_sum / std::max<int64_t>(seen, 1);
      result.test_accuracy = accuracy(classify(net, ds.test_images), ds.test_labels);
      std::vector<runs::MetricPoint> points{
          {step, double(epoch + 1), runs::metric::train_loss, result.train_loss},
          {step, double(epoch + 1), runs::metric::test_accuracy, result.test_accuracy}};
      write_checkpoint(epoch + 1, train_seconds, points, nullptr);
      ctx.publish_metrics(points);
      info["epoch"] = epoch + 1;
      info["test_accuracy"] = result.test_accuracy;
      ctx.publish_info(info);
    }
    result.train_seconds = train_seconds;
    result.samples_per_s =
        train_seconds > 0 ? double(ds.train_images.dim(0)) * result.epochs_done / train_seconds : 0;
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

ClassifierResult train_classifier(const ClassifierConfig& config, const data::Dataset& ds,
                                  const std::filesystem::path& runs_db, JobContext& ctx) {
  validate(config);
  require_both_splits(ds);
  set_num_threads(config.threads);
  runs::RunStore store = runs::RunStore::open(runs_db);
  ClassifierResult result;
  const std::string wanted =
      config.name.empty() ? "judge-s" + std::to_string(config.seed) : config.name;
  result.run_id = store.create_run(runs::RunKind::classifier, wanted, to_json(config));
  const std::string name = store.get_summary(result.run_id).name;  // made unique by the store
  ctx.name_run(wanted, name);
  return run_classifier(config, ds, store, std::move(result), name, nullptr, ctx);
}

ClassifierResult resume_classifier(int64_t run_id, const data::Dataset& ds,
                                   const std::filesystem::path& runs_db, JobContext& ctx) {
  runs::RunStore store = runs::RunStore::open(runs_db);
  const runs::RunSummary s = check_resumable_run(
      store, run_id, [](runs::RunKind k) { return k == runs::RunKind::classifier; },
      "a classifier run");
  const ClassifierConfig config = classifier_config_from_json(s.config);
  set_num_threads(config.threads);
  // No checkpoint: it starts again from the beginning (its seed gives the same run).
  const std::optional<runs::Checkpoint> ckpt = reopen_for_resume(store, s, ds);
  ClassifierResult result;
  result.run_id = run_id;
  return run_classifier(config, ds, store, std::move(result), s.name, ckpt ? &*ckpt : nullptr, ctx);
}

}  // namespace aelab::train
