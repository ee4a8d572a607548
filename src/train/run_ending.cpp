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
  } catch (const JobCancelled&) {
    store.finish_run(run_id, runs::RunStatus::cancelled, "cancelled", partial);
  } catch (const std::exception& e) {
    store.finish_run(run_id, runs::RunStatus::failed, e.what(), partial);
  } catch (...) {
    store.finish_run(run_id, runs::RunStatus::failed, "unknown error", partial);
  }
}

}  // namespace aelab::train
