#pragma once
// Job: long work (training, k-means, t-SNE, sweeps, encoding a test set) on a worker thread, used
// the same way by the CLI and the window (DESIGN.md "Threads").
//
//   auto job = std::make_shared<train::Job>("train ae-16", [&](train::JobContext& ctx) {
//     for (long step = 0; step < steps; ++step) {
//       ctx.checkpoint();                           // blocks while paused, throws when cancelled
//       if (auto lr = ctx.take_lr_request()) opt.set_lr(*lr);
//       ...
//       ctx.publish_metric({step, epoch, "train_l1", loss});
//       ctx.report_progress(double(step + 1) / steps, "epoch 3/20, loss 0.081");
//     }
//   });
//   job->pause(); job->resume(); job->set_lr(1e-4); job->cancel(); job->wait();
//   job->cancel(train::StopReason::quit);  // the program is quitting: "stop and keep"
//
// Thread rules. The work function runs on the job's own thread and talks to the rest of the
// program only through its JobContext. Every Job method may be called from any other thread (in
// practice the UI thread, once per frame): they read atomics or take a short lock, never wait on
// the work, except wait()/wait_for() and the destructor. What the UI shows goes through Published
// values (a version counter tells it when to copy) and the append-only MetricFeed.
//
// A result beyond these (k-means labels, a trained model) is best left in an object the work
// function captures: once state() is terminal, the worker has written it and will not touch it
// again, so the reader may take it (the state change is the synchronisation point).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/tensor.hpp"
#include "runs/run_store.hpp"  // MetricPoint

namespace aelab::train {

// [SECTION] Published values
// -----------------------------------------------------------------------

// A value written by one thread and copied by others. The version grows by one per publish, so a
// reader that remembers the version it last saw copies only what changed. The lock is held only
// for the move in or the copy out.
template <class T>
class Published {
 public:
  void publish(T value) {
    std::lock_guard lock(mutex_);
    value_ = std::move(value);
    version_.fetch_add(1, std::memory_order_release);
  }
  // Edits the value in place (e.g. append to a vector) and counts as a publish.
  template <class F>
  void update(F&& edit) {
    std::lock_guard lock(mutex_);
    edit(value_);
    version_.fetch_add(1, std::memory_order_release);
  }
  // Copies into `out` and returns true when the version differs from `seen_version`, which is then
  // updated. The check before the lock keeps the common "nothing new" frame lock-free.
  bool copy_if_newer(T& out, uint64_t& seen_version) const {
    if (version_.load(std::memory_order_acquire) == seen_version) return false;
    std::lock_guard lock(mutex_);
    out = value_;
    seen_version = version_.load(std::memory_order_relaxed);
    return true;
  }
  [[nodiscard]] T get() const {
    std::lock_guard lock(mutex_);
    return value_;
  }
  // 0 until the first publish.
  [[nodiscard]] uint64_t version() const { return version_.load(std::memory_order_acquire); }

 private:
  mutable std::mutex mutex_;
  T value_{};
  std::atomic<uint64_t> version_{0};
};

// Metric points in arrival order. Readers keep a count of what they have and take only the rest,
// so a long run's history is never copied whole each frame.
class MetricFeed {
 public:
  void append(runs::MetricPoint point);
  void append(std::span<const runs::MetricPoint> points);
  // Appends points [seen, size()) to `out`, sets seen = size(), returns how many were appended.
  size_t copy_since(size_t& seen, std::vector<runs::MetricPoint>& out) const;
  [[nodiscard]] size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<runs::MetricPoint> points_;
};

// [SECTION] Job -----------------------------------------------------------------------------------

enum class JobState { queued, running, paused, finished, cancelled, failed };
[[nodiscard]] std::string_view to_string(JobState s);
[[nodiscard]] inline bool is_terminal(JobState s) {
  return s == JobState::finished || s == JobState::cancelled || s == JobState::failed;
}

// Called on a job's own thread right after any job ends (finished, cancelled or failed), so a
// window can wake its event loop and show the result at once instead of at its next timed frame.
// One listener per process, nullptr for none; it must be callable from any thread
// (glfwPostEmptyEvent is).
void set_job_end_listener(void (*listener)());

// Why a job was stopped. user: the person pressed Cancel (a trainer records the run as
// 'cancelled'); quit: the program is going away and keeps what it has ("stop and keep": the run
// becomes 'interrupted at epoch E'). Both keep the run's last epoch checkpoint.
enum class StopReason { user, quit };
[[nodiscard]] std::string_view to_string(StopReason r);

// Thrown by JobContext::checkpoint() after cancel(). The work function may catch it to tidy up
// (record the run as cancelled or interrupted, see reason()) but should rethrow it.
class JobCancelled : public std::exception {
 public:
  explicit JobCancelled(StopReason reason = StopReason::user) : reason_(reason) {}
  [[nodiscard]] const char* what() const noexcept override {
    return reason_ == StopReason::quit ? "job stopped (quit)" : "job cancelled";
  }
  [[nodiscard]] StopReason reason() const { return reason_; }

