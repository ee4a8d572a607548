#include "train/run_ending.hpp"

#include <exception>

#include "core/error.hpp"
#include "train/job.hpp"

namespace aelab::train {

void record_run_ending(runs::RunStore& store, int64_t run_id, const nlohmann::json& partial) {
  try {
    throw;  // the exception being handled
  } catch (const DivergedError& e) {
    store.finish_run(run_id, runs::RunStatus::diverged, e.what(), partial);
  } catch (const JobCancelled& e) {
    // The run's last epoch checkpoint is from the epochs_done-th epoch: that is where it resumes.
    int64_t epoch = 0;
    if (partial.is_object() && partial.contains("epochs_done") &&
        partial["epochs_done"].is_number_integer())
      epoch = partial["epochs_done"].get<int64_t>();
    const std::string at = " at epoch " + std::to_string(epoch);
    if (e.reason() == StopReason::quit)
      store.finish_run(run_id, runs::RunStatus::interrupted, "interrupted" + at, partial);
    else
      store.finish_run(run_id, runs::RunStatus::cancelled, "cancelled" + at, partial);
  } catch (const std::exception& e) {
    store.finish_run(run_id, runs::RunStatus::failed, e.what(), partial);
  } catch (...) {
    store.finish_run(run_id, runs::RunStatus::failed, "unknown error", partial);
  }
}

}  // namespace aelab::train
