// Runs panel (see runs_browser.hpp).
//
// Index
// [SECTION] Store writes and reads (jobs)
// [SECTION] Drawing
#include "app/panels/runs_browser.hpp"

#include <algorithm>
#include <cstdio>

#include "app/export.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/run_picker.hpp"
#include "core/error.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_summary.hpp"
#include "train/ae_trainer.hpp"
#include "train/resume.hpp"
#include "train/run_model.hpp"

namespace aelab::app {

using Clock = std::chrono::steady_clock;
constexpr auto kUndoWindow = std::chrono::seconds(8);

namespace {

const ImVec4 kErrorColour(1, 0.43f, 0.39f, 1);

// The metrics one can compare across runs.
constexpr const char* kMetrics[] = {runs::metric::test_l1,    runs::metric::test_mse,
                                    runs::metric::train_loss, runs::metric::test_accuracy,
                                    runs::metric::lr,         runs::metric::seconds};

std::string field_text(const nlohmann::json& f, const char* key) {
  if (!f.contains(key)) return "";
  const nlohmann::json& v = f[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number()) return short_number(v.get<double>());
  return v.dump();
}

std::string epochs_text(const nlohmann::json& f) {
  const int done = f.value("epochs_done", 0), total = f.value("epochs_total", 0);
  if (total <= 0) return done > 0 ? std::to_string(done) : "";
  return done < total ? std::to_string(done) + "/" + std::to_string(total) : std::to_string(total);
}

std::string headline_text(const nlohmann::json& f) {
  if (!f.contains("headline")) return "";
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s %.4f", f["headline"]["name"].get<std::string>().c_str(),
                f["headline"]["value"].get<double>());
  return buf;
}

}  // namespace

RunsBrowser::RunsBrowser(AppContext& ctx) : ctx_(ctx) {}

// At exit the deletes still in their undo window happen (the window is gone, nothing can undo
// them any more); this runs once, after the last frame.
RunsBrowser::~RunsBrowser() {
  if (pending_delete_.empty()) return;
  try {
    runs::RunStore store = runs::RunStore::open(ctx_.launch().runs_db);
    for (const auto& [id, when] : pending_delete_)
      if (store.has_run(id)) store.delete_run(id);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aelab: deleting runs: %s\n", e.what());
  }
}

// [SECTION] Store writes and reads (jobs) -----------------------------------------------------

void RunsBrowser::commit_deletes(bool all) {
  if (pending_delete_.empty() || write_.running()) return;
  std::vector<int64_t> due;
  for (const auto& [id, when] : pending_delete_)
    if (all || Clock::now() - when >= kUndoWindow) due.push_back(id);
  if (due.empty()) return;
  rename_error_id_ = 0;
  std::string what = "deleted run";
  for (int64_t id : due) {
    what += " " + std::to_string(id);
    pending_delete_.erase(id);
    ticked_.erase(id);
  }
  ctx_.session().compare_runs.assign(ticked_.begin(), ticked_.end());
  write_.start(ctx_.jobs(), "delete runs", what,
               [db = ctx_.launch().runs_db, due, what](train::JobContext&) {
                 runs::RunStore store = runs::RunStore::open(db);
                 for (int64_t id : due)
                   if (store.has_run(id)) store.delete_run(id);
                 return StoreWrite{what};
               });
}

void RunsBrowser::start_rename(int64_t id, const std::string& name) {
  const std::string what = "renamed run " + std::to_string(id) + " to " + name;
  rename_error_id_ = id;
  write_.start(ctx_.jobs(), "rename run " + std::to_string(id), what,
               [db = ctx_.launch().runs_db, id, name, what](train::JobContext&) {
                 runs::RunStore store = runs::RunStore::open(db);
                 store.rename_run(id, name);
                 return StoreWrite{what};
               });
}

void RunsBrowser::resume_run(int64_t id) {
  Session& session = ctx_.session();
  const runs::RunSummary* r = find_run(session.runs(), id);
  if (!r) return;
  auto run = std::make_shared<LiveRun>();
  try {
    run->config = train::ae_config_from_json(r->config);
  } catch (const std::exception& e) {
    ctx_.report("run " + std::to_string(id) + " cannot be resumed: " + e.what(), true);
    return;
  }
  run->run_id = id;
  run->explore = true;
  // Like a run started in the Training panel: the session lists it there, the explorer follows.
  run->job = std::make_shared<train::Job>(
      "resume " + r->name, [id, db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir,
                            cache = session.datasets()](train::JobContext& jc) {
        lower_worker_priority();
        jc.report_progress(0, "checking the checkpoint");
        train::ResumeTarget t;
        {
          runs::RunStore store = runs::RunStore::open(db);
          t = train::check_resume(store, id);  // InputError: why it cannot continue
        }
        auto ds = cache->get(t.data, dir);
        (void)train::resume_run(id, *ds, db, jc);
      });
  ctx_.jobs().add(run->job);
  session.live.push_back(run);
  session.store_changed();
  ctx_.show_panel("training");
}

