// aelab runs list | show ID | delete ID: the run store from the command line.
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_registry.hpp"
#include "runs/run_store.hpp"

namespace aelab::cli {

namespace {

runs::RunStore open_store() {
  const auto& g = global_options();
  return runs::RunStore::open(runs::resolve_runs_db(g.runs_db, g.data_dir));
}

// JSON has no NaN: a diverged loss prints as null.
nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

nlohmann::json summary_json(const runs::RunSummary& r) {
  return {{"id", r.id},
          {"kind", r.kind},
          {"name", r.name},
          {"status", std::string(runs::to_string(r.status))},
          {"message", r.message},
          {"created_at", r.created_at},
          {"finished_at", r.finished_at.empty() ? nlohmann::json() : nlohmann::json(r.finished_at)},
          {"result", r.result}};
}

struct SeriesStats {
  size_t count = 0;
  long last_step = 0;
  double first = 0, last = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  size_t non_finite = 0;
};

SeriesStats stats_of(const runs::MetricSeries& s) {
  SeriesStats st;
  st.count = s.size();
  if (st.count == 0) return st;
  st.first = s.values.front();
  st.last = s.values.back();
  st.last_step = s.steps.back();
  for (double v : s.values) {
    if (!std::isfinite(v)) {
      ++st.non_finite;
      continue;
    }
    st.min = std::min(st.min, v);
    st.max = std::max(st.max, v);
  }
  return st;
}

void run_list(bool json) {
  auto store = open_store();
  auto all = store.list_runs();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : all) out.push_back(summary_json(r));
    std::printf("%s\n", out.dump(2).c_str());
    return;
  }
  if (all.empty()) {
    std::printf("no runs in %s\n", store.path().c_str());
    return;
  }
  std::printf("%5s  %-10s  %-24s  %-11s  %-19s  %s\n", "id", "kind", "name", "status", "created",
              "result");
  for (const auto& r : all) {
    std::string result;
    if (auto h = runs::headline_result(r.result)) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "%s=%.4g", h->first.c_str(), h->second);
      result = buf;
    } else if (r.status != runs::RunStatus::finished && !r.message.empty()) {
      result = r.message;
    }
    std::printf("%5lld  %-10s  %-24s  %-11s  %-19s  %s\n", static_cast<long long>(r.id),
                r.kind.c_str(), r.name.c_str(), std::string(runs::to_string(r.status)).c_str(),
                r.created_at.c_str(), result.c_str());
  }
}

void run_show(int64_t id, bool json, bool series) {
  auto store = open_store();
  auto rec = store.get_run(id);
  auto ckpts = store.list_checkpoints(id);
  auto arts = store.list_artefacts(id);
  if (json) {
    nlohmann::json j = summary_json(rec.summary);
    j["config"] = rec.config;
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [name, s] : rec.metrics) {
      auto st = stats_of(s);
      nlohmann::json m{{"count", st.count},          {"last_step", st.last_step},
                       {"first", number(st.first)},  {"last", number(st.last)},
                       {"min", number(st.min)},      {"max", number(st.max)},
                       {"non_finite", st.non_finite}};
      if (series) {
        nlohmann::json values = nlohmann::json::array();
        for (double v : s.values) values.push_back(number(v));
        m["steps"] = s.steps;
        m["epochs"] = s.epochs;
        m["values"] = values;
      }
      metrics[name] = m;
    }
    j["metrics"] = metrics;
    auto blobs = [](const std::vector<runs::BlobInfo>& v) {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& b : v)
        a.push_back(
            {{"name", b.name}, {"kind", b.kind}, {"bytes", b.bytes}, {"created_at", b.created_at}});
      return a;
    };
    j["checkpoints"] = blobs(ckpts);
    j["artefacts"] = blobs(arts);
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  const auto& r = rec.summary;
  std::printf("run %lld: %s '%s'\n", static_cast<long long>(r.id), r.kind.c_str(), r.name.c_str());
  std::printf("status   %s%s%s\n", std::string(runs::to_string(r.status)).c_str(),
              r.message.empty() ? "" : ": ", r.message.c_str());
  std::printf("created  %s UTC\n", r.created_at.c_str());
  if (!r.finished_at.empty()) std::printf("finished %s UTC\n", r.finished_at.c_str());
  std::printf("config   %s\n", rec.config.dump().c_str());
  std::printf("result   %s\n", r.result.dump().c_str());
  if (!rec.metrics.empty()) {
    std::printf("\n%-20s %7s %9s %11s %11s %11s %11s\n", "metric", "points", "last step", "first",
                "last", "min", "max");
    for (const auto& [name, s] : rec.metrics) {
      auto st = stats_of(s);
      std::printf(
          "%-20s %7zu %9ld %11.5g %11.5g %11.5g %11.5g%s\n", name.c_str(), st.count, st.last_step,
          st.first, st.last, st.min, st.max,
          st.non_finite ? (" (" + std::to_string(st.non_finite) + " non-finite)").c_str() : "");
    }
  }
  for (const auto& b : ckpts)
    std::printf("checkpoint %-16s %10lld bytes  %s\n", b.name.c_str(),
                static_cast<long long>(b.bytes), b.created_at.c_str());
  for (const auto& b : arts)
    std::printf("artefact   %-16s %10lld bytes  %-8s %s\n", b.name.c_str(),
                static_cast<long long>(b.bytes), b.kind.c_str(), b.created_at.c_str());
}

void run_delete(int64_t id) {
  auto store = open_store();
  auto rec = store.get_run(id);  // InputError (exit 2) when there is no such run
  store.delete_run(id);
  std::printf("deleted run %lld (%s '%s')\n", static_cast<long long>(id), rec.summary.kind.c_str(),
              rec.summary.name.c_str());
}

}  // namespace

AELAB_REGISTER_COMMANDS(80) {
  CLI::App* runs = app.add_subcommand("runs", "The run store: list, show and delete runs");
  runs->require_subcommand(1);

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = runs->add_subcommand("list", "All runs, newest first");
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback([list_json] { run_list(*list_json); });

  struct ShowOptions {
    int64_t id = 0;
    bool json = false;
    bool series = false;
  };
  auto show = std::make_shared<ShowOptions>();
  CLI::App* show_cmd = runs->add_subcommand("show", "One run: config, result, metric summary");
  show_cmd->add_option("ID", show->id, "Run id (see `aelab runs list`)")->required();
  show_cmd->add_flag("--json", show->json, "Print JSON");
  show_cmd->add_flag("--series", show->series, "With --json: include every metric point");
  show_cmd->callback([show] { run_show(show->id, show->json, show->series); });

  auto del_id = std::make_shared<int64_t>(0);
  CLI::App* del = runs->add_subcommand("delete", "Delete a run with its metrics and checkpoints");
  del->add_option("ID", *del_id, "Run id")->required();
  del->callback([del_id] { run_delete(*del_id); });
}

}  // namespace aelab::cli
