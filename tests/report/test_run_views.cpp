// report/run_views without a store: Procrustes alignment, latent maps, brushing and the four ways
// of picking test digits.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>

#include "analysis/tsne.hpp"
#include "core/error.hpp"
#include "core/rng.hpp"
#include "report/run_views.hpp"

using namespace aelab;

namespace {

std::vector<float> cloud(int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> xy;
  for (int i = 0; i < n; ++i) {
    xy.push_back(float(rng.normal() * 2.0));
    xy.push_back(float(rng.normal() * 0.7 + 0.3 * xy.back()));
  }
  return xy;
}

// p -> s R p + t with R a rotation by th, after flipping y when `reflect`.
std::vector<float> transformed(const std::vector<float>& xy, double th, bool reflect, double s,
                               double tx, double ty) {
  std::vector<float> out(xy.size());
  for (size_t i = 0; i < xy.size(); i += 2) {
    const double x = xy[i], y = reflect ? -xy[i + 1] : xy[i + 1];
    out[i] = float(s * (std::cos(th) * x - std::sin(th) * y) + tx);
    out[i + 1] = float(s * (std::sin(th) * x + std::cos(th) * y) + ty);
  }
  return out;
}

}  // namespace

TEST_CASE("procrustes: a rotated, reflected, scaled and shifted copy maps back", "[report]") {
  const std::vector<float> ref = cloud(200, 1);
  for (bool reflect : {false, true}) {
    std::vector<float> moved = transformed(ref, 2.1, reflect, 0.37, 5.0, -3.0);
    const report::Similarity2 t = report::procrustes_2d(ref, moved);
    CHECK(t.reflected == reflect);
    CHECK(t.scale == Approx(1 / 0.37).epsilon(1e-4));
    CHECK(report::rms_distance(ref, moved) > 1.0);
    report::apply(t, moved);
    CHECK(report::rms_distance(ref, moved) < 1e-4);
  }
  // Noise: still much closer after than before, and the exact optimum beats a small nudge.
  std::vector<float> noisy = transformed(ref, -0.8, true, 3.0, 1.0, 1.0);
  Rng rng(3);
  for (float& v : noisy) v += float(0.05 * rng.normal());
  const report::Similarity2 t = report::procrustes_2d(ref, noisy);
  std::vector<float> fixed = noisy;
  report::apply(t, fixed);
  const double best = report::rms_distance(ref, fixed);
  CHECK(best < 0.05);
  report::Similarity2 nudged = t;
  nudged.scale *= 1.01;
  std::vector<float> off = noisy;
  report::apply(nudged, off);
  CHECK(report::rms_distance(ref, off) > best);
  CHECK_THROWS_AS(report::procrustes_2d(ref, std::vector<float>(10)), ShapeError);
}

TEST_CASE("latent maps: 2-D codes as they are, wider codes by PCA, all aligned to the first",
          "[report]") {
  const std::vector<float> base = cloud(100, 7);
  Tensor a({100, 2}, base);
  const std::vector<float> turned = transformed(base, 1.0, true, 2.0, 0.5, 0.5);
  Tensor b({100, 2}, turned);
  // A 3-D code whose first two PCA components are the cloud (third dimension nearly constant).
  Tensor c({100, 3});
  for (int i = 0; i < 100; ++i) {
    c[i * 3] = base[size_t(2 * i)];
    c[i * 3 + 1] = 0.01f * float(i % 3);
    c[i * 3 + 2] = base[size_t(2 * i + 1)];
  }
  const std::vector<Tensor> codes = {a, b, c};
  const auto maps = report::latent_maps(codes);
  REQUIRE(maps.size() == 3);
  CHECK(maps[0].method == "codes");
  CHECK(maps[0].xy == base);  // the reference stays as it is
  CHECK(maps[2].method == "pca");
  CHECK(report::rms_distance(maps[0].xy, maps[1].xy) < 1e-4);
  CHECK(report::rms_distance(maps[0].xy, maps[2].xy) < 0.05);

  // Brushing: the indices inside a rectangle, corners in any order.
  report::LatentMap m;
  m.xy = {0, 0, 1, 1, 2, 2, -1, 0.5f};
  CHECK(report::points_in_rect(m, 2.5, 2.5, -0.5, -0.5) == std::vector<int64_t>{0, 1, 2});
  CHECK(report::points_in_rect(m, -2, 0, 0, 1) == std::vector<int64_t>{0, 3});
  CHECK(report::points_in_rect(m, -0.5, 1.5, 1.5, 0.5) == std::vector<int64_t>{1});
  const std::vector<Tensor> wrong = {a, Tensor({50, 2})};
  CHECK_THROWS_AS(report::latent_maps(wrong), ShapeError);
}

