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
          {"name", c.name}};
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

}  // namespace

ClassifierResult train_classifier(const ClassifierConfig& config, const data::Dataset& ds,
                                  const std::filesystem::path& runs_db, JobContext& ctx) {
  using Clock = std::chrono::steady_clock;
  validate(config);
  set_num_threads(config.threads);
  if (ds.train_images.dim(0) < 1 || ds.test_images.dim(0) < 1)
    throw InputError("dataset '" + ds.name + "' has an empty split");

  runs::RunStore store = runs::RunStore::open(runs_db);
  const std::string name =
      config.name.empty() ? "judge-s" + std::to_string(config.seed) : config.name;
  ClassifierResult result;
  result.run_id = store.create_run(runs::RunKind::classifier, name, to_json(config));
  nlohmann::json info = {{"run_id", result.run_id}, {"epochs", config.epochs}};
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
    long step = 0;
    double train_seconds = 0;
    for (int epoch = 0; epoch < config.epochs; ++epoch) {
      auto epoch_start = Clock::now();
      double loss_sum = 0;
      int64_t seen = 0;
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
        if (!std::isfinite(l))
          throw DivergedError("diverged at step " + std::to_string(step) + ": loss is " +
                                  (std::isnan(l) ? "nan" : "infinite"),
                              step);
        net.backward(ce.backward());
        opt->step();
        loss_sum += double(l) * idx.size();
        seen += static_cast<int64_t>(idx.size());
        ++step;
        if (step % 10 == 0)
          ctx.publish_metric({step, epoch + double(seen) / ds.train_images.dim(0),
                              runs::metric::train_loss_step, l});
        ctx.report_progress(double(step) / total_steps, "epoch " + std::to_string(epoch + 1) + "/" +
                                                            std::to_string(config.epochs) +
                                                            ", loss " + std::to_string(l));
      }
      train_seconds += std::chrono::duration<double>(Clock::now() - epoch_start).count();
      result.epochs_done = epoch + 1;
      result.steps = step;
      result.train_loss = loss_sum / std::max<int64_t>(seen, 1);
      result.test_accuracy = accuracy(classify(net, ds.test_images), ds.test_labels);
      std::vector<runs::MetricPoint> points{
          {step, double(epoch + 1), runs::metric::train_loss, result.train_loss},
          {step, double(epoch + 1), runs::metric::test_accuracy, result.test_accuracy}};
      store.add_metrics(result.run_id, points);
      ctx.publish_metrics(points);
      info["epoch"] = epoch + 1;
      info["test_accuracy"] = result.test_accuracy;
      ctx.publish_info(info);
      store.update_run(result.run_id,
                       "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config.epochs),
                       result.to_json());
    }
    result.train_seconds = train_seconds;
    result.samples_per_s =
        train_seconds > 0 ? double(ds.train_images.dim(0)) * result.epochs_done / train_seconds : 0;
    std::vector<Tensor> values;
    for (nn::Param* p : params) values.push_back(p->value);
    store.save_checkpoint(result.run_id, runs::kFinalCheckpoint, runs::name_in_order(values));
    store.finish_run(result.run_id, runs::RunStatus::finished, "", result.to_json());
    ctx.report_progress(1.0, name + ": test accuracy " + std::to_string(result.test_accuracy));
    return result;
  } catch (...) {
    record_run_ending(store, result.run_id, result.to_json());
    throw;
  }
}

}  // namespace aelab::train
