#pragma once
// What every trainer's run loop shares (DESIGN.md "train/"): the divergence guard, the contents
// of the "last" checkpoint (weights, optimiser moments, RNG streams, batcher position, the
// loop's scalars), when to write one within an epoch, and the checks a resume makes before the
// run is reopened. A trainer's step with them reads:
//
//   guard.check_loss(loss, step);         // every step: a non-finite loss ends the run
//   net.backward(dloss); opt->step();
//   guard.check_params(params, step);     // every kCheckEvery steps: gradients and weights
//   if (timer.due()) { ...CheckpointWriter w; ...; store.record_epoch(...); timer.restart(); }
//
// A checkpoint written mid-epoch also holds the batcher (its order and position) and the epoch's
// running sums, so a resume from it continues the epoch where it stopped, bit for bit.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_read.hpp"
#include "core/rng.hpp"
#include "data/batcher.hpp"
#include "data/dataset.hpp"
#include "nn/module.hpp"
#include "optim/optimizer.hpp"
#include "runs/run_store.hpp"

namespace aelab::train {

// [SECTION] Data

// InputError "dataset 'X' has no test images (...)": nothing trains on an empty split.
void require_both_splits(const data::Dataset& ds);

// [SECTION] Divergence

// One fused pass in double: a sum of floats is finite exactly when every one of them is (a sum
// of finite floats cannot overflow a double).
[[nodiscard]] bool all_finite(std::span<const float> values);
[[nodiscard]] bool all_finite(const runs::NamedTensors& tensors);

// Ends a run as diverged (DivergedError "diverged at step S: what was non-finite").
class DivergenceGuard {
 public:
  static constexpr long kCheckEvery = 4;  // steps between two parameter checks
  void check_loss(double loss, long step) const;
  // At every kCheckEvery-th step, or always with `force` (before a checkpoint is written, so a
  // stored checkpoint is always finite): every parameter's weights and gradients in one pass.
  void check_params(const std::vector<nn::Param*>& params, long step, bool force = false) const;
};

// [SECTION] When to write a checkpoint within an epoch

inline constexpr double kCheckpointSeconds = 30;  // the default interval
// InputError unless 0 <= seconds <= 1e6 (0: after every step, for tests).
void validate_checkpoint_seconds(double seconds);

[[nodiscard]] inline double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class CheckpointTimer {
 public:
  explicit CheckpointTimer(double seconds) : seconds_(seconds) {}
  [[nodiscard]] bool due() const {
    return std::chrono::duration<double>(Clock::now() - since_).count() >= seconds_;
  }
  void restart() { since_ = Clock::now(); }

 private:
  using Clock = std::chrono::steady_clock;
  double seconds_;
  Clock::time_point since_ = Clock::now();
};

// [SECTION] Checkpoint contents

// Version of the layout below; a reader refuses others.
inline constexpr int kCheckpointFormat = 1;

// The loop's place: epochs completed, steps taken, seconds trained, the result so far.
struct LoopPosition {
  int epoch = 0;
  long step = 0;
  double train_seconds = 0;
};

class CheckpointWriter {
 public:
  CheckpointWriter(const LoopPosition& at, const data::Dataset& ds);
  // Tensors "<prefix><i>".
  void put_params(const std::string& prefix, const std::vector<nn::Param*>& params);
  // Tensors "<prefix><param>.<buffer>"; state "<prefix>lr" and "<prefix>steps".
  void put_optimizer(const std::string& prefix, const optim::Optimizer& opt);
  void put_rng(const std::string& key, const Rng& rng) { state[key] = rng.state(); }
  // Mid-epoch only: the order of this epoch and how far it got, with the epoch's running sums.
  void put_batcher(const data::Batcher& batcher, const nlohmann::json& epoch_sums);
  void put(std::string name, Tensor t) { tensors.push_back({std::move(name), std::move(t)}); }
  // Stores it as the run's "last" checkpoint in one transaction with `points` (an epoch's
  // metrics; none mid-epoch), the run's message and its result so far.
  void record(runs::RunStore& store, int64_t run_id, std::span<const runs::MetricPoint> points,
              const std::string& message, const nlohmann::json& result);

  runs::NamedTensors tensors;
  nlohmann::json state;
};

// Reads what a CheckpointWriter wrote. Every getter throws InputError naming the run and what is
// missing or does not fit.
class CheckpointReader {
 public:
  CheckpointReader(const runs::Checkpoint& ckpt, int64_t run_id);
  [[nodiscard]] LoopPosition position() const;
  [[nodiscard]] const Tensor& get(const std::string& name) const;
  [[nodiscard]] bool has(const std::string& name) const;
  void load_params(const std::string& prefix, const std::vector<nn::Param*>& params) const;
  void load_optimizer(const std::string& prefix, optim::Optimizer& opt) const;
  void load_rng(const std::string& key, Rng& rng) const;
  // True (and the batcher restored, the sums returned) when the checkpoint is from mid-epoch.
  [[nodiscard]] bool mid_epoch() const;
  nlohmann::json load_batcher(data::Batcher& batcher) const;
  [[nodiscard]] const nlohmann::json& state() const { return state_; }
  // A JSON member read by json_read (in range or refused), or InputError "... checkpoint is
  // incomplete (key)".
  template <class T>
  [[nodiscard]] T value(const std::string& key) const {
    if (!state_.contains(key)) incomplete(key);
    return json_read<T>(state_.at(key),
                        "run " + std::to_string(run_id_) + "'s checkpoint state \"" + key + "\"");
  }

 private:
  [[noreturn]] void incomplete(const std::string& what) const;
  const runs::Checkpoint& ckpt_;
  const nlohmann::json& state_;
  int64_t run_id_;
};

// [SECTION] Resume

// The summary of a run `aelab train resume` can continue (any trained kind), or an InputError of
// one line: unknown run, a kind without a trainer, finished, still running, diverged. A run with
// no checkpoint (killed before its start checkpoint committed) is resumable: it starts again from
// the beginning, which gives the numbers of a run never killed. Reads nothing large.
[[nodiscard]] runs::RunSummary check_resumable_run(const runs::RunStore& store, int64_t run_id);
// The same, and InputError "... is a disnet run, not an autoencoder" unless `want(kind)`.
[[nodiscard]] runs::RunSummary check_resumable_run(const runs::RunStore& store, int64_t run_id,
                                                   bool (*want)(runs::RunKind),
                                                   const std::string& what);

// The run's "last" checkpoint, refused (InputError) when it holds a non-finite tensor or was
// written for a dataset of other sizes than `ds`. Call before reopen_run, so a refusal leaves the
// run as it was.
[[nodiscard]] runs::Checkpoint load_resume_checkpoint(const runs::RunStore& store, int64_t run_id,
                                                      const data::Dataset& ds);
// The message of a run resumed without a checkpoint: it runs again from its first step.
inline constexpr std::string_view kRestartedMessage =
    "restarted from the start (it stopped before its first checkpoint)";
// load_resume_checkpoint, then the run is 'running' again ("resumed at epoch E"); for a run with
// no checkpoint, nullopt and the run is 'running' again ("restarted from the start").
[[nodiscard]] std::optional<runs::Checkpoint> reopen_for_resume(runs::RunStore& store,
                                                                const runs::RunSummary& s,
                                                                const data::Dataset& ds);

// "epoch 3/10" at an epoch's end; "epoch 4/10, step 120" within one.
[[nodiscard]] std::string progress_message(int epochs_done, int epochs, bool mid_epoch, long step);

}  // namespace aelab::train
