// The checkpoint format: exact size, bit-exact round trip, and every kind of damage refused.
#include <catch2/catch.hpp>
#include <cstring>
#include <limits>

#include "core/error.hpp"
#include "runs/tensor_blob.hpp"

using namespace aelab;
using namespace aelab::runs;

namespace {

std::span<const std::byte> bytes_of(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

// Recomputes the trailing checksum after a deliberate edit, so the structural checks are reached.
void reseal(std::vector<std::byte>& blob) {
  uint64_t h = fnv1a64(std::span<const std::byte>(blob).first(blob.size() - 8));
  std::memcpy(blob.data() + blob.size() - 8, &h, 8);
}

NamedTensors sample() {
  NamedTensors t;
  t.push_back({"w", Tensor({2, 3}, std::vector<float>{1, -2, 3.5f, 0, 1e-30f, -0.0f})});
  t.push_back({"scalar", Tensor(Shape{}, 7.0f)});
  t.push_back({"empty", Tensor({0, 4})});
  t.push_back({"", Tensor({1, 1, 2, 2},
                          std::vector<float>{std::numeric_limits<float>::infinity(), 2, 3, 4})});
  return t;
}

}  // namespace

TEST_CASE("FNV-1a-64 matches the published test vectors", "[blob]") {
  CHECK(fnv1a64(bytes_of("")) == 0xcbf29ce484222325ull);
  CHECK(fnv1a64(bytes_of("a")) == 0xaf63dc4c8601ec8cull);
  CHECK(fnv1a64(bytes_of("foobar")) == 0x85944171f73967e8ull);
  // Hashing in pieces equals hashing the whole.
  CHECK(fnv1a64(bytes_of("bar"), fnv1a64(bytes_of("foo"))) == fnv1a64(bytes_of("foobar")));
}

TEST_CASE("tensor blob has the documented size and round-trips bit-exactly", "[blob]") {
  NamedTensors one;
  one.push_back({"w", Tensor({2, 3}, 1.0f)});
  // magic 8 + version 4 + count 4 + name_len 4 + "w" 1 + rank 4 + dims 16 + data 24 + fnv 8
  CHECK(encode_tensors(one).size() == 73u);
  CHECK(encode_tensors({}).size() == 24u);

  auto in = sample();
  auto back = decode_tensors(encode_tensors(in), "test");
  REQUIRE(back.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    CHECK(back[i].name == in[i].name);
    CHECK(back[i].value.shape() == in[i].value.shape());
    REQUIRE(back[i].value.numel() == in[i].value.numel());
    if (in[i].value.numel() > 0)  // an empty tensor has no buffer; memcmp(nullptr, ...) is UB
      CHECK(std::memcmp(back[i].value.data(), in[i].value.data(), in[i].value.numel() * 4) == 0);
  }
  CHECK(std::signbit(back[0].value[5]));  // -0.0 kept
  CHECK(back[1].value.rank() == 0);
  CHECK(back[1].value[0] == 7.0f);
}

TEST_CASE("every flipped byte and every truncation is refused with InputError", "[blob]") {
  auto blob = encode_tensors(sample());
  for (size_t i = 0; i < blob.size(); ++i) {
    auto bad = blob;
    bad[i] ^= std::byte{0x40};
    CHECK_THROWS_AS(decode_tensors(bad, "ckpt"), InputError);
  }
  for (size_t n = 0; n < blob.size(); ++n) {
    CHECK_THROWS_AS(decode_tensors(std::span<const std::byte>(blob).first(n), "ckpt"), InputError);
  }
  CHECK_THROWS_WITH(decode_tensors(std::span<const std::byte>(blob).first(blob.size() - 1),
                                   "checkpoint 'final' of run 3"),
                    Catch::Contains("checkpoint 'final' of run 3") && Catch::Contains("checksum"));
}

TEST_CASE("structural damage under a valid checksum is refused, not trusted", "[blob]") {
  NamedTensors one;
  one.push_back({"w", Tensor({2, 3}, 1.0f)});
  const auto good = encode_tensors(one);
  // Offsets: magic 0, version 8, count 12, name_len 16, name 20, rank 21, dims 25, data 41.
  auto edit = [&](size_t offset, auto value) {
    auto b = good;
    std::memcpy(b.data() + offset, &value, sizeof(value));
    reseal(b);
    return b;
  };
  auto msg = [](const std::vector<std::byte>& b) {
    try {
      (void)decode_tensors(b, "x");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  CHECK_THAT(msg(edit(0, uint8_t{'X'})), Catch::Contains("bad magic"));
  CHECK_THAT(msg(edit(8, uint32_t{2})), Catch::Contains("version 2"));
  CHECK_THAT(msg(edit(12, uint32_t{0xffffffff})), Catch::Contains("count"));
  CHECK_THAT(msg(edit(12, uint32_t{2})), Catch::Contains("truncated"));
  CHECK_THAT(msg(edit(12, uint32_t{0})), Catch::Contains("trailing"));
  CHECK_THAT(msg(edit(16, uint32_t{0x7fffffff})), Catch::Contains("truncated"));
  CHECK_THAT(msg(edit(21, uint32_t{5})), Catch::Contains("rank 5"));
  CHECK_THAT(msg(edit(25, int64_t{-2})), Catch::Contains("negative"));
  // A huge dimension must be refused before anything is allocated for it.
  CHECK_THAT(msg(edit(25, int64_t{1} << 60)), Catch::Contains("larger than the blob"));
  CHECK_THAT(msg(edit(33, int64_t{4})), Catch::Contains("larger than the blob"));
  CHECK(msg(good) == "accepted");
}

TEST_CASE("name_in_order and values_of are inverses", "[blob]") {
  std::vector<Tensor> w{Tensor({3}, 1.0f), Tensor({2, 2}, 2.0f)};
  auto named = name_in_order(w);
  REQUIRE(named.size() == 2);
  CHECK(named[0].name == "0");
  CHECK(named[1].name == "1");
  auto back = values_of(decode_tensors(encode_tensors(named), "t"));
  REQUIRE(back.size() == 2);
  CHECK(back[1].shape() == Shape{2, 2});
  CHECK(back[1][3] == 2.0f);
}
