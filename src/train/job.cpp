#include "train/job.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>

#include "runs/store_wait.hpp"

namespace aelab::train {

// [SECTION] MetricFeed ----------------------------------------------------------------------------

void MetricFeed::append(runs::MetricPoint point) {
  std::lock_guard lock(mutex_);
  points_.push_back(std::move(point));
}

void MetricFeed::append(std::span<const runs::MetricPoint> points) {
  std::lock_guard lock(mutex_);
  points_.insert(points_.end(), points.begin(), points.end());
}

size_t MetricFeed::copy_since(size_t& seen, std::vector<runs::MetricPoint>& out) const {
  std::lock_guard lock(mutex_);
  if (seen >= points_.size()) return 0;
  size_t n = points_.size() - seen;
  out.insert(out.end(), points_.begin() + static_cast<std::ptrdiff_t>(seen), points_.end());
  seen = points_.size();
  return n;
}

size_t MetricFeed::size() const {
  std::lock_guard lock(mutex_);
  return points_.size();
}

// [SECTION] JobContext ----------------------------------------------------------------------------

void JobContext::checkpoint() {
  job_.checkpoints_.fetch_add(1, std::memory_order_relaxed);
  if (job_.cancel_.load(std::memory_order_acquire)) throw JobCancelled(job_.stop_reason());
  if (!job_.pause_.load(std::memory_order_acquire)) return;
  std::unique_lock lock(job_.mutex_);
  if (job_.pause_ && !job_.cancel_) {
    // 'paused' means the work really stands still, so it is set here, not in pause().
    job_.state_.store(JobState::paused, std::memory_order_release);
    job_.cv_.notify_all();
    job_.cv_.wait(lock, [&] { return !job_.pause_ || job_.cancel_; });
    job_.state_.store(JobState::running, std::memory_order_release);
    job_.cv_.notify_all();
  }
  if (job_.cancel_) throw JobCancelled(job_.stop_reason());
}

bool JobContext::cancel_requested() const {
  return job_.cancel_requested();
}

void JobContext::report_progress(double fraction, std::string status_line) {
  report_progress(fraction);
  std::lock_guard lock(job_.mutex_);
  job_.status_line_ = std::move(status_line);
}

void JobContext::report_progress(double fraction) {
  if (std::isnan(fraction)) return;
  job_.progress_.store(std::clamp(fraction, 0.0, 1.0), std::memory_order_relaxed);
}

std::optional<double> JobContext::take_param_request(const std::string& name) {
  std::lock_guard lock(job_.mutex_);
  auto it = job_.requests_.find(name);
  if (it == job_.requests_.end()) return std::nullopt;
  double v = it->second;
  job_.requests_.erase(it);
  return v;
}

void JobContext::publish_metric(runs::MetricPoint point) {
  job_.metrics_.append(std::move(point));
}

void JobContext::publish_metrics(std::span<const runs::MetricPoint> points) {
  job_.metrics_.append(points);
}

void JobContext::publish_snapshot(std::vector<Tensor> weights) {
  job_.snapshot_.publish(std::move(weights));
}

void JobContext::publish_info(nlohmann::json info) {
  job_.info_.publish(std::move(info));
}

std::string JobContext::job_name() const {
  return job_.name();
}

void JobContext::name_run(const std::string& wanted, const std::string& unique) {
  std::lock_guard lock(job_.mutex_);
  std::string& n = job_.name_;
  if (wanted == unique || wanted.empty() || n.size() < wanted.size()) return;
  const size_t at = n.size() - wanted.size();
  if (n.compare(at, wanted.size(), wanted) != 0 || (at > 0 && n[at - 1] != ' ')) return;
  n.replace(at, wanted.size(), unique);
}

std::string Job::name() const {
  std::lock_guard lock(mutex_);
  return name_;
}

long JobContext::checkpoint_count() const {
  return job_.checkpoint_count();
}

// [SECTION] Job -----------------------------------------------------------------------------------

std::string_view to_string(StopReason r) {
  return r == StopReason::quit ? "quit" : "user";
}

std::string_view to_string(JobState s) {
  switch (s) {
    case JobState::queued:
      return "queued";
    case JobState::running:
      return "running";
    case JobState::paused:
      return "paused";
    case JobState::finished:
      return "finished";
    case JobState::cancelled:
      return "cancelled";
    case JobState::failed:
      return "failed";
  }
  return "failed";
}

Job::Job(std::string name, Work work, bool start_now)
    : work_(std::move(work)), name_(std::move(name)) {
  if (start_now) start();
}

Job::~Job() {
  cancel(StopReason::quit);
  if (!thread_.joinable()) return;
  // A work function that drops the last reference to its own job must not join itself.
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void Job::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || state_ != JobState::queued) return;
  thread_ = std::thread([this] { run(); });
}

