// The IDX reader refuses every malformed case, plain and gzip, with one line naming the file.
#include <catch2/catch.hpp>

#include "core/rng.hpp"
#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data_test_util.hpp"

using namespace aelab;
using namespace aelab::data;
using aelab::data::test::require_input_error;
using aelab::data::test::TempDir;
using aelab::data::test::write_bytes;

namespace {

std::vector<uint8_t> random_pixels(int64_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<uint8_t> px(static_cast<size_t>(count * kImagePixels));
  for (auto& p : px) p = static_cast<uint8_t>(rng.below(256));
  return px;
}

std::vector<uint8_t> be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

std::vector<uint8_t> cat(std::vector<uint8_t> a, const std::vector<uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Writes `bytes` as <name> (plain) or <name>.gz (gzip), returns the path.
std::filesystem::path put(const TempDir& dir, const std::string& name,
                          const std::vector<uint8_t>& bytes, bool gz) {
  const auto p = dir / (gz ? name + ".gz" : name);
  write_bytes(p, gz ? gzip_compress(bytes) : bytes);
  return p;
}

}  // namespace

TEST_CASE("IDX images and labels round-trip, plain and gzip", "[data][idx]") {
  const bool gz = GENERATE(false, true);
  TempDir dir;
  const auto px = random_pixels(7, 1);
  const std::vector<uint8_t> labels{3, 1, 4, 1, 5, 9, 2};
  const auto ip = dir / (gz ? "img.gz" : "img");
  const auto lp = dir / (gz ? "lab.gz" : "lab");
  write_idx_images(ip, px, 7);
  write_idx_labels(lp, labels);

  const auto raw = read_file_bytes(ip);
  REQUIRE(is_gzip(raw) == gz);
  if (!gz) {  // header bytes as the format defines them
    REQUIRE(raw.size() == 16 + 7 * 784);
    REQUIRE(std::vector<uint8_t>(raw.begin(), raw.begin() + 16) ==
            std::vector<uint8_t>{0, 0, 8, 3, 0, 0, 0, 7, 0, 0, 0, 28, 0, 0, 0, 28});
  }
  const IdxImages back = read_idx_images(ip);
  REQUIRE(back.count == 7);
  REQUIRE(back.pixels == px);
  REQUIRE(read_idx_labels(lp) == labels);

  const LabelledImages pair = read_idx_pair(ip, lp);
  REQUIRE(pair.images.shape() == Shape{7, 1, 28, 28});
  REQUIRE(pair.labels == labels);
  for (int64_t i : {int64_t{0}, int64_t{100}, int64_t{7 * 784 - 1}})
    REQUIRE(pair.images[i] == static_cast<float>(px[static_cast<size_t>(i)]) / 255.0f);

  // Atomic write leaves no temporary files behind.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    (void)e;
    ++files;
  }
  REQUIRE(files == 2);
}

TEST_CASE("gzip is detected by its magic bytes, not the file name", "[data][idx]") {
  TempDir dir;
  const std::vector<uint8_t> labels{0, 9, 5};
  const auto enc = encode_idx_labels(labels);
  write_bytes(dir / "gz-without-extension", gzip_compress(enc));
  write_bytes(dir / "plain-with-extension.gz", enc);
  REQUIRE(read_idx_labels(dir / "gz-without-extension") == labels);
  REQUIRE(read_idx_labels(dir / "plain-with-extension.gz") == labels);
}

TEST_CASE("IDX tensor conversion rounds and clamps", "[data][idx]") {
  Tensor t({1, 1, 28, 28});
  t[0] = 0.0f;
  t[1] = 1.0f;
  t[2] = 0.5f;          // 127.5 -> 128
  t[3] = 0.2f;          // 51
  t[4] = -0.3f;         // clamped to 0
  t[5] = 7.0f;          // clamped to 255
  t[6] = 100.4f / 255;  // 100
  const auto px = tensor_to_pixels(t);
  REQUIRE(std::vector<uint8_t>(px.begin(), px.begin() + 7) ==
          std::vector<uint8_t>{0, 255, 128, 51, 0, 255, 100});
  const Tensor back = pixels_to_tensor(px, 1);
  REQUIRE(back[1] == 1.0f);
  REQUIRE(back[3] == Approx(0.2f));
  REQUIRE_THROWS_AS(pixels_to_tensor(px, 2), ShapeError);
}

