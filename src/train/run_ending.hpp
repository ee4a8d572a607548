#pragma once
// How a trainer records the end of a run that did not finish. Every trainer wraps its work in
//   try { ... } catch (...) { record_run_ending(store, run_id, result.to_json()); throw; }
// so a NaN loss, a cancel or any other failure leaves the run in the store with the right status
// (diverged / cancelled / interrupted / failed), its message and the result so far. A stop by
// the user is "cancelled at epoch E", one by a quitting program "interrupted at epoch E" (E: the
// result's epochs_done, the epoch of the last checkpoint).
#include <cstdint>
#include <nlohmann/json.hpp>

#include "runs/run_store.hpp"

namespace aelab::train {

// Call only from a catch block: classifies std::current_exception().
void record_run_ending(runs::RunStore& store, int64_t run_id, const nlohmann::json& partial_result);

}  // namespace aelab::train
