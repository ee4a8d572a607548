// Headless figures (see curve_figure.hpp).
#include "report/curve_figure.hpp"

#include <stb_easy_font.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.hpp"

namespace aelab::report {

namespace {

struct Canvas {
  RgbImage& img;
  void blend(int x, int y, uint32_t rgb, double a) {
    if (x < 0 || y < 0 || x >= img.width || y >= img.height || a <= 0) return;
    uint8_t* p = &img.px[(size_t(y) * size_t(img.width) + size_t(x)) * 3];
    const uint8_t c[3] = {uint8_t(rgb >> 16), uint8_t(rgb >> 8), uint8_t(rgb)};
    for (int k = 0; k < 3; ++k) p[k] = uint8_t(std::lround(p[k] * (1 - a) + c[k] * a));
  }
  void rect(int x0, int y0, int x1, int y1, uint32_t rgb, double a = 1) {
    for (int y = std::min(y0, y1); y <= std::max(y0, y1); ++y)
      for (int x = std::min(x0, x1); x <= std::max(x0, x1); ++x) blend(x, y, rgb, a);
  }
  // A line of the given width: every pixel within width/2 of the segment, edges antialiased.
  void line(double x0, double y0, double x1, double y1, uint32_t rgb, double width, double a) {
    const double r = width / 2;
    const int bx0 = int(std::floor(std::min(x0, x1) - r - 1)),
              bx1 = int(std::ceil(std::max(x0, x1) + r + 1));
    const int by0 = int(std::floor(std::min(y0, y1) - r - 1)),
              by1 = int(std::ceil(std::max(y0, y1) + r + 1));
    const double dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy;
    for (int y = std::max(by0, 0); y <= std::min(by1, img.height - 1); ++y)
      for (int x = std::max(bx0, 0); x <= std::min(bx1, img.width - 1); ++x) {
        double t = len2 > 0 ? ((x - x0) * dx + (y - y0) * dy) / len2 : 0;
        t = std::clamp(t, 0.0, 1.0);
        const double ex = x - (x0 + t * dx), ey = y - (y0 + t * dy);
        const double d = std::sqrt(ex * ex + ey * ey);
        blend(x, y, rgb, a * std::clamp(r + 0.5 - d, 0.0, 1.0));
      }
  }
  void text(int x, int y, const std::string& s, uint32_t rgb) {
    static char vbuf[1 << 16];
    std::string copy = s;
    const int quads = stb_easy_font_print(0, 0, copy.data(), nullptr, vbuf, sizeof vbuf);
    const float* v = reinterpret_cast<const float*>(vbuf);
    for (int q = 0; q < quads; ++q) {
      const float* a = v + q * 16;  // 4 vertices of (x, y, z, colour)
      const float* c = a + 8;
      rect(x + int(a[0]), y + int(a[1]), x + int(c[0]) - 1, y + int(c[1]) - 1, rgb);
    }
  }
};

int text_width(const std::string& s) {
  std::string copy = s;
  return stb_easy_font_width(copy.data());
}

// About five "nice" ticks (1, 2, 5 times a power of ten) covering [lo, hi].
std::vector<double> nice_ticks(double lo, double hi) {
  const double span = hi - lo;
  if (!(span > 0)) return {lo};
  const double raw = span / 5, mag = std::pow(10, std::floor(std::log10(raw)));
  const double step = raw / mag < 1.5   ? mag
                      : raw / mag < 3.5 ? 2 * mag
                      : raw / mag < 7.5 ? 5 * mag
                                        : 10 * mag;
  std::vector<double> t;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string tick_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

uint32_t palette_colour(size_t n) {
  static const uint32_t kPalette[] = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd,
                                      0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
  return kPalette[n % 10];
}

RgbImage curves_figure(std::span<const FigureCurve> curves, const FigureSpec& spec) {
  if (spec.width < 100 || spec.height < 100 || spec.width > 8000 || spec.height > 8000)
    throw InputError("a figure must be 100..8000 pixels on each side");
  auto usable = [&](double y) { return std::isfinite(y) && (!spec.log_y || y > 0); };
  auto ty = [&](double y) { return spec.log_y ? std::log10(y) : y; };
  double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
  for (const FigureCurve& c : curves)
    for (size_t i = 0; i < c.curve.size(); ++i)
      if (usable(c.curve.y[i])) {
        x0 = std::min(x0, c.curve.x[i]);
        x1 = std::max(x1, c.curve.x[i]);
        y0 = std::min(y0, ty(c.curve.y[i]));
        y1 = std::max(y1, ty(c.curve.y[i]));
      }
  if (!std::isfinite(x0)) throw InputError("nothing to plot: no curve has a point to draw");
  if (x1 == x0) x0 -= 0.5, x1 += 0.5;
  if (y1 == y0) y0 -= 0.5, y1 += 0.5;
  const double pad = 0.05 * (y1 - y0);
  y0 -= pad, y1 += pad;

  RgbImage img;
  img.width = spec.width;
  img.height = spec.height;
  img.px.assign(size_t(img.width) * size_t(img.height) * 3, 255);
  Canvas cv{img};
  const int left = 70, right = img.width - 20, top = spec.title.empty() ? 20 : 34,
            bottom = img.height - 40;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (right - left); };
  auto py = [&](double y) { return bottom - (ty(y) - y0) / (y1 - y0) * (bottom - top); };

  const uint32_t grid = 0xe6e6e6, axis = 0x333333;
  // y ticks: decades on a log axis, nice numbers otherwise.
  std::vector<double> yt;
  if (spec.log_y) {
    for (double e = std::ceil(y0); e <= y1; ++e) yt.push_back(std::pow(10, e));
    if (yt.size() < 2) {
      for (double v : nice_ticks(std::pow(10, y0), std::pow(10, y1)))
        if (v > 0) yt.push_back(v);
    }
  } else {
    yt = nice_ticks(y0, y1);
  }
  for (double v : yt) {
    const int y = int(std::lround(py(v)));
    if (y < top || y > bottom) continue;
    cv.rect(left, y, right, y, grid);
    const std::string t = tick_text(v);
    cv.text(left - 6 - text_width(t), y - 4, t, axis);
  }
  for (double v : nice_ticks(x0, x1)) {
    const int x = int(std::lround(px(v)));
    cv.rect(x, top, x, bottom, grid);
    const std::string t = tick_text(v);
    cv.text(x - text_width(t) / 2, bottom + 6, t, axis);
  }
  cv.rect(left, top, left, bottom, axis);
  cv.rect(left, bottom, right, bottom, axis);
  if (!spec.x_label.empty())
    cv.text((left + right - text_width(spec.x_label)) / 2, bottom + 22, spec.x_label, axis);
  if (!spec.y_label.empty())
    cv.text(8, top - (spec.title.empty() ? 14 : 14), spec.y_label + (spec.log_y ? " (log)" : ""),
            axis);
  if (!spec.title.empty()) cv.text(left, 8, spec.title, 0x000000);

  size_t n = 0;
  std::vector<std::pair<std::string, uint32_t>> legend;
  for (const FigureCurve& c : curves) {
    const uint32_t col = c.rgb ? c.rgb : palette_colour(n);
    if (!c.faint) ++n;
    if (c.band) {
      const BandCurve& b = *c.band;
      for (size_t i = 1; i < b.x.size(); ++i) {
        if (!usable(b.min[i - 1]) || !usable(b.max[i - 1]) || !usable(b.min[i]) ||
            !usable(b.max[i]))
          continue;
        const int xa = int(std::lround(px(b.x[i - 1]))), xb = int(std::lround(px(b.x[i])));
        for (int x = xa; x <= xb; ++x) {
          const double f = xb > xa ? double(x - xa) / (xb - xa) : 0;
          const double lo = py(b.min[i - 1] + f * (b.min[i] - b.min[i - 1]));
          const double hi = py(b.max[i - 1] + f * (b.max[i] - b.max[i - 1]));
          for (int y = int(std::lround(hi)); y <= int(std::lround(lo)); ++y)
            if (y >= top && y <= bottom) cv.blend(x, y, col, 0.18);
        }
      }
    }
    const XyCurve& xy = c.curve;
    for (size_t i = 1; i < xy.size(); ++i)
      if (usable(xy.y[i - 1]) && usable(xy.y[i]))
        cv.line(px(xy.x[i - 1]), py(xy.y[i - 1]), px(xy.x[i]), py(xy.y[i]), col,
                c.faint ? 1.0 : 2.0, c.faint ? 0.35 : 1.0);
    if (xy.size() == 1 && usable(xy.y[0]))
      cv.line(px(xy.x[0]), py(xy.y[0]), px(xy.x[0]), py(xy.y[0]), col, 5.0, 1.0);
    if (!c.faint && !c.label.empty()) legend.emplace_back(c.label, col);
  }
  // Legend in the top right corner of the plot.
  int lw = 0;
  for (const auto& [t, col] : legend) lw = std::max(lw, text_width(t));
  const int lx = right - lw - 30;
  int ly = top + 6;
  if (!legend.empty())
    cv.rect(lx - 6, ly - 4, right - 4, ly + int(legend.size()) * 14, 0xffffff, 0.85);
  for (const auto& [t, col] : legend) {
    cv.rect(lx, ly + 3, lx + 14, ly + 4, col);
    cv.text(lx + 20, ly, t, 0x222222);
    ly += 14;
  }
  return img;
}

void write_png(const std::filesystem::path& path, const RgbImage& img) {
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  if (!stbi_write_png(path.c_str(), img.width, img.height, 3, img.px.data(), img.width * 3))
    throw InputError("cannot write PNG '" + path.string() + "'");
}

void write_gray_png(const std::filesystem::path& path, const Tensor& img, int scale) {
  if (img.rank() != 2 || img.numel() == 0) throw InputError("nothing to draw: the image is empty");
  if (scale < 1 || scale > 16) throw InputError("the PNG scale must be between 1 and 16");
  const int h = int(img.dim(0)), w = int(img.dim(1)), sh = h * scale, sw = w * scale;
  std::vector<unsigned char> px(size_t(sh) * size_t(sw));
  for (int y = 0; y < sh; ++y)
    for (int x = 0; x < sw; ++x)
      px[size_t(y) * size_t(sw) + size_t(x)] = static_cast<unsigned char>(
          std::clamp(img[(y / scale) * w + x / scale], 0.0f, 1.0f) * 255.0f + 0.5f);
  if (path.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
  }
  if (!stbi_write_png(path.c_str(), sw, sh, 1, px.data(), sw))
    throw InputError("cannot write PNG '" + path.string() + "'");
}

}  // namespace aelab::report
