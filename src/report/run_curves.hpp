#pragma once
// Runs side by side as curves: one metric of several runs put on a common x axis (epoch, step or
// wall time), smoothed with a bias-corrected EMA, seed groups as a mean line with a band, and the
// value of every curve at one x (the window's hover readout). Plain functions on
// runs::MetricSeries; the Compare panel draws them, `aelab runs compare --png` plots them and
// the study report reuses them.
//
//   XyCurve a = align(series, XAxis::epoch);                 // or XAxis::wall_time with seconds
//   std::vector<double> s = ema(a.y, 0.6);                   // drawn over the faint raw curve
//   BandCurve band = group_curve(members);                   // mean +- sd, min-max per x
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runs/run_store.hpp"

namespace aelab::report {

enum class XAxis { epoch, step, wall_time };
[[nodiscard]] std::string_view to_string(XAxis a);        // "epoch", "step", "wall_time"
[[nodiscard]] XAxis parse_x_axis(std::string_view text);  // InputError on anything else

// A curve on one x axis: parallel arrays, x ascending.
struct XyCurve {
  std::vector<double> x, y;
  [[nodiscard]] size_t size() const { return x.size(); }
};

// The series on the chosen axis. wall_time reads the run's `seconds` series (training time so
// far, per epoch): each point's time is linear in step between the seconds points around it, with
// (step 0, 0 s) before the first; points past the last seconds point keep its rate. With no
// seconds points wall_time is empty. Points whose x is not finite are dropped.
[[nodiscard]] XyCurve align(const runs::MetricSeries& series, XAxis axis,
                            const runs::MetricSeries* seconds = nullptr);

// Exponential moving average with bias correction (TensorBoard's "debiased" smoothing):
// s_t = w s_{t-1} + (1 - w) y_t from s_0 = 0, shown as s_t / (1 - w^t), so the first point is y_1
// and the start of a curve is not dragged towards zero. t counts the finite values only; a
// non-finite y gives NaN at its place and leaves the average alone. w in [0, 1); w = 0 is the raw
// curve. InputError outside [0, 1).
[[nodiscard]] std::vector<double> ema(std::span<const double> y, double weight);

// Curves of one seed group merged on their x values: at every x some member has (equal within
// 1e-9 relative), the members' values there.
struct BandCurve {
  std::vector<double> x, mean, sd, min, max;
  std::vector<int> n;  // members with a finite value at that x
};
[[nodiscard]] BandCurve group_curve(std::span<const XyCurve> members);

// The value of a curve at x: linear between the two points around x, nullopt outside the curve
// (or when it is empty). What the hover readout shows for every run at the cursor.
[[nodiscard]] std::optional<double> value_at(const XyCurve& c, double x);

}  // namespace aelab::report
