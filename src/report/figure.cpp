#include "report/figure.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"
#include "report/png.hpp"

namespace aelab::report {

namespace {

// [SECTION] 3x5 font: five rows of three bits, most significant bit on the left.
struct Glyph {
  char c;
  std::array<uint8_t, 5> rows;
};
constexpr std::array<Glyph, 15> kGlyphs = {{
    {'0', {7, 5, 5, 5, 7}},
    {'1', {2, 6, 2, 2, 7}},
    {'2', {7, 1, 7, 4, 7}},
    {'3', {7, 1, 7, 1, 7}},
    {'4', {5, 5, 7, 1, 1}},
    {'5', {7, 4, 7, 1, 7}},
    {'6', {7, 4, 7, 5, 7}},
    {'7', {7, 1, 1, 1, 1}},
    {'8', {7, 5, 7, 5, 7}},
    {'9', {7, 5, 7, 1, 7}},
    {'.', {0, 0, 0, 0, 2}},
    {'-', {0, 0, 7, 0, 0}},
    {'+', {0, 2, 7, 2, 0}},
    {'e', {0, 3, 7, 4, 3}},
    {' ', {0, 0, 0, 0, 0}},
}};

const Glyph* glyph(char c) {
  for (const Glyph& g : kGlyphs)
    if (g.c == c) return &g;
  return nullptr;
}

constexpr Rgb kAxis{0.25f, 0.25f, 0.25f};
constexpr Rgb kGrid{0.9f, 0.9f, 0.9f};

// "Nice" tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of ten.
std::vector<double> nice_ticks(double lo, double hi, int target = 5) {
  std::vector<double> out;
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / target;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  double step = p;
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (m * p >= raw) {
      step = m * p;
      break;
    }
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    out.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
  return out;
}

std::string tick_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

struct Range {
  double lo = 0, hi = 1;
};

Range fit(std::span<const Series> series, bool use_x, double fixed_lo, double fixed_hi, bool log) {
  double lo = INFINITY, hi = -INFINITY;
  for (const Series& s : series)
    for (double v : use_x ? s.x : s.y) {
      if (!std::isfinite(v) || (log && v <= 0)) continue;
      const double t = log ? std::log10(v) : v;
      lo = std::min(lo, t);
      hi = std::max(hi, t);
    }
  if (!std::isnan(fixed_lo)) lo = log ? std::log10(fixed_lo) : fixed_lo;
  if (!std::isnan(fixed_hi)) hi = log ? std::log10(fixed_hi) : fixed_hi;
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {0, 1};
  if (hi - lo < 1e-12) {
    const double pad = std::max(std::abs(lo) * 0.05, 1e-6);
    lo -= pad;
    hi += pad;
  }
  return {lo, hi};
}

// The plotting frame: data ranges mapped into a pixel rectangle inside the margins, with grid
// lines and tick numbers drawn.
struct Frame {
  int x0, y0, x1, y1;  // pixel rectangle (y0 top)
  Range xr, yr;
  bool log_y = false;
  [[nodiscard]] double px(double x) const { return x0 + (x - xr.lo) / (xr.hi - xr.lo) * (x1 - x0); }
  [[nodiscard]] double py(double y) const {
    const double t = log_y ? std::log10(y) : y;
    return y1 - (t - yr.lo) / (yr.hi - yr.lo) * (y1 - y0);
  }
};

Frame draw_frame(Canvas& c, Range xr, Range yr, bool log_y) {
  Frame f{44, 8, c.width() - 10, c.height() - 16, xr, yr, log_y};
  for (double t : nice_ticks(xr.lo, xr.hi)) {
    const int x = int(std::lround(f.px(t)));
    c.line(x, f.y0, x, f.y1, kGrid);
    const std::string s = tick_text(t);
    c.text(x - Canvas::text_width(s) / 2, f.y1 + 4, s, kAxis);
  }
  const std::vector<double> yt = nice_ticks(yr.lo, yr.hi);
  for (double t : yt) {
    const int y = int(std::lround(f.y1 - (t - yr.lo) / (yr.hi - yr.lo) * (f.y1 - f.y0)));
    c.line(f.x0, y, f.x1, y, kGrid);
    const std::string s = tick_text(log_y ? std::pow(10.0, t) : t);
    c.text(f.x0 - 3 - Canvas::text_width(s), y - 2, s, kAxis);
  }
  c.line(f.x0, f.y0, f.x0, f.y1, kAxis);
  c.line(f.x0, f.y1, f.x1, f.y1, kAxis);
  return f;
}

uint8_t byte(float v) {
  return static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
}

}  // namespace

// [SECTION] Canvas

Canvas::Canvas(int w, int h, Rgb background) : w_(w), h_(h) {
  if (w <= 0 || h <= 0 || w > 8192 || h > 8192)
    throw ShapeError("canvas size " + std::to_string(w) + "x" + std::to_string(h));
  px_.resize(size_t(w) * h * 3);
  fill_rect(0, 0, w, h, background);
}

void Canvas::set(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= w_ || y >= h_) return;
  uint8_t* p = &px_[(size_t(y) * w_ + x) * 3];
  p[0] = byte(c.r);
  p[1] = byte(c.g);
  p[2] = byte(c.b);
}