void RunsBrowser::load_curves() {
  const Session& session = ctx_.session();
  std::string key = metric_;
  for (int64_t id : ticked_) key += " " + std::to_string(id);
  bool any_running = false;
  for (int64_t id : ticked_)
    if (const runs::RunSummary* r = find_run(session.runs(), id))
      any_running |= r->status == runs::RunStatus::running;
  // Again when the ticked runs or the metric change, or a ticked run that runs got a new epoch.
  const bool due = key != curves_key_ || (any_running && curves_version_ != session.runs_version());
  if (!due || curves_.running() || ticked_.empty()) return;
  curves_key_ = key;
  curves_version_ = session.runs_version();
  curves_.start(ctx_.jobs(), "read curves", key,
                [db = ctx_.launch().runs_db, ids = ticked_, metric = metric_](train::JobContext&) {
                  Curves c{metric, {}};
                  runs::RunStore store = runs::RunStore::open(db);
                  for (int64_t id : ids)
                    if (store.has_run(id)) c.series[id] = store.metric_series(id, metric);
                  return c;
                });
}

report::Table RunsBrowser::table() const {
  report::Table t;
  t.columns = {"id",          "name",           "kind",      "preset", "latent", "loss",
               "epochs_done", "epochs_total",   "lr",        "seed",   "status", "status_text",
               "headline",    "headline_value", "created_at"};
  for (const runs::RunSummary& r : ctx_.session().runs()) {
    const nlohmann::json f = runs::summary_fields(r);
    auto cell = [&](const char* k) -> report::Cell {
      if (!f.contains(k)) return report::Cell("");
      const nlohmann::json& v = f[k];
      if (v.is_number_integer()) return report::Cell(v.get<int64_t>());
      if (v.is_number()) return report::Cell(v.get<double>());
      return report::Cell(v.is_string() ? v.get<std::string>() : v.dump());
    };
    t.add_row({cell("id"), cell("name"), cell("kind"), cell("preset"), cell("latent"), cell("loss"),
               cell("epochs_done"), cell("epochs_total"), cell("lr"), cell("seed"), cell("status"),
               cell("status_text"),
               f.contains("headline") ? report::Cell(f["headline"]["name"].get<std::string>())
                                      : report::Cell(""),
               f.contains("headline") ? report::Cell(f["headline"]["value"].get<double>())
                                      : report::Cell(""),
               report::Cell(r.created_at)});
  }
  return t;
}

// [SECTION] Drawing ---------------------------------------------------------------------------

