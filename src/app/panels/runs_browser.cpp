// Runs panel (see runs_browser.hpp).
//
// Index
// [SECTION] Store writes and reads (jobs)
// [SECTION] Drawing
#include "app/panels/runs_browser.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "app/export.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/run_picker.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/error.hpp"
#include "report/run_table.hpp"
#include "runs/metric_names.hpp"
#include "runs/run_summary.hpp"
#include "runs/run_text.hpp"
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

}  // namespace

RunsBrowser::RunsBrowser(AppContext& ctx) : ctx_(ctx) {
  ticked_.insert(ctx.session().compare_runs.begin(), ctx.session().compare_runs.end());
}

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

void RunsBrowser::start_tags(int64_t id, const std::string& tags_text, const std::string& note) {
  std::vector<std::string> tags;
  std::string word;
  for (char ch : tags_text + " ") {
    if (ch == ' ' || ch == ',' || ch == '\t') {
      if (!word.empty()) tags.push_back(word);
      word.clear();
    } else {
      word += ch;
    }
  }
  const std::string what = "tagged run " + std::to_string(id);
  rename_error_id_ = 0;
  write_.start(ctx_.jobs(), "tag run " + std::to_string(id), what,
               [db = ctx_.launch().runs_db, id, tags, note, what](train::JobContext&) {
                 runs::RunStore store = runs::RunStore::open(db);
                 for (const std::string& t : tags) runs::validate_tag(t);  // before any write
                 runs::validate_note(note);
                 store.set_tags(id, tags);
                 store.set_note(id, note);
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
  std::vector<runs::RunSummary> shown;
  for (size_t r : order_) shown.push_back(ctx_.session().runs()[r]);
  return report::run_table(shown);
}

// [SECTION] Drawing ---------------------------------------------------------------------------

// The table's cells, their text and the columns' widths for the current run list: computed when
// a new list arrives, not every frame (a store of 1,000 runs is 25,000 cells).
void RunsBrowser::refresh_rows() {
  const Session& session = ctx_.session();
  if (rows_version_ == session.runs_version() && !rows_.empty() == !session.runs().empty()) return;
  rows_version_ = session.runs_version();
  // The list is read again every few seconds; most of the time nothing in it changed, and then
  // the cells are kept (formatting and measuring 1,000 rows would cost a frame).
  size_t fp = session.runs().size();
  auto mix = [&fp](size_t h) { fp ^= h + 0x9e3779b97f4a7c15ull + (fp << 6) + (fp >> 2); };
  for (const runs::RunSummary& r : session.runs()) {
    mix(std::hash<int64_t>{}(r.id));
    mix(std::hash<std::string>{}(r.name));
    mix(size_t(r.status) * 131 + size_t(r.epochs_done));
    mix(std::hash<std::string>{}(r.finished_at));
    mix(std::hash<std::string>{}(r.note));
    for (const std::string& t : r.tags) mix(std::hash<std::string>{}(t));
  }
  if (fp == rows_fingerprint_ && rows_.size() == session.runs().size()) return;
  rows_fingerprint_ = fp;
  ++rows_content_;
  rows_ = report::run_rows(session.runs());
  const auto cols = report::run_columns();
  text_.assign(rows_.size(), {});
  widths_.assign(cols.size(), 0);
  for (size_t c = 0; c < cols.size(); ++c) widths_[c] = ImGui::CalcTextSize(cols[c].header).x;
  for (size_t r = 0; r < rows_.size(); ++r) {
    text_[r].reserve(cols.size());
    for (size_t c = 0; c < cols.size(); ++c) {
      const report::Cell& cell = rows_[r][c];
      std::string t = cell.kind == report::Cell::Kind::real ? short_number(cell.d) : cell.text();
      if (cell.kind == report::Cell::Kind::real && cols[c].group == report::ColumnGroup::measure) {
        char buf[32];
        std::snprintf(buf, sizeof buf, std::abs(cell.d) >= 100 ? "%.0f" : "%.4f", cell.d);
        t = std::isfinite(cell.d) ? buf : t;
      }
      widths_[c] = std::max(widths_[c], ImGui::CalcTextSize(t.c_str()).x);
      text_[r].push_back(std::move(t));
    }
  }
  order_key_.clear();  // the order is of the old list
}

void RunsBrowser::refresh_order() {
  const auto& list = ctx_.session().runs();
  std::string key = std::to_string(rows_content_) + "|" + filter_ + "|" +
                    std::to_string(kind_filter_) + "|" + std::to_string(status_filter_) + "|" +
                    std::to_string(sort_column_) + (sort_descending_ ? "d" : "a");
  if (key == order_key_) return;
  order_key_ = key;
  report::RunFilter f;
  f.text = filter_;
  if (kind_filter_ > 0) f.kinds = {runs::kAllRunKinds[size_t(kind_filter_ - 1)]};
  if (status_filter_ > 0) f.statuses = {static_cast<runs::RunStatus>(status_filter_ - 1)};
  std::vector<size_t> sorted(list.size());
  for (size_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
  if (sort_column_ >= 0 && size_t(sort_column_) < report::run_columns().size())
    sorted = report::sort_rows(rows_, size_t(sort_column_), sort_descending_);
  order_.clear();
  for (size_t r : sorted)
    if (report::matches(list[r], f)) order_.push_back(r);
}

void RunsBrowser::draw_filters() {
  Session& session = ctx_.session();
  const float font = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(font * 12);
  ImGui::InputTextWithHint("##filter", "filter: name, kind, preset...", filter_buf_,
                           sizeof filter_buf_);
  filter_ = filter_buf_;
  ctx_.note_item("runs:filter");
  same_line_if_fits(font * 9);
  ImGui::SetNextItemWidth(font * 8);
  std::string kinds[5] = {"any kind"};
  for (size_t k = 0; k < runs::kAllRunKinds.size(); ++k)
    kinds[k + 1] = std::string(runs::to_string(runs::kAllRunKinds[k]));
  if (ImGui::BeginCombo("##kind", kinds[kind_filter_].c_str())) {
    for (int k = 0; k < 5; ++k)
      if (ImGui::Selectable(kinds[k].c_str(), kind_filter_ == k)) kind_filter_ = k;
    ImGui::EndCombo();
  }
  same_line_if_fits(font * 9);
  ImGui::SetNextItemWidth(font * 8);
  constexpr runs::RunStatus kStatuses[] = {
      runs::RunStatus::running,  runs::RunStatus::finished, runs::RunStatus::cancelled,
      runs::RunStatus::diverged, runs::RunStatus::failed,   runs::RunStatus::interrupted};
  const std::string current =
      status_filter_ == 0 ? "any status"
                          : std::string(runs::to_string(kStatuses[size_t(status_filter_ - 1)]));
  if (ImGui::BeginCombo("##status", current.c_str())) {
    if (ImGui::Selectable("any status", status_filter_ == 0)) status_filter_ = 0;
    for (int k = 0; k < 6; ++k)
      if (ImGui::Selectable(std::string(runs::to_string(kStatuses[k])).c_str(),
                            status_filter_ == k + 1))
        status_filter_ = k + 1;
    ImGui::EndCombo();
  }
  const std::string cmp = "Compare (" + std::to_string(ticked_.size()) + ")";
  same_line_if_fits(ImGui::CalcTextSize(cmp.c_str()).x + font * 2);
  ImGui::BeginDisabled(ticked_.empty());
  if (ImGui::Button(cmp.c_str())) {
    session.compare_runs.assign(ticked_.begin(), ticked_.end());
    ctx_.show_panel("compare");
  }
  ImGui::EndDisabled();
  ctx_.note_item("runs:compare");
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        "The ticked runs side by side: settings that differ, deltas, seed groups, "
        "curves, digits, latent maps");
  same_line_if_fits(font * 6);
  if (ImGui::SmallButton("tick shown")) {
    for (size_t r : order_) ticked_.insert(session.runs()[r].id);
    session.compare_runs.assign(ticked_.begin(), ticked_.end());
  }
  same_line_if_fits(font * 5);
  if (ImGui::SmallButton("untick")) {
    ticked_.clear();
    session.compare_runs.clear();
  }
  same_line_if_fits(font * 4);
  if (ImGui::SmallButton("CSV##table")) report_export(ctx_, export_table(table(), "runs"));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Export the shown rows, every column, as CSV");
  same_line_if_fits(font * 9);
  ImGui::TextDisabled("%zu of %zu runs", order_.size(), session.runs().size());
}

void RunsBrowser::draw_table() {
  Session& session = ctx_.session();
  const auto& list = session.runs();
  const auto cols = report::run_columns();
  // The tick, the actions, the columns. The tick and the actions stay in view (frozen) however
  // far a narrow pane scrolls the columns: Resume, Explore and Delete are never off-screen.
  const int ncols = int(cols.size()) + 2;
  constexpr int first_col = 2;
  const float font = ImGui::GetFontSize();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float table_h = std::max(avail.y * 0.5f, font * 8);
  const ImGuiTableFlags flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_ScrollX |
      ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit |
      ImGuiTableFlags_Sortable | ImGuiTableFlags_Hideable | ImGuiTableFlags_Reorderable;
  const ImGuiStyle& st = ImGui::GetStyle();
  const size_t name_col = size_t(report::find_column("name") - cols.data());
  const size_t status_col = size_t(report::find_column("status") - cols.data());
  const float actions = ImGui::CalcTextSize("Rename Explore Resume Tags Delete").x +
                        10 * st.FramePadding.x + 4 * st.ItemSpacing.x;
  // The content width, known before the first frame draws it, so a pane too narrow for the table
  // shows the horizontal scrollbar from the table's first frame on.
  float inner = ImGui::GetFrameHeight() + actions + 4 * st.CellPadding.x + st.ScrollbarSize + font;
  std::vector<float> w(cols.size());
  for (size_t c = 0; c < cols.size(); ++c) {
    w[c] = widths_[c] + font * 1.2f;  // room for the sort arrow
    if (c == name_col) w[c] = std::max(w[c], font * 14 + st.ItemSpacing.x);
    inner += w[c] + 2 * st.CellPadding.x + 1;
  }
  if (!ImGui::BeginTable("runs_table", ncols, flags, ImVec2(0, table_h),
                         inner > avail.x ? inner : 0))
    return;
  ImGui::TableSetupScrollFreeze(first_col, 1);
  ImGui::TableSetupColumn("cmp", ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_NoHide,
                          ImGui::GetFrameHeight());
  ImGui::TableSetupColumn(
      "",
      ImGuiTableColumnFlags_NoSort | ImGuiTableColumnFlags_NoHide | ImGuiTableColumnFlags_NoReorder,
      actions);
  for (size_t c = 0; c < cols.size(); ++c)
    ImGui::TableSetupColumn(cols[c].header, ImGuiTableColumnFlags_WidthFixed, w[c]);
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int k = 0; k < ncols; ++k) {
    if (!ImGui::TableSetColumnIndex(k)) continue;
    ImGui::TableHeader(ImGui::TableGetColumnName(k));
    if (k >= first_col)
      ctx_.note_item(std::string("runs:header:") + cols[size_t(k - first_col)].key);
  }
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsDirty) {
    if (specs->SpecsCount > 0 && specs->Specs[0].ColumnIndex >= first_col) {
      sort_column_ = specs->Specs[0].ColumnIndex - first_col;
      sort_descending_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
    } else {
      sort_column_ = -1;
    }
    specs->SpecsDirty = false;
    refresh_order();
  }
  ImGuiListClipper clipper;
  clipper.Begin(int(order_.size()));
  while (clipper.Step())
    for (int pos = clipper.DisplayStart; pos < clipper.DisplayEnd; ++pos) {
      const size_t ri = order_[size_t(pos)];
      const runs::RunSummary& r = list[ri];
      ImGui::PushID(static_cast<int>(r.id));
      ImGui::TableNextRow();
      const bool pending = pending_delete_.count(r.id) > 0;
      const std::string idk = std::to_string(r.id);
      ImGui::TableSetColumnIndex(0);
      bool ticked = ticked_.count(r.id) > 0;
      if (ImGui::Checkbox("##cmp", &ticked)) {
        if (ticked)
          ticked_.insert(r.id);
        else
          ticked_.erase(r.id);
        session.compare_runs.assign(ticked_.begin(), ticked_.end());
      }
      ctx_.note_item("runs:tick:" + idk);
      if (pos < 3) ctx_.note_item("runs:row:" + std::to_string(pos) + ":" + idk);
      for (size_t c = 0; c < cols.size(); ++c) {
        if (!ImGui::TableSetColumnIndex(int(c) + first_col)) continue;
        if (c == name_col) {
          draw_name_cell(r, pending);
        } else if (c == status_col) {
          ImGui::TextColored(status_colour(r.status), "%s", text_[ri][c].c_str());
          if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", runs::status_text(r).c_str());
        } else {
          ImGui::TextUnformatted(text_[ri][c].c_str());
        }
      }
      ImGui::TableSetColumnIndex(1);
      draw_actions(r, pending);
      ImGui::PopID();
    }
  ImGui::EndTable();
}