TEST_CASE("picking digits: first of each, seeded random, most disagreement, worst", "[report]") {
  const std::vector<uint8_t> labels = {3, 1, 3, 0, 1, 2, 0, 4, 2, 9};
  CHECK(report::pick_images(report::ImagePick::first_of_each_digit, labels, 7, 0) ==
        std::vector<int64_t>{3, 1, 5, 0, 7, 9, 6});
  const auto r1 = report::pick_images(report::ImagePick::random, labels, 4, 11);
  const auto r2 = report::pick_images(report::ImagePick::random, labels, 4, 11);
  const auto r3 = report::pick_images(report::ImagePick::random, labels, 4, 12);
  CHECK(r1 == r2);
  CHECK(r1.size() == 4);
  CHECK(std::is_sorted(r1.begin(), r1.end()));
  CHECK(std::adjacent_find(r1.begin(), r1.end()) == r1.end());
  CHECK(r1 != r3);  // another seed, another draw (for these seeds)
  CHECK(report::pick_images(report::ImagePick::random, labels, 50, 1).size() == 10);

  const std::vector<double> scores = {0.1, 0.5, 0.2, 0.5, 0.9, 0, 0, 0, 0, 0.3};
  CHECK(report::pick_images(report::ImagePick::worst_of_baseline, labels, 3, 0, scores) ==
        std::vector<int64_t>{4, 1, 3});
  CHECK_THROWS_AS(report::pick_images(report::ImagePick::most_disagreement, labels, 3, 0, {}),
                  InputError);
  CHECK(report::parse_image_pick("disagree") == report::ImagePick::most_disagreement);
  CHECK_THROWS_AS(report::parse_image_pick("best"), InputError);

  // Disagreement: two runs, 2 images of 2 pixels. Image 0 agrees; image 1 differs by 0.4 and 0.
  Tensor x({2, 2}, std::vector<float>{0.5f, 0.5f, 0.0f, 1.0f});
  Tensor y({2, 2}, std::vector<float>{0.5f, 0.5f, 0.4f, 1.0f});
  const std::vector<Tensor> recons = {x, y};
  const auto d = report::disagreement(recons);
  CHECK(d[0] == Approx(0.0));
  CHECK(d[1] == Approx((0.2 + 0.2 + 0 + 0) / 4));  // mean |dev|: pixel 0 each 0.2, pixel 1 0
  Tensor orig({2, 2}, std::vector<float>{0.0f, 1.0f, 0.0f, 0.0f});
  const auto l1 = report::per_image_l1(x, orig);
  CHECK(l1[0] == Approx(0.5));
  CHECK(l1[1] == Approx(0.5));
}

TEST_CASE("latent maps by t-SNE: the same codes give the same map, clusters stay apart, CSV rows",
          "[report]") {
  // Three tight clusters far apart in 8-D; two runs with the same codes.
  const int n = 150, d = 8;
  Tensor c({n, d});
  std::vector<uint8_t> labels;
  Rng rng(11);
  for (int i = 0; i < n; ++i) {
    labels.push_back(uint8_t(i % 3));
    for (int j = 0; j < d; ++j)
      c[i * d + j] = float((j == i % 3 ? 20.0 : 0.0) + 0.3 * rng.normal());
  }
  const std::vector<Tensor> codes = {c, c};
  const auto maps = report::latent_maps(codes, report::MapMethod::tsne);
  REQUIRE(maps.size() == 2);
  CHECK(maps[0].method == "tsne");
  CHECK(maps[1].method == "tsne");
  CHECK(report::rms_distance(maps[0].xy, maps[1].xy) < 1e-3);
  const Tensor y({n, 2}, maps[0].xy);
  CHECK(analysis::knn_label_accuracy(y, labels, 10) == 1.0);
  // PCA stays the default; the names parse both ways and refuse others.
  CHECK(report::latent_maps(codes).front().method == "pca");
  CHECK(report::parse_map_method("tsne") == report::MapMethod::tsne);
  CHECK(report::to_string(report::parse_map_method("pca")) == "pca");
  CHECK_THROWS_AS(report::parse_map_method("umap"), InputError);

  const std::vector<int64_t> ids = {4, 9};
  const std::string csv = report::latent_maps_csv(ids, maps, labels);
  CHECK(csv.rfind("run,index,label,method,x,y\n", 0) == 0);
  CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 2 * n);
  CHECK(csv.find("\n9,149,2,tsne,") != std::string::npos);
  CHECK_THROWS_AS(report::latent_maps_csv(std::vector<int64_t>{4}, maps, labels), ShapeError);
  CHECK_THROWS_AS(report::latent_maps_csv(ids, maps, std::vector<uint8_t>(3)), ShapeError);
}
