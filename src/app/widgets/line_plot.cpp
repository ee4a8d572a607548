#include "app/widgets/line_plot.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace aelab::app {

namespace {

constexpr ImU32 kFrameBg = IM_COL32(24, 26, 30, 255);
constexpr ImU32 kGrid = IM_COL32(70, 74, 82, 110);
constexpr ImU32 kGridMinor = IM_COL32(70, 74, 82, 50);
constexpr ImU32 kAxis = IM_COL32(160, 164, 172, 255);
constexpr ImU32 kText = IM_COL32(200, 204, 210, 255);

AxisRange fit_x(std::span<const PlotSeries> series, double lo, double hi) {
  Extent e;
  for (const PlotSeries& s : series) e.add(s.x);
  AxisRange r = fit_linear(e);
  return {std::isnan(lo) ? r.lo : lo, std::isnan(hi) ? r.hi : hi};
}

AxisRange fit_y(std::span<const PlotSeries> series, const PlotOptions& o) {
  Extent e;
  e.positive_only = o.y_log;
  for (const PlotSeries& s : series) e.add(s.y);
  AxisRange r = o.y_log ? fit_log(e) : fit_linear(e, o.y_from_zero);
  double lo = o.y_min, hi = o.y_max;
  if (o.y_log) {
    if (!(lo > 0)) lo = NAN;
    if (!(hi > 0)) hi = NAN;
  }
  r = {std::isnan(lo) ? r.lo : lo, std::isnan(hi) ? r.hi : hi};
  if (!(r.hi > r.lo)) r = o.y_log ? AxisRange{r.lo, r.lo * 10} : AxisRange{r.lo, r.lo + 1};
  return r;
}

}  // namespace