namespace {
std::atomic<void (*)()> g_job_end_listener{nullptr};
}  // namespace

void set_job_end_listener(void (*listener)()) {
  g_job_end_listener.store(listener, std::memory_order_release);
}

void Job::set_state(JobState s) {
  {
    std::lock_guard lock(mutex_);
    state_.store(s, std::memory_order_release);
    if (s == JobState::running) started_at_ = std::chrono::steady_clock::now();
    if (is_terminal(s)) ended_at_ = std::chrono::steady_clock::now();
  }
  cv_.notify_all();
}

void Job::run() {
  if (cancel_) {  // cancelled while queued: the work never starts
    set_state(JobState::cancelled);
    return;
  }
  set_state(JobState::running);
  JobContext ctx(*this);
  JobState end = JobState::finished;
  // While the work waits for a busy run store (another process holds its write lock), the
  // status line says so; then it shows the work's own line again.
  std::string line_before_wait;
  runs::StoreWaitScope store_wait([this, &line_before_wait](const runs::StoreWait& w) {
    std::lock_guard lock(mutex_);
    if (w.done) {
      status_line_ = line_before_wait;
      return;
    }
    if (status_line_.rfind("waiting for the run store", 0) != 0) line_before_wait = status_line_;
    status_line_ = runs::store_wait_text(w);
  });
  try {
    work_(ctx);
    progress_.store(1.0);
  } catch (const JobCancelled&) {
    end = JobState::cancelled;
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
    error_message_ = e.what();
    end = JobState::failed;
  } catch (...) {
    std::lock_guard lock(mutex_);
    error_ = std::current_exception();
    error_message_ = "unknown error (not a std::exception)";
    end = JobState::failed;
  }
  if (end == JobState::failed) {
    std::lock_guard lock(mutex_);
    status_line_ = "failed: " + error_message_;
  } else if (end == JobState::cancelled) {
    std::lock_guard lock(mutex_);
    status_line_ = stop_reason() == StopReason::quit ? "stopped" : "cancelled";
  }
  set_state(end);
  if (auto* listener = g_job_end_listener.load(std::memory_order_acquire)) listener();
}

void Job::pause() {
  if (is_terminal(state())) return;
  pause_.store(true, std::memory_order_release);
}

void Job::resume() {
  {
    std::lock_guard lock(mutex_);
    pause_.store(false, std::memory_order_release);
  }
  cv_.notify_all();
}

void Job::cancel(StopReason reason) {
  {
    // Under the lock, so a worker between its predicate check and its wait cannot miss it.
    std::lock_guard lock(mutex_);
    if (!cancel_.load(std::memory_order_relaxed))
      stop_reason_.store(reason, std::memory_order_release);  // before cancel_: readers see both
    cancel_.store(true, std::memory_order_release);
  }
  cv_.notify_all();
  // A job that was never started ends here; nobody would run it to notice.
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || state_ != JobState::queued) return;
    state_.store(JobState::cancelled, std::memory_order_release);
    status_line_ = "cancelled";
  }
  cv_.notify_all();
}

void Job::request_param(const std::string& name, double value) {
  std::lock_guard lock(mutex_);
  requests_[name] = value;
}

void Job::wait() {
  assert(thread_.get_id() != std::this_thread::get_id() && "a job cannot wait for itself");
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [&] { return is_terminal(state_.load()); });
}

bool Job::wait_for(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return is_terminal(state_.load()); });
}

std::string Job::status_line() const {
  std::lock_guard lock(mutex_);
  return status_line_;
}

std::string Job::error_message() const {
  std::lock_guard lock(mutex_);
  return error_message_;
}

std::exception_ptr Job::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

double Job::elapsed_seconds() const {
  std::lock_guard lock(mutex_);
  if (started_at_ == std::chrono::steady_clock::time_point{}) return 0.0;
  auto end = is_terminal(state_.load()) ? ended_at_ : std::chrono::steady_clock::now();
  return std::chrono::duration<double>(end - started_at_).count();
}

}  // namespace aelab::train
