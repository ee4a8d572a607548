// Compare panel (see compare_view.hpp).
//
// Index
// [SECTION] Helpers
// [SECTION] Table
// [SECTION] Curves
// [SECTION] Images
// [SECTION] Latent maps
// [SECTION] Frame
#include "app/panels/compare_view.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "app/export.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/run_picker.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/error.hpp"
#include "data/dataset.hpp"
#include "train/run_model.hpp"
#include "runs/run_summary.hpp"
#include "runs/run_text.hpp"

namespace aelab::app {

using Clock = std::chrono::steady_clock;

namespace {

// [SECTION] Helpers

const ImVec4 kErrorColour(1, 0.43f, 0.39f, 1);
const ImVec4 kBetter(0.45f, 0.85f, 0.45f, 1);
const ImVec4 kWorse(1, 0.55f, 0.45f, 1);
constexpr const char* kAxes[] = {"epoch", "step", "wall time"};
constexpr const char* kMaps[] = {"PCA", "t-SNE"};  // report::MapMethod order
constexpr const char* kPicks[] = {"first of each class", "random", "most disagreement",
                                  "worst of baseline"};

std::string fixed(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "" : (v > 0 ? "inf" : "-inf");
  char buf[48];
  if (v != 0 && (std::abs(v) >= 1e5 || std::abs(v) < 1e-3))
    std::snprintf(buf, sizeof buf, "%.3g", v);
  else
    std::snprintf(buf, sizeof buf, "%.4f", v);
  return buf;
}

void error_line(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, kErrorColour);
  text_wrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

void hint(const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
  text_wrapped("%s", text.c_str());
  ImGui::PopStyleColor();
}

// A setting's text as a cell that sorts as a number when it is one.
report::Cell setting_cell(const std::optional<std::string>& v) {
  if (!v) return report::Cell("");
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (!v->empty() && end && *end == '\0') return report::Cell(d);
  return report::Cell(*v);
}

std::string run_label(const runs::RunSummary& r) {
  return "#" + std::to_string(r.id) + " " + runs::printable(r.name);
}

}  // namespace

CompareView::CompareView(AppContext& ctx) : ctx_(ctx) {}

std::string CompareView::ids_key() const {
  std::string k;
  for (int64_t id : ids_) k += (k.empty() ? "" : ",") + std::to_string(id);
  return k;
}

std::string CompareView::views_key() const {
  return "runs " + ids_key() + ", " + kPicks[pick_] + ", " + std::to_string(digits_) + " digits, " +
         kMaps[map_] + " maps" + (pick_ == 1 ? ", seed " + std::to_string(seed_) : "") +
         (pick_ == 3 ? ", baseline " + std::to_string(baseline_) : "") +
         (disnet_run_ > 0 ? ", scored by dis_net #" + std::to_string(disnet_run_) : "");
}

void CompareView::save(nlohmann::json& out) const {
  out = {{"metric", metric_},    {"x_axis", x_axis_},         {"smooth", smooth_},
         {"pick", pick_},        {"digits", digits_},         {"group_seeds", group_seeds_},
         {"all", all_settings_}, {"log_y", plot_view_.log_y}, {"map", map_}};
}

void CompareView::load(const nlohmann::json& in) {
  if (!in.is_object()) return;
  metric_ = in.value("metric", metric_);
  x_axis_ = std::clamp(in.value("x_axis", x_axis_), 0, 2);
  smooth_ = std::clamp(in.value("smooth", smooth_), 0.0f, 0.99f);
  pick_ = std::clamp(in.value("pick", pick_), 0, 3);
  digits_ = std::clamp(in.value("digits", digits_), 1, 50);
  group_seeds_ = in.value("group_seeds", group_seeds_);
  all_settings_ = in.value("all", all_settings_);
  plot_view_.log_y = in.value("log_y", plot_view_.log_y);
  map_ = std::clamp(in.value("map", map_), 0, 1);
}

// [SECTION] Table

void CompareView::draw_table(const report::RunComparison& c) {
  const float font = ImGui::GetFontSize();
  if (ImGui::Checkbox("all settings", &all_settings_)) sort_column_ = -1;
  same_line_if_fits(ImGui::CalcTextSize("group seeds").x + ImGui::GetFrameHeight() * 2);
  if (ImGui::Checkbox("group seeds", &group_seeds_)) sort_column_ = -1;
  ctx_.note_item("compare:group-seeds");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Runs whose configs differ only in seed as one row: mean +- sd (n)");
  same_line_if_fits(font * 16);
  ImGui::SetNextItemWidth(font * 12);
  const runs::RunSummary* base = nullptr;
  for (const auto& r : c.runs)
    if (r.id == baseline_) base = &r;
  if (ImGui::BeginCombo("baseline", base ? run_label(*base).c_str() : "none")) {
    if (ImGui::Selectable("none", baseline_ == 0)) baseline_ = 0;
    for (const auto& r : c.runs) {
      ImGui::PushID(int(r.id));
      if (ImGui::Selectable(run_label(r).c_str(), baseline_ == r.id)) baseline_ = r.id;
      ctx_.note_item("compare:baseline:" + std::to_string(r.id));
      ImGui::PopID();
    }
    ImGui::EndCombo();
  }
  ctx_.note_item("compare:baseline");
  for (auto [label, fmt] :
       {std::pair{"CSV", report::TableFormat::csv}, std::pair{"JSON", report::TableFormat::json},
        std::pair{"MD", report::TableFormat::markdown}}) {
    same_line_if_fits(ImGui::CalcTextSize(label).x + 2 * ImGui::GetStyle().FramePadding.x);
    if (ImGui::SmallButton((std::string(label) + "##table").c_str()))
      report_export(ctx_, export_table(report::comparison_table(c), "compare", fmt));
    ctx_.note_item(std::string("compare:export:") + label);
  }

  // Columns: id, name, the settings, the measures; rows: runs or seed groups.
  std::vector<std::string> heads = {c.grouped ? "runs" : "id", c.grouped ? "seeds" : "name"};
  std::vector<const report::ConfigDiffRow*> settings;
  for (const auto& s : c.settings)
    if (!(c.grouped && s.key == "seed")) {
      settings.push_back(&s);
      heads.push_back(s.key);
    }
  for (const report::RunColumn* m : c.measures) heads.push_back(m->header);
  const size_t rows_n = c.grouped ? c.groups.size() : c.runs.size();
  std::vector<std::vector<report::Cell>> cells(rows_n);
  std::vector<std::vector<std::string>> shown(rows_n);
  for (size_t r = 0; r < rows_n; ++r) {
    const size_t first = c.grouped ? c.groups[r].members.front() : r;
    if (c.grouped) {
      std::string ids;
      for (size_t m : c.groups[r].members)
        ids += (ids.empty() ? "#" : ",") + std::to_string(c.runs[m].id);
      cells[r] = {report::Cell(int64_t(c.runs[first].id)), report::Cell(c.groups[r].label)};
      shown[r] = {ids, c.groups[r].label};
    } else {
      cells[r] = {report::Cell(c.runs[r].id), report::Cell(runs::printable(c.runs[r].name))};
      shown[r] = {std::to_string(c.runs[r].id), runs::printable(c.runs[r].name)};
    }
    for (const auto* s : settings) {
      cells[r].push_back(setting_cell(s->values[first]));
      shown[r].push_back(s->values[first].value_or("-"));
    }
    for (size_t m = 0; m < c.measures.size(); ++m) {
      const double v = c.grouped ? c.group_stats[m][r].mean : c.values[m][r];
      cells[r].push_back(std::isnan(v) ? report::Cell("") : report::Cell(v));
      shown[r].push_back(
          c.grouped ? (c.group_stats[m][r].n ? report::mean_sd_text(c.group_stats[m][r]) : "")
                    : fixed(v));
    }
  }
  const int cols = int(heads.size());
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                                ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit |
                                ImGuiTableFlags_Sortable;
  float inner = 0;
  std::vector<float> widths(size_t(cols), 0);
  for (int k = 0; k < cols; ++k) {
    widths[size_t(k)] = ImGui::CalcTextSize(heads[size_t(k)].c_str()).x + font * 1.5f;
    for (size_t r = 0; r < rows_n; ++r)
      widths[size_t(k)] =
          std::max(widths[size_t(k)],
                   ImGui::CalcTextSize(shown[r][size_t(k)].c_str()).x +
                       (k >= cols - int(c.measures.size()) && c.baseline >= 0 ? font * 5 : 0));
    inner += widths[size_t(k)] + 2 * ImGui::GetStyle().CellPadding.x + 1;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (!ImGui::BeginTable("compare-table", std::max(cols, 1), flags,
                         ImVec2(0, std::max(avail.y, font * 6)), inner > avail.x ? inner : 0))
    return;
  ImGui::TableSetupScrollFreeze(2, 1);
  for (int k = 0; k < cols; ++k)
    ImGui::TableSetupColumn(heads[size_t(k)].c_str(), ImGuiTableColumnFlags_WidthFixed,
                            widths[size_t(k)]);
  ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
  for (int k = 0; k < cols; ++k) {
    ImGui::TableSetColumnIndex(k);
    ImGui::TableHeader(heads[size_t(k)].c_str());
    const size_t mi = size_t(k) - (size_t(cols) - c.measures.size());
    ctx_.note_item("compare:header:" + (k >= cols - int(c.measures.size())
                                            ? std::string(c.measures[mi]->key)
                                            : heads[size_t(k)]));
  }
  if (ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs()) {
    if (specs->SpecsDirty) {
      if (specs->SpecsCount > 0) {
        sort_column_ = specs->Specs[0].ColumnIndex;
        sort_descending_ = specs->Specs[0].SortDirection == ImGuiSortDirection_Descending;
      }
      specs->SpecsDirty = false;
    }
  }
  std::vector<size_t> order(rows_n);
  for (size_t r = 0; r < rows_n; ++r) order[r] = r;
  if (sort_column_ >= 0 && sort_column_ < cols)
    order = report::sort_rows(cells, size_t(sort_column_), sort_descending_);
  {
    // The shown order as one key (tests read it from the ui map: "compare:order:3,1,2").
    std::string ord;
    for (size_t r : order) ord += (ord.empty() ? "" : ",") + shown[r][0];
    ctx_.note_item("compare:order:" + ord);
  }
  for (size_t pos = 0; pos < rows_n; ++pos) {
    const size_t r = order[pos];
    ImGui::TableNextRow();
    ImGui::PushID(int(r));
    for (int k = 0; k < cols; ++k) {
      ImGui::TableSetColumnIndex(k);
      const bool measure = k >= cols - int(c.measures.size());
      if (k == 0) {
        ImGui::TextUnformatted(shown[r][0].c_str());
        ctx_.note_item("compare:row:" + std::to_string(pos) + ":" + shown[r][0]);
        continue;
      }
      if (!measure) {
        ImGui::TextUnformatted(shown[r][size_t(k)].c_str());
        continue;
      }
      const size_t m = size_t(k - (cols - int(c.measures.size())));
      ImGui::TextUnformatted(shown[r][size_t(k)].c_str());
      if (!c.grouped && c.baseline >= 0 && int(r) != c.baseline && std::isfinite(c.deltas[m][r])) {
        const double d = c.deltas[m][r];
        ImGui::SameLine();
        const bool good = report::improves(*c.measures[m], d);
        const bool neutral = c.measures[m]->better == report::Better::none || d == 0;
        ImGui::TextColored(
            neutral ? ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled) : (good ? kBetter : kWorse),
            "%s%s", d >= 0 ? "+" : "", fixed(d).c_str());
        ctx_.note_item("compare:delta:" + std::to_string(c.runs[r].id) + ":" + c.measures[m]->key);
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip("%s of #%lld minus the baseline #%lld's", c.measures[m]->header,
                            static_cast<long long>(c.runs[r].id),
                            static_cast<long long>(c.runs[size_t(c.baseline)].id));
      }
    }
    ImGui::PopID();
  }
  ImGui::EndTable();
}

// [SECTION] Curves

void CompareView::draw_curves(const report::RunComparison& c) {
  const float font = ImGui::GetFontSize();
  const Curves* cv = curves_.result();
  if (curves_.running() && !cv) {
    hint("reading the curves...");
    return;
  }
  if (!curves_.error().empty()) error_line("reading the curves: " + curves_.error());
  if (!cv) return;
  // The metric choice: the union of the runs' series.
  std::vector<std::string> names;
  for (const auto& per_run : cv->series)
    for (const auto& [n, s] : per_run)
      if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  std::sort(names.begin(), names.end());
  if (!names.empty() && std::find(names.begin(), names.end(), metric_) == names.end())
    metric_ = names.front();
  ImGui::SetNextItemWidth(font * 10);
  if (ImGui::BeginCombo("metric", metric_.c_str())) {
    for (const auto& n : names)
      if (ImGui::Selectable(n.c_str(), n == metric_)) metric_ = n;
    ImGui::EndCombo();
  }
  same_line_if_fits(font * 12);
  ImGui::SetNextItemWidth(font * 7);
  ImGui::Combo("x", &x_axis_, kAxes, 3);
  same_line_if_fits(font * 14);
  ImGui::SetNextItemWidth(font * 8);
  ImGui::SliderFloat("smoothing", &smooth_, 0.0f, 0.99f, "%.2f");
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("EMA weight, bias-corrected so the start of a curve is not pulled to 0");
  same_line_if_fits(font * 10);
  ImGui::Checkbox("group seeds##curves", &group_seeds_);
  const PlotToolbar tb = plot_toolbar("compare-curves", plot_view_);
  if (curves_.stale(ids_key())) hint("(stale: the selection changed; reading again)");

  const report::XAxis axis = static_cast<report::XAxis>(x_axis_);
  // Aligned (and smoothed) curves per run, or per group.
  struct Shown {
    std::string label;
    report::XyCurve raw;
    std::vector<double> smooth;
    report::BandCurve band;
    bool has_band = false;
    Rgb colour;
  };
  std::vector<Shown> shown;
  std::vector<std::string> missing;
  std::vector<report::XyCurve> per_run(cv->ids.size());
  for (size_t r = 0; r < cv->ids.size(); ++r) {
    auto it = cv->series[r].find(metric_);
    if (it == cv->series[r].end() || it->second.size() == 0) {
      missing.push_back("#" + std::to_string(cv->ids[r]));
      continue;
    }
    auto sec = cv->series[r].find("seconds");
    per_run[r] =
        report::align(it->second, axis, sec == cv->series[r].end() ? nullptr : &sec->second);
  }
  auto run_index = [&](int64_t id) {
    for (size_t r = 0; r < cv->ids.size(); ++r)
      if (cv->ids[r] == id) return int(r);
    return -1;
  };
  if (group_seeds_) {
    for (size_t g = 0; g < c.groups.size(); ++g) {
      std::vector<report::XyCurve> members;
      for (size_t m : c.groups[g].members)
        if (int k = run_index(c.runs[m].id); k >= 0 && per_run[size_t(k)].size())
          members.push_back(per_run[size_t(k)]);
      if (members.empty()) continue;
      Shown s;
      s.band = report::group_curve(members);
      s.has_band = c.groups[g].members.size() > 1;
      s.raw = {s.band.x, s.band.mean};
      s.label = run_label(c.runs[c.groups[g].members.front()]) +
                (s.has_band ? " (" + c.groups[g].label + ")" : "");
      s.colour = digit_palette()[g % 10];
      shown.push_back(std::move(s));
    }
  } else {
    for (size_t r = 0; r < cv->ids.size(); ++r) {
      if (!per_run[r].size()) continue;
      const runs::RunSummary* sum = nullptr;
      for (const auto& x : c.runs)
        if (x.id == cv->ids[r]) sum = &x;
      Shown s;
      s.raw = per_run[r];
      s.label = sum ? run_label(*sum) : "#" + std::to_string(cv->ids[r]);
      if (sum && sum->id == baseline_) s.label += " (baseline)";
      s.colour = digit_palette()[r % 10];
      shown.push_back(std::move(s));
    }
  }
  for (Shown& s : shown) s.smooth = report::ema(s.raw.y, smooth_);
  if (!missing.empty()) {
    std::string m;
    for (const auto& x : missing) m += (m.empty() ? "" : ", ") + x;
    hint("no " + metric_ + (axis == report::XAxis::wall_time ? " (or training-time) " : " ") +
         "points: " + m);
  }
  std::vector<PlotSeries> ser;
  for (const Shown& s : shown) {
    if (smooth_ > 0)
      ser.push_back(
          {"", s.raw.x, s.raw.y, pack_rgba(s.colour, 0.3f), 1.0f, true, false, 3.0f, false});
    ser.push_back({s.label, s.raw.x, smooth_ > 0 ? std::span<const double>(s.smooth) : s.raw.y,
                   pack_rgba(s.colour), 2.0f, true, s.raw.size() < 40});
  }
  PlotOptions o;
  o.x_label = axis == report::XAxis::wall_time ? "training time (s)" : kAxes[x_axis_];
  o.y_label = metric_;
  apply(plot_view_, o);
  const float h = std::max(ImGui::GetContentRegionAvail().y, font * 10);
  const PlotFrame f = line_plot("compare-curves", ser, o, ImVec2(0, h));
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->PushClipRect(f.min, f.max, true);
  for (const Shown& s : shown) {
    if (!s.has_band) continue;
    for (size_t i = 1; i < s.band.x.size(); ++i) {
      const double a0 = s.band.min[i - 1], a1 = s.band.min[i], b0 = s.band.max[i - 1],
                   b1 = s.band.max[i];
      if (!std::isfinite(a0) || !std::isfinite(a1) || !std::isfinite(b0) || !std::isfinite(b1))
        continue;
      if (o.y_log && (a0 <= 0 || a1 <= 0)) continue;
      dl->AddQuadFilled(f.to_px(s.band.x[i - 1], b0), f.to_px(s.band.x[i], b1),
                        f.to_px(s.band.x[i], a1), f.to_px(s.band.x[i - 1], a0),
                        pack_rgba(s.colour, 0.18f));
    }
  }
  dl->PopClipRect();
  if (f.hovered && !shown.empty()) {
    ImGui::BeginTooltip();
    ImGui::Text("%s %s", o.x_label.c_str(), fixed(f.mouse_x).c_str());
    for (const Shown& s : shown) {
      const report::XyCurve sm{s.raw.x, smooth_ > 0 ? s.smooth : s.raw.y};
      const auto v = report::value_at(sm, f.mouse_x);
      ImGui::TextColored(ImVec4(s.colour.r, s.colour.g, s.colour.b, 1), "%s  %s", s.label.c_str(),
                         v ? fixed(*v).c_str() : "-");
    }
    ImGui::EndTooltip();
  }
  const std::string base = "compare-curves-" + metric_;
  if (tb.csv) {
    std::vector<report::Curve> curves;
    for (size_t r = 0; r < cv->ids.size(); ++r)
      if (auto it = cv->series[r].find(metric_); it != cv->series[r].end())
        curves.push_back(report::curve("#" + std::to_string(cv->ids[r]), metric_, it->second));
    report_export(ctx_, export_table(report::curves_table(curves), base));
  }
  if (tb.png) export_png(ctx_, f.widget, base);
}

// [SECTION] Images

void CompareView::start_views() {
  const std::string key = views_key();
  views_started_ = Clock::now();
  report::ViewSpec spec;
  spec.pick = static_cast<report::ImagePick>(pick_);
  spec.count = digits_;
  spec.seed = uint64_t(seed_);
  spec.baseline = baseline_;
  spec.latent = true;
  spec.map = static_cast<report::MapMethod>(map_);
  spec.disnet_run = disnet_run_;
  views_.start(ctx_.jobs(), "compare " + ids_key(), key,
               [db = ctx_.launch().runs_db, dir = ctx_.launch().data_dir,
                cache = ctx_.session().datasets(), ids = ids_, spec](train::JobContext& jc) {
                 lower_worker_priority();
                 const train::DatasetSource src = [&](const train::DatasetRequest& r) {
                   return cache->get(r, dir);
                 };
                 return report::load_run_views(db, ids, src, spec, &jc);
               });
}

namespace {

// What the compared runs' samples are called ("digits" | "images"): the dataset of the shown
// views, before they arrive the first run's.
const char* images(const report::RunComparison& c, const report::RunViews* v) {
  if (v) return data::label_names(v->dataset).images;
  if (c.runs.empty()) return data::label_names(data::kDefaultDataset).images;
  const runs::RunSummary& r = c.runs.front();
  return data::label_names(train::dataset_request(r.id, r.config, 0).name).images;
}

}  // namespace

void CompareView::draw_images(const report::RunComparison& c) {
  const float font = ImGui::GetFontSize();
  ImGui::SetNextItemWidth(font * 12.5f);
  ImGui::Combo((std::string(images(c, views_.result())) + "###pick").c_str(), &pick_, kPicks, 4);
  ctx_.note_item("compare:pick");
  same_line_if_fits(font * 9);
  ImGui::SetNextItemWidth(font * 5);
  if (ImGui::InputInt("count", &digits_, 0)) digits_ = std::clamp(digits_, 1, 50);
  if (pick_ == 1) {
    same_line_if_fits(font * 9);
    ImGui::SetNextItemWidth(font * 5);
    ImGui::InputInt("seed", &seed_, 0);
  }
  if (pick_ == 3 && baseline_ == 0) {
    same_line_if_fits(font * 16);
    ImGui::TextDisabled("(no baseline: the first run's)");
  }
  // A dis_net run scores every digit shown ("clear" score beside its L1).
  same_line_if_fits(font * 22);
  run_picker("score with", disnet_run_, ctx_.session().runs(), runs::is_finished_disnet,
             "no dis_net", font * 16);
  ctx_.note_item("compare:disnet");
  const report::RunViews* v = views_.result();
  if (v) {
    same_line_if_fits(font * 4);
    if (ImGui::SmallButton("PNG##grid")) export_png(ctx_, grid_.last_rect(), "compare-digits");
  }
  if (views_.running()) {
    ImGui::ProgressBar(float(views_.progress()), ImVec2(font * 10, 0));
    ImGui::SameLine();
    hint("computing... " + views_.status());
  }
  if (!views_.error().empty()) error_line(views_.error());
  if (!v) return;
  if (views_.stale(views_key())) hint("(stale: computed for " + views_.inputs() + ")");
  const int ncol = int(v->run_ids.size()) + 1, nrow = int(v->picked.size());
  if (gridded_ != views_.shared_result()) {  // a new result: the atlas, digit rows of columns
    gridded_ = views_.shared_result();
    std::vector<float> px;
    px.reserve(size_t(ncol * nrow) * 784);
    for (int row = 0; row < nrow; ++row) {
      const float* o = v->originals.data() + row * 784;
      px.insert(px.end(), o, o + 784);
      for (const Tensor& img : v->images) {
        const float* p = img.data() + row * 784;
        px.insert(px.end(), p, p + 784);
      }
    }
    grid_.set_images(ncol * nrow, 28, 28, px, ncol);
    large_row_ = -1;
  }
  std::string cols = "columns: original";
  for (size_t r = 0; r < v->run_ids.size(); ++r)
    cols += ", #" + std::to_string(v->run_ids[r]) + " " + runs::printable(v->names[r]) +
            " (test L1 " + fixed(v->test_l1[r]) + ")";
  hint(cols + ". Click an image to see it large in every run.");
  std::vector<std::string> captions;
  for (int row = 0; row < nrow; ++row)
    for (int col = 0; col < ncol; ++col) {
      std::string t = "test image " + std::to_string(v->picked[size_t(row)]) + " (" +
                      data::label_phrase(v->dataset, v->picked_labels[size_t(row)]) + ")";
      if (col == 0)
        t += "\noriginal";
      else {
        t += "\n#" + std::to_string(v->run_ids[size_t(col - 1)]) + ": L1 " +
             fixed(v->l1[size_t(col - 1)][size_t(row)]);
        if (!v->clear.empty())
          t += ", clear score " + fixed(v->clear[size_t(col - 1)][size_t(row)]);
      }
      captions.push_back(std::move(t));
    }
  const float avail_h = ImGui::GetContentRegionAvail().y;
  GridFit fit;
  fit.wrap = false;
  fit.min_cell = 8;
  fit.max_cell = font * 8;
  fit.max_height = large_row_ >= 0 ? avail_h * 0.6f : avail_h;
  ImGui::Dummy(ImVec2(1, font));  // a line for the column labels, drawn once the grid is placed
  const int hovered =
      grid_.draw_fit("compare-grid", ImGui::GetContentRegionAvail().x, captions, fit);
  ctx_.note_item("compare:grid");
  // Each reconstruction's L1 under it, where the cells are large enough to hold the number.
  const GridLayout& g = grid_.last_layout();
  const ScreenRect& rect = grid_.last_rect();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float gap_x = g.columns > 1 ? (g.width - g.columns * g.cell_w) / (g.columns - 1) : 0;
  const float gap_y = g.rows > 1 ? (g.height - g.rows * g.cell_h) / (g.rows - 1) : 0;
  for (int col = 0; col < ncol; ++col) {  // "orig", "#3", "#4" above the columns
    const std::string label = col == 0 ? "orig" : "#" + std::to_string(v->run_ids[size_t(col - 1)]);
    const float x = rect.min.x + col * (g.cell_w + gap_x);
    dl->PushClipRect(ImVec2(x, rect.min.y - font - 2), ImVec2(x + g.cell_w, rect.min.y), true);
    dl->AddText(ImVec2(x + 1, rect.min.y - font - 1),
                ImGui::GetColorU32(col == 0 ? ImGuiCol_TextDisabled : ImGuiCol_Text),
                label.c_str());
    dl->PopClipRect();
  }
  if (g.cell_w >= ImGui::CalcTextSize("0.000").x + 4) {
    for (int row = 0; row < nrow; ++row)
      for (int col = 1; col < ncol; ++col) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.3f", v->l1[size_t(col - 1)][size_t(row)]);
        const ImVec2 at(rect.min.x + col * (g.cell_w + gap_x) + 2,
                        rect.min.y + row * (g.cell_h + gap_y) + g.cell_h - font - 1);
        dl->AddRectFilled(at, ImVec2(at.x + ImGui::CalcTextSize(buf).x, at.y + font),
                          IM_COL32(0, 0, 0, 150));
        dl->AddText(at, IM_COL32(255, 220, 120, 255), buf);
      }
  }
  if (hovered >= 0 && ImGui::IsMouseClicked(ImGuiMouseButton_Left)) large_row_ = hovered / ncol;
  if (large_row_ >= 0 && large_row_ < nrow) {
    std::vector<float> px;
    const float* o = v->originals.data() + large_row_ * 784;
    px.insert(px.end(), o, o + 784);
    std::vector<std::string> cap = {"original"};
    for (size_t r = 0; r < v->images.size(); ++r) {
      const float* p = v->images[r].data() + large_row_ * 784;
      px.insert(px.end(), p, p + 784);
      cap.push_back("#" + std::to_string(v->run_ids[r]) + " L1 " +
                    fixed(v->l1[r][size_t(large_row_)]));
    }
    large_.set_images(ncol, 28, 28, px, ncol);
    ImGui::Text("test image %lld (%s) in every run",
                static_cast<long long>(v->picked[size_t(large_row_)]),
                data::label_phrase(v->dataset, v->picked_labels[size_t(large_row_)]).c_str());
    ImGui::SameLine();
    if (ImGui::SmallButton("close##large")) large_row_ = -1;
    GridFit lf;
    lf.wrap = true;
    lf.min_cell = font * 4;
    lf.max_cell = 28 * 6;
    lf.max_height = std::max(ImGui::GetContentRegionAvail().y, font * 4);
    large_.draw_fit("compare-large", ImGui::GetContentRegionAvail().x, cap, lf);
  }
  (void)c;
}