 private:
  StopReason reason_;
};

class Job;

// The work function's side of a Job. Only the job's thread uses it.
class JobContext {
 public:
  // Call regularly (every step or batch): blocks while the job is paused and throws JobCancelled
  // once it is cancelled. Cheap when neither: two atomic loads.
  void checkpoint();
  [[nodiscard]] bool cancel_requested() const;

  // fraction in [0, 1] (clamped); the line is what a status bar shows.
  void report_progress(double fraction, std::string status_line);
  void report_progress(double fraction);

  // Pending requests from the UI or CLI; each is delivered once, the latest value wins.
  [[nodiscard]] std::optional<double> take_lr_request() { return take_param_request("lr"); }
  [[nodiscard]] std::optional<double> take_param_request(const std::string& name);

  void publish_metric(runs::MetricPoint point);
  void publish_metrics(std::span<const runs::MetricPoint> points);
  // A copy of the model weights for the UI (e.g. the decoder for clicked latent points).
  void publish_snapshot(std::vector<Tensor> weights);
  // Anything else the UI shows (epoch, best loss, a confusion matrix) as JSON.
  void publish_info(nlohmann::json info);

  [[nodiscard]] std::string job_name() const;
  [[nodiscard]] long checkpoint_count() const;
  // The run store made the run's name unique ("mlp-L2-l1-s0" became "mlp-L2-l1-s0-2"): a job
  // name ending in `wanted` ends in `unique` from now on, so the status bar names the run made.
  void name_run(const std::string& wanted, const std::string& unique);

 private:
  friend class Job;
  explicit JobContext(Job& job) : job_(job) {}
  Job& job_;
};

class Job {
 public:
  using Work = std::function<void(JobContext&)>;

  // Starts the worker thread now, or with start() when start_now is false (state queued until).
  Job(std::string name, Work work, bool start_now = true);
  // Cancels (StopReason::quit, unless cancel() was called before) and joins: the work ends at its
  // next checkpoint(). Never terminates the program.
  ~Job();
  Job(const Job&) = delete;
  Job& operator=(const Job&) = delete;

  void start();  // once; no-op if started
  void pause();
  void resume();
  // Stops the work at its next checkpoint(). The first call's reason is the one that counts.
  void cancel(StopReason reason = StopReason::user);
  void set_lr(double lr) { request_param("lr", lr); }
  void request_param(const std::string& name, double value);

  // Block until the job is finished, cancelled or failed (not from the job's own thread).
  void wait();
  bool wait_for(std::chrono::milliseconds timeout);  // true when terminal

  [[nodiscard]] std::string name() const;  // "train mlp-L2-l1-s0-2" (see JobContext::name_run)
  [[nodiscard]] JobState state() const { return state_.load(std::memory_order_acquire); }
  [[nodiscard]] bool pause_requested() const { return pause_.load(std::memory_order_acquire); }
  [[nodiscard]] bool cancel_requested() const { return cancel_.load(std::memory_order_acquire); }
  // Meaningful once cancel_requested().
  [[nodiscard]] StopReason stop_reason() const {
    return stop_reason_.load(std::memory_order_acquire);
  }
  [[nodiscard]] double progress() const { return progress_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::string status_line() const;
  // The exception's text when failed (e.g. "diverged at step 120: loss is nan"), else empty.
  [[nodiscard]] std::string error_message() const;
  // The exception itself when failed, for callers that rethrow (the CLI maps InputError to 2).
  [[nodiscard]] std::exception_ptr error() const;
  [[nodiscard]] long checkpoint_count() const { return checkpoints_.load(); }
  // Time since the work started (frozen once terminal); 0 while queued.
  [[nodiscard]] double elapsed_seconds() const;

  [[nodiscard]] const MetricFeed& metrics() const { return metrics_; }
  [[nodiscard]] const Published<std::vector<Tensor>>& snapshot() const { return snapshot_; }
  [[nodiscard]] const Published<nlohmann::json>& info() const { return info_; }

 private:
  friend class JobContext;
  void run();
  void set_state(JobState s);

  Work work_;

  mutable std::mutex mutex_;  // guards the members below it up to the atomics, and the cv
  std::condition_variable cv_;
  std::string name_;
  std::string status_line_;
  std::string error_message_;
  std::exception_ptr error_;
  std::map<std::string, double> requests_;
  std::chrono::steady_clock::time_point started_at_{};
  std::chrono::steady_clock::time_point ended_at_{};

  std::atomic<JobState> state_{JobState::queued};
  std::atomic<bool> pause_{false};
  std::atomic<bool> cancel_{false};
  std::atomic<StopReason> stop_reason_{StopReason::user};
  std::atomic<double> progress_{0.0};
  std::atomic<long> checkpoints_{0};

  MetricFeed metrics_;
  Published<std::vector<Tensor>> snapshot_;
  Published<nlohmann::json> info_;

  std::thread thread_;  // last: started once everything above exists
};

}  // namespace aelab::train
