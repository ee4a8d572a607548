// aelab runs list | show ID | rename ID NAME | tag ID TAG... | note ID TEXT | delete ID: the run
// store from the command line.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/command_registry.hpp"
#include "core/error.hpp"
#include "runs/run_store.hpp"
#include "runs/run_summary.hpp"
#include "runs/run_text.hpp"

namespace aelab::cli {

namespace {

// list and show only read: they work on a store they cannot write (a read-only directory).
runs::RunStore open_store(runs::OpenMode mode = runs::OpenMode::write) {
  const auto& g = global_options();
  return runs::RunStore::open(runs::resolve_runs_db(g.runs_db, g.data_dir), mode);
}

// JSON has no NaN: a diverged loss prints as null.
nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json();
}

// summary_line's fields, with the stored row's message, times and result.
nlohmann::json summary_json(const runs::RunSummary& r) {
  nlohmann::json j = runs::summary_fields(r);
  j["summary"] = runs::summary_line(r);
  j["message"] = runs::printable(r.message);
  j["created_at"] = r.created_at;
  j["finished_at"] = r.finished_at.empty() ? nlohmann::json() : nlohmann::json(r.finished_at);
  j["result"] = r.result;
  return j;
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
  auto store = open_store(runs::OpenMode::read);
  auto all = store.list_runs();
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : all) out.push_back(summary_json(r));
    print_json(out, 2);
    return;
  }
  if (all.empty()) {
    std::printf("no runs in %s\n", store.path().c_str());
    return;
  }
  for (const auto& r : all) {
    const std::string note = runs::note_preview(r, 40);
    std::printf("%s%s\n", runs::summary_line(r).c_str(),
                note.empty() ? "" : ("  note: " + note).c_str());
  }
}

void run_show(int64_t id, bool json, bool series) {
  auto store = open_store(runs::OpenMode::read);
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
    print_json(j, 2);
    return;
  }
  const auto& r = rec.summary;
  std::printf("%s\n", runs::summary_line(r).c_str());
  std::printf("status   %s%s\n", runs::status_text(r).c_str(),
              runs::is_resumable(r) ? "  (resumable: aelab train resume ID)" : "");
  std::printf("created  %s UTC\n", r.created_at.c_str());
  if (!r.finished_at.empty()) std::printf("finished %s UTC\n", r.finished_at.c_str());
  if (!r.tags.empty()) std::printf("tags     %s\n", runs::tags_text(r).c_str());
  if (!r.note.empty()) std::printf("note     %s\n", runs::printable(r.note).c_str());
  const auto replace = nlohmann::json::error_handler_t::replace;
  std::printf("config   %s\n", runs::printable(rec.config.dump(-1, ' ', false, replace)).c_str());
  std::printf("result   %s\n", runs::printable(r.result.dump(-1, ' ', false, replace)).c_str());
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
  std::printf("deleted run %lld (%s '%s')\n", static_cast<long long>(id),
              std::string(runs::to_string(rec.summary.kind)).c_str(),
              runs::printable(rec.summary.name).c_str());
}

void run_rename(int64_t id, const std::string& name) {
  auto store = open_store();
  const std::string old = store.get_summary(id).name;  // InputError (exit 2) when there is none
  store.rename_run(id, name);
  std::printf("run %lld: '%s' -> '%s'\n", static_cast<long long>(id), runs::printable(old).c_str(),
              runs::printable(name).c_str());
}

void run_tag(int64_t id, const std::vector<std::string>& tags, bool remove) {
  for (const auto& t : tags) runs::validate_tag(t);  // all refused before any is written
  auto store = open_store();
  const runs::RunSummary before = store.get_summary(id);  // InputError (exit 2): no such run
  if (remove) {
    for (const auto& t : tags)
      if (std::find(before.tags.begin(), before.tags.end(), t) == before.tags.end())
        throw InputError(
            "run " + std::to_string(id) + " has no tag '" + runs::printable(t) +
            "' (its tags: " + (before.tags.empty() ? "none" : runs::tags_text(before)) + ")");
    for (const auto& t : tags) (void)store.remove_tag(id, t);
  } else {
    for (const auto& t : tags) store.add_tag(id, t);
  }
  const runs::RunSummary after = store.get_summary(id);
  std::printf("run %lld tags: %s\n", static_cast<long long>(id),
              after.tags.empty() ? "none" : runs::tags_text(after).c_str());
}

void run_note(int64_t id, const std::string& note) {
  auto store = open_store();
  store.set_note(id, note);
  std::printf(note.empty() ? "run %lld: note cleared\n" : "run %lld: note set\n",
              static_cast<long long>(id));
}

}  // namespace

AELAB_REGISTER_COMMANDS(80) {
  CLI::App* runs =
      app.add_subcommand("runs", "The run store: list, show, rename, tag, note and delete runs");
  runs->require_subcommand(1);

  auto list_json = std::make_shared<bool>(false);
  CLI::App* list = runs->add_subcommand("list", "All runs, newest first, one line each");
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

  struct RenameOptions {
    int64_t id = 0;
    std::string name;
  };
  auto ren = std::make_shared<RenameOptions>();
  CLI::App* ren_cmd = runs->add_subcommand("rename", "Give a run a new (unique) name");
  ren_cmd->add_option("ID", ren->id, "Run id")->required();
  ren_cmd->add_option("NAME", ren->name, "New name (UTF-8, no control characters)")->required();
  ren_cmd->callback([ren] { run_rename(ren->id, ren->name); });

  struct TagOptions {
    int64_t id = 0;
    std::vector<std::string> tags;
    bool remove = false;
  };
  auto tag = std::make_shared<TagOptions>();
  CLI::App* tag_cmd = runs->add_subcommand("tag", "Add tags to a run (or remove them)");
  tag_cmd->add_option("ID", tag->id, "Run id")->required();
  tag_cmd
      ->add_option("TAG", tag->tags,
                   "Tags (one word each: no spaces, commas or control "
                   "characters)")
      ->required();
  tag_cmd->add_flag("--remove", tag->remove, "Remove these tags instead");
  tag_cmd->callback([tag] { run_tag(tag->id, tag->tags, tag->remove); });

  struct NoteOptions {
    int64_t id = 0;
    std::string text;
  };
  auto note = std::make_shared<NoteOptions>();
  CLI::App* note_cmd = runs->add_subcommand("note", "Set a run's note ('' clears it)");
  note_cmd->add_option("ID", note->id, "Run id")->required();
  note_cmd->add_option("TEXT", note->text, "The note (UTF-8; newlines allowed)")->required();
  note_cmd->callback([note] { run_note(note->id, note->text); });

  auto del_id = std::make_shared<int64_t>(0);
  CLI::App* del = runs->add_subcommand("delete", "Delete a run with its metrics and checkpoints");
  del->add_option("ID", *del_id, "Run id")->required();
  del->callback([del_id] { run_delete(*del_id); });
}

}  // namespace aelab::cli
