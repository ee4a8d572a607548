#pragma once
// The widgets on synthetic data: 70,000 labelled points in the scatter, a heatmap, a line plot,
// an image grid. A developer's check that the GL paths work (and a frame-time probe) before the
// latent explorer and the k-means panel feed them real data.
#include <vector>

#include "app/panel.hpp"
#include "app/widgets/heatmap.hpp"
#include "app/widgets/image_grid.hpp"
#include "app/widgets/scatter.hpp"

namespace aelab::app {

class WidgetGallery : public Panel {
 public:
  explicit WidgetGallery(AppContext& ctx);
  void draw() override;
  void save(nlohmann::json& out) const override { out["points"] = points_; }
  void load(const nlohmann::json& in) override;

 private:
  void make_points();
  AppContext& ctx_;
  int points_ = 70000;
  Scatter scatter_;
  Heatmap heatmap_;
  ImageGrid grid_;
  std::vector<double> xs_, sin_, cos_;
  bool made_ = false;
  int last_hover_ = -1;
};

}  // namespace aelab::app