TEST_CASE("malformed IDX images are refused with the file and the problem", "[data][idx]") {
  const bool gz = GENERATE(false, true);
  TempDir dir;
  const auto px = random_pixels(3, 2);
  const auto good = encode_idx_images(px, 3);
  const auto header = [](uint32_t magic, uint32_t n, uint32_t r, uint32_t c) {
    return cat(cat(cat(be32(magic), be32(n)), be32(r)), be32(c));
  };
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    const char* problem;
  };
  const std::vector<Case> cases{
      {"empty", {}, "empty file"},
      {"short-header", {0, 0, 8, 3, 0, 0}, "truncated IDX header"},
      {"bad-magic", cat(header(0x12345678, 3, 28, 28), px), "bad magic 0x12345678"},
      {"float-type", cat(header(0x00000D03, 3, 28, 28), px), "wrong item type 0x0D (float32)"},
      {"labels-as-images", encode_idx_labels(std::vector<uint8_t>{1, 2, 3}), "1 dimensions"},
      {"32x32", cat(header(0x803, 1, 32, 32), std::vector<uint8_t>(1024, 0)),
       "images are 32x32, expected 28x28"},
      {"28x27", cat(header(0x803, 1, 28, 27), std::vector<uint8_t>(756, 0)), "28x27"},
      {"truncated", std::vector<uint8_t>(good.begin(), good.end() - 1),
       "truncated data: header says 3 images (2352 bytes) but only 2351 bytes follow"},
      {"header-only", header(0x803, 60000, 28, 28), "header says 60000 images (47040000 bytes)"},
      {"trailing", cat(good, {0xAA, 0xBB}), "2 bytes of trailing garbage after 3 images"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const auto p = put(dir, c.name, c.bytes, gz);
      require_input_error([&] { (void)read_idx_images(p); }, {p.string() + ":", c.problem});
    }
  }
}

TEST_CASE("malformed IDX labels are refused with the file and the problem", "[data][idx]") {
  const bool gz = GENERATE(false, true);
  TempDir dir;
  const std::vector<uint8_t> labels{0, 1, 2, 3, 4};
  const auto good = encode_idx_labels(labels);
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    const char* problem;
  };
  const std::vector<Case> cases{
      {"empty", {}, "empty file"},
      {"bad-magic", cat(be32(0x00010801), labels), "bad magic 0x00010801"},
      {"int32-type", cat(cat(be32(0x00000C01), be32(5)), labels), "wrong item type 0x0C (int32)"},
      {"images-as-labels", encode_idx_images(random_pixels(1, 3), 1), "3 dimensions"},
      {"truncated", std::vector<uint8_t>(good.begin(), good.end() - 2),
       "header says 5 labels (5 bytes) but only 3 bytes follow"},
      {"trailing", cat(good, {7}), "1 bytes of trailing garbage after 5 labels"},
      {"label-10", encode_idx_labels(std::vector<uint8_t>{0, 1, 10, 3}),
       "label 10 at index 2 is not a class 0..9"},
      {"label-255", encode_idx_labels(std::vector<uint8_t>{255}), "label 255 at index 0"},
  };
  for (const Case& c : cases) {
    SECTION(c.name) {
      const auto p = put(dir, c.name, c.bytes, gz);
      require_input_error([&] { (void)read_idx_labels(p); }, {p.string() + ":", c.problem});
    }
  }
}

TEST_CASE("image and label counts that disagree are refused", "[data][idx]") {
  const bool gz = GENERATE(false, true);
  TempDir dir;
  const auto ip = put(dir, "img", encode_idx_images(random_pixels(4, 4), 4), gz);
  const auto lp = put(dir, "lab", encode_idx_labels(std::vector<uint8_t>{1, 2, 3}), gz);
  require_input_error([&] { (void)read_idx_pair(ip, lp); },
                      {ip.string() + " holds 4 images but " + lp.string() + " holds 3 labels"});
}

