#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/rng.hpp"
#include "core/tensor.hpp"

using namespace aelab;

TEST_CASE("Tensor allocates aligned, zeroed storage", "[core]") {
  Tensor t({3, 5});
  REQUIRE(t.numel() == 15);
  REQUIRE(reinterpret_cast<uintptr_t>(t.data()) % 64 == 0);
  for (float v : t.span()) REQUIRE(v == 0.0f);
}

TEST_CASE("Tensor copy is deep, move is cheap", "[core]") {
  Tensor a({2, 2}, 1.5f);
  Tensor b = a;
  b[0] = 7.0f;
  REQUIRE(a[0] == 1.5f);
  const float* p = b.data();
  Tensor c = std::move(b);
  REQUIRE(c.data() == p);
}

TEST_CASE("Tensor reshape checks element counts and infers -1", "[core]") {
  Tensor t({4, 6});
  t.reshape({2, -1});
  REQUIRE(t.shape() == Shape{2, 12});
  REQUIRE_THROWS_AS(t.reshape({5, 5}), ShapeError);
  REQUIRE_THROWS_AS(Tensor({1, 2, 3, 4, 5}), ShapeError);
}

TEST_CASE("xtensor views write through to the buffer", "[core]") {
  Tensor t({2, 3}, std::vector<float>{-1, 2, -3, 4, -5, 6});
  auto v = t.view();
  v = xt::maximum(v, 0.0f);
  REQUIRE(t[0] == 0.0f);
  REQUIRE(t[1] == 2.0f);
  REQUIRE(v(1, 2) == 6.0f);
}

TEST_CASE("gather_rows and slice_rows copy the right rows", "[core]") {
  Tensor t({3, 2}, std::vector<float>{0, 1, 10, 11, 20, 21});
  std::vector<int64_t> idx{2, 0};
  Tensor g = gather_rows(t, idx);
  REQUIRE(g.shape() == Shape{2, 2});
  REQUIRE(g[0] == 20.0f);
  REQUIRE(g[3] == 1.0f);
  Tensor s = slice_rows(t, 1, 3);
  REQUIRE(s[0] == 10.0f);
  REQUIRE_THROWS_AS(slice_rows(t, 2, 4), ShapeError);
}

TEST_CASE("Rng is reproducible and roughly uniform", "[core]") {
  Rng a(42), b(42);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    double x = a.uniform();
    REQUIRE(x == b.uniform());
    sum += x;
  }
  REQUIRE(sum / 10000 == Approx(0.5).margin(0.02));
  double s2 = 0;
  for (int i = 0; i < 10000; ++i) {
    double z = a.normal();
    s2 += z * z;
  }
  REQUIRE(s2 / 10000 == Approx(1.0).margin(0.05));
}
