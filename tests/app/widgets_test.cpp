// Non-GL pieces of the window: colours, axis ticks and fitting (linear, log), grid layout, plot
// markers, the scatter's hover index, settings persistence, the job list, the playground's
// validation.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "app/job_list.hpp"
#include "app/panels/optimiser_playground.hpp"
#include "app/settings.hpp"
#include "app/widgets/axes.hpp"
#include "app/widgets/colormap.hpp"
#include "app/widgets/line_plot.hpp"
#include "app/widgets/point_index.hpp"

using namespace aelab::app;
namespace fs = std::filesystem;

TEST_CASE("colormap: viridis stops at the ends, linear in between, clamped") {
  Rgb a = colormap(0.0f), b = colormap(1.0f);
  CHECK(a.r == Approx(0x44 / 255.0f));
  CHECK(a.g == Approx(0x01 / 255.0f));
  CHECK(a.b == Approx(0x54 / 255.0f));
  CHECK(b.r == Approx(0xfd / 255.0f));
  CHECK(b.g == Approx(0xe7 / 255.0f));
  CHECK(b.b == Approx(0x25 / 255.0f));
  // t = 0.5 sits halfway between stop 4 (0x26828e) and stop 5 (0x1f9e89) of 10.
  Rgb m = colormap(0.5f);
  CHECK(m.r == Approx((0x26 + 0x1f) / 2.0f / 255.0f));
  CHECK(m.g == Approx((0x82 + 0x9e) / 2.0f / 255.0f));
  CHECK(m.b == Approx((0x8e + 0x89) / 2.0f / 255.0f));
  Rgb lo = colormap(-3.0f), hi = colormap(7.0f), nan = colormap(NAN);
  CHECK(lo.r == a.r);
  CHECK(hi.g == b.g);
  CHECK(nan.b == a.b);
  // viridis is monotone in lightness: green channel never decreases along the stops.
  for (int i = 1; i < kColormapStops; ++i)
    CHECK(colormap_stops()[i].g >= colormap_stops()[i - 1].g);
}

TEST_CASE("digit palette: ten distinct colours, packed as ImGui ABGR") {
  const auto& p = digit_palette();
  for (int i = 0; i < 10; ++i)
    for (int j = i + 1; j < 10; ++j) CHECK(pack_rgba(p[i]) != pack_rgba(p[j]));
  CHECK(pack_rgba(Rgb{1, 0, 0}) == 0xff0000ffu);
  CHECK(pack_rgba(Rgb{0, 0, 1}, 0.0f) == 0x00ff0000u);
}

TEST_CASE("nice_ticks: 1-2-5 steps inside the range") {
  auto t = nice_ticks(0, 1, 5);
  REQUIRE(t.size() == 6);
  for (int i = 0; i <= 5; ++i) CHECK(t[i] == Approx(0.2 * i).margin(1e-12));
  // raw step 0.2008 -> the next 1-2-5 step is 0.5
  auto u = nice_ticks(-1.004, 1.004, 10);
  REQUIRE(u.size() == 5);
  CHECK(u.front() == Approx(-1.0));
  CHECK(u.back() == Approx(1.0));
  CHECK(u[2] == 0.0);                 // exact 0, not -1e-17
  auto v = nice_ticks(-0.3, 0.3, 6);  // raw 0.1 -> step 0.1, 7 ticks
  REQUIRE(v.size() == 7);
  CHECK(v[3] == 0.0);
  // A step overhanging both ends would leave one tick (0.2 in 0.105-0.27 at target 2), and its
  // label no step to take decimals from: a finer step then, two ticks or more, labelled "0.15"...
  auto w = nice_ticks(0.105, 0.27, 2);
  REQUIRE(w.size() >= 2);
  CHECK(w.front() >= 0.105);
  CHECK(w.back() <= 0.27);
  CHECK(tick_label(w[0], w[1] - w[0]) == "0.15");
  for (double lo : {0.011, 0.3, 1.7, 123.4})
    for (int target : {1, 2, 3}) CHECK(nice_ticks(lo, lo * 1.6, target).size() >= 2);
  CHECK(nice_ticks(1, 1).empty());
  CHECK(nice_ticks(0, NAN).empty());
  CHECK(nice_ticks(3, 2).empty());
  CHECK(tick_label(0.25, 0.05) == "0.25");
  CHECK(tick_label(20, 5) == "20");
  CHECK(tick_label(0.0, 0.2) == "0.0");
}

