// Runs side by side as numbers (see run_table.hpp).
//
// Index
// [SECTION] Reading a summary
// [SECTION] The column table
// [SECTION] Rows, sorting, filtering
// [SECTION] Config diff
// [SECTION] Statistics and seed groups
// [SECTION] Comparison
#include "report/run_table.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>

#include "core/error.hpp"
#include "runs/run_summary.hpp"
#include "runs/run_text.hpp"

namespace aelab::report {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// [SECTION] Reading a summary

const nlohmann::json* at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object()) return nullptr;
    auto it = p->find(k);
    if (it == p->end()) return nullptr;
    p = &*it;
  }
  return p;
}

Cell json_cell(const nlohmann::json* v) {
  if (!v || v->is_null()) return Cell("");
  if (v->is_number_integer() || v->is_number_unsigned()) return Cell(v->get<int64_t>());
  if (v->is_number()) return Cell(v->get<double>());
  if (v->is_string()) return Cell(v->get<std::string>());
  if (v->is_boolean()) return Cell(v->get<bool>() ? "yes" : "no");
  return Cell(v->dump());
}

bool is_ae(const runs::RunSummary& r) {
  return runs::is_autoencoder(r.kind);
}

Cell config_cell(const runs::RunSummary& r, std::initializer_list<const char*> path) {
  return json_cell(at(r.config, path));
}
Cell result_cell(const runs::RunSummary& r, const char* key) {
  const nlohmann::json* v = at(r.result, {key});
  if (v && v->is_number() && !std::isfinite(v->get<double>())) return Cell(kNaN);
  return json_cell(v);
}

// "2026-12-02 06:19:55" (UTC) as seconds since the epoch; NaN when it does not parse.
double utc_seconds(const std::string& t) {
  std::tm tm{};
  if (std::sscanf(t.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec) != 6)
    return kNaN;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(timegm(&tm));
}

// [SECTION] The column table

