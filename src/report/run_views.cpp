// Runs side by side as pictures (see run_views.hpp).
//
// Index
// [SECTION] Procrustes
// [SECTION] Latent maps
// [SECTION] Picking digits
// [SECTION] Loading the runs
#include "report/run_views.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "analysis/pca.hpp"
#include "analysis/tsne.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "runs/run_store.hpp"
#include "train/ae_trainer.hpp"
#include "train/disnet_trainer.hpp"

namespace aelab::report {

// [SECTION] Procrustes

Similarity2 procrustes_2d(std::span<const float> ref, std::span<const float> mov) {
  if (ref.size() != mov.size() || ref.size() % 2)
    throw ShapeError("procrustes: maps of " + std::to_string(ref.size() / 2) + " and " +
                     std::to_string(mov.size() / 2) + " points");
  const size_t n = ref.size() / 2;
  Similarity2 t;
  if (n < 2) return t;
  double ax = 0, ay = 0, bx = 0, by = 0;
  for (size_t i = 0; i < n; ++i) {
    ax += ref[2 * i];
    ay += ref[2 * i + 1];
    bx += mov[2 * i];
    by += mov[2 * i + 1];
  }
  ax /= n, ay /= n, bx /= n, by /= n;
  // For R(th) b = (c bx - s by, s bx + c by): sum a.Rb = c P + s Q; with b's y flipped first
  // (a reflection), the same with P', Q'. The better of the two wins.
  double p = 0, q = 0, pf = 0, qf = 0, bb = 0;
  for (size_t i = 0; i < n; ++i) {
    const double x = ref[2 * i] - ax, y = ref[2 * i + 1] - ay;
    const double u = mov[2 * i] - bx, v = mov[2 * i + 1] - by;
    p += x * u + y * v;
    q += y * u - x * v;
    pf += x * u - y * v;
    qf += y * u + x * v;
    bb += u * u + v * v;
  }
  if (bb <= 0) return t;
  const double rot = std::hypot(p, q), ref_val = std::hypot(pf, qf);
  if (ref_val > rot) {
    const double th = std::atan2(qf, pf), c = std::cos(th), s = std::sin(th);
    t.r00 = c, t.r01 = s, t.r10 = s, t.r11 = -c;  // R(th) * diag(1, -1)
    t.reflected = true;
    t.scale = ref_val / bb;
  } else {
    const double th = std::atan2(q, p), c = std::cos(th), s = std::sin(th);
    t.r00 = c, t.r01 = -s, t.r10 = s, t.r11 = c;
    t.scale = rot / bb;
  }
  t.tx = ax - t.scale * (t.r00 * bx + t.r01 * by);
  t.ty = ay - t.scale * (t.r10 * bx + t.r11 * by);
  return t;
}

void apply(const Similarity2& t, std::span<float> xy) {
  for (size_t i = 0; i + 1 < xy.size(); i += 2) {
    const double x = xy[i], y = xy[i + 1];
    xy[i] = static_cast<float>(t.scale * (t.r00 * x + t.r01 * y) + t.tx);
    xy[i + 1] = static_cast<float>(t.scale * (t.r10 * x + t.r11 * y) + t.ty);
  }
}

double rms_distance(std::span<const float> a, std::span<const float> b) {
  if (a.size() != b.size() || a.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(s / double(a.size() / 2));
}

// [SECTION] Latent maps

std::string_view to_string(MapMethod m) {
  return m == MapMethod::tsne ? "tsne" : "pca";
}

MapMethod parse_map_method(std::string_view text) {
  if (text == "pca") return MapMethod::pca;
  if (text == "tsne" || text == "t-sne") return MapMethod::tsne;
  throw InputError("the map of wider codes is pca or tsne, not '" + std::string(text) + "'");
}

std::vector<LatentMap> latent_maps(std::span<const Tensor> codes, MapMethod method,
                                   train::JobContext* ctx, double from, double to) {
  std::vector<LatentMap> maps;
  const double share = (to - from) / double(std::max<size_t>(1, codes.size()));
  for (const Tensor& c : codes) {
    if (c.rank() != 2 || c.dim(1) < 1) throw ShapeError("latent_maps: codes must be (M, L)");
    if (!maps.empty() && c.dim(0) * 2 != int64_t(maps.front().xy.size()))
      throw ShapeError("latent_maps: the runs' codes cover different test digits");
    const double at = from + share * double(maps.size());
    if (ctx) {
      ctx->checkpoint();
      ctx->report_progress(at, "latent map " + std::to_string(maps.size() + 1) + " of " +
                                   std::to_string(codes.size()));
    }
    LatentMap m;
    const int64_t n = c.dim(0), l = c.dim(1);
    if (l == 2) {
      m.method = "codes";
      m.xy.assign(c.data(), c.data() + n * 2);
    } else if (l == 1) {
      m.method = "codes";
      m.xy.assign(size_t(n) * 2, 0.0f);
      for (int64_t i = 0; i < n; ++i) m.xy[size_t(2 * i)] = c[i];
    } else if (method == MapMethod::tsne) {
      m.method = "tsne";
      analysis::TsneConfig tc;
      tc.perplexity = std::min(30.0, double(n - 1) / 3.0);
      std::atomic<bool> cancel{false};
      const analysis::TsneResult r = analysis::tsne(c, tc, &cancel, [&](double f) {
        if (!ctx) return;
        cancel = ctx->cancel_requested();
        ctx->report_progress(at + share * f, "t-SNE of map " + std::to_string(maps.size() + 1) +
                                                 " of " + std::to_string(codes.size()));
      });
      if (r.cancelled) throw train::JobCancelled();
      m.xy.assign(r.y.data(), r.y.data() + n * 2);
    } else {
      m.method = "pca";
      const Tensor p = analysis::fit_pca(c, 2).project(c);
      m.xy.assign(p.data(), p.data() + n * 2);
    }
    if (!maps.empty()) {
      m.aligned = procrustes_2d(maps.front().xy, m.xy);
      report::apply(m.aligned, m.xy);
    }
    maps.push_back(std::move(m));
  }
  return maps;
}

std::string latent_maps_csv(std::span<const int64_t> run_ids, std::span<const LatentMap> maps,
                            std::span<const uint8_t> labels) {
  if (run_ids.size() != maps.size()) throw ShapeError("latent_maps_csv: one run id per map");
  std::string csv = "run,index,label,method,x,y\n";
  char buf[96];
  for (size_t r = 0; r < maps.size(); ++r) {
    const size_t n = maps[r].xy.size() / 2;
    if (n != labels.size()) throw ShapeError("latent_maps_csv: one label per point");
    for (size_t i = 0; i < n; ++i) {
      std::snprintf(buf, sizeof buf, ",%.7g,%.7g\n", double(maps[r].xy[2 * i]),
                    double(maps[r].xy[2 * i + 1]));
      csv += std::to_string(run_ids[r]) + "," + std::to_string(i) + "," +
             std::to_string(int(labels[i])) + "," + maps[r].method + buf;
    }
  }
  return csv;
}

std::vector<int64_t> points_in_rect(const LatentMap& map, double x0, double y0, double x1,
                                    double y1) {
  if (x1 < x0) std::swap(x0, x1);
  if (y1 < y0) std::swap(y0, y1);
  std::vector<int64_t> out;
  for (size_t i = 0; i + 1 < map.xy.size(); i += 2)
    if (map.xy[i] >= x0 && map.xy[i] <= x1 && map.xy[i + 1] >= y0 && map.xy[i + 1] <= y1)
      out.push_back(int64_t(i / 2));
  return out;
}

// [SECTION] Picking digits

std::string_view to_string(ImagePick p) {
  switch (p) {
    case ImagePick::first_of_each_digit:
      return "first";
    case ImagePick::random:
      return "random";
    case ImagePick::most_disagreement:
      return "disagree";
    case ImagePick::worst_of_baseline:
      return "worst";
  }
  return "first";
}

ImagePick parse_image_pick(std::string_view text) {
  for (ImagePick p : {ImagePick::first_of_each_digit, ImagePick::random,
                      ImagePick::most_disagreement, ImagePick::worst_of_baseline})
    if (text == to_string(p)) return p;
  throw InputError("unknown image choice '" + std::string(text) +
                   "' (first, random, disagree or worst)");
}

std::vector<double> per_image_l1(const Tensor& recon, const Tensor& originals) {
  if (recon.shape() != originals.shape() || recon.rank() < 1)
    throw ShapeError("per_image_l1: reconstructions and originals differ in shape");
  const int64_t m = recon.dim(0), px = m ? recon.numel() / m : 0;
  std::vector<double> out(size_t(m), 0.0);
  for (int64_t i = 0; i < m; ++i) {
    double s = 0;
    for (int64_t k = 0; k < px; ++k)
      s += std::abs(double(recon[i * px + k]) - originals[i * px + k]);
    out[size_t(i)] = px ? s / double(px) : 0.0;
  }
  return out;
}

std::vector<double> disagreement(std::span<const Tensor> recons) {
  if (recons.empty()) return {};
  const int64_t m = recons.front().dim(0), px = m ? recons.front().numel() / m : 0;
  for (const Tensor& r : recons)
    if (r.shape() != recons.front().shape())
      throw ShapeError("disagreement: the runs' reconstructions differ in shape");
  std::vector<double> out(size_t(m), 0.0);
  if (recons.size() < 2) return out;
  const double runs = double(recons.size());
  for (int64_t i = 0; i < m; ++i) {
    double s = 0;
    for (int64_t k = 0; k < px; ++k) {
      double mean = 0;
      for (const Tensor& r : recons) mean += r[i * px + k];
      mean /= runs;
      for (const Tensor& r : recons) s += std::abs(r[i * px + k] - mean);
    }
    out[size_t(i)] = s / (runs * double(px));
  }
  return out;
}

std::vector<int64_t> pick_images(ImagePick pick, std::span<const uint8_t> labels, int count,
                                 uint64_t seed, std::span<const double> scores) {
  const int64_t m = int64_t(labels.size());
  count = std::max(0, std::min<int>(count, int(m)));
  std::vector<int64_t> out;
  switch (pick) {
    case ImagePick::first_of_each_digit: {
      std::vector<std::vector<int64_t>> by_class(10);
      for (int64_t i = 0; i < m; ++i)
        if (labels[size_t(i)] < 10) by_class[labels[size_t(i)]].push_back(i);
      for (size_t round = 0; int(out.size()) < count; ++round) {
        bool any = false;
        for (int c = 0; c < 10 && int(out.size()) < count; ++c)
          if (round < by_class[size_t(c)].size()) {
            out.push_back(by_class[size_t(c)][round]);
            any = true;
          }
        if (!any) break;
      }
      return out;
    }
    case ImagePick::random: {
      std::vector<int64_t> all(static_cast<size_t>(m));
      std::iota(all.begin(), all.end(), 0);
      Rng rng(seed);
      for (int k = 0; k < count; ++k)  // a partial Fisher-Yates: the first `count` are the draw
        std::swap(all[size_t(k)], all[size_t(k + rng.below(m - k))]);
      out.assign(all.begin(), all.begin() + count);
      std::sort(out.begin(), out.end());
      return out;
    }
    case ImagePick::most_disagreement:
    case ImagePick::worst_of_baseline: {
      if (int64_t(scores.size()) != m)
        throw InputError("picking digits by score needs one score per test digit (" +
                         std::to_string(scores.size()) + " for " + std::to_string(m) + ")");
      std::vector<int64_t> all(static_cast<size_t>(m));
      std::iota(all.begin(), all.end(), 0);
      std::stable_sort(all.begin(), all.end(),
                       [&](int64_t a, int64_t b) { return scores[size_t(a)] > scores[size_t(b)]; });
      out.assign(all.begin(), all.begin() + count);
      return out;
    }
  }
  return out;
}

// [SECTION] Loading the runs

namespace {

void gather(const Tensor& images, std::span<const int64_t> idx, Tensor& out) {
  for (size_t k = 0; k < idx.size(); ++k)
    std::copy_n(images.data() + idx[k] * 784, 784, out.data() + int64_t(k) * 784);
}

}  // namespace

RunViews load_run_views(const std::filesystem::path& runs_db, std::span<const int64_t> run_ids,
                        const train::DatasetSource& datasets, const ViewSpec& spec,
                        train::JobContext* ctx) {
  if (run_ids.empty()) throw InputError("no runs to show");
  if (spec.count < 1 || spec.count > 200)
    throw InputError("the number of digits must be between 1 and 200, got " +
                     std::to_string(spec.count));
  auto progress = [&](double f, const std::string& line) {
    if (!ctx) return;
    ctx->checkpoint();
    ctx->report_progress(f, line);
  };
  runs::RunStore store = runs::RunStore::open(runs_db);
  // Every id is checked before any model runs.
  std::string test_set;
  for (int64_t id : run_ids) {
    const runs::RunRecord rec = train::check_autoencoder_run(store, id);
    const std::string set = rec.config.value("dataset", std::string(data::kDefaultDataset)) +
                            " limit " + std::to_string(rec.config.value("limit", int64_t(0)));
    if (test_set.empty()) test_set = set;
    if (set != test_set)
      throw InputError("run " + std::to_string(id) + " was tested on " + set + ", run " +
                       std::to_string(run_ids.front()) + " on " + test_set +
                       ": the pictures need the same test digits");
  }
  RunViews v;
  std::vector<Tensor> recons, codes;
  std::shared_ptr<const data::Dataset> ds;
  // The bar: loading the runs, then the maps (most of the time when they are t-SNE maps).
  const bool tsne_maps = spec.latent && spec.map == MapMethod::tsne;
  const double maps_from = tsne_maps ? 0.25 : 0.9;
  for (size_t r = 0; r < run_ids.size(); ++r) {
    progress(maps_from * double(r) / double(run_ids.size()), "run " + std::to_string(run_ids[r]));
    train::RunModel run = train::load_run_codes(store, run_ids[r], datasets);
    ds = run.dataset;
    v.run_ids.push_back(run_ids[r]);
    v.names.push_back(run.summary.name);
    recons.push_back(
        train::reconstruct_all(*run.model, train::model_input(run.config, ds->test_images)));
    if (spec.latent) codes.push_back(std::move(run.test_codes));
  }
  const Tensor& originals = ds->test_images;
  if (originals.dim(0) < 1 || originals.numel() != originals.dim(0) * 784)
    throw InputError("the test split has no 28x28 digits to show");
  progress(maps_from, "picking digits");
  std::vector<std::vector<double>> l1_all;
  for (const Tensor& rc : recons) l1_all.push_back(per_image_l1(rc, originals));
  std::vector<double> scores;
  if (spec.pick == ImagePick::most_disagreement) scores = disagreement(recons);
  if (spec.pick == ImagePick::worst_of_baseline) {
    size_t b = 0;
    if (spec.baseline != 0) {
      auto it = std::find(run_ids.begin(), run_ids.end(), spec.baseline);
      if (it == run_ids.end())
        throw InputError("the baseline run " + std::to_string(spec.baseline) +
                         " is not one of the runs shown");
      b = size_t(it - run_ids.begin());
    }
    scores = l1_all[b];
  }
  v.picked = pick_images(spec.pick, ds->test_labels, spec.count, spec.seed, scores);
  for (int64_t i : v.picked) v.picked_labels.push_back(ds->test_labels[size_t(i)]);
  v.dataset = ds->name;
  const int64_t d = int64_t(v.picked.size());
  v.originals = Tensor({d, 28, 28});
  gather(originals, v.picked, v.originals);
  std::unique_ptr<train::LoadedDisNet> dis;
  if (spec.disnet_run > 0)
    dis = std::make_unique<train::LoadedDisNet>(train::load_disnet(runs_db, spec.disnet_run));
  for (size_t r = 0; r < recons.size(); ++r) {
    Tensor img({d, 28, 28});
    gather(recons[r], v.picked, img);
    std::vector<double> l1;
    for (int64_t i : v.picked) l1.push_back(l1_all[r][size_t(i)]);
    v.l1.push_back(std::move(l1));
    double total = 0;
    for (double x : l1_all[r]) total += x;
    v.test_l1.push_back(total / double(l1_all[r].size()));
    if (dis) {
      const Tensor s = train::disnet_scores(dis->net, img.reshaped({d, 1, 28, 28}));
      v.clear.emplace_back(s.data(), s.data() + s.numel());
    }
    v.images.push_back(std::move(img));
  }
  if (spec.latent) {
    progress(maps_from, "latent maps");
    v.maps = latent_maps(codes, spec.map, ctx, maps_from, 1.0);
  }
  v.labels.assign(ds->test_labels.begin(), ds->test_labels.end());
  return v;
}

Tensor views_image(const RunViews& v, int gap) {
  const int64_t cols = int64_t(v.images.size()) + 1, rows = int64_t(v.picked.size());
  if (rows == 0) return Tensor({0, 0});
  const int64_t h = rows * 28 + (rows - 1) * gap, w = cols * 28 + (cols - 1) * gap;
  Tensor img({h, w}, 0.5f);
  for (int64_t col = 0; col < cols; ++col)
    for (int64_t row = 0; row < rows; ++row) {
      const Tensor& src = col == 0 ? v.originals : v.images[size_t(col - 1)];
      for (int64_t y = 0; y < 28; ++y)
        for (int64_t x = 0; x < 28; ++x)
          img[(row * (28 + gap) + y) * w + col * (28 + gap) + x] =
              std::clamp(src[row * 784 + y * 28 + x], 0.0f, 1.0f);
    }
  return img;
}

}  // namespace aelab::report
