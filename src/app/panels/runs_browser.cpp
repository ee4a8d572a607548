// Runs panel (see runs_browser.hpp).
#include "app/panels/runs_browser.hpp"

#include <algorithm>
#include <cstdio>

#include "app/panels/training.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"

namespace aelab::app {

using Clock = std::chrono::steady_clock;
constexpr auto kUndoWindow = std::chrono::seconds(8);

RunsBrowser::RunsBrowser(AppContext& ctx) : ctx_(ctx) {}

RunsBrowser::~RunsBrowser() {
  commit_deletes(true);
}

void RunsBrowser::refresh() {
  listed_ = Clock::now();
  runs_.clear();
  if (!std::filesystem::exists(ctx_.launch().runs_db)) return;
  try {
    runs::RunStore store = runs::RunStore::open(ctx_.launch().runs_db);
    runs_ = store.list_runs();
    series_.clear();
    for (int64_t id : ticked_)
      if (store.has_run(id)) series_[id] = store.metric_series(id, metric_);
  } catch (const std::exception& e) {
    error_ = e.what();
  }
}

void RunsBrowser::commit_deletes(bool all) {
  if (pending_delete_.empty()) return;
  try {
    std::optional<runs::RunStore> store;
    for (auto it = pending_delete_.begin(); it != pending_delete_.end();) {
      if (!all && Clock::now() - it->second < kUndoWindow) {
        ++it;
        continue;
      }
      if (!store) store = runs::RunStore::open(ctx_.launch().runs_db);
      if (store->has_run(it->first)) store->delete_run(it->first);
      ticked_.erase(it->first);
      it = pending_delete_.erase(it);
      ++ctx_.session().runs_changed;
    }
  } catch (const std::exception& e) {
    error_ = e.what();
    pending_delete_.clear();
  }
}

void RunsBrowser::draw() {
  Session& session = ctx_.session();
  session.poll();
  commit_deletes(false);
  // Running runs change their status and metrics: list again every 2 s, or when told.
  if (runs_seen_ != session.runs_changed || Clock::now() - listed_ > std::chrono::seconds(2)) {
    runs_seen_ = session.runs_changed;
    refresh();
  }
  if (!error_.empty()) ImGui::TextColored(ImVec4(1, 0.35f, 0.3f, 1), "%s", error_.c_str());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float table_h = std::max(avail.y * 0.45f, ImGui::GetFontSize() * 8);
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable;
  if (runs_.empty())
    ImGui::TextDisabled("No runs in %s yet.", ctx_.launch().runs_db.string().c_str());
  if (!runs_.empty() && ImGui::BeginTable("runs", 7, flags, ImVec2(0, table_h))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("cmp", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("id", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("name");
    ImGui::TableSetupColumn("status");
    ImGui::TableSetupColumn("result");
    ImGui::TableSetupColumn("created");
    ImGui::TableSetupColumn("", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableHeadersRow();
    for (const runs::RunSummary& r : runs_) {
      ImGui::PushID(static_cast<int>(r.id));
      ImGui::TableNextRow();
      const bool pending = pending_delete_.count(r.id) > 0;
      ImGui::TableNextColumn();
      bool ticked = ticked_.count(r.id) > 0;
      if (ImGui::Checkbox("##cmp", &ticked)) {
        if (ticked)
          ticked_.insert(r.id);
        else
          ticked_.erase(r.id);
        session.compare_runs.assign(ticked_.begin(), ticked_.end());
        listed_ = {};
      }
      ImGui::TableNextColumn();
      ImGui::Text("%lld", static_cast<long long>(r.id));
      ImGui::TableNextColumn();
      if (pending)
        ImGui::TextDisabled("%s (deleting)", r.name.c_str());
      else
        ImGui::TextUnformatted(r.name.c_str());
      ImGui::TableNextColumn();
      ImGui::Text("%s", std::string(runs::to_string(r.status)).c_str());
      ImGui::TableNextColumn();
      if (auto h = runs::headline_result(r.result))
        ImGui::Text("%s %.4g", h->first.c_str(), h->second);
      ImGui::TableNextColumn();
      ImGui::TextDisabled("%s", r.created_at.c_str());
      ImGui::TableNextColumn();
      if (pending) {
        if (ImGui::SmallButton("Undo")) pending_delete_.erase(r.id);
      } else {
        if (r.kind == runs::RunKind::ae && ImGui::SmallButton("Explore")) {
          session.explore_run = r.id;
          ++session.explore_serial;
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
  // Side-by-side curves of the ticked runs.
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 10);
  if (ImGui::BeginCombo("metric", metric_.c_str())) {
    for (const char* m : {"test_l1", "test_mse", "train_loss", "train_loss_step", "lr", "seconds"})
      if (ImGui::Selectable(m, metric_ == m)) metric_ = m, listed_ = {};
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::TextDisabled(
      "tick runs to compare; reconstructions of ticked runs appear in the explorer");
  std::vector<std::vector<double>> xs, ys;
  std::vector<PlotSeries> ser;
  std::vector<std::string> names;
  for (const auto& [id, s] : series_) {
    xs.emplace_back(s.epochs.begin(), s.epochs.end());
    ys.emplace_back(s.values.begin(), s.values.end());
    std::string name = "#" + std::to_string(id);
    for (const auto& r : runs_)
      if (r.id == id) name += " " + r.name;
    names.push_back(name);
  }
  for (size_t i = 0; i < xs.size(); ++i)
    ser.push_back({names[i], xs[i], ys[i], pack_rgba(digit_palette()[i % 10]), 2.0f, true,
                   xs[i].size() < 60});
  PlotOptions o;
  o.x_label = "epoch";
  o.y_label = metric_;
  line_plot("compare", ser, o, ImVec2(0, std::max(ImGui::GetContentRegionAvail().y, 100.0f)));
}

}  // namespace aelab::app