Cell c_id(const runs::RunSummary& r) {
  return Cell(r.id);
}
Cell c_kind(const runs::RunSummary& r) {
  return Cell(std::string(runs::to_string(r.kind)));
}
Cell c_name(const runs::RunSummary& r) {
  return Cell(runs::printable(r.name));
}
Cell c_status(const runs::RunSummary& r) {
  return Cell(std::string(runs::status_label(r.status)));
}
Cell c_preset(const runs::RunSummary& r) {
  return is_ae(r) ? config_cell(r, {"model", "preset"}) : Cell("");
}
Cell c_latent(const runs::RunSummary& r) {
  return is_ae(r) ? config_cell(r, {"model", "latent"}) : Cell("");
}
Cell c_loss(const runs::RunSummary& r) {
  return is_ae(r) ? config_cell(r, {"loss"}) : Cell("");
}
// Autoencoders record their optimiser; dis_net and the judge always train with Adam.
Cell c_optimizer(const runs::RunSummary& r) {
  if (const nlohmann::json* o = at(r.config, {"optimizer", "type"})) return json_cell(o);
  if (const nlohmann::json* o = at(r.config, {"optimizer", "name"})) return json_cell(o);
  return at(r.config, {"lr"}) ? Cell("adam") : Cell("");
}
Cell c_lr(const runs::RunSummary& r) {
  if (const nlohmann::json* v = at(r.config, {"optimizer", "lr"})) return json_cell(v);
  return config_cell(r, {"lr"});
}
Cell c_batch(const runs::RunSummary& r) {
  return config_cell(r, {"batch"});
}
Cell c_epochs(const runs::RunSummary& r) {
  const int total = runs::epochs_total(r);
  return total > 0 ? Cell(total) : Cell("");
}
Cell c_epochs_done(const runs::RunSummary& r) {
  return Cell(r.epochs_done);
}
Cell c_adversarial(const runs::RunSummary& r) {
  return r.kind == runs::RunKind::adv_ae ? config_cell(r, {"adversarial"}) : Cell("");
}
Cell c_lambda(const runs::RunSummary& r) {
  return r.kind == runs::RunKind::adv_ae ? config_cell(r, {"lambda"}) : Cell("");
}
Cell c_seed(const runs::RunSummary& r) {
  return config_cell(r, {"seed"});
}
Cell c_dataset(const runs::RunSummary& r) {
  return config_cell(r, {"dataset"});
}
// Training time: the trainer's own (evaluation excluded) when recorded, else created -> finished.
Cell c_duration(const runs::RunSummary& r) {
  if (const nlohmann::json* v = at(r.result, {"train_seconds"}); v && v->is_number())
    return Cell(v->get<double>());
  if (r.finished_at.empty()) return Cell("");
  const double d = utc_seconds(r.finished_at) - utc_seconds(r.created_at);
  return std::isfinite(d) ? Cell(d) : Cell("");
}
Cell c_samples_per_s(const runs::RunSummary& r) {
  return result_cell(r, "samples_per_s");
}
Cell c_test_l1(const runs::RunSummary& r) {
  return is_ae(r) ? result_cell(r, "test_l1") : Cell("");
}
Cell c_test_mse(const runs::RunSummary& r) {
  return is_ae(r) ? result_cell(r, "test_mse") : Cell("");
}
// The (b) runs' own measure; `aelab compare` measures any run against a chosen dis_net.
Cell c_clear_score(const runs::RunSummary& r) {
  return is_ae(r) ? result_cell(r, "test_clear_score") : Cell("");
}
// A judge's own test accuracy; for autoencoders, the judge's accuracy on their
// reconstructions where a comparison stored it.
Cell c_judge_accuracy(const runs::RunSummary& r) {
  if (r.kind == runs::RunKind::classifier) return result_cell(r, "test_accuracy");
  return is_ae(r) ? result_cell(r, "judge_accuracy") : Cell("");
}
Cell c_disnet_accuracy(const runs::RunSummary& r) {
  return r.kind == runs::RunKind::disnet ? result_cell(r, "test_accuracy") : Cell("");
}
// k-means matched accuracy where computed: the clustering phase's, or a stored k-means result.
Cell c_kmeans_accuracy(const runs::RunSummary& r) {
  if (!is_ae(r)) return Cell("");
  Cell c = result_cell(r, "test_cluster_accuracy");
  return is_blank(c) ? result_cell(r, "matched_accuracy") : c;
}
Cell c_tags(const runs::RunSummary& r) {
  return Cell(runs::tags_text(r));
}
Cell c_note(const runs::RunSummary& r) {
  return Cell(runs::note_preview(r));
}
Cell c_created(const runs::RunSummary& r) {
  return Cell(r.created_at);
}

using G = ColumnGroup;
using B = Better;
constexpr RunColumn kRunColumns[] = {
    {"id", "id", G::identity, B::none, c_id},
    {"kind", "kind", G::identity, B::none, c_kind},
    {"name", "name", G::identity, B::none, c_name},
    {"status", "status", G::identity, B::none, c_status},
    {"preset", "preset", G::setting, B::none, c_preset},
    {"latent", "L", G::setting, B::none, c_latent},
    {"loss", "loss", G::setting, B::none, c_loss},
    {"optimizer", "optimiser", G::setting, B::none, c_optimizer},
    {"lr", "lr", G::setting, B::none, c_lr},
    {"batch", "batch", G::setting, B::none, c_batch},
    {"epochs", "epochs", G::setting, B::none, c_epochs},
    {"epochs_done", "done", G::setting, B::none, c_epochs_done},
    {"adversarial", "(b) mode", G::setting, B::none, c_adversarial},
    {"lambda", "lambda", G::setting, B::none, c_lambda},
    {"seed", "seed", G::setting, B::none, c_seed},
    {"dataset", "dataset", G::setting, B::none, c_dataset},
    {"test_l1", "test L1", G::measure, B::lower, c_test_l1},
    {"test_mse", "test MSE", G::measure, B::lower, c_test_mse},
    {"clear_score", "clear score", G::measure, B::higher, c_clear_score},
    {"judge_accuracy", "judge acc", G::measure, B::higher, c_judge_accuracy},
    {"disnet_accuracy", "dis_net acc", G::measure, B::higher, c_disnet_accuracy},
    {"kmeans_accuracy", "k-means acc", G::measure, B::higher, c_kmeans_accuracy},
    {"duration_s", "duration s", G::measure, B::lower, c_duration},
    {"samples_per_s", "samples/s", G::measure, B::higher, c_samples_per_s},
    {"tags", "tags", G::identity, B::none, c_tags},
    {"note", "note", G::identity, B::none, c_note},
    {"created_at", "created", G::identity, B::none, c_created},
};

