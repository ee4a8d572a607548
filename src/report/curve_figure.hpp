#pragma once
// Headless figures as PNG: a line plot of curves (axes, ticks, labels in stb_easy_font's
// bitmap letters, a legend, optional bands and a log10 y axis) and grayscale image grids. What
// `aelab runs compare --png/--images` writes and the study report can reuse; the window draws
// its own plots with ImGui and exports those instead.
//
//   std::vector<FigureCurve> cs = {{"#3 mlp-L2", align(series, XAxis::epoch)}};
//   write_png("curves.png", curves_figure(cs, {.x_label = "epoch", .y_label = "test_l1"}));
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/tensor.hpp"
#include "report/run_curves.hpp"

namespace aelab::report {

struct RgbImage {
  int width = 0, height = 0;
  std::vector<uint8_t> px;  // width * height * 3, row 0 at the top
};

struct FigureCurve {
  std::string label;
  XyCurve curve;
  uint32_t rgb = 0;    // 0xRRGGBB; 0: the n-th colour of the palette
  bool faint = false;  // drawn thin and light (a raw curve under its smoothed one), not in legend
  const BandCurve* band = nullptr;  // optional: min-max drawn as a light band behind the line
};

struct FigureSpec {
  std::string title, x_label, y_label;
  bool log_y = false;  // values <= 0 are left out
  int width = 800, height = 500;
};

// The palette the figures use for curve n (ten distinguishable colours).
[[nodiscard]] uint32_t palette_colour(size_t n);
// InputError when the size is outside 100..8000 px or no curve has a point to draw.
[[nodiscard]] RgbImage curves_figure(std::span<const FigureCurve> curves, const FigureSpec& spec);
// Writes an RGB image as PNG (parent folders created); InputError naming the file.
void write_png(const std::filesystem::path& path, const RgbImage& img);
// A (H, W) grayscale tensor in [0, 1] as an 8-bit PNG, each pixel repeated scale x scale.
void write_gray_png(const std::filesystem::path& path, const Tensor& img, int scale = 2);

}  // namespace aelab::report
