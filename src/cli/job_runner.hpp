#pragma once
// Runs a train::Job from the terminal: a progress bar with the status line and ETA on stderr when
// it is a terminal, Ctrl-C cancels the job cleanly (the run is recorded as cancelled), and the
// job's exception, if any, is rethrown so main() maps it to an exit code.
#include "train/job.hpp"

namespace aelab::cli {

void run_job_in_terminal(train::Job& job, bool quiet = false);

}  // namespace aelab::cli