void RunsBrowser::draw_table() {
  Session& session = ctx_.session();
  const auto& list = session.runs();
  const float font = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float table_h = std::max(avail.y * 0.5f, font * 8);
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
  constexpr const char* kColumns[] = {"cmp",    "id",       "name",    "kind", "preset",
                                      "L",      "loss",     "epochs",  "lr",   "seed",
                                      "status", "headline", "created", ""};
  // The content width, known before the first frame draws it, so a pane too narrow for the table
  // shows the horizontal scrollbar from the table's first frame on.
  const ImGuiStyle& st = ImGui::GetStyle();
  float widths[14] = {};
  for (int c = 0; c < 14; ++c) widths[c] = ImGui::CalcTextSize(kColumns[c]).x;
  widths[0] = std::max(widths[0], ImGui::GetFrameHeight());
  const float actions = ImGui::CalcTextSize("Rename Explore Resume Delete").x +
                        8 * st.FramePadding.x + 3 * st.ItemSpacing.x;
  widths[13] = actions;
  for (const runs::RunSummary& r : list) {
    const nlohmann::json f = runs::summary_fields(r);
    const std::string cells[] = {std::to_string(r.id),    field_text(f, "name") + " (deleting)",
                                 field_text(f, "kind"),   field_text(f, "preset"),
                                 field_text(f, "latent"), field_text(f, "loss"),
                                 epochs_text(f),          field_text(f, "lr"),
                                 field_text(f, "seed"),   field_text(f, "status"),
                                 headline_text(f),        r.created_at};
    for (int c = 0; c < 12; ++c)
      widths[c + 1] = std::max(widths[c + 1], ImGui::CalcTextSize(cells[c].c_str()).x);
  }
  widths[2] = std::max(widths[2], font * 14 + st.ItemSpacing.x);  // the rename field
  float inner = 0;
  for (float w : widths) inner += w + 2 * st.CellPadding.x + 1;
  inner += st.ScrollbarSize + font;
  if (!ImGui::BeginTable("runs", 14, flags, ImVec2(0, table_h), inner > avail.x ? inner : 0))
    return;
  ImGui::TableSetupScrollFreeze(1, 1);
  for (const char* c : kColumns) ImGui::TableSetupColumn(c);
  ImGui::TableHeadersRow();
  for (const runs::RunSummary& r : list) {
    const nlohmann::json f = runs::summary_fields(r);
    ImGui::PushID(static_cast<int>(r.id));
    ImGui::TableNextRow();
    const bool pending = pending_delete_.count(r.id) > 0;
    const std::string idk = std::to_string(r.id);
    ImGui::TableNextColumn();
    bool ticked = ticked_.count(r.id) > 0;
    if (ImGui::Checkbox("##cmp", &ticked)) {
      if (ticked)
        ticked_.insert(r.id);
      else
        ticked_.erase(r.id);
      session.compare_runs.assign(ticked_.begin(), ticked_.end());
    }
    ImGui::TableNextColumn();
    ImGui::Text("%lld", static_cast<long long>(r.id));
    ImGui::TableNextColumn();
    if (rename_id_ == r.id) {
      if (rename_focus_) {
        ImGui::SetKeyboardFocusHere();
        rename_focus_ = false;
        ctx_.request_frame();  // the focus lands in the next frame: draw it without waiting
      }
      ImGui::SetNextItemWidth(font * 14);
      const bool enter = ImGui::InputText("##rename", rename_buf_, sizeof rename_buf_,
                                          ImGuiInputTextFlags_EnterReturnsTrue);
      ctx_.note_item("runs:rename-field");
      if (enter && !write_.running()) {
        start_rename(r.id, rename_buf_);
        rename_id_ = 0;
      } else if (ImGui::IsItemDeactivated() && !enter) {
        rename_id_ = 0;  // Escape or a click elsewhere: keep the old name
      }
    } else {
      ImGui::TextColored(pending ? ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled)
                                 : ImGui::GetStyleColorVec4(ImGuiCol_Text),
                         "%s%s", field_text(f, "name").c_str(), pending ? " (deleting)" : "");
      ctx_.note_item("runs:name:" + idk);
      if (ImGui::IsItemHovered()) {
        ImGui::SetTooltip("%s\nDouble-click to rename.", runs::summary_line(r).c_str());
        if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left) && !pending) {
          rename_id_ = r.id;
          std::snprintf(rename_buf_, sizeof rename_buf_, "%s", r.name.c_str());
          rename_focus_ = true;
        }
      }
    }
    if (rename_error_id_ == r.id && !write_.error().empty()) {
      ImGui::SameLine();
      ImGui::TextColored(kErrorColour, "%s", write_.error().c_str());
    }
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(field_text(f, "kind").c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(field_text(f, "preset").c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(field_text(f, "latent").c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(field_text(f, "loss").c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(epochs_text(f).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(field_text(f, "lr").c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(field_text(f, "seed").c_str());
    ImGui::TableNextColumn();
    ImGui::TextColored(status_colour(r.status), "%s", field_text(f, "status").c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", runs::status_text(r).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(headline_text(f).c_str());
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", r.created_at.c_str());
    ImGui::TableNextColumn();
    if (pending) {
      if (ImGui::SmallButton("Undo")) pending_delete_.erase(r.id);
    } else {
      ImGui::BeginDisabled(write_.running());
      if (ImGui::SmallButton("Rename")) {
        rename_id_ = r.id;
        std::snprintf(rename_buf_, sizeof rename_buf_, "%s", r.name.c_str());
        rename_focus_ = true;
      }
      ctx_.note_item("runs:rename:" + idk);
      ImGui::EndDisabled();
      if (runs::is_autoencoder_with_codes(r)) {
        ImGui::SameLine();
        if (ImGui::SmallButton("Explore")) {
          session.explore(r.id);
          ctx_.show_panel("latent_explorer");
        }
      }
      // The window follows a resumed autoencoder in the explorer; other kinds resume from the
      // CLI (aelab train resume ID).
      if (runs::is_resumable(r) && runs::is_autoencoder(r.kind)) {
        ImGui::SameLine();
        ImGui::BeginDisabled(!resume_available() || write_.running());
        if (ImGui::SmallButton("Resume")) resume_run(r.id);
        ctx_.note_item("runs:resume:" + std::to_string(r.id));
        ImGui::EndDisabled();
        if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
          ImGui::SetTooltip("Continue from the checkpoint of epoch %d (as aelab train resume %lld)",
                            r.last_checkpoint_epoch, static_cast<long long>(r.id));
      }
      ImGui::SameLine();
      ImGui::BeginDisabled(r.status == runs::RunStatus::running);
      if (ImGui::SmallButton("Delete")) {
        confirm_id_ = r.id;
        ImGui::OpenPopup("confirm");
      }
      ImGui::EndDisabled();
    }
    if (ImGui::BeginPopup("confirm")) {
      ImGui::Text("Delete run %lld (%s) with its metrics, weights and codes?",
                  static_cast<long long>(confirm_id_), r.name.c_str());
      if (ImGui::Button("Delete")) {
        pending_delete_[confirm_id_] = Clock::now();
        ImGui::CloseCurrentPopup();
      }
      ImGui::SameLine();
      if (ImGui::Button("Keep")) ImGui::CloseCurrentPopup();
      ImGui::EndPopup();
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void RunsBrowser::draw_curves() {
  const Session& session = ctx_.session();
  const float font = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(font * 10);
  if (ImGui::BeginCombo("metric", metric_.c_str())) {
    for (const char* m : kMetrics)
      if (ImGui::Selectable(m, metric_ == m)) metric_ = m;
    ImGui::EndCombo();
  }
  const PlotToolbar tb = plot_toolbar("compare", curves_view_);
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  if (ticked_.empty())
    ImGui::TextWrapped(
        "Tick runs to compare their curves; reconstructions of ticked runs appear in the "
        "explorer.");
  else if (curves_.running())
    ImGui::TextWrapped("reading the curves...");
  ImGui::PopStyleColor();
  if (!curves_.error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::TextWrapped("reading the curves: %s", curves_.error().c_str());
    ImGui::PopStyleColor();
  }
  // Only the curves of runs still ticked, of the metric they were read for (named on the axis).
  const Curves* c = curves_.result();
  std::vector<PlotSeries> ser;
  std::vector<std::string> names;
  std::vector<const runs::MetricSeries*> shown;
  if (c)
    for (const auto& [id, s] : c->series) {
      if (!ticked_.count(id)) continue;
      const runs::RunSummary* r = find_run(session.runs(), id);
      names.push_back("#" + std::to_string(id) + (r ? " " + r->name : std::string()));
      shown.push_back(&s);
    }
  for (size_t i = 0; i < shown.size(); ++i)
    ser.push_back({names[i], shown[i]->epochs, shown[i]->values, pack_rgba(digit_palette()[i % 10]),
                   2.0f, true, shown[i]->epochs.size() < 60});
  PlotOptions o;
  o.x_label = "epoch";
  o.y_label = c ? c->metric : metric_;
  apply(curves_view_, o);
  const PlotFrame frame =
      line_plot("compare", ser, o, ImVec2(0, std::max(ImGui::GetContentRegionAvail().y, font * 8)));
  const std::string base = "curves-" + o.y_label;
  if (tb.csv) {
    std::vector<report::Curve> curves;
    for (size_t i = 0; i < shown.size(); ++i)
      curves.push_back(report::curve(names[i], o.y_label, *shown[i]));
    report_export(ctx_, export_table(report::curves_table(curves), base));
  }
  if (tb.png) export_png(ctx_, frame.widget, base);
}

void RunsBrowser::draw() {
  Session& session = ctx_.session();
  session.poll();
  if (write_.poll()) {
    session.store_changed();
    if (write_.error().empty()) rename_error_id_ = 0;
  }
  curves_.poll();
  commit_deletes(false);
  load_curves();

  if (!session.runs_error().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::TextWrapped("reading the run store: %s", session.runs_error().c_str());
    ImGui::PopStyleColor();
  }
  if (!write_.error().empty() && rename_error_id_ == 0) {
    ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
    ImGui::TextWrapped("%s failed: %s", write_.error_inputs().c_str(), write_.error().c_str());
    ImGui::PopStyleColor();
  }
  if (!session.runs_listed()) {
    ImGui::TextDisabled("reading the run store...");
  } else if (session.runs().empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    ImGui::TextWrapped("No runs in %s yet.", ctx_.launch().runs_db.string().c_str());
    ImGui::PopStyleColor();
  } else {
    if (ImGui::SmallButton("CSV##table")) report_export(ctx_, export_table(table(), "runs"));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Export the table of runs as CSV");
    ImGui::SameLine();
    ImGui::TextDisabled("%zu runs", session.runs().size());
    draw_table();
  }
  draw_curves();
}

}  // namespace aelab::app
