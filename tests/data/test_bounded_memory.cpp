// Hostile inputs cost bounded memory: each is read in a child process whose peak RSS the kernel
// reports (wait4), under an address-space limit so a regression fails instead of swapping.
// Also: a directory or a FIFO where an IDX file should be is reported as what it is.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>

#include "core/rng.hpp"
#include "data/dataset.hpp"
#include "data/gzip.hpp"
#include "data/idx.hpp"
#include "data_test_util.hpp"

using namespace aelab;
using namespace aelab::data;
using aelab::data::test::require_input_error;
using aelab::data::test::TempDir;
using aelab::data::test::write_bytes;

namespace {

struct ChildResult {
  int exit_code = -1;   // 0 loaded, 2 InputError, 3 bad_alloc, 1 anything else
  std::string message;  // the exception's text
  long peak_rss_kb = 0;
};

// Runs `fn` in a forked child limited to 1 GiB of address space; its outcome and peak RSS.
ChildResult in_child(const std::function<void()>& fn) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    rlimit lim{size_t{1} << 30, size_t{1} << 30};
    ::setrlimit(RLIMIT_AS, &lim);
    int code = 0;
    std::string msg;
    try {
      fn();
    } catch (const InputError& e) {
      code = 2;
      msg = e.what();
    } catch (const std::bad_alloc&) {
      code = 3;
      msg = "bad_alloc";
    } catch (const std::exception& e) {
      code = 1;
      msg = e.what();
    }
    if (!msg.empty() && ::write(fds[1], msg.data(), msg.size()) < 0) code = 1;
    ::_exit(code);
  }
  ::close(fds[1]);
  ChildResult r;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) r.message.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  rusage ru{};
  REQUIRE(::wait4(pid, &status, 0, &ru) == pid);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.peak_rss_kb = ru.ru_maxrss;
  return r;
}

std::vector<uint8_t> be32(uint32_t v) {
  return {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16),
          static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
}

std::vector<uint8_t> images_header(uint32_t count) {
  std::vector<uint8_t> h = be32(kIdxImagesMagic);
  for (uint32_t v : {count, 28u, 28u}) {
    const auto b = be32(v);
    h.insert(h.end(), b.begin(), b.end());
  }
  return h;
}

// gzip members concatenated: `head` (may be empty), then `mib` MiB of zeros, 1 MiB per member
// (about 1 KiB each), so a 2 MB file inflates to 2 GiB without compressing 2 GiB here.
std::vector<uint8_t> zero_bomb(const std::vector<uint8_t>& head, int mib) {
  std::vector<uint8_t> out = head.empty() ? std::vector<uint8_t>{} : gzip_compress(head);
  const auto member = gzip_compress(std::vector<uint8_t>(size_t{1} << 20, 0), 9);
  for (int i = 0; i < mib; ++i) out.insert(out.end(), member.begin(), member.end());
  return out;
}

constexpr long kLimitKb = 100 * 1024;

}  // namespace

