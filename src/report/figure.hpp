#pragma once
// The report's pictures as PNG bytes, drawn on the CPU (no window needed): line charts (training
// curves, sweeps), scatter plots (latent codes coloured by digit), heatmaps (the phase map, a
// confusion matrix) and image grids (reconstructions, blur examples). Numbers on the axes are
// drawn with a small built-in 3x5 digit font; what the axes mean goes into the caption.
//
// Adding a kind of figure: a function here that draws on a Canvas and returns figure_png(canvas).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "report/colours.hpp"

namespace aelab::report {

// An RGB raster, row 0 at the top.
class Canvas {
 public:
  Canvas(int w, int h, Rgb background = {1, 1, 1});
  [[nodiscard]] int width() const { return w_; }
  [[nodiscard]] int height() const { return h_; }
  void set(int x, int y, Rgb c);  // outside: ignored
  [[nodiscard]] Rgb get(int x, int y) const;
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // [x0, x1) x [y0, y1)
  void line(double x0, double y0, double x1, double y1, Rgb c, int thickness = 1);
  void dot(double x, double y, int radius, Rgb c);
  // Digits, '.', '-', '+', 'e' (others: a blank) at scale s, top-left at (x, y).
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
  [[nodiscard]] static int text_width(const std::string& s, int scale = 1);
  [[nodiscard]] const std::vector<uint8_t>& rgb() const { return px_; }

 private:
  int w_, h_;
  std::vector<uint8_t> px_;
};

[[nodiscard]] std::vector<unsigned char> figure_png(const Canvas& canvas);

struct Series {
  std::vector<double> x, y;
  Rgb colour{0, 0, 0};
  bool points = false;  // a dot at every point as well as the line
};

struct ChartOptions {
  int width = 640, height = 400;
  bool log_y = false;
  // NaN: fitted to the data.
  double x_min = NAN, x_max = NAN, y_min = NAN, y_max = NAN;
};

// Lines over shared axes with tick numbers.
[[nodiscard]] std::vector<unsigned char> line_chart(std::span<const Series> series,
                                                    const ChartOptions& options = {});

// points: (N, 2); labels: N digits 0..9 (digit_palette colours).
[[nodiscard]] std::vector<unsigned char> scatter_chart(const Tensor& points,
                                                       std::span<const uint8_t> labels,
                                                       const ChartOptions& options = {});

// Several scatters of the same N labelled points side by side (e.g. runs' latent maps), each
// side x side pixels, `gap` white pixels between; maps[k] is (N, 2) interleaved.
[[nodiscard]] std::vector<unsigned char> scatter_row(std::span<const std::vector<float>> maps,
                                                     std::span<const uint8_t> labels,
                                                     int side = 360, int gap = 8);

// values: rows x cols row-major, drawn as cells of `cell` pixels with the colormap from vmin to
// vmax (NaN cells grey); row 0 at the top unless flip_rows.
[[nodiscard]] std::vector<unsigned char> heatmap(std::span<const double> values, int rows, int cols,
                                                 int cell, double vmin, double vmax,
                                                 bool flip_rows = false);

// A categorical heatmap: each cell one of the given colours.
[[nodiscard]] std::vector<unsigned char> category_map(std::span<const int> cells, int rows,
                                                      int cols, int cell,
                                                      std::span<const Rgb> colours,
                                                      bool flip_rows = false);

// images: (R, C, 28, 28) or (R * C, 1, 28, 28) with cols C; values in [0, 1]; each pixel repeated
// scale x scale, `gap` pixels of mid-grey between images.
[[nodiscard]] std::vector<unsigned char> image_grid(const Tensor& images, int cols, int scale = 2,
                                                    int gap = 2);

}  // namespace aelab::report
