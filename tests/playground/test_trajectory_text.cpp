// The verdict line and the trajectory CSV that the playground panel and `aelab bump trajectory`
// share: wording for each fate, and a CSV whose rows are the simulated steps.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "playground/trajectory_text.hpp"

using namespace aelab;
using namespace aelab::playground;

namespace {

optim::OptimizerConfig config(const char* name, double lr = 0.3) {
  optim::OptimizerConfig c;
  c.name = name;
  c.lr = lr;
  c.eps = 0.0;
  return c;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cell;
  std::stringstream ss(s);
  while (std::getline(ss, cell, sep)) out.push_back(cell);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

}  // namespace

TEST_CASE("verdict text names each fate with its numbers") {
  // Plain GD at a = 0.3 over a 0.5 bump: trapped between 0.9 and 1.2, period 2.
  const Trajectory gd = simulate(BumpLoss{1.0, 0.5}, config("sgd"), 0.0, 200);
  REQUIRE(gd.outcome.fate == Fate::trapped);
  CHECK(verdict_text(gd.outcome, 200) ==
        "trapped: oscillating in [0.900000, 1.200000] with period 2");
  // Adam over a low bump escapes; the step is the one the walk reports.
  const Trajectory adam = simulate(BumpLoss{1.0, 0.1}, config("adam"), 0.0, 200);
  REQUIRE(adam.outcome.fate == Fate::escaped);
  CHECK(verdict_text(adam.outcome, 200) ==
        "escaped at step " + std::to_string(adam.outcome.escape_step));
  Outcome aperiodic;
  aperiodic.fate = Fate::trapped;
  aperiodic.x_lo = 1.0;
  aperiodic.x_hi = 1.25;
  CHECK(verdict_text(aperiodic, 50) ==
        "trapped: oscillating in [1.000000, 1.250000] (no exact period)");
  CHECK(verdict_text(Outcome{}, 7) == "undecided after 7 steps (neither escaped nor settled)");
}

TEST_CASE("trajectory CSV: a header with the optimiser's state names and one line per step") {
  const Trajectory tr = simulate(BumpLoss{1.0, 0.5}, config("adam"), 0.0, 6);
  REQUIRE(tr.steps.size() == 7);
  const std::vector<std::string> lines = split(trajectory_csv(tr), '\n');
  REQUIRE(lines.size() == 1 + tr.steps.size() + 1);  // header, rows, the empty after the last \n
  CHECK(lines.back().empty());
  CHECK(lines[0] == "optimizer,t,x,g,loss,m,v,m_hat,v_hat,step");
  // The start row: x0 and its loss, no gradient or state yet.
  const std::vector<std::string> start = split(lines[1], ',');
  REQUIRE(start.size() == 10);
  CHECK(start[0] == "adam");
  CHECK(start[1] == "0");
  CHECK(std::stod(start[2]) == tr.steps[0].x);
  CHECK(start[3].empty());
  CHECK(std::stod(start[4]) == tr.steps[0].loss);
  for (size_t k = 5; k < start.size(); ++k) CHECK(start[k].empty());
  // Every later row reads back to the simulated numbers exactly (17 significant digits).
  for (size_t t = 1; t < tr.steps.size(); ++t) {
    INFO("t = " << t);
    const std::vector<std::string> cells = split(lines[t + 1], ',');
    REQUIRE(cells.size() == 10);
    const StepRecord& r = tr.steps[t];
    CHECK(std::stol(cells[1]) == r.t);
    CHECK(std::stod(cells[2]) == r.x);
    CHECK(std::stod(cells[3]) == r.g);
    CHECK(std::stod(cells[4]) == r.loss);
    for (size_t k = 0; k < r.state.size(); ++k) CHECK(std::stod(cells[5 + k]) == r.state[k].value);
  }
  // SGD keeps no state beyond its step count.
  const Trajectory sgd = simulate(BumpLoss{1.0, 0.5}, config("sgd"), 0.0, 3);
  CHECK(split(trajectory_csv(sgd), '\n')[0] == "optimizer,t,x,g,loss,step");
  CHECK(trajectory_csv("adam", {}) == "optimizer,t,x,g,loss\n");
}