std::string lower(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace

std::span<const RunColumn> run_columns() {
  return kRunColumns;
}

const RunColumn* find_column(std::string_view key) {
  for (const RunColumn& c : kRunColumns)
    if (key == c.key) return &c;
  return nullptr;
}

double number(const Cell& c) {
  if (c.kind == Cell::Kind::integer) return static_cast<double>(c.i);
  if (c.kind == Cell::Kind::real) return c.d;
  return kNaN;
}

bool cell_less(const Cell& a, const Cell& b, bool descending) {
  const bool ab = is_blank(a) || (a.is_number() && std::isnan(number(a)));
  const bool bb = is_blank(b) || (b.is_number() && std::isnan(number(b)));
  if (ab || bb) return !ab && bb;  // blanks last in either direction
  if (a.is_number() && b.is_number())
    return descending ? number(b) < number(a) : number(a) < number(b);
  const std::string ta = a.text(), tb = b.text();
  return descending ? tb < ta : ta < tb;
}

// [SECTION] Rows, sorting, filtering

std::vector<std::vector<Cell>> run_rows(std::span<const runs::RunSummary> runs) {
  std::vector<std::vector<Cell>> rows;
  rows.reserve(runs.size());
  for (const runs::RunSummary& r : runs) {
    std::vector<Cell> row;
    row.reserve(std::size(kRunColumns));
    for (const RunColumn& c : kRunColumns) row.push_back(c.read(r));
    rows.push_back(std::move(row));
  }
  return rows;
}

Table run_table(std::span<const runs::RunSummary> runs) {
  Table t;
  for (const RunColumn& c : kRunColumns) t.columns.push_back(c.key);
  for (auto& row : run_rows(runs)) t.add_row(std::move(row));
  return t;
}

std::vector<size_t> sort_rows(const std::vector<std::vector<Cell>>& rows, size_t column,
                              bool descending) {
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return cell_less(rows[a].at(column), rows[b].at(column), descending);
  });
  return order;
}

bool matches(const runs::RunSummary& run, const RunFilter& f) {
  if (!f.kinds.empty() && std::find(f.kinds.begin(), f.kinds.end(), run.kind) == f.kinds.end())
    return false;
  if (!f.statuses.empty() &&
      std::find(f.statuses.begin(), f.statuses.end(), run.status) == f.statuses.end())
    return false;
  if (f.text.empty()) return true;
  const std::string needle = lower(f.text);
  std::string hay = run.name + " " + std::string(runs::to_string(run.kind)) + " " +
                    c_preset(run).text() + " " + c_loss(run).text() + " " +
                    std::string(runs::status_label(run.status)) + " #" + std::to_string(run.id);
  for (const std::string& t : run.tags) hay += " " + t;
  hay += " " + run.note;
  return lower(hay).find(needle) != std::string::npos;
}

// [SECTION] Config diff

