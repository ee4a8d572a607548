#pragma once
// JobSlot<Result>: the one way a panel runs long work (DESIGN.md "The window is a workbench").
// A slot holds at most one train::Job; starting again cancels the old one, whose result never
// arrives. The result comes back on the UI thread in poll(), with the inputs it was computed from,
// so the panel can mark it stale when its inputs change:
//
//   JobSlot<KMeansResult> km_;                       // in the panel's view state
//   km_.start(ctx_.jobs(), "k-means run 12", key, [=](train::JobContext& jc) { return ...; });
//   km_.poll();                                      // once per frame, before drawing
//   ImGui::BeginDisabled(km_.running());             // busy controls
//   if (const KMeansResult* r = km_.result()) ...    // draw it; km_.stale(current_key) marks it
//   if (!km_.error().empty()) ...                    // the failure, until the next start
//
// A failure clears the previous result (an old result under a new error reads as current); a
// cancel keeps it.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "app/job_list.hpp"
#include "train/job.hpp"

namespace aelab::app {

template <class Result>
class JobSlot {
 public:
  using Work = std::function<Result(train::JobContext&)>;

  JobSlot() = default;
  JobSlot(const JobSlot&) = delete;
  JobSlot& operator=(const JobSlot&) = delete;
  ~JobSlot() { cancel(); }

  // Starts `work` on a worker thread, listed in the status bar as `label`. `inputs` names what
  // the result is computed from ("run 12, k 10, 10 restarts"); it travels with the result.
  void start(JobList& jobs, std::string label, std::string inputs, Work work) {
    cancel();
    auto out = std::make_shared<std::optional<Result>>();
    job_ = std::make_shared<train::Job>(
        std::move(label),
        [out, work = std::move(work)](train::JobContext& jc) { *out = work(jc); });
    out_ = std::move(out);
    pending_inputs_ = std::move(inputs);
    error_.clear();
    jobs.add(job_);
  }

  void cancel() {
    if (job_) job_->cancel();
    job_.reset();
    out_.reset();
  }

  [[nodiscard]] bool running() const { return job_ != nullptr; }
  [[nodiscard]] double progress() const { return job_ ? job_->progress() : 0.0; }
  [[nodiscard]] std::string status() const { return job_ ? job_->status_line() : std::string(); }
  [[nodiscard]] const std::shared_ptr<train::Job>& job() const { return job_; }

  // UI thread, once per frame. True in the frame a result or an error arrives.
  bool poll() {
    if (!job_ || !train::is_terminal(job_->state())) return false;
    const train::JobState s = job_->state();
    bool arrived = false;
    if (s == train::JobState::finished && out_ && out_->has_value()) {
      result_ = std::make_shared<const Result>(std::move(**out_));
      inputs_ = pending_inputs_;
      arrived = true;
    } else if (s == train::JobState::failed) {
      error_ = job_->error_message();
      error_inputs_ = pending_inputs_;
      result_.reset();
      inputs_.clear();
      arrived = true;
    }
    job_.reset();
    out_.reset();
    return arrived;
  }

  // The last result (null before the first and after a failure).
  [[nodiscard]] const Result* result() const { return result_.get(); }
  [[nodiscard]] std::shared_ptr<const Result> shared_result() const { return result_; }
  // What result() was computed from; what the last failure was trying.
  [[nodiscard]] const std::string& inputs() const { return inputs_; }
  [[nodiscard]] const std::string& error() const { return error_; }
  [[nodiscard]] const std::string& error_inputs() const { return error_inputs_; }
  // The shown result no longer matches what the panel would compute now.
  [[nodiscard]] bool stale(std::string_view current_inputs) const {
    return result_ && inputs_ != current_inputs;
  }
  void clear() {
    result_.reset();
    inputs_.clear();
    error_.clear();
  }
  void clear_error() { error_.clear(); }

 private:
  std::shared_ptr<train::Job> job_;
  std::shared_ptr<std::optional<Result>> out_;
  std::string pending_inputs_;
  std::shared_ptr<const Result> result_;
  std::string inputs_, error_, error_inputs_;
};

}  // namespace aelab::app
