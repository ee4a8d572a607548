#pragma once
// What the status bar shows: every long-running piece of work a panel started (a train::Job, a
// phase-map sweep, k-means...). A panel registers a poll function once; the status bar calls it
// every frame on the UI thread, so it must only read what the job publishes (atomics or a short
// lock). Finished jobs stay listed for a few seconds, then disappear.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace aelab::train {
class Job;
}

namespace aelab::app {

struct JobView {
  bool running = true;
  float progress = -1.0f;  // [0, 1]; < 0: unknown
  std::string line;        // e.g. "epoch 3/20, loss 0.081" or "done" or the failure; never empty
  std::string label;       // when not empty, the entry's label from now on (a job's new name)
  bool failed = false;
};

class JobList {
 public:
  using Poll = std::function<JobView()>;
  // Returns an id for remove(). The poll function must stay valid until removed or finished
  // (capture a shared_ptr to the job, not a reference to the panel's members when unsure).
  int add(std::string label, Poll poll);
  // A train::Job: its state(), progress() and status_line() (error_message() when it failed).
  int add(std::shared_ptr<train::Job> job);
  void remove(int id);

  // Jobs added as train::Jobs that have not ended (for the quit dialog), oldest first.
  [[nodiscard]] std::vector<std::shared_ptr<train::Job>> running_jobs() const;
  [[nodiscard]] bool any_running() const;

  struct Entry {
    int id;
    std::string label;
    JobView view;
  };
  // Polls every job (UI thread, once per frame) and drops those finished more than `linger` ago.
  const std::vector<Entry>& update(
      std::chrono::steady_clock::duration linger = std::chrono::seconds(4));
  [[nodiscard]] const std::vector<Entry>& entries() const { return shown_; }

 private:
  struct Item {
    int id = 0;
    std::string label;
    Poll poll;
    std::shared_ptr<train::Job> job;  // when added as a train::Job; dropped once it ends
    bool finished = false;
    JobView last;
    std::chrono::steady_clock::time_point finished_at;
  };
  std::vector<Item> items_;
  std::vector<Entry> shown_;
  int next_id_ = 1;
};

}  // namespace aelab::app
