#include "train/run_checkpoint.hpp"

#include <cmath>

#include "core/error.hpp"
#include "runs/run_text.hpp"

namespace aelab::train {

// [SECTION] Data

void require_both_splits(const data::Dataset& ds) {
  const int64_t train = ds.train_images.numel() ? ds.train_images.dim(0) : 0;
  const int64_t test = ds.test_images.numel() ? ds.test_images.dim(0) : 0;
  if (train < 1 || test < 1)
    throw InputError("dataset '" + ds.name + "' has " + std::to_string(train) + " training and " +
                     std::to_string(test) + " test images; training needs both splits");
}

// [SECTION] Divergence

bool all_finite(std::span<const float> values) {
  double sum = 0;
  for (float v : values) sum += v;
  return std::isfinite(sum);
}

bool all_finite(const runs::NamedTensors& tensors) {
  for (const auto& t : tensors)
    if (!all_finite(t.value.span())) return false;
  return true;
}

namespace {

std::string diverged_at(long step) {
  return "diverged at step " + std::to_string(step) + ": ";
}

const char* non_finite_kind(std::span<const float> values) {
  for (float v : values)
    if (std::isnan(v)) return "nan";
  return "infinite";
}

}  // namespace

void DivergenceGuard::check_loss(double loss, long step) const {
  if (!std::isfinite(loss))
    throw DivergedError(diverged_at(step) + "loss is " + (std::isnan(loss) ? "nan" : "infinite"),
                        step);
}

void DivergenceGuard::check_params(const std::vector<nn::Param*>& params, long step,
                                   bool force) const {
  if (!force && step % kCheckEvery != 0) return;
  double sum = 0;
  for (const nn::Param* p : params) {
    const float* v = p->value.data();
    const float* g = p->grad.data();
    // A stale gradient (nn::Param::lazy_zero) counts as zero: its memory holds an old step's.
    const int64_t n = p->value.numel(), ng = p->grad.numel() == n && !p->grad_stale ? n : 0;
    for (int64_t i = 0; i < ng; ++i) sum += double(v[i]) + double(g[i]);
    for (int64_t i = ng; i < n; ++i) sum += v[i];
  }
  if (std::isfinite(sum)) return;
  // Rare: a second pass to say what went wrong. Gradients first: they make the weights go.
  for (size_t i = 0; i < params.size(); ++i) {
    const nn::Param& p = *params[i];
    const std::string which = "parameter " + std::to_string(i) + " (" + p.name + ")";
    if (!p.grad_stale && !all_finite(p.grad.span()))
      throw DivergedError(
          diverged_at(step) + "the gradient of " + which + " is " + non_finite_kind(p.grad.span()),
          step);
    if (!all_finite(p.value.span()))
      throw DivergedError(
          diverged_at(step) + "a weight of " + which + " is " + non_finite_kind(p.value.span()),
          step);
  }
}

// [SECTION] Interval

void validate_checkpoint_seconds(double seconds) {
  if (!(seconds >= 0) || seconds > 1e6)
    throw InputError("checkpoint interval must be between 0 and 1e6 seconds, got " +
                     std::to_string(seconds));
}

// [SECTION] Writer

CheckpointWriter::CheckpointWriter(const LoopPosition& at, const data::Dataset& ds) {
  state = {{"format", kCheckpointFormat},
           {"epoch", at.epoch},
           {"step", at.step},
           {"train_seconds", at.train_seconds},
           {"train_samples", ds.train_images.dim(0)},
           {"test_samples", ds.test_images.dim(0)}};
}

void CheckpointWriter::put_params(const std::string& prefix,
                                  const std::vector<nn::Param*>& params) {
  for (size_t i = 0; i < params.size(); ++i)
    tensors.push_back({prefix + std::to_string(i), params[i]->value});
}

void CheckpointWriter::put_optimizer(const std::string& prefix, const optim::Optimizer& opt) {
  optim::OptimizerState st = opt.export_state();
  for (size_t p = 0; p < st.buffers.size(); ++p)
    for (size_t k = 0; k < st.buffers[p].size(); ++k) {
      const auto& b = st.buffers[p][k];
      tensors.push_back({prefix + std::to_string(p) + "." + std::to_string(k),
                         Tensor({static_cast<int64_t>(b.size())}, b)});
    }
  state[prefix + "lr"] = opt.lr();
  state[prefix + "steps"] = opt.steps();
}

void CheckpointWriter::put_batcher(const data::Batcher& batcher, const nlohmann::json& epoch_sums) {
  const data::Batcher::State b = batcher.state();
  // Sample indices are far below 2^24: exact as floats.
  Tensor order({static_cast<int64_t>(b.order.size())});
  for (size_t i = 0; i < b.order.size(); ++i) order[int64_t(i)] = float(b.order[i]);
  tensors.push_back({"batcher.order", std::move(order)});
  state["batch_position"] = b.position;
  state["batcher_epoch"] = b.epoch;
  state["epoch_sums"] = epoch_sums;
}

void CheckpointWriter::record(runs::RunStore& store, int64_t run_id,
                              std::span<const runs::MetricPoint> points, const std::string& message,
                              const nlohmann::json& result) {
  runs::EpochRecord r;
  r.points = points;
  r.message = message;
  r.result = result;
  r.checkpoint_tag = runs::kLastCheckpoint;
  r.checkpoint = &tensors;
  r.checkpoint_state = state;
  store.record_epoch(run_id, r);
}

// [SECTION] Reader

CheckpointReader::CheckpointReader(const runs::Checkpoint& ckpt, int64_t run_id)
    : ckpt_(ckpt), state_(ckpt.state), run_id_(run_id) {
  if (!state_.is_object() ||
      json_value(state_, "format", 0, "checkpoint state") != kCheckpointFormat)
    throw InputError("run " + std::to_string(run_id) +
                     "'s checkpoint is in a format this aelab does not read");
}

void CheckpointReader::incomplete(const std::string& what) const {
  throw InputError("run " + std::to_string(run_id_) + ": its checkpoint is incomplete (" + what +
                   "); it cannot be resumed");
}

LoopPosition CheckpointReader::position() const {
  LoopPosition p{value<int>("epoch"), value<long>("step"), value<double>("train_seconds")};
  if (p.epoch < 0 || p.step < 0) incomplete("epoch or step out of range");
  return p;
}

const Tensor& CheckpointReader::get(const std::string& name) const {
  for (const auto& t : ckpt_.tensors)
    if (t.name == name) return t.value;
  incomplete("no tensor '" + name + "'");
}

bool CheckpointReader::has(const std::string& name) const {
  for (const auto& t : ckpt_.tensors)
    if (t.name == name) return true;
  return false;
}

void CheckpointReader::load_params(const std::string& prefix,
                                   const std::vector<nn::Param*>& params) const {
  for (size_t i = 0; i < params.size(); ++i) {
    const Tensor& t = get(prefix + std::to_string(i));
    if (t.shape() != params[i]->value.shape())
      incomplete("tensor " + prefix + std::to_string(i) + " does not fit the model");
    params[i]->value = t;
  }
}

void CheckpointReader::load_optimizer(const std::string& prefix, optim::Optimizer& opt) const {
  // Autoencoder checkpoints from before this layout said "lr" / "opt_steps" for "m." and
  // "dis_lr" / "dis_opt_steps" for "dis.m.".
  const std::string old = prefix == "m." ? "" : prefix == "dis.m." ? "dis_" : "?";
  const bool legacy = !state_.contains(prefix + "steps") && state_.contains(old + "opt_steps");
  const std::string steps_key = legacy ? old + "opt_steps" : prefix + "steps";
  const std::string lr_key = legacy ? old + "lr" : prefix + "lr";
  optim::OptimizerState st = opt.export_state();  // for the shape: params x buffers
  st.steps = value<long>(steps_key);
  for (size_t p = 0; p < st.buffers.size(); ++p)
    for (size_t k = 0; k < st.buffers[p].size(); ++k) {
      const Tensor& t = get(prefix + std::to_string(p) + "." + std::to_string(k));
      st.buffers[p][k].assign(t.data(), t.data() + t.numel());
    }
  opt.import_state(st);
  opt.set_lr(value<double>(lr_key));
}

void CheckpointReader::load_rng(const std::string& key, Rng& rng) const {
  rng.set_state(value<std::string>(key));
}

bool CheckpointReader::mid_epoch() const {
  return json_value(state_, "batch_position", int64_t{-1}, "checkpoint state") >= 0;
}

nlohmann::json CheckpointReader::load_batcher(data::Batcher& batcher) const {
  const Tensor& order = get("batcher.order");
  data::Batcher::State b;
  b.order.resize(static_cast<size_t>(order.numel()));
  for (int64_t i = 0; i < order.numel(); ++i) b.order[size_t(i)] = int64_t(order[i]);
  b.position = value<int64_t>("batch_position");
  b.epoch = value<int64_t>("batcher_epoch");
  batcher.restore(b);
  const nlohmann::json sums = state_.value("epoch_sums", nlohmann::json::object());
  if (!sums.is_object()) incomplete("epoch_sums");
  return sums;
}

// [SECTION] Resume

runs::RunSummary check_resumable_run(const runs::RunStore& store, int64_t run_id) {
  const runs::RunSummary s = store.get_summary(run_id);  // InputError: no such run
  const std::string what = "run " + std::to_string(run_id) + " (" + runs::printable(s.name) + ")";
  switch (s.kind) {
    case runs::RunKind::ae:
    case runs::RunKind::adv_ae:
    case runs::RunKind::disnet:
    case runs::RunKind::classifier:
      break;
    default:
      throw InputError(what + " is a " + std::string(runs::to_string(s.kind)) +
                       " run; only training runs (ae, adv_ae, disnet, classifier) can be resumed");
  }
  switch (s.status) {
    case runs::RunStatus::finished:
      throw InputError(what + " is finished; there is nothing to resume");
    case runs::RunStatus::running:
      throw InputError(what + " is still running");
    case runs::RunStatus::diverged:
      throw InputError(what + " diverged; resumed with the same settings it would diverge again");
    default:
      break;
  }
  return s;
}

runs::RunSummary check_resumable_run(const runs::RunStore& store, int64_t run_id,
                                     bool (*want)(runs::RunKind), const std::string& what) {
  runs::RunSummary s = check_resumable_run(store, run_id);
  if (!want(s.kind))
    throw InputError("run " + std::to_string(run_id) + " (" + runs::printable(s.name) + ") is a " +
                     std::string(runs::to_string(s.kind)) + " run, not " + what);
  return s;
}

std::optional<runs::Checkpoint> reopen_for_resume(runs::RunStore& store, const runs::RunSummary& s,
                                                  const data::Dataset& ds) {
  if (s.last_checkpoint_epoch < 0) {
    store.reopen_run(s.id, std::string(kRestartedMessage));
    return std::nullopt;
  }
  runs::Checkpoint ckpt = load_resume_checkpoint(store, s.id, ds);
  store.reopen_run(s.id, "resumed at epoch " + std::to_string(s.last_checkpoint_epoch));
  return ckpt;
}

runs::Checkpoint load_resume_checkpoint(const runs::RunStore& store, int64_t run_id,
                                        const data::Dataset& ds) {
  runs::Checkpoint ckpt = store.load_checkpoint_with_state(run_id, runs::kLastCheckpoint);
  if (!all_finite(ckpt.tensors))
    throw InputError("run " + std::to_string(run_id) +
                     "'s checkpoint holds non-finite weights; it cannot be resumed");
  const nlohmann::json& st = ckpt.state;
  const auto count = [&](const char* key) {
    return st.is_object() ? json_value(st, key, int64_t{-1}, "checkpoint state") : int64_t{-1};
  };
  if (count("train_samples") != ds.train_images.dim(0) ||
      count("test_samples") != ds.test_images.dim(0))
    throw InputError(
        "run " + std::to_string(run_id) + " cannot be resumed: the dataset has " +
        std::to_string(ds.train_images.dim(0)) + " + " + std::to_string(ds.test_images.dim(0)) +
        " images, not the ones it trained on (" + std::to_string(count("train_samples")) + " + " +
        std::to_string(count("test_samples")) + ")");
  return ckpt;
}

std::string progress_message(int epochs_done, int epochs, bool mid_epoch, long step) {
  if (!mid_epoch) return "epoch " + std::to_string(epochs_done) + "/" + std::to_string(epochs);
  return "epoch " + std::to_string(epochs_done + 1) + "/" + std::to_string(epochs) + ", step " +
         std::to_string(step);
}

}  // namespace aelab::train
