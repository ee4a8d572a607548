#include "report/run_curves.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.hpp"
#include "report/run_table.hpp"

namespace aelab::report {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool same_x(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
}
}  // namespace

std::string_view to_string(XAxis a) {
  switch (a) {
    case XAxis::epoch:
      return "epoch";
    case XAxis::step:
      return "step";
    case XAxis::wall_time:
      return "wall_time";
  }
  return "epoch";
}

XAxis parse_x_axis(std::string_view text) {
  for (XAxis a : {XAxis::epoch, XAxis::step, XAxis::wall_time})
    if (text == to_string(a)) return a;
  throw InputError("unknown x axis '" + std::string(text) + "' (epoch, step or wall_time)");
}

XyCurve align(const runs::MetricSeries& s, XAxis axis, const runs::MetricSeries* seconds) {
  XyCurve c;
  // wall time: (step, seconds) knots starting at (0, 0)
  std::vector<double> ks{0}, kt{0};
  if (axis == XAxis::wall_time) {
    if (!seconds || seconds->size() == 0) return c;
    for (size_t i = 0; i < seconds->size(); ++i)
      if (std::isfinite(seconds->values[i]) && double(seconds->steps[i]) > ks.back()) {
        ks.push_back(double(seconds->steps[i]));
        kt.push_back(seconds->values[i]);
      }
  }
  auto time_at = [&](double step) {
    if (ks.size() < 2) return kNaN;
    size_t hi = size_t(std::upper_bound(ks.begin(), ks.end(), step) - ks.begin());
    if (hi == 0) hi = 1;
    if (hi >= ks.size()) hi = ks.size() - 1;  // past the last knot: the last segment's rate
    const double f = (step - ks[hi - 1]) / (ks[hi] - ks[hi - 1]);
    return kt[hi - 1] + f * (kt[hi] - kt[hi - 1]);
  };
  for (size_t i = 0; i < s.size(); ++i) {
    double x = kNaN;
    switch (axis) {
      case XAxis::epoch:
        x = i < s.epochs.size() ? s.epochs[i] : kNaN;
        break;
      case XAxis::step:
        x = double(s.steps[i]);
        break;
      case XAxis::wall_time:
        x = time_at(double(s.steps[i]));
        break;
    }
    if (!std::isfinite(x)) continue;
    c.x.push_back(x);
    c.y.push_back(s.values[i]);
  }
  return c;
}

std::vector<double> ema(std::span<const double> y, double weight) {
  if (!(weight >= 0 && weight < 1))
    throw InputError("smoothing must be in [0, 1), got " + std::to_string(weight));
  std::vector<double> out(y.size(), kNaN);
  double s = 0, debias = 1;  // debias = w^t
  for (size_t i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) continue;
    s = weight * s + (1 - weight) * y[i];
    debias *= weight;
    out[i] = s / (1 - debias);
  }
  return out;
}

BandCurve group_curve(std::span<const XyCurve> members) {
  std::vector<double> xs;
  for (const XyCurve& m : members) xs.insert(xs.end(), m.x.begin(), m.x.end());
  std::sort(xs.begin(), xs.end());
  std::vector<double> unique;
  for (double x : xs)
    if (unique.empty() || !same_x(unique.back(), x)) unique.push_back(x);
  BandCurve b;
  std::vector<size_t> pos(members.size(), 0);
  for (double x : unique) {
    std::vector<double> vals;
    for (size_t m = 0; m < members.size(); ++m) {
      const XyCurve& c = members[m];
      while (pos[m] < c.size() && c.x[pos[m]] < x && !same_x(c.x[pos[m]], x)) ++pos[m];
      if (pos[m] < c.size() && same_x(c.x[pos[m]], x)) vals.push_back(c.y[pos[m]]);
    }
    const Stats s = stats_of(vals);
    b.x.push_back(x);
    b.mean.push_back(s.mean);
    b.sd.push_back(s.sd);
    b.min.push_back(s.min);
    b.max.push_back(s.max);
    b.n.push_back(s.n);
  }
  return b;
}

std::optional<double> value_at(const XyCurve& c, double x) {
  if (c.size() == 0 || x < c.x.front() || x > c.x.back()) return std::nullopt;
  const size_t hi = size_t(std::lower_bound(c.x.begin(), c.x.end(), x) - c.x.begin());
  if (hi == 0 || same_x(c.x[hi], x)) return c.y[hi];
  const double f = (x - c.x[hi - 1]) / (c.x[hi] - c.x[hi - 1]);
  return c.y[hi - 1] + f * (c.y[hi] - c.y[hi - 1]);
}

}  // namespace aelab::report
