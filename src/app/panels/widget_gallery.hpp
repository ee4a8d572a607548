#pragma once
// The widgets on synthetic data: 70,000 labelled points in the scatter, a heatmap, a line plot
// with its toolbar (from 0, log y, CSV, PNG) and lr markers, a confusion matrix with counts, an
// image strip that wraps to the pane, and number fields with their validation. A developer's
// check that the GL paths work (and a frame-time probe) before the panels feed them real data.
#include <vector>

#include "app/panel.hpp"
#include "app/widgets/heatmap.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/number_field.hpp"
#include "app/widgets/scatter.hpp"

namespace aelab::app {

class WidgetGallery : public Panel {
 public:
  explicit WidgetGallery(AppContext& ctx);
  void draw() override;
  void save(nlohmann::json& out) const override {
    out["points"] = points_;
    out["from_zero"] = plot_view_.from_zero;
    out["log_y"] = plot_view_.log_y;
  }
  void load(const nlohmann::json& in) override;

 private:
  void make_points();
  void draw_fields();
  void draw_plot(float w, float h);
  AppContext& ctx_;
  int points_ = 70000;
  Scatter scatter_;
  Heatmap heatmap_, confusion_;
  ImageGrid grid_, strip_;
  std::vector<double> xs_, sin_, cos_, loss_, lr_;
  PlotView plot_view_;
  IntField points_field_{70000, IntRule::integer_in(100, 200000)};
  IntField batch_{64, IntRule::integer_in(1, 4096)};
  DoubleField rate_{1e-3, DoubleRule::positive(), "%.3g"};
  DoubleField beta_{0.9, DoubleRule::in_half_open(0, 1)};
  IntField seed_{0, IntRule::at_least(0)};
  bool made_ = false;
  int last_hover_ = -1;
};

}  // namespace aelab::app