TEST_CASE("gzip bombs and lying IDX headers are refused in bounded memory", "[data][idx][memory]") {
  TempDir dir;
  struct Case {
    const char* name;
    std::vector<uint8_t> bytes;
    const char* problem;
  };
  Rng rng(7);
  std::vector<uint8_t> noise(1900 * 1000);
  for (auto& b : noise) b = static_cast<uint8_t>(rng.below(256));
  std::vector<uint8_t> claim = images_header(2'500'000);
  claim.insert(claim.end(), noise.begin(), noise.end());
  std::vector<Case> cases;
  // 60000 images declared (47 MB), then 2 GiB of zeros: the counting pass finds the excess.
  cases.push_back({"bomb-after-header", zero_bomb(images_header(60000), 2048),
                   "more than 1048576 bytes of trailing garbage after 60000 images"});
  cases.push_back({"bomb-no-header", zero_bomb({}, 2048), "wrong item type 0x00"});
  // 1.9 MB of gzip (incompressible) claiming 2.5 M images: over the cap, refused at the header.
  cases.push_back({"claims-2.5M", gzip_compress(claim), "header says 2500000 images, more than"});
  // 900 k images declared (706 MB, under the cap; 800 KB of noise make it within deflate's
  // ratio), 100 MiB follow: refused by the counting pass before anything is allocated.
  std::vector<uint8_t> lie = zero_bomb(images_header(900'000), 100);
  const auto tail = gzip_compress(std::vector<uint8_t>(noise.begin(), noise.begin() + 800'000));
  lie.insert(lie.end(), tail.begin(), tail.end());
  cases.push_back(
      {"claims-900k", lie, "header says 900000 images (705600000 bytes) but only 105657600 bytes"});
  // The same claim, plain: the file's size refutes it before anything is read.
  cases.push_back({"claims-900k-plain", images_header(900'000), "but only 0 bytes follow"});
  // A claim no gzip file of this size can hold.
  cases.push_back({"beyond-ratio", gzip_compress(images_header(900'000)), "inflate to at most"});
  for (const Case& c : cases) {
    SECTION(c.name) {
      const auto p = dir / c.name;
      write_bytes(p, c.bytes);
      INFO("file of " << c.bytes.size() << " bytes");
      const auto t0 = std::chrono::steady_clock::now();
      const ChildResult r = in_child([&] { (void)read_idx_images(p); });
      INFO("child message: "
           << r.message << ", peak RSS " << r.peak_rss_kb / 1024 << " MiB, "
           << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() << " s");
      CHECK(r.exit_code == 2);
      CHECK(r.message.find(p.string() + ": ") == 0);
      CHECK(r.message.find(c.problem) != std::string::npos);
      CHECK(r.peak_rss_kb < kLimitKb);
    }
  }
}

TEST_CASE("a well-formed gzip IDX file costs its declared size once", "[data][idx][memory]") {
  TempDir dir;
  Rng rng(8);
  const int64_t n = 40000;  // 31 MB of pixels
  std::vector<uint8_t> px(static_cast<size_t>(n * kImagePixels));
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i % 97 ? 0 : rng.below(256));
  const auto p = dir / "img.gz";
  write_idx_images(p, px, n);
  const ChildResult base = in_child([] {});
  const ChildResult r = in_child([&] {
    const IdxImages img = read_idx_images(p);
    if (img.count != n) throw std::runtime_error("wrong count");
  });
  INFO("baseline " << base.peak_rss_kb << " KiB, read " << r.peak_rss_kb << " KiB, " << r.message);
  REQUIRE(r.exit_code == 0);
  const long declared_kb = static_cast<long>(px.size() / 1024);
  // It did hold the pixels (loosely: the child may reuse heap pages the parent had freed).
  CHECK(r.peak_rss_kb >= base.peak_rss_kb + declared_kb * 3 / 4);
  CHECK(r.peak_rss_kb < base.peak_rss_kb + declared_kb + 8 * 1024);  // once, plus buffers
}

TEST_CASE("a directory or a FIFO in place of an IDX file is reported as what it is",
          "[data][idx]") {
  TempDir dir;
  const auto fifo = dir / "fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  // Opening a FIFO for reading would block until a writer comes: the reader must not.
  const ChildResult r = in_child([&] {
    ::alarm(10);
    (void)read_idx_labels(fifo);
  });
  CHECK(r.exit_code == 2);
  CHECK(r.message == fifo.string() + ": is a FIFO (named pipe), expected a file");
  require_input_error([&] { (void)read_idx_images(dir.path()); },
                      {dir.path().string() + ": is a directory, expected a file"});

  // Through the dataset loader: the names exist, so it is not "not found".
  const auto ds = dir / "ds";
  std::filesystem::create_directories(ds / "train-images-idx3-ubyte");
  write_idx_labels(ds / "train-labels-idx1-ubyte", std::vector<uint8_t>{1});
  write_idx_images(ds / "t10k-images-idx3-ubyte", std::vector<uint8_t>(784, 0), 1);
  REQUIRE(::mkfifo((ds / "t10k-labels-idx1-ubyte").c_str(), 0600) == 0);
  require_input_error([&] { (void)load_dataset("mnist", dir.path(), ds); },
                      {"train-images-idx3-ubyte: is a directory"});
  std::filesystem::remove(ds / "train-images-idx3-ubyte");
  write_idx_images(ds / "train-images-idx3-ubyte", std::vector<uint8_t>(784, 0), 1);
  const ChildResult l = in_child([&] {
    ::alarm(10);
    (void)load_dataset("mnist", dir.path(), ds);
  });
  CHECK(l.exit_code == 2);
  CHECK(l.message.find("t10k-labels-idx1-ubyte: is a FIFO (named pipe)") != std::string::npos);
}