std::vector<std::pair<std::string, std::string>> flatten_config(const nlohmann::json& config) {
  std::vector<std::pair<std::string, std::string>> out;
  auto walk = [&](auto& self, const nlohmann::json& j, const std::string& prefix) -> void {
    if (j.is_object() && !j.empty()) {
      for (auto it = j.begin(); it != j.end(); ++it) {
        if (prefix.empty() && it.key() == "name") continue;
        self(self, it.value(), prefix.empty() ? it.key() : prefix + "." + it.key());
      }
      return;
    }
    out.emplace_back(
        prefix, j.is_string() ? j.get<std::string>()
                              : j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  };
  if (config.is_object()) walk(walk, config, "");
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<ConfigDiffRow> config_diff(std::span<const nlohmann::json> configs, bool all) {
  std::map<std::string, ConfigDiffRow> by_key;
  for (size_t i = 0; i < configs.size(); ++i)
    for (auto& [k, v] : flatten_config(configs[i])) {
      ConfigDiffRow& row = by_key[k];
      row.key = k;
      row.values.resize(configs.size());
      row.values[i] = v;
    }
  std::vector<ConfigDiffRow> out;
  for (auto& entry : by_key) {
    ConfigDiffRow& row = entry.second;  // not a structured binding: clang 14 cannot capture one
    row.values.resize(configs.size());
    const auto& first = row.values.front();
    row.differs = std::any_of(row.values.begin(), row.values.end(),
                              [&](const auto& v) { return v != first; });
    if (all || row.differs) out.push_back(std::move(row));
  }
  return out;
}

// [SECTION] Statistics and seed groups

Stats stats_of(std::span<const double> values) {
  Stats s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      if (s.n == 0) s.min = s.max = v;
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
      sum += v;
      ++s.n;
    }
  if (s.n == 0) return s;
  s.mean = sum / s.n;
  double ss = 0;
  for (double v : values)
    if (std::isfinite(v)) ss += (v - s.mean) * (v - s.mean);
  s.sd = s.n > 1 ? std::sqrt(ss / (s.n - 1)) : 0.0;
  return s;
}

bool improves(const RunColumn& column, double d) {
  if (!std::isfinite(d) || d == 0) return false;
  return column.better == Better::lower ? d < 0 : column.better == Better::higher && d > 0;
}

std::vector<SeedGroup> seed_groups(std::span<const nlohmann::json> configs) {
  std::vector<std::string> keys;
  std::vector<SeedGroup> groups;
  std::vector<std::vector<std::string>> seeds;
  for (size_t i = 0; i < configs.size(); ++i) {
    nlohmann::json rest = configs[i].is_object() ? configs[i] : nlohmann::json::object();
    std::string seed = rest.contains("seed") ? rest["seed"].dump() : "?";
    rest.erase("seed");
    rest.erase("name");
    const std::string key = rest.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto it = std::find(keys.begin(), keys.end(), key);
    if (it == keys.end()) {
      keys.push_back(key);
      groups.push_back({});
      seeds.push_back({});
      it = keys.end() - 1;
    }
    const size_t g = static_cast<size_t>(it - keys.begin());
    groups[g].members.push_back(i);
    seeds[g].push_back(seed);
  }
  for (size_t g = 0; g < groups.size(); ++g) {
    std::string label = seeds[g].size() == 1 ? "seed " : "seeds ";
    for (size_t k = 0; k < seeds[g].size(); ++k) label += (k ? ", " : "") + seeds[g][k];
    groups[g].label = label;
  }
  return groups;
}

// [SECTION] Comparison

namespace {

// The family a run's numbers belong to: autoencoders ((a) and (b)) are compared with each other.
std::string family(runs::RunKind k) {
  return runs::is_autoencoder(k) ? "autoencoder" : std::string(runs::to_string(k));
}

std::string fixed(double v, int digits = 4) {
  if (!std::isfinite(v)) return std::isnan(v) ? "-" : (v > 0 ? "inf" : "-inf");
  char buf[64];
  if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3))
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  else
    std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string signed_fixed(double v) {
  if (!std::isfinite(v)) return "-";
  return (v >= 0 ? "+" : "") + fixed(v);
}

}  // namespace

