#pragma once
// A trajectory in words and as a table: the verdict line and the CSV that the playground panel
// shows and exports and `aelab bump trajectory` prints, so both say the same thing.
#include <span>
#include <string>
#include <string_view>

#include "playground/trajectory.hpp"

namespace aelab::playground {

// One line for a run's outcome: "escaped at step 12", "trapped: oscillating in [0.900000,
// 1.200000] with period 2" (or "... (no exact period)"), "undecided after 2000 steps (neither
// escaped nor settled)". max_steps: the length of the run that was judged.
[[nodiscard]] std::string verdict_text(const Outcome& outcome, long max_steps);

// Header "optimizer,t,x,g,loss" and then the optimiser's state names (m, v, m_hat, v_hat, step
// for the Adam family; taken from the last row, the start row has none), one line per row, full
// double precision. The start row (t = 0) leaves g and the state empty.
[[nodiscard]] std::string trajectory_csv(std::string_view optimizer,
                                         std::span<const StepRecord> rows);
[[nodiscard]] std::string trajectory_csv(const Trajectory& trajectory);

}  // namespace aelab::playground
