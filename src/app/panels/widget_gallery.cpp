#include "app/panels/widget_gallery.hpp"

#include <cmath>

#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"
#include "core/rng.hpp"

namespace aelab::app {

WidgetGallery::WidgetGallery(AppContext& ctx) : ctx_(ctx) {
  for (int i = 0; i <= 200; ++i) {
    double x = i * 0.05;
    xs_.push_back(x);
    sin_.push_back(std::sin(x));
    cos_.push_back(std::cos(x) * std::exp(-x / 8));
  }
}

void WidgetGallery::load(const nlohmann::json& in) {
  if (in.contains("points") && in["points"].is_number_integer())
    points_ = std::clamp(in["points"].get<int>(), 100, 200000);
}

void WidgetGallery::make_points() {
  // Ten Gaussian blobs on a circle, one per digit, like a 2-D latent space.
  Rng rng(7);
  std::vector<float> xy(static_cast<size_t>(points_) * 2);
  std::vector<uint8_t> labels(static_cast<size_t>(points_));
  for (int i = 0; i < points_; ++i) {
    int d = static_cast<int>(rng.below(10));
    double a = d * 2 * M_PI / 10;
    xy[2 * i] = static_cast<float>(3 * std::cos(a) + rng.normal() * 0.7);
    xy[2 * i + 1] = static_cast<float>(3 * std::sin(a) + rng.normal() * 0.7);
    labels[i] = static_cast<uint8_t>(d);
  }
  scatter_.set_points(xy, labels);

  const int cols = 64, rows = 40;
  std::vector<float> v(cols * rows);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c)
      v[r * cols + c] = (c + r) % 17 == 0 ? NAN : std::sin(c * 0.15f) * std::cos(r * 0.2f);
  heatmap_.set_values(cols, rows, v);

  // 20 little 28x28 "digits": rings of growing radius.
  std::vector<float> px(20 * 28 * 28);
  for (int i = 0; i < 20; ++i)
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        double rr = std::hypot(x - 13.5, y - 13.5);
        px[(i * 28 + y) * 28 + x] =
            static_cast<float>(std::exp(-std::pow(rr - 3 - i * 0.4, 2) / 2));
      }
  grid_.set_images(20, 28, 28, px, 10);
  made_ = true;
}

void WidgetGallery::draw() {
  if (!made_) make_points();
  ImGui::SetNextItemWidth(ImGui::GetFontSize() * 8);
  if (ImGui::InputInt("points", &points_, 10000, 10000, ImGuiInputTextFlags_EnterReturnsTrue)) {
    points_ = std::clamp(points_, 100, 200000);
    make_points();
  }
  ImGui::SameLine();
  ImGui::TextDisabled("drag to pan, wheel to zoom, double-click to fit");
  const float avail = ImGui::GetContentRegionAvail().x;
  const float half = (avail - ImGui::GetStyle().ItemSpacing.x) / 2;
  const float h = ImGui::GetContentRegionAvail().y * 0.62f;
  ScatterHover sh = scatter_.draw("scatter", ImVec2(half, h));
  if (sh.index >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text("point %d", sh.index);
    ImGui::EndTooltip();
  }
  ImGui::SameLine();
  ImGui::BeginGroup();
  PlotSeries a{"sin x", xs_, sin_, IM_COL32(31, 119, 180, 255)};
  PlotSeries b{"cos x e^(-x/8)", xs_, cos_, IM_COL32(255, 127, 14, 255)};
  PlotSeries series[] = {a, b};
  line_plot("plot", series, PlotOptions{"x", "y"}, ImVec2(half, h));
  ImGui::EndGroup();
  HeatmapAxes ax{"column", "row", 0, 64, 0, 40};
  HeatmapHover hh = heatmap_.draw("heat", ax, ImVec2(half, ImGui::GetContentRegionAvail().y));
  if (hh.hovered) {
    ImGui::BeginTooltip();
    ImGui::Text("cell (%d, %d) = %.3f", hh.col, hh.row, hh.value);
    ImGui::EndTooltip();
  }
  ImGui::SameLine();
  grid_.draw("grid", std::min(56.0f, (half - 20) / 10));
}

}  // namespace aelab::app