RunComparison compare_summaries(std::span<const runs::RunSummary> runs, const CompareSpec& spec) {
  if (runs.empty()) throw InputError("nothing to compare: give at least one run id");
  RunComparison c;
  std::set<int64_t> seen;
  for (const runs::RunSummary& r : runs) {
    if (!seen.insert(r.id).second)
      throw InputError("run " + std::to_string(r.id) + " is given twice");
    if (family(r.kind) != family(runs.front().kind))
      throw InputError("runs of different kinds: run " + std::to_string(runs.front().id) + " is " +
                       std::string(runs::to_string(runs.front().kind)) + ", run " +
                       std::to_string(r.id) + " is " + std::string(runs::to_string(r.kind)) +
                       " (compare autoencoders with autoencoders)");
  }
  c.runs.assign(runs.begin(), runs.end());
  if (spec.baseline != 0) {
    for (size_t i = 0; i < runs.size(); ++i)
      if (runs[i].id == spec.baseline) c.baseline = static_cast<int>(i);
    if (c.baseline < 0)
      throw InputError("the baseline run " + std::to_string(spec.baseline) +
                       " is not one of the runs compared");
  }
  std::vector<nlohmann::json> configs;
  for (const runs::RunSummary& r : runs) configs.push_back(r.config);
  c.settings = config_diff(configs, spec.all_settings);
  c.groups = seed_groups(configs);
  c.grouped = spec.group_seeds;

  if (!spec.metric.empty()) {
    const RunColumn* col = find_column(spec.metric);
    if (!col || col->group != ColumnGroup::measure) {
      std::string known;
      for (const RunColumn& k : run_columns())
        if (k.group == ColumnGroup::measure)
          known += (known.empty() ? "" : ", ") + std::string(k.key);
      throw InputError("unknown measure '" + spec.metric + "' (one of " + known + ")");
    }
  }
  for (const RunColumn& col : run_columns()) {
    if (col.group != ColumnGroup::measure) continue;
    if (!spec.metric.empty() && spec.metric != col.key) continue;
    std::vector<double> vals;
    for (const runs::RunSummary& r : runs) vals.push_back(number(col.read(r)));
    const bool any = std::any_of(vals.begin(), vals.end(), [](double v) { return !std::isnan(v); });
    if (!any && spec.metric.empty()) continue;
    if (!any) throw InputError("no run compared has a value for '" + spec.metric + "'");
    std::vector<double> d(vals.size(), kNaN);
    if (c.baseline >= 0)
      for (size_t i = 0; i < vals.size(); ++i) d[i] = delta(vals[i], vals[size_t(c.baseline)]);
    std::vector<Stats> gs;
    for (const SeedGroup& g : c.groups) {
      std::vector<double> member_vals;
      for (size_t m : g.members) member_vals.push_back(vals[m]);
      gs.push_back(stats_of(member_vals));
    }
    c.measures.push_back(&col);
    c.values.push_back(std::move(vals));
    c.deltas.push_back(std::move(d));
    c.group_stats.push_back(std::move(gs));
  }
  return c;
}

std::string mean_sd_text(const Stats& s) {
  if (s.n == 0) return "-";
  return fixed(s.mean) + " +- " + fixed(s.sd) + " (" + std::to_string(s.n) + ")";
}

