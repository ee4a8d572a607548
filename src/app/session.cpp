// The window's shared state (see session.hpp).
#include "app/session.hpp"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "runs/metric_names.hpp"

namespace aelab::app {

void lower_worker_priority() {
  // Linux: nice is per thread (setpriority on a thread id). Failure only costs smoothness.
  const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
  errno = 0;
  const int now = ::getpriority(PRIO_PROCESS, tid);
  if (errno == 0) (void)::setpriority(PRIO_PROCESS, tid, std::min(now + 10, 19));
}

std::shared_ptr<const data::Dataset> DatasetCache::get(const std::string& name,
                                                       const std::filesystem::path& data_dir,
                                                       int64_t limit) {
  // Loading under the lock: two jobs asking for the same set wait for one load, not two.
  std::lock_guard lock(mutex_);
  const std::string key = data_dir.string() + "|" + name + "|" + std::to_string(limit);
  auto it = sets_.find(key);
  if (it != sets_.end()) return it->second;
  auto ds = std::make_shared<const data::Dataset>(data::load_dataset(name, data_dir, {}, limit));
  sets_[key] = ds;
  return ds;
}

std::shared_ptr<const data::Dataset> DatasetCache::get(const train::DatasetRequest& r,
                                                       const std::filesystem::path& data_dir) {
  const std::filesystem::path source_dir = train::source_dir_of(r.source);
  std::lock_guard lock(mutex_);
  const std::string key = (source_dir.empty() ? data_dir.string() : "source:" + r.source.dir) +
                          "|" + r.name + "|" + std::to_string(r.limit) + "|" + r.source.hash;
  auto it = sets_.find(key);
  if (it != sets_.end()) return it->second;
  auto ds = std::make_shared<const data::Dataset>(train::load_requested_dataset(r, data_dir));
  sets_[key] = ds;
  return ds;
}

struct Session::Listing {
  std::vector<runs::RunSummary> runs;  // before the job: the job (joined first) writes it
  std::shared_ptr<train::Job> job;
};

void Session::poll_run_list() {
  using Clock = std::chrono::steady_clock;
  const double now = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  if (listing_ && train::is_terminal(listing_->job->state())) {
    if (listing_->job->state() == train::JobState::finished) {
      runs_ = std::move(listing_->runs);
      runs_error_.clear();
    } else {
      runs_error_ = listing_->job->error_message();
    }
    ++runs_version_;
    listing_.reset();
  }
  if (listing_ || runs_db_.empty()) return;
  const bool any_running = std::any_of(runs_.begin(), runs_.end(), [](const runs::RunSummary& r) {
    return r.status == runs::RunStatus::running;
  });
  const bool due = listed_changes_ != runs_changed || now - listed_at_ > (any_running ? 2.0 : 5.0);
  if (!due) return;
  listed_changes_ = runs_changed;
  listed_at_ = now;
  auto l = std::make_shared<Listing>();
  l->job =
      std::make_shared<train::Job>("list runs", [l = l.get(), db = runs_db_](train::JobContext&) {
        if (!std::filesystem::exists(db)) return;  // no run yet: an empty list
        l->runs = runs::RunStore::open(db).list_runs();
      });
  listing_ = std::move(l);
}

void Session::poll() {
  poll_run_list();
  for (auto& r : live) {
    const size_t before = r->points.size();
    r->job->metrics().copy_since(r->seen, r->points);
    // The store's list is read every 2 s: between reads, a run training here shows the epochs
    // its job reported, not the list's older count ("0/8 ep" beside "live: epoch 4/8").
    // Its headline result goes with it (the list's is a placeholder until the first epoch).
    for (size_t i = before; i < r->points.size(); ++i) {
      const runs::MetricPoint& p = r->points[i];
      if (p.name == runs::metric::train_loss)
        r->epochs_done = std::max(r->epochs_done, static_cast<int>(p.epoch + 0.5));
      else if (std::any_of(runs::metric::epoch_results.begin(), runs::metric::epoch_results.end(),
                           [&](const char* n) { return p.name == n; }))
        r->epoch_results[p.name] = p.value;
    }
    // Only when something changed: new points, or a new list read from the store.
    const bool changed = r->points.size() != before || r->patched_runs_version != runs_version_;
    if (r->run_id > 0 && changed) {
      r->patched_runs_version = runs_version_;
      for (runs::RunSummary& s : runs_)
        if (s.id == r->run_id && s.status == runs::RunStatus::running &&
            r->epochs_done >= s.epochs_done) {
          s.epochs_done = r->epochs_done;
          if (s.result.is_object())
            for (const auto& [name, value] : r->epoch_results.items())
              if (s.result.contains(name)) s.result[name] = value;
        }
    }
    if (r->job->info().copy_if_newer(r->info, r->info_version) && r->run_id == 0 &&
        r->info.contains("run_id")) {
      r->run_id = r->info["run_id"].get<int64_t>();
      store_changed();
      if (r->explore) explore(r->run_id);
    }
  }
}

std::shared_ptr<LiveRun> Session::live_run(int64_t run_id) const {
  for (const auto& r : live)
    if (r->run_id == run_id && !train::is_terminal(r->job->state())) return r;
  return nullptr;
}

}  // namespace aelab::app
