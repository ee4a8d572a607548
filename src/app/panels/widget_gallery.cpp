#include "app/panels/widget_gallery.hpp"

#include <cmath>

#include "app/export.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/text_wrap.hpp"
#include "core/rng.hpp"
#include "report/table_export.hpp"

namespace aelab::app {

namespace {

// SameLine when an item `width` pixels wide still fits right of the last one, else a new line.
float field_width(const char* label, float field) {
  return field + ImGui::GetStyle().ItemInnerSpacing.x + ImGui::CalcTextSize(label, nullptr, true).x;
}
float button_width(const char* label) {
  return ImGui::CalcTextSize(label, nullptr, true).x + 2 * ImGui::GetStyle().FramePadding.x;
}

}  // namespace

WidgetGallery::WidgetGallery(AppContext& ctx) : ctx_(ctx) {
  for (int i = 0; i <= 200; ++i) {
    double x = i * 0.05;
    xs_.push_back(x);
    sin_.push_back(0.1 + std::sin(x) / 20);
    cos_.push_back(std::cos(x) * std::exp(-x / 8));
    // A loss curve near 0.1 (a plot from zero would read it as flat) with two lr drops.
    lr_.push_back(x < 4 ? 1e-3 : x < 7 ? 1e-4 : 1e-5);
    loss_.push_back(0.1 + 0.05 * std::exp(-x / 2) + 0.002 * std::sin(7 * x) - (x < 4 ? 0 : 0.004) -
                    (x < 7 ? 0 : 0.002));
  }
}

void WidgetGallery::load(const nlohmann::json& in) {
  if (in.contains("points") && in["points"].is_number_integer())
    points_ = std::clamp(in["points"].get<int>(), 100, 200000);
  points_field_.set_value(points_);
  if (in.contains("from_zero") && in["from_zero"].is_boolean())
    plot_view_.from_zero = in["from_zero"].get<bool>();
  if (in.contains("log_y") && in["log_y"].is_boolean()) plot_view_.log_y = in["log_y"].get<bool>();
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

  // A 10x10 confusion matrix: mostly diagonal, with 4 and 9 confused like real clusterings.
  std::vector<float> cm(100);
  std::vector<std::string> counts(100);
  for (int r = 0; r < 10; ++r)
    for (int c = 0; c < 10; ++c) {
      int n = r == c ? 900 - 37 * r : (r * 7 + c * 3) % 23;
      if ((r == 4 && c == 9) || (r == 9 && c == 4)) n = 310;
      cm[r * 10 + c] = static_cast<float>(n);
      counts[r * 10 + c] = std::to_string(n);
    }
  confusion_.set_values(10, 10, cm);
  confusion_.set_cell_labels(std::move(counts));

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
  strip_.set_images(20, 28, 28, px, 20);  // one long strip: draw_fit wraps it to the pane
  made_ = true;
}

void WidgetGallery::draw_fields() {
  const float fw = ImGui::GetFontSize() * 6;
  if (number_field("points", points_field_, fw)) {
    points_ = static_cast<int>(points_field_.value);
    make_points();
  }
  const char* hint = "(Enter applies; drag to pan, wheel to zoom, double-click to fit)";
  if (ImGui::GetContentRegionAvail().x - ImGui::GetItemRectSize().x >
      ImGui::CalcTextSize(hint).x + ImGui::GetFontSize() * 12)
    ImGui::SameLine();
  push_text_wrap(0);
  ImGui::TextDisabled("%s", hint);
  ImGui::PopTextWrapPos();
  number_field("batch", batch_, fw);
  same_line_if_fits(field_width("lr", fw));
  number_field("lr", rate_, fw);
  same_line_if_fits(field_width("beta1", fw));
  number_field("beta1", beta_, fw);
  same_line_if_fits(field_width("seed", fw));
  number_field("seed", seed_, fw);
  same_line_if_fits(button_width("Apply all"));
  ImGui::BeginDisabled(!all_valid(batch_, rate_, beta_, seed_));
  if (ImGui::Button("Apply all"))
    ctx_.report("batch " + std::to_string(batch_.value) + ", lr " + short_number(rate_.value) +
                ", beta1 " + short_number(beta_.value) + ", seed " + std::to_string(seed_.value));
  ImGui::EndDisabled();
}

void WidgetGallery::draw_plot(float w, float h) {
  ImGui::BeginGroup();
  const float y0 = ImGui::GetCursorPosY();
  PlotToolbar tb = plot_toolbar("loss", plot_view_);
  PlotSeries a{"test L1", xs_, loss_, IM_COL32(31, 119, 180, 255)};
  PlotSeries b{"0.1 + sin(x)/20", xs_, sin_, IM_COL32(255, 127, 14, 255)};
  PlotSeries series[] = {a, b};
  PlotOptions o{"epoch", "value"};
  apply(plot_view_, o);
  o.markers = change_markers(xs_, lr_);
  const float used = ImGui::GetCursorPosY() - y0;
  PlotFrame f = line_plot("plot", series, o, ImVec2(w, std::max(h - used, 40.0f)));
  ImGui::EndGroup();
  if (tb.csv) {
    std::vector<report::Curve> curves = {{"gallery", "test_l1", {}, xs_, loss_},
                                         {"gallery", "lr", {}, xs_, lr_}};
    report_export(ctx_, export_table(report::curves_table(curves), "curves-gallery"));
  }
  if (tb.png) export_png(ctx_, f.widget, "curves-gallery");
}

void WidgetGallery::draw() {
  if (!made_) make_points();
  draw_fields();
  const float avail = ImGui::GetContentRegionAvail().x;
  const float sp = ImGui::GetStyle().ItemSpacing.x;
  const float half = std::floor((avail - sp) / 2);
  const float h = ImGui::GetContentRegionAvail().y * 0.55f;
  ScatterHover sh = scatter_.draw("scatter", ImVec2(half, h));
  if (sh.index >= 0) {
    ImGui::BeginTooltip();
    ImGui::Text("point %d", sh.index);
    ImGui::EndTooltip();
  }
  ImGui::SameLine();
  draw_plot(half, h);

  // Bottom row: heatmap | confusion matrix | image strip, each a third.
  const float third = std::floor((avail - 2 * sp) / 3);
  const float bh = ImGui::GetContentRegionAvail().y;
  HeatmapAxes ax{"column", "row", 0, 64, 0, 40};
  HeatmapHover hh = heatmap_.draw("heat", ax, ImVec2(third, bh));
  if (hh.hovered) {
    ImGui::BeginTooltip();
    ImGui::Text("cell (%d, %d) = %.3f", hh.col, hh.row, hh.value);
    ImGui::EndTooltip();
  }
  ImGui::SameLine();
  ImGui::BeginGroup();
  const bool cm_csv = ImGui::SmallButton("CSV##cm");
  ImGui::SameLine();
  const bool cm_png = ImGui::SmallButton("PNG##cm");
  HeatmapAxes cax{"cluster", "digit", -0.5, 9.5, -0.5, 9.5};
  const float row = ImGui::GetFrameHeightWithSpacing();
  confusion_.draw("cm", cax, ImVec2(third, std::max(bh - row, 20.0f)));
  ImGui::EndGroup();
  if (cm_csv) {
    analysis::ConfusionMatrix cm;
    cm.rows = cm.cols = 10;
    for (int r = 0; r < 10; ++r)
      for (int c = 0; c < 10; ++c)
        cm.counts.push_back(r == c ? 900 - 37 * r : (r * 7 + c * 3) % 23);
    report_export(ctx_, export_table(report::confusion_table(cm), "confusion-gallery"));
  }
  if (cm_png) export_png(ctx_, confusion_.last_rect(), "confusion-gallery");
  ImGui::SameLine();
  ImGui::BeginGroup();
  const float strip_x = ImGui::GetCursorPosX();
  const bool strip_png = ImGui::SmallButton("PNG##strip");
  ImGui::SameLine();
  push_text_wrap(std::max(ImGui::GetCursorPosX() + 1, strip_x + third));
  ImGui::TextDisabled("20 images, wrapped to the width");
  ImGui::PopTextWrapPos();
  strip_.draw_fit("strip", third);
  GridFit keep;  // the 10-column grid keeps its columns and fits the height left
  keep.wrap = false;
  keep.max_height = std::max(ImGui::GetContentRegionAvail().y, 20.0f);
  grid_.draw_fit("grid", third, {}, keep);
  ImGui::EndGroup();
  if (strip_png) export_png(ctx_, strip_.last_rect(), "strip-gallery");
}

}  // namespace aelab::app