PlotFrame line_plot(const char* id, std::span<const PlotSeries> series, const PlotOptions& options,
                    ImVec2 size) {
  ImGui::PushID(id);
  const float font = ImGui::GetFontSize();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = size.x * 2.0f / 3.0f;
  size.x = std::max(size.x, 1.0f);
  size.y = std::max(size.y, 1.0f);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##plot", size);
  const bool item_hovered = ImGui::IsItemHovered();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  PlotFrame f;
  f.widget = ScreenRect{origin, ImVec2(origin.x + size.x, origin.y + size.y)};
  // Everything stays inside the size we were given, labels included.
  dl->PushClipRect(f.widget.min, f.widget.max, true);

  // Margins: y tick labels on the left, x tick labels and the x label below. A plot too small
  // for them drops them rather than drawing the data area inside out.
  const bool compact = size.x < font * 10 || size.y < font * 7;
  // The y label sits above the frame, clear of the top tick's label (half a line above the top).
  const float top = compact ? 2 : (options.y_label.empty() ? font * 0.6f : font * 1.6f);
  const float bottom = compact ? 2 : font * 2.8f, right = compact ? 2 : font * 0.8f;
  const float top_px = origin.y + top;
  const float bottom_px = std::max(top_px + 1, origin.y + size.y - bottom);
  const AxisRange xr = fit_x(series, options.x_min, options.x_max);
  const AxisRange yr = fit_y(series, options);
  // [SECTION] ticks and grid
  const int ytarget = std::max(2, static_cast<int>((bottom_px - top_px) / (font * 3)));
  std::vector<double> yt, yminor;
  if (options.y_log) {
    LogTicks lt = log_ticks(yr.lo, yr.hi, ytarget);
    yt = std::move(lt.major);
    yminor = std::move(lt.minor);
  } else {
    yt = nice_ticks(yr.lo, yr.hi, ytarget);
  }
  const double ys = yt.size() > 1 ? yt[1] - yt[0] : 1;
  // The left margin fits the widest y tick label (a narrow range needs more digits).
  float widest = 0;
  for (double t : yt)
    widest = std::max(
        widest,
        ImGui::CalcTextSize((options.y_log ? log_tick_label(t) : tick_label(t, ys)).c_str()).x);
  const float left = compact ? 2 : std::clamp(widest + font * 0.9f, font * 2.5f, size.x * 0.4f);
  f.min = ImVec2(origin.x + left, top_px);
  f.max = ImVec2(std::max(f.min.x + 1, origin.x + size.x - right), bottom_px);
  f.x = AxisMap{xr.lo, xr.hi, f.min.x, f.max.x};
  f.y = AxisMap{yr.lo, yr.hi, f.max.y, f.min.y, options.y_log};  // y grows upwards

  dl->AddRectFilled(f.min, f.max, kFrameBg);
  auto xt =
      nice_ticks(xr.lo, xr.hi, std::max(2, static_cast<int>((f.max.x - f.min.x) / (font * 6))));
  const double xs = xt.size() > 1 ? xt[1] - xt[0] : 1;
  for (double t : yminor) {
    const float py = f.y.to_px(t);
    dl->AddLine(ImVec2(f.min.x, py), ImVec2(f.max.x, py), kGridMinor);
  }
  for (double t : xt) {
    float px = f.x.to_px(t);
    dl->AddLine(ImVec2(px, f.min.y), ImVec2(px, f.max.y), kGrid);
    if (compact) continue;
    dl->AddLine(ImVec2(px, f.max.y), ImVec2(px, f.max.y + 4), kAxis);
    std::string s = tick_label(t, xs);
    float w = ImGui::CalcTextSize(s.c_str()).x;
    dl->AddText(ImVec2(px - w / 2, f.max.y + 5), kText, s.c_str());
  }
  float last_label_y = INFINITY;  // log axes with multiples can crowd: skip overlapping labels
  for (double t : yt) {
    float py = f.y.to_px(t);
    dl->AddLine(ImVec2(f.min.x, py), ImVec2(f.max.x, py), kGrid);
    if (compact) continue;
    dl->AddLine(ImVec2(f.min.x - 4, py), ImVec2(f.min.x, py), kAxis);
    std::string s = options.y_log ? log_tick_label(t) : tick_label(t, ys);
    ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    if (last_label_y - py < ts.y) continue;
    last_label_y = py;
    dl->AddText(ImVec2(f.min.x - 6 - ts.x, py - ts.y / 2), kText, s.c_str());
  }
  dl->AddRect(f.min, f.max, kAxis);
  if (!compact && !options.x_label.empty()) {
    float w = ImGui::CalcTextSize(options.x_label.c_str()).x;
    dl->AddText(ImVec2((f.min.x + f.max.x - w) / 2, f.max.y + font * 1.5f), kText,
                options.x_label.c_str());
  }
  if (!compact && !options.y_label.empty()) {
    std::string yl = options.y_label + (options.y_log ? " (log)" : "");
    dl->AddText(ImVec2(origin.x + 2, origin.y), kText, yl.c_str());
  }

  // [SECTION] series
  dl->PushClipRect(f.min, f.max, true);
  std::vector<ImVec2> pts;
  auto flush = [&](const PlotSeries& s) {
    if (s.lines && pts.size() > 1)
      dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), s.colour, 0, s.thickness);
    if (s.markers)
      for (const ImVec2& p : pts) dl->AddCircleFilled(p, s.marker_radius, s.colour, 10);
    pts.clear();
  };
  for (const PlotSeries& s : series) {
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      const ImVec2 p = f.to_px(s.x[i], s.y[i]);
      // A point that cannot be drawn (NaN, or <= 0 on a log axis) breaks the line there.
      if (!std::isfinite(p.x) || !std::isfinite(p.y)) {
        flush(s);
        continue;
      }
      pts.push_back(p);
    }
    flush(s);
  }

  // [SECTION] markers
  float label_right[3] = {-INFINITY, -INFINITY, -INFINITY};  // staggered rows of labels
  for (const PlotMarker& mk : options.markers) {
    const float px = f.x.to_px(mk.x);
    if (!std::isfinite(px) || px < f.min.x - 1 || px > f.max.x + 1) continue;
    dl->AddLine(ImVec2(px, f.min.y), ImVec2(px, f.max.y), mk.colour, 1.0f);
    if (mk.label.empty()) continue;
    const ImVec2 ts = ImGui::CalcTextSize(mk.label.c_str());
    float lx = px + 3;
    if (lx + ts.x > f.max.x - 2) lx = px - 3 - ts.x;  // near the right edge: label on the left
    for (int row = 0; row < 3; ++row) {
      if (lx <= label_right[row] + 4) continue;
      const ImVec2 p(lx, f.min.y + 2 + row * (ts.y + 1));
      dl->AddRectFilled(ImVec2(p.x - 1, p.y), ImVec2(p.x + ts.x + 1, p.y + ts.y),
                        IM_COL32(24, 26, 30, 190));
      dl->AddText(p, mk.colour | IM_COL32_A_MASK, mk.label.c_str());
      label_right[row] = lx + ts.x;
      break;
    }
  }
  dl->PopClipRect();

  // [SECTION] legend
  if (options.legend && !compact) {
    float ly = f.min.y + 4;
    for (const PlotSeries& s : series) {
      if (s.label.empty()) continue;
      ImVec2 ts = ImGui::CalcTextSize(s.label.c_str());
      float lx = f.max.x - ts.x - font * 2.0f;
      dl->AddRectFilled(ImVec2(lx - 4, ly - 1), ImVec2(f.max.x - 2, ly + ts.y + 1),
                        IM_COL32(24, 26, 30, 200));
      dl->AddLine(ImVec2(lx, ly + ts.y / 2), ImVec2(lx + font * 1.2f, ly + ts.y / 2), s.colour, 3);
      dl->AddText(ImVec2(lx + font * 1.5f, ly), kText, s.label.c_str());
      ly += ts.y + 2;
    }
  }

  // [SECTION] hover readout
  const ImVec2 m = ImGui::GetIO().MousePos;
  f.hovered = item_hovered && m.x >= f.min.x && m.x <= f.max.x && m.y >= f.min.y && m.y <= f.max.y;
  if (f.hovered) {
    f.mouse_x = f.x.to_data(m.x);
    f.mouse_y = f.y.to_data(m.y);
    float best = font * 0.8f;
    best *= best;
    for (size_t si = 0; si < series.size(); ++si) {
      const PlotSeries& s = series[si];
      if (!s.hoverable) continue;
      const size_t n = std::min(s.x.size(), s.y.size());
      for (size_t i = 0; i < n; ++i) {
        ImVec2 p = f.to_px(s.x[i], s.y[i]);
        float d = (p.x - m.x) * (p.x - m.x) + (p.y - m.y) * (p.y - m.y);
        if (d < best) {  // false for NaN
          best = d;
          f.hover_series = static_cast<int>(si);
          f.hover_index = static_cast<int>(i);
        }
      }
    }
    dl->AddLine(ImVec2(m.x, f.min.y), ImVec2(m.x, f.max.y), IM_COL32(255, 255, 255, 40));
    ImGui::BeginTooltip();
    if (f.hover_series >= 0) {
      const PlotSeries& s = series[f.hover_series];
      dl->AddCircle(f.to_px(s.x[f.hover_index], s.y[f.hover_index]), 6, IM_COL32_WHITE, 12, 2);
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(s.colour), "%s", s.label.c_str());
      ImGui::Text("point %d: %s = %.6g, %s = %.6g", f.hover_index,
                  options.x_label.empty() ? "x" : options.x_label.c_str(), s.x[f.hover_index],
                  options.y_label.empty() ? "y" : options.y_label.c_str(), s.y[f.hover_index]);
    } else {
      ImGui::Text("%.4g, %.4g", f.mouse_x, f.mouse_y);
    }
    ImGui::EndTooltip();
  }
  dl->PopClipRect();
  ImGui::PopID();
  return f;
}