void RunsBrowser::draw_name_cell(const runs::RunSummary& r, bool pending) {
  const float font = ImGui::GetFontSize();
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
                       "%s%s", runs::printable(r.name).c_str(), pending ? " (deleting)" : "");
    ctx_.note_item("runs:name:" + std::to_string(r.id));
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
}

void RunsBrowser::draw_actions(const runs::RunSummary& r, bool pending) {
  Session& session = ctx_.session();
  const std::string idk = std::to_string(r.id);
  if (pending) {
    if (ImGui::SmallButton("Undo")) pending_delete_.erase(r.id);
    return;
  }
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
  // The window follows a resumed autoencoder in the explorer; other kinds resume from the CLI
  // (aelab train resume ID).
  if (runs::is_resumable(r) && runs::is_autoencoder(r.kind)) {
    ImGui::SameLine();
    ImGui::BeginDisabled(!resume_available() || write_.running());
    if (ImGui::SmallButton("Resume")) resume_run(r.id);
    ctx_.note_item("runs:resume:" + idk);
    ImGui::EndDisabled();
    if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) {
      if (r.last_checkpoint_epoch >= 0)
        ImGui::SetTooltip("Continue from the checkpoint of epoch %d (as aelab train resume %lld)",
                          r.last_checkpoint_epoch, static_cast<long long>(r.id));
      else
        ImGui::SetTooltip(
            "It stopped before its first checkpoint: start it again from the beginning, same "
            "seed (as aelab train resume %lld)",
            static_cast<long long>(r.id));
    }
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(write_.running());
  if (ImGui::SmallButton("Tags")) {
    tags_id_ = r.id;
    std::snprintf(tags_buf_, sizeof tags_buf_, "%s", runs::tags_text(r).c_str());
    std::snprintf(note_buf_, sizeof note_buf_, "%s", r.note.c_str());
    ImGui::OpenPopup("tags");
  }
  ctx_.note_item("runs:tags:" + idk);
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip("Tags and a note for this run (stored in the run store)");
  if (ImGui::BeginPopup("tags")) {
    const float font = ImGui::GetFontSize();
    ImGui::Text("Run %lld (%s)", static_cast<long long>(tags_id_), runs::printable(r.name).c_str());
    ImGui::SetNextItemWidth(font * 22);
    ImGui::InputTextWithHint("tags", "words, separated by spaces or commas", tags_buf_,
                             sizeof tags_buf_);
    ctx_.note_item("runs:tags-field");
    ImGui::InputTextMultiline("note", note_buf_, sizeof note_buf_, ImVec2(font * 22, font * 5));
    ctx_.note_item("runs:note-field");
    if (ImGui::Button("Save")) {
      start_tags(tags_id_, tags_buf_, note_buf_);
      ImGui::CloseCurrentPopup();
    }
    ctx_.note_item("runs:tags-save");
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
  }
  ImGui::SameLine();
  ImGui::BeginDisabled(r.status == runs::RunStatus::running);
  if (ImGui::SmallButton("Delete")) {
    confirm_id_ = r.id;
    ImGui::OpenPopup("confirm");
  }
  ImGui::EndDisabled();
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
    refresh_rows();
    refresh_order();
    draw_filters();
    draw_table();
  }
  draw_curves();
}

}  // namespace aelab::app
