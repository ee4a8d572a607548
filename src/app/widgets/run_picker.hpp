#pragma once
// Choosing a run, the same way everywhere (DESIGN.md: a run is recognisable wherever it is
// chosen): a combo whose entries are runs::summary_line() ("#12 mlp-L16-l1-s0  ae mlp L16 l1  50 ep
// lr 1e-3 seed 0  finished  test_l1 0.0490") coloured by status, offering only the runs `usable`
// accepts (e.g. runs::is_autoencoder_with_codes), newest first.
//
//   if (run_picker("run", run_id_, ctx_.session().runs(), runs::is_autoencoder_with_codes))
//     open_run(run_id_);
#include <imgui.h>

#include <cstdint>
#include <functional>
#include <span>

#include "runs/run_store.hpp"

namespace aelab::app {

// The colour a run's status is drawn in (finished, running, cancelled, interrupted, diverged,
// failed look different in every list).
[[nodiscard]] ImVec4 status_colour(runs::RunStatus status);

using RunFilter = std::function<bool(const runs::RunSummary&)>;

// True when the user picked another run (or `none_label`, which sets 0). width <= 0: the
// available width minus the label. A selected run that is no longer in `runs` previews as gone.
bool run_picker(const char* label, int64_t& selected, std::span<const runs::RunSummary> runs,
                const RunFilter& usable, const char* none_label = nullptr, float width = 0);

// The run with `id` in `runs`, or null.
[[nodiscard]] const runs::RunSummary* find_run(std::span<const runs::RunSummary> runs, int64_t id);

}  // namespace aelab::app
