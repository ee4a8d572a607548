#include "app/widgets/line_plot.hpp"

#include <algorithm>
#include <limits>

namespace aelab::app {

namespace {

constexpr ImU32 kFrameBg = IM_COL32(24, 26, 30, 255);
constexpr ImU32 kGrid = IM_COL32(70, 74, 82, 110);
constexpr ImU32 kAxis = IM_COL32(160, 164, 172, 255);
constexpr ImU32 kText = IM_COL32(200, 204, 210, 255);

void fit(std::span<const PlotSeries> series, bool x_axis, double& lo, double& hi) {
  if (!std::isnan(lo) && !std::isnan(hi)) return;
  double a = std::numeric_limits<double>::infinity(), b = -a;
  for (const PlotSeries& s : series)
    for (double v : x_axis ? s.x : s.y)
      if (std::isfinite(v)) {
        a = std::min(a, v);
        b = std::max(b, v);
      }
  if (!std::isfinite(a)) a = 0, b = 1;
  if (b - a < 1e-12) a -= 0.5, b += 0.5;
  double pad = (b - a) * 0.05;
  if (std::isnan(lo)) lo = a - pad;
  if (std::isnan(hi)) hi = b + pad;
}

}  // namespace

PlotFrame line_plot(const char* id, std::span<const PlotSeries> series, const PlotOptions& options,
                    ImVec2 size) {
  ImGui::PushID(id);
  const float font = ImGui::GetFontSize();
  if (size.x <= 0) size.x = ImGui::GetContentRegionAvail().x;
  if (size.y <= 0) size.y = size.x * 2.0f / 3.0f;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("##plot", size);
  ImDrawList* dl = ImGui::GetWindowDrawList();

  // Margins: y tick labels on the left, x tick labels and the x label below.
  const float left = font * 4.0f, bottom = font * 2.8f, top = font * 0.6f, right = font * 0.8f;
  PlotFrame f;
  f.min = ImVec2(origin.x + left, origin.y + top);
  f.max = ImVec2(origin.x + size.x - right, origin.y + size.y - bottom);
  double x0 = options.x_min, x1 = options.x_max, y0 = options.y_min, y1 = options.y_max;
  fit(series, true, x0, x1);
  fit(series, false, y0, y1);
  f.x = AxisMap{x0, x1, f.min.x, f.max.x};
  f.y = AxisMap{y0, y1, f.max.y, f.min.y};  // y grows upwards

  dl->AddRectFilled(f.min, f.max, kFrameBg);
  // [SECTION] ticks and grid
  auto xt = nice_ticks(x0, x1, std::max(2, static_cast<int>((f.max.x - f.min.x) / (font * 6))));
  auto yt = nice_ticks(y0, y1, std::max(2, static_cast<int>((f.max.y - f.min.y) / (font * 3))));
  const double xs = xt.size() > 1 ? xt[1] - xt[0] : 1, ys = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : xt) {
    float px = f.x.to_px(t);
    dl->AddLine(ImVec2(px, f.min.y), ImVec2(px, f.max.y), kGrid);
    dl->AddLine(ImVec2(px, f.max.y), ImVec2(px, f.max.y + 4), kAxis);
    std::string s = tick_label(t, xs);
    float w = ImGui::CalcTextSize(s.c_str()).x;
    dl->AddText(ImVec2(px - w / 2, f.max.y + 5), kText, s.c_str());
  }
  for (double t : yt) {
    float py = f.y.to_px(t);
    dl->AddLine(ImVec2(f.min.x, py), ImVec2(f.max.x, py), kGrid);
    dl->AddLine(ImVec2(f.min.x - 4, py), ImVec2(f.min.x, py), kAxis);
    std::string s = tick_label(t, ys);
    ImVec2 ts = ImGui::CalcTextSize(s.c_str());
    dl->AddText(ImVec2(f.min.x - 6 - ts.x, py - ts.y / 2), kText, s.c_str());
  }
  dl->AddRect(f.min, f.max, kAxis);
  if (!options.x_label.empty()) {
    float w = ImGui::CalcTextSize(options.x_label.c_str()).x;
    dl->AddText(ImVec2((f.min.x + f.max.x - w) / 2, f.max.y + font * 1.5f), kText,
                options.x_label.c_str());
  }
  if (!options.y_label.empty())
    dl->AddText(ImVec2(origin.x + 2, origin.y), kText, options.y_label.c_str());

  // [SECTION] series
  dl->PushClipRect(f.min, f.max, true);
  std::vector<ImVec2> pts;
  for (const PlotSeries& s : series) {
    const size_t n = std::min(s.x.size(), s.y.size());
    pts.clear();
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      pts.push_back(f.to_px(s.x[i], s.y[i]));
    }
    if (s.lines && pts.size() > 1)
      dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), s.colour, 0, s.thickness);
    if (s.markers)
      for (const ImVec2& p : pts) dl->AddCircleFilled(p, s.marker_radius, s.colour, 10);
  }
  dl->PopClipRect();

  // [SECTION] legend
  if (options.legend) {
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
  f.hovered = ImGui::IsItemHovered() && m.x >= f.min.x && m.x <= f.max.x && m.y >= f.min.y &&
              m.y <= f.max.y;
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
        if (d < best) {
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
  ImGui::PopID();
  return f;
}

}  // namespace aelab::app