TEST_CASE("PointIndex: same answer as a brute-force search") {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0, 2);
  std::vector<float> xy(2 * 5000);
  for (float& v : xy) v = n(rng);
  xy[10] = NAN;  // point 5 must never be returned
  PointIndex idx;
  idx.build(xy);
  std::uniform_real_distribution<float> q(-5, 5);
  const float sx = 0.01f, sy = 0.02f, radius = 6;
  int found = 0;
  for (int k = 0; k < 400; ++k) {
    float x = q(rng), y = q(rng);
    int best = -1;
    float bd = radius * radius;
    for (int i = 0; i < 5000; ++i) {
      float dx = (xy[2 * i] - x) / sx, dy = (xy[2 * i + 1] - y) / sy;
      if (!std::isfinite(dx) || !std::isfinite(dy)) continue;
      float d = dx * dx + dy * dy;
      if (d <= bd) bd = d, best = i;
    }
    int got = idx.nearest(x, y, radius, sx, sy);
    if (best < 0) {
      CHECK(got == -1);
    } else {
      ++found;
      REQUIRE(got >= 0);
      float gd =
          std::pow((xy[2 * got] - x) / sx, 2.0f) + std::pow((xy[2 * got + 1] - y) / sy, 2.0f);
      CHECK(gd == Approx(bd));
    }
    CHECK(got != 5);
  }
  CHECK(found > 20);                                   // the test exercised hits, not only misses
  CHECK(idx.nearest(1e30f, -1e30f, 6, sx, sy) == -1);  // far away: no overflow, no hit
}

