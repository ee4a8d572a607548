// Batcher: every index exactly once per epoch, a new order each epoch, same seed same order.
#include <algorithm>
#include <catch2/catch.hpp>

#include "data/batcher.hpp"

using namespace aelab;
using namespace aelab::data;

namespace {

// All epochs' batches, flattened per epoch, with the batch sizes seen.
struct Epoch {
  std::vector<int64_t> order;
  std::vector<int64_t> sizes;
};

Epoch run_epoch(Batcher& b) {
  Epoch e;
  std::span<const int64_t> idx;
  while (b.next(idx)) {
    e.sizes.push_back(static_cast<int64_t>(idx.size()));
    e.order.insert(e.order.end(), idx.begin(), idx.end());
  }
  return e;
}

}  // namespace

TEST_CASE("Batcher covers every index once per epoch", "[data][batcher]") {
  Rng rng(42);
  Batcher b(103, 10, rng);
  REQUIRE(b.batches_per_epoch() == 11);
  std::vector<int64_t> all(103);
  std::iota(all.begin(), all.end(), 0);
  std::vector<std::vector<int64_t>> orders;
  for (int epoch = 0; epoch < 3; ++epoch) {
    Epoch e = run_epoch(b);
    REQUIRE(e.sizes.size() == 11);
    REQUIRE(e.sizes.back() == 3);
    REQUIRE(std::all_of(e.sizes.begin(), e.sizes.end() - 1, [](int64_t s) { return s == 10; }));
    orders.push_back(e.order);
    std::sort(e.order.begin(), e.order.end());
    REQUIRE(e.order == all);
  }
  REQUIRE(b.epochs_done() == 3);
  REQUIRE(orders[0] != orders[1]);  // reshuffled each epoch
  REQUIRE(orders[1] != orders[2]);
  REQUIRE(orders[0] != all);  // and actually shuffled
}

TEST_CASE("Batcher is reproducible from the seed", "[data][batcher]") {
  Rng a(7), b(7), c(8);
  Batcher ba(50, 8, a), bb(50, 8, b), bc(50, 8, c);
  for (int epoch = 0; epoch < 2; ++epoch) {
    const Epoch ea = run_epoch(ba), eb = run_epoch(bb), ec = run_epoch(bc);
    REQUIRE(ea.order == eb.order);
    REQUIRE(ea.order != ec.order);
  }
}

TEST_CASE("Batcher drop_last drops the short batch", "[data][batcher]") {
  Rng rng(1);
  Batcher b(25, 8, rng, true);
  REQUIRE(b.batches_per_epoch() == 3);
  const Epoch e = run_epoch(b);
  REQUIRE(e.sizes == std::vector<int64_t>{8, 8, 8});
  std::vector<int64_t> seen = e.order;
  std::sort(seen.begin(), seen.end());
  REQUIRE(std::adjacent_find(seen.begin(), seen.end()) == seen.end());  // no repeats
}

TEST_CASE("Batcher edge cases", "[data][batcher]") {
  Rng rng(3);
  std::span<const int64_t> idx;
  Batcher empty(0, 4, rng);
  REQUIRE_FALSE(empty.next(idx));
  REQUIRE_FALSE(empty.next(idx));
  Batcher small(3, 8, rng, true);  // fewer than one batch and drop_last: nothing
  REQUIRE(small.batches_per_epoch() == 0);
  REQUIRE_FALSE(small.next(idx));
  Batcher one(3, 8, rng);
  REQUIRE(one.next(idx));
  REQUIRE(idx.size() == 3);
  REQUIRE_FALSE(one.next(idx));
  REQUIRE(one.next(idx));  // the next epoch starts
  REQUIRE_THROWS_AS(Batcher(10, 0, rng), InputError);
  REQUIRE_THROWS_AS(Batcher(-1, 4, rng), InputError);
}