// [SECTION] toolbar

PlotToolbar plot_toolbar(const char* id, PlotView& view, bool csv, bool png) {
  PlotToolbar tb;
  ImGui::PushID(id);
  const ImGuiStyle& st = ImGui::GetStyle();
  const float box = ImGui::GetFrameHeight() + st.ItemInnerSpacing.x;
  // Before each item after the first: stay on this line only when the item fits.
  float right_edge = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x;
  bool first = true;
  auto place = [&](float w) {
    if (!first) {
      ImGui::SameLine();
      if (ImGui::GetCursorScreenPos().x + w > right_edge) ImGui::NewLine();
    }
    first = false;
  };
  place(box + ImGui::CalcTextSize("from 0").x);
  ImGui::Checkbox("from 0", &view.from_zero);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("y axis starts at zero");
  place(box + ImGui::CalcTextSize("log y").x);
  ImGui::Checkbox("log y", &view.log_y);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("log10 y axis (values <= 0 are not drawn)");
  const float pad = st.FramePadding.x * 2;
  if (csv) {
    place(pad + ImGui::CalcTextSize("CSV").x);
    tb.csv = ImGui::SmallButton("CSV");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("export the curves as CSV");
  }
  if (png) {
    place(pad + ImGui::CalcTextSize("PNG").x);
    tb.png = ImGui::SmallButton("PNG");
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("save the plot as PNG");
  }
  ImGui::PopID();
  return tb;
}

std::vector<PlotMarker> change_markers(std::span<const double> x, std::span<const double> value,
                                       const std::string& name) {
  std::vector<PlotMarker> out;
  const size_t n = std::min(x.size(), value.size());
  for (size_t i = 1; i < n; ++i) {
    const double a = value[i - 1], b = value[i];
    if (a == b || (std::isnan(a) && std::isnan(b))) continue;
    PlotMarker m;
    m.x = x[i];
    m.label = name.empty() ? short_number(b) : name + " " + short_number(b);
    out.push_back(std::move(m));
  }
  return out;
}

std::string short_number(double v) {
  if (!std::isfinite(v)) return std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
  const double a = std::abs(v);
  char buf[48];
  if (a != 0 && (a < 1e-3 || a >= 1e5)) {
    std::snprintf(buf, sizeof buf, "%.2e", v);  // "1.00e-04"
    std::string s = buf;
    const size_t e = s.find('e');
    std::string mant = s.substr(0, e), ex = s.substr(e + 1);
    while (mant.back() == '0') mant.pop_back();
    if (mant.back() == '.') mant.pop_back();
    const bool neg = ex[0] == '-';
    ex = ex.substr(1);
    while (ex.size() > 1 && ex[0] == '0') ex.erase(0, 1);
    return mant + "e" + (neg ? "-" : "") + ex;
  }
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

}  // namespace aelab::app