TEST_CASE("window settings: round trip, atomic write, corrupt file") {
  fs::path dir = fs::temp_directory_path() / ("aelab_settings_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  WindowSettings s;
  s.imgui_ini = "[Window][Optimiser playground]\nPos=0,19\n";
  s.open["playground"] = true;
  s.open["widgets"] = false;
  s.panels["playground"] = {{"lr", 0.25}, {"traces", {"adam"}}};
  s.ui_scale = 1.5f;
  s.window_width = 1700;
  s.window_height = 950;
  save_window_settings(dir, s);
  for (auto& e : fs::directory_iterator(dir))
    CHECK(e.path().string().find(".tmp") == std::string::npos);  // no temp files left behind
  std::string warning;
  WindowSettings r = load_window_settings(dir, &warning);
  CHECK(warning.empty());
  CHECK(r.imgui_ini == s.imgui_ini);
  CHECK(r.open == s.open);
  CHECK(r.panels["playground"]["lr"].get<double>() == 0.25);
  CHECK(r.ui_scale == 1.5f);
  CHECK(r.window_width == 1700);
  CHECK(r.window_height == 950);
  // A size --width / --height would refuse (hand-edited, hostile) is ignored, not used.
  for (const char* bad : {R"({"window_width": 50, "window_height": 900})",
                          R"({"window_width": 1e9, "window_height": 900})",
                          R"({"window_width": "wide", "window_height": 900})",
                          R"({"window_width": -1400, "window_height": 900})"}) {
    std::ofstream(dir / "panels.json") << bad;
    const WindowSettings b = load_window_settings(dir, &warning);
    INFO(bad);
    CHECK(b.window_width == 0);
  }

  std::ofstream(dir / "panels.json") << "{ not json";
  WindowSettings c = load_window_settings(dir, &warning);
  CHECK(warning.find("panels.json") != std::string::npos);
  CHECK(c.open.empty());
  CHECK(c.imgui_ini == s.imgui_ini);  // the other file still loads

  WindowSettings none = load_window_settings(dir / "missing");
  CHECK(none.imgui_ini.empty());
  fs::remove_all(dir);
}

TEST_CASE("job list: polls, keeps finished jobs for a while, then drops them") {
  JobList jobs;
  float progress = 0.25f;
  bool running = true;
  int id = jobs.add("sweep", [&] {
    JobView v;
    v.running = running;
    v.progress = progress;
    v.line = running ? "working" : "done";
    return v;
  });
  auto& e = jobs.update();
  REQUIRE(e.size() == 1);
  CHECK(e[0].label == "sweep");
  CHECK(e[0].view.progress == 0.25f);
  running = false;
  CHECK(jobs.update(std::chrono::hours(1)).size() == 1);  // lingers
  CHECK(jobs.update(std::chrono::hours(1))[0].view.line == "done");
  CHECK(jobs.update(std::chrono::seconds(-1)).empty());  // linger over
  int id2 = jobs.add("other", [] { return JobView{}; });
  CHECK(id2 != id);
  jobs.remove(id2);
  CHECK(jobs.update().empty());
}

TEST_CASE("playground settings: the study's defaults pass, impossible ones are refused") {
  PlaygroundSettings s;
  CHECK(s.L == 1);
  CHECK(s.lr == 0.3);
  CHECK(s.h == 0.5);
  CHECK(s.beta1 == 0.9);
  CHECK(s.beta2 == 0.999);
  CHECK(s.eps == 0);
  CHECK(validate(s).empty());
  auto refused = [](auto edit) {
    PlaygroundSettings t;
    edit(t);
    return !validate(t).empty();
  };
  CHECK(refused([](auto& t) { t.lr = 0; }));
  CHECK(refused([](auto& t) { t.lr = -0.1; }));
  CHECK(refused([](auto& t) { t.lr = NAN; }));
  CHECK(refused([](auto& t) { t.beta1 = 1; }));
  CHECK(refused([](auto& t) { t.beta2 = -0.01; }));
  CHECK(refused([](auto& t) { t.beta2 = NAN; }));
  CHECK(refused([](auto& t) { t.h = -1; }));
  CHECK(refused([](auto& t) { t.h = INFINITY; }));
  CHECK(refused([](auto& t) { t.eps = -1e-9; }));
  CHECK(refused([](auto& t) { t.x0 = 1.0; }));  // start must be before the bump
  CHECK(refused([](auto& t) { t.L = NAN; }));
  CHECK(refused([](auto& t) { t.map_lr_hi = t.map_lr_lo; }));
  CHECK(!refused([](auto& t) { t.h = 0; }));
  auto c = config_for(s, "adam");
  CHECK(c.name == "adam");
  CHECK(c.lr == 0.3);
  CHECK(c.eps == 0);
  CHECK(c.beta2 == 0.999);
}

TEST_CASE("fit_linear: fitted to the data, not from 0, unless asked") {
  Extent e;
  const std::vector<double> loss = {0.13, 0.11, NAN, 0.1, 0.095};
  e.add(loss);
  AxisRange r = fit_linear(e);
  // 5 % of the data span on each side: a curve near 0.1 fills the plot.
  CHECK(r.lo == Approx(0.095 - 0.035 * 0.05));
  CHECK(r.hi == Approx(0.13 + 0.035 * 0.05));
  AxisRange z = fit_linear(e, true);
  CHECK(z.lo == 0.0);  // from zero: no margin below zero
  CHECK(z.hi == Approx(0.13 * 1.05));
  Extent neg;
  neg.add(-2.0);
  neg.add(-1.0);
  AxisRange zn = fit_linear(neg, true);
  CHECK(zn.hi == 0.0);
  CHECK(zn.lo == Approx(-2.1));
  Extent flat;
  flat.add(0.5);
  flat.add(0.5);
  AxisRange f = fit_linear(flat);
  CHECK(f.lo == Approx(0.45));
  CHECK(f.hi == Approx(0.55));
  AxisRange none = fit_linear(Extent{});
  CHECK(none.lo == 0.0);
  CHECK(none.hi == 1.0);
}

TEST_CASE("fit_log and log_ticks: decades, non-positive values skipped") {
  Extent e;
  e.positive_only = true;
  for (double v : {0.0, -1.0, 1e-3, 0.5, 2.0}) e.add(v);
  CHECK(e.lo == 1e-3);  // 0 and -1 are not on a log axis
  CHECK(e.hi == 2.0);
  AxisRange r = fit_log(e);
  const double decades = std::log10(2.0) + 3;
  CHECK(std::log10(r.lo) == Approx(-3 - decades * 0.05));
  CHECK(std::log10(r.hi) == Approx(std::log10(2.0) + decades * 0.05));
  LogTicks t = log_ticks(r.lo, r.hi, 6);
  REQUIRE(t.major.size() == 4);  // 1e-3, 1e-2, 1e-1, 1
  for (int i = 0; i < 4; ++i) CHECK(t.major[i] == Approx(std::pow(10.0, i - 3)));
  CHECK(t.minor.size() > 20);  // 2..9 of each decade inside
  for (double m : t.minor) {
    CHECK(m >= r.lo);
    CHECK(m <= r.hi);
  }
  // Many decades: every n-th power only.
  LogTicks wide = log_ticks(1e-12, 1e12, 6);
  REQUIRE(wide.major.size() >= 5);
  REQUIRE(wide.major.size() <= 7);
  CHECK(wide.minor.empty());
  const double step = std::log10(wide.major[1]) - std::log10(wide.major[0]);
  CHECK(step == Approx(4.0));
  // Less than a decade: the 2x and 5x multiples become major ticks.
  LogTicks narrow = log_ticks(0.15, 0.9, 6);
  REQUIRE(narrow.major.size() == 2);
  CHECK(narrow.major[0] == Approx(0.2));
  CHECK(narrow.major[1] == Approx(0.5));
  CHECK(log_ticks(0, 1).major.empty());
  CHECK(log_ticks(-1, 1).major.empty());
  CHECK(log_tick_label(1e-4) == "1e-4");
  CHECK(log_tick_label(0.01) == "0.01");
  CHECK(log_tick_label(1) == "1");
  CHECK(log_tick_label(100) == "100");
  CHECK(log_tick_label(1e5) == "1e5");
  CHECK(log_tick_label(0.2) == "0.2");
  CHECK(fit_log(Extent{}).lo == 1);
  // The log map puts decades at equal distances and refuses non-positive values.
  AxisMap m{1e-3, 1e1, 100, 0, true};
  CHECK(m.to_px(1e-3) == Approx(100));
  CHECK(m.to_px(1e-1) == Approx(50));
  CHECK(m.to_data(25) == Approx(1.0));
  CHECK(std::isnan(m.to_px(0)));
  CHECK(std::isnan(m.to_px(-2)));
}

TEST_CASE("fit_grid: wraps to the width, scales, keeps columns when asked") {
  GridFit fit;  // wrap at 24 px, gap 2
  // 40 images into 200 px: floor(202 / 26) = 7 columns, 6 rows.
  GridLayout g = fit_grid(40, 1.0f, 200, 10, fit);
  CHECK(g.columns == 7);
  CHECK(g.rows == 6);
  CHECK(g.width <= 200.0f + 1e-3f);
  CHECK(g.cell_w == Approx((200 - 6 * 2) / 7.0));
  // Wide pane, few images: one row, scaled up to max_cell.
  fit.max_cell = 112;
  GridLayout w = fit_grid(10, 1.0f, 3000, 10, fit);
  CHECK(w.columns == 10);
  CHECK(w.rows == 1);
  CHECK(w.cell_w == 112);
  // Keep the columns of a 2-D grid (no wrap), fit its height.
  GridFit keep;
  keep.wrap = false;
  keep.max_height = 300;
  GridLayout k = fit_grid(400, 1.0f, 1000, 20, keep);
  CHECK(k.columns == 20);
  CHECK(k.rows == 20);
  CHECK(k.height <= 300.0f + 1e-3f);
  CHECK(k.width <= 1000.0f);
  CHECK(fit_grid(0, 1.0f, 100, 3, fit).rows == 0);
  // Many images in a narrow pane never exceed the width.
  for (float width : {30.0f, 97.0f, 333.0f, 1280.0f}) {
    GridLayout n = fit_grid(100, 1.5f, width, 100, GridFit{});
    CHECK(n.width <= width + 1e-3f);
  }
}

TEST_CASE("plot markers: one per change of the value, short labels") {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> lr = {1e-3, 1e-3, 1e-4, 1e-4, 3e-5};
  auto m = change_markers(x, lr);
  REQUIRE(m.size() == 2);
  CHECK(m[0].x == 3);
  CHECK(m[0].label == "lr 1e-4");
  CHECK(m[1].x == 5);
  CHECK(m[1].label == "lr 3e-5");
  CHECK(change_markers(x, std::vector<double>(5, 0.1)).empty());
  CHECK(short_number(0.25) == "0.25");
  CHECK(short_number(2.5e6) == "2.5e6");
  CHECK(short_number(-1.5e-7) == "-1.5e-7");
}