Rgb Canvas::get(int x, int y) const {
  const uint8_t* p = &px_.at((size_t(y) * w_ + x) * 3);
  return {p[0] / 255.0f, p[1] / 255.0f, p[2] / 255.0f};
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  for (int y = std::max(y0, 0); y < std::min(y1, h_); ++y)
    for (int x = std::max(x0, 0); x < std::min(x1, w_); ++x) set(x, y, c);
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int thickness) {
  if (!std::isfinite(x0) || !std::isfinite(y0) || !std::isfinite(x1) || !std::isfinite(y1)) return;
  const int n = int(std::ceil(std::max(std::abs(x1 - x0), std::abs(y1 - y0)))) + 1;
  if (n > 100000) return;
  for (int i = 0; i <= n; ++i) {
    const double t = double(i) / n;
    const int x = int(std::lround(x0 + (x1 - x0) * t)), y = int(std::lround(y0 + (y1 - y0) * t));
    const int a = (thickness - 1) / 2, b = thickness / 2;
    fill_rect(x - a, y - a, x + b + 1, y + b + 1, c);
  }
}

void Canvas::dot(double x, double y, int radius, Rgb c) {
  if (!std::isfinite(x) || !std::isfinite(y)) return;
  const int cx = int(std::lround(x)), cy = int(std::lround(y));
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx)
      if (dx * dx + dy * dy <= radius * radius + radius) set(cx + dx, cy + dy, c);
}

void Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
  for (size_t i = 0; i < s.size(); ++i) {
    const Glyph* g = glyph(s[i]);
    if (!g) continue;
    for (int r = 0; r < 5; ++r)
      for (int b = 0; b < 3; ++b)
        if (g->rows[r] & (4 >> b))
          fill_rect(x + int(i) * 4 * scale + b * scale, y + r * scale,
                    x + int(i) * 4 * scale + (b + 1) * scale, y + (r + 1) * scale, c);
  }
}

int Canvas::text_width(const std::string& s, int scale) {
  return s.empty() ? 0 : (int(s.size()) * 4 - 1) * scale;
}

std::vector<unsigned char> figure_png(const Canvas& canvas) {
  return encode_png(canvas.width(), canvas.height(), 3, canvas.rgb());
}

// [SECTION] Charts

std::vector<unsigned char> line_chart(std::span<const Series> series, const ChartOptions& o) {
  Canvas c(o.width, o.height);
  const Frame f = draw_frame(c, fit(series, true, o.x_min, o.x_max, false),
                             fit(series, false, o.y_min, o.y_max, o.log_y), o.log_y);
  for (const Series& s : series) {
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i + 1 < n; ++i)
      if (!o.log_y || (s.y[i] > 0 && s.y[i + 1] > 0))
        c.line(f.px(s.x[i]), f.py(s.y[i]), f.px(s.x[i + 1]), f.py(s.y[i + 1]), s.colour, 2);
    if (s.points || n == 1)
      for (size_t i = 0; i < n; ++i)
        if (!o.log_y || s.y[i] > 0) c.dot(f.px(s.x[i]), f.py(s.y[i]), 3, s.colour);
  }
  return figure_png(c);
}

namespace {

// One scatter (interleaved x, y) with its digit legend, filling the canvas.
void draw_scatter(Canvas& c, std::span<const float> xy, std::span<const uint8_t> labels,
                  const ChartOptions& o) {
  Series all;
  for (size_t i = 0; i + 1 < xy.size(); i += 2) {
    all.x.push_back(xy[i]);
    all.y.push_back(xy[i + 1]);
  }
  const Frame f = draw_frame(c, fit({&all, 1}, true, o.x_min, o.x_max, false),
                             fit({&all, 1}, false, o.y_min, o.y_max, false), false);
  for (size_t i = 0; i < labels.size(); ++i)
    c.dot(f.px(all.x[i]), f.py(all.y[i]), 1, digit_palette()[labels[i] % 10]);
  // Legend: digit d in its colour along the top.
  for (int d = 0; d < 10; ++d) {
    c.fill_rect(f.x0 + 6 + d * 16, f.y0 + 2, f.x0 + 12 + d * 16, f.y0 + 8, digit_palette()[d]);
    c.text(f.x0 + 13 + d * 16, f.y0 + 3, std::to_string(d), kAxis);
  }
}

}  // namespace