// [SECTION] Latent maps

void CompareView::draw_latent(const report::RunComparison& c) {
  (void)c;
  const float font = ImGui::GetFontSize();
  const report::RunViews* v = views_.result();
  // The choice is applied at once: the key changes and draw() starts the job again.
  ImGui::TextUnformatted("wider codes by");
  for (int m = 0; m < 2; ++m) {
    ImGui::SameLine();
    ImGui::RadioButton(kMaps[m], &map_, m);
    ctx_.note_item(std::string("compare:map-method:") + (m == 0 ? "pca" : "tsne"));
  }
  if (v && !v->maps.empty()) {
    same_line_if_fits(font * 4);
    if (ImGui::SmallButton("PNG##maps")) export_png(ctx_, maps_rect_, "compare-latent");
    ctx_.note_item("compare:export:maps-png");
    same_line_if_fits(font * 4);
    if (ImGui::SmallButton("CSV##maps"))
      report_export(ctx_, export_text(report::latent_maps_csv(v->run_ids, v->maps, v->labels),
                                      "compare-latent", "csv"));
    ctx_.note_item("compare:export:maps-csv");
  }
  if (views_.running()) {
    ImGui::ProgressBar(float(views_.progress()), ImVec2(font * 10, 0));
    ImGui::SameLine();
    hint("computing... " + views_.status());
  }
  if (!views_.error().empty()) error_line(views_.error());
  if (!v || v->maps.empty()) return;
  if (views_.stale(views_key())) hint("(stale: computed for " + views_.inputs() + ")");
  if (scattered_ != views_.shared_result()) {  // a new result: fill the scatters once
    scatters_.clear();
    for (const report::LatentMap& m : v->maps) {
      scatters_.push_back(std::make_unique<Scatter>());
      scatters_.back()->point_size = 2.5f;
      scatters_.back()->set_points(m.xy, v->labels);
    }
    scattered_ = views_.shared_result();
    brushed_.clear();
  }
  const char* what = data::label_names(v->dataset).images;
  hint(std::string("Aligned to #") + std::to_string(v->run_ids.front()) +
       " (Procrustes). Drag with the right mouse button to select " + what +
       " in one map; they light up in all.");
  // The colour key: one fixed colour per label, as in the explorer (a digit, or a class by name).
  const auto& pal = digit_palette();
  for (int d = 0; d < 10; ++d) {
    const std::string name = data::label_name(v->dataset, d);
    if (d) same_line_if_fits(ImGui::CalcTextSize(name.c_str()).x + ImGui::GetFontSize() * 0.5f);
    ImGui::TextColored(ImVec4(pal[size_t(d)].r, pal[size_t(d)].g, pal[size_t(d)].b, 1), "%s",
                       name.c_str());
  }
  ctx_.note_item("compare:colour_key");
  if (!brushed_.empty()) {
    ImGui::Text("%zu %s selected", brushed_.size(), what);
    ImGui::SameLine();
    if (ImGui::SmallButton("clear##brush")) brushed_.clear();
  }
  const float avail_w = ImGui::GetContentRegionAvail().x;
  const float avail_h = ImGui::GetContentRegionAvail().y;
  const int n = int(scatters_.size());
  const float spacing = ImGui::GetStyle().ItemSpacing.x;
  // As many maps per row as make them largest in the space there is (rows scroll below that).
  int per_row = 1;
  float side = 0;
  for (int k = 1; k <= n; ++k) {
    const int rows = (n + k - 1) / k;
    const float by_w = std::floor((avail_w - spacing * float(k - 1)) / float(k)) - 1;
    const float by_h = (avail_h - float(rows) * (font * 1.5f + spacing)) / float(rows);
    const float s = std::max(std::min(by_w, by_h), std::min(by_w, font * 12));
    if (s > side) side = s, per_row = k;
  }
  side = std::max(side, font * 4);
  ImDrawList* dl = ImGui::GetWindowDrawList();
  ImGui::BeginGroup();
  for (int i = 0; i < n; ++i) {
    if (i % per_row != 0) ImGui::SameLine();
    ImGui::BeginGroup();
    const std::string title = "#" + std::to_string(v->run_ids[size_t(i)]) + " " +
                              runs::printable(v->names[size_t(i)]) + " (" +
                              v->maps[size_t(i)].method + ")";
    ImGui::PushClipRect(
        ImGui::GetCursorScreenPos(),
        ImVec2(ImGui::GetCursorScreenPos().x + side, ImGui::GetCursorScreenPos().y + font * 2),
        true);
    ImGui::TextUnformatted(title.c_str());
    ImGui::PopClipRect();
    Scatter& sc = *scatters_[size_t(i)];
    const ScatterHover hv = sc.draw(("map" + std::to_string(i)).c_str(), ImVec2(side, side));
    ctx_.note_item("compare:map:" + std::to_string(i));
    // Screen -> data through two corners of the view.
    const Scatter::ViewRect vr = sc.visible();
    const ImVec2 p0 = sc.to_screen(vr.x0, vr.y0), p1 = sc.to_screen(vr.x1, vr.y1);
    auto to_data = [&](ImVec2 p) {
      const double fx = (p.x - p0.x) / std::max(1e-6f, p1.x - p0.x);
      const double fy = (p.y - p0.y) / (std::abs(p1.y - p0.y) < 1e-6f ? 1e-6f : p1.y - p0.y);
      return std::pair<double, double>{vr.x0 + fx * (vr.x1 - vr.x0), vr.y0 + fy * (vr.y1 - vr.y0)};
    };
    if (hv.hovered && ImGui::IsMouseClicked(ImGuiMouseButton_Right)) {
      brushing_ = true;
      brush_map_ = i;
      brush_from_ = ImGui::GetMousePos();
    }
    if (brushing_ && brush_map_ == i) {
      const ImVec2 to = ImGui::GetMousePos();
      dl->AddRect(brush_from_, to, IM_COL32(255, 255, 255, 220), 0, 0, 1.5f);
      ctx_.request_frame();
      if (!ImGui::IsMouseDown(ImGuiMouseButton_Right)) {
        brushing_ = false;
        const auto a = to_data(brush_from_), b = to_data(to);
        brushed_ = report::points_in_rect(v->maps[size_t(i)], a.first, a.second, b.first, b.second);
      }
    }
    if (!brushed_.empty()) {
      dl->PushClipRect(hv.min, hv.max, true);
      const size_t cap = std::min<size_t>(brushed_.size(), 4000);
      for (size_t k = 0; k < cap; ++k) {
        const size_t idx = size_t(brushed_[k]);
        const ImVec2 p =
            sc.to_screen(v->maps[size_t(i)].xy[2 * idx], v->maps[size_t(i)].xy[2 * idx + 1]);
        dl->AddCircle(p, 3.5f, IM_COL32(255, 255, 255, 230), 8, 1.2f);
      }
      dl->PopClipRect();
    }
    ImGui::EndGroup();
  }
  ImGui::EndGroup();
  maps_rect_ = {ImGui::GetItemRectMin(), ImGui::GetItemRectMax()};
}