Table comparison_table(const RunComparison& c) {
  Table t;
  if (!c.grouped) {
    t.columns = {"id", "name", "kind"};
    for (const ConfigDiffRow& s : c.settings) t.columns.push_back(s.key);
    for (const RunColumn* m : c.measures) t.columns.push_back(m->key);
    if (c.baseline >= 0)
      for (const RunColumn* m : c.measures) t.columns.push_back("delta_" + std::string(m->key));
    for (size_t r = 0; r < c.runs.size(); ++r) {
      std::vector<Cell> row = {Cell(c.runs[r].id), Cell(runs::printable(c.runs[r].name)),
                               Cell(std::string(runs::to_string(c.runs[r].kind)))};
      for (const ConfigDiffRow& s : c.settings) row.push_back(Cell(s.values[r].value_or("")));
      for (size_t m = 0; m < c.measures.size(); ++m)
        row.push_back(std::isnan(c.values[m][r]) ? Cell("") : Cell(c.values[m][r]));
      if (c.baseline >= 0)
        for (size_t m = 0; m < c.measures.size(); ++m)
          row.push_back(std::isnan(c.deltas[m][r]) ? Cell("") : Cell(c.deltas[m][r]));
      t.add_row(std::move(row));
    }
    return t;
  }
  t.columns = {"runs", "n", "seeds"};
  for (const ConfigDiffRow& s : c.settings)
    if (s.key != "seed") t.columns.push_back(s.key);
  for (const RunColumn* m : c.measures)
    for (const char* part : {"_mean", "_sd", "_n", "_min", "_max"})
      t.columns.push_back(std::string(m->key) + part);
  for (size_t g = 0; g < c.groups.size(); ++g) {
    const SeedGroup& grp = c.groups[g];
    std::string ids;
    for (size_t m : grp.members) ids += (ids.empty() ? "" : " ") + std::to_string(c.runs[m].id);
    std::vector<Cell> row = {Cell(ids), Cell(int64_t(grp.members.size())), Cell(grp.label)};
    for (const ConfigDiffRow& s : c.settings)
      if (s.key != "seed") row.push_back(Cell(s.values[grp.members.front()].value_or("")));
    auto num = [](double v) { return std::isnan(v) ? Cell("") : Cell(v); };
    for (size_t m = 0; m < c.measures.size(); ++m) {
      const Stats& s = c.group_stats[m][g];
      row.push_back(num(s.mean));
      row.push_back(num(s.sd));
      row.push_back(Cell(int64_t(s.n)));
      row.push_back(num(s.min));
      row.push_back(num(s.max));
    }
    t.add_row(std::move(row));
  }
  return t;
}

