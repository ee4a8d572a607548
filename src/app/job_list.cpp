#include "app/job_list.hpp"

#include <algorithm>

#include "train/job.hpp"

namespace aelab::app {

int JobList::add(std::string label, Poll poll) {
  Item item;
  item.id = next_id_;
  item.label = std::move(label);
  item.poll = std::move(poll);
  items_.push_back(std::move(item));
  return next_id_++;
}

int JobList::add(std::shared_ptr<train::Job> job) {
  std::string label = job->name();
  std::shared_ptr<train::Job> keep = job;
  const int id = add(std::move(label), [job = std::move(job)] {
    JobView v;
    v.label = job->name();  // the run's unique name once the store gave it
    const train::JobState s = job->state();
    v.running = !train::is_terminal(s);
    v.progress = static_cast<float>(job->progress());
    v.failed = s == train::JobState::failed;
    if (v.failed)
      v.line = job->error_message().empty() ? "failed" : job->error_message();
    else if (s == train::JobState::cancelled)
      v.line = "cancelled";
    else if (s == train::JobState::paused)
      v.line = "paused: " + job->status_line();
    else if (!v.running)
      v.line = "done";
    else if (v.line = job->status_line(); v.line.empty())
      v.line = "starting";  // no word from the work yet: never "done" beside a 0 % bar
    return v;
  });
  items_.back().job = std::move(keep);
  return id;
}

std::vector<std::shared_ptr<train::Job>> JobList::running_jobs() const {
  std::vector<std::shared_ptr<train::Job>> out;
  for (const Item& it : items_)
    if (it.job && !train::is_terminal(it.job->state())) out.push_back(it.job);
  return out;
}

bool JobList::any_running() const {
  for (const Item& it : items_)
    if (!it.finished && it.last.running) return true;
  return false;
}

void JobList::remove(int id) {
  std::erase_if(items_, [id](const Item& i) { return i.id == id; });
}

const std::vector<JobList::Entry>& JobList::update(std::chrono::steady_clock::duration linger) {
  const auto now = std::chrono::steady_clock::now();
  shown_.clear();
  for (Item& it : items_) {
    if (!it.finished) {
      it.last = it.poll();
      if (!it.last.label.empty()) it.label = it.last.label;
      if (!it.last.running) {
        it.finished = true;
        it.finished_at = now;
        it.poll = nullptr;  // the job may go away now
        it.job.reset();
      }
    }
  }
  std::erase_if(items_, [&](const Item& i) { return i.finished && now - i.finished_at > linger; });
  for (const Item& it : items_) shown_.push_back(Entry{it.id, it.label, it.last});
  return shown_;
}

}  // namespace aelab::app