// [SECTION] Frame

void CompareView::draw() {
  Session& session = ctx_.session();
  session.poll();
  ids_ = session.compare_runs;
  curves_.poll();
  if (views_.poll() && views_.result()) {
    const double s = std::chrono::duration<double>(Clock::now() - views_started_).count();
    char buf[128];
    std::snprintf(buf, sizeof buf, "images and latent maps of %zu runs in %.2f s",
                  views_.result()->run_ids.size(), s);
    ctx_.report(buf);
  }
  if (ids_.empty()) {
    hint("Tick runs in the Runs panel and press Compare to see them side by side here.");
    hint(
        "Compare shows the settings that differ, every measure with deltas to a baseline run, seed "
        "groups, curves, the same test digits through every run and their latent maps side by "
        "side.");
    if (ImGui::SmallButton("Runs panel")) ctx_.show_panel("runs");
    return;
  }
  if (!session.runs_listed()) {
    hint("reading the run store...");
    return;
  }
  // The summaries, from the session's list (read off the UI thread). A run deleted meanwhile
  // (here or by another process) is named, not silently dropped.
  std::vector<runs::RunSummary> selected;
  std::string gone;
  for (int64_t id : ids_) {
    if (const runs::RunSummary* r = find_run(session.runs(), id))
      selected.push_back(*r);
    else
      gone += (gone.empty() ? "#" : ", #") + std::to_string(id);
  }
  if (!gone.empty()) error_line("no longer in the store (deleted?): " + gone);
  if (selected.empty()) return;
  report::RunComparison c;
  try {
    report::CompareSpec spec;
    if (std::none_of(selected.begin(), selected.end(),
                     [&](const runs::RunSummary& r) { return r.id == baseline_; }))
      baseline_ = 0;
    spec.baseline = baseline_;
    spec.group_seeds = group_seeds_;
    spec.all_settings = all_settings_;
    c = report::compare_summaries(selected, spec);
  } catch (const std::exception& e) {
    error_line(e.what());
    return;
  }
  std::string title;
  for (const auto& r : selected) title += (title.empty() ? "" : "  ") + run_label(r);
  hint(std::to_string(selected.size()) + " runs: " + title);

  // The curves follow the selection and every new epoch of a compared run (a running one).
  std::string key = ids_key();
  for (const auto& r : selected)
    key += " " + std::to_string(r.id) + ":" + std::to_string(r.epochs_done) + ":" +
           std::string(runs::to_string(r.status));
  if (!curves_.running() && (curves_.inputs() != key || !curves_.result()) &&
      curves_.error_inputs() != key) {
    curves_.start(ctx_.jobs(), "read curves " + key, key,
                  [db = ctx_.launch().runs_db, ids = ids_](train::JobContext&) {
                    Curves cv;
                    runs::RunStore store = runs::RunStore::open(db);
                    for (int64_t id : ids) {
                      cv.ids.push_back(id);
                      std::map<std::string, runs::MetricSeries> m;
                      if (store.has_run(id))
                        for (const std::string& n : store.metric_names(id))
                          m[n] = store.metric_series(id, n);
                      cv.series.push_back(std::move(m));
                    }
                    return cv;
                  });
  }
  // The pictures are computed as soon as the selection is known (switching to Images or Latent
  // then shows them at once).
  const bool autoencoders = runs::is_autoencoder(selected.front().kind);
  if (autoencoders) {
    const std::string vk = views_key();
    if (!views_.running() && views_.inputs() != vk && views_.error_inputs() != vk) start_views();
  }
  if (ImGui::BeginTabBar("compare-tabs")) {
    // Each tab's rect is noted whether or not it is the open one (tests click them).
    auto tab = [&](const char* label, const char* key) {
      const bool open = ImGui::BeginTabItem(label);
      ctx_.note_item(std::string("compare:tab:") + key);
      return open;
    };
    if (tab("Table", "table")) {
      draw_table(c);
      ImGui::EndTabItem();
    }
    if (tab("Curves", "curves")) {
      draw_curves(c);
      ImGui::EndTabItem();
    }
    for (const char* name : {"Images", "Latent"}) {
      if (!tab(name, name[0] == 'I' ? "images" : "latent")) continue;
      if (!autoencoders) {
        hint("Images and latent maps are for autoencoder runs.");
      } else {
        if (name[0] == 'I')
          draw_images(c);
        else
          draw_latent(c);
      }
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
}

}  // namespace aelab::app