std::vector<unsigned char> scatter_chart(const Tensor& points, std::span<const uint8_t> labels,
                                         const ChartOptions& o) {
  if (points.rank() != 2 || points.dim(1) != 2 || size_t(points.dim(0)) != labels.size())
    throw ShapeError("scatter_chart wants (N, 2) points and N labels");
  Canvas c(o.width, o.height);
  draw_scatter(c, {points.data(), size_t(points.numel())}, labels, o);
  return figure_png(c);
}

std::vector<unsigned char> scatter_row(std::span<const std::vector<float>> maps,
                                       std::span<const uint8_t> labels, int side, int gap) {
  if (maps.empty()) throw InputError("scatter_row: no maps");
  if (side < 64 || side > 4096 || gap < 0 || gap > 256)
    throw InputError("scatter_row: a side of 64 to 4096 pixels and a gap of 0 to 256");
  for (const auto& m : maps)
    if (m.size() != labels.size() * 2) throw ShapeError("scatter_row: one label per point");
  const int n = int(maps.size());
  Canvas out(n * side + (n - 1) * gap, side);
  ChartOptions o;
  o.width = o.height = side;
  for (int k = 0; k < n; ++k) {
    Canvas c(side, side);
    draw_scatter(c, maps[size_t(k)], labels, o);
    for (int y = 0; y < side; ++y)
      for (int x = 0; x < side; ++x) out.set(k * (side + gap) + x, y, c.get(x, y));
  }
  return figure_png(out);
}

// Cells of `cell` pixels, colour(r, k) each; row 0 at the top unless flip_rows.
template <class ColourOf>
std::vector<unsigned char> cell_grid(int rows, int cols, int cell, bool flip_rows,
                                     ColourOf colour) {
  Canvas c(cols * cell, rows * cell);
  for (int r = 0; r < rows; ++r)
    for (int k = 0; k < cols; ++k) {
      const int y = (flip_rows ? rows - 1 - r : r) * cell;
      c.fill_rect(k * cell, y, (k + 1) * cell, y + cell, colour(r, k));
    }
  return figure_png(c);
}

constexpr Rgb kMissing{0.6f, 0.6f, 0.6f};

std::vector<unsigned char> heatmap(std::span<const double> values, int rows, int cols, int cell,
                                   double vmin, double vmax, bool flip_rows) {
  if (rows <= 0 || cols <= 0 || values.size() != size_t(rows) * cols || cell <= 0)
    throw ShapeError("heatmap: values do not fit rows x cols");
  return cell_grid(rows, cols, cell, flip_rows, [&](int r, int k) {
    const double v = values[size_t(r) * cols + k];
    return std::isnan(v) ? kMissing : colormap(float((v - vmin) / std::max(vmax - vmin, 1e-300)));
  });
}

std::vector<unsigned char> category_map(std::span<const int> cells, int rows, int cols, int cell,
                                        std::span<const Rgb> colours, bool flip_rows) {
  if (rows <= 0 || cols <= 0 || cells.size() != size_t(rows) * cols || cell <= 0)
    throw ShapeError("category_map: cells do not fit rows x cols");
  return cell_grid(rows, cols, cell, flip_rows, [&](int r, int k) {
    const int v = cells[size_t(r) * cols + k];
    return v >= 0 && size_t(v) < colours.size() ? colours[v] : kMissing;
  });
}

std::vector<unsigned char> image_grid(const Tensor& images, int cols, int scale, int gap) {
  constexpr int64_t kPx = 28 * 28;
  const int64_t n = images.numel() / kPx;
  if (n <= 0 || images.numel() != n * kPx || cols <= 0 || scale <= 0 || gap < 0)
    throw ShapeError("image_grid wants 28x28 images and cols > 0");
  const int rows = int((n + cols - 1) / cols);
  const int cw = 28 * scale + gap;
  Canvas c(cols * cw + gap, rows * cw + gap, Rgb{0.5f, 0.5f, 0.5f});
  for (int64_t i = 0; i < n; ++i) {
    const int ox = gap + int(i % cols) * cw, oy = gap + int(i / cols) * cw;
    for (int y = 0; y < 28 * scale; ++y)
      for (int x = 0; x < 28 * scale; ++x) {
        const float v = images[i * kPx + (y / scale) * 28 + x / scale];
        c.set(ox + x, oy + y, Rgb{v, v, v});
      }
  }
  return figure_png(c);
}

}  // namespace aelab::report