TEST_CASE("damaged gzip is refused, never partially loaded", "[data][idx]") {
  TempDir dir;
  const auto good = gzip_compress(encode_idx_images(random_pixels(20, 5), 20));
  SECTION("truncated stream") {
    const auto p = dir / "cut.gz";
    write_bytes(p, std::vector<uint8_t>(good.begin(), good.begin() + good.size() / 2));
    require_input_error([&] { (void)read_idx_images(p); },
                        {p.string() + ":", "truncated gzip data"});
  }
  SECTION("missing trailer") {
    const auto p = dir / "notrailer.gz";
    write_bytes(p, std::vector<uint8_t>(good.begin(), good.end() - 4));
    require_input_error([&] { (void)read_idx_images(p); }, {p.string() + ":", "truncated gzip"});
  }
  SECTION("corrupt data (CRC fails)") {
    auto bad = good;
    bad[bad.size() - 6] ^= 0xFF;  // inside the CRC-32 of the trailer
    const auto p = dir / "crc.gz";
    write_bytes(p, bad);
    require_input_error([&] { (void)read_idx_images(p); }, {p.string() + ":", "corrupt gzip data"});
  }
  SECTION("garbage after the gzip stream") {
    const auto p = dir / "tail.gz";
    write_bytes(p, cat(good, {1, 2, 3}));
    require_input_error([&] { (void)read_idx_images(p); },
                        {p.string() + ":", "3 bytes of trailing garbage after the gzip data"});
  }
  SECTION("only the gzip magic") {
    const auto p = dir / "magic.gz";
    write_bytes(p, {0x1f, 0x8b});
    require_input_error([&] { (void)read_idx_images(p); }, {p.string() + ":"});
  }
}

TEST_CASE("concatenated gzip members are one stream", "[data][idx]") {
  TempDir dir;
  const auto enc = encode_idx_labels(std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
  const std::vector<uint8_t> a(enc.begin(), enc.begin() + 5), b(enc.begin() + 5, enc.end());
  const auto p = dir / "two.gz";
  write_bytes(p, cat(gzip_compress(a), gzip_compress(b)));
  REQUIRE(read_idx_labels(p) == std::vector<uint8_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("missing files and directories are InputErrors", "[data][idx]") {
  TempDir dir;
  const auto p = dir / "nope";
  require_input_error([&] { (void)read_idx_images(p); }, {p.string(), "cannot open"});
  require_input_error([&] { (void)read_idx_labels(dir.path()); }, {"is a directory"});
}

TEST_CASE("writers refuse labels outside 0..9 and unwritable places", "[data][idx]") {
  TempDir dir;
  REQUIRE_THROWS_AS(write_idx_labels(dir / "l", std::vector<uint8_t>{1, 12}), InputError);
  REQUIRE_FALSE(std::filesystem::exists(dir / "l"));
  require_input_error([&] { write_idx_labels(dir / "no-such-dir" / "l", std::vector<uint8_t>{1}); },
                      {"no-such-dir", "cannot create"});
}

TEST_CASE("randomly damaged IDX files load or fail with InputError, nothing else", "[data][idx]") {
  TempDir dir;
  Rng rng(2024);
  const auto plain = encode_idx_images(random_pixels(5, 6), 5);
  const auto gz = gzip_compress(plain);
  int refused = 0;
  for (int it = 0; it < 300; ++it) {
    auto bytes = (it % 2) ? gz : plain;
    if (rng.below(2))
      bytes.resize(static_cast<size_t>(rng.below(static_cast<int64_t>(bytes.size()))));
    for (int f = 0; f < 3 && !bytes.empty(); ++f)
      bytes[static_cast<size_t>(rng.below(static_cast<int64_t>(bytes.size())))] ^=
          static_cast<uint8_t>(1 + rng.below(255));
    const auto p = dir / "fuzz";
    write_bytes(p, bytes);
    try {
      const IdxImages img = read_idx_images(p);
      REQUIRE(img.pixels.size() == static_cast<size_t>(img.count * 784));  // whole, or refused
    } catch (const InputError&) {
      ++refused;
    }
  }
  REQUIRE(refused > 100);
}
