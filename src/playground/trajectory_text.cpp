#include "playground/trajectory_text.hpp"

#include <cstdio>
#include <vector>

namespace aelab::playground {

namespace {

std::string number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string verdict_text(const Outcome& o, long max_steps) {
  char buf[160];
  switch (o.fate) {
    case Fate::escaped:
      std::snprintf(buf, sizeof buf, "escaped at step %ld", o.escape_step);
      break;
    case Fate::trapped:
      if (o.period > 0)
        std::snprintf(buf, sizeof buf, "trapped: oscillating in [%.6f, %.6f] with period %ld",
                      o.x_lo, o.x_hi, o.period);
      else
        std::snprintf(buf, sizeof buf, "trapped: oscillating in [%.6f, %.6f] (no exact period)",
                      o.x_lo, o.x_hi);
      break;
    case Fate::running:
      std::snprintf(buf, sizeof buf, "undecided after %ld steps (neither escaped nor settled)",
                    max_steps);
      break;
  }
  return buf;
}

std::string trajectory_csv(std::string_view optimizer, std::span<const StepRecord> rows) {
  std::vector<std::string> names;
  if (!rows.empty())
    for (const optim::StateValue& sv : rows.back().state) names.emplace_back(sv.name);
  std::string csv = "optimizer,t,x,g,loss";
  for (const std::string& n : names) csv += "," + n;
  csv += "\n";
  for (const StepRecord& r : rows) {
    csv += std::string(optimizer) + "," + std::to_string(r.t) + "," + number(r.x) + ",";
    if (r.t > 0) csv += number(r.g);
    csv += "," + number(r.loss);
    for (size_t k = 0; k < names.size(); ++k) {
      csv += ",";
      if (r.t > 0 && k < r.state.size()) csv += number(r.state[k].value);
    }
    csv += "\n";
  }
  return csv;
}

std::string trajectory_csv(const Trajectory& t) {
  return trajectory_csv(t.config.name, t.steps);
}

}  // namespace aelab::playground