std::string format_comparison(const RunComparison& c) {
  // Columns: one per run (or group); rows: settings, then measures.
  std::vector<std::string> heads;
  if (c.grouped)
    for (const SeedGroup& g : c.groups) {
      std::string h;
      for (size_t m : g.members) h += (h.empty() ? "#" : ",") + std::to_string(c.runs[m].id);
      heads.push_back(h);
    }
  else
    for (size_t r = 0; r < c.runs.size(); ++r)
      heads.push_back("#" + std::to_string(c.runs[r].id) +
                      (int(r) == c.baseline ? " (baseline)" : ""));
  std::vector<std::vector<std::string>> lines;  // label, then one cell per column
  auto add = [&](std::string label, std::vector<std::string> cells) {
    cells.insert(cells.begin(), std::move(label));
    lines.push_back(std::move(cells));
  };
  {
    std::vector<std::string> names;
    if (c.grouped)
      for (const SeedGroup& g : c.groups) names.push_back(g.label);
    else
      for (const auto& r : c.runs) names.push_back(runs::printable(r.name));
    add(c.grouped ? "seeds" : "name", names);
  }
  for (const ConfigDiffRow& s : c.settings) {
    if (c.grouped && s.key == "seed") continue;
    std::vector<std::string> cells;
    if (c.grouped)
      for (const SeedGroup& g : c.groups)
        cells.push_back(s.values[g.members.front()].value_or("-"));
    else
      for (const auto& v : s.values) cells.push_back(v.value_or("-"));
    add(s.key, cells);
  }
  for (size_t m = 0; m < c.measures.size(); ++m) {
    std::vector<std::string> cells;
    if (c.grouped) {
      for (const Stats& s : c.group_stats[m]) cells.push_back(mean_sd_text(s));
    } else {
      for (size_t r = 0; r < c.runs.size(); ++r) {
        std::string v = fixed(c.values[m][r]);
        if (c.baseline >= 0 && int(r) != c.baseline && std::isfinite(c.deltas[m][r]))
          v += " (" + signed_fixed(c.deltas[m][r]) + ")";
        cells.push_back(v);
      }
    }
    add(c.measures[m]->key, cells);
  }
  std::vector<size_t> w(heads.size() + 1, 0);
  w[0] = 7;
  for (size_t i = 0; i < heads.size(); ++i) w[i + 1] = heads[i].size();
  for (const auto& l : lines)
    for (size_t i = 0; i < l.size() && i < w.size(); ++i) w[i] = std::max(w[i], l[i].size());
  auto pad = [](const std::string& s, size_t n) {
    return s + std::string(n - std::min(n, s.size()), ' ');
  };
  std::string out = pad("", w[0]);
  for (size_t i = 0; i < heads.size(); ++i) out += "  " + pad(heads[i], w[i + 1]);
  for (const auto& l : lines) {
    out += "\n" + pad(l[0], w[0]);
    for (size_t i = 1; i < l.size(); ++i) out += "  " + pad(l[i], w[i]);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  std::string trimmed;  // no trailing blanks on any line
  for (size_t p = 0; p < out.size();) {
    size_t e = out.find('\n', p);
    std::string line = out.substr(p, e == std::string::npos ? std::string::npos : e - p);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    trimmed += line;
    if (e == std::string::npos) break;
    trimmed += "\n";
    p = e + 1;
  }
  return trimmed;
}

nlohmann::json to_json(const RunComparison& c) {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json runs_j = nlohmann::json::array();
  for (const auto& r : c.runs)
    runs_j.push_back({{"id", r.id},
                      {"name", runs::printable(r.name)},
                      {"kind", std::string(runs::to_string(r.kind))}});
  nlohmann::json settings = nlohmann::json::array();
  for (const ConfigDiffRow& s : c.settings) {
    nlohmann::json vals = nlohmann::json::array();
    for (const auto& v : s.values) vals.push_back(v ? nlohmann::json(*v) : nlohmann::json());
    settings.push_back({{"key", s.key}, {"differs", s.differs}, {"values", vals}});
  }
  nlohmann::json measures = nlohmann::json::array();
  for (size_t m = 0; m < c.measures.size(); ++m) {
    nlohmann::json vals = nlohmann::json::array(), ds = nlohmann::json::array(),
                   gs = nlohmann::json::array();
    for (double v : c.values[m]) vals.push_back(num(v));
    for (double v : c.deltas[m]) ds.push_back(num(v));
    for (const Stats& s : c.group_stats[m])
      gs.push_back({{"n", s.n},
                    {"mean", num(s.mean)},
                    {"sd", num(s.sd)},
                    {"min", num(s.min)},
                    {"max", num(s.max)}});
    nlohmann::json mj = {{"key", c.measures[m]->key}, {"values", vals}, {"groups", gs}};
    if (c.baseline >= 0) mj["deltas"] = ds;
    measures.push_back(std::move(mj));
  }
  nlohmann::json groups = nlohmann::json::array();
  for (const SeedGroup& g : c.groups) {
    nlohmann::json ids = nlohmann::json::array();
    for (size_t m : g.members) ids.push_back(c.runs[m].id);
    groups.push_back({{"runs", ids}, {"label", g.label}});
  }
  return {{"runs", runs_j},
          {"baseline",
           c.baseline >= 0 ? nlohmann::json(c.runs[size_t(c.baseline)].id) : nlohmann::json()},
          {"grouped", c.grouped},
          {"settings", settings},
          {"measures", measures},
          {"groups", groups}};
}

}  // namespace aelab::report
